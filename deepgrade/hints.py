"""Errors raised inside a submission, explained: the student's line, the arguments' shapes,
what the docstring asks for, and what that numpy error usually means.

``ValueError: operands could not be broadcast together with shapes (2,3) (2,)`` says little
to a student; the same error with the line that raised it, ``softmax(logits (2, 3),
axis=-1)`` and the docstring's ``logits: (N, C)`` says where to look. :func:`annotate` adds
that text to an exception raised by a submission's function; the in-process
implementation and the grader's worker proxy both call it with the submission's frames
(``"activations.py line 123, in softmax: return e / e.sum(axis=axis)"``, as the worker
reports them), so a student reads the same words in both modes. The pytest plugin shows
it under the error's own line.
"""

from __future__ import annotations

import ast
import functools
import linecache
import math
import os
import re
from collections.abc import Callable
from typing import Any

import numpy as np

from deepgrade.catalog import BY_NAME
from deepgrade.paths import EXERCISES_DIR

HINT = "deepgrade_hint"  # the attribute holding the explanation on the exception
MAX_LINE = 300  # characters of each line of a hint


@functools.cache
def _stub_functions(module: str) -> dict[str, ast.FunctionDef]:
    """The module's functions as written in the stubs (read, never imported)."""
    try:
        tree = ast.parse((EXERCISES_DIR / f"{module}.py").read_text(encoding="utf-8"))
    except (OSError, SyntaxError):
        return {}
    return {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef)}


def _parameters(name: str) -> tuple[list[str], dict[str, str]]:
    """The exercise's parameter names and the docstring's first words on each."""
    entry = BY_NAME.get(name)
    node = _stub_functions(entry.module).get(name) if entry else None
    if node is None:
        return [], {}
    names = [a.arg for a in (*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs)]
    return names, _documented(ast.get_docstring(node) or "", names)


def _documented(doc: str, names: list[str]) -> dict[str, str]:
    """``{argument: its description}`` from the docstring's ``Args:`` section."""
    found: dict[str, list[str]] = {}
    current = None
    inside = False
    for line in doc.splitlines():
        stripped = line.strip()
        if stripped == "Args:":
            inside = True
            continue
        if not inside:
            continue
        if stripped and not line.startswith(" "):
            break  # the next section (Returns:, Raises:, ...)
        head = re.match(r"\s{4}(\w+): (.*)", line)
        if head and head.group(1) in names:
            current = head.group(1)
            found[current] = [head.group(2)]
        elif current and stripped:
            found[current].append(stripped)
    return {k: " ".join(v).replace("``", "") for k, v in found.items()}


def describe(value: Any, depth: int = 0) -> str:
    """An argument as a student needs it: arrays by their shape, small values as they are."""
    if isinstance(value, np.ndarray):
        return f"array {tuple(value.shape)}" if depth == 0 else str(tuple(value.shape))
    if value is None or isinstance(value, bool | int | float | np.generic):
        return repr(value.item() if isinstance(value, np.generic) else value)
    if isinstance(value, str):
        return repr(value) if len(value) <= 20 else "a string"
    if isinstance(value, dict) and depth < 2:
        items = [f"{k!r}: {describe(v, depth + 1)}" for k, v in list(value.items())[:5]]
        return "{" + ", ".join(items) + (", ...}" if len(value) > 5 else "}")
    if isinstance(value, list | tuple) and depth < 2:
        inner = ", ".join(describe(v, depth + 1) for v in value[:4])
        more = ", ..." if len(value) > 4 else ""
        return f"({inner}{more})" if isinstance(value, tuple) else f"[{inner}{more}]"
    if callable(value) or isinstance(value, np.random.Generator):
        return "a random generator" if isinstance(value, np.random.Generator) else "a function"
    return type(value).__name__


def _call(name: str, args: tuple, kwargs: dict) -> tuple[str, list[str]]:
    """``name(x array (2, 3), axis=-1)`` and the docstring's words on its array arguments."""
    params, docs = _parameters(name)
    shown, wanted = [], []
    labelled = [
        (params[i] if i < len(params) else f"argument {i + 1}", v) for i, v in enumerate(args)
    ]
    for label, value in [*labelled, *kwargs.items()]:
        text = describe(value)
        shown.append(f"{label} {text}" if isinstance(value, np.ndarray) else f"{label}={text}")
        if label in docs and isinstance(value, np.ndarray | dict | list | tuple):
            wanted.append(f"{label}: {docs[label]}")
    return f"{name}({', '.join(shown)})", wanted


