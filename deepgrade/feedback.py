"""Comparisons that explain themselves: type first, then shape, then values.

Every public and hidden check of an array goes through :func:`check_array`, so a student
always reads the same kind of message: what type or shape was expected, where the values
first differ, how large the error is, and a small slice of both arrays side by side (short
enough that the ``expected`` half survives the report's line limit). A failed check also
carries *evidence* (:mod:`deepgrade.evidence`): which catalogued :class:`Mistake` reproduce
the output; the report names the one mistake the evidence of all checks singles out.

A check tests the type and shape of a result (:func:`expect_array`, :func:`expect_items`)
before it computes anything with it, so a wrong result is reported as such, never as the
test's own crash.
"""

from __future__ import annotations

import numbers
import warnings
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from deepgrade.evidence import (
    Mistake,
    as_numbers,
    attach,
    compared,
    evidence_of,
    finding,
    fingerprint,
    joined,
    observed,
)
from deepgrade.fingerprints import fingerprinted
from deepgrade.hints import place_of, warning_cause
from deepgrade.observations import float32_values, of_number, of_shape, of_values

__all__ = [
    "RTOL",
    "ATOL",
    "Mistake",
    "check_array",
    "check_scalar",
    "check_pair",
    "check_inputs_unchanged",
    "call_without_warnings",
    "expect_array",
    "expect_items",
]

# float64 conventions, written once: relative error for normal values, absolute near zero.
RTOL = 1e-7
ATOL = 1e-9
SLICE = 3  # at most SLICE x SLICE values of each side are shown around a mismatch
LOW_PRECISION = (np.float16, np.float32)


def _type_name(value) -> str:
    if isinstance(value, np.ndarray):
        return f"numpy array of dtype {value.dtype}"
    return type(value).__name__


def expect_array(got, *, what: str = "your output", shape: tuple | None = None) -> np.ndarray:
    """``got`` if it is a numeric numpy array (of ``shape``, when given); else fail saying
    what it is. Call it before computing anything with a result."""
    __tracebackhide__ = True  # pytest shows the student's line, not the kit's
    if type(got) is not np.ndarray:
        raise AssertionError(f"{what} should be a numpy array (np.ndarray), got {_type_name(got)}")
    if not (np.issubdtype(got.dtype, np.number) or got.dtype == np.bool_):
        raise AssertionError(f"{what} should hold numbers, got dtype {got.dtype}")
    if shape is not None and got.shape != tuple(shape):
        raise AssertionError(f"{what} has shape {got.shape}, expected {tuple(shape)}")
    return got


def expect_items(got, count: int, *, what: str = "your output", kind: str = "a tuple") -> tuple:
    """``got`` as a tuple if it is a tuple or list of ``count`` items; else fail."""
    __tracebackhide__ = True  # pytest shows the student's line, not the kit's
    if not isinstance(got, tuple | list) or len(got) != count:
        size = f" of {len(got)}" if isinstance(got, tuple | list) else ""
        raise AssertionError(
            f"{what} should return {kind} of {count} values, got {type(got).__name__}{size}"
        )
    return tuple(got)


def _number(value, other) -> str:
    """``value`` with as many digits as it takes to tell it from ``other`` (at least 6)."""
    if isinstance(value, bool | np.bool_ | numbers.Integral) or not np.isfinite(value):
        return repr(value.item() if isinstance(value, np.generic) else value)
    value, other = float(value), float(other)
    text = repr(value)
    for digits in range(6, 18):
        if f"{value:.{digits}g}" != f"{other:.{digits}g}":
            text = f"{value:.{digits}g}"
            break
    return text if any(c in text for c in ".en") else text + ".0"  # 9.0, not 9


