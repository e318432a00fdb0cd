"""Public tests for topic 1 (convolution): the slides' worked examples and the size rules.

Run them with ``pytest tests/test_convolution.py``. The slides' worked examples come from
``deepgrade.slides`` (copied from their final frames); every other expected array below is
worked out by hand on a small input.
"""

from __future__ import annotations

import numpy as np
import pytest

from deepgrade.evidence import finding
from deepgrade.feedback import check_array, check_inputs_unchanged, check_pair, check_scalar
from deepgrade.slides import (
    BOX_BLUR,
    BOX_BLUR_OUT,
    HORIZONTAL_EDGE,
    HORIZONTAL_EDGE_OUT,
    IDENTITY,
    IDENTITY_OUT,
    LAPLACIAN,
    ONES,
    ONES_OUT,
    SLIDE_IMAGE,
    SLIDE_IMAGE_PADDED,
)

# ---------------------------------------------------------------- the slides' filters, with outputs

# Not on the slides (they show the filter only); worked out by hand from SLIDE_IMAGE.
LAPLACIAN_OUT = np.array(
    [
        [-2, 2, 1, 2, -2],
        [2, 0, 0, 1, 3],
        [1, 0, 1, -3, -2],
        [2, 0, 0, 1, 3],
        [-2, 2, 1, 2, -2],
    ],
    dtype=np.float64,
)

SLIDE_FILTERS = {
    "identity": (IDENTITY, IDENTITY_OUT),
    "box_blur": (BOX_BLUR, BOX_BLUR_OUT),
    "horizontal_edge": (HORIZONTAL_EDGE, HORIZONTAL_EDGE_OUT),
    "laplacian": (LAPLACIAN, LAPLACIAN_OUT),
}
# Read-only, so that no test can change it for the tests after it (the slides' are already).
LAPLACIAN_OUT.flags.writeable = False

# ---------------------------------------------------------------- helpers of the tests


