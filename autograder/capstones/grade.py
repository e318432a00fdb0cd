"""Grade the Keras capstones of one submission folder.

Three phases, each on its own side of the trust boundary:

1. **Worker** (untrusted, :mod:`probe`): the student's build functions run there and
   send back ``model.to_json()``, their recipes, their findings and ``augment``'s output
   on images the grader chose.
2. **Trusted checks** (this process, no TensorFlow; :mod:`graders`, one per capstone):
   the JSON and recipes are validated (standard Keras layers only, sane values), and
   ``augment``'s output is checked, its data-set side in a short-lived helper
   (:mod:`helper`) so this process stays small.
3. **Training job** (trusted, clean; :mod:`jobs`): each model is rebuilt from JSON,
   trained with the fixed recipe on one core with fixed seeds, and scored on a test split
   the worker never sees: full points at the calibrated target, linear partial points from
   the floor, 0 below (``deepgrade/capstones/settings.json``).

TensorFlow's output (the job's, the worker's) never reaches a report.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console

from autograder.capstones.context import CapstoneLimits, Context
from autograder.capstones.data import dataset_missing
from autograder.capstones.graders import GRADERS
from autograder.capstones.jobs import JobOutcome
from autograder.capstones.probe import collect
from autograder.capstones.report import exercise_rows
from autograder.progress import Steps
from deepgrade.capstones import settings
from deepgrade.catalog import CAPSTONE_TOPICS, in_module
from deepgrade.extras import require


@dataclass
class CapstoneOutcome:
    """What grading produced: the report, plus the raw measurements (calibration)."""

    report: Any
    measurements: dict[str, dict[str, float]] = field(default_factory=dict)
    jobs: dict[str, JobOutcome] = field(default_factory=dict)


def resolve_names(capstones: list[str] | None) -> list[str]:
    """Full module names from "digits" or "capstone_digits" (all capstones for None)."""
    if not capstones:
        return list(CAPSTONE_TOPICS)
    names = []
    for name in capstones:
        full = name if name.startswith("capstone_") else f"capstone_{name}"
        if full not in CAPSTONE_TOPICS:
            known = ", ".join(n.removeprefix("capstone_") for n in CAPSTONE_TOPICS)
            raise ValueError(f"unknown capstone {name!r}; known: {known}")
        names.append(full)
    return names


def grade_capstones(
    submission: str | Path,
    *,
    capstones: list[str] | None = None,
    seed: int = 0,
    epochs_cap: int | None = None,
    limits: CapstoneLimits | None = None,
    student: str | None = None,
    keep_workdir: Path | None = None,
    console: Console | None = None,
) -> CapstoneOutcome:
    """Grade the capstones of the folder ``submission``; the report and the measurements.

    ``epochs_cap`` reduces every recipe's epochs (tests; a reduced budget scores lower).
    ``keep_workdir``: keep each job's spec, metrics and log there (for instructors).
    ``console``: where to show progress, one step per capstone (none by default).
    """
    from autograder.grading.engine import SubmissionReport
    from autograder.worker import sandbox
    from deepgrade.implementation import SubmissionError

    folder = Path(submission).expanduser().resolve()
    if not folder.is_dir():
        raise SubmissionError(f"{submission} is not a folder")
    require("capstones", "grading the capstones", ("keras",))  # before anyone scores 0
    names = resolve_names(capstones)
    limits = limits or CapstoneLimits()
    limits.isolation = sandbox.resolve(limits.isolation)
    config, unavailable = {}, {}
    for name, entry in settings.load().items():
        config[name], why = settings.resolve(entry, dataset_missing)
        if config[name] is None:
            unavailable[name] = why
    started = time.monotonic()
    present = [n for n in names if (folder / f"{n}.py").is_file()]
    # a capstone's functions are not even called when no data set of it is available
    wanted = [n for n in present if n not in unavailable]
    found = collect(folder, wanted, config, limits) if wanted else {}
    found |= {n: {} for n in present if n not in wanted}
    for name in names:
        if name not in present:
            found[name] = {
                e.name: {"error": f"the submission has no {name}.py"} for e in in_module(name)
            }
    tmp = Path(tempfile.mkdtemp(prefix="deepgrade-jobs-"))
    try:
        context = Context(config, limits, seed, epochs_cap, keep_workdir or tmp, unavailable)
        checks = []
        with Steps(console or Console(quiet=True), "capstones", len(names)) as steps:
            for name in names:
                checks += GRADERS[name](context, found[name])
                steps.advance(name)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    rows, records = exercise_rows(checks, names)
    notes = list(context.notes)
    for name, job in context.jobs.items():
        notes.append(
            f"{name}: training job {job.seconds:.1f} s, peak memory {job.peak_rss_mb:.0f} MB"
        )
    status = "graded"
    if not present:
        status = "could not import"
    elif any(j.error and "longer than" in j.error for j in context.jobs.values()):
        status = "timed out"
    report = SubmissionReport(
        student=student or folder.name,
        status=status,
        isolation=limits.isolation,
        mode="capstones",
        execution_time=round(time.monotonic() - started, 3),
        score=round(sum(r["score"] for r in rows), 2),
        max_score=sum(r["max_score"] for r in rows),
        exercises=rows,
        tests=records,
        notes=notes,
    )
    return CapstoneOutcome(report, context.measurements, context.jobs)


__all__ = ["CapstoneLimits", "CapstoneOutcome", "grade_capstones", "resolve_names"]
