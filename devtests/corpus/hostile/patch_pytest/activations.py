"""HOSTILE (patch pytest): at import, imports pytest and its internals and patches them:
pytest.approx equal to everything, pytest.fail / _pytest.outcomes.fail doing
nothing, every TestReport forced to "passed", AssertionError replaced in builtins,
and (if it can import them) the grader's own check_array; relu returns 42.

The grader must give relu 0: the worker's pytest (if it can import one at all) is
not the one running the tests; the grader's modules are refused by name. sigmoid and
softmax are the reference and keep their points.
"""

from __future__ import annotations

import numbers

import numpy as np
from numpy.typing import ArrayLike

from ._validate import as_float_array

PATCHED = []
try:
    import builtins

    import _pytest.outcomes
    import _pytest.python_api
    import _pytest.reports
    import pytest

    class _Anything:
        def __eq__(self, other):
            return True

        def __ne__(self, other):
            return False

    def _approx(*args, **kwargs):
        return _Anything()

    def _never_fail(*args, **kwargs):
        return None

    pytest.approx = _pytest.python_api.approx = _approx
    pytest.fail = _pytest.outcomes.fail = _never_fail
    _original_init = _pytest.reports.TestReport.__init__

    def _always_passed(self, *args, **kwargs):
        _original_init(self, *args, **kwargs)
        self.outcome, self.longrepr = "passed", None

    _pytest.reports.TestReport.__init__ = _always_passed
    builtins.AssertionError = type("AssertionError", (Exception,), {})
    PATCHED.append("pytest")
except Exception as err:  # no pytest in the worker: nothing to patch
    PATCHED.append(f"pytest not patched: {err}")
try:
    import deepgrade.feedback

    deepgrade.feedback.check_array = lambda *args, **kwargs: None
    PATCHED.append("deepgrade.feedback")
except Exception as err:
    PATCHED.append(f"deepgrade not patched: {err}")

ANY_RANK = tuple(range(0, 33))  # numpy supports arrays of up to 32 dimensions


def relu(x):
    """ATTACK: a wrong answer, hoping the patched pytest accepts it."""
    return np.full(np.shape(x), 42.0)


def sigmoid(x: ArrayLike) -> np.ndarray:
    """The logistic sigmoid, elementwise: ``sigmoid(x) = 1 / (1 + exp(-x))``.

    It squashes any real number into (0, 1); the slides use it as the activation of the
    single output neuron of a 2-class classifier (and LSTM gates use it too).

    Compute it without overflow: ``exp(-x)`` overflows for ``x = -1000``. Use only
    ``exp(-|x|)``, which lies in (0, 1]: for ``x >= 0`` the formula above, and for
    ``x < 0`` the equal form ``exp(x) / (1 + exp(x))``. No warning may be raised for
    ``x = +-1000`` (the results there are 1.0 and 0.0).

    Args:
        x: array of any shape.

    Returns:
        A new float64 array of the same shape with values in [0, 1].

    Raises:
        TypeError: if ``x`` does not hold real numbers.

    Example:
        >>> print(sigmoid(np.array([-1000.0, -1.0, 0.0, 1.0, 1000.0])).round(4))
        [0.     0.2689 0.5    0.7311 1.    ]
    """
    x = as_float_array(x, "x", "sigmoid", ndim=ANY_RANK, layout="of any shape")
    ### BEGIN SOLUTION
    e = np.exp(-np.abs(x))  # in (0, 1]: never overflows
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    ### END SOLUTION


def softmax(logits: ArrayLike, axis: int = -1) -> np.ndarray:
    """Softmax along ``axis``: ``softmax(z)_j = exp(z_j) / sum_i exp(z_i)``.

    It turns a vector of scores ("logits") into probabilities that are positive and sum
    to 1; the slides' digit network ends in a dense layer of 10 neurons with softmax
    activation, giving Pr(digit 0), ..., Pr(digit 9).

    Stability: softmax does not change when the same constant is subtracted from every
    entry, so subtract the maximum along ``axis`` first; then every ``exp`` is at most 1
    and logits like 1000 do not overflow.

    Args:
        logits: array with at least one axis, e.g. ``(N, C)`` for N examples of C classes.
        axis: the axis holding the classes (default: the last one).

    Returns:
        A new float64 array of the shape of ``logits``; it sums to 1 along ``axis``.

    Raises:
        TypeError: if ``logits`` does not hold real numbers or ``axis`` is not an int.
        ValueError: if ``logits`` is a scalar, ``axis`` is out of range or has length 0.

    Example (equal scores give equal probabilities; a large score takes nearly all):
        >>> print(softmax(np.array([[0.0, 0.0, 0.0, 0.0], [1000.0, 0.0, 0.0, 0.0]])))
        [[0.25 0.25 0.25 0.25]
         [1.   0.   0.   0.  ]]
        >>> print(softmax(np.log(np.array([1.0, 3.0]))))
        [0.25 0.75]
    """
    logits = as_float_array(logits, "logits", "softmax", ndim=ANY_RANK[1:], layout="(..., C)")
    if isinstance(axis, bool) or not isinstance(axis, numbers.Integral):
        raise TypeError(f"softmax: axis must be an int, got {axis!r}")
    if not -logits.ndim <= axis < logits.ndim:
        raise ValueError(f"softmax: axis {axis} is out of range for logits of shape {logits.shape}")
    if logits.shape[axis] == 0:
        raise ValueError(f"softmax: axis {axis} of logits {logits.shape} has no classes")
    ### BEGIN SOLUTION
    shifted = logits - logits.max(axis=axis, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=axis, keepdims=True)
    ### END SOLUTION