def _fail(lines: list[str], got, expected, mistakes, rtol, atol, what: str, seen=None):
    """Raise the message, with the evidence: what the catalogued mistakes would give (here,
    and in a release's fingerprints of them on the public inputs), and what the output shows
    by itself (``seen``; an empty observation when nothing: a headline drawn from other
    comparisons then says on how many it holds)."""
    __tracebackhide__ = True  # pytest shows the student's line, not the kit's
    key = fingerprint(what, as_numbers(expected), as_numbers(got))  # compared()'s too
    evidence = compared(got, expected, mistakes, rtol, atol, what)
    known = fingerprinted(what, expected, got)  # a release's catalogue, on public inputs
    if known:  # one comparison, one input: never two votes
        known["input"] = key
    shown = {**(seen or observed("", "")), "input": key}
    raise attach(AssertionError("\n".join(lines)), joined(evidence, known), shown)


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
    ``mistakes`` are tried when the shape or the values are wrong, and the error carries
    which of them reproduce ``got`` (its evidence).
    """
    __tracebackhide__ = True  # pytest shows the student's line, not the kit's
    expected = np.asarray(expected)
    expect_array(got, what=what)
    mistakes = list(mistakes)
    if np.issubdtype(expected.dtype, np.floating):
        if not np.issubdtype(got.dtype, np.floating):
            raise AssertionError(
                f"{what} should be a float array (float64), got dtype {got.dtype}; "
                "convert with .astype(np.float64) or compute in floats"
            )
        if got.dtype in LOW_PRECISION and expected.dtype == np.float64:
            raise finding(
                "float32 arithmetic",
                f"{what} has dtype {got.dtype}; the exercises compute in float64 (keep "
                "np.float64 arrays; no dtype=np.float32 or .astype(np.float32))",
            )
    if got.shape != expected.shape:
        rule = f"; the size rule gives {shape_rule}" if shape_rule else ""
        message = f"{what} has shape {got.shape}, expected {expected.shape}{rule}"
        _fail(
            [message],
            got,
            expected,
            mistakes,
            rtol,
            atol,
            what,
            of_shape(got.shape, expected.shape),
        )
    with np.errstate(invalid="ignore"):
        close = np.isclose(got, expected, rtol=rtol, atol=atol, equal_nan=True)
    if close.all():
        return
    lines = _value_lines(got, expected, close, what, rtol, atol)
    if expected.size > 1 and expected.any():  # tried on every output: ruled out where not 0
        mistakes.append(only_zeros(expected.shape))
    seen = float32_values(got, expected) or of_values(got, expected, ~close)
    _fail(lines, got, expected, mistakes, rtol, atol, what, seen)


def only_zeros(shape: tuple) -> Mistake:
    """An unfinished function: the np.zeros result it started from, never filled in."""
    return Mistake(
        "only zeros",
        "your output is all zeros where the expected values are not: is the result ever "
        "filled in (an np.zeros array returned as it was created?)",
        lambda: np.zeros(shape),
    )


def _value_lines(got, expected, close, what, rtol, atol) -> list[str]:
    """Where the values first differ, by how much, and a slice of both arrays."""
    wrong = ~close
    first = tuple(int(i) for i in np.argwhere(wrong)[0])
    with np.errstate(all="ignore"):
        diff = np.abs(got.astype(np.float64) - expected.astype(np.float64))[wrong]
        rel = diff / np.abs(expected.astype(np.float64))[wrong]
    finite = np.isfinite(diff)
    lines = [
        f"{what} differs from the expected values at {int(wrong.sum())} of {close.size} "
        f"positions; first at index {first}: got {_number(got[first], expected[first])}, "
        f"expected {_number(expected[first], got[first])}"
    ]
    bad = int((~np.isfinite(got)).sum()) if np.issubdtype(got.dtype, np.floating) else 0
    nan = f"; {bad} of your values are NaN or inf" if bad else ""
    if finite.any():
        max_rel = rel[np.isfinite(rel)].max() if np.isfinite(rel).any() else np.inf
        lines.append(
            f"max absolute error {diff[finite].max():.3g}, max relative error {max_rel:.3g} "
            f"(tolerance rtol={rtol:g}, atol={atol:g}){nan}"
        )
    else:
        lines.append(f"every mismatch is a NaN or inf{nan}")
    if got.ndim:
        lines += _side_by_side(got, expected, first)
    return lines


def _window(shape: tuple[int, ...], at: tuple[int, ...]) -> tuple:
    """The index of a small window around ``at``: over height and width of one channel for
    (H, W, d) and (N, H, W, d), over the last two axes otherwise."""
    ndim = len(shape)
    axes = {1: (0,), 2: (0, 1), 3: (0, 1), 4: (1, 2)}.get(ndim, (ndim - 2, ndim - 1))
    index: list = list(at)
    for axis in axes:
        start = max(0, min(at[axis] - SLICE // 2, shape[axis] - SLICE))
        index[axis] = slice(start, start + SLICE)
    return tuple(index)


def _side_by_side(got: np.ndarray, expected: np.ndarray, at: tuple[int, ...]) -> list[str]:
    """A header and at most SLICE lines: your values on the left, the expected on the right."""
    index = _window(got.shape, at)
    label = ", ".join(
        f"{i.start}:{min(i.stop, n)}" if isinstance(i, slice) else str(i)
        for i, n in zip(index, got.shape, strict=True)
    )
    with np.printoptions(precision=4, suppress=True, linewidth=1000):
        mine = str(got[index]).splitlines()
        theirs = str(expected[index]).splitlines()
    width = max(len(line) for line in mine)
    rows = [f"  {a.ljust(width)}  |  {b}" for a, b in zip(mine, theirs, strict=True)]
    return [f"slice [{label}], yours | expected:", *rows]


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
    __tracebackhide__ = True  # pytest shows the student's line, not the kit's
    if isinstance(got, np.ndarray) and got.shape == ():
        got = got[()]
    if isinstance(got, np.ndarray) and got.ndim and got.size and got.dtype.kind in "iuf":
        raise _array_for_a_number(got, expected, what)
    if isinstance(got, bool | np.bool_) or not isinstance(got, numbers.Real):
        raise AssertionError(f"{what} should be a single number, got {_type_name(got)}")
    if not np.isclose(float(got), expected, rtol=rtol, atol=atol):
        message = (
            f"{what} is {_number(got, expected)}, expected {_number(expected, float(got))}"
            f" (absolute error {abs(float(got) - expected):.3g})"
        )
        seen = of_number(float(got), float(expected))
        _fail([message], got, expected, mistakes, rtol, atol, what, seen)


def _array_for_a_number(got: np.ndarray, expected: float, what: str) -> AssertionError:
    """The finding for an array where a single number is expected (a loss of shape (C, C))."""
    with np.errstate(all="ignore"):
        alike = bool(np.allclose(got, expected, rtol=RTOL, atol=ATOL))
    if got.size == 1:
        values = "take the number out of it (float(x)), or drop a keepdims=True"
    elif alike:
        values = (
            f"every value is the expected {expected:.6g}: one "
            "reduction too few or a broadcast too many (keepdims=True, a product with "
            "np.ones, a missing sum)"
        )
    else:
        values = "reduce it to one number (a sum or a mean over every axis)"
    return finding(
        "an array for a single number",
        f"{what} should be a single number, got an array of shape {got.shape}: {values}",
    )


def check_pair(got, expected: tuple[int, int], *, what: str, mistakes: Iterable[Mistake] = ()):
    """Like :func:`check_scalar` for a (before, after) pair of ints, as same_padding returns.

    The docstring promises ints, so whole-number floats (2.0) fail here, in same_padding's
    own checks, rather than later in conv2d or conv_layer.
    """
    __tracebackhide__ = True  # pytest shows the student's line, not the kit's
    if not isinstance(got, tuple) or len(got) != 2:
        raise AssertionError(f"{what} should return a tuple (before, after), got {got!r}")
    if not all(isinstance(v, int | np.integer) and not isinstance(v, bool) for v in got):
        kinds = ", ".join(type(v).__name__ for v in got)
        raise AssertionError(
            f"{what} should return two ints, got {kinds} ({got!r}); np.pad and slicing need "
            "ints: use // and int(...), not / or math.ceil on floats"
        )
    values = tuple(int(v) for v in got)
    if values != tuple(expected):
        message = f"{what} is {values}, expected {tuple(expected)}"
        _fail([message], values, expected, mistakes, RTOL, ATOL, what, observed("", ""))


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


IN_PLACE = "input modified in place"  # the name of the finding of every inputs-unchanged check


def check_inputs_unchanged(impl, name: str, *args: Any, names: Iterable[str] = (), **kwargs: Any):
    """Call ``impl.<name>(*args, **kwargs)``; fail if it wrote into an input; return its result.

    Uses ``impl.with_inputs``, which reports the inputs as the call left them, in-process
    and through the grader's worker alike. ``names`` label the positional arguments.
    """
    __tracebackhide__ = True  # pytest shows the student's line, not the kit's
    before_args, before_kwargs = _copy(args), _copy(kwargs)
    result, after_args, after_kwargs = impl.with_inputs(name)(*args, **kwargs)
    labels = list(names)
    for i, (before, after) in enumerate(zip(before_args, after_args, strict=True)):
        if not _same(before, after):
            label = labels[i] if i < len(labels) else f"argument {i + 1}"
            raise finding(
                IN_PLACE,
                f"{name} modified its input {label} in place; never write into an input "
                "(build a new array, e.g. with np.zeros_like, or work on x.copy())",
            )
    for key, before in before_kwargs.items():
        if not _same(before, after_kwargs.get(key)):
            raise finding(
                IN_PLACE, f"{name} modified its input {key} in place; never write into it"
            )
    return result


NO_OVERFLOW = (
    "compute it without overflow: exp only of numbers <= 0, e.g. exp(-|x|), or subtract the "
    "maximum first"
)


def call_without_warnings(
    function: Callable,
    *args: Any,
    what: str,
    advice: str = NO_OVERFLOW,
    check: Callable[[Any], Any] | None = None,
    **kwargs: Any,
) -> Any:
    """``function(*args, **kwargs)``; fail if it raised a warning (numpy's overflow in exp,
    0/0...). The grader's worker raises the warnings of a call again on the grader's side,
    so the check says the same in-process and through the worker.

    ``check`` (the values' own checks, called on the result) runs first: wrong values fail
    as values, with their evidence and the warning's, so what the output shows can name the
    mistake; right values with a warning fail as the warning.
    """
    __tracebackhide__ = True  # pytest shows the student's line, not the kit's
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = function(*args, **kwargs)
    warned = said = None
    if caught:
        first = caught[0]
        cause = warning_cause(str(first.message)) or advice  # where it comes from decides
        place = place_of(first.message)
        said = (
            f"a warning ({first.category.__name__}: {first.message})"
            + (f" at {place}" if place else "")
            + f"; the docstring asks for none: {cause}"
        )
        warned = finding("numpy warning", f"{what} raised {said}")
    if check is not None:
        try:
            check(result)
        except AssertionError as wrong:
            if warned is None:
                raise
            message = f"{wrong}\n(it also raised {said})"
            raise attach(
                AssertionError(message), *evidence_of(wrong), *evidence_of(warned)
            ) from None
    if warned is not None:
        raise warned
    return result
