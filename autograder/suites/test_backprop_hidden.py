"""Hidden suite for topic 4 (backpropagation) and the slides' handwritten digit network.

Expected values come from the reference (``solutions.backprop``) on the trusted side;
where a backward pass is checked against a numerical gradient, that gradient is the
grader's own centred differences of the *reference* forward pass (never the student's),
so a wrong forward pass cannot hide a wrong backward pass. Inputs are checked unchanged
through ``impl.with_inputs``; every array handed to the student is a fresh copy, so a
submission writing into its inputs cannot corrupt the expected values either.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograder.suites import mistakes_backprop as mk
from autograder.suites import support
from autograder.suites.support import DETERMINISTIC as FAST
from autograder.suites.support import Cases, finite_differences, fresh
from deepgrade.feedback import call_without_warnings, check_array, check_scalar
from solutions import backprop as ref
from solutions import pooling as ref_pool

GRAD_RTOL, GRAD_ATOL = 1e-5, 1e-7  # a gradient against centred differences (eps = 1e-6)


def check_gradient(got, f, at, *, what: str, mistakes) -> None:
    """``got`` against the grader's centred differences of the scalar function f at ``at``."""
    numerical = finite_differences(f, at)
    check_array(got, numerical, rtol=GRAD_RTOL, atol=GRAD_ATOL, what=what, mistakes=mistakes)


def check_unchanged(name: str, sent: dict, after: tuple, hint: str = "") -> None:
    """Fail if the call changed an array argument: ``sent`` maps argument position to
    (argument name, original array); ``after`` are the arguments as the call left them;
    ``hint`` says how the input was probably changed."""
    positions = list(sent)
    support.check_unchanged(
        [after[p] for p in positions], [sent[p][1] for p in positions],
        [sent[p][0] for p in positions], name, hint,
    )  # fmt: skip


def unpack(got, n: int, what: str) -> tuple:
    if not isinstance(got, tuple | list) or len(got) != n:
        raise AssertionError(
            f"{what} should return a tuple of {n} values, got {type(got).__name__}"
        )
    return tuple(got)


# ---------------------------------------------------------------- 4.1 numerical_gradient


@pytest.mark.exercise("numerical_gradient")
@pytest.mark.points(2)
def test_numerical_gradient_of_a_non_separable_function(impl):
    # f(v) = (a . v)^2 / 2 + b . v couples all elements: a perturbation left in place
    # changes every later element's result. Quadratic, so centred differences are exact.
    rng = np.random.default_rng(411)
    cases = Cases()
    for shape in ((3, 4), (5,)):
        a, b, x = rng.normal(size=shape), rng.normal(size=shape), rng.normal(size=shape)

        def f(v, a=a, b=b):
            v = np.asarray(v, dtype=np.float64).reshape(a.shape)
            return float(0.5 * np.sum(a * v) ** 2 + np.sum(b * v))

        got = impl.numerical_gradient(f, x.copy(), eps=1e-3)
        cases.check(
            check_array,
            got,
            a * np.sum(a * x) + b,
            what="numerical_gradient of a quadratic f "
            f"coupling all elements of x (shape {shape}, eps=1e-3)",
            mistakes=mk.numerical_gradient_mistakes(f, x, 1e-3),
        )
    cases.done()


@pytest.mark.exercise("numerical_gradient")
@pytest.mark.points(1)
def test_numerical_gradient_uses_the_given_eps(impl):
    rng = np.random.default_rng(412)
    c, x = rng.normal(size=(2, 3)), rng.normal(size=(2, 3))

    def f(v):
        v = np.asarray(v, dtype=np.float64).reshape(c.shape)
        return float(np.sum(c * v**3) + np.sum(np.sin(v)))

    cases = Cases()
    for eps in (0.05, 0.2):
        got = impl.numerical_gradient(f, x.copy(), eps=eps)
        cases.check(
            check_array,
            got,
            ref.numerical_gradient(f, x, eps=eps),
            rtol=1e-6,
            what=f"numerical_gradient of a cubic f at x of shape (2, 3), eps={eps}",
            mistakes=mk.numerical_gradient_mistakes(f, x, eps),
        )
    cases.done()


@pytest.mark.exercise("numerical_gradient")
@pytest.mark.points(1)
def test_numerical_gradient_calls_f_with_x_shape_and_default_eps(impl):
    rng = np.random.default_rng(413)
    x = rng.normal(size=(2, 1, 3))
    seen = []

    def f(v):
        v = np.asarray(v, dtype=np.float64)
        seen.append(v.shape)
        return float(np.sum(np.exp(v.reshape(-1))))

    got = impl.numerical_gradient(f, x.copy())
    wrong = [s for s in seen if s != x.shape]
    assert not wrong, (
        f"numerical_gradient called f with an array of shape {wrong[0]}; f expects arrays "
        f"of x's shape {x.shape} (perturb a copy of x, not a flattened one)"
    )
    assert len(seen) >= 2 * x.size, (
        f"numerical_gradient called f {len(seen)} times for x with {x.size} elements; "
        "centred differences need two calls per element"
    )
    pure = lambda v: float(np.sum(np.exp(np.asarray(v).reshape(-1))))  # noqa: E731
    check_array(
        got,
        np.exp(x),
        rtol=GRAD_RTOL,
        atol=GRAD_ATOL,
        what="numerical_gradient of sum(exp(x)) for x of shape (2, 1, 3), default eps",
        mistakes=mk.numerical_gradient_mistakes(pure, x),
    )