def _shapes(text: str) -> list[tuple[int, ...]]:
    return [
        tuple(int(n) for n in group.split(",") if n.strip())
        for group in re.findall(r"\(([\d,\s]*)\)", text)
    ]


def _sizes(shape: str) -> list[int]:
    """The sizes of a shape as numpy prints it ("2,3,4"), sorted."""
    return sorted(_shapes(f"({shape})")[0])


def _reshape_target(sizes: str) -> str:
    """What a reshape's target shape holds, e.g. ", your target (3, 2, 4, 4) holds 96"."""
    target = _shapes(f"({sizes})")[0] if sizes else ()
    if not target:  # no target given, or one with -1 (numpy shows it as "newaxis")
        return ""
    shown = f"({target[0]},)" if len(target) == 1 else str(target)
    return f"; your target {shown} holds {math.prod(target)}"


def _broadcast(message: str) -> str:
    shapes = _shapes(message.split("shapes", 1)[-1])
    for a in shapes:
        for b in shapes:
            if len(a) == len(b) and a != b and all(m <= n for m, n in zip(a, b, strict=True)):
                return (
                    f"a {a} array met a {b} one: where one of them is a slice, slicing past "
                    "the end of an array cuts it short (x[i:i + k] near the edge has fewer "
                    "than k rows); check the loop bounds, and that windows come from the "
                    "padded array"
                )
    for a in shapes:
        for b in shapes:
            if len(a) == len(b) + 1 and any(a[:i] + a[i + 1 :] == b for i in range(len(a))):
                return (
                    f"a reduction such as .sum(axis=...) or .max(axis=...) turned {a} into {b}, "
                    "dropping the axis it reduced; pass keepdims=True so the result keeps it "
                    "(size 1) and broadcasts back against the array"
                )
    return (
        "numpy lines shapes up from the last axis, and each pair of sizes must be equal or 1: "
        "check what each axis stands for (the docstring's shapes), e.g. a bias added along "
        "the wrong axis or a transposed array"
    )


