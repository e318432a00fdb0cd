"""Reference solutions of topic 2 (pooling): bad input, purity, dtypes and properties."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from solutions import convolution as cv
from solutions import pooling as pl

PROPERTY = settings(derandomize=True, deadline=None, max_examples=60)


def naive_max_pool(image: np.ndarray, ph: int, pw: int, sh: int, sw: int) -> np.ndarray:
    """The definition for one (H, W) channel, one output pixel at a time."""
    out_h = (image.shape[0] - ph) // sh + 1
    out_w = (image.shape[1] - pw) // sw + 1
    return np.array(
        [
            [image[i * sh : i * sh + ph, j * sw : j * sw + pw].max() for j in range(out_w)]
            for i in range(out_h)
        ]
    ).reshape(out_h, out_w)


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("x", "kwargs", "error", "match"),
    [
        (
            np.ones((5, 5)),
            {"size": 6},
            ValueError,
            r"max_pool2d: the pooling window \(6, 6\) is larger than the image \(5, 5\)",
        ),
        (
            np.ones((2, 5, 1)),
            {"size": (3, 1)},
            ValueError,
            r"window \(3, 1\) is larger than the image \(2, 5\)",
        ),
        (
            np.ones((4, 1, 5, 2)),
            {},
            ValueError,
            r"max_pool2d: the pooling window \(2, 2\) is larger than the image \(1, 5\)",
        ),
        (np.ones((0, 4)), {}, ValueError, "max_pool2d: the pooling window"),
        (np.ones(5), {}, ValueError, r"max_pool2d: x must be 2-D to 4-D \(H, W\)"),
        (np.ones((1, 2, 2, 2, 1)), {}, ValueError, "max_pool2d: x must be"),
        (np.ones((4, 4)), {"size": 0}, ValueError, "max_pool2d: size must be a positive integer"),
        (
            np.ones((4, 4)),
            {"stride": 0},
            ValueError,
            "max_pool2d: stride must be a positive integer",
        ),
        (np.ones((4, 4)), {"stride": (1, -1)}, ValueError, "max_pool2d: stride must be a positive"),
        (np.ones((4, 4)), {"size": True}, TypeError, "max_pool2d: size must be a positive integer"),
        (
            np.ones((4, 4)),
            {"size": 2.0},
            TypeError,
            "max_pool2d: size must be a positive int or a pair",
        ),
        (
            np.ones((4, 4)),
            {"size": (2, 2, 2)},
            TypeError,
            "max_pool2d: size must be a positive int or",
        ),
        (np.ones((4, 4)), {"stride": "2"}, TypeError, "max_pool2d: stride must be a positive int"),
        (np.array([["a"]]), {}, TypeError, "max_pool2d: x must hold numbers"),
    ],
)
def test_max_pool2d_bad_input(x, kwargs, error, match):
    with pytest.raises(error, match=match):
        pl.max_pool2d(x, **kwargs)


@pytest.mark.parametrize(
    ("layers", "error", "match"),
    [
        (
            [("conv", 3, 1), ("dense", 2, 1)],
            ValueError,
            "receptive_field: layer 1 has unknown kind 'dense'",
        ),
        ([("Conv", 3, 1)], ValueError, "receptive_field: layer 0 has unknown kind 'Conv'"),
        (
            [("conv", 3)],
            ValueError,
            r"receptive_field: layer 0 must be a \(kind, size, stride\) triple",
        ),
        ([3], ValueError, r"receptive_field: layer 0 must be a \(kind, size, stride\) triple"),
        (
            [("pool", 0, 2)],
            ValueError,
            "receptive_field: size of layer 0 must be a positive integer",
        ),
        ([("pool", 2, 0)], ValueError, "receptive_field: stride of layer 0 must be a positive"),
        ([("conv", 2.5, 1)], TypeError, "receptive_field: size of layer 0 must be a positive"),
        ("conv", TypeError, r"receptive_field: layers must be a list of \(kind, size, stride\)"),
        (None, TypeError, "receptive_field: layers must be a list"),
    ],
)
def test_receptive_field_bad_input(layers, error, match):
    with pytest.raises(error, match=match):
        pl.receptive_field(layers)


def test_receptive_field_accepts_tuples_and_lists():
    assert pl.receptive_field((["conv", 3, 1], ("pool", 2, 2))) == 4
    assert type(pl.receptive_field([("conv", np.int64(3), 1)])) is int


# ---------------------------------------------------------------- purity and dtypes


def test_input_is_not_modified_and_output_is_new(rng):
    x = rng.normal(size=(2, 6, 6, 3))
    saved = x.copy()
    outputs = [pl.max_pool2d(x), pl.max_pool2d(x, size=1), pl.max_pool2d(x[0, :, :, 0], 1)]
    np.testing.assert_array_equal(x, saved)
    for out in outputs:
        assert not np.shares_memory(out, x)
        out[...] = 0.0  # writeable, and writing into it leaves x alone
    np.testing.assert_array_equal(x, saved)


def test_int_and_bool_inputs_give_float64():
    got = pl.max_pool2d(np.arange(16, dtype=np.int32).reshape(4, 4))
    assert got.dtype == np.float64
    np.testing.assert_array_equal(got, [[5.0, 7.0], [13.0, 15.0]])
    assert pl.max_pool2d(np.eye(4, dtype=bool)).dtype == np.float64


def test_list_input_is_accepted():
    np.testing.assert_array_equal(pl.max_pool2d([[1, 2], [3, 0]]), [[3.0]])


def test_size_one_stride_one_is_the_identity(rng):
    x = rng.normal(size=(3, 4, 5, 2))
    np.testing.assert_array_equal(pl.max_pool2d(x, size=1, stride=1), x)


def test_nan_propagates():
    x = np.zeros((4, 4))
    x[0, 1] = np.nan
    got = pl.max_pool2d(x)
    assert np.isnan(got[0, 0]) and not np.isnan(got[1:, :]).any() and not np.isnan(got[0, 1])


# ---------------------------------------------------------------- properties


@st.composite
def pool_cases(draw):
    ph, pw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    h, w = draw(st.integers(ph, 10)), draw(st.integers(pw, 10))
    stride = draw(
        st.one_of(st.none(), st.integers(1, 4), st.tuples(st.integers(1, 4), st.integers(1, 4)))
    )
    rank = draw(st.sampled_from([2, 3, 4]))
    seed = draw(st.integers(0, 2**32 - 1))
    return h, w, ph, pw, stride, rank, np.random.default_rng(seed)


@PROPERTY
@given(case=pool_cases())
def test_max_pool2d_matches_the_definition_per_channel(case):
    h, w, ph, pw, stride, rank, gen = case
    shape = {2: (h, w), 3: (h, w, 2), 4: (2, h, w, 3)}[rank]
    x = gen.normal(size=shape)
    got = pl.max_pool2d(x, size=(ph, pw), stride=stride)
    sh, sw = (ph, pw) if stride is None else (stride, stride) if isinstance(stride, int) else stride
    if rank == 2:
        np.testing.assert_array_equal(got, naive_max_pool(x, ph, pw, sh, sw))
        return
    batch = x if rank == 4 else x[np.newaxis]
    out = got if rank == 4 else got[np.newaxis]
    assert out.shape[0] == batch.shape[0] and out.shape[-1] == batch.shape[-1]
    for n in range(batch.shape[0]):
        for c in range(batch.shape[-1]):
            np.testing.assert_array_equal(
                out[n, :, :, c], naive_max_pool(batch[n, :, :, c], ph, pw, sh, sw)
            )


layer_lists = st.lists(
    st.tuples(st.sampled_from(pl.LAYER_KINDS), st.integers(1, 5), st.integers(1, 3)), max_size=5
)


@PROPERTY
@given(layers=layer_lists)
def test_receptive_field_matches_the_span_of_input_pixels(layers):
    # Follow the input interval that output pixel 0 reads, from the top layer down:
    # the positions lo..hi of one layer read lo*s .. hi*s + k - 1 of the layer below.
    lo, hi = 0, 0
    for _, k, s in reversed(layers):
        lo, hi = lo * s, hi * s + k - 1
    assert pl.receptive_field(layers) == hi - lo + 1


def test_receptive_field_is_what_max_pool_after_conv_reads():
    # the slides' question, asked of the functions: which input pixels change the first
    # pooled pixel of a 3x3 conv then 2x2 pool? exactly a 4x4 patch
    reached = np.zeros((7, 7), dtype=bool)
    base = pl.max_pool2d(cv.conv2d(np.zeros((7, 7)), np.ones((3, 3))))[0, 0]
    for i in range(7):
        for j in range(7):
            image = np.zeros((7, 7))
            image[i, j] = 1.0
            reached[i, j] = pl.max_pool2d(cv.conv2d(image, np.ones((3, 3))))[0, 0] != base
    assert reached.sum() == 16 == pl.receptive_field([("conv", 3, 1), ("pool", 2, 2)]) ** 2
    assert reached[:4, :4].all()
