"""The course's roster: which student handed in which submission folder.

A CSV file with a header row. The ``submission`` column names each student's folder in
the batch; the others say who that is in the LMS, by any of ``login`` (Canvas's SIS Login
ID, Moodle's username), ``sis_id`` (Canvas's SIS User ID, Moodle's ID number) and
``email``. Header names are read loosely (case, spaces, ``-`` and ``_`` do not matter,
and the LMSs' own names work: ``SIS Login ID``, ``SIS User ID``, ``ID number``,
``Email address``, ``username``)::

    submission,login,sis_id,email
    alice-smith,asmith,20261234,alice.smith@uni.example
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

# the roster's fields, and the header names (normalised) that mean each
FIELDS = {
    "submission": ("submission", "folder", "submissionfolder"),
    "login": ("login", "sisloginid", "username", "loginid"),
    "sis_id": ("sisid", "sisuserid", "idnumber", "studentid", "studentnumber"),
    "email": ("email", "emailaddress", "mail"),
}
IDENTIFIERS = ("login", "sis_id", "email")


class RosterError(ValueError):
    """The roster cannot be read, or says something twice."""


@dataclass(frozen=True)
class Student:
    submission: str
    login: str = ""
    sis_id: str = ""
    email: str = ""
    line: int = 0

    def who(self) -> str:
        ids = [f"{field} {getattr(self, field)}" for field in IDENTIFIERS if getattr(self, field)]
        return f"{self.submission} ({', '.join(ids) or 'no identifier'})"


def _normal(header: str) -> str:
    return re.sub(r"[\s_\-]+", "", header.strip().lower())


def read_roster(path: Path) -> list[Student]:
    """The roster's students, in its order."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as err:
        raise RosterError(f"cannot read the roster {path}: {err}") from None
    rows = list(csv.reader(text.splitlines()))
    if not rows:
        raise RosterError(f"the roster {path} is empty")
    where: dict[str, int] = {}
    for i, header in enumerate(rows[0]):
        for field, names in FIELDS.items():
            if _normal(header) in names and field not in where:
                where[field] = i
    if "submission" not in where:
        raise RosterError(
            f"the roster {path} has no 'submission' column (each student's folder in the batch)"
        )
    if not any(field in where for field in IDENTIFIERS):
        raise RosterError(f"the roster {path} has none of the columns login, sis_id, email")
    students: list[Student] = []
    seen: dict[tuple[str, str], int] = {}
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        values = {f: row[i].strip() if i < len(row) else "" for f, i in where.items()}
        student = Student(line=line, **values)
        if not student.submission:
            raise RosterError(f"{path}, line {line}: no submission folder")
        for field in ("submission", *IDENTIFIERS):
            value = getattr(student, field).lower()
            if value and (field, value) in seen:
                raise RosterError(
                    f"{path}, line {line}: {field} {getattr(student, field)!r} "
                    f"is already on line {seen[field, value]}"
                )
            if value:
                seen[field, value] = line
        students.append(student)
    return students