# ---------------------------------------------------------------- 4.2 dense_forward


@pytest.mark.exercise("dense_forward")
@pytest.mark.points(2)
def test_dense_forward_batch_of_images(impl):
    rng = np.random.default_rng(421)
    x, W, b = rng.normal(size=(5, 2, 3)), rng.normal(size=(6, 4)), rng.normal(size=4)
    check_array(
        impl.dense_forward(*fresh(x, W, b)),
        ref.dense_forward(x, W, b),
        what="dense_forward for x (5, 2, 3), W (6, 4), b (4,)",
        mistakes=mk.dense_forward_mistakes(x, W, b),
    )


@pytest.mark.exercise("dense_forward")
@pytest.mark.points(1)
def test_dense_forward_batch_size_equal_to_neurons(impl):
    # N == M: a bias added per example instead of per neuron does not raise here.
    rng = np.random.default_rng(422)
    x, W, b = rng.normal(size=(3, 5)), rng.normal(size=(5, 3)), rng.normal(size=3)
    check_array(
        impl.dense_forward(*fresh(x, W, b)),
        ref.dense_forward(x, W, b),
        what="dense_forward for x (3, 5), W (5, 3), b (3,)",
        mistakes=mk.dense_forward_mistakes(x, W, b),
    )


@pytest.mark.exercise("dense_forward")
@pytest.mark.points(1)
def test_dense_forward_one_example_and_integer_inputs(impl):
    x = np.array([[[1, -2], [3, 0]]], dtype=np.int64)  # N = 1, one 2x2 image
    W = np.arange(8, dtype=np.int64).reshape(4, 2) - 3
    b = np.array([1, -1], dtype=np.int64)
    got = impl.dense_forward(*fresh(x, W, b))
    check_array(
        got,
        ref.dense_forward(x, W, b),
        what="dense_forward for int64 x (1, 2, 2), W (4, 2), b (2,)",
        mistakes=mk.dense_forward_mistakes(x, W, b),
    )


@pytest.mark.exercise("dense_forward")
@pytest.mark.points(1)
def test_dense_forward_leaves_its_inputs_unchanged(impl):
    rng = np.random.default_rng(423)
    x, W, b = rng.normal(size=(4, 3)), rng.normal(size=(3, 2)), rng.normal(size=2)
    got, after, _ = impl.with_inputs("dense_forward")(*fresh(x, W, b))
    check_unchanged("dense_forward", {0: ("x", x), 1: ("W", W), 2: ("b", b)}, after)
    check_array(
        got,
        ref.dense_forward(x, W, b),
        what="dense_forward for x (4, 3), W (3, 2)",
        mistakes=mk.dense_forward_mistakes(x, W, b),
    )


# ---------------------------------------------------------------- 4.3 dense_backward


def check_dense_backward(got, dout, x, W, where: str) -> None:
    dx, dW, db = unpack(got, 3, "dense_backward")
    want = ref.dense_backward(dout, x, W)
    mistakes = mk.dense_backward_mistakes(dout, x, W)
    cases = Cases()
    cases.check(
        check_array, dx, want[0], what=f"dx {where}", shape_rule=f"x.shape = {x.shape}",
        mistakes=mistakes["dx"],
    )  # fmt: skip
    cases.check(
        check_array, dW, want[1], what=f"dW {where}", shape_rule=f"W.shape = {W.shape}",
        mistakes=mistakes["dW"],
    )  # fmt: skip
    cases.check(
        check_array, db, want[2], what=f"db {where}", shape_rule=f"(M,) = ({W.shape[1]},)",
        mistakes=mistakes["db"],
    )  # fmt: skip
    cases.done()


@pytest.mark.exercise("dense_backward")
@pytest.mark.points(2)
def test_dense_backward_random_batch(impl):
    rng = np.random.default_rng(431)
    dout, x, W = rng.normal(size=(5, 4)), rng.normal(size=(5, 3)), rng.normal(size=(3, 4))
    got = impl.dense_backward(*fresh(dout, x, W))
    check_dense_backward(got, dout, x, W, "for dout (5, 4), x (5, 3), W (3, 4)")


@pytest.mark.exercise("dense_backward")
@pytest.mark.points(1)
def test_dense_backward_batch_of_images_gives_dx_like_x(impl):
    rng = np.random.default_rng(432)
    dout, x, W = rng.normal(size=(3, 5)), rng.normal(size=(3, 2, 2, 2)), rng.normal(size=(8, 5))
    got = impl.dense_backward(*fresh(dout, x, W))
    check_dense_backward(got, dout, x, W, "for x of shape (3, 2, 2, 2), W (8, 5)")


