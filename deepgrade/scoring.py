"""From test records to points: each exercise's points shared among its tests by weight.

A record is one test's result (see ``pytest_plugin.ResultCollector``). An exercise's
score is ``points * (weight of its passed tests) / (weight of all its tests)``, so a
conv layer that is right except for the bias keeps the points of the tests it passes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from deepgrade.catalog import EXERCISES, Exercise
from deepgrade.dependencies import failing_callees
from deepgrade.evidence import likely_mistake


@dataclass
class ExerciseResult:
    exercise: Exercise
    passed: int = 0
    total: int = 0
    passed_weight: float = 0.0
    total_weight: float = 0.0
    first_failure: str = ""
    failures: list[str] = field(default_factory=list)
    evidence: list[dict] = field(default_factory=list)
    cause: str = ""  # the failing exercises it calls (see deepgrade.dependencies)

    @property
    def score(self) -> float:
        if not self.total_weight:
            return 0.0
        return round(self.exercise.points * self.passed_weight / self.total_weight, 4)

    @property
    def max_score(self) -> int:
        return self.exercise.points

    @property
    def likely_mistake(self) -> str:
        """The one mistake the evidence of the failed tests singles out; else the failing
        exercises this one calls; else ''."""
        return likely_mistake(self.evidence) or self.cause

    @property
    def headline(self) -> str:
        return self.likely_mistake or headline(self.first_failure, self.exercise)


def headline(message: str, exercise: Exercise) -> str:
    """A failure's first line; the exercise's own stub (NotImplementedError) in 3 words."""
    if message == f"NotImplementedError: {exercise.not_implemented}":
        return "not implemented yet"
    return message.splitlines()[0] if message else ""


def score(records: list[dict], calls: dict[str, set[str]] | None = None) -> list[ExerciseResult]:
    """Per-exercise results in catalogue order; exercises without tests score 0.

    ``calls`` (:func:`deepgrade.dependencies.exercise_calls` of the submission) lets a
    failing exercise say which failing exercises it calls.
    """
    results = {e.name: ExerciseResult(e) for e in EXERCISES}
    for record in records:
        result = results.get(record["exercise"])
        if result is None:
            continue
        weight = float(record.get("weight", 1.0))
        result.total += 1
        result.total_weight += weight
        if record["outcome"] == "passed":
            result.passed += 1
            result.passed_weight += weight
        else:
            result.failures.append(f"{record['nodeid']}: {record['message']}")
            result.first_failure = result.first_failure or record["message"]
            result.evidence.extend(record.get("evidence", []))
    failing = {name for name, result in results.items() if result.failures}
    for result in results.values():
        if result.failures and calls:
            result.cause = failing_callees(result.exercise, calls, failing)
    return list(results.values())


def total(results: list[ExerciseResult]) -> float:
    return round(sum(r.score for r in results), 4)
