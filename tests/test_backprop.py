"""Public tests for topic 4 (backpropagation) and the slides' handwritten digit network.

Run against your stubs with ``pytest tests/test_backprop.py`` (or ``--impl`` for another
implementation). Where a backward pass is compared with a numerical gradient, the
numerical gradient is computed here (not with your numerical_gradient) from the forward
pass written out in the test, so each backward exercise is checked on its own.
"""

from __future__ import annotations

import numbers

import numpy as np
import pytest

from deepgrade.evidence import finding
from deepgrade.feedback import (
    call_without_warnings,
    check_array,
    check_inputs_unchanged,
    check_scalar,
    expect_array,
    expect_items,
)
from deepgrade.slides import RELU_EDGES, SLIDE_IMAGE

# Not on the slides: the slides' horizontal-edge map after ReLU (RELU_EDGES) is the input of
# their 2x2 max pooling, whose output is [[1, 3], [1, 3]]; here is where each window's (first)
# maximum sits, carrying that window's dout (10, 20, 30, 40).
POOL_ROUTED = np.array(
    [
        [0, 10, 20, 0, 0],
        [0, 0, 0, 0, 0],
        [0, 0, 0, 0, 0],
        [30, 0, 0, 40, 0],
        [0, 0, 0, 0, 0],
    ],
    dtype=np.float64,
)


def read_only(*arrays: np.ndarray) -> None:
    """Make module-level test data read-only, so that no test can change it for the next."""
    for a in arrays:
        a.flags.writeable = False


read_only(POOL_ROUTED)


def direct_conv(x: np.ndarray, kernels: np.ndarray, pads, stride: int) -> np.ndarray:
    """The convolution layer's output without bias, pixel by pixel: x (N, H, W, d)."""
    (top, bottom), (left, right) = pads
    xp = np.pad(x, ((0, 0), (top, bottom), (left, right), (0, 0)))
    kh, kw = kernels.shape[:2]
    out_h = (xp.shape[1] - kh) // stride + 1
    out_w = (xp.shape[2] - kw) // stride + 1
    y = np.zeros((x.shape[0], out_h, out_w, kernels.shape[3]))
    for r in range(out_h):
        for c in range(out_w):
            window = xp[:, r * stride : r * stride + kh, c * stride : c * stride + kw, :]
            y[:, r, c, :] = np.tensordot(window, kernels, axes=3)
    return y


