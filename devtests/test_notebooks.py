"""The generated notebooks and course, and the notebook-to-module converter of the kit."""

from __future__ import annotations

import json
import re
import subprocess

import pytest

from autograder.builders import leaks, nbgrader, stubs
from autograder.grading.engine import grade
from deepgrade.catalog import ALL_TOPICS, EXERCISES, TOPICS, in_module
from deepgrade.notebooks import (
    ANSWER_PREFIX,
    TESTS_PREFIX,
    NotebookError,
    grade_id,
    module_source,
    notebook_to_folder,
    to_module_imports,
)
from devtests.commands import DEEPGRADE
from devtests.notebook_students import PROJECT, from_module, write


@pytest.fixture(scope="module")
def course() -> dict[str, str]:
    return nbgrader.course_files()


@pytest.fixture(scope="module")
def students() -> dict[str, str]:
    return nbgrader.student_files()


def cells(text: str) -> list[dict]:
    return json.loads(text)["cells"]


def test_two_builds_are_byte_identical(course, students):
    assert nbgrader.course_files() == course
    assert nbgrader.student_files() == students


def test_cell_ids_grade_ids_and_points_follow_the_catalogue(course):
    for module in ALL_TOPICS:
        assignment = "exercises" if module in TOPICS else "capstones"
        notebook = cells(course[f"source/{assignment}/{module}.ipynb"])
        ids = [c["id"] for c in notebook]
        assert len(ids) == len(set(ids))
        for cell in notebook:  # an nbgrader cell's id is its grade id: both are stable
            if grade_id(cell):
                assert cell["id"] == grade_id(cell)
        points = {
            grade_id(c).removeprefix(TESTS_PREFIX): c["metadata"]["nbgrader"]["points"]
            for c in notebook
            if c["metadata"].get("nbgrader", {}).get("grade")
        }
        assert points == {e.name: e.points for e in in_module(module)}


def test_answer_cells_hold_the_solution_and_the_students_the_stub(course, students):
    for module in TOPICS:
        source = {
            grade_id(c): "".join(c["source"])
            for c in cells(course[f"source/exercises/{module}.ipynb"])
        }
        student = {grade_id(c): "".join(c["source"]) for c in cells(students[f"{module}.ipynb"])}
        stub_text = (PROJECT / "exercises" / f"{module}.py").read_text()
        for exercise in in_module(module):
            answer = ANSWER_PREFIX + exercise.name
            assert stubs.BEGIN in source[answer]
            assert f'"{exercise.not_implemented}"' in student[answer]
            # the student's answer cell is the function of exercises/, imports aside
            assert to_module_imports(student[answer]) in stub_text
            assert "grade_in_kernel" in source[TESTS_PREFIX + exercise.name]
            assert "grade_in_kernel" not in student[TESTS_PREFIX + exercise.name]


def test_the_reference_notebooks_convert_to_modules_that_score_full_marks(course, tmp_path):
    for module in TOPICS:
        path = tmp_path / "nb" / f"{module}.ipynb"
        path.parent.mkdir(exist_ok=True)
        path.write_text(course[f"source/exercises/{module}.ipynb"])
        assert (
            notebook_to_folder(path, tmp_path / "modules") == tmp_path / "modules" / f"{module}.py"
        )
    report = grade(tmp_path / "modules", mode="in-process")
    assert report.score == 100, [r["failures"][:1] for r in report.exercises if r["failures"]]


def test_the_converter_makes_imports_relative_and_comments_magics(students, tmp_path):
    notebook = json.loads(students["backprop.ipynb"])
    notebook["cells"].insert(2, {"cell_type": "code", "execution_count": None, "id": "mine",
                                 "metadata": {}, "outputs": [], "source": "%matplotlib inline\n"
                                 "from __future__ import annotations"})  # fmt: skip
    text = module_source(read_node(notebook, tmp_path))
    assert "from ._validate import" in text and "from .activations import relu" in text
    assert "# %matplotlib inline" in text
    assert text.startswith("from __future__ import annotations\n")
    assert "check(" not in text and "hidden checks" not in text  # no checks, no tests cells


def read_node(notebook: dict, tmp_path):
    from deepgrade.notebooks import read as read_notebook

    path = tmp_path / "backprop.ipynb"
    write(path, notebook)
    return read_notebook(path)


@pytest.mark.parametrize(
    ("content", "name", "says"),
    [
        (None, "activations.ipynb", "cannot be read (No such file or directory)"),
        ("not json", "activations.ipynb", "is not a notebook: its JSON breaks at line 1, column 1"),
        ('{"nbformat": 3, "cells": []}', "activations.ipynb", "nbformat 3, not 4"),
        ('{"nbformat": 4, "cells": [{"source": 1}]}', "activations.ipynb", "cell 1 is not a code"),
        ("{}", "activations.ipynb", "is not a readable notebook"),
        ("STUDENT", "essay.ipynb", "is not one of the course's notebooks"),
    ],
)
def test_a_file_the_converter_cannot_use_gets_one_clear_error(
    content, name, says, students, tmp_path
):
    path = tmp_path / name
    if content == "STUDENT":
        notebook = json.loads(students["activations.ipynb"])
        del notebook["metadata"]["deepgrade"]
        write(path, notebook)
    elif content is not None:
        path.write_text(content)
    with pytest.raises(NotebookError, match=re.escape(says)):
        notebook_to_folder(path, tmp_path / "out")
    proc = subprocess.run([*DEEPGRADE, "check", str(path)], capture_output=True, text=True)
    assert proc.returncode == 2 and says in proc.stdout + proc.stderr


