"""Reference solutions of topic 1 (convolution): bad input, purity, dtypes and properties."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from solutions import convolution as cv

PROPERTY = settings(derandomize=True, deadline=None, max_examples=60)


def naive_conv2d(image: np.ndarray, kernel: np.ndarray, stride: int = 1) -> np.ndarray:
    """The definition, one output pixel at a time (no padding)."""
    kh, kw = kernel.shape
    out_h = (image.shape[0] - kh) // stride + 1
    out_w = (image.shape[1] - kw) // stride + 1
    out = np.empty((out_h, out_w))
    for i in range(out_h):
        for j in range(out_w):
            window = image[i * stride : i * stride + kh, j * stride : j * stride + kw]
            out[i, j] = np.sum(window * kernel)
    return out


# ---------------------------------------------------------------- provided constants


def test_constants_are_read_only_float64():
    arrays = [cv.SLIDE_IMAGE, *cv.FILTERS.values()]
    assert all(a.dtype == np.float64 and not a.flags.writeable for a in arrays)
    with pytest.raises(ValueError, match="read-only"):
        cv.SLIDE_IMAGE[0, 0] = 5.0
    with pytest.raises(ValueError, match="read-only"):
        cv.FILTERS["identity"][1, 1] = 0.0


def test_filters_are_the_slides():
    assert set(cv.FILTERS) == {"identity", "box_blur", "horizontal_edge", "laplacian"}
    np.testing.assert_array_equal(cv.FILTERS["box_blur"], np.full((3, 3), 1 / 9))
    identity = np.zeros((3, 3))
    identity[1, 1] = 1.0
    np.testing.assert_array_equal(cv.FILTERS["identity"], identity)


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("args", "kwargs", "error", "match"),
    [
        ((2, 3), {}, ValueError, r"conv_output_size: the padded input n \+ 2p = 2 is smaller"),
        ((7, 3), {"stride": 0}, ValueError, "conv_output_size: stride must be a positive integer"),
        ((0, 3), {}, ValueError, "conv_output_size: n must be a positive integer"),
        ((7, 0), {}, ValueError, "conv_output_size: k must be a positive integer"),
        ((7, 3), {"padding": -1}, ValueError, "conv_output_size: padding must be a non-negative"),
        ((7.0, 3), {}, TypeError, "conv_output_size: n must be a positive integer"),
        ((7, 3), {"stride": True}, TypeError, "conv_output_size: stride must be a positive"),
    ],
)
def test_conv_output_size_bad_input(args, kwargs, error, match):
    with pytest.raises(error, match=match):
        cv.conv_output_size(*args, **kwargs)


@pytest.mark.parametrize(
    ("args", "error", "match"),
    [
        ((0, 3), ValueError, "same_padding: n must be a positive integer"),
        ((7, 0), ValueError, "same_padding: k must be a positive integer"),
        ((7, 3, 0), ValueError, "same_padding: stride must be a positive integer"),
        ((7, "3"), TypeError, "same_padding: k must be a positive integer"),
    ],
)
def test_same_padding_bad_input(args, error, match):
    with pytest.raises(error, match=match):
        cv.same_padding(*args)


@pytest.mark.parametrize(
    ("x", "padding", "error", "match"),
    [
        (np.ones(5), 1, ValueError, r"zero_pad: x must be 2-D to 4-D .*got shape \(5,\)"),
        (np.ones((1, 2, 3, 4, 5)), 1, ValueError, "zero_pad: x must be"),
        (np.ones((3, 3)), -1, ValueError, "zero_pad: padding must be a non-negative integer"),
        (np.ones((3, 3)), ((1, 1), (1, -2)), ValueError, "zero_pad: padding must be a non-neg"),
        (np.ones((3, 3)), (1, 2), TypeError, r"zero_pad: padding must be an int or \(\(top"),
        (np.ones((3, 3)), "same", TypeError, r"zero_pad: padding must be an int or \(\(top"),
        (np.ones((3, 3)), 1.5, TypeError, r"zero_pad: padding must be an int or \(\(top"),
        (np.array([["a", "b"]]), 1, TypeError, "zero_pad: x must hold numbers"),
    ],
)
def test_zero_pad_bad_input(x, padding, error, match):
    with pytest.raises(error, match=match):
        cv.zero_pad(x, padding)


@pytest.mark.parametrize(
    ("image", "kernel", "kwargs", "error", "match"),
    [
        (
            np.ones((7, 7, 1)),
            np.ones((3, 3)),
            {},
            ValueError,
            r"conv2d: image must be 2-D \(H, W\)",
        ),
        (np.ones(7), np.ones((3, 3)), {}, ValueError, "conv2d: image must be 2-D"),
        (
            np.ones((7, 7)),
            np.ones((3, 3, 1)),
            {},
            ValueError,
            r"conv2d: kernel must be 2-D \(kh, kw\)",
        ),
        (
            np.ones((2, 7)),
            np.ones((3, 3)),
            {},
            ValueError,
            r"conv2d: the kernel \(3, 3\) is larger",
        ),
        (np.ones((7, 7)), np.ones((4, 8)), {"padding": 0}, ValueError, "conv2d: the kernel"),
        (np.ones((0, 7)), np.ones((3, 3)), {"padding": "same"}, ValueError, "must not be empty"),
        (np.ones((7, 7)), np.ones((0, 3)), {}, ValueError, "conv2d: image and kernel must not be"),
        (np.ones((7, 7)), np.ones((3, 3)), {"stride": 0}, ValueError, "conv2d: stride must be"),
        (np.ones((7, 7)), np.ones((3, 3)), {"stride": 1.0}, TypeError, "conv2d: stride must be"),
        (np.ones((7, 7)), np.ones((3, 3)), {"padding": "full"}, ValueError, "conv2d: padding must"),
        (np.ones((7, 7)), np.ones((3, 3)), {"padding": -1}, ValueError, "conv2d: padding must be"),
        (np.ones((7, 7)) + 1j, np.ones((3, 3)), {}, TypeError, "conv2d: image must be real"),
    ],
)
def test_conv2d_bad_input(image, kernel, kwargs, error, match):
    with pytest.raises(error, match=match):
        cv.conv2d(image, kernel, **kwargs)


def test_conv2d_kernel_larger_than_image_fits_with_padding():
    # 2x2 image, 3x3 kernel: wrong with no padding, fine with padding 1 or "same"
    assert cv.conv2d(np.ones((2, 2)), np.ones((3, 3)), padding=1).shape == (2, 2)
    assert cv.conv2d(np.ones((2, 2)), np.ones((5, 5)), padding="same").shape == (2, 2)


@pytest.mark.parametrize(
    ("x_shape", "k_shape", "b_shape", "kwargs", "error", "match"),
    [
        # a kernel deeper than the input: 3 channels of kernel, 1 channel of image
        (
            (7, 7, 1),
            (3, 3, 3, 2),
            (2,),
            {},
            ValueError,
            r"conv_layer: the kernels have depth 3 but x has 1 channels; kernels are "
            r"\(kh, kw, d, k\)",
        ),
        (
            (2, 7, 7, 4),
            (3, 3, 2, 2),
            (2,),
            {},
            ValueError,
            "conv_layer: the kernels have depth 2 but x has 4",
        ),
        (
            (7, 7),
            (3, 3, 1, 2),
            (2,),
            {},
            ValueError,
            r"conv_layer: x must be 3-D or 4-D \(H, W, d\)",
        ),
        (
            (7, 7, 1),
            (3, 3, 2),
            (2,),
            {},
            ValueError,
            r"conv_layer: kernels must be 4-D \(kh, kw, d, k\)",
        ),
        ((7, 7, 1), (3, 3, 1, 2), (3,), {}, ValueError, r"conv_layer: bias must have shape \(2,\)"),
        ((7, 7, 1), (3, 3, 1, 2), (1, 2), {}, ValueError, r"conv_layer: bias must be 1-D \(k,\)"),
        (
            (2, 7, 1),
            (3, 3, 1, 2),
            (2,),
            {},
            ValueError,
            r"conv_layer: the kernel \(3, 3\) is larger",
        ),
        ((7, 7, 1), (3, 3, 1, 2), (2,), {"stride": -1}, ValueError, "conv_layer: stride must be"),
        ((7, 7, 1), (3, 3, 1, 2), (2,), {"padding": "SAMEISH"}, ValueError, "conv_layer: padding"),
    ],
)
def test_conv_layer_bad_input(x_shape, k_shape, b_shape, kwargs, error, match):
    with pytest.raises(error, match=match):
        cv.conv_layer(np.ones(x_shape), np.ones(k_shape), np.zeros(b_shape), **kwargs)


def test_padding_strings_are_case_insensitive():
    got = cv.conv2d(cv.SLIDE_IMAGE, cv.FILTERS["identity"], padding="SAME")
    np.testing.assert_array_equal(got, cv.SLIDE_IMAGE)


# ---------------------------------------------------------------- purity and dtypes


def test_inputs_are_not_modified_and_outputs_are_new_arrays(rng):
    image = rng.normal(size=(6, 7))
    kernel = rng.normal(size=(3, 2))
    x = rng.normal(size=(2, 6, 7, 3))
    kernels = rng.normal(size=(3, 3, 3, 4))
    bias = rng.normal(size=4)
    saved = [a.copy() for a in (image, kernel, x, kernels, bias)]

    outputs = [
        cv.zero_pad(image, 0),
        cv.zero_pad(x, ((1, 0), (0, 2))),
        cv.conv2d(image, kernel, padding="same", stride=2),
        cv.conv2d(image, np.ones((1, 1))),
        cv.conv_layer(x, kernels, bias, padding=1),
        cv.conv_layer(x[0], kernels, bias),
    ]
    for before, after in zip(saved, (image, kernel, x, kernels, bias), strict=True):
        np.testing.assert_array_equal(before, after)
    for out in outputs:
        for arg in (image, kernel, x, kernels, bias, cv.SLIDE_IMAGE):
            assert not np.shares_memory(out, arg)
        assert out.flags.writeable


def test_int_and_bool_inputs_give_float64():
    image = np.array(cv.SLIDE_IMAGE, dtype=np.int64)
    assert cv.zero_pad(image, 1).dtype == np.float64
    assert cv.zero_pad(image.astype(bool), 1).dtype == np.float64
    out = cv.conv2d(image, [[0, 0, 0], [0, 1, 0], [0, 0, 0]])
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out, cv.conv2d(cv.SLIDE_IMAGE, cv.FILTERS["identity"]))
    layer = cv.conv_layer(image[:, :, None], np.ones((3, 3, 1, 2), dtype=np.int32), [1, 2])
    assert layer.dtype == np.float64
    assert layer.shape == (5, 5, 2)


def test_list_inputs_are_accepted():
    out = cv.conv2d(cv.SLIDE_IMAGE.tolist(), cv.FILTERS["horizontal_edge"].tolist())
    np.testing.assert_array_equal(out, naive_conv2d(cv.SLIDE_IMAGE, cv.FILTERS["horizontal_edge"]))


def test_size_functions_return_python_ints():
    assert type(cv.conv_output_size(np.int64(7), 3)) is int
    assert all(type(v) is int for v in cv.same_padding(np.int32(7), 4, 2))


# ---------------------------------------------------------------- properties

sizes = st.integers(1, 9)


@PROPERTY
@given(n=sizes, k=sizes, p=st.integers(0, 3), s=st.integers(1, 4))
def test_conv_output_size_counts_the_filter_positions(n, k, p, s):
    if n + 2 * p < k:
        with pytest.raises(ValueError, match="smaller than the kernel"):
            cv.conv_output_size(n, k, p, s)
        return
    positions = [start for start in range(0, n + 2 * p - k + 1, s)]
    assert cv.conv_output_size(n, k, p, s) == len(positions)


@PROPERTY
@given(n=st.integers(1, 40), k=sizes, s=st.integers(1, 5))
def test_same_padding_gives_ceil_n_over_s_and_puts_the_extra_zero_after(n, k, s):
    before, after = cv.same_padding(n, k, s)
    assert 0 <= before <= after <= before + 1
    assert cv.conv_output_size(n + before + after, k, 0, s) == math.ceil(n / s)
    # no fewer zeros would do: the smallest total that reaches ceil(n / s) outputs
    total = before + after
    if total > 0 and n + total - 1 >= k:
        assert cv.conv_output_size(n + total - 1, k, 0, s) < math.ceil(n / s)


@st.composite
def conv_cases(draw):
    h, w = draw(sizes), draw(sizes)
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    stride = draw(st.integers(1, 3))
    padding = draw(st.sampled_from(["valid", "same", 0, 1, 2]))
    p = 0 if padding in ("valid", "same") else padding
    if padding != "same" and (h + 2 * p < kh or w + 2 * p < kw):
        padding = "same"
    seed = draw(st.integers(0, 2**32 - 1))
    return h, w, kh, kw, stride, padding, np.random.default_rng(seed)


@PROPERTY
@given(case=conv_cases())
def test_conv2d_matches_the_definition(case):
    h, w, kh, kw, stride, padding, gen = case
    image = gen.integers(-3, 4, size=(h, w)).astype(np.float64)
    kernel = gen.integers(-3, 4, size=(kh, kw)).astype(np.float64)
    if padding == "same":
        pads = (cv.same_padding(h, kh, stride), cv.same_padding(w, kw, stride))
    else:
        p = 0 if padding == "valid" else padding
        pads = ((p, p), (p, p))
    padded = np.pad(image, pads)
    expected = naive_conv2d(padded, kernel, stride)
    got = cv.conv2d(image, kernel, padding=padding, stride=stride)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)
    if padding == "same":
        assert got.shape == (math.ceil(h / stride), math.ceil(w / stride))


@PROPERTY
@given(case=conv_cases(), d=st.integers(1, 3), k=st.integers(1, 3), n=st.integers(1, 2))
def test_conv_layer_is_a_sum_of_conv2d_over_channels_plus_bias(case, d, k, n):
    h, w, kh, kw, stride, padding, gen = case
    x = gen.normal(size=(n, h, w, d))
    kernels = gen.normal(size=(kh, kw, d, k))
    bias = gen.normal(size=k)
    got = cv.conv_layer(x, kernels, bias, padding=padding, stride=stride)
    for b in range(n):
        for f in range(k):
            expected = bias[f] + sum(
                cv.conv2d(x[b, :, :, c], kernels[:, :, c, f], padding=padding, stride=stride)
                for c in range(d)
            )
            np.testing.assert_allclose(got[b, :, :, f], expected, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(
        cv.conv_layer(x[0], kernels, bias, padding=padding, stride=stride), got[0], rtol=1e-12
    )


@PROPERTY
@given(case=conv_cases())
def test_zero_pad_then_valid_equals_padding(case):
    h, w, kh, kw, stride, _, gen = case
    p = max(kh, kw)  # enough for the kernel to fit
    image = gen.normal(size=(h, w))
    kernel = gen.normal(size=(kh, kw))
    np.testing.assert_allclose(
        cv.conv2d(cv.zero_pad(image, p), kernel, stride=stride),
        cv.conv2d(image, kernel, padding=p, stride=stride),
        rtol=1e-12,
        atol=1e-12,
    )


def test_conv2d_is_linear_in_the_kernel(rng):
    image = rng.normal(size=(8, 6))
    k1, k2 = rng.normal(size=(2, 3, 3))
    np.testing.assert_allclose(
        cv.conv2d(image, 2 * k1 - k2),
        2 * cv.conv2d(image, k1) - cv.conv2d(image, k2),
        rtol=1e-10,
        atol=1e-12,
    )


def test_conv2d_shifted_delta_kernel_shifts_the_image():
    # a 1 at kernel offset (a, b) picks padded[i + a, j + b]: a cross-correlation, not a flip
    kernel = np.zeros((3, 3))
    kernel[0, 2] = 1.0
    got = cv.conv2d(cv.SLIDE_IMAGE, kernel)
    np.testing.assert_array_equal(got, cv.SLIDE_IMAGE[0:5, 2:7])