# (pattern of the error message, what it usually means); the first match is used
EXPLANATIONS: list[tuple[str, Callable[[re.Match, str], str]]] = [
    (
        r"remapped shapes \[original->remapped\]: \((\d+),\s*2\)\s+and requested shape "
        r"\((\d+),\s*2\)",
        lambda m, msg: (
            f"np.pad got {m.group(1)} (before, after) pairs for an array of {m.group(2)} axes: "
            "give one pair per axis of the array, (0, 0) for the axes that are not padded "
            "(a 2-D x has no channel axis, a 4-D x has N first)"
        ),
    ),
    (r"operands could not be broadcast together", lambda m, msg: _broadcast(msg)),
    (
        r"matmul: Input operand \d has a mismatch in its core dimension|shapes \(.*\) and "
        r"\(.*\) not aligned",
        lambda m, msg: (
            "in A @ B (or np.dot) the last axis of A must have the size of B's first (its "
            "second to last): (N, D) @ (D, M) gives (N, M); the usual cause is a matrix that "
            "needs transposing (W.T) or an input that was not flattened to (N, D)"
        ),
    ),
    (
        r"truth value of an array with more than one element is ambiguous",
        lambda m, msg: (
            "an array was used where Python needs a single True/False: an if or while on an "
            "array, and/or between arrays, or the builtin max/min/abs/sum on arrays; use "
            "numpy's elementwise functions: np.maximum(a, b), np.where(condition, a, b), "
            "(a > 0) & (b > 0), np.any / np.all"
        ),
    ),
    (
        r"index (-?\d+) is out of bounds for axis (\d+) with size (\d+)",
        lambda m, msg: (
            f"index {m.group(1)} does not exist on axis {m.group(2)}, which has "
            f"{m.group(3)} entries: a loop runs too far or over the wrong axis; compare its "
            "bounds with the output size rule"
        ),
    ),
    (
        r"too many indices for array",
        lambda m, msg: (
            "the array has fewer axes than your index: check its rank against the docstring "
            "(e.g. an (H, W) image indexed as [i, j, c])"
        ),
    ),
    (
        r"axis (-?\d+) is out of bounds for array of dimension (\d+)",
        lambda m, msg: (
            f"axis {m.group(1)} does not exist in a {m.group(2)}-D array: check which axis "
            "holds what (the docstring's shapes)"
        ),
    ),
    (
        r"cannot reshape array of size (\d+) into shape(?: \(([\d, ]+)\)(?!\S))?",
        lambda m, msg: (
            f"a reshape must keep the number of values ({m.group(1)} here)"
            + _reshape_target(m.group(2))
            + ": check each size of the target shape against the docstring's, or use -1 for "
            "the one axis numpy should work out"
        ),
    ),
    (
        r"cannot access local variable '(\w+)' where it is not associated with a value|"
        r"local variable '(\w+)' referenced before assignment",
        lambda m, msg: (
            f"{m.group(1) or m.group(2)} is assigned only on some paths through your code: "
            "inside an if that was not taken (e.g. only when the padding is not 0) or a "
            "loop that ran zero times; assign it on every path (np.pad with 0 zeros is fine)"
        ),
    ),
    (
        r"could not broadcast input array from shape \(([\d, ]*)\) into shape \(([\d, ]*)\)",
        lambda m, msg: (
            f"an assignment into a slice of shape ({m.group(2)}) got a value of shape "
            f"({m.group(1)}): "
            + (
                "a slice such as x[p:-p] is empty when p is 0 (-0 is 0): write x[p:p + n]"
                if 0 in _sizes(m.group(1)) + _sizes(m.group(2))
                else "the same sizes in another order: two axes swapped, in the array "
                "assigned into (its height and width?) or in the value (a .T reverses every "
                "axis; np.moveaxis or transpose(...) with the axes named moves one)"
                if _sizes(m.group(1)) == _sizes(m.group(2))
                else "check the slice bounds against the output size rule"
            )
        ),
    ),
    (
        r"only (0-dimensional|length-1|size-1) arrays can be converted to Python scalars",
        lambda m, msg: (
            "float() or int() got an array with axes (even one of a single number, such as a "
            "(1, 1, 1) bias), which numpy 2 refuses: take the number out with b.item() or "
            "an index (b[0, 0, 0]), or leave it an array and let numpy broadcast"
        ),
    ),
    (
        r"setting an array element with a sequence",
        lambda m, msg: (
            "a value with axes was assigned into one element (out[i, j] = value): when it "
            "holds one number take it out (value.item(), or np.sum(...) of the whole "
            "window gives a plain number); otherwise the target needs a slice of its shape"
        ),
    ),
    (
        r"'NoneType' object",
        lambda m, msg: (
            "a value is None: a function without a return statement (yours, or a helper), "
            "or the result of a method such as list.append or list.sort, which return None"
        ),
    ),
    (
        r"got an unexpected keyword argument|missing \d+ required positional argument|takes "
        r"\d+ positional arguments? but \d+ (were|was) given",
        lambda m, msg: "keep the function's signature exactly as in the exercise's stub",
    ),
]


# What a numpy warning says about its cause, read from its message ("overflow encountered in
# exp", "divide by zero encountered in log"...): the advice follows where it comes from.
# An overflow in exp has no entry: the exercise's own advice (how to keep exp's argument
# <= 0) says it best.
WARNING_CAUSES: list[tuple[str, str]] = [
    (
        r"divide by zero encountered in log|invalid value encountered in log",
        "log got 0 (or a negative number): a probability that underflowed to 0, e.g. "
        "log(softmax(z)) where one exp(z - max) is below 1e-308, even after subtracting the "
        "maximum; take the log analytically instead, log p = (z - max) - log(sum(exp(z - "
        "max))), so nothing is ever 0 inside the log (adding an epsilon to p changes the "
        "loss of confident mistakes)",
    ),
    (
        r"divide by zero encountered in (true_)?divide|invalid value encountered in "
        r"(true_)?divide",
        "a division by 0 (0 / 0 gives NaN): a sum that became 0 or inf before the division, "
        "e.g. exp underflowing to 0 for every entry of a row, or an exp that overflowed to "
        "inf; keep what you divide by away from 0 and inf (subtract the maximum first: "
        "then the largest term is exp(0) = 1 and the sum is at least 1)",
    ),
    (
        r"invalid value encountered in (subtract|add|multiply)",
        "an inf met another inf (inf - inf or 0 * inf gives NaN): a value overflowed "
        "earlier on the way (an exp of a large number?); find the first inf",
    ),
    (
        r"overflow encountered in (?!exp)(\w+)",
        "a value grew past 1.8e308 (the largest float64) in a product or power: an exp that "
        "should not be there, or a value that should have been scaled down first",
    ),
]


