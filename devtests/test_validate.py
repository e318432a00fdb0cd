"""Project tests of the provided input checks (solutions/_validate.py): their messages."""

from __future__ import annotations

import numpy as np
import pytest

from solutions._validate import as_float_array, class_labels

ANY_RANK = tuple(range(0, 33))


@pytest.mark.parametrize(
    ("ndim", "shape", "wanted"),
    [
        (2, (3,), "2-D"),
        ((3, 4), (5, 5), "3-D or 4-D"),
        ((2, 3, 4), (5,), "2-D to 4-D"),
        ((4, 2, 3), (5,), "2-D to 4-D"),  # order and repeats do not matter
        ((2, 4), (1, 2, 3), "2-D or 4-D"),
        ((1, 3, 4, 5), (1, 1), "1-D or 3-D to 5-D"),
        (tuple(range(1, 33)), (), "at least 1-D"),
        (tuple(range(2, 33)), (4,), "at least 2-D"),
        # numpy allows 64 axes; the exercises' "any rank" stops at 32
        (tuple(range(2, 33)), (1,) * 33, "2-D to 32-D"),
        (ANY_RANK, (1,) * 33, "at most 32-D"),
    ],
)
def test_rank_message_collapses_consecutive_ranks(ndim, shape, wanted):
    with pytest.raises(ValueError) as err:
        as_float_array(np.zeros(shape), "x", "fn", ndim=ndim, layout="(layout)")
    assert str(err.value) == f"fn: x must be {wanted} (layout); got shape {shape}"
    assert "or 5-D or" not in str(err.value)


def test_any_rank_accepts_scalars_and_32_axes():
    assert as_float_array(3, "x", "fn", ndim=ANY_RANK, layout="").shape == ()
    assert as_float_array(np.zeros((1,) * 32), "x", "fn", ndim=ANY_RANK, layout="").ndim == 32


def test_class_labels_without_a_class_count_checks_for_negative_ids():
    np.testing.assert_array_equal(class_labels([0, 7, 3], 3, None, "fn"), [0, 7, 3])
    with pytest.raises(
        ValueError, match=r"^fn: labels must be non-negative class ids .*; got -2 at index 1$"
    ):
        class_labels([0, -2, 3], 3, None, "fn")
    with pytest.raises(
        ValueError, match=r"^fn: labels must be class ids in 0\.\.2; got values from -2 to 3$"
    ):
        class_labels([0, -2, 3], 3, 3, "fn")