@pytest.mark.exercise("dense_backward")
@pytest.mark.points(1)
def test_dense_backward_db_sums_over_the_batch(impl):
    rng = np.random.default_rng(433)
    dout, x, W = rng.normal(size=(6, 3)), rng.normal(size=(6, 2)), rng.normal(size=(2, 3))
    _, _, db = unpack(impl.dense_backward(*fresh(dout, x, W)), 3, "dense_backward")
    check_array(
        db,
        ref.dense_backward(dout, x, W)[2],
        what="db for a batch of 6 examples and 3 neurons",
        mistakes=mk.dense_backward_mistakes(dout, x, W)["db"],
    )


@pytest.mark.exercise("dense_backward")
@pytest.mark.points(1)
def test_dense_backward_matches_the_numerical_gradient(impl):
    rng = np.random.default_rng(434)
    x, W, b = rng.normal(size=(4, 3, 1)), rng.normal(size=(3, 2)), rng.normal(size=2)
    dout = rng.normal(size=(4, 2))
    dx, dW, db = unpack(impl.dense_backward(*fresh(dout, x, W)), 3, "dense_backward")
    mistakes = mk.dense_backward_mistakes(dout, x, W)

    def loss(x_, w_, b_):
        return np.sum(ref.dense_forward(x_, w_, b_) * dout)

    for name, got, f, at in (
        ("dx", dx, lambda v: loss(v, W, b), x),
        ("dW", dW, lambda v: loss(x, v, b), W),
        ("db", db, lambda v: loss(x, W, v), b),
    ):
        check_gradient(
            got,
            f,
            at,
            what=f"{name} vs the numerical gradient of sum(dout * dense_forward) "
            "for x (4, 3, 1), W (3, 2)",
            mistakes=mistakes[name],
        )


@pytest.mark.exercise("dense_backward")
@pytest.mark.points(1)
def test_dense_backward_leaves_its_inputs_unchanged(impl):
    rng = np.random.default_rng(435)
    dout, x, W = rng.normal(size=(3, 2)), rng.normal(size=(3, 4)), rng.normal(size=(4, 2))
    got, after, _ = impl.with_inputs("dense_backward")(*fresh(dout, x, W))
    check_unchanged("dense_backward", {0: ("dout", dout), 1: ("x", x), 2: ("W", W)}, after)
    check_dense_backward(got, dout, x, W, "for dout (3, 2), x (3, 4), W (4, 2)")


# ---------------------------------------------------------------- 4.4 relu_backward


@pytest.mark.exercise("relu_backward")
@pytest.mark.points(2)
def test_relu_backward_random_values(impl):
    rng = np.random.default_rng(441)
    cases = Cases()
    for shape in ((4, 5), (2, 3, 3)):
        x, dout = rng.normal(size=shape), rng.normal(size=shape)
        x.reshape(-1)[:2] = 0.0  # slope 0 at exactly 0
        got = impl.relu_backward(*fresh(dout, x))
        cases.check(
            check_array,
            got,
            ref.relu_backward(dout, x),
            what=f"relu_backward for dout and x {shape}",
            mistakes=mk.relu_backward_mistakes(dout, x),
        )
    cases.done()


@pytest.mark.exercise("relu_backward")
@pytest.mark.points(1)
def test_relu_backward_matches_the_numerical_gradient(impl):
    rng = np.random.default_rng(442)
    x = rng.normal(size=(2, 3, 2))
    x[np.abs(x) < 1e-3] = 0.5  # stay away from the kink
    dout = rng.normal(size=(2, 3, 2))
    got = impl.relu_backward(*fresh(dout, x))
    check_gradient(
        got,
        lambda v: np.sum(np.maximum(v, 0.0) * dout),
        x,
        what="relu_backward vs the numerical gradient of sum(dout * relu(x)), x of shape (2, 3, 2)",
        mistakes=mk.relu_backward_mistakes(dout, x),
    )


@pytest.mark.exercise("relu_backward")
@pytest.mark.points(1)
def test_relu_backward_leaves_dout_and_x_unchanged(impl):
    rng = np.random.default_rng(443)
    x, dout = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    got, after, _ = impl.with_inputs("relu_backward")(*fresh(dout, x))
    check_unchanged(
        "relu_backward", {0: ("dout", dout)}, after, mk.relu_backward_inplace_hint(after[0], got)
    )
    check_unchanged("relu_backward", {1: ("x", x)}, after)
    check_array(
        got,
        ref.relu_backward(dout, x),
        what="relu_backward for dout and x (3, 4)",
        mistakes=mk.relu_backward_mistakes(dout, x),
    )


# ---------------------------------------------------------------- 4.5 softmax_cross_entropy


