"""What failed checks found out about a submission's mistake, and the one name it gets.

A check that fails raises an ``AssertionError`` carrying *evidence* (plain dicts, so they
travel in test records and reports):

- ``compared``: the output of one input against every catalogued :class:`Mistake` that can
  be produced on that input: which ones reproduce it (``matched``) and which do not
  (``ruled_out``);
- ``found``: something a check observed directly (an input written in place, a numpy
  warning, float32 values), not inferred from the numbers;
- ``observed``: what a wrong output shows by itself (minus the expected one, transposed...,
  see :mod:`deepgrade.observations`): true, but less specific than a check's finding.

:func:`likely_mistake` turns the evidence of an exercise's failed checks into the single
line a student reads first. A catalogued mistake is named only when the evidence singles it
out: it reproduces the output on at least :data:`MIN_INPUTS` different inputs, no other
catalogued mistake reproduces those outputs too, and it is not ruled out by any failed
input on which it was tried. One input is enough when its comparison is *decisive*: a
release's fingerprint of a public check where the mistake's output differs from the
expected one in several values that are no simple numbers (an exact match of 0.4581453 is
no coincidence, where a size of 4 for 5 may well be: see
:func:`deepgrade.fingerprints.decisive`). A wrong name is worse than none.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

EVIDENCE = "deepgrade_evidence"  # the attribute of a failed check's AssertionError
MIN_INPUTS = 2  # different inputs on which a catalogued mistake must reproduce the output


@dataclass(frozen=True)
class Mistake:
    """A known mistake: what it is called, what to tell the student, what it would output.

    ``output`` computes, on the trusted side and for the same inputs, what code with this
    mistake returns (usually the reference called on altered inputs); it may raise when the
    mistake cannot be produced on these inputs (then it neither matches nor is ruled out).
    The explanation describes what the checked value shows, in words a student can act on.

    A ``shape_only`` mistake is a size rule: only the shape of ``output`` counts (the
    values of code with a wrong size rule depend on how its loops then run). It is weaker
    evidence than a value: it matches only an output of its shape, when that is not the
    expected shape and no value-level mistake reproduces the output.
    """

    name: str
    explanation: str
    output: Callable[[], Any]
    shape_only: bool = False

    def produce(self) -> np.ndarray | None:
        """The mistake's output as a float64 array, or None if it cannot be produced here."""
        try:
            with np.errstate(all="ignore"):
                return np.asarray(self.output(), dtype=np.float64)
        except Exception:
            return None


def as_numbers(value: Any) -> np.ndarray | None:
    """``value`` as a float64 array (numbers, arrays, pairs of ints), or None."""
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError, OverflowError):
        return None
    return array


def agree(a: np.ndarray, b: np.ndarray, rtol: float, atol: float) -> bool:
    if a.shape != b.shape:
        return False
    with np.errstate(invalid="ignore"):
        return bool(np.isclose(a, b, rtol=rtol, atol=atol, equal_nan=True).all())


def compared(
    got: Any, expected: Any, mistakes: Iterable[Mistake], rtol: float, atol: float, what: str
) -> dict | None:
    """Evidence from one failed comparison, or None when no mistake could be tried on it.

    ``what`` (the check's description of the call) and ``expected`` tell the inputs apart:
    the same input met in two checks counts once.
    """
    mine = as_numbers(got)
    if mine is None:
        return None
    matched: dict[str, str] = {}
    sized: dict[str, str] = {}  # shape-only mistakes of the output's (wrong) shape
    tried: list[str] = []
    expected_shape = np.shape(expected)
    for mistake in mistakes:
        wrong = mistake.produce()
        if wrong is None or (mistake.shape_only and wrong.shape == expected_shape):
            continue
        if mistake.name not in tried:
            tried.append(mistake.name)
        if mistake.shape_only:
            if wrong.shape == mine.shape:
                sized.setdefault(mistake.name, mistake.explanation)
        elif agree(mine, wrong, rtol, atol):
            matched.setdefault(mistake.name, mistake.explanation)
    if matched:  # a size rule that also fits is neither the name nor ruled out
        tried = [name for name in tried if name not in sized]
    else:
        matched = sized
    if not tried:
        return None
    return {
        "kind": "compared",
        "input": fingerprint(what, as_numbers(expected), mine),
        "matched": [[name, words] for name, words in matched.items()],
        "ruled_out": [name for name in tried if name not in matched],
    }


