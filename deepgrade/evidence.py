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
input on which it was tried. A wrong name is worse than none.
"""

from __future__ import annotations

import hashlib
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
    """

    name: str
    explanation: str
    output: Callable[[], Any]

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
    tried: list[str] = []
    for mistake in mistakes:
        wrong = mistake.produce()
        if wrong is None:
            continue
        if mistake.name not in tried:
            tried.append(mistake.name)
        if agree(mine, wrong, rtol, atol):
            matched.setdefault(mistake.name, mistake.explanation)
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


def found(name: str, explanation: str, kind: str = "found") -> dict:
    """Evidence a check observed directly: certain, so one check is enough to name it."""
    return {"kind": kind, "name": name, "explanation": explanation}


def observed(name: str, explanation: str) -> dict:
    """What a wrong output shows by itself: shown when nothing more specific is known."""
    return found(name, explanation, kind="observed")


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


def likely_mistake(items: Iterable[dict]) -> str:
    """The line a student reads first for an exercise: its one singled-out mistake, or ''.

    A catalogued mistake first (see the module's docstring), else the most frequent thing a
    check found directly, else the most frequent thing the wrong outputs showed (ties go to
    the one met first), in the words of the last check that said it.
    """
    votes: Counter[str] = Counter()
    against: Counter[str] = Counter()
    words: dict[str, str] = {}
    seen_inputs: set[str] = set()
    tiers: dict[str, Counter[str]] = {"found": Counter(), "observed": Counter()}
    tier_words: dict[str, str] = {}
    for item in items:
        if not isinstance(item, dict):
            continue
        if item.get("kind") in tiers:
            name = str(item.get("name", ""))
            tiers[item["kind"]][name] += 1  # the last words win: hidden checks say more
            tier_words[name] = str(item.get("explanation", ""))
            continue
        if item.get("kind") != "compared" or item.get("input") in seen_inputs:
            continue
        seen_inputs.add(item.get("input"))
        matched = item.get("matched", [])
        if len(matched) == 1:  # reproduced by one catalogued mistake only: a vote for it
            name, explanation = matched[0]
            votes[name] += 1
            words.setdefault(name, explanation)
        for name in item.get("ruled_out", []):
            against[name] += 1
    named = [n for n in votes if votes[n] >= MIN_INPUTS and not against[n]]
    if named:
        best = max(named, key=lambda n: votes[n])  # max keeps the first of equals
        return f"Likely mistake ({best}): {words[best]}"
    found_names = tiers["found"]
    if found_names:
        name = max(found_names, key=lambda n: found_names[n])
        return f"Mistake ({name}): {tier_words[name]}"
    patterns = {n: k for n, k in tiers["observed"].items() if k >= MIN_INPUTS}
    if patterns:  # what wrong outputs show: on several of them, not by chance on one
        name = max(patterns, key=lambda n: patterns[n])
        return f"Mistake ({name}): {tier_words[name]}"
    return ""
