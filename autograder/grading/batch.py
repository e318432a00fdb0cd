"""Grade a class: every submission folder under ROOT, in parallel, nothing lost.

Each submission is graded by its own ``python -m autograder grade`` process (which
starts that submission's worker), so a submission that breaks anything breaks only its
own process. Results go to ``DIR/<student>/``: ``results.json`` (Gradescope format),
``report.json`` (everything, read back for the gradebook) and ``log.txt`` on trouble;
``DIR/gradebook.csv`` has one row per student.
"""

from __future__ import annotations

import csv
import hashlib
import json
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

from autograder.grading.engine import Limits, SubmissionReport
from autograder.grading.reports import gradescope
from autograder.paths import PROJECT_ROOT
from deepgrade.catalog import EXERCISES, TOTAL_POINTS

GRADEBOOK_COLUMNS = ["student", "status", *(e.number for e in EXERCISES), "total", "isolation"]


def submission_folders(root: Path) -> list[Path]:
    """One folder per student: the directories directly under ``root`` (hidden ones skipped)."""
    return sorted(
        p
        for p in root.iterdir()
        if p.is_dir() and not p.is_symlink() and not p.name.startswith(".")
    )


def fingerprint(folder: Path, grader: str) -> str:
    """Changes when the submission's files or the grader's version change."""
    digest = hashlib.sha256(grader.encode())
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not path.is_symlink():
            digest.update(str(path.relative_to(folder)).encode() + b"\0")
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def grader_version() -> str:
    """A hash of the grader's own code and suites: a change re-grades every submission."""
    digest = hashlib.sha256()
    for folder in ("autograder", "tests"):
        for path in sorted((PROJECT_ROOT / folder).rglob("*.py")):
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


@dataclass
class Outcome:
    student: str
    report: SubmissionReport
    skipped: bool = False


def failed_report(student: str, status: str, note: str, isolation: str) -> SubmissionReport:
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


def grade_one(
    folder: Path, out: Path, *, isolation: str, limits: Limits, version: str, force: bool
) -> Outcome:
    """Grade one folder in its own process; never raises for anything the submission does."""
    student = folder.name
    out.mkdir(parents=True, exist_ok=True)
    stamp = fingerprint(folder, version)
    report_file = out / "report.json"
    if not force and report_file.is_file():
        try:
            previous = json.loads(report_file.read_text(encoding="utf-8"))
            if previous.get("fingerprint") == stamp:
                return Outcome(student, SubmissionReport.from_dict(previous["report"]), True)
        except (ValueError, KeyError, TypeError):
            pass  # unreadable: grade again
    cmd = [
        sys.executable, "-B", "-m", "autograder", "grade", str(folder), "--format", "json",
        "--output", str(out / "report.tmp.json"), "--isolation", isolation,
        "--call-timeout", str(limits.call_seconds), "--total-timeout", str(limits.total_seconds),
        "--memory-mb", str(limits.memory_mb), "--student", student,
    ]  # fmt: skip
    started = time.monotonic()
    try:
        proc = subprocess.run(
            cmd,
            capture_output=True,
            text=True,
            timeout=limits.total_seconds + 120,  # the grading process's own backstop
            cwd=PROJECT_ROOT,
            check=False,
        )
        log = proc.stdout + proc.stderr
        produced = out / "report.tmp.json"
        if proc.returncode == 0 and produced.is_file():
            report = SubmissionReport.from_dict(json.loads(produced.read_text(encoding="utf-8")))
            produced.unlink()
        else:
            last = (log.strip().splitlines() or ["no output"])[-1]
            report = failed_report(student, "crashed", f"grading failed: {last}", isolation)
    except subprocess.TimeoutExpired as err:
        log = f"{err.stdout or ''}{err.stderr or ''}"
        report = failed_report(
            student, "timed out", f"grading took over {limits.total_seconds + 120:g} s", isolation
        )
    if report.status != "graded":
        (out / "log.txt").write_text(str(log)[-20000:], encoding="utf-8")
    report.execution_time = report.execution_time or round(time.monotonic() - started, 3)
    (out / "results.json").write_text(json.dumps(gradescope(report), indent=2), encoding="utf-8")
    report_file.write_text(
        json.dumps({"fingerprint": stamp, "report": report.to_dict()}, indent=1), encoding="utf-8"
    )
    return Outcome(student, report)


def write_gradebook(path: Path, reports: list[SubmissionReport]) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(GRADEBOOK_COLUMNS)
        for report in sorted(reports, key=lambda r: r.student):
            scores = {row["number"]: row["score"] for row in report.exercises}
            writer.writerow(
                [
                    report.student,
                    report.status,
                    *(f"{scores.get(e.number, 0.0):g}" for e in EXERCISES),
                    f"{report.score:g}",
                    report.isolation,
                ]
            )


def grade_batch(
    root: Path,
    output_dir: Path,
    *,
    workers: int = 2,
    isolation: str = "auto",
    limits: Limits | None = None,
    force: bool = False,
    console: Console | None = None,
) -> list[Outcome]:
    """Grade every submission under ``root`` into ``output_dir``; returns one Outcome each."""
    console = console or Console(stderr=True)
    limits = limits or Limits()
    folders = submission_folders(root)
    output_dir.mkdir(parents=True, exist_ok=True)
    version = grader_version()
    outcomes: list[Outcome] = []
    columns = (*Progress.get_default_columns()[:1], BarColumn(), MofNCompleteColumn())
    with (
        Progress(*columns, TimeElapsedColumn(), console=console, transient=False) as progress,
        ThreadPoolExecutor(max_workers=max(1, workers)) as pool,
    ):
        task = progress.add_task("grading", total=len(folders))
        futures = {
            pool.submit(
                grade_one,
                folder,
                output_dir / folder.name,
                isolation=isolation,
                limits=limits,
                version=version,
                force=force,
            ): folder
            for folder in folders
        }
        for future in as_completed(futures):
            folder = futures[future]
            try:
                outcomes.append(future.result())
            except Exception as err:  # the grader's own failure for one student: record it
                report = failed_report(folder.name, "crashed", f"grader error: {err}", isolation)
                outcomes.append(Outcome(folder.name, report))
            progress.advance(task)
    write_gradebook(output_dir / "gradebook.csv", [o.report for o in outcomes])
    return sorted(outcomes, key=lambda o: o.student)
