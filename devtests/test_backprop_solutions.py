"""Project tests for topic 4 (backpropagation) against the reference solutions.

Bad input, dtype handling, no in-place modification (dout included), batch-averaging
invariances, and every backward pass against a numerical gradient of an independent
loop-based forward pass written here. The TensorFlow cross-checks are in
test_backprop_tf.py.
"""

from __future__ import annotations

import doctest
import math
import shutil

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from autograder.builders.stubs import SOLUTIONS_DIR
from deepgrade.implementation import Implementation
from solutions import backprop
from solutions.backprop import (
    conv_layer_backward,
    dense_backward,
    dense_forward,
    digit_network,
    init_digit_network,
    max_pool2d_backward,
    numerical_gradient,
    relu_backward,
    softmax_cross_entropy,
)
from solutions.convolution import same_padding

QUICK = settings(derandomize=True, deadline=None, max_examples=25)


def test_doctests_pass():
    result = doctest.testmod(backprop, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0


# ---------------------------------------------------------------- independent forward passes


def conv_forward(x, kernels, bias, pads, stride):
    """Loop-based conv layer (pre-activation) on (N, H, W, d); pads ((t, b), (l, r))."""
    (t, b), (le, r) = pads
    xp = np.pad(x, ((0, 0), (t, b), (le, r), (0, 0)))
    kh, kw, _, k = kernels.shape
    out_h = (xp.shape[1] - kh) // stride + 1
    out_w = (xp.shape[2] - kw) // stride + 1
    y = np.zeros((x.shape[0], out_h, out_w, k))
    for n in range(x.shape[0]):
        for i in range(out_h):
            for j in range(out_w):
                window = xp[n, i * stride : i * stride + kh, j * stride : j * stride + kw, :]
                y[n, i, j] = np.tensordot(window, kernels, axes=3) + bias
    return y


def pool_forward(x, size, stride):
    """Loop-based max pooling (floor mode) on (N, H, W, d); size, stride int or (h, w)."""
    (ph, pw), (sh, sw) = (np.broadcast_to(v, 2).tolist() for v in (size, stride))
    out_h = (x.shape[1] - ph) // sh + 1
    out_w = (x.shape[2] - pw) // sw + 1
    y = np.zeros((x.shape[0], out_h, out_w, x.shape[3]))
    for i in range(out_h):
        for j in range(out_w):
            window = x[:, i * sh : i * sh + ph, j * sw : j * sw + pw, :]
            y[:, i, j, :] = window.max(axis=(1, 2))
    return y


def numeric(f, x):
    return numerical_gradient(f, x, eps=1e-6)


def assert_grad(got, expected):
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-7)


# ---------------------------------------------------------------- 4.1 numerical_gradient


def test_numerical_gradient_bad_input():
    with pytest.raises(TypeError, match=r"^numerical_gradient: f must be a function"):
        numerical_gradient(np.zeros(3), np.zeros(3))
    for eps in (0.0, -1e-3, np.nan, np.inf):
        with pytest.raises(ValueError, match=r"^numerical_gradient: eps must be positive"):
            numerical_gradient(np.sum, np.zeros(3), eps=eps)
    for eps in ("1e-6", True, None):
        with pytest.raises(TypeError, match=r"^numerical_gradient: eps must be a number"):
            numerical_gradient(np.sum, np.zeros(3), eps=eps)
    with pytest.raises(TypeError, match=r"^numerical_gradient: x must hold numbers"):
        numerical_gradient(np.sum, np.array(["a"]))


def test_numerical_gradient_never_changes_the_callers_x():
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    seen = []

    def f(v):
        assert v is not x, "f must receive a copy, never the caller's array"
        assert v.shape == x.shape
        seen.append(v.copy())
        return float(np.prod(v))

    grad = numerical_gradient(f, x)
    np.testing.assert_array_equal(x, [[1.0, 2.0], [3.0, 4.0]])
    assert len(seen) == 2 * x.size
    assert_grad(grad, np.array([[24.0, 12.0], [8.0, 6.0]]))