def warning_cause(message: str) -> str:
    """The advice a numpy warning's message points to, or '' (see :data:`WARNING_CAUSES`)."""
    for pattern, words in WARNING_CAUSES:
        if re.search(pattern, message):
            return words
    return ""


def explain(error_type: str, message: str) -> str:
    for pattern, words in EXPLANATIONS:
        match = re.search(pattern, message)
        if match:
            return words(match, message)
    return ""


def hint(name: str, error_type: str, message: str, frames: list[str], args: tuple,
         kwargs: dict) -> str:  # fmt: skip
    """The lines shown under a submission's error: where, the call, what it usually means."""
    call, wanted = _call(name, args, kwargs)
    own = [f for f in frames if f.split(", in ", 1)[-1].split(":", 1)[0] == name]
    if not frames:
        lines = [f"calling {name} failed before its first line ran"]
    elif own and own[-1] != frames[-1]:  # raised deeper (a helper, another exercise)
        lines = [f"raised by your code at {frames[-1]}, called from {own[-1]}"]
    else:
        lines = [f"raised by your code at {frames[-1]}"]
    lines.append(f"the call: {call}" + (f"; the docstring: {'; '.join(wanted)}" if wanted else ""))
    meaning = explain(error_type, message)
    if meaning:
        lines.append(f"hint: {meaning}")
    return "\n".join(
        line if len(line) <= MAX_LINE else line[: MAX_LINE - 3] + "..." for line in lines
    )


def annotate(error: BaseException, name: str, frames: list[str], args: tuple, kwargs: dict):
    """Attach the hint to ``error`` raised by the submission's ``name`` (first call wins)."""
    if isinstance(error, NotImplementedError) or getattr(error, HINT, None):
        return
    try:
        text = hint(name, type(error).__name__, str(error), frames, args, kwargs)
    except Exception:  # a hint must never hide the error itself
        return
    setattr(error, HINT, text)


def frames_of(error: BaseException, folder) -> list[str]:
    """The submission's frames of a traceback, as the worker reports them."""
    import traceback

    root = os.path.realpath(folder)
    lines = []
    for frame in traceback.extract_tb(error.__traceback__):
        path = os.path.realpath(frame.filename)
        if path.startswith(root + os.sep):
            where = f"{os.path.relpath(path, root)} line {frame.lineno}"
            lines.append(f"{where}, in {frame.name}" + (f": {frame.line}" if frame.line else ""))
    return lines


# The attribute of a warning (the Warning instance) that says where in the submission it
# was raised: set by the worker's client and, in-process, by deepgrade.implementation.
WARNING_PLACE = "deepgrade_place"


def placed(warning: Warning, place: str) -> Warning:
    """``warning`` with the place in the submission it was raised at (when known)."""
    if place:
        setattr(warning, WARNING_PLACE, place)
    return warning


def place_of(warning: Warning) -> str:
    """Where in the submission ``warning`` was raised ("layers.py line 12: code"), or ''."""
    place = getattr(warning, WARNING_PLACE, "")
    return place if isinstance(place, str) else ""


def warning_place(filename: str, lineno: int, folder) -> str:
    """Where a warning raised at ``filename``:``lineno`` is in the submission ``folder``, as
    the worker says it (its file, line and code), or '' outside the submission."""
    root = os.path.realpath(folder)
    path = os.path.realpath(filename)
    if not path.startswith(root + os.sep):
        return ""
    code = linecache.getline(filename, lineno).strip()
    where = f"{os.path.relpath(path, root)} line {lineno}"
    place = f"{where}: {code}" if code else where
    return place if len(place) <= 300 else place[:297] + "..."
