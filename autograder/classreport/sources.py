"""Where a class's results and code are: a ``grade-batch`` folder or an nbgrader course.

Both leave one ``report.json`` per student (``{"report": SubmissionReport.to_dict(), ...}``):
``grade-batch`` in ``DIR/<student>/``, deepgrade's nbgrader step (``IsolatedGrading``) in
``COURSE/autograded/<student>/<assignment>/``. The code compared for similarity is what the
students submitted: ``ROOT/<student>/<topic>.py`` for a batch (``--submissions ROOT``), the
notebooks of ``COURSE/submitted/<student>/<assignment>/`` for a course. A student whose
report cannot be read is kept, with the reason, so that nobody is lost.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path

from autograder.grading.engine import SubmissionReport
from autograder.paths import EXERCISES_DIR
from deepgrade.catalog import ALL_TOPICS
from deepgrade.notebooks import NotebookError, module_source, read, topic_of

MAX_SOURCE_BYTES = 1_000_000  # a bigger "module" is not a student's code (a flood): skipped
NBGRADER_CONFIG = "nbgrader_config.py"


class SourceError(Exception):
    """The folder is neither a grade-batch output folder nor an autograded nbgrader course."""


@dataclass
class ClassInput:
    """Everything a class report is computed from."""

    kind: str
    """``"grade-batch"`` or ``"nbgrader"``."""
    where: Path
    """The folder the reports were read from."""
    reports: dict[str, SubmissionReport]
    """Each student's report, by student."""
    unreadable: dict[str, str] = field(default_factory=dict)
    """Students with no usable report, and why (missing, not JSON, not a report)."""
    gradebook: dict[str, dict[str, str]] = field(default_factory=dict)
    """``gradebook.csv``'s rows by student (a batch only)."""
    code: dict[str, dict[str, str]] = field(default_factory=dict)
    """Submitted source by topic, then student."""
    boilerplate: dict[str, list[str]] = field(default_factory=dict)
    """By topic: the code every student started from (the stubs), which never counts."""
    code_note: str = ""
    """Why no code was compared, when none was."""


def read_report(path: Path) -> SubmissionReport:
    """One student's ``report.json``; ValueError naming the problem when it is not one."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise ValueError(f"cannot read {path.name}: {err.strerror or err}") from None
    except ValueError as err:
        raise ValueError(f"{path.name} is not JSON: {err}") from None
    try:
        return SubmissionReport.from_dict(document["report"])
    except (KeyError, TypeError) as err:
        raise ValueError(f"{path.name} is not a deepgrade report ({err})") from None


def stubs() -> dict[str, list[str]]:
    """The stub of each topic, as every student received it."""
    return {
        topic: [(EXERCISES_DIR / f"{topic}.py").read_text(encoding="utf-8")]
        for topic in ALL_TOPICS
        if (EXERCISES_DIR / f"{topic}.py").is_file()
    }


def _source(path: Path) -> str | None:
    if not path.is_file() or path.is_symlink() or path.stat().st_size > MAX_SOURCE_BYTES:
        return None
    return path.read_text(encoding="utf-8", errors="replace")


def from_batch(folder: Path, submissions: Path | None) -> ClassInput:
    """A ``grade-batch`` output folder, and the submissions it graded if given."""
    gradebook_path = folder / "gradebook.csv"
    if not gradebook_path.is_file():
        raise SourceError(
            f"{folder} has no gradebook.csv: give a grade-batch --output-dir or an nbgrader "
            f"course (a folder with {NBGRADER_CONFIG})"
        )
    with gradebook_path.open(newline="", encoding="utf-8") as f:
        gradebook = {row["student"]: row for row in csv.DictReader(f) if row.get("student")}
    found = {p.parent.name for p in folder.glob("*/report.json")}
    result = ClassInput("grade-batch", folder, {}, gradebook=gradebook, boilerplate=stubs())
    for student in sorted(found | set(gradebook)):
        try:
            result.reports[student] = read_report(folder / student / "report.json")
        except ValueError as err:
            result.unreadable[student] = str(err)
    if submissions is None:
        result.code_note = "no --submissions folder given: similarity was not computed"
        return result
    if not submissions.is_dir():
        raise SourceError(f"--submissions {submissions} is not a folder")
    for student in sorted(result.reports):
        for topic in ALL_TOPICS:
            text = _source(submissions / student / f"{topic}.py")
            if text is not None:
                result.code.setdefault(topic, {})[student] = text
    return result


def from_nbgrader(course: Path, assignment: str) -> ClassInput:
    """An nbgrader course autograded by deepgrade's isolated step: its reports and notebooks."""
    autograded = course / "autograded"
    paths = sorted(autograded.glob(f"*/{assignment}/report.json"))
    if not paths:
        raise SourceError(
            f"{course} has no autograded/*/{assignment}/report.json: run `nbgrader autograde "
            f"{assignment}` with the course's default (isolated) autograde mode first"
        )
    result = ClassInput("nbgrader", course, {}, boilerplate=stubs())
    for path in paths:
        student = path.parents[1].name
        try:
            result.reports[student] = read_report(path)
        except ValueError as err:
            result.unreadable[student] = str(err)
    released = course / "release" / assignment
    for notebook in sorted(released.glob("*.ipynb")):
        try:  # the stub as the notebook's module: the same text students' modules hold
            stub = read(notebook)
            result.boilerplate.setdefault(topic_of(stub, notebook.name), []).append(
                module_source(stub)
            )
        except NotebookError:
            continue
    for student in sorted(result.reports):
        for notebook in sorted((course / "submitted" / student / assignment).glob("*.ipynb")):
            try:
                parsed = read(notebook)
                text = module_source(parsed)
                result.code.setdefault(topic_of(parsed, notebook.name), {})[student] = text
            except NotebookError:
                continue  # graded as broken already; nothing to compare
    return result


def load(
    folder: Path, submissions: Path | None = None, assignment: str = "exercises"
) -> ClassInput:
    """The class in ``folder``: an nbgrader course if it has its config, else a batch."""
    if not folder.is_dir():
        raise SourceError(f"{folder} is not a folder")
    if (folder / NBGRADER_CONFIG).is_file():
        return from_nbgrader(folder, assignment)
    return from_batch(folder, submissions)
