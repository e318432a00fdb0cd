"""Cross-checks of topic 1 against TensorFlow (tf.nn.conv2d) and Keras (Conv2D), in float64."""

from __future__ import annotations

import numpy as np
import pytest

from solutions import convolution as cv

pytestmark = pytest.mark.tf

# (N, H, W, d, kh, kw, k, stride, padding): "same" with even and non-square kernels,
# stride > 1, batches, d > 1 and k != d.
CONV_CASES = [
    (1, 7, 7, 1, 3, 3, 1, 1, "valid"),
    (2, 8, 9, 3, 3, 3, 4, 2, "valid"),
    (2, 7, 6, 2, 2, 2, 3, 1, "same"),
    (1, 9, 8, 3, 4, 4, 2, 1, "same"),
    (3, 7, 10, 2, 2, 3, 5, 2, "same"),
    (2, 6, 5, 1, 3, 2, 2, 3, "same"),
    (2, 8, 8, 3, 4, 4, 2, 3, "same"),
    (1, 5, 7, 2, 3, 3, 2, 1, 2),
    (2, 4, 6, 3, 5, 2, 4, 2, 1),
]


def _tf_padding(padding):
    """tf.nn.conv2d's padding: "SAME"/"VALID", or explicit zeros per side for an int."""
    if isinstance(padding, str):
        return padding.upper()
    return [[0, 0], [padding, padding], [padding, padding], [0, 0]]


@pytest.mark.parametrize(("n", "h", "w", "d", "kh", "kw", "k", "stride", "padding"), CONV_CASES)
def test_conv_layer_matches_tf_nn_conv2d(tf, rng, n, h, w, d, kh, kw, k, stride, padding):
    x = rng.normal(size=(n, h, w, d))
    kernels = rng.normal(size=(kh, kw, d, k))
    bias = rng.normal(size=k)
    expected = tf.nn.conv2d(
        tf.constant(x, dtype=tf.float64),
        tf.constant(kernels, dtype=tf.float64),
        strides=stride,
        padding=_tf_padding(padding),
    ) + tf.constant(bias, dtype=tf.float64)
    got = cv.conv_layer(x, kernels, bias, padding=padding, stride=stride)
    assert got.shape == tuple(expected.shape)
    np.testing.assert_allclose(got, expected.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(("n", "h", "w", "d", "kh", "kw", "k", "stride", "padding"), CONV_CASES)
def test_conv2d_matches_tf_nn_conv2d(tf, rng, n, h, w, d, kh, kw, k, stride, padding):
    image = rng.normal(size=(h, w))
    kernel = rng.normal(size=(kh, kw))
    expected = tf.nn.conv2d(
        tf.constant(image[np.newaxis, :, :, np.newaxis], dtype=tf.float64),
        tf.constant(kernel[:, :, np.newaxis, np.newaxis], dtype=tf.float64),
        strides=stride,
        padding=_tf_padding(padding),
    ).numpy()[0, :, :, 0]
    got = cv.conv2d(image, kernel, padding=padding, stride=stride)
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12)


def test_slide_layer_matches_keras_conv2d(keras):
    # the slides' conv layer (three 3x3 filters on the 7x7 image) as a Keras layer
    kernels = np.stack(
        [cv.FILTERS["box_blur"], cv.FILTERS["horizontal_edge"], cv.FILTERS["laplacian"]], axis=-1
    )[:, :, np.newaxis, :]
    bias = np.array([0.5, -1.0, 2.0])
    layer = keras.layers.Conv2D(3, 3, dtype="float64")
    layer.build((1, 7, 7, 1))
    layer.set_weights([kernels, bias])
    x = cv.SLIDE_IMAGE[np.newaxis, :, :, np.newaxis]
    expected = keras.ops.convert_to_numpy(layer(x))
    np.testing.assert_allclose(cv.conv_layer(x, kernels, bias), expected, rtol=1e-12, atol=1e-12)
