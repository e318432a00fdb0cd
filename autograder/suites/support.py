"""What the hidden suites and their mistake catalogues share (trusted side only).

One copy each of: THE deterministic hypothesis profile of the hidden suites
(:data:`DETERMINISTIC`) and :func:`run_search`; seeded inputs (:func:`seeded_rngs`,
:func:`small_ints`, :func:`distinct`); fresh copies for the submission (:func:`fresh`) and
the inputs-unchanged checks (:func:`check_unchanged`, :func:`call_unchanged`,
:func:`modified`); :func:`check_int`; :func:`quiet` for mistakes that overflow; and the
grader's own numerical gradient (:func:`finite_differences`).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from hypothesis import HealthCheck, Phase, Verbosity, settings

from deepgrade.evidence import Mistake, attach, evidence_of, finding
from deepgrade.feedback import IN_PLACE

# ---------------------------------------------------------------- hypothesis


def deterministic(max_examples: int = 15) -> settings:
    """THE deterministic profile of the hidden suites: every hypothesis search in them runs
    under it (:data:`DETERMINISTIC`, 15 examples), so a submission gets the same examples,
    and so the same grade, on every run.

    A suite imports it under the name its searches are decorated with (``FAST`` or
    ``SEARCH``): hypothesis seeds a derandomized search from its source, and for a search
    nested in a test that source includes the decorator lines, so a new name would change
    the hidden examples.

    Derandomized, no example database, no deadline; quiet and without a blob (the examples
    tried are hidden inputs: no falsifying example reaches the student's message); no
    shrinking (a failing submission would pay for many extra calls) and one bug reported;
    every health check suppressed (the worker's calls are slow by design).
    """
    return settings(
        derandomize=True,
        database=None,
        deadline=None,
        max_examples=max_examples,
        verbosity=Verbosity.quiet,
        phases=[Phase.explicit, Phase.generate],
        print_blob=False,
        report_multiple_bugs=False,
        suppress_health_check=list(HealthCheck),
    )


DETERMINISTIC = deterministic()


def _without_local_constants() -> None:
    """Make hypothesis draw no examples from the literals of the modules loaded here.

    Hypothesis (since 6.131) mixes into its examples the constants found in the source of
    every *local* module loaded in the process. When grading, that would make the hidden
    examples depend on what the grading process happens to have imported: the submission's
    own modules in-process (a student could steer the examples, and in-process and worker
    grading would differ), other suites, the caller's modules. Hypothesis has no setting for
    it; the pinned version's provider reads them through one function, replaced here by
    one that returns none (devtests/test_hidden_suites.py checks it still takes effect).
    """
    from hypothesis.internal.conjecture import providers

    none = providers.Constants()
    providers._get_local_constants = lambda: none


_without_local_constants()


def run_search(search) -> None:
    """Run a hypothesis search; its failure shows the check's message, not the example
    (hypothesis adds the falsifying example, a hidden input, as a note)."""
    try:
        search()
    except Exception as err:
        if getattr(err, "__notes__", None):
            err.__notes__ = []
        raise


class Cases:
    """Several inputs in one check: all of them run, and the check fails with the first
    failure, carrying the evidence of every failure (so an input on which two catalogued
    mistakes look alike, or on which the submission raises, does not hide what the other
    inputs show)."""

    def __init__(self) -> None:
        self.failures: list[Exception] = []

    def check(self, fn, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except Exception as err:  # the submission's own errors too: the other inputs still run
            self.failures.append(err)
            return None

    def done(self) -> None:
        if self.failures:
            first, *others = self.failures
            raise attach(first, *(item for other in others for item in evidence_of(other)))


# ---------------------------------------------------------------- seeded inputs


def seeded_rngs(suite_seed: int) -> Callable[..., np.random.Generator]:
    """A suite's ``rng_for(*key)``: the generator seeded by ``[suite_seed, *key]``."""

    def rng_for(*key: int) -> np.random.Generator:
        return np.random.default_rng([suite_seed, *key])

    return rng_for


def small_ints(rng: np.random.Generator, shape, low: int = -4, high: int = 5) -> np.ndarray:
    """Float64 values low..high-1 (-4..4 by default): flips, transposes and shifts all give
    different numbers."""
    return rng.integers(low, high, size=shape).astype(np.float64)


def distinct(rng: np.random.Generator, shape) -> np.ndarray:
    """Float64 values that are all different (no ties): different windows, different maxima."""
    n = int(np.prod(shape))
    return (rng.permutation(n) - n // 2).reshape(shape).astype(np.float64)


# ---------------------------------------------------------------- inputs left unchanged


def fresh(*values):
    """A copy of the arrays in a value (a tuple, list or dict of them, or one), or a tuple
    of the copies of several values: the submission gets its own, so a call that modifies
    its inputs cannot change what the expected values are computed from (the same
    in-process as through the worker, which always gets copies)."""
    if len(values) != 1:
        return tuple(fresh(v) for v in values)
    (value,) = values
    if isinstance(value, dict):
        return {k: fresh(v) for k, v in value.items()}
    if isinstance(value, tuple | list):
        return type(value)(fresh(v) for v in value)
    return value.copy() if isinstance(value, np.ndarray) else value


def modified(now, original, *, equal_nan: bool = False) -> bool:
    """Whether an argument as the call left it (``now``) differs from the original array
    in shape or values."""
    now = np.asarray(now)
    return now.shape != original.shape or not np.array_equal(now, original, equal_nan=equal_nan)


def check_unchanged(after, before, names, fn: str, hint: str = "") -> None:
    """Fail (without showing the inputs) if the call changed an array argument."""
    for name, mine, original in zip(names, after, before, strict=True):
        original = np.asarray(original)
        if modified(mine, original, equal_nan=True):
            raise finding(
                IN_PLACE,
                f"{fn} modified its input {name} in place (shape {original.shape}){hint}; "
                f"compute new arrays and leave {name} as it was",
            )


def call_unchanged(impl, name: str, names: tuple[str, ...], what: str, *args, advice: str,
                   **kwargs):  # fmt: skip
    """Call impl.<name> on fresh copies of the arrays in ``args`` (the rest of ``args`` and
    ``kwargs`` as they are); fail, naming the input and giving ``advice``, if it changed
    one of them in place."""
    copies = [a.copy() if isinstance(a, np.ndarray) else a for a in args]
    got, after, _ = impl.with_inputs(name)(*copies, **kwargs)
    for arg_name, original, now in zip(names, args, after, strict=False):
        if not isinstance(original, np.ndarray):
            continue
        same = (
            isinstance(now, np.ndarray)
            and now.shape == original.shape
            and np.array_equal(now, original)
        )
        if not same:
            raise finding(
                IN_PLACE, f"{name} modified its input {arg_name} in place ({what}): {advice}"
            )
    return got


# ---------------------------------------------------------------- results


def check_int(got, what: str) -> None:
    """Fail unless ``got`` is an int (a numpy integer will do, a bool will not)."""
    assert isinstance(got, int | np.integer) and not isinstance(got, bool), (
        f"{what} should return an int, got {type(got).__name__} {got!r}"
    )


# ---------------------------------------------------------------- trusted computations


def quiet(fn):
    """fn() with numpy's overflow / 0-by-0 warnings silenced (mistakes do overflow)."""

    def run():
        with np.errstate(all="ignore"):
            return fn()

    return run


def finite_differences(f: Callable[[np.ndarray], float], x, eps: float = 1e-6, *,
                       kind: str = "centred", restore: bool = True) -> np.ndarray:  # fmt: skip
    """The grader's own numerical gradient of a scalar function f at x: centred differences
    by default; ``kind="forward"`` / ``"backward"`` and ``restore=False`` (x[i] not set
    back after its evaluations) are the catalogued mistakes' variants."""
    point = np.array(x, dtype=np.float64)
    grad = np.zeros_like(point)
    f0 = None if kind == "centred" else float(f(point.copy()))
    for i in np.ndindex(point.shape):
        old = point[i]
        if kind == "forward":
            point[i] = old + eps
            grad[i] = (float(f(point)) - f0) / eps
        elif kind == "backward":
            point[i] = old - eps
            grad[i] = (f0 - float(f(point))) / eps
        else:
            point[i] = old + eps
            plus = float(f(point))
            point[i] = old - eps
            minus = float(f(point))
            grad[i] = (plus - minus) / (2 * eps)
        if restore:
            point[i] = old
    return grad


def _trunc(value: float) -> int:
    """int(q) + 1 of a size rule as ``rounding(1 + q)``: q truncated towards 0."""
    return math.trunc(value - 1) + 1


def size_rule_mistakes(
    right_output: Callable[[], np.ndarray],
    axes: tuple[int, int],
    n: tuple[int, int],
    k: tuple[int, int],
    pads: tuple[int, int],
    s: tuple[int, int],
    *,
    window: str = "kernel",
    channels: int | None = None,
) -> list[Mistake]:
    """Size rules real students get wrong, as shape-only mistakes: an output height or
    width computed with the other axis's image size, window or stride (a square assumed),
    the width set to the height, or (n + p - k) / s rounded up instead of floored.

    ``right_output()`` is the expected output (none on inputs where it raises ValueError);
    ``axes`` are its height and width axes; ``n``, ``k``, ``pads`` (each axis's
    total padding) and ``s`` are (height, width) pairs; ``channels``, the input's channel
    count, adds a size computed with it in place of the image's. A variant that gives the expected
    shape on these inputs is left out (it is not this mistake's input)."""
    try:
        expected_shape = right_output().shape
    except ValueError:  # no output on these inputs
        return []
    names = ("height", "width")

    def shape(sizes) -> tuple[int, ...]:
        out = list(expected_shape)
        for axis, size in zip(axes, sizes, strict=True):
            out[axis] = int(size)
        return tuple(out)

    def rule(a, n_=None, k_=None, s_=None, rounding=math.floor) -> int:
        """The size along axis ``a``: ``rounding(1 + (n + p - k) / s)``, with the other
        axis's (or the channels') arguments where given."""
        n_ = n[a] if n_ is None else n_
        k_ = k[a] if k_ is None else k_
        s_ = s[a] if s_ is None else s_
        return int(rounding(1 + (n_ + pads[a] - k_) / s_))

    right = [rule(0), rule(1)]
    mistakes = []
    for a, b in ((1, 0), (0, 1)):  # the width from the height's arguments, then vice versa
        own, other = names[a], names[b]
        symbol = "W'" if a else "H'"
        square = list(right)
        square[a] = right[b]
        if square != right:
            mistakes.append(
                Mistake(
                    f"output {own} set to its {other}",
                    f"your output's {own} is its {other}, a square output assumed: "
                    f"{symbol} comes from the {own}'s own image size, {window} size and "
                    "stride",
                    lambda sizes=square: np.zeros(shape(sizes)),
                    shape_only=True,
                )
            )
        for label, value, own_value, kw in (
            (f"the {window}'s {other}", k[b], k[a], {"k_": k[b]}),
            (f"the image's {other}", n[b], n[a], {"n_": n[b]}),
            (f"the {other}'s stride", s[b], s[a], {"s_": s[b]}),
            # int((d - k) / s) + 1 truncates a negative (d - k) / s towards 0, // floors it
            *(
                [
                    ("the channel count", channels, n[a], {"n_": channels}),
                    ("the channel count", channels, n[a], {"n_": channels, "rounding": _trunc}),
                ]
                if channels
                else []
            ),
        ):
            sizes = list(right)
            sizes[a] = rule(a, **kw)
            # the same shape as the square output's is that mistake (what the output shows)
            if value == own_value or sizes in (right, square):
                continue
            mistakes.append(
                Mistake(
                    f"output {own} from the {label.removeprefix('the ')}",
                    f"your output's {own} is what the size rule gives with {label} in "
                    f"place of its {own}: {symbol} comes from the {own}'s own image size, "
                    f"{window} size and stride (no square assumed)",
                    lambda sizes=sizes: np.zeros(shape(sizes)),
                    shape_only=True,
                )
            )
    for rounding in (round, math.ceil):  # round(1 + (n + p - k) / s), or its ceil
        sizes = [rule(0, rounding=rounding), rule(1, rounding=rounding)]
        if sizes != right:
            mistakes.append(
                Mistake(
                    "output size rounded, not floored",
                    "your output's size rule rounds (n + p - k) / s up where it is not a "
                    "whole number (round or ceil); a window that would run past the edge is "
                    "dropped, so floor it: (n + p - k) // s + 1",
                    lambda sizes=sizes: np.zeros(shape(sizes)),
                    shape_only=True,
                )
            )
    return mistakes
