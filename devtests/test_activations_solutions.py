"""Project tests for topic 3 (activations) against the reference solutions.

Bad input, dtype handling, no in-place modification, properties (hypothesis), and a
cross-check against TensorFlow (marked ``tf``).
"""

from __future__ import annotations

import doctest
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from solutions import activations
from solutions.activations import relu, sigmoid, softmax

QUICK = settings(derandomize=True, deadline=None, max_examples=60)
FINITE = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)
ARRAYS = hnp.arrays(
    np.float64, hnp.array_shapes(min_dims=1, max_dims=4, max_side=5), elements=FINITE
)


def test_doctests_pass():
    result = doctest.testmod(activations, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize("fn", [relu, sigmoid, softmax])
def test_non_numeric_input_is_a_type_error(fn):
    with pytest.raises(TypeError, match=rf"^{fn.__name__}: .* must hold numbers"):
        fn(np.array(["a", "b"]))
    with pytest.raises(TypeError, match=rf"^{fn.__name__}: .* must be real"):
        fn(np.array([1 + 2j]))


def test_softmax_needs_an_axis():
    with pytest.raises(ValueError, match=r"^softmax: logits must be"):
        softmax(3.0)


@pytest.mark.parametrize("axis", [2, -3])
def test_softmax_axis_out_of_range(axis):
    with pytest.raises(ValueError, match=rf"^softmax: axis {axis} is out of range"):
        softmax(np.zeros((2, 3)), axis=axis)


@pytest.mark.parametrize("axis", [1.0, "1", True, None])
def test_softmax_axis_must_be_an_int(axis):
    with pytest.raises(TypeError, match=r"^softmax: axis must be an int"):
        softmax(np.zeros((2, 3)), axis=axis)


def test_softmax_empty_class_axis():
    with pytest.raises(ValueError, match=r"^softmax: axis -1 of logits \(2, 0\) has no classes"):
        softmax(np.zeros((2, 0)))


# ---------------------------------------------------------------- dtype, no in-place, scalars


@pytest.mark.parametrize("fn", [relu, sigmoid, softmax])
def test_int_and_bool_input_give_float64(fn):
    for x in (np.array([[-2, 0, 3]]), np.array([[True, False, True]])):
        out = fn(x)
        assert isinstance(out, np.ndarray) and out.dtype == np.float64
        assert out.shape == x.shape


@pytest.mark.parametrize("fn", [relu, sigmoid])
def test_scalar_and_list_input(fn):
    assert fn(-1.5).shape == ()
    assert fn([[-1.0, 2.0]]).shape == (1, 2)


@pytest.mark.parametrize("fn", [relu, sigmoid, softmax])
@QUICK
@given(x=ARRAYS)
def test_inputs_not_modified_and_output_is_new(fn, x):
    before = x.copy()
    out = fn(x)
    np.testing.assert_array_equal(x, before)
    assert not np.shares_memory(out, x)


# ---------------------------------------------------------------- properties


@QUICK
@given(x=ARRAYS)
def test_relu_properties(x):
    np.testing.assert_array_equal(relu(x) - relu(-x), x)
    np.testing.assert_array_equal(relu(relu(x)), relu(x))


@QUICK
@given(x=ARRAYS)
def test_sigmoid_properties_without_warnings(x):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = sigmoid(x)
        assert ((s >= 0) & (s <= 1)).all()
        np.testing.assert_allclose(sigmoid(-x), 1 - s, atol=1e-15)
        moderate = np.abs(x) < 30
        np.testing.assert_allclose(s[moderate], 1 / (1 + np.exp(-x[moderate])), rtol=1e-14)


def test_sigmoid_extremes_are_exact_and_monotone():
    x = np.array([-np.inf, -1000.0, -40.0, 0.0, 40.0, 1000.0, np.inf])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = sigmoid(x)
    assert s[0] == 0.0 and s[-1] == 1.0 and s[3] == 0.5
    assert (np.diff(s) >= 0).all()


@QUICK
@given(x=ARRAYS, shift=FINITE, data=st.data())
def test_softmax_sums_to_one_and_ignores_shifts(x, shift, data):
    axis = data.draw(st.integers(-x.ndim, x.ndim - 1))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        p = softmax(x, axis=axis)
    np.testing.assert_allclose(p.sum(axis=axis), 1.0, rtol=1e-12)
    assert ((p >= 0) & (p <= 1)).all()
    np.testing.assert_allclose(softmax(x + shift, axis=axis), p, atol=1e-9)
    # The largest logit along the axis gets the largest probability.
    top = np.expand_dims(np.argmax(x, axis=axis), axis)
    np.testing.assert_array_equal(
        np.take_along_axis(p, top, axis), np.max(p, axis=axis, keepdims=True)
    )


# ---------------------------------------------------------------- TensorFlow


@pytest.mark.tf
def test_against_tensorflow(tf, rng):
    x = np.concatenate([rng.normal(scale=5.0, size=(4, 7)), [[1000.0, -1000.0, 0, 0, 0, 0, 0]]])
    np.testing.assert_allclose(relu(x), tf.nn.relu(x).numpy(), rtol=0, atol=0)
    np.testing.assert_allclose(sigmoid(x), tf.math.sigmoid(x).numpy(), rtol=1e-14, atol=1e-300)
    for axis in (-1, 0):
        np.testing.assert_allclose(
            softmax(x, axis=axis), tf.nn.softmax(x, axis=axis).numpy(), rtol=1e-12, atol=1e-300
        )
    cube = rng.normal(size=(2, 3, 4))
    np.testing.assert_allclose(
        softmax(cube, axis=1), tf.nn.softmax(cube, axis=1).numpy(), rtol=1e-12
    )
