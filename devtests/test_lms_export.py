"""``deepgrade export``: a batch's grades into the files Canvas and Moodle import.

The Canvas gradebooks here are in the layout Canvas exports (canvas-lms
``lib/gradebook_exporter.rb``): the header ``Student, ID, SIS User ID, SIS Login ID,
Section``, assignment columns titled ``NAME (ID)``, read-only totals, an optional
posting-policy row, the ``    Points Possible`` row, then the students (the course's
"Test Student" among them); with a byte-order mark, or ``;`` as in some locales. Moodle's
file is read back as Moodle's CSV import reads it (a header, one user column, one column
per grade item). The round trip grades a tiny class with ``deepgrade grade-batch``.
"""

from __future__ import annotations

import csv
import io
import subprocess
from pathlib import Path

import pytest

from autograder.grading.batch import GRADEBOOK_COLUMNS
from autograder.paths import PROJECT_ROOT
from deepgrade.catalog import EXERCISES, TOTAL_POINTS, in_module
from devtests.commands import DEEPGRADE

ITEM = "Deep learning exercises"
HEADER = [
    "Student",
    "ID",
    "SIS User ID",
    "SIS Login ID",
    "Section",
    "Homework 1 (1001)",
    f"{ITEM} (1002)",
    "Current Points",
    "Final Points",
    "Current Score",
    "Unposted Current Score",
    "Final Score",
    "Unposted Final Score",
]
READ_ONLY = ["(read only)"] * 6
CANVAS_ROWS = [
    HEADER,
    ["", "", "", "", "", "", "Manual Posting", "", "", "", "", "", ""],
    ["    Points Possible", "", "", "", "", "10.00", "100.00", *READ_ONLY],
    [
        "Smith, Alice",
        "101",
        "20261234",
        "asmith",
        "Section A",
        "9",
        "",
        "9",
        "9",
        "90",
        "90",
        "90",
        "90",
    ],
    [
        "O'Brien, Zoë",
        "102",
        "20265678",
        "zobrien@uni.example",
        "Section B",
        "7",
        "",
        "7",
        "7",
        "70",
        "70",
        "70",
        "70",
    ],
    ["Doe, John", "103", "20269999", "jdoe", "Section A", "", "", "0", "0", "0", "0", "0", "0"],
    [
        "Lee, Kim",
        "104",
        "20260001",
        "klee",
        "Section B",
        "10",
        "",
        "10",
        "10",
        "100",
        "100",
        "100",
        "100",
    ],
    ["Student, Test", "999", "", "a1b2c3d4e5", "Section A", "", "", "0", "0", "0", "0", "0", "0"],
]
ROSTER = """\
submission,login,sis_id,email
alice,asmith,20261234,alice.smith@uni.example
zoe,,,zobrien@uni.example
john,jdoe,20269999,john.doe@uni.example
ghost,gone,20260404,ghost@uni.example
"""
# the batch: alice and zoe graded, "extra" graded but not in the roster; john and ghost
# (rostered) and kim (only in Canvas) handed in nothing
BATCH = {"alice": 57.333, "zoe": 100.0, "extra": 12.5}


def write_batch(folder: Path, totals: dict[str, float]) -> Path:
    """A gradebook.csv as grade-batch writes it, with the points shared over exercises."""
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "gradebook.csv").open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(GRADEBOOK_COLUMNS)
        for student, total in totals.items():
            share = total / TOTAL_POINTS
            row = [f"{e.points * share:g}" for e in EXERCISES]
            writer.writerow([student, "graded", *row, f"{total:g}", "bwrap"])
    return folder


def write_canvas(path: Path, rows=CANVAS_ROWS, *, delimiter=",", bom=True) -> Path:
    text = io.StringIO()
    csv.writer(text, delimiter=delimiter, lineterminator="\n").writerows(rows)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.getvalue().encode())
    return path


def export(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*DEEPGRADE, "export", *args], capture_output=True, text=True, timeout=120, check=False
    )


