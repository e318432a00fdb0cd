"""Graded checks of the capstones and the builders every capstone's grader shares.

A :class:`Check` is one graded check of one exercise: a fraction of its points, or a gate
(a failed gate zeroes the exercise). The builders turn what the worker sent back
(``{"ok": value}`` or ``{"error": message}``) and what a training job measured into checks,
with the message a student reads.
"""

from __future__ import annotations

from dataclasses import dataclass

from autograder.capstones.jobs import JobOutcome
from deepgrade.capstones.settings import fraction
from deepgrade.capstones.validate import ValidationError, validate_model_json, validate_recipe


@dataclass
class Check:
    """One graded check of one exercise: a fraction of its points, or a gate."""

    exercise: str
    name: str
    fraction: float
    message: str = ""
    gate: bool = False  # a failed gate zeroes the exercise
    skipped: bool = False
    seconds: float = 0.0


def model_check(found: dict, fn: str, checks: list[Check], what: str) -> str | None:
    """The validated model JSON of ``fn``, or None with a failed gate check."""
    got = found.get(fn, {"error": f"{fn} was not called"})
    if "error" in got:
        checks.append(Check(fn, "builds", 0.0, got["error"], gate=True))
        return None
    try:
        validate_model_json(got["ok"], what=what)
    except ValidationError as err:
        checks.append(Check(fn, "standard layers only", 0.0, str(err), gate=True))
        return None
    checks.append(Check(fn, "standard layers only", 1.0, gate=True))
    return got["ok"]


def recipe_check(found: dict, fn: str, checks: list[Check], **rules) -> dict | None:
    """The validated recipe of ``fn``, or None with a failed gate check."""
    got = found.get(fn, {"error": f"{fn} was not called"})
    if "error" in got:
        checks.append(Check(fn, "recipe", 0.0, got["error"], gate=True))
        return None
    try:
        recipe = validate_recipe(got["ok"], what=f"{fn}()", **rules)
    except ValidationError as err:
        checks.append(Check(fn, "valid recipe", 0.0, str(err), gate=True))
        return None
    checks.append(Check(fn, "valid recipe", 1.0, gate=True))
    return recipe


def accuracy_check(fn: str, name: str, value: float, bounds: dict, what: str) -> Check:
    """Points for a measurement between its floor and target (settings.json)."""
    target, floor = bounds["target"], bounds["floor"]
    share = fraction(value, target, floor)
    verdict = (
        "full points"
        if share == 1
        else "no points (below the floor)"
        if share == 0
        else f"{share:.0%} of the points"
    )
    message = f"{what} {value:.3f} (target {target:.2f}, floor {floor:.2f}): {verdict}"
    return Check(fn, name, share, "" if share == 1 else message)


def run_result(job: JobOutcome, run: str) -> tuple[dict | None, str | None]:
    """``(metrics of run, None)`` or ``(None, why the run has none)``."""
    if job.error:
        return None, job.error
    result = job.metrics["runs"].get(run)
    if result is None:
        return None, "the training job did not report this model"
    if "error" in result:
        return None, f"training failed: {result['error']}"
    return result, None