def centred_differences(f, x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """The test's own numerical gradient of a scalar function f at x."""
    x = np.array(x, dtype=np.float64)
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + eps
        plus = float(f(x))
        x[i] = old - eps
        minus = float(f(x))
        x[i] = old
        grad[i] = (plus - minus) / (2 * eps)
    return grad


def check_gradient(got, f, x, *, what: str) -> None:
    check_array(got, centred_differences(f, x), what=what, rtol=1e-5, atol=1e-7)


def check_loss(got, expected: float, n: int, *, what: str) -> None:
    """check_scalar, naming the common mistake of summing the loss over examples."""
    if isinstance(got, numbers.Real) and n > 1 and np.isclose(float(got), n * expected, rtol=1e-7):
        raise finding(
            "loss summed instead of averaged",
            f"{what} is {float(got)!r}, {n} times the expected {expected!r}: the loss looks "
            "summed over the examples; the slides average it (divide by N)",
        )
    check_scalar(got, expected, what=what)


def check_grads(grads, params: dict) -> None:
    """grads: a dict with the keys of params, each array of its parameter's shape."""
    keys = sorted(params)
    if not isinstance(grads, dict) or sorted(grads) != keys:
        got = sorted(grads) if isinstance(grads, dict) else type(grads).__name__
        raise AssertionError(f"digit_network's grads should be a dict with keys {keys}, got {got}")
    for name, p in params.items():
        expect_array(grads[name], what=f"grads[{name!r}]", shape=p.shape)


def impl_free_loss(params: dict, x: np.ndarray, labels: np.ndarray) -> float:
    """The digit network's mean cross entropy, written out: dense, ReLU, dense, softmax."""
    hidden = np.maximum(x.reshape(len(x), -1) @ params["W1"] + params["b1"], 0.0)
    scores = hidden @ params["W2"] + params["b2"]
    top = scores.max(axis=1, keepdims=True)
    log_probs = scores - top - np.log(np.exp(scores - top).sum(axis=1, keepdims=True))
    return float(-log_probs[np.arange(len(x)), labels].mean())


# ---------------------------------------------------------------- 4.1 numerical_gradient


@pytest.mark.exercise("numerical_gradient")
def test_numerical_gradient_of_sum_of_squares_is_2x(impl):
    x = np.array([[1.0, -2.0, 0.5], [3.0, 0.0, -1.5]])
    got = check_inputs_unchanged(
        impl, "numerical_gradient", lambda v: np.sum(v**2), x.copy(), names=("f", "x")
    )
    check_array(got, 2 * x, what="numerical_gradient(sum(x**2)) (should be 2x)", rtol=1e-6)


@pytest.mark.exercise("numerical_gradient")
def test_numerical_gradient_uses_centred_differences_with_eps(impl):
    # For f = sum(x**3), ((x+e)^3 - (x-e)^3) / (2e) = 3x^2 + e^2 exactly.
    x = np.array([1.0, 2.0, -3.0])
    got = impl.numerical_gradient(lambda v: np.sum(v**3), x, eps=0.1)
    check_array(got, 3 * x**2 + 0.01, what="numerical_gradient(sum(x**3), eps=0.1)", rtol=1e-9)


@pytest.mark.exercise("numerical_gradient")
def test_numerical_gradient_passes_x_of_the_same_shape(impl):
    x = np.arange(24, dtype=np.float64).reshape(2, 3, 4) / 10
    weights = np.linspace(-1.0, 1.0, 24).reshape(2, 3, 4)
    got = impl.numerical_gradient(lambda v: np.sum(weights * v), x)
    check_array(got, weights, what="numerical_gradient(sum(w * x)) for x of shape (2, 3, 4)")


# ---------------------------------------------------------------- 4.2 dense_forward

X = np.array([[1.0, 2.0], [3.0, 4.0]])
W = np.array([[1.0, 0.0, -1.0], [0.5, 1.0, 2.0]])
B = np.array([0.0, 1.0, -1.0])
read_only(X, W, B)


@pytest.mark.exercise("dense_forward")
def test_dense_forward_small_example(impl):
    expected = np.array([[2.0, 3.0, 2.0], [5.0, 5.0, 4.0]])
    check_array(impl.dense_forward(X, W, B), expected, what="dense_forward(x, W, b)")


@pytest.mark.exercise("dense_forward")
def test_dense_forward_flattens_each_example(impl):
    # Two 2x2 "images": each becomes a length-4 vector, as the 28x28 digits become 784.
    x = np.array([[[1.0, 0.0], [0.0, 0.0]], [[1.0, 2.0], [3.0, 4.0]]])
    w = np.array([[1.0], [10.0], [100.0], [1000.0]])
    got = impl.dense_forward(x, w, np.array([0.5]))
    check_array(got, np.array([[1.5], [4321.5]]), what="dense_forward(x of shape (2, 2, 2))")


# ---------------------------------------------------------------- 4.3 dense_backward


@pytest.mark.exercise("dense_backward")
def test_dense_backward_small_example(impl):
    dout = np.array([[1.0, 0.0, 2.0], [0.0, -1.0, 1.0]])
    dx, dW, db = impl.dense_backward(dout, X, W)
    check_array(dx, np.array([[-1.0, 4.5], [-1.0, 1.0]]), what="dx (= dout @ W.T)")
    check_array(dW, np.array([[1.0, -3.0, 5.0], [2.0, -4.0, 8.0]]), what="dW (= x.T @ dout)")
    check_array(db, np.array([1.0, -1.0, 3.0]), what="db (= dout summed over the batch)")


@pytest.mark.exercise("dense_backward")
def test_dense_backward_reshapes_dx_like_x(impl):
    # Two 2x2 "images" flattened to length 4; W picks pixel j with weight 10**j.
    x = np.array([[[1.0, 2.0], [3.0, 4.0]], [[0.0, -1.0], [2.0, 0.5]]])
    w = np.array([[1.0, 0.0], [10.0, 1.0], [100.0, 0.0], [1000.0, -1.0]])
    dout = np.array([[1.0, 0.0], [2.0, 1.0]])
    dx, dW, db = impl.dense_backward(dout, x, w)
    expected_dx = np.array([[[1.0, 10.0], [100.0, 1000.0]], [[2.0, 21.0], [200.0, 1999.0]]])
    check_array(dx, expected_dx, what="dx for x of shape (2, 2, 2) (reshaped like x)",
                shape_rule="x.shape = (2, 2, 2)")  # fmt: skip
    check_array(
        dW, [[1.0, 0.0], [0.0, -1.0], [7.0, 2.0], [5.0, 0.5]], what="dW (= x_flat.T @ dout)"
    )
    check_array(db, [3.0, 1.0], what="db (= dout summed over the batch)")


@pytest.mark.exercise("dense_backward")
def test_dense_backward_leaves_its_inputs_unchanged(impl):
    dout = np.array([[1.0, 0.0, 2.0], [0.0, -1.0, 1.0]])
    _, _, db = expect_items(
        check_inputs_unchanged(
            impl,
            "dense_backward",
            dout,
            np.array(X, dtype=float),
            np.array(W, dtype=float),
            names=("dout", "x", "W"),
        ),
        3,
        what="dense_backward",
        kind="a tuple (dx, dW, db)",
    )
    check_array(db, np.array([1.0, -1.0, 3.0]), what="db (= dout summed over the batch)")


@pytest.mark.exercise("dense_backward")
def test_dense_backward_matches_numerical_gradient(impl):
    rng = np.random.default_rng(5)
    x, w, b = rng.normal(size=(3, 2, 2)), rng.normal(size=(4, 2)), rng.normal(size=2)
    dout = rng.normal(size=(3, 2))
    dx, dW, db = impl.dense_backward(dout, x, w)

    def loss(x_, w_, b_):
        return np.sum((x_.reshape(len(x_), -1) @ w_ + b_) * dout)  # the dense forward pass

    check_gradient(dx, lambda v: loss(v, w, b), x, what="dx vs the numerical gradient")
    check_gradient(dW, lambda v: loss(x, v, b), w, what="dW vs the numerical gradient")
    check_gradient(db, lambda v: loss(x, w, v), b, what="db vs the numerical gradient")


# ---------------------------------------------------------------- 4.4 relu_backward


@pytest.mark.exercise("relu_backward")
def test_relu_backward_masks_with_the_forward_input(impl):
    x = np.array([[-1.0, 0.0, 2.0, 0.0], [3.0, -0.5, 1e-9, -2.0]])  # two zeros, a tiny positive
    dout = np.array([[5.0, 0.3, 5.0, -1.7], [-2.0, 7.0, -4.0, 1.1]])
    got = check_inputs_unchanged(impl, "relu_backward", dout, x, names=("dout", "x"))
    expected = np.array([[0.0, 0.0, 5.0, 0.0], [-2.0, 0.0, -4.0, 0.0]])
    check_array(got, expected, what="relu_backward")


@pytest.mark.exercise("relu_backward")
def test_relu_backward_matches_numerical_gradient(impl):
    x = np.array([[-1.5, 0.3], [2.0, -0.2], [0.7, 4.0]])
    dout = np.array([[1.0, -2.0], [3.0, 4.0], [-5.0, 6.0]])
    got = impl.relu_backward(dout, x)
    relu = lambda v: np.maximum(v, 0.0)  # noqa: E731 - the forward pass, written out
    check_gradient(got, lambda v: np.sum(relu(v) * dout), x, what="relu_backward(dout, x)")


# ---------------------------------------------------------------- 4.5 softmax_cross_entropy


@pytest.mark.exercise("softmax_cross_entropy")
def test_softmax_cross_entropy_slide_digit_six(impl):
    # Training label 6; the net says Pr(digit 6) = 0.5: the error is log(1 / 0.5).
    probs = np.full(10, 0.5 / 9)
    probs[6] = 0.5
    loss, dlogits = expect_items(
        impl.softmax_cross_entropy(np.log(probs)[None, :], np.array([6])),
        2,
        what="softmax_cross_entropy",
        kind="a pair (loss, dlogits)",
    )
    check_loss(loss, np.log(2.0), 1, what="loss for Pr(digit 6) = 0.5")
    expected = probs.copy()
    expected[6] -= 1.0
    check_array(dlogits, expected[None, :], what="dlogits (= softmax - onehot)")


@pytest.mark.exercise("softmax_cross_entropy")
def test_softmax_cross_entropy_uniform_logits_give_log_c(impl):
    loss, dlogits = expect_items(
        impl.softmax_cross_entropy(np.zeros((4, 5)), np.array([0, 1, 2, 4])),
        2,
        what="softmax_cross_entropy",
        kind="a pair (loss, dlogits)",
    )
    check_loss(loss, np.log(5.0), 4, what="loss of 4 examples with equal logits over 5 classes")
    expected = np.full((4, 5), 0.2)
    expected[[0, 1, 2, 3], [0, 1, 2, 4]] -= 1.0
    check_array(dlogits, expected / 4, what="dlogits (= (softmax - onehot) / N)")


@pytest.mark.exercise("softmax_cross_entropy")
def test_softmax_cross_entropy_is_averaged_over_examples(impl):
    logits = np.log(np.array([[0.5, 0.25, 0.25], [0.1, 0.1, 0.8]]))
    loss, _ = expect_items(
        impl.softmax_cross_entropy(logits, np.array([0, 2])),
        2,
        what="softmax_cross_entropy",
        kind="a pair (loss, dlogits)",
    )
    check_loss(loss, (np.log(2.0) + np.log(1.25)) / 2, 2, what="mean loss of 2 examples")


@pytest.mark.exercise("softmax_cross_entropy")
def test_softmax_cross_entropy_is_stable_for_large_logits(impl):
    logits = np.array([[1000.0, 0.0, -1000.0], [1000.0, 0.0, -1000.0]])
    expected = np.array([[0.0, 0.0, 0.0], [1.0, 0.0, -1.0]]) / 2

    def values(out):  # checked before the warning: they can show the mistake
        loss, dlogits = expect_items(out, 2, what="softmax_cross_entropy",
                                     kind="a pair (loss, dlogits)")  # fmt: skip
        check_loss(loss, 1000.0, 2, what="loss with logits ±1000 (use log-sum-exp)")
        check_array(dlogits, expected, what="dlogits with logits ±1000")

    call_without_warnings(impl.softmax_cross_entropy, logits, np.array([0, 2]),
                          what="the loss with logits ±1000", check=values)  # fmt: skip


@pytest.mark.exercise("softmax_cross_entropy")
def test_softmax_cross_entropy_gradient_matches_numerical_gradient(impl):
    logits = np.array([[0.2, -1.0, 0.5, 2.0], [1.0, 1.0, -0.3, 0.0], [-2.0, 0.1, 0.4, 0.3]])
    labels = np.array([3, 0, 2])
    _, dlogits = expect_items(
        impl.softmax_cross_entropy(logits, labels),
        2,
        what="softmax_cross_entropy",
        kind="a pair (loss, dlogits)",
    )

    def loss(v):  # the mean cross entropy, written out (log-sum-exp minus the label's logit)
        top = v.max(axis=1, keepdims=True)
        logsumexp = top[:, 0] + np.log(np.exp(v - top).sum(axis=1))
        return float(np.mean(logsumexp - v[np.arange(len(labels)), labels]))

    check_gradient(dlogits, loss, logits, what="dlogits vs the numerical gradient of the loss")


# ---------------------------------------------------------------- 4.6 conv_layer_backward


@pytest.mark.exercise("conv_layer_backward")
def test_conv_layer_backward_slide_image_box_filter(impl):
    # The slides' 7x7 image and 3x3 all-ones filter; dout all ones on the 5x5 output.
    dx, dk, db = expect_items(
        impl.conv_layer_backward(
            np.ones((5, 5, 1)), SLIDE_IMAGE[:, :, None], np.ones((3, 3, 1, 1))
        ),
        3,
        what="conv_layer_backward",
        kind="a tuple (dx, dkernels, dbias)",
    )
    coverage = np.array([1.0, 2.0, 3.0, 3.0, 3.0, 2.0, 1.0])  # windows covering each row/col
    check_array(dx, np.outer(coverage, coverage)[:, :, None], what="dx (sum over the windows)")
    window_sums = np.array([[14.0, 16.0, 13.0], [17.0, 19.0, 16.0], [14.0, 16.0, 13.0]])
    check_array(dk, window_sums[:, :, None, None], what="dkernels")
    check_array(db, np.array([25.0]), what="dbias (= dout summed over all pixels)")


@pytest.mark.exercise("conv_layer_backward")
def test_conv_layer_backward_stride_two_with_padding(impl):
    x = np.arange(1.0, 10.0).reshape(3, 3, 1)
    kernel = np.array([[1.0, 0.0], [0.0, -1.0]]).reshape(2, 2, 1, 1)
    dout = np.array([[1.0, 2.0], [3.0, 4.0]]).reshape(2, 2, 1)  # (3 + 2 - 2) // 2 + 1 = 2
    dx, dk, db = expect_items(
        impl.conv_layer_backward(dout, x, kernel, padding=1, stride=2),
        3,
        what="conv_layer_backward",
        kind="a tuple (dx, dkernels, dbias)",
    )
    expected_dx = np.array([[-1.0, 0.0, -2.0], [0.0, 4.0, 0.0], [-3.0, 0.0, -4.0]])
    check_array(dx, expected_dx[:, :, None], what="dx (padding 1, stride 2)")
    check_array(dk, np.array([[20.0, 36.0], [36.0, 64.0]])[:, :, None, None], what="dkernels")
    check_array(db, np.array([10.0]), what="dbias")


@pytest.mark.exercise("conv_layer_backward")
def test_conv_layer_backward_batch_with_padding_pairs_matches_numerical_gradient(impl):
    rng = np.random.default_rng(6)
    x = rng.normal(size=(2, 5, 4, 2))
    kernels = rng.normal(size=(3, 2, 2, 3))
    pads = ((1, 0), (2, 1))  # ((top, bottom), (left, right)), stride 2:
    # H' = (5 + 1 - 3) // 2 + 1 = 2, W' = (4 + 3 - 2) // 2 + 1 = 3
    dout = rng.normal(size=(2, 2, 3, 3))
    dx, dk, db = expect_items(
        impl.conv_layer_backward(dout, x, kernels, padding=pads, stride=2),
        3,
        what="conv_layer_backward",
        kind="a tuple (dx, dkernels, dbias)",
    )

    def loss(x_, k_):
        return np.sum(direct_conv(x_, k_, pads, 2) * dout)

    check_gradient(
        dx, lambda v: loss(v, kernels), x, what="dx (padding ((1, 0), (2, 1)), stride 2)"
    )
    check_gradient(dk, lambda v: loss(x, v), kernels, what="dkernels (batch of 2, summed)")
    check_array(db, dout.sum(axis=(0, 1, 2)), what="dbias (= dout summed over N, H', W')")


@pytest.mark.exercise("conv_layer_backward")
def test_conv_layer_backward_dx_and_dkernels_agree(impl):
    # The convolution is linear in x and in the kernels, so for y = conv(x, kernels):
    # sum(dout * y) = sum(dx * x) = sum(dkernels * kernels). Zero padding adds nothing.
    rng = np.random.default_rng(7)
    x = rng.normal(size=(2, 5, 6, 2))
    kernels = rng.normal(size=(2, 3, 2, 3))
    dout = rng.normal(size=(2, 3, 3, 3))  # padding 1, stride 2: (5+2-2)//2+1, (6+2-3)//2+1
    dx, dk, _ = expect_items(
        impl.conv_layer_backward(dout, x, kernels, padding=1, stride=2),
        3,
        what="conv_layer_backward",
        kind="a tuple (dx, dkernels, dbias)",
    )
    expect_array(dx, what="dx", shape=x.shape)
    expect_array(dk, what="dkernels", shape=kernels.shape)
    y = direct_conv(x, kernels, ((1, 1), (1, 1)), 2)
    expected = float(np.sum(dout * y))
    check_scalar(float(np.sum(dx * x)), expected,
                 what="sum(dx * x) (must equal sum(dout * y) for a layer linear in x)")  # fmt: skip
    check_scalar(float(np.sum(dk * kernels)), expected,
                 what="sum(dkernels * kernels) (must equal sum(dout * y) too)")  # fmt: skip


@pytest.mark.exercise("conv_layer_backward")
def test_conv_layer_backward_leaves_its_inputs_unchanged(impl):
    rng = np.random.default_rng(9)
    x, kernels = rng.normal(size=(2, 4, 4, 1)), rng.normal(size=(2, 2, 1, 2))
    dout = rng.normal(size=(2, 4, 4, 2))  # (4 + 1 - 2) // 1 + 1 = 4 rows and columns
    pads = ((1, 0), (0, 1))
    dx, _, db = expect_items(
        check_inputs_unchanged(
            impl,
            "conv_layer_backward",
            dout.copy(),
            x.copy(),
            kernels.copy(),
            padding=pads,
            names=("dout", "x", "kernels"),
        ),
        3,
        what="conv_layer_backward",
        kind="a tuple (dx, dkernels, dbias)",
    )
    expect_array(dx, what="dx", shape=x.shape)
    check_scalar(float(np.sum(dx * x)), float(np.sum(dout * direct_conv(x, kernels, pads, 1))),
                 what="sum(dx * x) (must equal sum(dout * y) for a layer linear in x)")  # fmt: skip
    check_array(db, dout.sum(axis=(0, 1, 2)), what="dbias (= dout summed over N, H', W')")


# ---------------------------------------------------------------- 4.7 max_pool2d_backward


@pytest.mark.exercise("max_pool2d_backward")
def test_max_pool2d_backward_slide_relu_map(impl):
    got = impl.max_pool2d_backward(np.array([[10.0, 20.0], [30.0, 40.0]]), RELU_EDGES)
    check_array(
        got, POOL_ROUTED, what="max_pool2d_backward on the slides' map (ties: first maximum)"
    )


@pytest.mark.exercise("max_pool2d_backward")
def test_max_pool2d_backward_routes_to_the_maximum(impl):
    x = np.array(
        [[1.0, 5.0, 0.0, 2.0], [3.0, 2.0, 9.0, 4.0], [8.0, 0.0, 1.0, 6.0], [7.0, 6.0, 3.0, 2.0]]
    )
    expected = np.array(
        [[0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 2.0, 0.0], [3.0, 0.0, 0.0, 4.0], [0.0] * 4]
    )
    got = impl.max_pool2d_backward(np.array([[1.0, 2.0], [3.0, 4.0]]), x)
    check_array(got, expected, what="max_pool2d_backward (gradient only at each window's max)")


@pytest.mark.exercise("max_pool2d_backward")
def test_max_pool2d_backward_ties_go_to_the_first_maximum(impl):
    got = impl.max_pool2d_backward(np.array([[5.0]]), np.zeros((2, 2)))
    expected = np.array([[5.0, 0.0], [0.0, 0.0]])
    expect_array(got, what="max_pool2d_backward of a 2x2 window", shape=(2, 2))
    if np.isclose(np.sum(got), 4 * 5.0):
        raise finding(
            "gradient given to all ties",
            "every tied maximum got the gradient; send it to the first one only",
        )
    check_array(got, expected, what="max_pool2d_backward of a window of equal values")


@pytest.mark.exercise("max_pool2d_backward")
def test_max_pool2d_backward_overlapping_windows_accumulate(impl):
    # size 2, stride 1: the centre 9 is the maximum of all four windows.
    x = np.array([[1.0, 2.0, 1.0], [2.0, 9.0, 2.0], [1.0, 2.0, 1.0]])
    got = impl.max_pool2d_backward(np.array([[1.0, 2.0], [3.0, 4.0]]), x, size=2, stride=1)
    expected = np.zeros((3, 3))
    expected[1, 1] = 10.0
    check_array(got, expected, what="max_pool2d_backward(size=2, stride=1) (use +=)")


@pytest.mark.exercise("max_pool2d_backward")
def test_max_pool2d_backward_rectangular_window_and_stride(impl):
    # size (2, 3), stride (1, 3), like max_pool2d: windows start at rows 0, 1, columns 0, 3.
    x = np.array([[0.0, 1, 2, 3, 4, 5], [6, 0, 1, 2, 3, 4], [5, 6, 0, 1, 2, 3]])
    dout = np.array([[1.0, 2.0], [3.0, 4.0]])
    got = impl.max_pool2d_backward(dout, x, size=(2, 3), stride=(1, 3))
    expected = np.zeros((3, 6))
    expected[0, 5] = 2.0  # window (0, 1): rows 0-1, columns 3-5, maximum 5
    expected[1, 0] = 1.0 + 3.0  # the 6 at (1, 0) is the first maximum of windows (0, 0), (1, 0)
    expected[1, 5] = 4.0  # window (1, 1): rows 1-2, columns 3-5, maximum 4
    check_array(got, expected, what="max_pool2d_backward(size=(2, 3), stride=(1, 3))")


@pytest.mark.exercise("max_pool2d_backward")
def test_max_pool2d_backward_leaves_its_inputs_unchanged(impl):
    dout = np.array([[10.0, 20.0], [30.0, 40.0]])
    got = check_inputs_unchanged(
        impl, "max_pool2d_backward", dout, np.array(RELU_EDGES, dtype=float), names=("dout", "x")
    )
    check_array(got, POOL_ROUTED, what="max_pool2d_backward on the slides' map")


@pytest.mark.exercise("max_pool2d_backward")
def test_max_pool2d_backward_channels_and_batch(impl):
    # Two examples, two channels: channel 1 is the negated channel 0, so its maxima differ.
    x = np.stack([RELU_EDGES, -RELU_EDGES], axis=-1)[None].repeat(2, axis=0)
    dout = np.ones((2, 2, 2, 2))
    got = impl.max_pool2d_backward(dout, x)
    expect_array(got, what="max_pool2d_backward's dx (it has x's shape)", shape=x.shape)
    check_array(got[1, :, :, 0], (POOL_ROUTED > 0).astype(float), what="dx[1, :, :, channel 0]")
    second = np.zeros((5, 5))
    second[[0, 0, 2, 2], [0, 3, 0, 2]] = 1.0  # first minimum of each window of the map
    check_array(got[0, :, :, 1], second, what="dx[0, :, :, channel 1]")


# ---------------------------------------------------------------- 4.8 digit_network


@pytest.mark.exercise("digit_network")
def test_digit_network_zero_weights_give_log_10(impl):
    params = {name: np.zeros_like(p) for name, p in impl.init_digit_network().items()}
    x = np.linspace(0.0, 1.0, 3 * 28 * 28).reshape(3, 28, 28)
    labels = np.array([6, 6, 1])
    loss, grads = expect_items(
        impl.digit_network(params, x, labels), 2, what="digit_network", kind="a pair (loss, grads)"
    )
    check_loss(loss, np.log(10.0), 3, what="loss with all-zero parameters (Pr = 1/10 each)")
    check_grads(grads, params)
    expected_db2 = np.full(10, 0.1)
    expected_db2[6] -= 2 / 3
    expected_db2[1] -= 1 / 3
    check_array(grads["b2"], expected_db2, what="grads['b2'] at zero weights")
    check_array(grads["W1"], np.zeros((784, 512)), what="grads['W1'] at zero weights")


@pytest.mark.exercise("digit_network")
def test_digit_network_small_net_loss_and_gradient(impl):
    # A 2-3-2 net whose hidden pre-activations have negative entries (so the ReLU matters)
    # and nonzero biases. The literals were computed once with the reference solution
    # (solutions.backprop.digit_network) and pasted here.
    params = {
        "W1": np.array([[0.5, -1.0, 0.25], [-0.5, 0.75, 1.0]]),
        "b1": np.array([0.1, -0.2, 0.3]),
        "W2": np.array([[1.0, -0.5], [0.5, 0.25], [-1.0, 0.75]]),
        "b2": np.array([0.2, -0.1]),
    }
    x = np.array([[1.0, 2.0], [-1.0, 0.5], [2.0, -1.0]])
    loss, grads = expect_items(
        impl.digit_network(params, x, np.array([0, 1, 1])),
        2,
        what="digit_network",
        kind="a pair (loss, grads)",
    )
    check_loss(loss, 2.46495308766846, 3, what="loss of the 2-3-2 net (ReLU after the first layer)")
    check_array(grads["b2"], [0.12079131, -0.12079131], what="grads['b2'] of the 2-3-2 net",
                rtol=1e-6)  # fmt: skip
    expected_dw2 = [[0.49974754, -0.49974754], [0.06178063, -0.06178063], [-0.76101688, 0.76101688]]
    check_array(grads["W2"], expected_dw2, what="grads['W2'] of the 2-3-2 net", rtol=1e-6)


@pytest.mark.exercise("digit_network")
def test_digit_network_matches_numerical_gradient(impl):
    rng = np.random.default_rng(8)
    params = {
        "W1": rng.normal(size=(6, 4)),
        "b1": rng.normal(size=4) * 0.1,
        "W2": rng.normal(size=(4, 3)),
        "b2": rng.normal(size=3) * 0.1,
    }
    x = rng.normal(size=(5, 2, 3))
    labels = np.array([0, 2, 1, 1, 0])
    loss, grads = expect_items(
        impl.digit_network(params, x, labels), 2, what="digit_network", kind="a pair (loss, grads)"
    )
    check_grads(grads, params)
    check_loss(loss, impl_free_loss(params, x, labels), 5, what="loss of the 6-4-3 net")
    for name in params:

        def loss_of(value, name=name):
            return impl.digit_network({**params, name: value}, x, labels)[0]

        check_gradient(grads[name], loss_of, params[name], what=f"grads[{name!r}] (6-4-3 net)")
