"""What a wrong output shows by itself, without a catalogue: generic observations.

A catalogued :class:`~deepgrade.evidence.Mistake` names a mistake only where the grader
expected it. Many other mistakes still leave a recognisable trace in the numbers: the
output is minus the expected one, or twice it, or the expected one transposed, reversed
along an axis, its values in other places, 0 where it was never filled in, right except
along the edges, or it has the right number of values in another shape. Each observation
here is *true of the output it describes* (never a guess at a cause), worded so that a
student can act on it; a failed check carries it as ``found`` evidence, so the report
shows it when no catalogued mistake is singled out.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from deepgrade.evidence import found, observed

RTOL, ATOL = 1e-6, 1e-9  # looser than a check's: an observation is about the pattern
# A pattern (a factor, a transposition...) says something only about an output with at
# least this many distinct nonzero magnitudes: any two-class gradient [a, -a] is "minus"
# any other, any single number "c times" any other.
DISTINCT = 3


def _close(a: np.ndarray, b: np.ndarray) -> bool:
    with np.errstate(all="ignore"):
        return a.shape == b.shape and bool(np.allclose(a, b, rtol=RTOL, atol=ATOL))


def _spatial(ndim: int) -> tuple[int, int] | None:
    """The height and width axes (channels-last images), or the last two axes."""
    return {2: (0, 1), 3: (0, 1), 4: (1, 2)}.get(ndim)


def _not_finite(got, expected) -> dict | None:
    bad = ~np.isfinite(got) & np.isfinite(expected)
    if bad.any():
        return observed(
            "NaN or inf",
            f"your output has NaN or inf at {int(bad.sum())} of {got.size} positions where the "
            "expected values are finite: an overflow on the way (exp of a large number?) "
            "or 0 / 0",
            claim=_counted(bad),
            general="your output has NaN or inf where the expected values are finite: an "
            "overflow on the way (exp of a large number?) or 0 / 0",
        )
    return None


def _factor(got, expected) -> float | None:
    """The c with got == c * expected (c not 0 or 1), or None."""
    norm = float(np.vdot(expected, expected))
    if norm == 0.0:
        return None
    factor = float(np.vdot(got, expected)) / norm
    if np.isclose(factor, 1.0) or np.isclose(factor, 0.0) or not _close(got, factor * expected):
        return None
    return factor


def _scaled(got, expected) -> dict | None:
    factor = _factor(got, expected)
    if factor is None:
        return None
    if np.isclose(factor, -1.0):
        return observed("sign flipped", "your output is minus the expected one: a sign is flipped")
    inverse = f" (1/{1 / factor:.4g} of it)" if abs(factor) < 1 else ""
    return observed(
        "scaled by a constant",
        f"your output is {factor:.4g} times the expected one{inverse}, at every position: a "
        "factor too many or missing (a sum or a mean, N, 2, the learning rate...)",
        claim={"factor": factor},
        general="on each of these checks your output is a constant times the expected one, "
        "but not the same constant on each: a factor that depends on the input (a sum "
        "instead of a mean over N, a size...)",
    )


def _offset(got, expected) -> float | None:
    offset = float(np.mean(got - expected))
    if np.isclose(offset, 0.0, atol=ATOL) or not _close(got, expected + offset):
        return None
    return offset


def _shifted(got, expected) -> dict | None:
    offset = _offset(got, expected)
    if offset is None:
        return None
    return observed(
        "off by a constant",
        f"every value of your output is off by the same {offset:.4g}: a term added (or left "
        "out) once for all, such as a bias or a constant",
        claim={"offset": offset},
        general="on each of these checks every value of your output is off by one amount, "
        "but not the same amount on each: a term added (or left out) whose size depends "
        "on the input (a bias counted several times?)",
    )


def _rearranged(got, expected) -> dict | None:
    spatial = _spatial(got.ndim)
    if spatial and got.shape[spatial[0]] == got.shape[spatial[1]] > 1:
        if _close(got, np.swapaxes(expected, *spatial)):
            return observed(
                "transposed",
                "your output is the expected one transposed (rows and columns swapped): an "
                "index order such as [j, i] for [i, j], or a .T too many",
            )
    if spatial and _close(got, np.flip(expected, spatial)):
        return observed(
            "rotated by 180 degrees",
            "your output is the expected one rotated by 180 degrees (both rows and columns "
            "reversed)",
        )
    for axis in range(got.ndim):
        if got.shape[axis] > 1 and _close(got, np.flip(expected, axis)):
            return observed(
                "reversed along an axis",
                f"your output is the expected one reversed along axis {axis} (its entries in "
                "the opposite order): a loop or a slice running backwards?",
                claim={"axis": axis},
                general="your output is the expected one reversed along an axis (its entries "
                "in the opposite order), not the same axis on each check: a loop or a slice "
                "running backwards?",
            )
    if got.size > 1 and _close(np.sort(got, axis=None), np.sort(expected, axis=None)):
        return observed(
            "values in the wrong places",
            "your output holds exactly the expected values, but in other places: an index "
            "or axis mix-up (the wrong axis order, a transposition or reshape)",
        )
    return None


def _unfilled(got, expected, wrong) -> dict | None:
    if expected[wrong].any() and not got[wrong].any() and got.any():
        return observed(
            "positions left at 0",
            "your output is right except at some positions, where it is 0: those entries "
            "were never computed (loop bounds, or a slice that misses them?)",
        )
    return None


def _sums(got, expected) -> dict | None:
    """Where every slice of the expected output along an axis has the same sum (softmax
    rows sum to 1), what the output's slices sum to instead."""
    for axis in range(expected.ndim if expected.ndim >= 2 else 0):
        wanted = expected.sum(axis=axis)
        if wanted.size < 2 or not np.allclose(wanted, wanted.flat[0], rtol=RTOL, atol=ATOL):
            continue
        sums = got.sum(axis=axis)
        if _close(sums, wanted):
            continue
        low, high = float(sums.min()), float(sums.max())
        mine = f"{low:.4g} everywhere" if np.isclose(low, high) else f"{low:.4g} to {high:.4g}"
        target = float(wanted.flat[0])
        advice = "check which axis is normalised, and by what"
        return observed(
            "sums along an axis",
            f"your output summed over axis {axis} gives {mine}; the expected output gives "
            f"{target:.4g} everywhere: {advice}",
            claim={"axis": axis, "low": round(low, 4), "high": round(high, 4)},
            coarser=(
                {"axis": axis},
                f"your output summed over axis {axis} does not give what the expected output "
                f"gives there (the same sum everywhere): {advice}",
            ),
            general="your output's sums along an axis differ from the expected output's "
            f"(the same sum everywhere): {advice}",
        )
    return None


