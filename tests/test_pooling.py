"""Public tests for topic 2 (pooling): the slides' max-pooling example and receptive field.

Run them with ``pytest tests/test_pooling.py``. The slides' example comes from
``deepgrade.slides`` (copied from their final frames); other expected values are worked
out by hand on small inputs.
"""

from __future__ import annotations

import numpy as np
import pytest

from deepgrade.feedback import check_array, check_inputs_unchanged, check_scalar
from deepgrade.slides import RELU_EDGES, RELU_EDGES_POOLED

# The slides: RELU_EDGES is the horizontal-edge filter's output on the 7x7 image after ReLU,
# RELU_EDGES_POOLED their "Output after max pooling" of it (2x2 windows, stride 2).

GRID = np.arange(25, dtype=np.float64).reshape(5, 5)  # GRID[i, j] = 5 i + j
# Read-only, so that no test can change it for the tests after it (the slides' are already).
GRID.flags.writeable = False


def direct_pool(x: np.ndarray, size, stride) -> np.ndarray:
    """Max pooling of (N, H, W, d), window by window; size and stride are (h, w) pairs."""
    (ph, pw), (sh, sw) = size, stride
    out = np.zeros(
        (x.shape[0], (x.shape[1] - ph) // sh + 1, (x.shape[2] - pw) // sw + 1, x.shape[3])
    )
    for r in range(out.shape[1]):
        for c in range(out.shape[2]):
            out[:, r, c] = x[:, r * sh : r * sh + ph, c * sw : c * sw + pw].max(axis=(1, 2))
    return out


# ---------------------------------------------------------------- 2.1 max_pool2d


@pytest.mark.exercise("max_pool2d")
def test_max_pool2d_slide_example(impl):
    got = impl.max_pool2d(RELU_EDGES)
    check_array(
        got,
        RELU_EDGES_POOLED,
        what="max_pool2d(the slides' ReLU output, 2x2)",
        shape_rule="(5 - 2) // 2 + 1 = 2: the last row and column are dropped",
    )


@pytest.mark.exercise("max_pool2d")
def test_max_pool2d_slide_example_explicit_size_and_stride(impl):
    got = impl.max_pool2d(RELU_EDGES, size=(2, 2), stride=(2, 2))
    check_array(got, RELU_EDGES_POOLED, what="max_pool2d(ReLU output, size=(2, 2), stride=(2, 2))")


@pytest.mark.exercise("max_pool2d")
def test_max_pool2d_drops_windows_past_the_edge(impl):
    got = impl.max_pool2d(GRID, size=2)
    check_array(got, np.array([[6.0, 8.0], [16.0, 18.0]]), what="max_pool2d(5x5 grid 0..24, 2)")


@pytest.mark.exercise("max_pool2d")
def test_max_pool2d_overlapping_windows(impl):
    # 3x3 windows every 2 pixels: windows start at rows/columns 0 and 2
    got = impl.max_pool2d(GRID, size=3, stride=2)
    check_array(
        got,
        np.array([[12.0, 14.0], [22.0, 24.0]]),
        what="max_pool2d(5x5 grid 0..24, size=3, stride=2)",
        shape_rule="(5 - 3) // 2 + 1 = 2",
    )


@pytest.mark.exercise("max_pool2d")
def test_max_pool2d_stride_1(impl):
    got = impl.max_pool2d(RELU_EDGES, size=2, stride=1)
    expected = np.array(
        [[1, 3, 3, 3], [1, 1, 3, 3], [1, 1, 3, 3], [1, 3, 3, 3]],
        dtype=np.float64,
    )
    check_array(got, expected, what="max_pool2d(ReLU output, size=2, stride=1)", shape_rule="4")


@pytest.mark.exercise("max_pool2d")
def test_max_pool2d_rectangular_window(impl):
    x = np.arange(24, dtype=np.float64).reshape(4, 6)
    got = impl.max_pool2d(x, size=(2, 3))
    check_array(
        got,
        np.array([[8.0, 11.0], [20.0, 23.0]]),
        what="max_pool2d(4x6 grid 0..23, size=(2, 3))",
        shape_rule="(4 - 2) // 2 + 1 = 2 rows, (6 - 3) // 3 + 1 = 2 columns",
    )


@pytest.mark.exercise("max_pool2d")
def test_max_pool2d_of_negative_values(impl):
    # the maximum of negative numbers is negative: do not start from 0
    got = impl.max_pool2d(-GRID - 1.0, size=2)
    check_array(got, np.array([[-1.0, -3.0], [-11.0, -13.0]]), what="max_pool2d(-(grid + 1), 2)")


@pytest.mark.exercise("max_pool2d")
def test_max_pool2d_pools_each_channel_on_its_own(impl):
    x = np.stack([RELU_EDGES, RELU_EDGES.T, -RELU_EDGES], axis=-1)  # (5, 5, 3)
    got = impl.max_pool2d(x)
    expected = np.stack(
        [RELU_EDGES_POOLED, RELU_EDGES_POOLED.T, np.array([[0.0, -1.0], [0.0, 0.0]])], axis=-1
    )
    check_array(got, expected, what="max_pool2d(x of shape (5, 5, 3))", shape_rule="(2, 2, 3)")


@pytest.mark.exercise("max_pool2d")
def test_max_pool2d_pools_each_image_of_a_batch(impl):
    x = np.stack([RELU_EDGES, 2 * RELU_EDGES])[..., np.newaxis]  # (2, 5, 5, 1)
    got = impl.max_pool2d(x)
    expected = np.stack([RELU_EDGES_POOLED, 2 * RELU_EDGES_POOLED])[..., np.newaxis]
    check_array(
        got, expected, what="max_pool2d(x of shape (2, 5, 5, 1))", shape_rule="(2, 2, 2, 1)"
    )


@pytest.mark.exercise("max_pool2d")
@pytest.mark.parametrize(
    ("shape", "kwargs", "expected_shape"),
    [
        ((8, 8), {}, (4, 4)),
        ((9, 8, 3), {}, (4, 4, 3)),
        ((3, 9, 8, 2), {}, (3, 4, 4, 2)),
        ((3, 9, 8, 2), {"size": 3, "stride": 2}, (3, 4, 3, 2)),
        ((6, 7, 4), {"size": (3, 2), "stride": (1, 3)}, (4, 2, 4)),
        ((4, 4, 1), {"size": 4}, (1, 1, 1)),
    ],
)
def test_max_pool2d_output_shape(impl, shape, kwargs, expected_shape):
    x = np.random.default_rng(len(shape)).normal(size=shape)
    got = impl.max_pool2d(x, **kwargs)
    assert isinstance(got, np.ndarray), f"max_pool2d should return a numpy array, got {type(got)}"
    assert got.shape == expected_shape, (
        f"max_pool2d(x {shape}, **{kwargs}) has shape {got.shape}, expected {expected_shape}"
    )
    size = np.broadcast_to(kwargs.get("size", 2), 2)
    stride = size if kwargs.get("stride") is None else np.broadcast_to(kwargs["stride"], 2)
    x4 = x.reshape({2: (1, *shape, 1), 3: (1, *shape), 4: shape}[x.ndim])  # (N, H, W, d)
    expected = direct_pool(x4, size, stride).reshape(expected_shape)
    check_array(got, expected, what=f"max_pool2d(random x {shape}, **{kwargs})")


@pytest.mark.exercise("max_pool2d")
def test_max_pool2d_leaves_its_input_unchanged(impl):
    got = check_inputs_unchanged(
        impl, "max_pool2d", np.array(RELU_EDGES, dtype=float), names=("x",)
    )
    check_array(got, RELU_EDGES_POOLED, what="max_pool2d(the slides' ReLU output, 2x2)")


# ---------------------------------------------------------------- 2.2 receptive_field


@pytest.mark.exercise("receptive_field")
def test_receptive_field_slide_example_16_pixels(impl):
    # the slides: 3x3 conv then 2x2 max pooling; one pooled pixel sees 16 input pixels
    got = impl.receptive_field([("conv", 3, 1), ("pool", 2, 2)])
    check_scalar(got, 4, what='receptive_field([("conv", 3, 1), ("pool", 2, 2)])')
    check_scalar(got * got, 16, what="the number of input pixels (side squared)")


@pytest.mark.exercise("receptive_field")
@pytest.mark.parametrize(
    ("layers", "expected"),
    [
        ([], 1),  # no layers: a pixel sees itself
        ([("conv", 3, 1)], 3),
        ([("conv", 3, 1), ("conv", 3, 1)], 5),
        ([("conv", 3, 1), ("pool", 2, 2), ("conv", 3, 1)], 8),
        ([("conv", 5, 2), ("conv", 3, 1)], 9),
        ([("pool", 2, 2), ("pool", 2, 2), ("pool", 2, 2)], 8),
        ([("conv", 5, 2), ("pool", 3, 3), ("conv", 3, 2)], 21),  # strides that compound
        ([("pool", 2, 2), ("conv", 5, 2), ("conv", 5, 2)], 26),
    ],
)
def test_receptive_field(impl, layers, expected):
    got = impl.receptive_field(layers)
    assert isinstance(got, int | np.integer), f"receptive_field should return an int, got {got!r}"
    check_scalar(got, expected, what=f"receptive_field({layers})")
    # then the slides' case, so that no constant answer passes any case (the case's own
    # check first: a wrong rule fails each case on its own input)
    check_scalar(impl.receptive_field([("conv", 3, 1), ("pool", 2, 2)]), 4,
                 what='receptive_field([("conv", 3, 1), ("pool", 2, 2)])')  # fmt: skip
