"""Stock, in-kernel autograding: what the hidden part of a test cell runs under ``Execute``.

The test cell calls :func:`grade_in_kernel` in the student's own kernel: the exercise's
public and hidden tests run there, on the notebook's functions, and the cell's result is
the points. This is how nbgrader normally works and it is weaker than the isolated step:
the student's code shares the process with the tests, so it can read the hidden suites'
expected values, patch what they call, or end the kernel. Use it to compare, not to grade.
"""

from __future__ import annotations

import time

from autograder.grading.engine import SubmissionReport
from autograder.notebooks.results import IN_KERNEL, cell_text, exercise_row
from autograder.paths import HIDDEN_SUITES, PUBLIC_TESTS
from deepgrade.catalog import BY_NAME, CAPSTONE_TOPICS
from deepgrade.notebooks import NamespaceImplementation, run_exercise_tests
from deepgrade.scoring import score


def grade_in_kernel(name: str, namespace: dict) -> float:
    """Grade exercise ``name`` on ``namespace``'s functions here; print feedback, return points."""
    entry = BY_NAME[name]
    if entry.module in CAPSTONE_TOPICS:
        print(
            f"{entry.label}: 0/{entry.points} points: capstones are graded only by the isolated "
            "autograde step (their models are trained outside the student's kernel)"
        )
        return 0.0
    started = time.monotonic()
    suites = [
        PUBLIC_TESTS / f"test_{entry.module}.py",
        HIDDEN_SUITES / f"test_{entry.module}_hidden.py",
    ]
    records = run_exercise_tests(name, namespace, suites)
    result = next(r for r in score(records) if r.exercise.name == name)
    report = SubmissionReport(
        student="notebook",
        status="graded",
        isolation=NamespaceImplementation.isolation,
        mode=IN_KERNEL,
        execution_time=round(time.monotonic() - started, 3),
        score=result.score,
        max_score=entry.points,
        exercises=[exercise_row(result)],
        tests=records,
    )
    print(cell_text(report, name), end="")
    return float(result.score)