def _holds_sums(got, expected, claim) -> bool:
    seen = _sums(got, expected) if got.shape == expected.shape else None
    return seen is not None and (
        claim is None or any(level["claim"] == claim for level in seen.get("levels", []))
    )


VALUE_OBSERVATIONS: tuple[Callable, ...] = (_not_finite, _scaled, _shifted, _rearranged)


def of_values(got: np.ndarray, expected: np.ndarray, wrong: np.ndarray) -> dict | None:
    """The first observation true of an output of the right shape, or None."""
    if not (np.issubdtype(got.dtype, np.number) and np.issubdtype(expected.dtype, np.number)):
        return None
    got = got.astype(np.float64)
    expected = expected.astype(np.float64)
    if not np.isfinite(expected).all():
        return None
    if np.unique(np.abs(expected[expected != 0])).size < DISTINCT:
        return _not_finite(got, expected)  # too few values for a pattern to mean anything
    with np.errstate(all="ignore"):
        for observe in VALUE_OBSERVATIONS:
            if observe is not _not_finite and not np.isfinite(got).all():
                break
            seen = observe(got, expected)
            if seen:
                return seen
        return _unfilled(got, expected, wrong) or _sums(got, expected)


def _sizes_off(got: tuple[int, ...], expected: tuple[int, ...]) -> list[list[int]]:
    """[axis, got's size minus the expected one] for the axes whose sizes differ; axes
    counted from the end (-2 is the width of an image, batched or not)."""
    rank = len(got)
    return [[a - rank, n - m] for a, (n, m) in enumerate(zip(got, expected, strict=True)) if n != m]


