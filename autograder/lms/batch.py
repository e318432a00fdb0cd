"""A graded batch, read back from what ``deepgrade grade-batch`` wrote: ``gradebook.csv``
(one row per submission folder: status, each exercise's points, the total; the columns
are read by name, so columns grade-batch adds later are no trouble)."""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path

from deepgrade.catalog import EXERCISES


class BatchError(ValueError):
    """The folder is not a batch grade-batch wrote, or its gradebook is damaged."""


@dataclass(frozen=True)
class Grades:
    """One submission folder's grade."""

    submission: str  # the folder's name (the gradebook's ``student``)
    status: str  # graded, timed out, crashed, could not import
    total: float
    exercises: dict[str, float]  # exercise number -> points


@dataclass(frozen=True)
class Batch:
    folder: Path
    grades: dict[str, Grades]  # by submission folder name

    def needs_a_human(self) -> list[str]:
        """Submissions whose grading did not complete as it should: say so, never hide."""
        return sorted(
            f"{g.submission} ({g.status})" for g in self.grades.values() if g.status != "graded"
        )


def _number(text: str, where: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise BatchError(f"{where}: {text!r} is not a number") from None
    if not math.isfinite(value) or value < 0:
        raise BatchError(f"{where}: {text!r} is not a grade")
    return value


def read_batch(folder: Path) -> Batch:
    """The grades of the batch in ``folder`` (grade-batch's ``--output-dir``)."""
    path = folder / "gradebook.csv"
    if not path.is_file():
        raise BatchError(
            f"{folder} has no gradebook.csv: give the --output-dir of `deepgrade grade-batch`"
        )
    with path.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        needed = ["student", "status", *(e.number for e in EXERCISES), "total"]
        missing = [name for name in needed if name not in (reader.fieldnames or [])]
        if missing:
            raise BatchError(f"{path} lacks grade-batch's column(s) {', '.join(missing)}")
        grades = {}
        for line, row in enumerate(reader, start=2):
            where = f"{path}, line {line}"
            if None in row or any(v is None for v in row.values()):
                raise BatchError(f"{where}: not as many cells as columns")
            name = row["student"]
            if name in grades:
                raise BatchError(f"{where}: {name!r} is there twice")
            grades[name] = Grades(
                submission=name,
                status=row["status"],
                total=_number(row["total"], where),
                exercises={e.number: _number(row[e.number], where) for e in EXERCISES},
            )
    return Batch(folder, grades)