def test_numerical_gradient_int_scalar_and_numpy_scalar_results():
    assert_grad(numerical_gradient(lambda v: np.sum(v**2), np.array([1, 2, 3])), [2.0, 4.0, 6.0])
    got = numerical_gradient(lambda v: np.sin(v), np.float64(0.5))
    assert got.shape == () and got.dtype == np.float64
    assert_grad(got, np.cos(0.5))


# ---------------------------------------------------------------- 4.2 / 4.3 dense


def test_dense_bad_shapes():
    x, w, b = np.zeros((2, 3)), np.zeros((3, 4)), np.zeros(4)
    with pytest.raises(ValueError, match=r"^dense_forward: x must be .* one example per row"):
        dense_forward(np.zeros(3), w, b)
    with pytest.raises(ValueError, match=r"^dense_forward: each example of x .* has 6 values"):
        dense_forward(np.zeros((2, 2, 3)), w, b)
    with pytest.raises(ValueError, match=r"^dense_forward: W must be 2-D"):
        dense_forward(x, np.zeros(3), b)
    with pytest.raises(ValueError, match=r"^dense_forward: b must have shape \(4,\)"):
        dense_forward(x, w, np.zeros(3))
    with pytest.raises(
        ValueError, match=r"^dense_backward: dout must have .* \(2, 4\); got \(2, 3\)"
    ):
        dense_backward(np.zeros((2, 3)), x, w)
    with pytest.raises(ValueError, match=r"^dense_backward: each example of x"):
        dense_backward(np.zeros((2, 4)), np.zeros((2, 5)), w)


def test_dense_int_input_and_no_modification(rng):
    x, w, b = np.arange(12).reshape(2, 2, 3), np.ones((6, 2), dtype=int), np.array([1, -1])
    out = dense_forward(x, w, b)
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out, [[16.0, 14.0], [52.0, 50.0]])
    xf, wf, dout = rng.normal(size=(3, 2, 2)), rng.normal(size=(4, 5)), rng.normal(size=(3, 5))
    copies = [a.copy() for a in (xf, wf, dout)]
    grads = dense_backward(dout, xf, wf)
    for a, c in zip((xf, wf, dout), copies, strict=True):
        np.testing.assert_array_equal(a, c)
    assert all(g.dtype == np.float64 for g in grads)
    assert not any(np.shares_memory(g, a) for g in grads for a in (xf, wf, dout))


@QUICK
@given(n=st.integers(1, 3), shape=st.sampled_from([(4,), (2, 3), (1, 2, 2)]), m=st.integers(1, 3))
def test_dense_backward_matches_numerical_gradient(n, shape, m):
    rng = np.random.default_rng(n * 100 + m)
    d = int(np.prod(shape))
    x, w, b = rng.normal(size=(n, *shape)), rng.normal(size=(d, m)), rng.normal(size=m)
    dout = rng.normal(size=(n, m))
    dx, dW, db = dense_backward(dout, x, w)
    assert_grad(dx, numeric(lambda v: np.sum(dense_forward(v, w, b) * dout), x))
    assert_grad(dW, numeric(lambda v: np.sum(dense_forward(x, v, b) * dout), w))
    assert_grad(db, numeric(lambda v: np.sum(dense_forward(x, w, v) * dout), b))


# ---------------------------------------------------------------- 4.4 relu_backward


def test_relu_backward_bad_shapes_and_behaviour():
    with pytest.raises(ValueError, match=r"^relu_backward: dout and x must have the same shape"):
        relu_backward(np.zeros((2, 3)), np.zeros((3, 2)))
    dout, x = np.array([1.0, 2.0, 3.0]), np.array([0.0, -0.0, 1e-300])
    before = dout.copy()
    got = relu_backward(dout, x)
    np.testing.assert_array_equal(got, [0.0, 0.0, 3.0])  # slope 0 at exactly 0
    np.testing.assert_array_equal(dout, before)
    assert not np.shares_memory(got, dout)
    assert relu_backward(np.array([1, 2]), np.array([3, -3])).dtype == np.float64


# ---------------------------------------------------------------- 4.5 softmax_cross_entropy


