"""The nbgrader round trip with nbgrader's own commands, graded by the isolated step.

``deepgrade build-nbgrader`` writes a course; ``nbgrader generate_assignment`` releases
it; students fill in the released notebooks (the reference pasted in, the stubs, three
catalogued mistakes, a notebook that stops at its first cell, three hostile submissions
of the corpus as notebooks); their notebooks go where ``nbgrader collect`` puts them;
``nbgrader autograde`` (the course's default: deepgrade's worker at isolation ``auto``),
``generate_feedback`` and ``export`` run. Every exercise's score in nbgrader's gradebook
must equal ``deepgrade grade`` on the same code as modules, at the same isolation level.
"""

from __future__ import annotations

import csv
import html
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.builders import leaks
from autograder.grading.engine import grade
from autograder.grading.reports import gradescope
from autograder.worker import sandbox
from deepgrade.catalog import EXERCISES, TOPICS, in_module
from deepgrade.notebooks import notebook_to_folder
from devtests.commands import DEEPGRADE
from devtests.notebook_students import (
    PROJECT,
    from_module,
    gradebook_scores,
    mutant_source,
    nbgrader,
    read,
    write,
)
from devtests.test_corpus import HOSTILE_CASES

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(sys.platform != "linux", reason="the isolated levels are Linux's"),
]
ASSIGNMENT = "exercises"
MUTANTS = {  # student: (topic, mutant id, words its feedback must hold)
    "flipped_kernel": ("convolution", "conv-conv2d-flipped-kernel", "flipped"),
    "no_bias": ("convolution", "conv-layer-bias-missing", "bias"),
    "gate_order": ("recurrent", "recurrent-lstm-gate-order-ifoc", "gate order"),
}
HOSTILE = ("stack_frames", "patch_pytest", "sys_exit_at_import")
STOPS = "raise SystemExit('this notebook stops here')"
LEVEL = sandbox.resolve("auto")


