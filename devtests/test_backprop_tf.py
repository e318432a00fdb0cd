"""Cross-checks of topic 4's backward passes against TensorFlow's automatic differentiation.

Every test computes ``L = sum(forward(...) * dout)`` (or the loss itself) in float64
under ``tf.GradientTape`` and compares the tape's gradients with the reference backward
pass. Marked ``tf``; TensorFlow comes from the ``tf`` fixture, never a module import.
"""

from __future__ import annotations

import numpy as np
import pytest

from solutions.backprop import (
    conv_layer_backward,
    dense_backward,
    digit_network,
    max_pool2d_backward,
    relu_backward,
    softmax_cross_entropy,
)
from solutions.convolution import same_padding

pytestmark = pytest.mark.tf


def tape_gradients(tf, forward, *arrays):
    """Gradients of forward(*tensors) (a scalar) with respect to each float64 input."""
    tensors = [tf.Variable(np.asarray(a, dtype=np.float64)) for a in arrays]
    with tf.GradientTape() as tape:
        loss = forward(*tensors)
    return float(loss.numpy()), [g.numpy() for g in tape.gradient(loss, tensors)]


def close(got, expected):
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12)


def test_dense_backward(tf, rng):
    x, w, b = rng.normal(size=(3, 2, 4)), rng.normal(size=(8, 5)), rng.normal(size=5)
    dout = rng.normal(size=(3, 5))

    def forward(x_, w_, b_):
        return tf.reduce_sum((tf.reshape(x_, (3, 8)) @ w_ + b_) * dout)

    _, (gx, gw, gb) = tape_gradients(tf, forward, x, w, b)
    dx, dW, db = dense_backward(dout, x, w)
    close(dx, gx)
    close(dW, gw)
    close(db, gb)


def test_relu_backward(tf, rng):
    x = rng.normal(size=(4, 6))
    x[0, :3] = 0.0  # TF's ReluGrad passes no gradient at exactly 0, like ours
    dout = rng.normal(size=(4, 6))
    _, (gx,) = tape_gradients(tf, lambda v: tf.reduce_sum(tf.nn.relu(v) * dout), x)
    close(relu_backward(dout, x), gx)


@pytest.mark.parametrize("scale", [1.0, 1000.0])
def test_softmax_cross_entropy(tf, keras, rng, scale):
    logits = rng.normal(scale=scale, size=(5, 4))
    labels = np.array([0, 3, 3, 1, 2])

    def forward(z):
        return tf.reduce_mean(
            tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=z)
        )

    tf_loss, (gz,) = tape_gradients(tf, forward, logits)
    loss, dlogits = softmax_cross_entropy(logits, labels)
    assert loss == pytest.approx(tf_loss, rel=1e-12)
    close(dlogits, gz)
    # Keras's default reduction for this loss is the mean over the batch, as in the slides.
    keras_loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)(labels, logits)
    assert loss == pytest.approx(float(keras_loss), rel=1e-6)


@pytest.mark.parametrize(
    "x_shape, kernel_shape, padding, stride",
    [
        ((2, 7, 7, 1), (3, 3, 1, 2), 0, 1),
        ((2, 7, 6, 3), (3, 2, 3, 4), ((1, 0), (2, 1)), 2),
        ((6, 5, 2), (2, 3, 2, 3), 1, 2),  # unbatched
        ((1, 8, 8, 2), (3, 3, 2, 2), 2, 3),
    ],
)
def test_conv_layer_backward(tf, rng, x_shape, kernel_shape, padding, stride):
    x, kernels = rng.normal(size=x_shape), rng.normal(size=kernel_shape)
    bias = rng.normal(size=kernel_shape[-1])
    pads = ((padding,) * 2,) * 2 if isinstance(padding, int) else padding
    batched = len(x_shape) == 4
    x4 = x if batched else x[None]
    tf_padding = [[0, 0], list(pads[0]), list(pads[1]), [0, 0]]
    y = tf.nn.conv2d(x4, kernels, strides=stride, padding=tf_padding).numpy()
    dout = rng.normal(size=y.shape if batched else y.shape[1:])
    dout4 = dout if batched else dout[None]

    def forward(x_, k_, b_):
        return tf.reduce_sum((tf.nn.conv2d(x_, k_, stride, tf_padding) + b_) * dout4)

    _, (gx, gk, gb) = tape_gradients(tf, forward, x4, kernels, bias)
    dx, dk, db = conv_layer_backward(dout, x, kernels, padding=padding, stride=stride)
    close(dx, gx if batched else gx[0])
    close(dk, gk)
    close(db, gb)


@pytest.mark.parametrize("tf_padding", ["SAME", "VALID"])
def test_conv_layer_backward_same_and_valid(tf, rng, tf_padding):
    # Keras's "same" is the pairs of same_padding (topic 1); "valid" is no padding.
    x, kernels = rng.normal(size=(2, 7, 6, 2)), rng.normal(size=(4, 3, 2, 3))
    stride = 2
    if tf_padding == "SAME":
        padding = tuple(same_padding(n, k, stride) for n, k in ((7, 4), (6, 3)))
    else:
        padding = "valid"
    y = tf.nn.conv2d(x, kernels, strides=stride, padding=tf_padding).numpy()
    dout = rng.normal(size=y.shape)
    _, (gx, gk) = tape_gradients(
        tf,
        lambda x_, k_: tf.reduce_sum(tf.nn.conv2d(x_, k_, stride, tf_padding) * dout),
        x,
        kernels,
    )
    dx, dk, db = conv_layer_backward(dout, x, kernels, padding=padding, stride=stride)
    close(dx, gx)
    close(dk, gk)
    close(db, dout.sum(axis=(0, 1, 2)))


@pytest.mark.parametrize("size, stride", [(2, None), (3, 2), (2, 1), (3, 1), ((2, 3), (1, 2))])
def test_max_pool2d_backward_including_ties(tf, rng, size, stride):
    # Small integers: many windows have tied maxima, which must go where TF sends them.
    x = rng.integers(0, 3, size=(2, 7, 6, 3)).astype(np.float64)
    s = size if stride is None else stride
    y = tf.nn.max_pool2d(x, size, s, "VALID").numpy()
    dout = rng.integers(-9, 10, size=y.shape).astype(np.float64)  # sums exact in any order
    _, (gx,) = tape_gradients(
        tf, lambda v: tf.reduce_sum(tf.nn.max_pool2d(v, size, s, "VALID") * dout), x
    )
    np.testing.assert_array_equal(max_pool2d_backward(dout, x, size, stride), gx)


def test_digit_network(tf, rng):
    d, h, c = 12, 7, 4
    params = {
        "W1": rng.normal(size=(d, h)),
        "b1": rng.normal(size=h) * 0.1,
        "W2": rng.normal(size=(h, c)),
        "b2": rng.normal(size=c) * 0.1,
    }
    x = rng.normal(size=(6, 3, 4))
    labels = np.array([0, 3, 1, 1, 2, 3])

    def forward(w1, b1, w2, b2):
        hidden = tf.nn.relu(tf.reshape(x, (6, d)) @ w1 + b1)
        scores = hidden @ w2 + b2
        return tf.reduce_mean(
            tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=scores)
        )

    names = ("W1", "b1", "W2", "b2")
    tf_loss, tf_grads = tape_gradients(tf, forward, *(params[n] for n in names))
    loss, grads = digit_network(params, x, labels)
    assert loss == pytest.approx(tf_loss, rel=1e-12)
    for name, expected in zip(names, tf_grads, strict=True):
        close(grads[name], expected)
