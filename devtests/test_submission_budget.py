"""The whole submission's budget for stalls: any pattern of hangs or floods costs at most
``Limits.stall_seconds`` (plus the call under way), then every remaining check fails at
once with a note, without running.

The assertions count calls and verdicts, never wall time: a hang always costs exactly one
call timeout, so the number of calls that ran before the budget was used up follows from
the limits alone (fewer on a loaded machine, never more).
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from autograder.grading.engine import GradingSession, Limits, build_report, run_pytest
from autograder.grading.proxy import NOT_RUN_AGAIN
from autograder.paths import PUBLIC_TESTS, SOLUTIONS_DIR
from autograder.worker import BudgetExhausted, CallTimeout, Worker
from deepgrade.catalog import EXERCISES, TOPICS, TOTAL_POINTS

CALL, STALL = 0.5, 2.0
LIMITS = Limits(call_seconds=CALL, total_seconds=600, stall_seconds=STALL, memory_mb=400)
NOT_RUN = "not run: the submission used its time budget"
# every call that ran and hung: STALL / CALL of them use the budget, the next one runs on
# (the budget is checked before a call starts, a hang is never cut short by it)
MOST_HANGS = math.ceil(STALL / CALL) + 1
BODIES = {
    "hangs": "    while True:\n        pass\n",
    "sleeps": "    import time\n    time.sleep(3600)\n",
    "floods": "    while True:\n        print('x' * 10_000)\n",
}


def everywhere(folder: Path, body: str) -> Path:
    """A submission whose every exercise function runs ``body``."""
    folder.mkdir()
    for topic in TOPICS:
        names = [e.name for e in EXERCISES if e.module == topic]
        text = "".join(f"def {name}(*args, **kwargs):\n{body}\n\n" for name in names)
        (folder / f"{topic}.py").write_text(text, encoding="utf-8")
    return folder


def graded(folder: Path, limits: Limits = LIMITS):
    """The report and the session (its worker's counters) of grading ``folder``."""
    session = GradingSession(folder, "worker", "process", limits)
    run_pytest([PUBLIC_TESTS], session)
    report = build_report(folder.name, session, list(session.records.values()), "worker", 0, [])
    return report, session.impl.worker


@pytest.mark.parametrize("kind", sorted(BODIES))
def test_a_submission_that_stalls_everywhere_stops_at_its_budget(tmp_path, kind):
    report, worker = graded(everywhere(tmp_path / kind, BODIES[kind]))
    assert report.status == "timed out", report.notes
    assert report.score == 0
    failures = [f for row in report.exercises for f in row["failures"]]
    ran = [f for f in failures if "did not finish within" in f and NOT_RUN_AGAIN not in f]
    not_run = [f for f in failures if NOT_RUN in f]
    assert 1 <= len(ran) <= MOST_HANGS, ran
    # most checks never ran: each failed at once with the note
    assert len(not_run) > len(failures) // 2, failures[:5]
    assert any("remaining checks were not run" in note for note in report.notes)
    # calls sent to a worker: one import per topic, then the hangs that used the budget
    assert worker.calls <= len(TOPICS) + MOST_HANGS, worker.calls
    assert worker.stalled >= STALL


def test_the_reference_never_uses_the_stall_budget():
    """A right answer never stalls: a budget far too small for any hang changes nothing."""
    report, worker = graded(SOLUTIONS_DIR, Limits(call_seconds=30, stall_seconds=1e-6))
    assert report.status == "graded", report.notes
    assert worker.stalled == 0
    public = sum(row["max_score"] for row in report.exercises if row["total"])
    assert report.score == pytest.approx(public) and public == TOTAL_POINTS


def test_the_worker_refuses_calls_once_stalls_used_the_budget(tmp_path):
    folder = everywhere(tmp_path / "sub", BODIES["sleeps"])
    (folder / "extra.py").write_text("def ok():\n    return 1\n", encoding="utf-8")
    with Worker(folder, call_timeout=0.3, stall_timeout=0.5) as worker:
        assert worker.call("extra", "ok") == 1
        with pytest.raises(CallTimeout):
            worker.call("activations", "relu", 1.0)
        assert worker.call("extra", "ok") == 1  # 0.3 s of the 0.5 s used: still runs
        with pytest.raises(CallTimeout):
            worker.call("activations", "sigmoid", 1.0)
        calls = worker.calls
        with pytest.raises(BudgetExhausted, match=NOT_RUN):
            worker.call("extra", "ok")
        assert worker.calls == calls  # refused here, never sent
        assert worker.stalled >= 0.5 and worker.spent >= worker.stalled
