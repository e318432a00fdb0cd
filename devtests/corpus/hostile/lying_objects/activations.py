"""HOSTILE (lying objects): relu returns an object equal to everything (__eq__ always
True, __ne__ False, __bool__ True, with a float64 dtype and the right shape);
sigmoid returns an object whose __array__ and __float__ lie (0.5 everywhere, which
is right for sigmoid(0) only).

The grader must give relu and sigmoid 0: only plain data crosses the boundary, so
these objects are refused ("cannot be graded"). softmax is the reference and keeps
its points.
"""

from __future__ import annotations

import numbers

import numpy as np
from numpy.typing import ArrayLike

from ._validate import as_float_array


class AlwaysEqual:
    dtype = np.dtype(np.float64)

    def __init__(self, shape):
        self.shape = shape

    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    def __bool__(self):
        return True

    __hash__ = object.__hash__


class Numberish:
    def __init__(self, shape):
        self.shape = shape

    def __array__(self, dtype=None, copy=None):
        return np.full(self.shape, 0.5)

    def __float__(self):
        return 0.5

    def __eq__(self, other):
        return True

    __hash__ = object.__hash__


ANY_RANK = tuple(range(0, 33))  # numpy supports arrays of up to 32 dimensions


def relu(x):
    """ATTACK: an object that says it equals the expected array."""
    return AlwaysEqual(np.shape(x))


def sigmoid(x):
    """ATTACK: an object whose __array__ / __float__ lie."""
    return Numberish(np.shape(x))


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
