"""Hidden suite of topic 1 (convolution): the grade of conv_output_size, same_padding,
zero_pad, conv2d and conv_layer.

Expected values come from the reference (``solutions.convolution``) on the trusted side;
inputs are seeded, over the shapes that expose bugs: non-square images and kernels,
d > 1, k != d, batches, strides that do not tile the input, "same" padding with even
kernels. Failure messages describe inputs by their shapes only.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograder.suites.mistakes_convolution import (
    conv2d_mistakes,
    conv_layer_mistakes,
    conv_output_size_mistakes,
    same_padding_mistakes,
    zero_pad_mistakes,
)
from autograder.suites.support import DETERMINISTIC as SEARCH
from autograder.suites.support import (
    Cases,
    call_unchanged,
    check_int,
    run_search,
    seeded_rngs,
    small_ints,
)
from deepgrade.feedback import check_array, check_pair, check_scalar
from solutions import convolution as ref

rng_for = seeded_rngs(20240404)

# what call_unchanged tells a submission that wrote into one of its inputs
NEVER_IN_PLACE = (
    "never write into (or reshape) an input; work on a copy, e.g. np.pad(...) or "
    "x.reshape(...) return new arrays, x.shape = ... and out=x change x itself"
)


def describe(shape) -> str:
    return "x".join(str(n) for n in shape) if len(shape) == 2 else str(tuple(shape))


# ================================================================ 1.1 conv_output_size


def _check_size(impl, n, k, padding, stride):
    what = f"conv_output_size(n={n}, k={k}, padding={padding}, stride={stride})"
    got = impl.conv_output_size(n, k, padding=padding, stride=stride)
    check_int(got, what)
    check_scalar(
        got,
        ref.conv_output_size(n, k, padding, stride),
        what=what,
        mistakes=conv_output_size_mistakes(n, k, padding, stride),
    )


@pytest.mark.exercise("conv_output_size")
@pytest.mark.points(1)
def test_conv_output_size_slide_examples(impl):
    cases = Cases()
    # the slides: 3x3 filter on the 7x7 image -> 5x5; one zero of padding keeps 7x7
    for args in ((7, 3, 0, 1), (7, 3, 1, 1), (7, 3, 0, 2), (7, 3, 1, 2)):
        cases.check(_check_size, impl, *args)
    cases.done()


@pytest.mark.exercise("conv_output_size")
@pytest.mark.points(2)
def test_conv_output_size_stride_padding_and_even_kernels(impl):
    cases = Cases()
    sizes = [
        (9, 4, 0, 2),  # stride that does not tile: the last position is dropped
        (10, 3, 2, 3),
        (11, 2, 1, 4),
        (6, 6, 0, 1),  # the kernel fits exactly once
        (3, 5, 1, 2),  # kernel larger than the image, not than the padded image
        (32, 5, 2, 2),
        (17, 4, 3, 5),
    ]
    for args in sizes:
        cases.check(_check_size, impl, *args)
    cases.done()


@pytest.mark.exercise("conv_output_size")
@pytest.mark.points(1)
def test_conv_output_size_padding_on_both_sides(impl):
    cases = Cases()
    # padding of 2 or more: n + 2p, n + p, p after the division and the missing + 1 differ
    for args in ((9, 3, 2, 1), (12, 5, 3, 1), (6, 2, 4, 1), (10, 3, 3, 3), (11, 2, 4, 3),
                 (13, 3, 4, 4), (15, 3, 5, 2), (14, 4, 3, 2)):  # fmt: skip
        cases.check(_check_size, impl, *args)
    cases.done()


@pytest.mark.exercise("conv_output_size")
@pytest.mark.points(1)
def test_conv_output_size_random_sizes(impl):
    @SEARCH
    @given(
        n=st.integers(1, 40),
        k=st.integers(1, 9),
        padding=st.integers(0, 4),
        stride=st.integers(1, 5),
    )
    def search(n, k, padding, stride):
        if n + 2 * padding < k:
            k = n + 2 * padding
        _check_size(impl, n, k, padding, stride)

    run_search(search)


# ================================================================ 1.2 same_padding


def _check_same(impl, n, k, stride):
    what = f"same_padding(n={n}, k={k}, stride={stride})"
    got = impl.same_padding(n, k, stride=stride)
    check_pair(
        got,
        ref.same_padding(n, k, stride),
        what=what,
        mistakes=same_padding_mistakes(n, k, stride),
    )
    return got


@pytest.mark.exercise("same_padding")
@pytest.mark.points(1)
def test_same_padding_slide_examples(impl):
    cases = Cases()
    # the slides: a 3x3 filter on the 7x7 image needs one zero on each side
    for args in ((7, 3, 1), (7, 3, 2), (7, 5, 1)):
        cases.check(_check_same, impl, *args)
    cases.done()


@pytest.mark.exercise("same_padding")
@pytest.mark.points(2)
def test_same_padding_even_kernels(impl):
    cases = Cases()
    # odd totals: the extra zero goes after the image (bottom/right), as in Keras
    for args in ((6, 2, 1), (9, 4, 1), (5, 6, 1), (8, 8, 1), (3, 2, 1), (10, 4, 2)):
        cases.check(_check_same, impl, *args)
    cases.done()


@pytest.mark.exercise("same_padding")
@pytest.mark.points(2)
def test_same_padding_strides(impl):
    cases = Cases()
    # output ceil(n / s); with a stride larger than the kernel no zeros may be needed
    for args in (
        (8, 3, 2),
        (10, 4, 3),
        (9, 2, 4),
        (4, 2, 3),
        (5, 1, 3),
        (12, 5, 5),
        (6, 3, 4),
        (11, 6, 3),
        (9, 4, 3),
        (7, 1, 4),  # stride larger than the kernel: max(..., 0) matters
        (10, 2, 6),
    ):
        cases.check(_check_same, impl, *args)
    cases.done()


@pytest.mark.exercise("same_padding")
@pytest.mark.points(1)
def test_same_padding_keeps_ceil_size_random(impl):
    @SEARCH
    @given(n=st.integers(1, 30), k=st.integers(1, 8), stride=st.integers(1, 5))
    def search(n, k, stride):
        before, after = _check_same(impl, n, k, stride)
        # property: the padded input gives ceil(n / s) outputs
        size = (n + int(before) + int(after) - k) // stride + 1
        assert size == math.ceil(n / stride), (
            f"same_padding(n={n}, k={k}, stride={stride}) gives an output of {size}, "
            f"not ceil(n / s) = {math.ceil(n / stride)}"
        )

    run_search(search)


# ================================================================ 1.3 zero_pad


def _check_pad(impl, x, padding, what=None):
    what = what or f"zero_pad(x of shape {x.shape}, {padding})"
    expected = ref.zero_pad(x, padding)
    got = impl.zero_pad(x.copy(), padding)
    check_array(
        got,
        expected,
        what=what,
        shape_rule="only H and W grow: (H + top + bottom, W + left + right)",
        mistakes=zero_pad_mistakes(x, padding),
    )
    return got


@pytest.mark.exercise("zero_pad")
@pytest.mark.points(1)
def test_zero_pad_slide_image(impl):
    cases = Cases()
    image = np.array(ref.SLIDE_IMAGE)
    cases.check(_check_pad, impl, image, 1, "zero_pad(the slides' 7x7 image, 1)")
    cases.check(
        _check_pad,
        impl,
        image,
        ((1, 0), (0, 2)),
        "zero_pad(the slides' 7x7 image, ((1, 0), (0, 2)))",
    )
    cases.done()


@pytest.mark.exercise("zero_pad")
@pytest.mark.points(1)
def test_zero_pad_channels_non_square(impl):
    cases = Cases()
    rng = rng_for(13)
    cases.check(_check_pad, impl, small_ints(rng, (4, 6, 3)), ((2, 0), (1, 3)))
    cases.check(_check_pad, impl, small_ints(rng, (5, 3, 2)), 2)
    cases.check(_check_pad, impl, small_ints(rng, (3, 7)), ((0, 1), (2, 0)))
    cases.done()


@pytest.mark.exercise("zero_pad")
@pytest.mark.points(2)
def test_zero_pad_batch(impl):
    cases = Cases()
    rng = rng_for(14)
    cases.check(_check_pad, impl, small_ints(rng, (3, 4, 5, 2)), 1)
    cases.check(_check_pad, impl, small_ints(rng, (2, 3, 6, 4)), ((0, 2), (3, 1)))
    cases.check(_check_pad, impl, small_ints(rng, (1, 5, 2, 1)), ((1, 1), (0, 0)))
    cases.done()


@pytest.mark.exercise("zero_pad")
@pytest.mark.points(1)
def test_zero_pad_int_input_gives_float64(impl):
    x = np.arange(12, dtype=np.int64).reshape(3, 4)
    got = impl.zero_pad(x, 1)
    check_array(got, ref.zero_pad(x, 1), what="zero_pad(an int64 (3, 4) array, 1)")
    assert got.dtype == np.float64, f"zero_pad should return float64, got {got.dtype}"


@pytest.mark.exercise("zero_pad")
@pytest.mark.points(1)
def test_zero_pad_leaves_input_unchanged(impl):
    rng = rng_for(15)
    for shape, padding in (((4, 5, 2), ((1, 2), (0, 1))), ((2, 3, 3, 1), 0), ((3, 3), 0)):
        x = small_ints(rng, shape)
        what = f"x of shape {shape}, padding {padding}"
        got = call_unchanged(impl, "zero_pad", ("x",), what, x, padding, advice=NEVER_IN_PLACE)
        check_array(
            got,
            ref.zero_pad(x, padding),
            what=f"zero_pad({what})",
            mistakes=zero_pad_mistakes(x, padding),
        )


@pytest.mark.exercise("zero_pad")
@pytest.mark.points(1)
def test_zero_pad_random_shapes(impl):
    @SEARCH
    @given(
        shape=st.sampled_from([(3, 5), (4, 2, 3), (2, 3, 4, 2), (1, 6, 5, 3), (5, 4, 1)]),
        pads=st.tuples(*(st.integers(0, 3) for _ in range(4))),
        seed=st.integers(0, 2**16),
    )
    def search(shape, pads, seed):
        x = small_ints(rng_for(16, seed), shape)
        _check_pad(impl, x, ((pads[0], pads[1]), (pads[2], pads[3])))

    run_search(search)


# ================================================================ 1.4 conv2d


def _check_conv2d(impl, image, kernel, padding=0, stride=1, what=None):
    what = what or (
        f"conv2d on a {describe(image.shape)} image, {describe(kernel.shape)} kernel, "
        f"padding {padding!r}, stride {stride}"
    )
    expected = ref.conv2d(image, kernel, padding=padding, stride=stride)
    got = impl.conv2d(image.copy(), kernel.copy(), padding=padding, stride=stride)
    if padding == "same":
        rule = f"ceil(H / s) x ceil(W / s) = {expected.shape}"
    else:
        p = 0 if padding == "valid" else padding
        rule = (
            f"(H - kh + 2*{p}) // {stride} + 1, (W - kw + 2*{p}) // {stride} + 1: {expected.shape}"
        )
    check_array(
        got,
        expected,
        what=what,
        shape_rule=rule,
        mistakes=conv2d_mistakes(image, kernel, padding, stride),
    )
    return got


@pytest.mark.exercise("conv2d")
@pytest.mark.points(1)
def test_conv2d_slide_filters_padded_and_strided(impl):
    cases = Cases()
    image = np.array(ref.SLIDE_IMAGE)
    for name, kernel in ref.FILTERS.items():
        kernel = np.array(kernel)
        cases.check(
            _check_conv2d,
            impl,
            image,
            kernel,
            padding=1,
            what=f"conv2d(the slides' image, {name} filter, padding=1)",
        )
        cases.check(
            _check_conv2d,
            impl,
            image,
            kernel,
            stride=2,
            what=f"conv2d(the slides' image, {name} filter, stride=2)",
        )
    cases.check(
        _check_conv2d,
        impl,
        image,
        np.array(ref.FILTERS["laplacian"]),
        padding="same",
        stride=2,
        what='conv2d(the slides\' image, laplacian filter, "same", stride=2)',
    )
    cases.done()


@pytest.mark.exercise("conv2d")
@pytest.mark.points(2)
def test_conv2d_non_square_images_and_kernels(impl):
    cases = Cases()
    rng = rng_for(21)
    for image_shape, kernel_shape in (
        ((6, 9), (2, 4)),
        ((9, 5), (4, 2)),
        ((5, 8), (3, 1)),
        ((4, 7), (4, 7)),
        ((7, 6), (1, 3)),
    ):
        cases.check(
            _check_conv2d, impl, small_ints(rng, image_shape), small_ints(rng, kernel_shape)
        )
    cases.done()


@pytest.mark.exercise("conv2d")
@pytest.mark.points(2)
def test_conv2d_strides_that_do_not_tile(impl):
    cases = Cases()
    rng = rng_for(22)
    for image_shape, kernel_shape, padding, stride in (
        ((9, 11), (3, 2), 0, 2),
        ((10, 7), (2, 3), 0, 3),
        ((8, 8), (3, 3), 1, 4),
        ((7, 10), (2, 4), 1, 2),
    ):
        image, kernel = small_ints(rng, image_shape), small_ints(rng, kernel_shape)
        cases.check(_check_conv2d, impl, image, kernel, padding=padding, stride=stride)
    cases.done()


@pytest.mark.exercise("conv2d")
@pytest.mark.points(2)
def test_conv2d_same_padding_even_kernels(impl):
    cases = Cases()
    rng = rng_for(23)
    for image_shape, kernel_shape, stride in (
        ((6, 7), (2, 2), 1),
        ((5, 8), (4, 2), 1),
        ((7, 6), (2, 4), 2),
        ((9, 9), (4, 4), 3),
        ((5, 6), (3, 4), 1),
    ):
        image, kernel = small_ints(rng, image_shape), small_ints(rng, kernel_shape)
        cases.check(_check_conv2d, impl, image, kernel, padding="same", stride=stride)
    cases.done()


@pytest.mark.exercise("conv2d")
@pytest.mark.points(1)
def test_conv2d_integer_padding(impl):
    cases = Cases()
    rng = rng_for(24)
    cases.check(_check_conv2d, impl, small_ints(rng, (5, 6)), small_ints(rng, (3, 4)), padding=2)
    cases.check(
        _check_conv2d, impl, small_ints(rng, (6, 5)), small_ints(rng, (2, 3)), padding=1, stride=2
    )
    cases.check(_check_conv2d, impl, small_ints(rng, (2, 3)), small_ints(rng, (4, 4)), padding=1)
    cases.done()


@pytest.mark.exercise("conv2d")
@pytest.mark.points(1)
def test_conv2d_int_input_gives_float64(impl):
    rng = np.random.default_rng(25)
    image = rng.integers(0, 10, size=(5, 6))
    kernel = rng.integers(-2, 3, size=(2, 3))
    got = _check_conv2d(impl, image, kernel, what="conv2d on an int (5, 6) image, int 2x3 kernel")
    assert got.dtype == np.float64, f"conv2d should return float64, got {got.dtype}"


@pytest.mark.exercise("conv2d")
@pytest.mark.points(1)
def test_conv2d_leaves_inputs_unchanged(impl):
    rng = rng_for(26)
    image, kernel = small_ints(rng, (6, 7)), small_ints(rng, (2, 3))
    for padding, stride in ((0, 1), ("same", 2)):
        what = f"6x7 image, 2x3 kernel, padding {padding!r}, stride {stride}"
        got = call_unchanged(
            impl,
            "conv2d",
            ("image", "kernel"),
            what,
            image,
            kernel,
            padding=padding,
            stride=stride,
            advice=NEVER_IN_PLACE,
        )
        check_array(
            got,
            ref.conv2d(image, kernel, padding, stride),
            what=f"conv2d on a {what}",
            mistakes=conv2d_mistakes(image, kernel, padding, stride),
        )


@pytest.mark.exercise("conv2d")
@pytest.mark.points(1)
def test_conv2d_single_bright_pixel_shows_the_kernel_upside_down(impl):
    # property: out[i, j] = sum image[i + a, j + b] * kernel[a, b], so one pixel of 1 at
    # (r, c) gives kernel[r - i, c - j]: the kernel rotated by 180 degrees
    kernel = small_ints(rng_for(27), (3, 4))
    image = np.zeros((6, 8))
    image[3, 4] = 1.0
    got = _check_conv2d(
        impl, image, kernel, what="conv2d on a 6x8 image with a single pixel 1, 3x4 kernel"
    )
    check_array(
        got[1:4, 1:5],
        kernel[::-1, ::-1],
        what="the 3x4 block of conv2d's output "
        "around the bright pixel (the kernel rotated by 180 degrees)",
    )


@pytest.mark.exercise("conv2d")
@pytest.mark.points(2)
def test_conv2d_random_shapes(impl):
    @SEARCH
    @given(
        image_shape=st.tuples(st.integers(1, 9), st.integers(1, 9)),
        kernel_shape=st.tuples(st.integers(1, 5), st.integers(1, 5)),
        padding=st.sampled_from([0, 1, 2, "valid", "same"]),
        stride=st.integers(1, 3),
        seed=st.integers(0, 2**16),
    )
    def search(image_shape, kernel_shape, padding, stride, seed):
        rng = rng_for(28, seed)
        if padding != "same":
            p = 0 if padding == "valid" else padding
            image_shape = tuple(
                max(n, k - 2 * p) for n, k in zip(image_shape, kernel_shape, strict=True)
            )
        image, kernel = small_ints(rng, image_shape), small_ints(rng, kernel_shape)
        _check_conv2d(impl, image, kernel, padding=padding, stride=stride)

    run_search(search)


# ================================================================ 1.5 conv_layer


def _check_layer(impl, x, kernels, bias, padding="valid", stride=1, what=None):
    what = what or (
        f"conv_layer on x of shape {x.shape}, kernels {kernels.shape}, padding {padding!r}, "
        f"stride {stride}"
    )
    expected = ref.conv_layer(x, kernels, bias, padding=padding, stride=stride)
    got = impl.conv_layer(x.copy(), kernels.copy(), bias.copy(), padding=padding, stride=stride)
    check_array(
        got,
        expected,
        what=what,
        shape_rule=f"{expected.shape}: (N,) H', W' as in conv2d, then k = kernels.shape[3]",
        mistakes=conv_layer_mistakes(x, kernels, bias, padding, stride),
    )
    return got


def _layer_inputs(seed: int, x_shape, kernels_shape):
    rng = rng_for(30, seed)
    x = small_ints(rng, x_shape)
    kernels = small_ints(rng, kernels_shape)
    bias = rng.integers(1, 9, size=kernels_shape[-1]) * np.where(
        rng.random(kernels_shape[-1]) < 0.5, -1.0, 1.0
    )
    return x, kernels, bias


def _unbiased(seed: int, x_shape, kernels_shape):
    """Inputs with a zero bias: tests of other aspects do not fail again for a bias bug."""
    x, kernels, bias = _layer_inputs(seed, x_shape, kernels_shape)
    return x, kernels, np.zeros_like(bias)


def _slide_kernels() -> np.ndarray:
    names = ("box_blur", "horizontal_edge", "laplacian")
    return np.stack([ref.FILTERS[n] for n in names], axis=-1)[:, :, np.newaxis, :]


@pytest.mark.exercise("conv_layer")
@pytest.mark.points(1)
def test_conv_layer_slide_filters(impl):
    cases = Cases()
    x = np.array(ref.SLIDE_IMAGE)[:, :, np.newaxis]
    kernels, bias = _slide_kernels(), np.array([0.5, -1.0, 2.0])
    cases.check(
        _check_layer,
        impl,
        x,
        kernels,
        bias,
        what="conv_layer(the slides' image, its three filters, bias [0.5, -1, 2])",
    )
    cases.check(
        _check_layer,
        impl,
        x,
        kernels,
        bias,
        padding="same",
        stride=2,
        what='conv_layer(the slides\' image, its three filters, "same", stride 2)',
    )
    cases.done()


@pytest.mark.exercise("conv_layer")
@pytest.mark.points(2)
def test_conv_layer_sums_over_several_input_channels(impl):
    cases = Cases()
    # d > 1 and k != d, non-square images and kernels
    for seed, x_shape, kernels_shape in (
        (1, (6, 8, 3), (3, 2, 3, 2)),
        (2, (5, 7, 2), (2, 3, 2, 4)),
        (3, (7, 5, 4), (3, 3, 4, 1)),
    ):
        x, kernels, bias = _layer_inputs(seed, x_shape, kernels_shape)
        cases.check(_check_layer, impl, x, kernels, np.zeros(kernels_shape[-1]))
    cases.done()


@pytest.mark.exercise("conv_layer")
@pytest.mark.points(1)
def test_conv_layer_one_bias_per_filter(impl):
    cases = Cases()
    for seed, x_shape, kernels_shape in (
        (4, (3, 5, 6, 2), (3, 4, 2, 3)),  # N = H' = W' = k: a bias on any axis would run
        (5, (6, 9, 2), (2, 4, 2, 5)),
    ):
        cases.check(_check_layer, impl, *_layer_inputs(seed, x_shape, kernels_shape))
    cases.done()


@pytest.mark.exercise("conv_layer")
@pytest.mark.points(1)
def test_conv_layer_batch(impl):
    x, kernels, bias = _unbiased(6, (4, 6, 7, 2), (3, 3, 2, 3))
    got = _check_layer(impl, x, kernels, bias)
    # property: each image of the batch gets the layer on its own
    for n in (0, 3):
        single = impl.conv_layer(x[n].copy(), kernels, bias)
        check_array(
            single,
            got[n],
            what=f"conv_layer on image {n} of the (4, 6, 7, 2) batch "
            "alone (it should equal that image's part of the batch output)",
        )


@pytest.mark.exercise("conv_layer")
@pytest.mark.points(1)
def test_conv_layer_stride(impl):
    cases = Cases()
    cases.check(_check_layer, impl, *_unbiased(7, (2, 9, 8, 3), (3, 2, 3, 2)), stride=2)
    cases.check(_check_layer, impl, *_unbiased(8, (8, 10, 2), (2, 3, 2, 3)), padding=1, stride=3)
    # (7 - 2) / 3 = 1.67 and (10 - 2) / 3 = 2.67 are floored (rounded: 3 for 2, 4 for 3);
    # square, so that no other size-rule mistake gives the same shape
    cases.check(_check_layer, impl, *_unbiased(17, (2, 7, 7, 2), (2, 2, 2, 2)), stride=3)
    cases.check(_check_layer, impl, *_unbiased(18, (10, 10, 1), (2, 2, 1, 2)), stride=3)
    cases.done()


@pytest.mark.exercise("conv_layer")
@pytest.mark.points(1)
def test_conv_layer_same_padding_even_kernels(impl):
    cases = Cases()
    cases.check(_check_layer, impl, *_unbiased(9, (2, 6, 7, 2), (2, 4, 2, 3)), padding="same")
    cases.check(
        _check_layer, impl, *_unbiased(10, (7, 5, 1), (4, 2, 1, 2)), padding="same", stride=2
    )
    cases.done()


@pytest.mark.exercise("conv_layer")
@pytest.mark.points(1)
def test_conv_layer_same_padding_depends_on_the_stride(impl):
    cases = Cases()
    # "same" zeros give ceil(n / s) outputs: with these strides they differ from the
    # stride-1 zeros (8 with a 3x3 kernel at stride 2 needs (0, 1), not (1, 1))
    cases.check(_check_layer, impl, *_unbiased(15, (8, 6, 2), (3, 4, 2, 2)), padding="same",
                stride=2)  # fmt: skip
    cases.check(_check_layer, impl, *_unbiased(16, (2, 9, 10, 1), (4, 3, 1, 3)), padding="same",
                stride=3)  # fmt: skip
    cases.done()


@pytest.mark.exercise("conv_layer")
@pytest.mark.points(1)
def test_conv_layer_kernel_layout(impl):
    cases = Cases()
    # kh = kw = d = k: a layout mix-up runs without an error but gives other numbers
    cases.check(_check_layer, impl, *_unbiased(11, (5, 6, 2), (2, 2, 2, 2)))
    cases.check(_check_layer, impl, *_unbiased(12, (2, 7, 6, 3), (3, 3, 3, 3)))
    cases.done()


@pytest.mark.exercise("conv_layer")
@pytest.mark.points(1)
def test_conv_layer_leaves_inputs_unchanged(impl):
    for seed, x_shape, kernels_shape, padding in (
        (13, (6, 7, 2), (2, 3, 2, 3), "valid"),
        (14, (2, 5, 6, 3), (3, 2, 3, 2), "same"),
    ):
        x, kernels, bias = _layer_inputs(seed, x_shape, kernels_shape)
        what = f"x of shape {x_shape}, kernels {kernels_shape}, padding {padding!r}"
        got = call_unchanged(
            impl,
            "conv_layer",
            ("x", "kernels", "bias"),
            what,
            x,
            kernels,
            bias,
            padding=padding,
            advice=NEVER_IN_PLACE,
        )
        check_array(
            got,
            ref.conv_layer(x, kernels, bias, padding=padding),
            what=f"conv_layer on {what}",
            mistakes=conv_layer_mistakes(x, kernels, bias, padding),
        )


@pytest.mark.exercise("conv_layer")
@pytest.mark.points(1)
def test_conv_layer_int_input_gives_float64(impl):
    rng = np.random.default_rng(31)
    x = rng.integers(0, 5, size=(5, 6, 2))
    kernels = rng.integers(-2, 3, size=(2, 3, 2, 3))
    bias = np.array([1, -1, 2])
    got = _check_layer(
        impl,
        x,
        kernels,
        bias,
        what="conv_layer on int x (5, 6, 2), int kernels (2, 3, 2, 3), int bias",
    )
    assert got.dtype == np.float64, f"conv_layer should return float64, got {got.dtype}"


@pytest.mark.exercise("conv_layer")
@pytest.mark.points(1)
def test_conv_layer_random_shapes(impl):
    @SEARCH
    @given(
        batch=st.sampled_from([None, 1, 3]),
        hw=st.tuples(st.integers(3, 8), st.integers(3, 8)),
        khw=st.tuples(st.integers(1, 3), st.integers(1, 3)),
        d=st.integers(1, 3),
        k=st.integers(1, 4),
        padding=st.sampled_from(["valid", "same", 1]),
        stride=st.integers(1, 3),
        seed=st.integers(0, 2**16),
    )
    def search(batch, hw, khw, d, k, padding, stride, seed):
        x_shape = (*hw, d) if batch is None else (batch, *hw, d)
        x, kernels, bias = _layer_inputs(100 + seed, x_shape, (*khw, d, k))
        _check_layer(impl, x, kernels, bias, padding=padding, stride=stride)

    run_search(search)
