"""The grading process of a batch: collects once, grades each submission in a child of its
own, and a child (or the process itself) that dies or hangs costs only that student.

Each test drives a real :class:`GradingProcess` (the server in its own process, its
children forked from it, workers at the isolation level ``auto`` picks) on the public
activations tests, and breaks it from outside: SIGKILL or SIGSTOP to the child grading a
submission, SIGKILL to the server, a pytest that cannot start. Outcomes only, never times.
"""

from __future__ import annotations

import os
import shutil
import signal
from pathlib import Path

import pytest

from autograder.grading.engine import Limits
from autograder.grading.server import START_TRIES, GradingFailed, GradingProcess
from devtests.grading_helpers import when_grading

PROJECT = Path(__file__).resolve().parents[1]
SUITES = [PROJECT / "tests" / "test_activations.py"]
LIMITS = Limits(call_seconds=5, total_seconds=300)
FULL = 9  # relu 2 + sigmoid 3 + softmax 4


@pytest.fixture
def submission(tmp_path) -> Path:
    folder = tmp_path / "alice"
    folder.mkdir()
    for name in ("activations", "_validate"):
        shutil.copy(PROJECT / "solutions" / f"{name}.py", folder)
    return folder


def score(report) -> float:
    return sum(row["score"] for row in report.exercises if row["total"])


def test_a_child_killed_mid_grading_costs_only_that_submission(submission):
    process = GradingProcess("auto", LIMITS, SUITES)
    try:
        watcher = when_grading(process, lambda server, child: os.kill(child, signal.SIGKILL))
        with pytest.raises(GradingFailed, match="ended with code -9") as failed:
            process.grade(submission, "killed")
        watcher.join()
        assert failed.value.status == "crashed"
        server = process.proc.pid
        report = process.grade(submission, "next")  # the same server, a fresh child
        assert process.proc.pid == server
        assert (report.student, report.status, score(report)) == ("next", "graded", FULL)
    finally:
        process.close()


def test_a_child_that_hangs_is_stopped_by_the_backstop(submission):
    # stopped by SIGSTOP, it never finishes: the backstop (budget + 1 s) stops it
    process = GradingProcess("auto", Limits(call_seconds=5, total_seconds=1), SUITES, backstop=1)
    try:
        watcher = when_grading(process, lambda server, child: os.kill(child, signal.SIGSTOP))
        with pytest.raises(GradingFailed, match="grading took over") as failed:
            process.grade(submission, "frozen")
        watcher.join()
        assert failed.value.status == "timed out"
    finally:
        process.close()


def test_a_server_killed_mid_grading_is_replaced_for_the_next_submission(submission):
    process = GradingProcess("auto", LIMITS, SUITES)
    try:
        watcher = when_grading(process, lambda server, child: os.kill(server, signal.SIGKILL))
        with pytest.raises(GradingFailed, match="ended unexpectedly") as failed:
            process.grade(submission, "unlucky")
        watcher.join()
        assert failed.value.status == "crashed"
        report = process.grade(submission, "next")
        assert (report.status, score(report)) == ("graded", FULL)
    finally:
        process.close()


def test_a_server_that_cannot_start_fails_every_job_with_its_reason(submission, monkeypatch):
    monkeypatch.setenv("PYTEST_ADDOPTS", "--no-such-option-here")
    process = GradingProcess("auto", LIMITS, SUITES)
    try:
        for attempt in range(START_TRIES + 2):
            with pytest.raises(GradingFailed, match="could not start") as failed:
                process.grade(submission, f"student{attempt}")
            assert failed.value.status == "crashed"
            assert "--no-such-option-here" in str(failed.value)
        assert len(process.start_failures) == START_TRIES  # then no more tries
    finally:
        process.close()


def test_each_submission_is_graded_from_a_clean_copy_of_the_server(tmp_path, submission):
    """A child's own state never reaches the next child: the same folder, graded after a
    broken submission that failed every check, gets the reference's report again."""
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "activations.py").write_text("def relu(x):\n    return 42\n")
    process = GradingProcess("auto", LIMITS, SUITES)
    try:
        first = process.grade(submission, "alice")
        assert score(process.grade(broken, "bob")) == 0
        again = process.grade(submission, "alice")
    finally:
        process.close()
    strip = [{k: v for k, v in t.items() if k != "seconds"} for t in first.tests]
    assert strip == [{k: v for k, v in t.items() if k != "seconds"} for t in again.tests]
    assert (first.notes, first.exercises) == (again.notes, again.exercises)