def read_csv(path: Path, delimiter=",") -> list[list[str]]:
    raw = path.read_bytes()
    return list(csv.reader(raw.decode("utf-8-sig").splitlines(), delimiter=delimiter))


@pytest.fixture
def course(tmp_path) -> dict[str, Path]:
    roster = tmp_path / "roster.csv"
    roster.write_text(ROSTER, encoding="utf-8")
    return {
        "batch": write_batch(tmp_path / "graded", BATCH),
        "roster": roster,
        "canvas": write_canvas(tmp_path / "canvas_export.csv"),
    }


# ------------------------------------------------------------------------- Canvas


def test_canvas_keeps_its_layout_and_fills_the_item_for_rostered_students(course, tmp_path):
    out = tmp_path / "import.csv"
    proc = export(
        str(course["batch"]),
        "--to",
        "canvas",
        "--gradebook",
        str(course["canvas"]),
        "--roster",
        str(course["roster"]),
        "--output",
        str(out),
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")  # as exported
    rows = read_csv(out)
    assert len(rows) == len(CANVAS_ROWS)
    for row, original in zip(rows, CANVAS_ROWS, strict=True):
        changed = [i for i, (a, b) in enumerate(zip(row, original, strict=True)) if a != b]
        assert set(changed) <= {HEADER.index(f"{ITEM} (1002)")}, (row, original)
    column = {row[0]: row[HEADER.index(f"{ITEM} (1002)")] for row in rows[3:]}
    # alice by login, zoe by email (her SIS Login ID), john rostered with no submission
    assert column == {
        "Smith, Alice": "57.33",
        "O'Brien, Zoë": "100",
        "Doe, John": "0",
        "Lee, Kim": "",
        "Student, Test": "",
    }
    said = proc.stdout
    assert f"wrote 3 student(s) of 4 in the roster (3 graded submission(s)) to {out}" in said
    assert "no submission, given 0: john" in said
    assert "in the roster, not in the Canvas gradebook (no grade written): ghost" in said
    assert "not in the roster (left as they were): Lee, Kim (klee), Student, Test" in said
    assert "graded submissions not in the roster (no grade written): extra" in said


def test_canvas_gets_a_new_assignment_column_and_blank_for_missing(course, tmp_path):
    rows = [row[:6] + row[7:] for row in CANVAS_ROWS]  # no deepgrade column yet
    canvas = write_canvas(tmp_path / "semicolons.csv", rows, delimiter=";", bom=False)
    out = tmp_path / "import.csv"
    proc = export(
        str(course["batch"]),
        "--to",
        "canvas",
        "--gradebook",
        str(canvas),
        "--roster",
        str(course["roster"]),
        "--output",
        str(out),
        "--missing",
        "blank",
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert not out.read_bytes().startswith(b"\xef\xbb\xbf")
    got = read_csv(out, delimiter=";")
    assert got[0] == [*rows[0], ITEM]
    assert got[2][-1] == str(TOTAL_POINTS)  # Points Possible of the new assignment
    assert got[1][-1] == ""  # the posting-policy row
    assert {row[0]: row[-1] for row in got[3:]}["Doe, John"] == ""
    assert "no submission, given a blank: john" in proc.stdout


def test_canvas_per_exercise_adds_one_column_per_exercise(course, tmp_path):
    out = tmp_path / "import.csv"
    proc = export(
        str(course["batch"]),
        "--to",
        "canvas",
        "--gradebook",
        str(course["canvas"]),
        "--roster",
        str(course["roster"]),
        "--output",
        str(out),
        "--per-exercise",
        "--item",
        "DL",
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    rows = read_csv(out)
    added = rows[0][len(HEADER) :]
    assert added == [f"DL {e.number} {e.name}" for e in EXERCISES]
    assert rows[2][len(HEADER) :] == [str(e.points) for e in EXERCISES]
    zoe = next(row for row in rows if row[0] == "O'Brien, Zoë")
    assert zoe[len(HEADER) :] == [str(e.points) for e in EXERCISES]
    assert rows[3][HEADER.index(f"{ITEM} (1002)")] == ""  # the total's column untouched


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([["Name", "Score"], ["a", "1"]], "is not a gradebook exported from Canvas"),
        (CANVAS_ROWS[:1] + CANVAS_ROWS[3:], "has no 'Points Possible' row"),
    ],
)
def test_a_file_that_is_not_a_canvas_export_is_refused_in_one_line(course, tmp_path, rows, message):
    canvas = write_canvas(tmp_path / "other.csv", rows)
    proc = export(
        str(course["batch"]),
        "--to",
        "canvas",
        "--gradebook",
        str(canvas),
        "--roster",
        str(course["roster"]),
    )
    assert proc.returncode == 2 and message in proc.stdout
    assert "Traceback" not in proc.stdout + proc.stderr
    assert not (course["batch"] / "canvas_import.csv").exists()


def test_canvas_says_when_its_assignment_is_worth_other_points(course, tmp_path):
    rows = [list(row) for row in CANVAS_ROWS]
    rows[2][HEADER.index(f"{ITEM} (1002)")] = "50.00"
    canvas = write_canvas(tmp_path / "fifty.csv", rows)
    proc = export(str(course["batch"]), "--to", "canvas", "--gradebook", str(canvas),
                  "--roster", str(course["roster"]))  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    note = f"Canvas's '{ITEM} (1002)' is worth 50.00 points, deepgrade's grade is out of "
    assert f"{note}{TOTAL_POINTS}" in proc.stdout


def test_canvas_needs_its_gradebook(course):
    proc = export(str(course["batch"]), "--to", "canvas", "--roster", str(course["roster"]))
    assert proc.returncode == 2 and "--to canvas needs --gradebook" in proc.stdout


# ------------------------------------------------------------------------- Moodle


def test_moodle_gets_its_import_layout_for_every_rostered_student(course):
    proc = export(str(course["batch"]), "--to", "moodle", "--roster", str(course["roster"]))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = course["batch"] / "moodle_import.csv"
    assert f"to {out} for moodle" in proc.stdout
    assert read_csv(out) == [
        ["Email address", ITEM],
        ["alice.smith@uni.example", "57.33"],
        ["zobrien@uni.example", "100"],
        ["john.doe@uni.example", "0"],
        ["ghost@uni.example", "0"],
    ]
    assert "map from 'Email address' to useremail" in proc.stdout
    assert "graded submissions not in the roster (no grade written): extra" in proc.stdout


def test_moodle_by_id_number_lists_who_has_none(course):
    out = course["batch"] / "by-id.csv"
    proc = export(
        str(course["batch"]),
        "--to",
        "moodle",
        "--roster",
        str(course["roster"]),
        "--identify-by",
        "idnumber",
        "--missing",
        "blank",
        "--per-exercise",
        "--output",
        str(out),
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    rows = read_csv(out)
    assert rows[0] == ["ID number", *(f"{ITEM} {e.number} {e.name}" for e in EXERCISES)]
    assert [row[0] for row in rows[1:]] == ["20261234", "20269999", "20260404"]
    assert rows[2][1:] == [""] * len(EXERCISES)  # john: no submission, left blank
    assert "no sis_id in the roster (not written: Moodle would stop there): zoe" in proc.stdout


# ------------------------------------------------------------------------- bad input


def test_a_roster_without_a_submission_column_is_refused(course, tmp_path):
    roster = tmp_path / "bad-roster.csv"
    roster.write_text("login,email\nasmith,a@x\n", encoding="utf-8")
    proc = export(str(course["batch"]), "--to", "moodle", "--roster", str(roster))
    assert proc.returncode == 2 and "has no 'submission' column" in proc.stdout


def test_a_roster_that_names_a_student_twice_is_refused(course, tmp_path):
    roster = tmp_path / "twice.csv"
    roster.write_text("submission,email\na,x@u\nb,X@u\n", encoding="utf-8")
    proc = export(str(course["batch"]), "--to", "moodle", "--roster", str(roster))
    assert proc.returncode == 2 and "email 'X@u' is already on line 2" in proc.stdout


def test_a_folder_that_is_not_a_batch_is_refused(course, tmp_path):
    proc = export(str(tmp_path), "--to", "moodle", "--roster", str(course["roster"]))
    assert proc.returncode == 2 and "has no gradebook.csv" in proc.stdout


# ------------------------------------------------------------------------- round trip


def test_grade_batch_then_export_to_canvas_and_moodle(tmp_path):
    """A class of three graded by the real command, then exported to both LMSs."""
    submissions = tmp_path / "submissions"
    for name, source in (("alice", "solutions"), ("bob", "exercises")):
        folder = submissions / name
        folder.mkdir(parents=True)
        for path in (PROJECT_ROOT / source).glob("*.py"):
            (folder / path.name).write_bytes(path.read_bytes())
    half = submissions / "carol"
    half.mkdir()
    for path in (PROJECT_ROOT / "exercises").glob("*.py"):
        solved = PROJECT_ROOT / "solutions" / path.name
        (half / path.name).write_bytes((solved if path.stem == "pooling" else path).read_bytes())
    graded = tmp_path / "graded"
    batch = subprocess.run(
        [
            *DEEPGRADE,
            "grade-batch",
            str(submissions),
            "--output-dir",
            str(graded),
            "--workers",
            "1",
            "--isolation",
            "process",
        ],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert batch.returncode == 0, batch.stdout[-2000:] + batch.stderr[-2000:]
    with (graded / "gradebook.csv").open(newline="", encoding="utf-8") as f:
        totals = {row["student"]: row["total"] for row in csv.DictReader(f)}
    pooling = sum(e.points for e in in_module("pooling"))
    assert totals == {"alice": f"{TOTAL_POINTS:g}", "bob": "0", "carol": f"{pooling:g}"}

    roster = tmp_path / "roster.csv"
    roster.write_text(
        "submission,login,email\nalice,asmith,alice.smith@uni.example\n"
        "bob,bjones,bob.jones@uni.example\ncarol,cwu,carol.wu@uni.example\n"
        "dan,dkim,dan.kim@uni.example\n",
        encoding="utf-8",
    )
    canvas_rows = [
        HEADER[:5] + HEADER[7:],
        ["    Points Possible", "", "", "", "", *READ_ONLY],
        *(
            [name, str(i), "", login, "A", "", "", "", "", "", ""]
            for i, (name, login) in enumerate(
                (
                    ("Asmith, Alice", "asmith"),
                    ("Jones, Bob", "bjones"),
                    ("Wu, Carol", "cwu"),
                    ("Kim, Dan", "dkim"),
                )
            )
        ),
    ]
    canvas = write_canvas(tmp_path / "canvas.csv", canvas_rows)
    proc = export(
        str(graded), "--to", "canvas", "--gradebook", str(canvas), "--roster", str(roster)
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    rows = read_csv(graded / "canvas_import.csv")
    assert rows[0][-1] == ITEM and rows[1][-1] == str(TOTAL_POINTS)
    assert {row[0]: row[-1] for row in rows[2:]} == {
        "Asmith, Alice": f"{TOTAL_POINTS:g}",
        "Jones, Bob": "0",
        "Wu, Carol": f"{pooling:g}",
        "Kim, Dan": "0",
    }
    assert "no submission, given 0: dan" in proc.stdout

    proc = export(
        str(graded), "--to", "moodle", "--roster", str(roster), "--identify-by", "username"
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert read_csv(graded / "moodle_import.csv") == [
        ["Username", ITEM],
        ["asmith", f"{TOTAL_POINTS:g}"],
        ["bjones", "0"],
        ["cwu", f"{pooling:g}"],
        ["dkim", "0"],
    ]


def test_a_gradebook_without_grade_batchs_columns_is_refused(course, tmp_path):
    folder = tmp_path / "other"
    folder.mkdir()
    (folder / "gradebook.csv").write_text("student,status,score\nalice,graded,3\n")
    proc = export(str(folder), "--to", "moodle", "--roster", str(course["roster"]))
    assert proc.returncode == 2 and "lacks grade-batch's column(s) 1.1, " in proc.stdout
