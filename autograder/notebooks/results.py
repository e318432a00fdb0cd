"""A test cell's feedback and score, written from a grading report (both autograde modes).

nbgrader reads a test cell's points from its outputs: an error (or anything on stderr)
scores 0, an ``execute_result`` holding a number scores that number. A graded test cell
therefore gets the feedback on stdout (the same text as the exercise's Gradescope output,
from :func:`autograder.grading.reports.gradescope`) and the score as its result.
"""

from __future__ import annotations

from autograder.grading.engine import SubmissionReport
from autograder.grading.reports import gradescope
from deepgrade.scoring import ExerciseResult

IN_KERNEL = "in-kernel"


def exercise_row(result: ExerciseResult) -> dict:
    """A report's row for one exercise (the keys of the grading engine's rows)."""
    return {
        "number": result.exercise.number,
        "name": result.exercise.name,
        "label": result.exercise.label,
        "score": result.score,
        "max_score": result.max_score,
        "passed": result.passed,
        "total": result.total,
        "failures": result.failures,
    }


def graded_by(report: SubmissionReport) -> str:
    """Which mode graded: the sentence every test cell starts with."""
    if report.mode == IN_KERNEL:
        return "graded in the notebook's own kernel (stock nbgrader; no isolation)"
    return f"graded by deepgrade's worker (mode: {report.mode}; isolation: {report.isolation})"


def cell_text(report: SubmissionReport, name: str) -> str:
    """The feedback of exercise ``name``: score, how it was graded, notes, failed checks."""
    rows = {row["name"]: row for row in report.exercises}
    outputs = {test["name"]: test["output"] for test in gradescope(report)["tests"]}
    row = rows[name]
    head = f"{row['label']}: {row['score']:g}/{row['max_score']} points, {graded_by(report)}"
    return "\n".join([head, *report.notes, "", outputs[row["label"]]]).rstrip() + "\n"


def cell_outputs(report: SubmissionReport, name: str) -> list[dict]:
    """The outputs nbgrader scores: the feedback on stdout, then the points as the result."""
    score = next(row["score"] for row in report.exercises if row["name"] == name)
    return [
        {"output_type": "stream", "name": "stdout", "text": cell_text(report, name)},
        {
            "output_type": "execute_result",
            "execution_count": None,
            "metadata": {},
            "data": {"text/plain": repr(float(score))},
        },
    ]