def of_shape(got: tuple[int, ...], expected: tuple[int, ...]) -> dict | None:
    """The observation true of an output of the wrong shape, or None."""
    if sorted(got) == sorted(expected) and len(got) > 1:
        return observed(
            "axes in another order",
            f"your output has the expected axes in another order, e.g. {got} for {expected}: a "
            "transposition, or results stacked along the wrong axis",
            general="your output has the expected axes in another order: a transposition, "
            "or results stacked along the wrong axis",
        )
    if [n for n in got if n != 1] == [n for n in expected if n != 1]:
        more = len(got) > len(expected)
        extra = "an extra axis of size 1" if more else "an axis of size 1 missing"
        return observed(
            "axis of size 1",
            f"your output has {extra}, e.g. {got} for {expected}: keepdims=True, [:, None] or a "
            "reshape too many, or a squeeze too many",
            claim={"extra": more},
            general="your output has an axis of size 1 too many or missing: keepdims=True, "
            "[:, None] or a reshape too many, or a squeeze too many",
        )
    if int(np.prod(got)) == int(np.prod(expected)):
        return observed(
            "the right values count in another shape",
            f"your output has the right number of values ({int(np.prod(got))}) in another "
            f"shape, e.g. {got} for {expected}",
            general="your output has the right number of values in another shape",
        )
    if len(got) == len(expected):
        pairs = enumerate(zip(got, expected, strict=True))
        empty = [a - len(got) for a, (n, m) in pairs if n == 0 < m]
        if empty:
            return observed(
                "empty along an axis",
                f"your output is empty (size 0) along axis {' and '.join(map(str, empty))}, "
                f"e.g. {got} for {expected}: a slice such as x[p:-p] is empty when p is 0 "
                "(-0 is 0): write x[p:p + n], or x[p:x.shape[axis] - p]",
                claim={"empty": empty},
                general="your output is empty (size 0) along an axis: a slice such as "
                "x[p:-p] is empty when p is 0 (-0 is 0): write x[p:p + n]",
            )
        off = _sizes_off(got, expected)
        longer = [a for a, d in off if d > 0]
        shorter = [a for a, d in off if d < 0]
        sizes = ", ".join(
            f"{abs(d)} too {'long' if d > 0 else 'short'} along axis {a}" for a, d in off
        )
        sizes = sizes.replace("1 too", "one too")
        causes = (
            "check the size rule and each loop bound, and that each size is computed from its "
            "own argument (the kernel's width for the output's width, each element of a "
            "stride pair for its own axis)"
        )
        return observed(
            "wrong size along an axis",
            f"your output is {sizes}, e.g. {got} for {expected}: {causes}",
            claim={"off": off},
            coarser=(
                {"longer": longer, "shorter": shorter},
                f"your output is {_axes_words(longer, shorter)} on each of these checks, by "
                f"an amount that differs from check to check: {causes}",
            ),
            general=f"your output's size is wrong along some axes: {causes}",
        )
    return None


def _axes_words(longer: list[int], shorter: list[int]) -> str:
    parts = [f"too long along axis {' and '.join(map(str, longer))}"] if longer else []
    parts += [f"too short along axis {' and '.join(map(str, shorter))}"] if shorter else []
    return " and ".join(parts)


def _holds_shape(name: str) -> Callable:
    def holds(got: np.ndarray, expected: np.ndarray, claim: dict | None) -> bool:
        seen = of_shape(got.shape, expected.shape)
        if not seen or seen["name"] != name:
            return False
        levels = seen.get("levels", [{"claim": None}])
        return claim is None or any(level["claim"] == claim for level in levels)

    return holds