def _check(*args: str) -> subprocess.CompletedProcess:
    env = {"COLUMNS": "200", "PATH": "/usr/bin:/bin"}
    return subprocess.run([*DEEPGRADE, "check", *args], capture_output=True, text=True, env=env,
                          check=False)  # fmt: skip


def test_check_on_a_notebook_reports_its_own_exercises(students, tmp_path):
    released = json.loads(students["activations.ipynb"])
    solution = (PROJECT / "solutions" / "activations.py").read_text()
    write(tmp_path / "mine.ipynb", from_module(released, solution, "activations"))  # renamed
    proc = _check(str(tmp_path / "mine.ipynb"))
    assert proc.returncode == 0, proc.stdout + proc.stderr  # the other topics are not its own
    points = sum(e.points for e in in_module("activations"))
    assert f"{points:.1f}/{points}" in proc.stdout
    for exercise in EXERCISES:
        rows = [line for line in proc.stdout.splitlines() if exercise.label in line]
        if exercise.module == "activations":
            assert f"{exercise.points:.1f}/{exercise.points}" in rows[0]
        else:
            assert not rows, rows


def test_check_on_a_folder_grades_each_topic_from_its_notebook(students, tmp_path):
    """The release's notebooks folder: .py copies with notebook imports, notebooks beside
    them; a notebook answered wins over its stale copy, a later topic uses an earlier one."""
    nbgrader.write(tmp_path, students)
    for topic in ("activations", "backprop"):
        solution = (PROJECT / "solutions" / f"{topic}.py").read_text()
        write(tmp_path / f"{topic}.ipynb",
              from_module(json.loads(students[f"{topic}.ipynb"]), solution, topic))  # fmt: skip
    (tmp_path / "pooling.ipynb").unlink()  # its .py copy is graded instead (a stub)
    proc = _check(str(tmp_path))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    for exercise in EXERCISES:
        row = next(line for line in proc.stdout.splitlines() if exercise.label in line)
        if exercise.module in ("activations", "backprop"):
            assert f"{exercise.points:.1f}/{exercise.points}" in row, row
        else:
            assert f"0.0/{exercise.points}" in row and "not implemented yet" in row, row


def test_the_py_copies_are_what_jupytext_writes_and_nothing_pairs_them(students):
    """No churn: jupytext writes each copy back unchanged, and writes the same copy from
    its notebook; no pairing that JupyterLab could refuse to open (see PERCENT)."""
    import jupytext

    for name in (n for n in students if n.endswith(".ipynb")):
        notebook = jupytext.reads(students[name], "ipynb")
        assert "jupytext" not in notebook.metadata, name
        copy = students[name.replace(".ipynb", ".py")]
        assert jupytext.writes(notebook, "py:percent") == copy, name
        assert jupytext.writes(jupytext.reads(copy, "py:percent"), "py:percent") == copy, name


def test_the_leak_check_catches_a_planted_solution_line_or_hidden_test(students, tmp_path):
    """The release's leak check (one check for every student file) on the notebooks."""
    prints = leaks.Fingerprints.of()
    for name, text in students.items():
        assert leaks.check_file(f"notebooks/{name}", text.encode(), prints) == [], name
    solution_line = "return np.maximum(x, 0.0)"
    hidden = (
        f"{nbgrader.BEGIN_HIDDEN}\n"
        "    from autograder.notebooks.kernel import grade_in_kernel\n"
        '    grade_in_kernel("relu", globals())'
    )
    for planted, why in ((solution_line, "solutions/activations.py"),
                         (hidden, "an nbgrader region marker")):  # fmt: skip
        notebook = json.loads(students["activations.ipynb"])
        cell = next(c for c in notebook["cells"] if grade_id(c) == "answer_relu")
        cell["source"] += f"\n    {planted}"
        found = leaks.check_file(
            "notebooks/activations.ipynb", json.dumps(notebook).encode(), prints
        )
        assert found and why in str(found[0]), found


def test_build_commands_write_the_files_once(tmp_path):
    for command, flag, probe in (
        ("build-nbgrader", "--course", "source/exercises/convolution.ipynb"),
        ("build-notebooks", "--output", "convolution.py"),
    ):
        first = subprocess.run([*DEEPGRADE, command, flag, str(tmp_path / command)],
                               capture_output=True, text=True, check=True)  # fmt: skip
        again = subprocess.run([*DEEPGRADE, command, flag, str(tmp_path / command)],
                               capture_output=True, text=True, check=True)  # fmt: skip
        assert (tmp_path / command / probe).is_file()
        assert "wrote 0 file(s)" in again.stdout and "wrote 0" not in first.stdout


@pytest.mark.parametrize(("environment", "isolated"), [(None, True), ("in-kernel", False)])
def test_the_course_config_grades_through_the_worker_unless_told_otherwise(
    environment, isolated, monkeypatch
):
    from nbgrader.preprocessors import ClearHiddenTests, Execute
    from traitlets.config import Config

    from autograder.notebooks.config import configure
    from autograder.notebooks.preprocessors import IsolatedGrading, NamedStubs

    if environment:
        monkeypatch.setenv("DEEPGRADE_AUTOGRADE", environment)
    else:
        monkeypatch.delenv("DEEPGRADE_AUTOGRADE", raising=False)
    c = Config()
    configure(c)
    assert NamedStubs in c.GenerateAssignment.preprocessors
    assert ClearHiddenTests in c.GenerateFeedback.preprocessors
    steps = c.Autograde.autograde_preprocessors if isolated else []
    assert (IsolatedGrading in steps and Execute not in steps) is isolated
    monkeypatch.setenv("DEEPGRADE_AUTOGRADE", "kernel")
    with pytest.raises(ValueError, match="autograde mode must be one of isolated, in-kernel"):
        configure(Config())
