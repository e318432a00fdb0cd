"""Comparisons that explain themselves: type first, then shape, then values.

Every public and hidden check of an array goes through :func:`check_array`, so a student
always reads the same kind of message: what type or shape was expected, where the values
first differ, how large the error is, and a small slice side by side. When the output
equals what a catalogued mistake (:class:`Mistake`) would give on the same input, the
message names the mistake in plain words.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

# float64 conventions, written once: relative error for normal values, absolute near zero.
RTOL = 1e-7
ATOL = 1e-9
SLICE = 3  # at most SLICE x SLICE values of each side are shown around a mismatch


@dataclass(frozen=True)
class Mistake:
    """A known mistake: what it is called, what to tell the student, what it would output.

    ``output`` computes, on the trusted side and for the same inputs, what code with this
    mistake returns (usually the reference called on altered inputs).
    """

    name: str
    explanation: str
    output: Callable[[], Any]

    def matches(self, got: Any, rtol: float, atol: float) -> bool:
        try:
            wrong = np.asarray(self.output(), dtype=np.float64)
            mine = np.asarray(got, dtype=np.float64)
        except Exception:  # a mistake that cannot even be produced here matches nothing
            return False
        if wrong.shape != mine.shape:
            return False
        with np.errstate(invalid="ignore"):
            return bool(np.isclose(mine, wrong, rtol=rtol, atol=atol, equal_nan=True).all())


def diagnose(got: Any, mistakes: Iterable[Mistake], rtol: float = RTOL, atol: float = ATOL) -> str:
    """'Likely mistake: ...' for the first catalogued mistake ``got`` equals, else ''."""
    for mistake in mistakes:
        if mistake.matches(got, rtol, atol):
            return f"Likely mistake ({mistake.name}): {mistake.explanation}"
    return ""


def _fail(lines: list[str], got: Any, mistakes: Iterable[Mistake], rtol, atol) -> None:
    """Raise with the summary line, then the diagnosis if any, then the details."""
    diagnosis = diagnose(got, mistakes, rtol, atol)
    if diagnosis:
        lines.insert(1, diagnosis)
    raise AssertionError("\n".join(lines))


def _type_name(value) -> str:
    if isinstance(value, np.ndarray):
        return f"numpy array of dtype {value.dtype}"
    return type(value).__name__


def check_array(
    got,
    expected,
    *,
    what: str = "your output",
    rtol: float = RTOL,
    atol: float = ATOL,
    shape_rule: str | None = None,
    mistakes: Iterable[Mistake] = (),
) -> None:
    """Raise AssertionError with an actionable message unless ``got`` matches ``expected``.

    ``shape_rule`` is shown with a shape mismatch, e.g. "(n - k + 2p) // s + 1 = 5";
    ``mistakes`` are checked, in order, when the shape or the values are wrong.
    """
    expected = np.asarray(expected)
    if not isinstance(got, np.ndarray) or type(got) is not np.ndarray:
        raise AssertionError(f"{what} should be a numpy array (np.ndarray), got {_type_name(got)}")
    if not (np.issubdtype(got.dtype, np.number) or got.dtype == np.bool_):
        raise AssertionError(f"{what} should hold numbers, got dtype {got.dtype}")
    if np.issubdtype(expected.dtype, np.floating) and not np.issubdtype(got.dtype, np.floating):
        raise AssertionError(
            f"{what} should be a float array (float64), got dtype {got.dtype}; "
            "convert with .astype(np.float64) or compute in floats"
        )
    if got.shape != expected.shape:
        rule = f"; the size rule gives {shape_rule}" if shape_rule else ""
        message = f"{what} has shape {got.shape}, expected {expected.shape}{rule}"
        _fail([message], got, mistakes, rtol, atol)
    close = np.isclose(got, expected, rtol=rtol, atol=atol, equal_nan=True)
    if close.all():
        return
    first = tuple(int(i) for i in np.argwhere(~close)[0])
    diff = np.abs(got.astype(np.float64) - expected.astype(np.float64))
    finite = np.isfinite(diff)
    max_abs = diff[finite].max() if finite.any() else np.inf
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = diff / np.abs(expected)
    rel_ok = np.isfinite(rel)
    max_rel = rel[rel_ok].max() if rel_ok.any() else np.inf
    lines = [
        f"{what} differs from the expected values at {int((~close).sum())} of "
        f"{close.size} positions; first at index {first}: got {got[first].item()!r}, "
        f"expected {expected[first].item()!r}",
        f"max absolute error {max_abs:.3g}, max relative error {max_rel:.3g} "
        f"(tolerance rtol={rtol:g}, atol={atol:g})",
    ]
    if not np.isfinite(got).all():
        lines.append(f"your output contains {int((~np.isfinite(got)).sum())} NaN/inf values")
    lines.append(_side_by_side(got, expected, first))
    _fail(lines, got, mistakes, rtol, atol)


def _side_by_side(got: np.ndarray, expected: np.ndarray, at: tuple[int, ...]) -> str:
    """A small window of both arrays around index ``at`` (last two axes), printed together."""
    if got.ndim == 0:
        return f"got {got!r}, expected {expected!r}"
    lead, rows_cols = at[:-2], at[-2:]
    if got.ndim == 1:
        lead, rows_cols = (), at
    window = []
    for axis_index, i in enumerate(rows_cols):
        size = got.shape[len(lead) + axis_index]
        start = max(0, min(i - SLICE // 2, size - SLICE))
        window.append(slice(start, start + SLICE))
    index = lead + tuple(window)
    where = f" at leading index {lead}" if lead else ""
    spans = ", ".join(f"{s.start}:{s.stop}" for s in window)
    with np.printoptions(precision=4, suppress=True):
        return (
            f"slice [{spans}]{where}:\n"
            f"  yours:\n{_indent(got[index])}\n  expected:\n{_indent(expected[index])}"
        )


def _indent(arr: np.ndarray) -> str:
    return "\n".join("    " + line for line in str(arr).splitlines())


def check_scalar(
    got,
    expected: float,
    *,
    what: str = "your output",
    rtol: float = RTOL,
    atol: float = ATOL,
    mistakes: Iterable[Mistake] = (),
) -> None:
    """Like :func:`check_array` for a single number (Python or numpy scalar)."""
    if isinstance(got, np.ndarray) and got.shape == ():
        got = got[()]
    if isinstance(got, bool) or not isinstance(got, numbers.Real):
        raise AssertionError(f"{what} should be a single number, got {_type_name(got)}")
    if not np.isclose(float(got), expected, rtol=rtol, atol=atol):
        message = (
            f"{what} is {float(got)!r}, expected {expected!r} "
            f"(absolute error {abs(float(got) - expected):.3g})"
        )
        _fail([message], got, mistakes, rtol, atol)


def _copy(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_copy(v) for v in value)
    return value


def _same(before: Any, after: Any) -> bool:
    if isinstance(before, np.ndarray):
        return (
            isinstance(after, np.ndarray)
            and after.shape == before.shape
            and bool(np.array_equal(after, before, equal_nan=True))
        )
    if isinstance(before, dict):
        return isinstance(after, dict) and all(_same(v, after.get(k)) for k, v in before.items())
    if isinstance(before, list | tuple):
        return len(before) == len(after) and all(map(_same, before, after))
    return True  # numbers, strings, functions: cannot be changed in place


def check_inputs_unchanged(impl, name: str, *args: Any, names: Iterable[str] = (), **kwargs: Any):
    """Call ``impl.<name>(*args, **kwargs)``; fail if it wrote into an input; return its result.

    Uses ``impl.with_inputs``, which reports the inputs as the call left them, in-process
    and through the grader's worker alike. ``names`` label the positional arguments.
    """
    before_args, before_kwargs = _copy(args), _copy(kwargs)
    result, after_args, after_kwargs = impl.with_inputs(name)(*args, **kwargs)
    labels = list(names)
    for i, (before, after) in enumerate(zip(before_args, after_args, strict=True)):
        if not _same(before, after):
            label = labels[i] if i < len(labels) else f"argument {i + 1}"
            raise AssertionError(
                f"{name} modified its input {label} in place; never write into an input "
                "(build a new array, e.g. with np.zeros_like, or work on x.copy())"
            )
    for key, before in before_kwargs.items():
        if not _same(before, after_kwargs.get(key)):
            raise AssertionError(f"{name} modified its input {key} in place; never write into it")
    return result
