"""``deepgrade demo`` (quickstart step 1): a sample class graded in isolation, as shown.

The command runs as a new user runs it; its gradebook is read back: every student has
the expected status, the reference full marks, the stubs none, and each other student
loses points exactly in the exercises their mistake touches (the command checks that
itself and exits 1 otherwise). Its mistakes are the catalogue's, word for word. It ends by
writing the class report, which names ana's mistake.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess

from autograder import demo
from autograder.grading.jobs import failed_report
from deepgrade.catalog import TOTAL_POINTS
from devtests.commands import DEEPGRADE
from devtests.test_mutants import MUTANTS


def test_the_demo_grades_its_class_and_shows_the_gradebook_and_feedback(tmp_path):
    proc = subprocess.run(
        [*DEEPGRADE, "demo", "--output-dir", str(tmp_path)],
        capture_output=True, text=True, timeout=600, check=False, cwd=tmp_path,
        env={**os.environ, "COLUMNS": "80"},  # off a terminal, in a terminal's width
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    with (tmp_path / "graded" / "gradebook.csv").open(newline="", encoding="utf-8") as f:
        rows = {row["student"]: row for row in csv.DictReader(f)}
    assert sorted(rows) == sorted(s.name for s in demo.SAMPLE_CLASS)
    assert {row["status"] for row in rows.values()} == {"graded"}
    assert len({row["isolation"] for row in rows.values()}) == 1
    assert float(rows["reference"]["total"]) == TOTAL_POINTS
    assert float(rows["stubs"]["total"]) == 0
    for student in demo.SAMPLE_CLASS:
        if student.name not in ("reference", "stubs"):
            assert 0 < float(rows[student.name]["total"]) < TOTAL_POINTS, student.name
    out = proc.stdout
    assert "gradebook" in out and f"What {demo.FEEDBACK_OF} sees" in out
    assert "kernel flipped" in out  # ana's named mistake, as she reads it
    assert "unexpected" not in out
    page = tmp_path / "class-report.html"  # the demo ends with its class report
    assert f"the class report: {page}" in out
    twin = json.loads(page.with_suffix(".json").read_text(encoding="utf-8"))
    assert twin["students"] == len(rows) and twin["statuses"]["graded"] == len(rows)
    conv2d = next(e for e in twin["exercises"] if e["name"] == "conv2d")
    flipped = next(m for m in conv2d["mistakes"] if m["name"] == "flipped kernel")
    assert [s["student"] for s in flipped["students"]] == ["ana"]
    assert "<svg" in page.read_text(encoding="utf-8")
    # every line of its tables fits 80 columns; the last line is the verdict
    boxed = [line for line in out.splitlines() if line[:1] in "┏┃┡│└├━─╭╰"]
    assert boxed and max(len(line) for line in boxed) <= 80, max(boxed, key=len)
    verdict = out.strip().splitlines()[-1]
    assert verdict.startswith("demo OK: 8 students graded at isolation "), verdict
    assert f"reference {TOTAL_POINTS}/{TOTAL_POINTS}" in verdict


def test_a_weaker_isolation_says_how_to_get_the_strongest():
    here = {"bwrap": "bubblewrap is not installed (Debian: apt-get install bubblewrap)",
            "uid": "only a grader running as root can start the worker as another uid",
            "landlock": None, "process": None}  # fmt: skip
    note = demo.stronger_levels("landlock", here)
    assert note.startswith("graded at isolation landlock, not the strongest; to get bwrap")
    assert "apt-get install bubblewrap" in note and "uid: only a grader running as root" in note
    assert demo.stronger_levels("bwrap", {**here, "bwrap": None}) == ""


def test_the_demo_notices_a_student_who_did_not_get_what_they_should():
    zero = {s.name: failed_report(s.name, "graded", "", "none") for s in demo.SAMPLE_CLASS}
    found = demo.surprises(zero)
    assert not any(line.startswith("stubs:") for line in found)  # no points: as expected
    assert "reference: Exercise 1.4 (conv2d) scored 0" in found
    assert "reference: Exercise 1.1 (conv_output_size) scored 0" in found
    zero["eli"].status = "crashed"
    assert "eli: crashed" in demo.surprises(zero)


def test_the_demo_mistakes_are_the_catalogued_mutants():
    catalogue = {m["id"]: m for m in MUTANTS}
    used = {m for s in demo.SAMPLE_CLASS for m in s.mistakes}
    assert len(used) >= 4
    for mistake in used:
        mutant = catalogue[mistake.id]
        assert (mistake.exercise, mistake.old, mistake.new) == (
            mutant["exercise"], mutant["old"], mutant["new"]
        ), mistake.id  # fmt: skip