def test_softmax_cross_entropy_bad_input():
    fn = "softmax_cross_entropy"
    with pytest.raises(ValueError, match=rf"^{fn}: labels must be class ids in 0..2; got .* to 3"):
        softmax_cross_entropy(np.zeros((2, 3)), np.array([0, 3]))
    with pytest.raises(ValueError, match=rf"^{fn}: labels must be class ids in 0..2; got .*-1"):
        softmax_cross_entropy(np.zeros((2, 3)), np.array([-1, 0]))
    with pytest.raises(ValueError, match=rf"^{fn}: labels must have shape \(2,\)"):
        softmax_cross_entropy(np.zeros((2, 3)), np.array([[0, 1]]))
    with pytest.raises(TypeError, match=rf"^{fn}: labels must be integer class ids"):
        softmax_cross_entropy(np.zeros((2, 3)), np.array([0.5, 1.0]))
    with pytest.raises(ValueError, match=rf"^{fn}: logits must be 2-D"):
        softmax_cross_entropy(np.zeros(3), np.array([0]))
    with pytest.raises(ValueError, match=rf"^{fn}: logits need at least one example"):
        softmax_cross_entropy(np.zeros((0, 3)), np.array([], dtype=int))


def test_softmax_cross_entropy_of_one_class_is_positive_zero():
    loss, grad = softmax_cross_entropy(np.array([[3.0], [-1.0]]), np.array([0, 0]))
    assert loss == 0.0 and math.copysign(1.0, loss) == 1.0, repr(loss)  # not -0.0
    np.testing.assert_array_equal(grad, np.zeros((2, 1)))


def test_softmax_cross_entropy_accepts_integral_float_labels_and_int_logits():
    loss, grad = softmax_cross_entropy(np.array([[0, 0], [0, 0]]), np.array([1.0, 0.0]))
    assert isinstance(loss, float) and grad.dtype == np.float64
    assert loss == pytest.approx(np.log(2.0))


def test_softmax_cross_entropy_extreme_logits_are_finite():
    logits = np.array([[1000.0, -1000.0, 0.0], [-1000.0, 1000.0, 1000.0]])
    before = logits.copy()
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        loss, grad = softmax_cross_entropy(logits, np.array([1, 0]))
    assert loss == pytest.approx((2000.0 + 2000.0 + np.log(2.0)) / 2)
    np.testing.assert_allclose(grad, [[0.5, -0.5, 0.0], [-0.5, 0.25, 0.25]], atol=1e-300)
    np.testing.assert_array_equal(logits, before)


@QUICK
@given(n=st.integers(1, 4), c=st.integers(1, 5), scale=st.sampled_from([0.1, 3.0, 50.0]))
def test_softmax_cross_entropy_properties(n, c, scale):
    rng = np.random.default_rng(n * 10 + c)
    logits = rng.normal(scale=scale, size=(n, c))
    labels = rng.integers(0, c, size=n)
    loss, grad = softmax_cross_entropy(logits, labels)
    assert loss >= 0
    np.testing.assert_allclose(grad.sum(axis=1), 0.0, atol=1e-15)  # softmax - onehot sums to 0
    shifted, _ = softmax_cross_entropy(logits + 123.0, labels)
    assert shifted == pytest.approx(loss, rel=1e-9, abs=1e-12)
    # Duplicating the batch leaves the averaged loss and the gradient (per example pair) alike.
    loss2, grad2 = softmax_cross_entropy(np.concatenate([logits, logits]), np.tile(labels, 2))
    assert loss2 == pytest.approx(loss, rel=1e-12)
    np.testing.assert_allclose(grad2[:n] + grad2[n:], grad, rtol=1e-12, atol=1e-15)
    if scale < 10:
        assert_grad(grad, numeric(lambda v: softmax_cross_entropy(v, labels)[0], logits))


# ---------------------------------------------------------------- 4.6 conv_layer_backward


