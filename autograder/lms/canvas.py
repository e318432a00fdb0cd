"""Canvas: the batch's grades merged into a gradebook exported from Canvas.

Canvas's export (Grades > Export; canvas-lms ``lib/gradebook_exporter.rb``) is a CSV whose
header row starts with ``Student, ID, SIS User ID, SIS Login ID, Section`` (``SIS User
ID`` only where the course shows SIS ids; ``Integration ID`` and ``Root Account`` may
follow), then custom columns, one column per assignment titled ``NAME (ID)``, then
read-only totals. A row of posting policies may come next (its first cell empty), then
the ``    Points Possible`` row, then one row per student. Canvas imports the same layout
back (Grades > Import): this keeps every row and column as exported and fills only the
item's column (an existing ``NAME (ID)`` column, or a new ``NAME`` column, which Canvas
creates as a new assignment with the points of the Points Possible row).

Students are matched through the roster: its ``login`` or ``email`` against ``SIS Login
ID``, its ``sis_id`` against ``SIS User ID``.
"""

from __future__ import annotations

import argparse
import csv
import re
from pathlib import Path

from autograder.lms.batch import Batch
from autograder.lms.roster import Student
from autograder.lms.target import Column, Export, ExportError, Target, cell, columns

REQUIRED = ("ID", "SIS Login ID", "Section")
POINTS_POSSIBLE = "Points Possible"


def _read(path: Path) -> tuple[list[list[str]], str, str, bool]:
    """The gradebook's rows, and how to write it back: delimiter, line end, BOM."""
    try:
        raw = path.read_bytes()
        text = raw.decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as err:
        raise ExportError(f"cannot read the Canvas gradebook {path}: {err}") from None
    first = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first.count)  # Canvas writes ';' or tab in some locales
    rows = list(csv.reader(text.splitlines(), delimiter=delimiter))
    ending = "\r\n" if "\r\n" in text else "\n"
    return rows, delimiter, ending, raw.startswith(b"\xef\xbb\xbf")


def _layout(rows: list[list[str]], path: Path) -> int:
    """Check the export's layout; the index of its Points Possible row."""
    header = rows[0] if rows else []
    missing = [name for name in REQUIRED if name not in header]
    if missing or not ({"Student"} & set(header) or {"LastName", "FirstName"} <= set(header)):
        raise ExportError(
            f"{path} is not a gradebook exported from Canvas (Grades > Export): its first row "
            f"lacks {', '.join(missing) or 'Student'}"
        )
    for i, row in enumerate(rows[1:3], start=1):
        if row and row[0].strip() == POINTS_POSSIBLE:
            return i
    raise ExportError(
        f"{path} has no '{POINTS_POSSIBLE}' row under its header: export the "
        "gradebook from Canvas again, unedited"
    )


def _column(header: list[str], column: Column) -> int | None:
    """The index of the assignment ``column`` names (``NAME`` or ``NAME (ID)``), or None."""
    pattern = re.compile(rf"{re.escape(column.name)}( \(\d+\))?")
    found = [i for i, title in enumerate(header) if pattern.fullmatch(title.strip())]
    if len(found) > 1:
        raise ExportError(
            f"{len(found)} assignments in the gradebook are named "
            f"{column.name!r}: rename one in Canvas"
        )
    return found[0] if found else None


def _points(text: str) -> float | None:
    """A Points Possible cell (``100``, ``100.00``, ``100,00``) as a number, or None."""
    try:
        return float(text.strip().replace(",", "."))
    except ValueError:
        return None


def _fill_columns(rows: list[list[str]], points_row: int, args, export: Export) -> list:
    """The (index, column) pairs to fill; the columns the gradebook lacks are added."""
    header, targets = rows[0], []
    for column in columns(args.item, args.per_exercise):
        index = _column(header, column)
        if index is None:  # a new assignment: Canvas creates it on import
            index = len(header)
            header.append(column.name)
            for row in rows[1:]:
                row.append(str(column.points) if row is rows[points_row] else "")
        elif _points(rows[points_row][index]) not in (None, column.points):
            export.notes.append(
                f"Canvas's {header[index]!r} is worth {rows[points_row][index].strip()} "
                f"points, deepgrade's grade is out of {column.points}: set its points in Canvas"
            )
        targets.append((index, column))
    return targets


def _matcher(header: list[str], roster: list[Student]):
    """A function from a gradebook row to its rostered student (or None) and its login."""
    login_at = header.index("SIS Login ID")
    sis_at = header.index("SIS User ID") if "SIS User ID" in header else None
    by: dict[str, dict[str, Student]] = {"login": {}, "sis_id": {}, "email": {}}
    for student in roster:
        for field, index in by.items():
            if getattr(student, field):
                index[getattr(student, field).lower()] = student

    def match(row: list[str]) -> tuple[Student | None, str]:
        login = row[login_at].strip().lower()
        sis = row[sis_at].strip().lower() if sis_at is not None else ""
        student = (login and (by["login"].get(login) or by["email"].get(login))) or (
            sis and by["sis_id"].get(sis)
        )
        return student or None, login or sis or "no login"

    return match


def write(batch: Batch, roster: list[Student], args: argparse.Namespace, out: Path) -> Export:
    if not args.gradebook:
        raise ExportError("--to canvas needs --gradebook: the CSV exported from Canvas")
    source = Path(args.gradebook)
    rows, delimiter, ending, bom = _read(source)
    points_row = _layout(rows, source)
    for row in rows:
        row.extend([""] * (len(rows[0]) - len(row)))
    export = Export(out)
    targets = _fill_columns(rows, points_row, args, export)
    match = _matcher(rows[0], roster)
    matched: set[str] = set()
    strangers = []
    for row in rows[points_row + 1 :]:
        student, login = match(row)
        if student is None or student.submission in matched:
            strangers.append(f"{row[0]} ({login})")
            continue
        matched.add(student.submission)
        for index, column in targets:
            row[index] = cell(batch, student, column, args.missing)
        export.written += 1
        if student.submission not in batch.grades:
            export.no_submission.append(student.who())
    absent = [s.who() for s in roster if s.submission not in matched]
    if absent:
        export.unmatched["in the roster, not in the Canvas gradebook (no grade written)"] = absent
    if strangers:
        export.unmatched["in the Canvas gradebook, not in the roster (left as they were)"] = (
            strangers
        )
    export.unmatched_submissions(batch, roster)
    with out.open("w", newline="", encoding="utf-8-sig" if bom else "utf-8") as f:
        csv.writer(f, delimiter=delimiter, lineterminator=ending).writerows(rows)
    return export


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--gradebook",
        metavar="CSV",
        help="canvas: the gradebook exported from Canvas (Grades > Export)",
    )


TARGET = Target(
    name="canvas",
    help="the gradebook exported from Canvas, grades filled in, for its Grades > Import",
    default_file="canvas_import.csv",
    add_arguments=add_arguments,
    write=write,
)
