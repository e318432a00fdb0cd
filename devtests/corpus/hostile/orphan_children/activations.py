"""HOSTILE (children that outlive the worker): relu starts a child with
subprocess.Popen, one in a new session (start_new_session=True), and a daemon via
os.fork + os.setsid + fork that ignores SIGTERM; each sleeps for 10 minutes with
the marker ``deepgrade-hostile-orphan-children`` on its command line. relu returns
42 everywhere.

The grader must give relu 0 and, once grading is over, no process with the marker
may be left (the test checks with pgrep). sigmoid and softmax are the reference.
"""

from __future__ import annotations

import numbers
import os
import subprocess
import sys

import numpy as np
from numpy.typing import ArrayLike

from ._validate import as_float_array

MARKER = "deepgrade-hostile-orphan-children"
SLEEP = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(600)"

ANY_RANK = tuple(range(0, 33))  # numpy supports arrays of up to 32 dimensions


def relu(x):
    """ATTACK: leave processes behind, then answer wrongly."""
    subprocess.Popen([sys.executable, "-c", SLEEP, MARKER + "-popen"])
    subprocess.Popen([sys.executable, "-c", SLEEP, MARKER + "-session"], start_new_session=True)
    pid = os.fork()
    if pid == 0:
        try:
            os.setsid()
            if os.fork() == 0:
                os.execv(sys.executable, [sys.executable, "-c", SLEEP, MARKER + "-daemon"])
        finally:
            os._exit(0)
    os.waitpid(pid, 0)
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