def test_conv_layer_backward_bad_input():
    fn = "conv_layer_backward"
    x, k, dout = np.zeros((5, 5, 2)), np.zeros((3, 3, 2, 4)), np.zeros((3, 3, 4))
    with pytest.raises(
        ValueError,
        match=rf"^{fn}: kernels have depth 3 but x has 2 channels; kernels are \(kh, kw, d, k\)",
    ):
        conv_layer_backward(dout, x, np.zeros((3, 3, 3, 4)))
    with pytest.raises(ValueError, match=rf"^{fn}: x must be 3-D or 4-D"):
        conv_layer_backward(dout, np.zeros((5, 5)), k)
    with pytest.raises(ValueError, match=rf"^{fn}: kernels must be 4-D"):
        conv_layer_backward(dout, x, np.zeros((3, 3, 2)))
    with pytest.raises(ValueError, match=rf"^{fn}: dout must be 3-D"):
        conv_layer_backward(dout[None], x, k)
    with pytest.raises(ValueError, match=rf"^{fn}: kernel 8x3 is larger than the padded input 7x7"):
        conv_layer_backward(np.zeros((1, 5, 4)), x, np.zeros((8, 3, 2, 4)), padding=1)
    with pytest.raises(ValueError, match=rf"^{fn}: dout must have the forward output's shape "):
        conv_layer_backward(np.zeros((5, 5, 4)), x, k)
    with pytest.raises(ValueError, match=r"\(2, 2, 4\).* = 2 rows, 2 columns, 4 filters\); got"):
        conv_layer_backward(dout, x, k, stride=2)
    with pytest.raises(ValueError, match=rf"^{fn}: stride must be a positive integer, got 0"):
        conv_layer_backward(dout, x, k, stride=0)
    with pytest.raises(TypeError, match=rf"^{fn}: stride must be a positive integer"):
        conv_layer_backward(dout, x, k, stride=1.0)
    with pytest.raises(ValueError, match=rf"^{fn}: padding must be a non-negative integer, got -1"):
        conv_layer_backward(dout, x, k, padding=-1)
    with pytest.raises(ValueError, match=rf"^{fn}: padding must be a non-negative integer"):
        conv_layer_backward(dout, x, k, padding=((0, -1), (0, 0)))
    for padding in (((1, 1), (1,)), (1, 1), None, True):
        with pytest.raises(TypeError, match=rf"^{fn}: padding must be"):
            conv_layer_backward(dout, x, k, padding=padding)
    with pytest.raises(ValueError, match=rf'^{fn}: padding "same" is not accepted here; pass'):
        conv_layer_backward(dout, x, k, padding="same")
    with pytest.raises(ValueError, match=rf'^{fn}: padding must be an int, "valid" or'):
        conv_layer_backward(dout, x, k, padding="full")
    with pytest.raises(ValueError, match=rf"^{fn}: kernels must not have an axis of length 0"):
        conv_layer_backward(np.zeros((3, 3, 0)), x, np.zeros((3, 3, 2, 0)))


def test_conv_layer_backward_int_input_no_modification(rng):
    x = rng.integers(-3, 4, size=(2, 5, 4, 2))
    kernels = rng.normal(size=(2, 2, 2, 3))
    dout = rng.normal(size=(2, 4, 3, 3))
    copies = [a.copy() for a in (x, kernels, dout)]
    grads = conv_layer_backward(dout, x, kernels)
    for a, c in zip((x, kernels, dout), copies, strict=True):
        np.testing.assert_array_equal(a, c)
    assert all(g.dtype == np.float64 for g in grads)
    assert [g.shape for g in grads] == [x.shape, kernels.shape, (3,)]


@pytest.mark.parametrize("valid", ["valid", "VALID", 0, ((0, 0), (0, 0))])
def test_conv_layer_backward_valid_padding(rng, valid):
    x, kernels = rng.normal(size=(2, 6, 5, 2)), rng.normal(size=(3, 2, 2, 3))
    dout = rng.normal(size=(2, 4, 4, 3))
    got = conv_layer_backward(dout, x, kernels, padding=valid)
    expected = conv_layer_backward(dout, x, kernels, padding=0)
    for g, e in zip(got, expected, strict=True):
        np.testing.assert_array_equal(g, e)


