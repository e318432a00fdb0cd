"""One submission's grading job, as data: what a batch hands to a grading process, on
this machine or on a Dask worker, and what comes back.

A :class:`Job` carries the submission's files (their contents, never a path on the
driver's disk), the isolation level and the limits; :func:`run_job` writes the files
into a fresh folder, grades it with this thread's grading process (collected once, one
forked child per submission: see ``server.py``) and returns plain data: the report as a
dict, whether grading completed, and the log of a grading that did not.
"""

from __future__ import annotations

import atexit
import functools
import tempfile
import threading
import time
from dataclasses import astuple, dataclass
from pathlib import Path

from autograder.grading.engine import Limits, SubmissionReport
from autograder.grading.server import GradingFailed, GradingProcess
from autograder.grading.version import grader_version
from deepgrade.catalog import EXERCISES, TOTAL_POINTS
from deepgrade.safe_read import MAX_SOURCE_BYTES


@dataclass(frozen=True)
class Job:
    """Everything needed to grade one submission anywhere the grader is installed."""

    student: str
    files: dict[str, bytes]  # file name -> contents
    isolation: str
    limits: Limits
    grader: str | None = None  # the driver's grader version, checked where the job runs
    notes: tuple[str, ...] = ()  # from reading the upload (links skipped...), for the student
    graded: tuple[tuple[str, str], ...] = ()  # topic -> the upload's file graded, and why


def read_submission(folder: Path) -> dict[str, bytes]:
    """The files a worker may import: the top-level ``.py`` files (not links) of a folder
    that :func:`~autograder.grading.submission.prepare_submission` wrote.

    Each is read up to ``MAX_SOURCE_BYTES + 1`` bytes: a larger file still arrives larger
    than the cap, and the worker's staging refuses it as it would from the folder.
    """
    files = {}
    for path in sorted(folder.glob("*.py")):
        if path.is_file() and not path.is_symlink():
            with path.open("rb") as f:
                files[path.name] = f.read(MAX_SOURCE_BYTES + 1)
    return files


def failed_report(student: str, status: str, note: str, isolation: str) -> SubmissionReport:
    """The report of a submission whose grading did not complete: every exercise 0."""
    return SubmissionReport(
        student=student,
        status=status,
        isolation=isolation,
        mode="worker",
        execution_time=0.0,
        score=0.0,
        max_score=TOTAL_POINTS,
        exercises=[
            {
                "number": e.number,
                "name": e.name,
                "label": e.label,
                "score": 0.0,
                "max_score": e.points,
                "passed": 0,
                "total": 0,
                "failures": [],
            }
            for e in EXERCISES
        ],
        notes=[note],
    )


def failed_result(job: Job, status: str, note: str, log: str = "") -> dict:
    report = _about_upload(failed_report(job.student, status, note, job.isolation), job)
    return {"report": report.to_dict(), "complete": False, "log": log}


def _about_upload(report: SubmissionReport, job: Job) -> SubmissionReport:
    """The report with what reading the upload found: its notes first, the files graded."""
    report.notes[:0] = job.notes
    report.graded = dict(job.graded)
    return report


def run_job(job: Job) -> dict:
    """Grade ``job`` here: ``{"report": dict, "complete": bool, "log": str}``; never raises
    for anything the submission does."""
    if job.grader is not None and job.grader != _installed_grader():
        return failed_result(
            job,
            "crashed",
            f"this machine's grader ({_installed_grader()}) is not the batch's ({job.grader}): "
            "install the same deepgrade everywhere",
        )
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="deepgrade-job-") as tmp:
        folder = Path(tmp) / "submission"
        folder.mkdir()
        for name, data in job.files.items():
            if Path(name).name != name or not name.endswith(".py"):
                return failed_result(job, "crashed", f"grader error: bad file name {name!r}")
            (folder / name).write_bytes(data)
        try:
            report = grading_process(job.isolation, job.limits).grade(folder, job.student)
        except GradingFailed as err:
            log = f"grading failed ({err.status}): {err}\n{err.log}"
            result = failed_result(job, err.status, f"grading failed: {err}", log)
            result["report"]["execution_time"] = round(time.monotonic() - started, 3)
            return result
    return {"report": _about_upload(report, job).to_dict(), "complete": True, "log": ""}


# One grading process per thread and settings: a batch's threads here, a Dask worker's
# threads there; each is started by its first job and reused by the next ones.
_LOCAL = threading.local()
_STARTED: list[GradingProcess] = []
_STARTED_LOCK = threading.Lock()


def grading_process(isolation: str, limits: Limits) -> GradingProcess:
    processes = _LOCAL.__dict__.setdefault("processes", {})
    key = (isolation, astuple(limits))
    if key not in processes or processes[key].closed:
        processes[key] = GradingProcess(isolation, limits)
        with _STARTED_LOCK:
            _STARTED.append(processes[key])
    return processes[key]


def close_grading_processes() -> None:
    """Stop every grading process this process started (each ends its children)."""
    with _STARTED_LOCK:
        started, _STARTED[:] = list(_STARTED), []
    for process in started:
        process.close()
    _LOCAL.__dict__.pop("processes", None)


def kill_grading_processes() -> None:
    """Kill every grading process this process started, now, whatever they are doing."""
    with _STARTED_LOCK:
        started = list(_STARTED)
    for process in started:
        process.kill()


atexit.register(close_grading_processes)


@functools.cache
def _installed_grader() -> str:
    return grader_version()
