"""A capstone notebook through nbgrader: the isolated step hands it to the capstone grader.

The reference digits CNN pasted into the released notebook, and the stub, autograded with
nbgrader's own command: the gradebook holds what ``deepgrade grade-capstones`` gives the
same code as a module (full points for the reference, none for the stub).
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from autograder.capstones.grade import grade_capstones
from deepgrade.catalog import in_module
from devtests.commands import DEEPGRADE
from devtests.notebook_students import PROJECT, from_module, gradebook_scores, nbgrader, read, write

pytestmark = [
    pytest.mark.tf,
    pytest.mark.slow,
    pytest.mark.skipif(sys.platform != "linux", reason="the isolated levels are Linux's"),
]
TOPIC = "capstone_digits"


def test_a_capstone_notebook_scores_as_grade_capstones_gives(tmp_path):
    course = tmp_path / "course"
    subprocess.run([*DEEPGRADE, "build-nbgrader", "--course", str(course)], check=True)
    nbgrader(course, "generate_assignment", "capstones")
    released = read(course / "release" / "capstones" / f"{TOPIC}.ipynb")
    solution = (PROJECT / "solutions" / f"{TOPIC}.py").read_text()
    for student, notebook in (
        ("reference", from_module(released, solution, TOPIC)),
        ("stub", released),
    ):
        folder = course / "submitted" / student / "capstones"
        write(folder / f"{TOPIC}.ipynb", notebook)
        (folder / "timestamp.txt").write_text("2024-05-01 12:00:00.000000 UTC")
    nbgrader(course, "autograde", "capstones")
    got = gradebook_scores(course, "capstones", ["reference", "stub"], in_module(TOPIC))

    (tmp_path / "modules").mkdir()
    (tmp_path / "modules" / f"{TOPIC}.py").write_text(solution)
    report = grade_capstones(tmp_path / "modules", capstones=["digits"]).report
    assert got["reference"] == {row["name"]: row["score"] for row in report.exercises}
    assert got["reference"] == {e.name: e.points for e in in_module(TOPIC)}
    assert set(got["stub"].values()) == {0}