def check_sce(got, logits, labels, where: str) -> None:
    loss, dlogits = unpack(got, 2, "softmax_cross_entropy")
    want_loss, want_d = ref.softmax_cross_entropy(logits, labels)
    mistakes = mk.softmax_cross_entropy_mistakes(logits, labels)
    cases = Cases()
    cases.check(check_scalar, loss, want_loss, what=f"the loss {where}", mistakes=mistakes["loss"])
    cases.check(check_array, dlogits, want_d, what=f"dlogits {where}", mistakes=mistakes["dlogits"])
    cases.done()


@pytest.mark.exercise("softmax_cross_entropy")
@pytest.mark.points(2)
def test_softmax_cross_entropy_batch_size_differs_from_classes(impl):
    rng = np.random.default_rng(451)
    logits, labels = rng.normal(scale=2.0, size=(7, 4)), np.array([3, 0, 0, 2, 1, 3, 3])
    got = impl.softmax_cross_entropy(*fresh(logits, labels))
    check_sce(got, logits, labels, "for logits (7, 4) (N=7 examples, C=4 classes)")


@pytest.mark.exercise("softmax_cross_entropy")
@pytest.mark.points(2)
def test_softmax_cross_entropy_logits_around_plus_minus_1000(impl):
    logits = np.array(
        [
            [1000.0, 999.0, -1000.0, 998.5, 0.0],
            [-1000.0, -1001.0, -999.0, -1000.0, -1002.0],
            [-1000.0, 1000.0, 0.0, 500.0, -500.0],
        ]
    )
    labels = np.array([1, 2, 0])  # the last one has probability exp(-2000): loss ~ 2000/3
    got = impl.softmax_cross_entropy(*fresh(logits, labels))
    check_sce(got, logits, labels, "for logits (3, 5) between -1002 and 1000")


@pytest.mark.exercise("softmax_cross_entropy")
@pytest.mark.points(1)
def test_softmax_cross_entropy_raises_no_warning(impl):
    # the docstring: stable for logits like 1000 (log-sum-exp), no warning raised
    logits = np.array([[1000.0, -1000.0, 0.0], [-800.0, -801.0, -799.0], [3.0, 1e4, -1e4]])
    labels = np.array([1, 0, 2])
    where = "of logits between -1e4 and 1e4"
    got = call_without_warnings(
        impl.softmax_cross_entropy, *fresh(logits, labels), what=f"softmax_cross_entropy {where}"
    )
    check_sce(got, logits, labels, where)  # no point for wrong values


@pytest.mark.exercise("softmax_cross_entropy")
@pytest.mark.points(1)
def test_softmax_cross_entropy_of_a_duplicated_batch(impl):
    rng = np.random.default_rng(452)
    logits, labels = rng.normal(size=(3, 5)), np.array([4, 0, 4])
    loss, dlogits = unpack(
        impl.softmax_cross_entropy(*fresh(logits, labels)), 2, "softmax_cross_entropy"
    )
    twice = unpack(
        impl.softmax_cross_entropy(*fresh(np.tile(logits, (2, 1)), np.tile(labels, 2))),
        2,
        "softmax_cross_entropy",
    )
    mistakes = mk.softmax_cross_entropy_mistakes(np.tile(logits, (2, 1)), np.tile(labels, 2))
    check_scalar(
        twice[0],
        float(loss),
        what="the loss of a batch of 3 examples repeated twice (an averaged loss must "
        "equal the loss of the batch itself)",
        mistakes=[m for m in mistakes["loss"] if m.name == "loss summed instead of averaged"],
    )
    dlogits = np.asarray(dlogits, dtype=np.float64)
    check_array(
        twice[1],
        np.concatenate([dlogits, dlogits]) / 2,
        what="dlogits of a batch of 3 examples repeated twice (each row of an averaged "
        "loss's gradient is divided by N, so the rows are half those of the batch)",
        mistakes=[m for m in mistakes["dlogits"] if m.name == "gradient not averaged"],
    )
    check_sce((loss, dlogits), logits, labels, "for logits (3, 5)")


@pytest.mark.exercise("softmax_cross_entropy")
@pytest.mark.points(1)
def test_softmax_cross_entropy_matches_the_numerical_gradient(impl):
    rng = np.random.default_rng(453)
    logits, labels = rng.normal(size=(2, 6)), np.array([5, 5])
    _, dlogits = unpack(
        impl.softmax_cross_entropy(*fresh(logits, labels)), 2, "softmax_cross_entropy"
    )
    check_gradient(
        dlogits,
        lambda v: ref.softmax_cross_entropy(v, labels)[0],
        logits,
        what="dlogits vs the numerical gradient of the loss, logits (2, 6)",
        mistakes=mk.softmax_cross_entropy_mistakes(logits, labels)["dlogits"],
    )


@pytest.mark.exercise("softmax_cross_entropy")
@pytest.mark.points(1)
def test_softmax_cross_entropy_one_example_and_many_classes(impl):
    rng = np.random.default_rng(454)
    logits, labels = rng.normal(scale=3.0, size=(1, 10)), np.array([7])
    got = impl.softmax_cross_entropy(*fresh(logits, labels))
    check_sce(got, logits, labels, "for one example of 10 classes")


