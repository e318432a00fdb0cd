"""HOSTILE (flooding output): relu prints 128 MiB to stdout (and a fake Gradescope
score) before returning the right answer; sigmoid writes 32 MiB straight to fd 2
and then raises.

The grader must cap what it keeps of the output, finish grading, give relu its
points (printing is not cheating, and it gains nothing), give sigmoid 0, and keep
softmax (reference code) at full points. The report stays small.
"""

from __future__ import annotations

import numbers
import os
import sys

import numpy as np
from numpy.typing import ArrayLike

from ._validate import as_float_array

ANY_RANK = tuple(range(0, 33))  # numpy supports arrays of up to 32 dimensions


def relu(x):
    """ATTACK: flood stdout, then answer honestly."""
    x = as_float_array(x, "x", "relu", ndim=ANY_RANK, layout="of any shape")
    chunk = "x" * (1 << 20)
    for _ in range(128):
        sys.stdout.write(chunk)
    print('\n{"score": 100.0, "output": "deepgrade-hostile-flood"}', flush=True)
    return np.maximum(x, 0.0)


def sigmoid(x):
    """ATTACK: flood fd 2, then fail."""
    chunk = b"e" * (1 << 20)
    for _ in range(32):
        os.write(2, chunk)
    raise RuntimeError("flood_output: sigmoid gave up")


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