def fingerprint(what: str, *arrays: np.ndarray | None) -> str:
    """Which comparison this was: the call's description, the expected values and the
    submission's output."""
    digest = hashlib.sha1(what.encode("utf-8", "replace"))
    for values in arrays:
        if values is not None:
            digest.update(repr(values.shape).encode())
            digest.update(np.ascontiguousarray(values).tobytes())
    return digest.hexdigest()[:16]


def joined(first: dict | None, second: dict | None) -> dict | None:
    """Two ``compared`` items of the same comparison as one (so one input never counts
    twice): the mistakes either matched, and those either ruled out that neither matched."""
    if not first or not second:
        return first or second
    matched = dict(map(tuple, first["matched"])) | dict(map(tuple, second["matched"]))
    tried = [*first["ruled_out"], *second["ruled_out"]]
    item = {
        **first,
        "matched": [[name, words] for name, words in matched.items()],
        "ruled_out": list(dict.fromkeys(n for n in tried if n not in matched)),
    }
    if second.get("decisive") and len(item["matched"]) == 1:
        item["decisive"] = True
    return item


def found(name: str, explanation: str, kind: str = "found") -> dict:
    """Evidence a check observed directly: certain, so one check is enough to name it."""
    return {"kind": kind, "name": name, "explanation": explanation}


def observed(
    name: str,
    explanation: str,
    *,
    claim: dict | None = None,
    general: str | None = None,
    coarser: tuple[dict, str] | None = None,
) -> dict:
    """What a wrong output shows by itself: shown when nothing more specific is known.

    ``claim`` holds the parameters ``explanation`` states for this output (a factor, an
    axis...); ``coarser`` is a less specific (claim, words) pair, and ``general`` says what
    stays true of the pattern alone: a headline drawn from several checks uses the most
    specific level on which they all agree."""
    item = found(name, explanation, kind="observed")
    levels = [{"claim": claim, "text": explanation}]
    if coarser is not None:
        levels.append({"claim": coarser[0], "text": coarser[1]})
    if general is not None:
        levels.append({"claim": None, "text": general})
    if len(levels) > 1 or claim is not None:
        item["levels"] = levels
    return item


def attach(error: BaseException, *items: dict | None) -> BaseException:
    """Add evidence to an exception (the ones that are None are skipped); returns it."""
    kept = [item for item in items if item]
    if kept:
        setattr(error, EVIDENCE, [*getattr(error, EVIDENCE, []), *kept])
    return error


def evidence_of(error: BaseException) -> list[dict]:
    value = getattr(error, EVIDENCE, [])
    return list(value) if isinstance(value, list) else []


def finding(name: str, message: str) -> AssertionError:
    """A failed check whose message states what it observed (named ``name`` in summaries)."""
    return attach(AssertionError(message), found(name, message))  # type: ignore[return-value]


@dataclass(frozen=True)
class Headline:
    """The line a student reads first for an exercise, and what it is drawn from.

    ``tier`` is where it comes from: ``"catalogued"`` (a catalogued mistake reproduces the
    output), ``"found"`` (a check observed it directly) or ``"observed"`` (what the wrong
    outputs show by themselves, :mod:`deepgrade.observations`). ``claim`` is what an
    observed headline states on every check it is drawn from (its parameters, or None for
    the pattern alone), ``inputs`` are those checks' fingerprints: together they let a test
    re-check the claim on the raw outputs.
    """

    tier: str
    name: str
    text: str
    claim: dict | None = None
    inputs: tuple[str, ...] = ()

    def __str__(self) -> str:
        return self.text


def _merged(texts: list[str]) -> str:
    """One sentence true of every check whose words are ``texts``: the words they share,
    and where they differ (a number, an axis) each check's own, side by side."""
    variants = list(dict.fromkeys(texts))
    if len(variants) == 1:
        return variants[0]
    split = [t.split(" ") for t in variants]
    if len({len(words) for words in split}) == 1:
        out = []
        for column in zip(*split, strict=True):
            heads = list(dict.fromkeys(re.sub(r"[,.:;)]+$", "", w) for w in column))
            tails = {w[len(re.sub(r"[,.:;)]+$", "", w)) :] for w in column}
            if len(heads) == 1 or len(tails) != 1:
                if len(set(column)) != 1:
                    break
                out.append(column[0])
                continue
            others = ", ".join(heads[1:])
            where = "on another check" if len(heads) == 2 else "on other checks"
            out.append(f"{heads[0]} ({others} {where}){tails.pop()}")
        else:
            return " ".join(out)
    return f"not the same on every check; on one: {variants[-1]}"