def modules_folder(root: Path, student: str, sources: dict[str, str]) -> Path:
    folder = root / "modules" / student
    folder.mkdir(parents=True)
    for topic, text in sources.items():
        (folder / f"{topic}.py").write_text(text, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("nbgrader")
    course = root / "course"
    subprocess.run([*DEEPGRADE, "build-nbgrader", "--course", str(course)], check=True)
    nbgrader(course, "generate_assignment", ASSIGNMENT)
    released = course / "release" / ASSIGNMENT
    solution = {t: (PROJECT / "solutions" / f"{t}.py").read_text() for t in TOPICS}

    students: dict[str, dict[str, dict]] = {}  # student: {topic: notebook}
    modules: dict[str, Path] = {}  # the same code as a folder of modules
    students["reference"] = {
        t: from_module(read(released / f"{t}.ipynb"), solution[t], t) for t in TOPICS
    }
    modules["reference"] = modules_folder(root, "reference", solution)
    students["stubs"] = {t: read(released / f"{t}.ipynb") for t in TOPICS}
    modules["stubs"] = PROJECT / "exercises"
    for student, (topic, mutant, _) in MUTANTS.items():
        text = mutant_source(topic, mutant)
        students[student] = {topic: from_module(read(released / f"{topic}.ipynb"), text, topic)}
        modules[student] = modules_folder(root, student, {topic: text})
    for name in HOSTILE:
        text = (PROJECT / "devtests/corpus/hostile" / name / "activations.py").read_text()
        released_nb = read(released / "activations.ipynb")
        students[name] = {"activations": from_module(released_nb, text, "activations")}
        modules[name] = modules_folder(root, name, {"activations": text})
    stops = from_module(
        read(released / "activations.ipynb"), solution["activations"], "activations"
    )
    added = next(c for c in stops["cells"] if c["id"] == "student-code")
    added["source"] = f"{STOPS}\n{added['source']}"  # the student's first cell ends the run
    students["stops"] = {"activations": stops}

    for student, notebooks in students.items():  # nbgrader collect's layout
        folder = course / "submitted" / student / ASSIGNMENT
        for topic, notebook in notebooks.items():
            write(folder / f"{topic}.ipynb", notebook)
        (folder / "timestamp.txt").write_text("2024-05-01 12:00:00.000000 UTC")
    converted = root / "modules" / "stops"
    notebook_to_folder(course / "submitted/stops" / ASSIGNMENT / "activations.ipynb", converted)
    modules["stops"] = converted

    autograde = nbgrader(course, "autograde", ASSIGNMENT)
    nbgrader(course, "generate_feedback", ASSIGNMENT)
    nbgrader(course, "export", "--to", str(root / "grades.csv"))
    return {
        "root": root,
        "course": course,
        "students": students,
        "modules": modules,
        "log": autograde.stdout + autograde.stderr,
    }


@pytest.fixture(scope="module")
def gradebook(course) -> dict[str, dict[str, float]]:
    """Every student's autograded score of every exercise, from nbgrader's gradebook."""
    return gradebook_scores(course["course"], ASSIGNMENT, course["students"], EXERCISES)


@pytest.fixture(scope="module")
def deepgrade_reports(course) -> dict:
    return {
        student: grade(folder, isolation=LEVEL, student=student)
        for student, folder in course["modules"].items()
    }


def html_text(path: Path) -> str:
    text = html.unescape(re.sub(r"<[^>]+>", " ", path.read_text(encoding="utf-8")))
    return " ".join(text.split())


def test_the_release_holds_no_solution_and_no_hidden_test(course):
    released = sorted((course["course"] / "release" / ASSIGNMENT).glob("*"))
    assert {p.name for p in released} >= {f"{t}.ipynb" for t in TOPICS}
    prints = leaks.Fingerprints.of()
    found = [leak for p in released for leak in leaks.check_file(p.name, p.read_bytes(), prints)]
    assert found == []


def test_every_exercise_scores_in_the_gradebook_as_deepgrade_grade_gives(
    course, gradebook, deepgrade_reports
):
    for student, report in deepgrade_reports.items():
        expected = {row["name"]: row["score"] for row in report.exercises}
        assert gradebook[student] == pytest.approx(expected, abs=1e-9), student
    assert sum(gradebook["reference"].values()) == 100
    assert sum(gradebook["stubs"].values()) == 0


def test_partial_credit_and_named_mistakes_survive_the_trip(course, gradebook):
    for student, (topic, mutant, _) in MUTANTS.items():
        lost = {e.name for e in in_module(topic) if gradebook[student][e.name] < e.points}
        assert lost, f"{mutant} lost no points in the gradebook"
    partial = [
        (student, name, points)
        for student in MUTANTS
        for name, points in gradebook[student].items()
        if 0 < points < next(e.points for e in EXERCISES if e.name == name)
    ]
    assert partial, "no exercise kept part of its points"


def test_a_notebook_that_stops_costs_its_own_topic_only(gradebook):
    assert all(gradebook["stops"][e.name] == 0 for e in in_module("activations"))


def test_hostile_notebooks_gain_nothing_and_the_mode_is_reported(course, gradebook):
    for name in HOSTILE:
        for exercise in HOSTILE_CASES[name].attacked:
            assert gradebook[name][exercise] == 0, f"{name} earned points on {exercise}"
    assert f"isolation: {LEVEL}" in course["log"]
    feedback = course["course"] / "feedback" / "stack_frames" / ASSIGNMENT / "activations.html"
    assert f"graded by deepgrade's worker (mode: worker; isolation: {LEVEL})" in html_text(feedback)


def test_feedback_holds_deepgrades_messages_and_none_of_the_hidden_tests(course, deepgrade_reports):
    def lines(paths) -> set[str]:
        return {line.strip() for path in paths for line in path.read_text().splitlines()}

    # the hidden suites' code, less what the student's own code may also hold
    hidden_code = {
        line
        for line in lines((PROJECT / "autograder" / "suites").glob("test_*_hidden.py"))
        - lines((PROJECT / "solutions").glob("*.py"))
        if len(line) > 30 and not line.startswith(("#", '"', "def test_"))
    }
    for student, (topic, _, words) in MUTANTS.items():
        page = html_text(course["course"] / "feedback" / student / ASSIGNMENT / f"{topic}.html")
        report = deepgrade_reports[student]
        outputs = {t["name"]: t["output"] for t in gradescope(report)["tests"]}
        for exercise in in_module(topic):
            assert " ".join(outputs[exercise.label].split()) in page, exercise.label
        assert words in page.lower()
        assert "BEGIN HIDDEN TESTS" not in page and "grade_in_kernel" not in page
        shown = [line for line in hidden_code if line in page]
        assert not shown, f"hidden test code in {student}'s feedback: {shown[:3]}"


def test_the_exported_csv_holds_the_gradebook_totals(course, gradebook):
    with open(course["root"] / "grades.csv", newline="") as handle:
        rows = {row["student_id"]: row for row in csv.DictReader(handle)}
    for student, scores in gradebook.items():
        assert float(rows[student]["raw_score"]) == pytest.approx(sum(scores.values()))


def test_the_course_builds_byte_identical_twice(course, tmp_path):
    again = tmp_path / "again"
    subprocess.run([*DEEPGRADE, "build-nbgrader", "--course", str(again)], check=True)
    for path in again.rglob("*"):
        if path.is_file():
            original = course["course"] / path.relative_to(again)
            assert path.read_bytes() == original.read_bytes(), path.relative_to(again)
    shutil.rmtree(again)


def test_the_class_report_reads_the_reports_the_isolated_step_left(course, gradebook, tmp_path):
    pytest.importorskip("copydetect", reason="needs the 'report' extra")
    autograded = course["course"] / "autograded"
    for student, scores in gradebook.items():
        document = json.loads((autograded / student / ASSIGNMENT / "report.json").read_text())
        rows = {row["name"]: row["score"] for row in document["report"]["exercises"]}
        assert rows == pytest.approx(scores, abs=1e-9), student
    page = tmp_path / "class.html"
    proc = subprocess.run([*DEEPGRADE, "report", str(course["course"]), "--output", str(page)],
                          capture_output=True, text=True, check=False)  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    twin = json.loads(page.with_suffix(".json").read_text())
    assert twin["source"] == "nbgrader" and twin["students"] == len(gradebook)
    for row in twin["exercises"]:
        points = next(e.points for e in EXERCISES if e.name == row["name"])
        assert row["full"] == sum(s[row["name"]] == points for s in gradebook.values())
    flipped = next(e for e in twin["exercises"] if e["name"] == "conv2d")["mistakes"]
    assert any("flipped_kernel" in [s["student"] for s in m["students"]] for m in flipped)
    assert twin["similarity"]["computed"]  # the submitted notebooks, the released ones as stubs
    assert twin["isolation"] == {LEVEL: len(gradebook)}
