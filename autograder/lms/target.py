"""What every LMS target shares: the columns to fill, the matching, the account of it."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from autograder.lms.batch import Batch
from autograder.lms.roster import Student
from deepgrade.catalog import EXERCISES, TOTAL_POINTS

MISSING = {"zero": "0", "blank": ""}  # --missing: a rostered student with no submission


class ExportError(ValueError):
    """The export cannot be written as asked (a file in the wrong layout, say)."""


@dataclass(frozen=True)
class Column:
    """One grade column: its name in the LMS, its points, the number of an exercise
    (None: the total)."""

    name: str
    points: int
    exercise: str | None = None


def columns(item: str, per_exercise: bool) -> list[Column]:
    """The total as one item, or each exercise as its own (``ITEM 1.1 conv2d``)."""
    if not per_exercise:
        return [Column(item, TOTAL_POINTS)]
    return [Column(f"{item} {e.number} {e.name}", e.points, e.number) for e in EXERCISES]


def cell(batch: Batch, student: Student, column: Column, missing: str) -> str:
    """A student's grade in ``column`` as the LMS reads it (at most 2 decimals)."""
    grades = batch.grades.get(student.submission)
    if grades is None:
        return MISSING[missing]
    value = grades.total if column.exercise is None else grades.exercises[column.exercise]
    return f"{round(value, 2):g}"


@dataclass
class Export:
    """What an export did: where, how many grades, and everyone it could not match."""

    path: Path
    written: int = 0  # students given a grade (or an explicit 0 / blank for no submission)
    no_submission: list[str] = field(default_factory=list)  # rostered, nothing handed in
    unmatched: dict[str, list[str]] = field(default_factory=dict)  # why -> who
    notes: list[str] = field(default_factory=list)

    def unmatched_submissions(self, batch: Batch, roster: list[Student]) -> None:
        rostered = {s.submission for s in roster}
        extra = sorted(set(batch.grades) - rostered)
        if extra:
            self.unmatched["graded submissions not in the roster (no grade written)"] = extra


@dataclass(frozen=True)
class Target:
    """One LMS: its name, its own options, and the function that writes its file."""

    name: str
    help: str
    default_file: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    write: Callable[[Batch, list[Student], argparse.Namespace, Path], Export]
