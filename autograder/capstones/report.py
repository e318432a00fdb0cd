"""From capstone checks to report rows: one row per exercise, one record per check."""

from __future__ import annotations

import numpy as np

from autograder.capstones.checks import Check
from deepgrade.catalog import Exercise, in_module


def exercise_rows(checks: list[Check], names: list[str]) -> tuple[list[dict], list[dict]]:
    """``(rows, records)`` for the capstone modules ``names``, as the numpy grader's."""
    rows, records = [], []
    for module in names:
        for exercise in in_module(module):
            mine = [c for c in checks if c.exercise == exercise.name]
            skipped = bool(mine) and all(c.skipped for c in mine)
            failures = []
            for check in mine:
                nodeid = f"{module}::{exercise.name}::{check.name}"
                outcome = (
                    "skipped" if check.skipped else "passed" if check.fraction == 1 else "failed"
                )
                records.append(
                    {
                        "nodeid": nodeid,
                        "exercise": exercise.name,
                        "weight": 1.0,
                        "outcome": outcome,
                        "seconds": check.seconds,
                        "message": check.message if outcome != "passed" else "",
                    }
                )
                if outcome != "passed":
                    failures.append(f"{nodeid}: {check.message}")
            if not mine:
                failures.append(f"{module}::{exercise.name}::graded: not graded")
            if skipped:  # not counted: no row (a 0-point row is not valid for Gradescope)
                continue
            rows.append(
                {
                    "number": exercise.number,
                    "name": exercise.name,
                    "label": exercise.label,
                    "score": score(exercise, mine),
                    "max_score": exercise.points,
                    "passed": sum(c.fraction == 1 for c in mine),
                    "total": len(mine),
                    "failures": failures,
                }
            )
    return rows, records


def score(exercise: Exercise, checks: list[Check]) -> float:
    """0 if a gate failed; otherwise the points times the mean fraction of the graded
    checks (the gates when there is nothing else)."""
    if not checks or any(c.gate and c.fraction < 1 for c in checks):
        return 0.0
    graded = [c for c in checks if not c.gate] or checks
    return round(exercise.points * float(np.mean([c.fraction for c in graded])), 2)
