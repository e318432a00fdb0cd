"""Moodle: the CSV file Moodle's grade import reads (Grades > Import > CSV file).

Moodle's CSV import (``grade/import/csv``) reads a header row and one row per student:
one column identifies the user ("Map from" that column "to" ``useremail``,
``useridnumber`` or ``username``) and each other column is mapped to a grade item (an
existing one, or a new one); an empty cell or ``-`` means no grade. Moodle stops the
whole import at a row whose user it cannot find, so only rostered students with the
chosen identifier are written; everyone else is listed. The headers are Moodle's own
export names (``Email address``, ``ID number``, ``Username``).
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

from autograder.lms.batch import Batch
from autograder.lms.roster import Student
from autograder.lms.target import Export, Target, cell, columns

# --identify-by: the roster's field, Moodle's name for the column, its "Map to" value
IDENTIFY = {
    "email": ("email", "Email address", "useremail"),
    "idnumber": ("sis_id", "ID number", "useridnumber"),
    "username": ("login", "Username", "username"),
}


def write(batch: Batch, roster: list[Student], args: argparse.Namespace, out: Path) -> Export:
    field, title, map_to = IDENTIFY[args.identify_by]
    wanted = columns(args.item, args.per_exercise)
    export = Export(out)
    rows = [[title, *(c.name for c in wanted)]]
    without = []
    for student in roster:
        who = getattr(student, field)
        if not who:
            without.append(student.who())
            continue
        rows.append([who, *(cell(batch, student, c, args.missing) for c in wanted)])
        export.written += 1
        if student.submission not in batch.grades:
            export.no_submission.append(student.who())
    if without:
        export.unmatched[f"no {field} in the roster (not written: Moodle would stop there)"] = (
            without
        )
    export.unmatched_submissions(batch, roster)
    with out.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)
    export.notes.append(
        f"in Moodle: Grades > Import > CSV file; map from '{title}' to "
        f"{map_to}, and each grade column to its grade item"
    )
    return export


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--identify-by",
        choices=IDENTIFY,
        default="email",
        help="moodle: the user field that identifies students (default: email)",
    )


TARGET = Target(
    name="moodle",
    help="a CSV for Moodle's Grades > Import > CSV file",
    default_file="moodle_import.csv",
    add_arguments=add_arguments,
    write=write,
)