def same_pads(n: int, k: int, stride: int) -> tuple[int, int]:
    """Keras's "same" zeros (before, after) along one axis: output ceil(n / stride)."""
    total = max((-(-n // stride) - 1) * stride + k - n, 0)
    return total // 2, total - total // 2


def correlate(image: np.ndarray, kernel: np.ndarray, pads=((0, 0), (0, 0)), stride: int = 1):
    """The slides' convolution of a 2-D image, pixel by pixel, after zero padding."""
    padded = np.pad(np.asarray(image, dtype=np.float64), pads)
    kh, kw = kernel.shape
    out = np.zeros(((padded.shape[0] - kh) // stride + 1, (padded.shape[1] - kw) // stride + 1))
    for r in range(out.shape[0]):
        for c in range(out.shape[1]):
            out[r, c] = np.sum(
                padded[r * stride : r * stride + kh, c * stride : c * stride + kw] * kernel
            )
    return out


def check_conv2d(got, image, kernel, expected, *, pads=((0, 0), (0, 0)), stride=1, what, **kw):
    """check_array, naming the known mistakes: a flipped kernel, "same" zeros on the wrong side."""
    expected = np.asarray(expected, dtype=np.float64)
    wrong = (
        isinstance(got, np.ndarray)
        and got.shape == expected.shape
        and not np.allclose(got, expected)
    )
    if wrong and np.allclose(got, correlate(image, kernel[::-1, ::-1], pads, stride)):
        raise finding(
            "flipped kernel",
            f"{what}: your output is the convolution with the kernel flipped (true "
            "convolution); the slides' convolution does not flip it",
        )
    (top, bottom), (left, right) = pads
    if wrong and (top, left) != (bottom, right):
        if np.allclose(got, correlate(image, kernel, ((bottom, top), (right, left)), stride)):
            raise finding(
                "same padding on the wrong side",
                f"{what}: your output has the padding on the wrong side: the extra zero row/"
                'column of "same" padding with an even kernel goes at the bottom/right '
                "(as in Keras), not at the top/left",
            )
    check_array(got, expected, what=what, **kw)


# ---------------------------------------------------------------- 1.1 conv_output_size


@pytest.mark.exercise("conv_output_size")
@pytest.mark.parametrize(
    ("n", "k", "padding", "stride", "expected"),
    [
        (7, 3, 0, 1, 5),  # the slides: 7x7 image, 3x3 filter -> 5x5
        (7, 3, 1, 1, 7),  # the slides: pad one zero on each side to keep 7x7
        (7, 3, 0, 2, 3),
        (28, 5, 0, 1, 24),
        (32, 3, 1, 2, 16),
        (5, 5, 0, 1, 1),  # the kernel fits exactly once
        (10, 4, 0, 3, 3),  # the last position that does not fit is dropped
        (2, 3, 1, 1, 2),  # the kernel is larger than the image, but not the padded one
        # padding with a stride: these tell the size rule's usual slips apart
        (5, 3, 1, 2, 3),
        (5, 3, 2, 2, 4),
        (8, 3, 2, 2, 5),
        (12, 3, 2, 2, 7),
    ],
)
def test_conv_output_size(impl, n, k, padding, stride, expected):
    got = impl.conv_output_size(n, k, padding=padding, stride=stride)
    assert isinstance(got, int | np.integer), f"conv_output_size should return an int, got {got!r}"
    check_scalar(
        got, expected, what=f"conv_output_size({n}, {k}, padding={padding}, stride={stride})"
    )
    # then the slides' two cases, so that no constant (or n itself) passes any case; the
    # case's own check comes first, so that a wrong rule fails each case on its own input
    for args, anchor in (((7, 3, 0, 1), 5), ((7, 3, 1, 1), 7)):
        check_scalar(impl.conv_output_size(*args[:2], padding=args[2], stride=args[3]), anchor,
                     what=f"conv_output_size(7, 3, padding={args[2]}, stride=1)")  # fmt: skip


# ---------------------------------------------------------------- 1.2 same_padding


@pytest.mark.exercise("same_padding")
@pytest.mark.parametrize(
    ("n", "k", "stride", "expected"),
    [
        (7, 3, 1, (1, 1)),  # the slides: one zero on each side of the 7x7 image
        (7, 5, 1, (2, 2)),
        (7, 2, 1, (0, 1)),  # even kernel: the extra zero goes after (bottom/right)
        (7, 4, 1, (1, 2)),
        (7, 1, 1, (0, 0)),
        (7, 3, 2, (1, 1)),  # output ceil(7/2) = 4
        (8, 3, 2, (0, 1)),  # output 4 needs only one zero in total
        (5, 3, 3, (0, 1)),
        (4, 1, 3, (0, 0)),  # no zeros needed: total is never negative
        (2, 5, 1, (2, 2)),  # kernel larger than the input
        (3, 4, 3, (0, 1)),  # a stride with a kernel larger than the input
        (5, 4, 3, (1, 1)),
        (3, 6, 3, (1, 2)),
    ],
)
def test_same_padding(impl, n, k, stride, expected):
    check_pair(impl.same_padding(n, k, stride=stride), expected,
               what=f"same_padding({n}, {k}, stride={stride})")  # fmt: skip
    # then two fixed cases, so that no constant answer passes any case
    for args, anchor in (((7, 3, 1), (1, 1)), ((7, 4, 1), (1, 2))):
        check_pair(impl.same_padding(*args[:2], stride=args[2]), anchor,
                   what=f"same_padding({args[0]}, {args[1]}, stride=1)")  # fmt: skip


# ---------------------------------------------------------------- 1.3 zero_pad


@pytest.mark.exercise("zero_pad")
def test_zero_pad_slide_image_by_one(impl):
    got = impl.zero_pad(SLIDE_IMAGE, 1)
    check_array(got, SLIDE_IMAGE_PADDED, what="zero_pad(slide image, 1)")


@pytest.mark.exercise("zero_pad")
def test_zero_pad_top_bottom_left_right(impl):
    got = impl.zero_pad(np.array([[1.0, 2.0], [3.0, 4.0]]), ((1, 0), (0, 2)))
    expected = np.array([[0, 0, 0, 0], [1, 2, 0, 0], [3, 4, 0, 0]], dtype=np.float64)
    check_array(got, expected, what="zero_pad([[1, 2], [3, 4]], ((1, 0), (0, 2)))")


@pytest.mark.exercise("zero_pad")
def test_zero_pad_with_zero_padding_gives_back_the_image(impl):
    got = impl.zero_pad(SLIDE_IMAGE, 0)
    check_array(got, SLIDE_IMAGE, what="zero_pad(slide image, 0)")
    check_array(impl.zero_pad(np.array([[5.0]]), 2), np.pad([[5.0]], 2), what="zero_pad([[5]], 2)")


@pytest.mark.exercise("zero_pad")
def test_zero_pad_leaves_its_input_unchanged(impl):
    image = np.array(SLIDE_IMAGE, dtype=float)
    got = check_inputs_unchanged(impl, "zero_pad", image, ((1, 1), (1, 1)), names=("x", "padding"))
    check_array(got, SLIDE_IMAGE_PADDED, what="zero_pad(slide image, ((1, 1), (1, 1)))")


@pytest.mark.exercise("zero_pad")
def test_zero_pad_pads_only_height_and_width_with_channels(impl):
    x = np.stack([SLIDE_IMAGE, 2 * SLIDE_IMAGE], axis=-1)  # (7, 7, 2)
    got = impl.zero_pad(x, 1)
    expected = np.stack([SLIDE_IMAGE_PADDED, 2 * SLIDE_IMAGE_PADDED], axis=-1)
    check_array(got, expected, what="zero_pad(x of shape (7, 7, 2), 1)", shape_rule="(9, 9, 2)")


@pytest.mark.exercise("zero_pad")
def test_zero_pad_pads_only_height_and_width_of_a_batch(impl):
    x = np.stack([SLIDE_IMAGE, -SLIDE_IMAGE, 3 * SLIDE_IMAGE])[..., np.newaxis]  # (3, 7, 7, 1)
    got = impl.zero_pad(x, 1)
    expected = np.stack([SLIDE_IMAGE_PADDED, -SLIDE_IMAGE_PADDED, 3 * SLIDE_IMAGE_PADDED])
    check_array(
        got,
        expected[..., np.newaxis],
        what="zero_pad(x of shape (3, 7, 7, 1), 1)",
        shape_rule="(3, 9, 9, 1): N and d are not padded",
    )


@pytest.mark.exercise("zero_pad")
def test_zero_pad_asymmetric_batch(impl):
    got = impl.zero_pad(np.ones((2, 4, 5, 3)), ((0, 1), (2, 3)))
    expected = np.zeros((2, 5, 10, 3))
    expected[:, :4, 2:7, :] = 1.0  # 0 rows on top, 1 below, 2 columns left, 3 right
    check_array(
        got,
        expected,
        what="zero_pad(ones (2, 4, 5, 3), ((0, 1), (2, 3)))",
        shape_rule="(2, 4 + 0 + 1, 5 + 2 + 3, 3)",
    )


# ---------------------------------------------------------------- 1.4 conv2d


@pytest.mark.exercise("conv2d")
@pytest.mark.parametrize("name", list(SLIDE_FILTERS))
def test_conv2d_slide_filters_and_constants(impl, name):
    kernel, expected = SLIDE_FILTERS[name]
    check_array(impl.SLIDE_IMAGE, SLIDE_IMAGE, what="convolution.SLIDE_IMAGE (the slides' image)")
    check_array(impl.FILTERS[name], kernel, what=f'convolution.FILTERS["{name}"]')
    got = impl.conv2d(impl.SLIDE_IMAGE, impl.FILTERS[name])
    check_array(
        got, expected, what=f"conv2d(slide image, {name} filter)", shape_rule="(7 - 3) // 1 + 1 = 5"
    )


@pytest.mark.exercise("conv2d")
def test_conv2d_slide_ones_filter(impl):
    got = impl.conv2d(SLIDE_IMAGE, ONES)
    check_array(got, ONES_OUT, what="conv2d(slide image, 3x3 ones)")


@pytest.mark.exercise("conv2d")
@pytest.mark.parametrize("padding", [1, "same"])
def test_conv2d_padding_keeps_the_slide_image_size(impl, padding):
    got = impl.conv2d(SLIDE_IMAGE, IDENTITY, padding=padding)
    check_array(
        got,
        SLIDE_IMAGE,
        what=f"conv2d(slide image, identity filter, padding={padding!r})",
        shape_rule="(7 - 3 + 2*1) // 1 + 1 = 7",
    )
    # the edge filter on the padded image: its inner 5x5 is the slides' unpadded output
    got = impl.conv2d(SLIDE_IMAGE, HORIZONTAL_EDGE, padding=padding)
    expected = correlate(SLIDE_IMAGE, HORIZONTAL_EDGE, ((1, 1), (1, 1)))
    check_array(got, expected, what=f"conv2d(slide image, edge filter, padding={padding!r})")


@pytest.mark.exercise("conv2d")
def test_conv2d_valid_means_no_padding(impl):
    got = impl.conv2d(SLIDE_IMAGE, HORIZONTAL_EDGE, padding="valid")
    check_array(got, HORIZONTAL_EDGE_OUT, what='conv2d(slide image, edge filter, padding="valid")')


@pytest.mark.exercise("conv2d")
def test_conv2d_does_not_flip_the_kernel(impl):
    # the filter is not symmetric: a flipped filter gives different numbers
    image = np.array(
        [[1, 2, 0, 1, 3], [0, 1, 2, 2, 1], [3, 0, 1, 0, 2], [1, 1, 0, 2, 0]], dtype=np.float64
    )
    kernel = np.array([[1, 0, -1], [0, 2, 0]], dtype=np.float64)
    expected = np.array([[3, 5, 1], [-2, 1, 1], [4, 0, 3]], dtype=np.float64)
    check_conv2d(
        impl.conv2d(image, kernel),
        image,
        kernel,
        expected,
        what="conv2d(4x5 image, 2x3 kernel)",
        shape_rule="(4 - 2) + 1 = 3 rows, (5 - 3) + 1 = 3 columns",
    )


@pytest.mark.exercise("conv2d")
def test_conv2d_non_square_image_and_kernel_shape(impl):
    got = impl.conv2d(np.ones((6, 9)), np.ones((2, 4)))
    check_array(
        got, np.full((5, 6), 8.0), what="conv2d(ones (6, 9), ones (2, 4))", shape_rule="(5, 6)"
    )


@pytest.mark.exercise("conv2d")
def test_conv2d_stride_2(impl):
    got = impl.conv2d(SLIDE_IMAGE, IDENTITY, stride=2)
    check_array(
        got,
        IDENTITY_OUT[::2, ::2],
        what="conv2d(slide image, identity filter, stride=2)",
        shape_rule="(7 - 3) // 2 + 1 = 3",
    )


@pytest.mark.exercise("conv2d")
def test_conv2d_stride_2_non_square(impl):
    image = np.array(
        [[1, 2, 0, 1, 3], [0, 1, 2, 2, 1], [3, 0, 1, 0, 2], [1, 1, 0, 2, 0]], dtype=np.float64
    )
    kernel = np.array([[1.0, 2.0]])
    got = impl.conv2d(image, kernel, stride=2)
    expected = np.array([[5, 2], [3, 1]], dtype=np.float64)
    check_conv2d(
        got,
        image,
        kernel,
        expected,
        stride=2,
        what="conv2d(4x5 image, [[1, 2]], stride=2)",
        shape_rule="(4 - 1) // 2 + 1 = 2 rows, (5 - 2) // 2 + 1 = 2 columns",
    )


@pytest.mark.exercise("conv2d")
def test_conv2d_same_with_an_even_kernel_pads_bottom_and_right(impl):
    # 2x2 kernel, "same": one zero row at the bottom and one zero column at the right (as Keras)
    got = impl.conv2d(np.ones((4, 5)), np.ones((2, 2)), padding="same")
    expected = np.array(
        [[4, 4, 4, 4, 2], [4, 4, 4, 4, 2], [4, 4, 4, 4, 2], [2, 2, 2, 2, 1]], dtype=np.float64
    )
    check_conv2d(got, np.ones((4, 5)), np.ones((2, 2)), expected, pads=((0, 1), (0, 1)),
                 what='conv2d(ones (4, 5), ones (2, 2), padding="same")')  # fmt: skip
    # a kernel that is not symmetric, on an image that is not: 3x4 kernel, 4x5 image
    image = np.arange(20.0).reshape(4, 5) % 7
    kernel = np.arange(12.0).reshape(3, 4) - 5.0
    pads = (same_pads(4, 3, 1), same_pads(5, 4, 1))  # ((1, 1), (1, 2))
    check_conv2d(impl.conv2d(image, kernel, padding="same"), image, kernel,
                 correlate(image, kernel, pads), pads=pads,
                 what='conv2d(4x5 image, 3x4 kernel, padding="same")')  # fmt: skip


@pytest.mark.exercise("conv2d")
@pytest.mark.parametrize(
    ("shape", "kernel_shape", "stride", "expected_shape"),
    [((7, 7), (3, 3), 2, (4, 4)), ((9, 6), (4, 2), 2, (5, 3)), ((5, 8), (2, 3), 3, (2, 3))],
)
def test_conv2d_same_output_shape_is_ceil_of_size_over_stride(
    impl, shape, kernel_shape, stride, expected_shape
):
    image = np.arange(float(np.prod(shape))).reshape(shape) % 5
    kernel = np.arange(float(np.prod(kernel_shape))).reshape(kernel_shape) - 2.0
    got = impl.conv2d(image, kernel, padding="same", stride=stride)
    assert isinstance(got, np.ndarray), f"conv2d should return a numpy array, got {type(got)}"
    assert got.shape == expected_shape, (
        f'conv2d(image {shape}, kernel {kernel_shape}, padding="same", stride={stride}) has shape '
        f"{got.shape}, expected {expected_shape} = ceil(size / stride) per axis"
    )
    pads = tuple(same_pads(n, k, stride) for n, k in zip(shape, kernel_shape, strict=True))
    check_conv2d(got, image, kernel, correlate(image, kernel, pads, stride), pads=pads,
                 stride=stride, what=f'conv2d(image {shape}, kernel {kernel_shape}, '
                 f'padding="same", stride={stride})')  # fmt: skip


@pytest.mark.exercise("conv2d")
def test_conv2d_leaves_its_inputs_unchanged(impl):
    image, kernel = np.array(SLIDE_IMAGE, dtype=float), np.array(HORIZONTAL_EDGE, dtype=float)
    got = check_inputs_unchanged(
        impl, "conv2d", image, kernel, padding=1, names=("image", "kernel")
    )
    check_array(got, correlate(SLIDE_IMAGE, HORIZONTAL_EDGE, ((1, 1), (1, 1))),
                what="conv2d(slide image, edge filter, padding=1)")  # fmt: skip


# ---------------------------------------------------------------- 1.5 conv_layer


def _slide_kernels() -> np.ndarray:
    """The slides' three filters as a (3, 3, 1, 3) kernel stack: box blur, edge, Laplacian."""
    return np.stack([BOX_BLUR, HORIZONTAL_EDGE, LAPLACIAN], axis=-1)[:, :, np.newaxis, :]


@pytest.mark.exercise("conv_layer")
def test_conv_layer_slide_three_filters(impl):
    got = impl.conv_layer(SLIDE_IMAGE[:, :, np.newaxis], _slide_kernels(), np.zeros(3))
    expected = np.stack([BOX_BLUR_OUT, HORIZONTAL_EDGE_OUT, LAPLACIAN_OUT], axis=-1)
    check_array(
        got,
        expected,
        what="conv_layer(slide image (7, 7, 1), the three slide filters, zero bias)",
        shape_rule="(height-2, width-2, k) = (5, 5, 3)",
    )


@pytest.mark.exercise("conv_layer")
def test_conv_layer_adds_one_bias_per_filter(impl):
    bias = np.array([1.0, -1.0, 0.5])
    got = impl.conv_layer(SLIDE_IMAGE[:, :, np.newaxis], _slide_kernels(), bias)
    expected = np.stack(
        [BOX_BLUR_OUT + 1.0, HORIZONTAL_EDGE_OUT - 1.0, LAPLACIAN_OUT + 0.5], axis=-1
    )
    check_array(got, expected, what="conv_layer(slide image, slide filters, bias [1, -1, 0.5])")


@pytest.mark.exercise("conv_layer")
def test_conv_layer_sums_over_the_input_channels(impl):
    # channel 0: the slide image, channel 1: twice it; the filter takes the edge filter on
    # channel 0 and the identity on channel 1, so the output is their sum
    x = np.stack([SLIDE_IMAGE, 2 * SLIDE_IMAGE], axis=-1)
    kernels = np.stack([HORIZONTAL_EDGE, IDENTITY], axis=-1)[..., np.newaxis]  # (3, 3, 2, 1)
    got = impl.conv_layer(x, kernels, np.zeros(1))
    expected = (HORIZONTAL_EDGE_OUT + 2 * IDENTITY_OUT)[..., np.newaxis]
    check_array(got, expected, what="conv_layer(x (7, 7, 2), kernels (3, 3, 2, 1))")


@pytest.mark.exercise("conv_layer")
@pytest.mark.parametrize(
    ("x_shape", "kernels_shape", "kwargs", "expected_shape"),
    [
        ((6, 8, 3), (3, 3, 3, 5), {}, (4, 6, 5)),  # the slides: (height-2, width-2, k)
        ((2, 6, 8, 3), (3, 3, 3, 5), {}, (2, 4, 6, 5)),  # a batch keeps N
        ((7, 9, 2), (2, 4, 2, 3), {}, (6, 6, 3)),  # non-square kernel
        ((7, 7, 1), (3, 3, 1, 4), {"stride": 2}, (3, 3, 4)),
        ((3, 7, 7, 2), (3, 3, 2, 1), {"padding": "same", "stride": 2}, (3, 4, 4, 1)),
        ((5, 6, 1), (4, 4, 1, 2), {"padding": "same"}, (5, 6, 2)),
        ((5, 6, 1), (3, 3, 1, 2), {"padding": 2}, (7, 8, 2)),
    ],
)
def test_conv_layer_output_shape(impl, x_shape, kernels_shape, kwargs, expected_shape):
    rng = np.random.default_rng(len(x_shape) * 10 + kernels_shape[0])
    x, kernels = rng.normal(size=x_shape), rng.normal(size=kernels_shape)
    bias = np.arange(1.0, kernels_shape[-1] + 1)
    got = impl.conv_layer(x, kernels, bias, **kwargs)
    what = f"conv_layer(x {x_shape}, kernels {kernels_shape}, **{kwargs})"
    assert isinstance(got, np.ndarray), f"conv_layer should return a numpy array, got {type(got)}"
    assert got.shape == expected_shape, f"{what} has shape {got.shape}, expected {expected_shape}"
    # Each filter is the sum over channels of the 2-D convolutions, plus its bias.
    stride, padding = kwargs.get("stride", 1), kwargs.get("padding", 0)
    if padding == "same":
        pads = tuple(
            same_pads(n, k, stride) for n, k in zip(x_shape[-3:-1], kernels_shape[:2], strict=True)
        )
    else:
        pads = ((padding, padding), (padding, padding))
    batch = x if x.ndim == 4 else x[np.newaxis]
    expected = np.stack([
        np.stack([
            sum(correlate(image[:, :, c], kernels[:, :, c, f], pads, stride)
                for c in range(x_shape[-1])) + bias[f]
            for f in range(kernels_shape[-1])
        ], axis=-1)
        for image in batch
    ])  # fmt: skip
    check_array(got, expected if x.ndim == 4 else expected[0], what=what)


@pytest.mark.exercise("conv_layer")
def test_conv_layer_leaves_its_inputs_unchanged(impl):
    x = np.stack([SLIDE_IMAGE, 2 * SLIDE_IMAGE], axis=-1)
    kernels = np.stack([HORIZONTAL_EDGE, IDENTITY], axis=-1)[..., np.newaxis]
    got = check_inputs_unchanged(
        impl, "conv_layer", x, kernels, np.array([0.5]), names=("x", "kernels", "bias")
    )
    expected = (HORIZONTAL_EDGE_OUT + 2 * IDENTITY_OUT + 0.5)[..., np.newaxis]
    check_array(got, expected, what="conv_layer(x (7, 7, 2), kernels (3, 3, 2, 1), bias [0.5])")


@pytest.mark.exercise("conv_layer")
def test_conv_layer_batch_is_each_image_on_its_own(impl):
    x = np.stack([SLIDE_IMAGE, 3 * SLIDE_IMAGE])[..., np.newaxis]  # (2, 7, 7, 1)
    kernels = HORIZONTAL_EDGE[:, :, np.newaxis, np.newaxis]
    got = impl.conv_layer(x, kernels, np.zeros(1))
    expected = np.stack([HORIZONTAL_EDGE_OUT, 3 * HORIZONTAL_EDGE_OUT])[..., np.newaxis]
    check_array(got, expected, what="conv_layer(batch of 2 slide images, edge filter)")