@pytest.mark.exercise("softmax_cross_entropy")
@pytest.mark.points(1)
def test_softmax_cross_entropy_leaves_its_inputs_unchanged(impl):
    rng = np.random.default_rng(455)
    logits, labels = rng.normal(size=(4, 3)) + 1000.0, np.array([0, 2, 1, 2])
    got, after, _ = impl.with_inputs("softmax_cross_entropy")(*fresh(logits, labels))
    check_unchanged(
        "softmax_cross_entropy",
        {0: ("logits", logits), 1: ("labels", labels)},
        after,
        "(an in-place shift such as logits -= logits.max(...) writes into the caller's array)",
    )
    check_sce(got, logits, labels, "for logits (4, 3) near 1000")


# ---------------------------------------------------------------- 4.6 conv_layer_backward


def check_conv_backward(got, dout, x, kernels, padding, stride, where: str) -> None:
    dx, dk, db = unpack(got, 3, "conv_layer_backward")
    want = ref.conv_layer_backward(dout, x, kernels, padding=padding, stride=stride)
    mistakes = mk.conv_backward_mistakes(dout, x, kernels, padding, stride)
    cases = Cases()
    cases.check(
        check_array, dx, want[0], what=f"dx {where}", shape_rule=f"x.shape = {x.shape}",
        mistakes=mistakes["dx"],
    )  # fmt: skip
    cases.check(
        check_array, dk, want[1], what=f"dkernels {where}",
        shape_rule=f"kernels.shape = {kernels.shape}", mistakes=mistakes["dkernels"],
    )  # fmt: skip
    cases.check(
        check_array, db, want[2], what=f"dbias {where}",
        shape_rule=f"(k,) = ({kernels.shape[3]},)", mistakes=mistakes["dbias"],
    )  # fmt: skip
    cases.done()


def conv_case(seed: int, x_shape, k_shape, padding, stride):
    rng = np.random.default_rng(seed)
    x, kernels = rng.normal(size=x_shape), rng.normal(size=k_shape)
    out_shape = mk.conv_forward(x, kernels, padding, stride).shape
    return rng.normal(size=out_shape), x, kernels


@pytest.mark.exercise("conv_layer_backward")
@pytest.mark.points(1)
def test_conv_layer_backward_single_channel_rectangular(impl):
    dout, x, kernels = conv_case(461, (6, 5, 1), (2, 3, 1, 1), 0, 1)
    got = impl.conv_layer_backward(*fresh(dout, x, kernels))
    check_conv_backward(got, dout, x, kernels, 0, 1, "for a (6, 5, 1) image, (2, 3) kernel")


@pytest.mark.exercise("conv_layer_backward")
@pytest.mark.points(1)
def test_conv_layer_backward_several_channels_and_filters(impl):
    dout, x, kernels = conv_case(462, (5, 6, 3), (3, 2, 3, 2), 1, 1)
    got = impl.conv_layer_backward(*fresh(dout, x, kernels), padding=1)
    check_conv_backward(
        got, dout, x, kernels, 1, 1, "for a (5, 6, 3) image, 2 filters (3, 2, 3), padding 1"
    )


@pytest.mark.exercise("conv_layer_backward")
@pytest.mark.points(1)
def test_conv_layer_backward_stride_two_overlapping_windows_batch(impl):
    dout, x, kernels = conv_case(463, (2, 7, 6, 2), (3, 3, 2, 3), 1, 2)
    got = impl.conv_layer_backward(*fresh(dout, x, kernels), padding=1, stride=2)
    check_conv_backward(
        got,
        dout,
        x,
        kernels,
        1,
        2,
        "for a batch (2, 7, 6, 2), 3 filters (3, 3, 2), padding 1, stride 2",
    )


@pytest.mark.exercise("conv_layer_backward")
@pytest.mark.points(1)
def test_conv_layer_backward_same_padding_of_an_even_kernel(impl):
    pads = ((0, 1), (1, 1))  # "same" for a (2, 3) kernel at stride 1
    dout, x, kernels = conv_case(464, (3, 4, 5, 2), (2, 3, 2, 1), pads, 1)
    got = impl.conv_layer_backward(*fresh(dout, x, kernels), padding=pads)
    check_conv_backward(
        got,
        dout,
        x,
        kernels,
        pads,
        1,
        "for a batch (3, 4, 5, 2), kernel (2, 3, 2, 1), padding ((0, 1), (1, 1))",
    )


@pytest.mark.exercise("conv_layer_backward")
@pytest.mark.points(1)
def test_conv_layer_backward_stride_larger_than_the_kernel(impl):
    dout, x, kernels = conv_case(465, (2, 7, 8, 1), (2, 2, 1, 2), 0, 3)
    got = impl.conv_layer_backward(*fresh(dout, x, kernels), stride=3)
    check_conv_backward(
        got,
        dout,
        x,
        kernels,
        0,
        3,
        "for a batch (2, 7, 8, 1), 2 filters (2, 2, 1), stride 3 (pixels between windows get 0)",
    )


