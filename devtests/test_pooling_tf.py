"""Cross-checks of topic 2 against TensorFlow (tf.nn.max_pool2d, VALID), in float64."""

from __future__ import annotations

import numpy as np
import pytest

from solutions import pooling as pl

pytestmark = pytest.mark.tf


@pytest.mark.parametrize(
    ("shape", "size", "stride"),
    [
        ((2, 7, 7, 3), 2, None),  # 7 does not tile into 2s: the last row/column is dropped
        ((1, 5, 9, 2), 3, 2),  # overlapping windows
        ((2, 8, 6, 1), (2, 3), (1, 2)),
        ((1, 6, 6, 4), 2, 1),
        ((3, 7, 5, 2), (3, 2), (2, 3)),
        ((1, 5, 5, 1), 5, None),
    ],
)
def test_max_pool2d_matches_tf_nn_max_pool2d(tf, rng, shape, size, stride):
    x = rng.normal(size=shape)
    expected = tf.nn.max_pool2d(
        tf.constant(x, dtype=tf.float64),
        ksize=size,
        strides=size if stride is None else stride,
        padding="VALID",
    ).numpy()
    got = pl.max_pool2d(x, size=size, stride=stride)
    assert got.shape == expected.shape
    np.testing.assert_array_equal(got, expected)
    np.testing.assert_array_equal(pl.max_pool2d(x[0], size=size, stride=stride), expected[0])
