"""The feedback of check_array/check_scalar: type, then shape, then values."""

from __future__ import annotations

import numpy as np
import pytest

from deepgrade.feedback import check_array, check_scalar


def test_matching_arrays_pass():
    check_array(np.array([1.0, 2.0]), np.array([1.0, 2.0 + 1e-12]))


def test_wrong_type_is_named_first():
    with pytest.raises(AssertionError, match="should be a numpy array.*got list"):
        check_array([1.0, 2.0], np.array([1.0, 2.0]))


def test_ndarray_subclass_is_not_an_array():
    with pytest.raises(AssertionError, match="should be a numpy array"):
        check_array(np.ma.masked_array([1.0]), np.array([1.0]))


def test_integer_output_where_floats_are_expected():
    with pytest.raises(AssertionError, match="float array.*int64"):
        check_array(np.array([1, 2]), np.array([1.0, 2.0]))


def test_shape_mismatch_shows_both_shapes_and_the_rule():
    with pytest.raises(AssertionError, match=r"shape \(4, 4\), expected \(5, 5\).*rule gives 5"):
        check_array(np.zeros((4, 4)), np.zeros((5, 5)), shape_rule="5")


def test_value_mismatch_locates_the_first_difference():
    expected = np.arange(16.0).reshape(4, 4)
    got = expected.copy()
    got[2, 1] += 0.5
    got[3, 3] = np.nan
    with pytest.raises(AssertionError) as info:
        check_array(got, expected, what="conv2d(x, k)")
    message = str(info.value)
    assert "conv2d(x, k) differs" in message
    assert "at 2 of 16 positions; first at index (2, 1): got 9.5, expected 9.0" in message
    assert "max absolute error 0.5" in message
    assert "1 NaN/inf" in message
    assert "yours:" in message and "expected:" in message


def test_scalar_checks():
    check_scalar(np.float64(2.0), 2.0)
    with pytest.raises(AssertionError, match="single number, got numpy array"):
        check_scalar(np.array([2.0]), 2.0)
    with pytest.raises(AssertionError, match="is 3.0, expected 2.0"):
        check_scalar(3.0, 2.0)


def test_a_catalogued_mistake_is_named_after_the_summary_line():
    from deepgrade.feedback import Mistake

    expected = np.arange(9.0).reshape(3, 3)
    flipped = expected[::-1, ::-1].copy()
    mistakes = [
        Mistake("transposed", "you swapped rows and columns", lambda: expected.T),
        Mistake("flipped kernel", "your kernel is flipped", lambda: flipped),
    ]
    with pytest.raises(AssertionError) as info:
        check_array(flipped, expected, mistakes=mistakes)
    lines = str(info.value).splitlines()
    assert lines[0].startswith("your output differs")
    assert lines[1] == "Likely mistake (flipped kernel): your kernel is flipped"
    with pytest.raises(AssertionError) as info:
        check_array(expected + 1, expected, mistakes=mistakes)
    assert "Likely mistake" not in str(info.value)


def test_mistakes_are_named_for_wrong_shapes_and_scalars_too():
    from deepgrade.feedback import Mistake

    crash = Mistake("broken", "never shown", lambda: 1 / 0)
    wrong_axis = Mistake("wrong axis", "you pooled over the channels", lambda: np.zeros((2, 2)))
    with pytest.raises(
        AssertionError, match=r"shape \(2, 2\)[^\n]*\nLikely mistake \(wrong axis\)"
    ):
        check_array(np.zeros((2, 2)), np.zeros((2, 2, 3)), mistakes=[crash, wrong_axis])
    summed = Mistake("summed", "the loss must be averaged", lambda: 6.0)
    with pytest.raises(AssertionError, match="Likely mistake \\(summed\\)"):
        check_scalar(6.0, 2.0, mistakes=[summed])


def test_check_inputs_unchanged_names_the_modified_argument():
    from deepgrade.feedback import check_inputs_unchanged

    class Impl:
        def with_inputs(self, name):
            def call(x, y, scale=None):
                x[0] = -1.0  # in place
                return x + y, (x, y), {"scale": scale}

            return call

    x, y = np.array([1.0, 2.0]), np.array([3.0])
    with pytest.raises(AssertionError, match="relu modified its input x in place"):
        check_inputs_unchanged(Impl(), "relu", x, y, names=("x", "y"), scale=2.0)

    class Honest:
        def with_inputs(self, name):
            return lambda x, params: (2 * x, (x, params), {})

    params = {"w": np.array([2.0])}
    out = check_inputs_unchanged(Honest(), "double", np.array([1.0]), params)
    np.testing.assert_array_equal(out, [2.0])