def _holds_finite(got, expected, claim) -> bool:
    bad = ~np.isfinite(got) & np.isfinite(expected) if got.shape == expected.shape else None
    return bad is not None and bool(bad.any()) and (claim is None or claim == _counted(bad))


def _counted(positions: np.ndarray) -> dict:
    return {"count": int(positions.sum()), "size": int(positions.size)}


def _holds_swap(got, expected, claim) -> bool:
    spatial = _spatial(got.ndim)
    return bool(spatial) and _close(got, np.swapaxes(expected, *spatial))


def _holds_reversed(got, expected, claim) -> bool:
    axes = [claim["axis"]] if claim else range(got.ndim)
    return any(got.shape[a] > 1 and _close(got, np.flip(expected, a)) for a in axes)


def _holds_factor(got, expected, claim) -> bool:
    factor = _factor(got, expected)
    return factor is not None and (claim is None or bool(np.isclose(factor, claim["factor"])))


def _holds_offset(got, expected, claim) -> bool:
    offset = _offset(got, expected)
    return offset is not None and (claim is None or bool(np.isclose(offset, claim["offset"])))


def _holds_unfilled(got, expected, claim) -> bool:
    if got.shape != expected.shape or not got.any():
        return False
    wrong = ~np.isclose(got, expected, rtol=RTOL, atol=ATOL)
    return bool(expected[wrong].any() and not got[wrong].any())


# What each observation claims, as a predicate on an output and the expected one (with the
# headline's parameters, or None for the pattern alone): a headline drawn from observations
# can be re-checked against every check it is drawn from.
CLAIMS: dict[str, Callable[[np.ndarray, np.ndarray, dict | None], bool]] = {
    "NaN or inf": _holds_finite,
    "sign flipped": lambda got, expected, claim: _close(got, -expected),
    "scaled by a constant": _holds_factor,
    "off by a constant": _holds_offset,
    "transposed": _holds_swap,
    "rotated by 180 degrees": lambda g, e, c: (
        bool(_spatial(g.ndim)) and _close(g, np.flip(e, _spatial(g.ndim)))
    ),
    "reversed along an axis": _holds_reversed,
    "values in the wrong places": lambda g, e, c: (
        g.shape == e.shape and _close(np.sort(g, axis=None), np.sort(e, axis=None))
    ),
    "positions left at 0": _holds_unfilled,
    "sums along an axis": _holds_sums,
    **{
        name: _holds_shape(name)
        for name in (
            "axes in another order",
            "axis of size 1",
            "the right values count in another shape",
            "empty along an axis",
            "wrong size along an axis",
        )
    },
}


def holds(name: str, claim: dict | None, got, expected) -> bool:
    """Whether the observation ``name`` (with ``claim``'s parameters) is true of ``got``."""
    got = np.asarray(got, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    with np.errstate(all="ignore"):
        return CLAIMS[name](got, expected, claim)


def float32_values(got: np.ndarray, expected: np.ndarray) -> dict | None:
    """Float64 values that all hold float32 numbers (and are off by about 1e-7)."""
    if not (np.issubdtype(got.dtype, np.floating) and np.isfinite(got).all()):
        return None
    with np.errstate(all="ignore"):
        rounded = got.astype(np.float32).astype(np.float64)
        exact = np.array_equal(rounded, got) and not np.array_equal(
            expected.astype(np.float32).astype(np.float64), expected
        )
        if exact and np.allclose(got, expected, rtol=1e-4, atol=1e-6):
            return found(
                "float32 arithmetic",
                "your values agree with the expected ones to about 7 digits only, the "
                "precision of float32: compute in float64 (np.float64 arrays; no "
                ".astype(np.float32) or dtype=np.float32 on the way)",
            )
    return None


def of_number(got: float, expected: float) -> dict | None:
    """The observation true of a wrong single number, or None (a ratio between two single
    numbers would be a coincidence as often as not: only NaN/inf is said)."""
    if not np.isfinite(got) and np.isfinite(expected):
        return observed("NaN or inf", f"your value is {got}: an overflow or 0 / 0 on the way")
    return None