@pytest.mark.exercise("conv_layer_backward")
@pytest.mark.points(1)
def test_conv_layer_backward_matches_the_numerical_gradient(impl):
    pads = ((1, 0), (0, 1))
    dout, x, kernels = conv_case(466, (2, 4, 4, 2), (2, 2, 2, 2), pads, 2)
    dx, dk, db = unpack(
        impl.conv_layer_backward(*fresh(dout, x, kernels), padding=pads, stride=2),
        3,
        "conv_layer_backward",
    )
    mistakes = mk.conv_backward_mistakes(dout, x, kernels, pads, 2)
    where = "for a batch (2, 4, 4, 2), kernels (2, 2, 2, 2), padding ((1, 0), (0, 1)), stride 2"

    def loss(x_, k_):
        return np.sum(mk.conv_forward(x_, k_, pads, 2) * dout)

    check_gradient(
        dx,
        lambda v: loss(v, kernels),
        x,
        what=f"dx vs the numerical gradient {where}",
        mistakes=mistakes["dx"],
    )
    check_gradient(
        dk,
        lambda v: loss(x, v),
        kernels,
        what=f"dkernels vs the numerical gradient {where}",
        mistakes=mistakes["dkernels"],
    )
    # the bias adds to every output pixel: its gradient is dout summed over N, H', W'
    check_array(db, dout.sum(axis=(0, 1, 2)), what=f"dbias {where}", mistakes=mistakes["dbias"])


@pytest.mark.exercise("conv_layer_backward")
@pytest.mark.points(1)
def test_conv_layer_backward_leaves_its_inputs_unchanged(impl):
    dout, x, kernels = conv_case(467, (2, 5, 4, 2), (3, 2, 2, 2), 1, 1)
    got, after, _ = impl.with_inputs("conv_layer_backward")(*fresh(dout, x, kernels), padding=1)
    check_unchanged(
        "conv_layer_backward", {0: ("dout", dout), 1: ("x", x), 2: ("kernels", kernels)}, after
    )
    check_conv_backward(got, dout, x, kernels, 1, 1, "for a batch (2, 5, 4, 2), padding 1")


# ---------------------------------------------------------------- 4.7 max_pool2d_backward


def check_pool_backward(got, dout, x, size, stride, where: str) -> None:
    want = ref.max_pool2d_backward(dout, x, size=size, stride=stride)
    check_array(
        got,
        want,
        what=f"max_pool2d_backward {where}",
        shape_rule=f"x.shape = {x.shape}",
        mistakes=mk.max_pool_backward_mistakes(dout, x, size, stride),
    )


def pool_case(seed: int, x, size, stride):
    """A random upstream gradient of the pooled output's shape."""
    return np.random.default_rng(seed).normal(size=_pooled_shape(x.shape, size, stride))