def _distinct_inputs(items: list[dict]) -> list[dict]:
    """The items of different inputs (an item without a fingerprint is its own input)."""
    seen: set[str] = set()
    kept = []
    for item in items:
        key = item.get("input")
        if key is not None and key in seen:
            continue
        if key is not None:
            seen.add(key)
        kept.append(item)
    return kept


def headline(items: Iterable[dict]) -> Headline | None:
    """The line a student reads first for an exercise: its one singled-out mistake, or None.

    A catalogued mistake first (see the module's docstring), else the most frequent thing a
    check found directly (in the words of the last check that said it: hidden checks say
    more), else the most frequent thing the wrong outputs showed, on at least
    :data:`MIN_INPUTS` of them (ties go to the one met first). A headline states only what
    every check it is drawn from shows: where the checks' words differ, it says what they
    share; an observation met on some failed comparisons only says on how many.
    """
    items = [item for item in items if isinstance(item, dict)]
    catalogued = _catalogued(items)
    if catalogued:
        return catalogued
    direct = Counter(str(i.get("name", "")) for i in items if i.get("kind") == "found")
    if direct:
        name = max(direct, key=lambda n: direct[n])
        words = [str(i.get("explanation", "")) for i in items if i.get("name") == name]
        return Headline("found", name, f"Mistake ({name}): {words[-1]}")
    return _observed(_distinct_inputs([i for i in items if i.get("kind") == "observed"]))


def _catalogued(items: list[dict]) -> Headline | None:
    votes: dict[str, list[tuple[str, str]]] = {}
    decisive: set[str] = set()
    against: Counter[str] = Counter()
    compared_items = [i for i in items if i.get("kind") == "compared" and i.get("input")]
    for item in _distinct_inputs(compared_items):
        matched = item.get("matched", [])
        if len(matched) == 1:  # reproduced by one catalogued mistake only: a vote for it
            name, explanation = matched[0]
            votes.setdefault(name, []).append((str(item["input"]), explanation))
            if item.get("decisive"):
                decisive.add(name)
        for name in item.get("ruled_out", []):
            against[name] += 1
    named = [n for n in votes if (len(votes[n]) >= MIN_INPUTS or n in decisive) and not against[n]]
    if not named:
        return None
    best = max(named, key=lambda n: len(votes[n]))  # max keeps the first of equals
    words = _merged([explanation for _, explanation in votes[best]])
    inputs = tuple(key for key, _ in votes[best])
    return Headline("catalogued", best, f"Likely mistake ({best}): {words}", inputs=inputs)


def _observed(items: list[dict]) -> Headline | None:
    shown = [i for i in items if i.get("name")]
    counts = Counter(str(i["name"]) for i in shown)
    patterns = [n for n, k in counts.items() if k >= MIN_INPUTS]
    if not patterns:  # what wrong outputs show: on several of them, not by chance on one
        return None
    name = max(patterns, key=lambda n: counts[n])
    drawn = [i for i in shown if i["name"] == name]
    claim, words = _agreed(drawn)
    if len(drawn) < len(items):
        words = f"on {len(drawn)} of the {len(items)} failed comparisons, {words}"
    inputs = tuple(str(i["input"]) for i in drawn if i.get("input"))
    return Headline("observed", name, f"Mistake ({name}): {words}", claim, inputs)


def _agreed(drawn: list[dict]) -> tuple[dict | None, str]:
    """The most specific (claim, words) level of an observation that all ``drawn`` checks
    share (the same claim at that level), in the words of the last of them."""
    depth = min(len(i.get("levels", [])) for i in drawn)
    for level in range(depth):
        claims = [i["levels"][level]["claim"] for i in drawn]
        if all(c == claims[0] for c in claims):
            return claims[0], str(drawn[-1]["levels"][level]["text"])
    return None, _merged([str(i.get("explanation", "")) for i in drawn])


def likely_mistake(items: Iterable[dict]) -> str:
    """The text of :func:`headline`, or ''."""
    found_line = headline(items)
    return found_line.text if found_line else ""
