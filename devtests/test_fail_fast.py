"""A hang costs seconds: a function that timed out, ran out of memory or killed its worker
fails its remaining checks at once, with the same message, and the others are graded.

Graded as real grading grades (the worker, at the isolation level ``auto`` picks; the
public activations tests), on the hostile corpus: relu loops forever, relu and sigmoid
bomb the memory, relu ends its worker with ``os._exit``. The tests assert outcomes and
messages (each failing function ran its failing call once; the report says so), never
times.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from autograder.grading.engine import Limits, SubmissionReport, grade
from autograder.grading.proxy import NOT_RUN_AGAIN, WorkerImplementation
from autograder.grading.reports import gradescope
from autograder.worker import CallTimeout
from deepgrade.catalog import BY_NAME
from deepgrade.implementation import SubmissionError

PROJECT = Path(__file__).resolve().parents[1]
HOSTILE = PROJECT / "devtests" / "corpus" / "hostile"
ACTIVATIONS = [PROJECT / "tests" / "test_activations.py"]
LIMITS = Limits(call_seconds=3, total_seconds=300, memory_mb=300)
BUDGET = 300  # the budget is never what stops these submissions


def failures(report: SubmissionReport, exercise: str) -> list[str]:
    return next(row["failures"] for row in report.exercises if row["name"] == exercise)


def score(report: SubmissionReport, exercise: str) -> float:
    return next(row["score"] for row in report.exercises if row["name"] == exercise)


@pytest.fixture(scope="module")
def reports() -> dict[str, SubmissionReport]:
    return {
        name: grade(HOSTILE / name, suites=ACTIVATIONS, isolation="auto", limits=LIMITS)
        for name in ("infinite_loop", "memory_bomb", "os_exit_mid_call")
    }


@pytest.mark.parametrize(
    ("name", "failed", "error", "says"),
    [
        ("infinite_loop", ("relu",), "CallTimeout", "did not finish within 3 s"),
        ("memory_bomb", ("relu", "sigmoid"), "MemoryLimit", "ran out of memory"),
        ("os_exit_mid_call", ("relu",), "WorkerCrashed", "exited with code 0"),
    ],
)
def test_a_failed_function_fails_its_remaining_checks_at_once(reports, name, failed, error, says):
    report = reports[name]
    assert report.status == "graded", report.notes  # the budget never ran out
    for exercise in failed:
        messages = failures(report, exercise)
        assert score(report, exercise) == 0
        assert len(messages) >= 2, messages  # the public tests check each one several times
        ran = [m for m in messages if NOT_RUN_AGAIN not in m]
        refused = [m for m in messages if NOT_RUN_AGAIN in m]
        assert len(ran) == 1, f"{exercise} ran more than one failing call: {ran}"
        first = ran[0].partition(": ")[2].splitlines()[0]
        assert first.startswith(f"{error}: ") and says in first, first
        for message in refused:  # the same error and message, marked as not run again
            again = message.partition(": ")[2].splitlines()[0]
            assert again == f"{first} {NOT_RUN_AGAIN}", again
    for exercise in {"relu", "sigmoid", "softmax"} - set(failed):  # the reference's code
        assert score(report, exercise) == BY_NAME[exercise].points, failures(report, exercise)


def test_the_report_says_which_functions_failed_fast(reports):
    for name, exercises in (
        ("infinite_loop", ["relu"]),
        ("memory_bomb", ["relu", "sigmoid"]),
        ("os_exit_mid_call", ["relu"]),
    ):
        notes = [n for n in reports[name].notes if "failed at once without running" in n]
        assert [n.split(": ", 1)[0] for n in notes] == [BY_NAME[e].label for e in exercises]
        summary = gradescope(reports[name])["output"]  # what a student sees on Gradescope
        assert all(note in summary for note in notes)


def test_the_failed_function_is_not_called_again_and_the_others_are(tmp_path):
    folder = tmp_path / "sub"
    folder.mkdir()
    (folder / "activations.py").write_text(
        "import numpy as np\n\n\ndef relu(x):\n    while True:\n        pass\n\n\n"
        "def sigmoid(x):\n    return 1 / (1 + np.exp(-x))\n"
    )
    impl = WorkerImplementation(folder, isolation="auto", call_timeout=1, total_timeout=BUDGET)
    try:
        with pytest.raises(CallTimeout, match="did not finish within 1 s"):
            impl.relu(1.0)
        starts = impl.worker.starts
        for call in (lambda: impl.relu(2.0), lambda: impl.with_inputs("relu")(3.0)):
            with pytest.raises(CallTimeout, match="not run again"):
                call()
        assert impl.worker.starts == starts and not impl.worker.alive  # nothing was started
        assert impl.sigmoid(0.0) == 0.5  # a fresh worker for the other functions
        assert impl.failed_functions["Exercise 3.1 (relu)"].refused == 2
    finally:
        impl.close()


def test_a_module_hanging_at_import_costs_one_timeout_also_through_with_inputs(tmp_path):
    folder = tmp_path / "sub"
    folder.mkdir()
    (folder / "activations.py").write_text("while True:\n    pass\n")
    impl = WorkerImplementation(folder, isolation="auto", call_timeout=1, total_timeout=BUDGET)
    try:
        for _ in range(3):
            with pytest.raises(SubmissionError, match="importing it did not finish within 1 s"):
                impl.with_inputs("relu")(1.0)
        assert impl.worker.starts == 1  # one worker, stopped once; no call after that
    finally:
        impl.close()
