"""Hidden suite of topic 2 (pooling): the grade of max_pool2d and receptive_field.

Expected values come from the reference (``solutions.pooling``) on the trusted side;
inputs are seeded, over the shapes that expose bugs: windows that overlap or do not tile
the input, rectangular windows and strides, several channels and images, ties and
negative values. Failure messages describe inputs by their shapes only.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograder.suites.mistakes_pooling import max_pool2d_mistakes, receptive_field_mistakes
from autograder.suites.support import DETERMINISTIC as SEARCH
from autograder.suites.support import (
    Cases,
    call_unchanged,
    check_int,
    distinct,
    run_search,
    seeded_rngs,
    small_ints,
)
from deepgrade.feedback import check_array, check_scalar
from solutions import convolution as ref_conv
from solutions import pooling as ref

rng_for = seeded_rngs(20240405)

# The slides: the horizontal-edge filter's output on the 7x7 image, before and after ReLU.
EDGES = ref_conv.conv2d(ref_conv.SLIDE_IMAGE, ref_conv.FILTERS["horizontal_edge"])
RELU_EDGES = np.maximum(EDGES, 0.0)


# ================================================================ 2.1 max_pool2d

# what call_unchanged tells a submission that wrote into its input
VIEWS = (
    "never write into an input; a slice of x is a view, so "
    "np.maximum(..., out=that_slice) or slice[...] = ... changes x itself"
)


def _check_pool(impl, x, size=2, stride=None, what=None):
    kwargs = {"size": size} if stride is None else {"size": size, "stride": stride}
    what = what or f"max_pool2d on x of shape {x.shape}, size {size}, stride {stride}"
    expected = ref.max_pool2d(x, **kwargs)
    got = impl.max_pool2d(np.array(x), **kwargs)
    check_array(
        got,
        expected,
        what=what,
        shape_rule=f"(H - ph) // sh + 1, (W - pw) // sw + 1 (channels and N unchanged): "
        f"{expected.shape}",
        mistakes=max_pool2d_mistakes(x, size, stride),
    )
    return got


def _check_on_distinct_values(impl, rng, cases) -> None:
    """_check_pool on distinct values of each (shape, size, stride), reporting as Cases."""
    checks = Cases()
    for shape, size, stride in cases:
        checks.check(_check_pool, impl, distinct(rng, shape), size, stride)
    checks.done()


@pytest.mark.exercise("max_pool2d")
@pytest.mark.points(1)
def test_max_pool2d_slide_example(impl):
    cases = Cases()
    cases.check(_check_pool, impl, RELU_EDGES, what="max_pool2d(the slides' ReLU output, 2x2)")
    cases.check(
        _check_pool, impl, EDGES, what="max_pool2d(the slides' edge output (with negatives), 2x2)"
    )
    cases.check(
        _check_pool,
        impl,
        RELU_EDGES,
        size=3,
        stride=1,
        what="max_pool2d(the slides' ReLU output, size 3, stride 1)",
    )
    cases.done()


@pytest.mark.exercise("max_pool2d")
@pytest.mark.points(2)
def test_max_pool2d_overlapping_windows(impl):
    _check_on_distinct_values(impl, rng_for(1), (
        ((7, 9), 3, 2),
        ((6, 6, 2), (3, 2), (1, 1)),
        ((8, 5), 2, 1),
        ((2, 9, 7, 3), 3, (2, 1)),
    ))  # fmt: skip


@pytest.mark.exercise("max_pool2d")
@pytest.mark.points(1)
def test_max_pool2d_windows_that_do_not_tile(impl):
    _check_on_distinct_values(impl, rng_for(2), (
        ((7, 8), 2, 3),  # gaps between windows
        ((9, 10, 2), (2, 3), None),  # last rows/columns dropped
        ((5, 11), (3, 2), (1, 4)),
        ((6, 4), (4, 1), None),
    ))  # fmt: skip


@pytest.mark.exercise("max_pool2d")
@pytest.mark.points(2)
def test_max_pool2d_channels_and_batches(impl):
    _check_on_distinct_values(impl, rng_for(3), (
        ((5, 6, 3), 2, None),
        ((3, 6, 7, 4), 3, 2),
        ((2, 4, 5, 2), 2, 1),
        ((4, 4, 4, 1), (2, 1), None),
        ((2, 8, 7, 2), 3, 2),  # (8 - 3) / 2 = 2.5: floored, not rounded
    ))  # fmt: skip


@pytest.mark.exercise("max_pool2d")
@pytest.mark.points(1)
def test_max_pool2d_ties(impl):
    cases = Cases()
    rng = rng_for(4)
    x = small_ints(rng, (6, 8, 2), 0, 2)  # only 0 and 1: most windows hold ties
    cases.check(_check_pool, impl, x, 2, None, "max_pool2d on a (6, 8, 2) x of 0s and 1s, size 2")
    x = np.full((4, 6), 3.0)
    cases.check(_check_pool, impl, x, 3, 1, "max_pool2d on a constant 4x6 x, size 3, stride 1")
    cases.done()


@pytest.mark.exercise("max_pool2d")
@pytest.mark.points(1)
def test_max_pool2d_negative_values(impl):
    cases = Cases()
    rng = rng_for(5)
    cases.check(_check_pool, impl, -1.0 - np.abs(distinct(rng, (6, 7, 2))), 2, None)
    cases.check(_check_pool, impl, -rng.random((2, 5, 5, 3)) - 0.5, 3, 2)
    cases.done()


@pytest.mark.exercise("max_pool2d")
@pytest.mark.points(1)
def test_max_pool2d_leaves_input_unchanged(impl):
    rng = rng_for(6)
    for shape, size, stride in (((6, 6), 2, None), ((5, 7, 2), 3, 2), ((2, 4, 6, 3), 2, 1)):
        x = distinct(rng, shape)
        kwargs = {"size": size} if stride is None else {"size": size, "stride": stride}
        what = f"x of shape {shape}, size {size}, stride {stride}"
        got = call_unchanged(impl, "max_pool2d", ("x",), what, x, advice=VIEWS, **kwargs)
        check_array(
            got,
            ref.max_pool2d(x, **kwargs),
            what=f"max_pool2d on {what}",
            mistakes=max_pool2d_mistakes(x, size, stride),
        )


@pytest.mark.exercise("max_pool2d")
@pytest.mark.points(1)
def test_max_pool2d_int_input_gives_float64(impl):
    x = rng_for(7).integers(0, 20, size=(4, 6, 2))
    got = _check_pool(impl, x, 2, None, "max_pool2d on an int64 (4, 6, 2) x, size 2")
    assert got.dtype == np.float64, f"max_pool2d should return float64, got {got.dtype}"


@pytest.mark.exercise("max_pool2d")
@pytest.mark.points(1)
def test_max_pool2d_random_shapes(impl):
    @SEARCH
    @given(
        lead=st.sampled_from([(), (2,), None]),
        hw=st.tuples(st.integers(1, 9), st.integers(1, 9)),
        size=st.tuples(st.integers(1, 4), st.integers(1, 4)),
        stride=st.one_of(st.none(), st.tuples(st.integers(1, 4), st.integers(1, 4))),
        d=st.integers(1, 3),
        seed=st.integers(0, 2**16),
    )
    def search(lead, hw, size, stride, d, seed):
        hw = tuple(max(n, p) for n, p in zip(hw, size, strict=True))
        shape = hw if lead is None else (*lead, *hw, d)
        _check_pool(impl, distinct(rng_for(8, seed), shape), size, stride)

    run_search(search)


# ================================================================ 2.2 receptive_field


def _stack(layers) -> str:
    """A stack described without its numbers: its kinds, and whether some stride is > 1."""
    kinds = ", ".join(kind for kind, _, _ in layers)
    strided = "some strides > 1" if any(s > 1 for _, _, s in layers) else "all strides 1"
    return f"receptive_field of a {len(layers)}-layer stack ({kinds}; {strided})"


def _check_field(impl, layers, what=None):
    what = what or _stack(layers)
    got = impl.receptive_field(layers)
    check_int(got, what)
    check_scalar(
        got, ref.receptive_field(layers), what=what, mistakes=receptive_field_mistakes(layers)
    )


@pytest.mark.exercise("receptive_field")
@pytest.mark.points(1)
def test_receptive_field_slide_examples(impl):
    cases = Cases()
    # the slides: 3x3 conv then 2x2 pooling sees 4x4 = 16 pixels; pooling again: 6x6
    for layers in (
        [("conv", 3, 1), ("pool", 2, 2)],
        [("conv", 3, 1), ("pool", 2, 2), ("pool", 2, 2)],
        [("conv", 3, 1), ("pool", 2, 2), ("conv", 3, 1), ("pool", 2, 2)],
    ):
        cases.check(_check_field, impl, layers, f"receptive_field({layers}) (the slides' layers)")
    cases.done()


@pytest.mark.exercise("receptive_field")
@pytest.mark.points(2)
def test_receptive_field_strided_stacks(impl):
    cases = Cases()
    for layers in (
        [("conv", 3, 2), ("conv", 3, 1)],
        [("conv", 5, 1), ("pool", 2, 2), ("conv", 3, 1), ("pool", 2, 2), ("conv", 3, 1)],
        [("conv", 7, 2), ("pool", 3, 2), ("conv", 3, 1), ("conv", 3, 1)],  # ResNet's stem
        [("pool", 3, 1), ("conv", 1, 1), ("conv", 2, 3), ("conv", 4, 2)],
        [("conv", 1, 2), ("conv", 1, 2), ("conv", 3, 1)],
    ):
        cases.check(_check_field, impl, layers)
    cases.done()


@pytest.mark.exercise("receptive_field")
@pytest.mark.points(1)
def test_receptive_field_random_stacks(impl):
    layer = st.tuples(st.sampled_from(["conv", "pool"]), st.integers(1, 7), st.integers(1, 3))

    @SEARCH
    @given(layers=st.lists(layer, min_size=1, max_size=6))
    def search(layers):
        _check_field(impl, layers)

    run_search(search)