def _pooled_shape(shape, size, stride):
    ph, pw = (size, size) if isinstance(size, int) else size
    if stride is None:
        sh, sw = ph, pw
    else:
        sh, sw = (stride, stride) if isinstance(stride, int) else stride
    h_axis = 1 if len(shape) == 4 else 0
    out = ((shape[h_axis] - ph) // sh + 1, (shape[h_axis + 1] - pw) // sw + 1)
    return tuple(shape[:h_axis]) + out + tuple(shape[h_axis + 2 :])


@pytest.mark.exercise("max_pool2d_backward")
@pytest.mark.points(1)
def test_max_pool2d_backward_windows_that_do_not_tile_the_input(impl):
    x = np.random.default_rng(471).permutation(70).reshape(7, 5, 2).astype(np.float64)
    dout = pool_case(472, x, 2, None)
    got = impl.max_pool2d_backward(*fresh(dout, x))
    check_pool_backward(got, dout, x, 2, None, "for x (7, 5, 2), 2x2 windows")


@pytest.mark.exercise("max_pool2d_backward")
@pytest.mark.points(1)
def test_max_pool2d_backward_overlapping_windows_accumulate(impl):
    x = np.random.default_rng(473).permutation(49).reshape(7, 7).astype(np.float64)
    # each the maximum of several overlapping windows, and no ties (one check, one idea)
    x[2, 2], x[4, 4], x[2, 4] = 100.0, 101.0, 99.0
    dout = pool_case(474, x, 3, 2)
    got = impl.max_pool2d_backward(*fresh(dout, x), size=3, stride=2)
    check_pool_backward(got, dout, x, 3, 2, "for x (7, 7), 3x3 windows, stride 2 (overlapping)")


@pytest.mark.exercise("max_pool2d_backward")
@pytest.mark.points(1)
def test_max_pool2d_backward_ties_go_to_the_first_maximum(impl):
    # few distinct values: most windows have tied maxima; windows overlap (stride 1)
    x = np.random.default_rng(475).integers(0, 3, size=(2, 5, 6, 2)).astype(np.float64)
    dout = pool_case(476, x, 2, 1)
    got = impl.max_pool2d_backward(*fresh(dout, x), size=2, stride=1)
    check_pool_backward(
        got,
        dout,
        x,
        2,
        1,
        "for x (2, 5, 6, 2) with many ties, 2x2 "
        "windows, stride 1 (first maximum in row-major order)",
    )


@pytest.mark.exercise("max_pool2d_backward")
@pytest.mark.points(1)
def test_max_pool2d_backward_random_windows_with_ties(impl):
    @FAST
    @given(
        h=st.integers(2, 7),
        w=st.integers(2, 7),
        ph=st.integers(1, 3),
        pw=st.integers(1, 3),
        sh=st.integers(1, 3),
        sw=st.integers(1, 3),
        channels=st.sampled_from([None, 1, 2]),
        seed=st.integers(0, 2**16),
    )
    def run(h, w, ph, pw, sh, sw, channels, seed):
        ph, pw = min(ph, h), min(pw, w)
        shape = (h, w) if channels is None else (h, w, channels)
        rng = np.random.default_rng(seed)
        x = rng.integers(0, 3, size=shape).astype(np.float64)
        dout = rng.normal(size=_pooled_shape(shape, (ph, pw), (sh, sw)))
        got = impl.max_pool2d_backward(*fresh(dout, x), size=(ph, pw), stride=(sh, sw))
        check_pool_backward(
            got,
            dout,
            x,
            (ph, pw),
            (sh, sw),
            f"for x {shape} with ties, size ({ph}, {pw}), stride ({sh}, {sw})",
        )

    run()


@pytest.mark.exercise("max_pool2d_backward")
@pytest.mark.points(1)
def test_max_pool2d_backward_rectangular_windows_on_a_batch(impl):
    x = np.random.default_rng(477).normal(size=(3, 6, 7, 2))
    dout = pool_case(478, x, (3, 2), (2, 3))
    got = impl.max_pool2d_backward(*fresh(dout, x), size=(3, 2), stride=(2, 3))
    check_pool_backward(
        got, dout, x, (3, 2), (2, 3), "for x (3, 6, 7, 2), size (3, 2), stride (2, 3)"
    )


@pytest.mark.exercise("max_pool2d_backward")
@pytest.mark.points(1)
def test_max_pool2d_backward_matches_the_numerical_gradient(impl):
    # distinct values at least 0.01 apart: a step of 1e-6 never changes a window's maximum
    x = np.random.default_rng(481).permutation(60).reshape(5, 6, 2).astype(np.float64) / 100
    dout = pool_case(482, x, (3, 2), (1, 2))
    got = impl.max_pool2d_backward(*fresh(dout, x), size=(3, 2), stride=(1, 2))
    check_gradient(
        got,
        lambda v: np.sum(ref_pool.max_pool2d(v, size=(3, 2), stride=(1, 2)) * dout),
        x,
        what="max_pool2d_backward vs the numerical gradient of sum(dout * max_pool2d(x)), "
        "x (5, 6, 2), size (3, 2), stride (1, 2)",
        mistakes=mk.max_pool_backward_mistakes(dout, x, (3, 2), (1, 2)),
    )


@pytest.mark.exercise("max_pool2d_backward")
@pytest.mark.points(1)
def test_max_pool2d_backward_leaves_its_inputs_unchanged(impl):
    x = np.random.default_rng(479).normal(size=(5, 5, 2))
    dout = pool_case(480, x, 2, 1)
    got, after, _ = impl.with_inputs("max_pool2d_backward")(*fresh(dout, x), size=2, stride=1)
    check_unchanged("max_pool2d_backward", {0: ("dout", dout), 1: ("x", x)}, after)
    check_pool_backward(got, dout, x, 2, 1, "for x (5, 5, 2), 2x2 windows, stride 1")


# ---------------------------------------------------------------- 4.8 digit_network


def small_net(seed: int, sizes, n: int, scale: float = 1.0):
    rng = np.random.default_rng(seed)
    d, h, c = sizes
    params = {
        "W1": rng.normal(size=(d, h)),
        "b1": rng.normal(scale=0.5, size=h),
        "W2": rng.normal(size=(h, c)) * scale,
        "b2": rng.normal(scale=0.5, size=c),
    }
    return params, rng.normal(size=(n, d)), rng.integers(0, c, size=n)


def check_digit(got, params, x, labels, where: str, *, rtol: float = 1e-7) -> None:
    loss, grads = unpack(got, 2, "digit_network")
    want_loss, want = ref.digit_network(params, x, labels)
    mistakes = mk.digit_network_mistakes(params, x, labels)
    cases = Cases()
    cases.check(check_scalar, loss, want_loss, what=f"the loss {where}", mistakes=mistakes["loss"])
    if not isinstance(grads, dict) or set(grads) != set(ref.PARAM_NAMES):
        cases.done()
        raise AssertionError(
            f"digit_network should return grads as a dict with keys {list(ref.PARAM_NAMES)}, "
            f"got {sorted(grads) if isinstance(grads, dict) else type(grads).__name__}"
        )
    for name in ref.PARAM_NAMES:
        cases.check(
            check_array,
            grads[name],
            want[name],
            what=f"grads[{name!r}] {where}",
            rtol=rtol,
            shape_rule=f"params[{name!r}].shape = {params[name].shape}",
            mistakes=mistakes[name],
        )
    cases.done()


@pytest.mark.exercise("digit_network")
@pytest.mark.points(2)
def test_digit_network_small_net(impl):
    params, x, labels = small_net(481, (6, 5, 3), 4)
    got = impl.digit_network(fresh(params), *fresh(x, labels))
    check_digit(got, params, x, labels, "of a 6-5-3 net on 4 examples")


@pytest.mark.exercise("digit_network")
@pytest.mark.points(1)
def test_digit_network_matches_the_numerical_gradient(impl):
    params, x, labels = small_net(482, (4, 3, 2), 5)
    loss, grads = unpack(impl.digit_network(fresh(params), *fresh(x, labels)), 2, "digit_network")
    mistakes = mk.digit_network_mistakes(params, x, labels)
    for name in ref.PARAM_NAMES:

        def loss_of(value, name=name):
            return ref.digit_network({**params, name: value}, x, labels)[0]

        got = grads.get(name) if isinstance(grads, dict) else None
        check_gradient(
            got,
            loss_of,
            params[name],
            what=f"grads[{name!r}] vs the numerical gradient of the loss, 4-3-2 net on 5 examples",
            mistakes=mistakes[name],
        )


@pytest.mark.exercise("digit_network")
@pytest.mark.points(1)
def test_digit_network_duplicated_batch_keeps_loss_and_gradients(impl):
    params, x, labels = small_net(483, (5, 4, 3), 3)
    once = unpack(impl.digit_network(fresh(params), *fresh(x, labels)), 2, "digit_network")
    x2, labels2 = np.tile(x, (2, 1)), np.tile(labels, 2)
    twice = unpack(impl.digit_network(fresh(params), *fresh(x2, labels2)), 2, "digit_network")
    mistakes = mk.digit_network_mistakes(params, x2, labels2)
    summed = lambda key: [m for m in mistakes[key] if "N times" in m.explanation]  # noqa: E731
    check_scalar(
        twice[0],
        float(once[0]),
        what="the loss of a batch of 3 repeated twice (an averaged loss must not change)",
        mistakes=summed("loss"),
    )
    for name in ref.PARAM_NAMES:
        g1 = once[1].get(name) if isinstance(once[1], dict) else None
        g2 = twice[1].get(name) if isinstance(twice[1], dict) else None
        if not isinstance(g1, np.ndarray):
            raise AssertionError(f"grads[{name!r}] should be a numpy array")
        check_array(
            g2,
            g1,
            what=f"grads[{name!r}] of a batch repeated twice (must equal "
            "the batch's own: the loss is averaged)",
            mistakes=summed(name),
        )
    check_digit(once, params, x, labels, "of a 5-4-3 net on 3 examples")


@pytest.mark.exercise("digit_network")
@pytest.mark.points(1)
def test_digit_network_784_512_10(impl):
    params = ref.init_digit_network((784, 512, 10), seed=7)
    params["b1"] = np.random.default_rng(484).normal(scale=0.1, size=512)
    rng = np.random.default_rng(485)
    x, labels = rng.uniform(0.0, 1.0, size=(3, 28, 28)), np.array([6, 1, 6])
    got = impl.digit_network(fresh(params), *fresh(x, labels))
    check_digit(got, params, x, labels, "of the 784-512-10 net on 3 images (3, 28, 28)", rtol=1e-6)


@pytest.mark.exercise("digit_network")
@pytest.mark.points(1)
def test_digit_network_large_scores_stay_finite(impl):
    params, x, labels = small_net(486, (4, 6, 3), 4, scale=300.0)
    got = impl.digit_network(fresh(params), *fresh(x, labels))
    check_digit(got, params, x, labels, "of a 4-6-3 net whose scores reach the hundreds")


@pytest.mark.exercise("digit_network")
@pytest.mark.points(1)
def test_digit_network_leaves_its_inputs_unchanged(impl):
    params, x, labels = small_net(487, (3, 4, 2), 5)
    got, after, _ = impl.with_inputs("digit_network")(fresh(params), *fresh(x, labels))
    after_params = after[0] if isinstance(after[0], dict) else {}
    for name in ref.PARAM_NAMES:
        check_unchanged(
            "digit_network", {0: (f"params[{name!r}]", params[name])}, (after_params.get(name),)
        )
    check_unchanged("digit_network", {1: ("x", x), 2: ("labels", labels)}, after)
    check_digit(got, params, x, labels, "of a 3-4-2 net on 5 examples")
