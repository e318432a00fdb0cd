"""Grade a class: every submission folder under ROOT, in parallel, nothing lost.

Each submission is read safely (:mod:`autograder.grading.submission`: no link followed,
the file the student edited per topic) and becomes a
:class:`~autograder.grading.jobs.Job` (its files as data) run
by a grading process that collected the suites once and grades each submission in a
child of its own (``server.py``): here on ``--workers`` such processes, or on a Dask
cluster (``cluster.py``). A submission that breaks anything breaks only its own child.
Results go to ``DIR/<student>/``: ``results.json`` (Gradescope format), ``report.json``
(everything, read back for the gradebook and to skip unchanged submissions on a re-run)
and ``log.txt`` when grading did not complete; ``DIR/gradebook.csv`` has one row per
student.
"""

from __future__ import annotations

import csv
import hashlib
import json
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console

from autograder.grading.cluster import run_on_cluster
from autograder.grading.engine import Limits, SubmissionReport
from autograder.grading.jobs import (
    Job,
    close_grading_processes,
    failed_report,
    failed_result,
    kill_grading_processes,
    read_submission,
    run_job,
)
from autograder.grading.reports import gradescope
from autograder.grading.submission import prepare_submission
from autograder.grading.version import grader_version, run_options
from autograder.progress import Steps
from deepgrade.catalog import EXERCISES

GRADEBOOK_COLUMNS = ["student", "status", *(e.number for e in EXERCISES), "total", "isolation"]


def submission_folders(root: Path) -> list[Path]:
    """One folder per student: the directories directly under ``root`` (hidden ones skipped)."""
    return sorted(
        p
        for p in root.iterdir()
        if p.is_dir() and not p.is_symlink() and not p.name.startswith(".")
    )


def fingerprint(folder: Path, grader: str) -> str:
    """Changes when the submission's files or ``grader`` (version and run options) change."""
    digest = hashlib.sha256(grader.encode())
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not path.is_symlink():
            digest.update(str(path.relative_to(folder)).encode() + b"\0")
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


@dataclass
class Outcome:
    student: str
    report: SubmissionReport
    skipped: bool = False


def previous_report(out: Path, stamp: str) -> SubmissionReport | None:
    """The report of an earlier run, if it graded this very submission to completion."""
    try:
        previous = json.loads((out / "report.json").read_text(encoding="utf-8"))
        if previous.get("fingerprint") == stamp and previous.get("complete", True):
            return SubmissionReport.from_dict(previous["report"])
    except (OSError, ValueError, KeyError, TypeError):
        pass  # none, or unreadable: grade again
    return None


def record(out: Path, stamp: str, result: dict) -> SubmissionReport:
    """Write one job's result: results.json, report.json and, on trouble, log.txt."""
    report = SubmissionReport.from_dict(result["report"])
    out.mkdir(parents=True, exist_ok=True)
    log = out / "log.txt"
    if result["log"]:
        log.write_text(result["log"][-20000:], encoding="utf-8")
    else:
        log.unlink(missing_ok=True)
    (out / "results.json").write_text(json.dumps(gradescope(report), indent=2), encoding="utf-8")
    document = {"fingerprint": stamp, "complete": result["complete"], "report": report.to_dict()}
    (out / "report.json").write_text(json.dumps(document, indent=1), encoding="utf-8")
    return report


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
    scheduler: str | None = None,
) -> list[Outcome]:
    """Grade every submission under ``root`` into ``output_dir``; returns one Outcome each.

    The jobs run on ``workers`` grading processes here, or on the Dask cluster whose
    scheduler is at ``scheduler``; the results are the same.
    """
    console = console or Console(stderr=True)
    limits = limits or Limits()
    root, output_dir = Path(root).resolve(), Path(output_dir).resolve()  # once, here
    folders = submission_folders(root)
    output_dir.mkdir(parents=True, exist_ok=True)
    version = grader_version()
    options = run_options(isolation, limits)
    outcomes: list[Outcome] = []
    jobs: list[tuple[Job, str]] = []
    for folder in folders:
        try:
            with tempfile.TemporaryDirectory(prefix="deepgrade-upload-") as scratch:
                prepared = prepare_submission(folder, Path(scratch))  # read safely, once
                files = read_submission(prepared.folder)
                about = json.dumps([prepared.notes, prepared.graded])
                stamp = fingerprint(prepared.folder, f"{version} {options} {about}")
            previous = None if force else previous_report(output_dir / folder.name, stamp)
            if previous is not None:
                outcomes.append(Outcome(folder.name, previous, skipped=True))
                continue
            grader = version if scheduler else None  # a cluster's workers may differ
            job = Job(folder.name, files, isolation, limits, grader,
                      tuple(prepared.notes), tuple(prepared.graded.items()))  # fmt: skip
            jobs.append((job, stamp))
        except Exception as err:  # the grader's own failure for one student: record it
            report = failed_report(folder.name, "crashed", f"grader error: {err}", isolation)
            outcomes.append(Outcome(folder.name, report))
    run = run_on_cluster(scheduler) if scheduler else run_here(workers)
    stamps = {id(job): stamp for job, stamp in jobs}
    with Steps(console, "grading", len(folders), done=len(outcomes)) as steps:
        for job, result in run([job for job, _ in jobs]):
            out = output_dir / job.student
            try:
                report = record(out, stamps[id(job)], result)
            except Exception as err:
                report = failed_report(job.student, "crashed", f"grader error: {err}", isolation)
            outcomes.append(Outcome(job.student, report))
            steps.advance(f"{job.student} ({report.status}, {report.score:g}/{report.max_score})")
    write_gradebook(output_dir / "gradebook.csv", [o.report for o in outcomes])
    return sorted(outcomes, key=lambda o: o.student)


def run_here(workers: int) -> Callable[[list[Job]], Iterator[tuple[Job, dict]]]:
    """Jobs on ``workers`` grading processes of this machine, results as they finish."""

    def run(jobs: list[Job]) -> Iterator[tuple[Job, dict]]:
        pool = ThreadPoolExecutor(max_workers=max(1, workers))
        futures = {pool.submit(run_job, job): job for job in jobs}
        try:
            for future in as_completed(futures):
                job = futures[future]
                try:
                    result = future.result()
                except Exception as err:  # the grader's own failure for one student
                    result = failed_result(job, "crashed", f"grader error: {err}")
                yield job, result
        except BaseException:  # interrupted (Ctrl-C...): the jobs under way end at once
            pool.shutdown(wait=False, cancel_futures=True)
            kill_grading_processes()
            raise
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
            close_grading_processes()

    return run


def common_failure(reports: list[SubmissionReport]) -> str | None:
    """When most of a class failed the same way (a setup mistake, not grades), which way."""
    failed = [r for r in reports if r.status != "graded"]
    by_status = Counter(r.status for r in failed)
    if len(reports) < 2 or not by_status:
        return None
    status, count = by_status.most_common(1)[0]
    if count * 2 <= len(reports):
        return None
    example = next(r for r in sorted(failed, key=lambda r: r.student) if r.status == status)
    why = example.notes[0].splitlines()[0] if example.notes else "no note"
    return (
        f"{count} of {len(reports)} submissions {status} (e.g. {example.student}: {why}). "
        "That is a setup problem, not grades: check the paths, the installation and the "
        "limits, and the students' log.txt"
    )