@pytest.mark.parametrize(("hw", "kernel_hw", "stride"), [((5, 6), (2, 3), 1), ((7, 6), (4, 3), 2)])
def test_conv_layer_backward_same_padding_from_same_padding_pairs(rng, hw, kernel_hw, stride):
    # The documented way to go back through a "same" layer: topic 1's pairs for each axis.
    pads = tuple(same_padding(n, k, stride) for n, k in zip(hw, kernel_hw, strict=True))
    x, kernels = rng.normal(size=(1, *hw, 2)), rng.normal(size=(*kernel_hw, 2, 2))
    bias = np.zeros(2)
    y = conv_forward(x, kernels, bias, pads, stride)
    assert y.shape[1:3] == tuple(-(-n // stride) for n in hw)  # "same": ceil(n / stride)
    dout = rng.normal(size=y.shape)
    dx, dk, _ = conv_layer_backward(dout, x, kernels, padding=pads, stride=stride)

    def loss(x_, k_):
        return np.sum(conv_forward(x_, k_, bias, pads, stride) * dout)

    assert_grad(dx, numeric(lambda v: loss(v, kernels), x))
    assert_grad(dk, numeric(lambda v: loss(x, v), kernels))


def test_conv_layer_backward_unbatched_equals_batch_of_one(rng):
    x, kernels = rng.normal(size=(6, 5, 2)), rng.normal(size=(3, 2, 2, 3))
    dout = rng.normal(
        size=(3, 3, 3)
    )  # padding ((0, 1), (1, 0)), stride 2: (6+1-3)//2+1, (5+1-2)//2+1
    pads = ((0, 1), (1, 0))
    single = conv_layer_backward(dout, x, kernels, padding=pads, stride=2)
    batch = conv_layer_backward(dout[None], x[None], kernels, padding=pads, stride=2)
    np.testing.assert_allclose(single[0], batch[0][0])
    np.testing.assert_allclose(single[1], batch[1])
    np.testing.assert_allclose(single[2], batch[2])


@QUICK
@given(
    n=st.integers(1, 2),
    hw=st.tuples(st.integers(3, 6), st.integers(3, 6)),
    d=st.integers(1, 2),
    k=st.integers(1, 2),
    kernel_hw=st.tuples(st.integers(1, 3), st.integers(1, 3)),
    pads=st.tuples(*[st.integers(0, 2)] * 4),
    stride=st.integers(1, 3),
)
def test_conv_layer_backward_matches_numerical_gradient(n, hw, d, k, kernel_hw, pads, stride):
    rng = np.random.default_rng(sum(hw) * 7 + stride)
    padding = ((pads[0], pads[1]), (pads[2], pads[3]))
    x = rng.normal(size=(n, *hw, d))
    kernels = rng.normal(size=(*kernel_hw, d, k))
    bias = rng.normal(size=k)
    dout = rng.normal(size=conv_forward(x, kernels, bias, padding, stride).shape)
    dx, dk, db = conv_layer_backward(dout, x, kernels, padding=padding, stride=stride)

    def loss(x_, k_, b_):
        return np.sum(conv_forward(x_, k_, b_, padding, stride) * dout)

    assert_grad(dx, numeric(lambda v: loss(v, kernels, bias), x))
    assert_grad(dk, numeric(lambda v: loss(x, v, bias), kernels))
    assert_grad(db, numeric(lambda v: loss(x, kernels, v), bias))


def test_conv_layer_backward_duplicated_batch_doubles_parameter_gradients(rng):
    x, kernels = rng.normal(size=(2, 5, 5, 1)), rng.normal(size=(3, 3, 1, 2))
    dout = rng.normal(size=(2, 3, 3, 2))
    dx, dk, db = conv_layer_backward(dout, x, kernels)
    dx2, dk2, db2 = conv_layer_backward(
        np.concatenate([dout, dout]), np.concatenate([x, x]), kernels
    )
    np.testing.assert_allclose(dx2, np.concatenate([dx, dx]))
    np.testing.assert_allclose(dk2, 2 * dk)
    np.testing.assert_allclose(db2, 2 * db)


# ---------------------------------------------------------------- 4.7 max_pool2d_backward


def test_max_pool2d_backward_bad_input():
    fn = "max_pool2d_backward"
    x = np.zeros((4, 4))
    with pytest.raises(ValueError, match=rf"^{fn}: x must be 2-D to 4-D \(H, W\)"):
        max_pool2d_backward(np.zeros(2), np.zeros(4))
    with pytest.raises(ValueError, match=rf"^{fn}: dout must be 2-D"):
        max_pool2d_backward(np.zeros((2, 2, 1)), x)
    with pytest.raises(ValueError, match=rf"^{fn}: window 5x5 is larger than the image 4x4"):
        max_pool2d_backward(np.zeros((1, 1)), x, size=5)
    with pytest.raises(
        ValueError, match=rf"^{fn}: dout must have the pooled output's shape \(3, 3\)"
    ):
        max_pool2d_backward(np.zeros((2, 2)), x, size=2, stride=1)
    with pytest.raises(ValueError, match=rf"^{fn}: size must be a positive integer, got 0"):
        max_pool2d_backward(np.zeros((2, 2)), x, size=0)
    with pytest.raises(ValueError, match=rf"^{fn}: stride must be a positive integer, got -1"):
        max_pool2d_backward(np.zeros((2, 2)), x, stride=-1)
    with pytest.raises(TypeError, match=rf"^{fn}: size must be a positive integer"):
        max_pool2d_backward(np.zeros((2, 2)), x, size=True)
    with pytest.raises(TypeError, match=rf"^{fn}: stride must be a positive int or a pair"):
        max_pool2d_backward(np.zeros((2, 2)), x, stride=2.0)
    with pytest.raises(TypeError, match=rf"^{fn}: size must be a positive int or a pair"):
        max_pool2d_backward(np.zeros((2, 2)), x, size=(1, 2, 3))
    with pytest.raises(ValueError, match=rf"^{fn}: stride must be a positive integer, got 0"):
        max_pool2d_backward(np.zeros((2, 2)), x, stride=(2, 0))
    with pytest.raises(ValueError, match=rf"^{fn}: window 2x5 is larger than the image 4x4"):
        max_pool2d_backward(np.zeros((1, 1)), x, size=(2, 5))
    with pytest.raises(
        ValueError, match=rf"^{fn}: dout must have the pooled output's shape \(3, 2\)"
    ):
        max_pool2d_backward(np.zeros((2, 2)), x, size=(2, 1), stride=(1, 2))


@pytest.mark.parametrize(
    ("size", "stride"),
    [((2, 3), None), ((2, 3), (1, 2)), (2, (1, 3)), ((3, 1), 2), ((2, 2), (2, 2))],
)
def test_max_pool2d_backward_accepts_pairs_like_max_pool2d(size, stride):
    rng = np.random.default_rng(11)
    x = rng.permutation(2 * 7 * 8 * 2).reshape(2, 7, 8, 2) / 7.0  # distinct: no ties
    s = size if stride is None else stride
    dout = rng.normal(size=pool_forward(x, size, s).shape)
    dx = max_pool2d_backward(dout, x, size, stride)
    expected = numerical_gradient(lambda v: np.sum(pool_forward(v, size, s) * dout), x, eps=1e-3)
    assert_grad(dx, expected)
    if not isinstance(size, int) and size[0] == size[1] and stride == size:
        np.testing.assert_array_equal(dx, max_pool2d_backward(dout, x, size[0], stride[0]))


@pytest.mark.parametrize("shape", [(5, 7), (5, 7, 3), (2, 5, 7, 3)])
def test_max_pool2d_backward_layouts_dtype_no_modification(shape, rng):
    x = rng.integers(0, 3, size=shape)  # ints with many ties
    out_shape = list(shape)
    h = 1 if len(shape) == 4 else 0
    out_shape[h : h + 2] = [2, 3]
    dout = rng.normal(size=out_shape)
    copies = x.copy(), dout.copy()
    dx = max_pool2d_backward(dout, x)
    np.testing.assert_array_equal(x, copies[0])
    np.testing.assert_array_equal(dout, copies[1])
    assert dx.dtype == np.float64 and dx.shape == x.shape
    assert dx.sum() == pytest.approx(dout.sum())  # each window sends its gradient to one place
    x4 = x.reshape((1,) * (4 - len(shape)) + shape + ((1,) if len(shape) == 2 else ()))
    assert (np.count_nonzero(dx.reshape(x4.shape)[:, 4:, 6:, :]) == 0).all()  # dropped by floor


@QUICK
@given(
    hw=st.tuples(st.integers(2, 7), st.integers(2, 7)),
    size=st.integers(1, 3),
    stride=st.one_of(st.none(), st.integers(1, 3)),
)
def test_max_pool2d_backward_matches_numerical_gradient(hw, size, stride):
    s = size if stride is None else stride
    assume(size <= min(hw))
    rng = np.random.default_rng(sum(hw) * 13 + size * 3 + s)
    x = rng.permutation(2 * hw[0] * hw[1]).reshape(2, *hw, 1) / 7.0  # distinct: no ties
    dout = rng.normal(size=pool_forward(x, size, s).shape)
    dx = max_pool2d_backward(dout, x, size, stride)
    # Values are at least 1/7 apart, so a step of 1e-3 never changes which input is the max.
    expected = numerical_gradient(lambda v: np.sum(pool_forward(v, size, s) * dout), x, eps=1e-3)
    assert_grad(dx, expected)


def test_max_pool2d_backward_tie_rule_first_in_row_major_order():
    x = np.array([[0.0, 2.0, 2.0], [2.0, 2.0, 0.0], [0.0, 0.0, 0.0]])
    dx = max_pool2d_backward(np.array([[1.0, 10.0], [100.0, 1000.0]]), x, size=2, stride=1)
    # windows: (0,0) first 2 at (0,1); (0,1) at (0,1); (1,0) at (1,0); (1,1) at (1,1)
    np.testing.assert_array_equal(dx, [[0.0, 11.0, 0.0], [100.0, 1000.0, 0.0], [0.0, 0.0, 0.0]])


# ---------------------------------------------------------------- 4.8 digit network


def small_params(rng, sizes=(6, 5, 3)):
    d, h, c = sizes
    return {
        "W1": rng.normal(size=(d, h)),
        "b1": rng.normal(size=h) * 0.1,
        "W2": rng.normal(size=(h, c)),
        "b2": rng.normal(size=c) * 0.1,
    }


def test_init_digit_network():
    params = init_digit_network()
    assert {k: v.shape for k, v in params.items()} == {
        "W1": (784, 512),
        "b1": (512,),
        "W2": (512, 10),
        "b2": (10,),
    }
    assert all(v.dtype == np.float64 for v in params.values())
    assert params["W1"].std() == pytest.approx(np.sqrt(2 / 784), rel=0.02)
    assert np.abs(params["W2"]).max() <= np.sqrt(6 / 522)
    assert not params["b1"].any() and not params["b2"].any()
    again, other = init_digit_network(seed=0), init_digit_network(seed=1)
    np.testing.assert_array_equal(params["W1"], again["W1"])
    assert not np.array_equal(params["W1"], other["W1"])
    assert init_digit_network((16, 8, 3), seed=2)["W2"].shape == (8, 3)


def test_init_digit_network_bad_input():
    with pytest.raises(TypeError, match=r"^init_digit_network: sizes must be three positive ints"):
        init_digit_network((784, 10))
    with pytest.raises(ValueError, match=r"^init_digit_network: each of sizes must be a positive"):
        init_digit_network((784, 0, 10))
    with pytest.raises(ValueError, match=r"^init_digit_network: seed must be a non-negative"):
        init_digit_network(seed=-1)


def test_digit_network_bad_input(rng):
    params, x, labels = small_params(rng), rng.normal(size=(4, 6)), np.array([0, 1, 2, 0])
    fn = "digit_network"
    with pytest.raises(ValueError, match=rf"^{fn}: params is missing \['b2'\]"):
        digit_network({k: v for k, v in params.items() if k != "b2"}, x, labels)
    with pytest.raises(TypeError, match=rf"^{fn}: params must be a dict"):
        digit_network(list(params.values()), x, labels)
    with pytest.raises(ValueError, match=rf"^{fn}: W1 \(6, 5\) has 5 hidden neurons but W2"):
        digit_network({**params, "W2": np.zeros((4, 3))}, x, labels)
    with pytest.raises(ValueError, match=rf"^{fn}: b1 must have shape \(5,\)"):
        digit_network({**params, "b1": np.zeros(3)}, x, labels)
    with pytest.raises(ValueError, match=rf"^{fn}: each example of x .* has 7 values"):
        digit_network(params, rng.normal(size=(4, 7)), labels)
    with pytest.raises(ValueError, match=rf"^{fn}: labels must be class ids in 0..2; got .* to 3"):
        digit_network(params, x, np.array([0, 1, 2, 3]))
    with pytest.raises(ValueError, match=rf"^{fn}: labels must have shape \(4,\)"):
        digit_network(params, x, np.array([0, 1]))
    with pytest.raises(ValueError, match=rf"^{fn}: x must hold at least one example"):
        digit_network(params, np.zeros((0, 6)), np.array([], dtype=int))


def test_digit_network_matches_numerical_gradient_and_leaves_inputs_alone(rng):
    params = small_params(rng)
    x = rng.normal(size=(4, 2, 3))
    labels = np.array([2, 0, 1, 2])
    copies = {k: v.copy() for k, v in params.items()}
    x_before = x.copy()
    loss, grads = digit_network(params, x, labels)
    assert isinstance(loss, float)
    for name in params:
        np.testing.assert_array_equal(params[name], copies[name])
        expected = numeric(
            lambda v, n=name: digit_network({**params, n: v}, x, labels)[0], params[name]
        )
        assert_grad(grads[name], expected)
        assert grads[name].dtype == np.float64
        assert not np.shares_memory(grads[name], params[name])
    np.testing.assert_array_equal(x, x_before)


def test_digit_network_duplicated_batch_leaves_loss_and_gradients_unchanged(rng):
    params = small_params(rng)
    x, labels = rng.normal(size=(3, 6)), np.array([0, 2, 1])
    loss, grads = digit_network(params, x, labels)
    loss2, grads2 = digit_network(params, np.concatenate([x, x]), np.tile(labels, 2))
    assert loss2 == pytest.approx(loss, rel=1e-12)
    for name in params:
        np.testing.assert_allclose(grads2[name], grads[name], rtol=1e-10, atol=1e-15)


def test_a_broken_activations_costs_only_the_digit_network(tmp_path):
    shutil.copytree(SOLUTIONS_DIR, tmp_path / "dave", ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "dave" / "activations.py").write_text("def relu(x:\n")  # a syntax error
    impl = Implementation(tmp_path / "dave")
    x, w = np.array([[1.0, 2.0]]), np.array([[1.0], [0.5]])
    np.testing.assert_array_equal(impl.dense_forward(x, w, np.array([0.5])), [[2.5]])
    dx, _, _ = impl.conv_layer_backward(
        np.ones((1, 1, 1)), np.ones((2, 2, 1)), np.ones((2, 2, 1, 1))
    )
    np.testing.assert_array_equal(dx, np.ones((2, 2, 1)))
    params = {k: v.copy() for k, v in small_params(np.random.default_rng(0)).items()}
    with pytest.raises(SyntaxError):
        impl.digit_network(params, np.ones((2, 6)), np.array([0, 1]))


def test_digit_network_full_size_images(rng):
    params = init_digit_network(seed=3)
    x = rng.uniform(size=(2, 28, 28))
    loss, grads = digit_network(params, x, np.array([6, 3]))
    flat_loss, flat_grads = digit_network(params, x.reshape(2, 784), np.array([6, 3]))
    assert loss == flat_loss
    assert 0 < loss < 10
    for name in params:
        np.testing.assert_array_equal(grads[name], flat_grads[name])
