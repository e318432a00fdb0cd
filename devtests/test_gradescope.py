"""The Gradescope autograder: the zip ``deepgrade build-gradescope`` writes, and its real
``run_autograder`` run against a temporary ``/autograder`` root.

The zip is built once by the command; its scripts are unpacked into ``ROOT/source``
exactly as Gradescope does and run with ``bash``, the environment under test as their
Python (``DEEPGRADE_PYTHON``) and ``ROOT`` moved (``DEEPGRADE_GRADESCOPE_ROOT``). Every
results.json is validated against Gradescope's format (the schema of
``test_grading_reports.py``), and shows what a student sees there.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import jsonschema
import pytest

from autograder.grading.gradescope import DEFAULT_VISIBILITY
from autograder.paths import PROJECT_ROOT
from autograder.worker import sandbox
from deepgrade.catalog import BY_NAME, TOPICS, TOTAL_POINTS, in_module
from devtests.commands import DEEPGRADE
from devtests.test_grading_reports import GRADESCOPE_SCHEMA

SOLUTIONS, STUBS = PROJECT_ROOT / "solutions", PROJECT_ROOT / "exercises"
CORPUS = PROJECT_ROOT / "devtests" / "corpus"
RECURRENT_POINTS = sum(e.points for e in in_module("recurrent"))


def build(tmp: Path, *flags: str) -> Path:
    out = tmp / "autograder.zip"
    proc = subprocess.run([*DEEPGRADE, "build-gradescope", "--output", str(out), *flags],
                          capture_output=True, text=True, timeout=120, check=False)  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return out


@pytest.fixture(scope="module")
def autograder_zip(tmp_path_factory) -> Path:
    return build(tmp_path_factory.mktemp("build"))


def modules(source: Path, dest: Path, *, only: tuple[str, ...] = tuple(TOPICS)) -> None:
    dest.mkdir(parents=True, exist_ok=True)
    for topic in only:
        shutil.copyfile(source / f"{topic}.py", dest / f"{topic}.py")


def run_autograder(zip_path: Path, root: Path) -> tuple[dict, subprocess.CompletedProcess]:
    """Unpack the zip as Gradescope does, run its run_autograder, read results.json."""
    with zipfile.ZipFile(zip_path) as archive:
        archive.extractall(root / "source")
    (root / "results").mkdir()
    env = {**os.environ, "DEEPGRADE_GRADESCOPE_ROOT": str(root), "DEEPGRADE_PYTHON": sys.executable}
    proc = subprocess.run(["bash", str(root / "source" / "run_autograder")], env=env,
                          capture_output=True, text=True, timeout=600, check=False)  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    results = json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))
    jsonschema.validate(results, GRADESCOPE_SCHEMA)
    return results, proc


def by_name(results: dict) -> dict[str, dict]:
    return {t["name"]: t for t in results["tests"]}


# ------------------------------------------------------------------------- the zip


def test_the_zip_holds_the_scripts_at_its_root_and_the_project_beside_them(autograder_zip):
    with zipfile.ZipFile(autograder_zip) as archive:
        names = set(archive.namelist())
        modes = {i.filename: i.external_attr >> 16 for i in archive.infolist()}
        setup = archive.read("setup.sh").decode()
        run = archive.read("run_autograder").decode()
    for script in ("setup.sh", "run_autograder"):
        assert modes[script] & stat.S_IXUSR, f"{script} is not executable"
    for needed in ("pyproject.toml", "setup.cfg", "constraints.txt", "README.md",
                   "autograder/grading/gradescope.py", "autograder/worker/runner.py",
                   "solutions/convolution.py", "exercises/_validate.py",
                   "tests/test_convolution.py", "deepgrade/catalog.py"):  # fmt: skip
        assert needed in names, needed
    assert {f"autograder/suites/test_{t}_hidden.py" for t in TOPICS} <= names
    assert not [n for n in names if n.startswith(("devtests/", "benchmarks/", ".git", ".venv"))]
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
    assert '-c "$SOURCE/constraints.txt"' in setup and "bubblewrap" in setup
    assert "chmod -R go-rwx" in setup
    assert f"--visibility {DEFAULT_VISIBILITY}" in run
    for text in (setup, run):  # both are valid bash
        check = subprocess.run(["bash", "-n"], input=text, capture_output=True, text=True)
        assert check.returncode == 0, check.stderr


def test_a_bad_visibility_is_refused_with_one_line(tmp_path):
    argv = [*DEEPGRADE, "build-gradescope", "--output", str(tmp_path / "a.zip")]
    proc = subprocess.run([*argv, "--visibility", "sometimes"], capture_output=True, text=True)
    assert proc.returncode != 0 and "invalid choice: 'sometimes'" in proc.stderr
    assert not (tmp_path / "a.zip").exists()


def test_the_zips_stubs_are_the_releases_generated_from_solutions(autograder_zip):
    """What an upload is compared with to know which files the student edited."""
    from autograder.builders import stubs

    with zipfile.ZipFile(autograder_zip) as archive:
        zipped = {
            n.removeprefix("exercises/"): archive.read(n).decode()
            for n in archive.namelist()
            if n.startswith("exercises/")
        }
    assert zipped == stubs.build(PROJECT_ROOT / "solutions")


# ------------------------------------------------------------------ run_autograder


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


SUBMISSIONS = [
    "reference", "stubs", "broken", "nothing_importable", "hostile", "notebooks", "junk_notebook"
]  # fmt: skip


def make_submission(kind: str, folder: Path) -> None:
    if kind == "reference":  # at the top of the upload
        modules(SOLUTIONS, folder)
    elif kind == "stubs":  # in a folder of the upload
        modules(STUBS, folder / "homework")
    elif kind == "broken":  # the reference, with a recurrent.py that does not compile
        modules(SOLUTIONS, folder)
        shutil.copyfile(CORPUS / "broken" / "syntax_error" / "recurrent.py",
                        folder / "recurrent.py")  # fmt: skip
    elif kind == "nothing_importable":
        folder.mkdir(parents=True)
        shutil.copyfile(CORPUS / "broken" / "syntax_error" / "recurrent.py",
                        folder / "recurrent.py")  # fmt: skip
    elif kind == "hostile":  # finds the reference through package metadata
        modules(SOLUTIONS, folder)
        shutil.copyfile(CORPUS / "hostile" / "metadata_solutions" / "activations.py",
                        folder / "activations.py")  # fmt: skip
    elif kind == "notebooks":  # the course's notebooks, answered, with stale paired stubs
        from autograder.builders import nbgrader

        course, stale = nbgrader.course_files(), nbgrader.student_files()
        for topic in TOPICS:
            write(folder / "homework" / f"{topic}.ipynb", course[f"source/exercises/{topic}.ipynb"])
            write(folder / "homework" / f"{topic}.py", stale[f"{topic}.py"])
    elif kind == "junk_notebook":
        folder.mkdir(parents=True)
        (folder / "homework.ipynb").write_text('{"cells": [], "nbformat": 4}')


@pytest.mark.parametrize("kind", SUBMISSIONS)
def test_run_autograder_grades_the_submission_into_results_json(autograder_zip, tmp_path, kind):
    root = tmp_path / "autograder"
    make_submission(kind, root / "submission")
    results, proc = run_autograder(autograder_zip, root)
    level = sandbox.resolve("auto")
    output = results["output"]
    print(f"gradescope {kind}: {results['score']:g}/{TOTAL_POINTS}; " + output.replace("\n", "; "))
    assert f"isolation: {level}; mode: worker" in output  # always auto, and named
    assert output.splitlines()[0] in proc.stdout
    assert results["visibility"] == "visible"  # the total
    assert {t["visibility"] for t in results["tests"]} == {DEFAULT_VISIBILITY}
    assert sum(t["max_score"] for t in results["tests"]) == TOTAL_POINTS
    tests = by_name(results)
    expected = {
        "reference": (TOTAL_POINTS, "graded"),
        "stubs": (0, "graded"),
        "broken": (TOTAL_POINTS - RECURRENT_POINTS, "graded"),
        "nothing_importable": (0, "could not import"),
        "hostile": (None, "graded"),  # relu, and the exercises that call it, lose points
        "notebooks": (TOTAL_POINTS, "graded"),
        "junk_notebook": (0, "could not import"),
    }[kind]
    assert results["score"] == expected[0] or expected[0] is None
    assert f"/{TOTAL_POINTS} ({expected[1]})" in output.splitlines()[0]
    if kind == "stubs":
        assert "activations: graded homework/activations.py" in output
        relu = tests[BY_NAME["relu"].label]["output"]
        assert relu.startswith("graded: homework/activations.py\n")
    if kind == "broken":
        lstm = tests[BY_NAME["lstm_cell"].label]["output"]
        assert "SyntaxError" in lstm and "recurrent.py line" in lstm
    if kind == "hostile":
        relu = tests[BY_NAME["relu"].label]
        assert relu["score"] == 0 and "metadata attack read no solutions/" in relu["output"]
        for name in ("sigmoid", "softmax", "conv2d", "lstm_cell"):  # the reference's code
            assert tests[BY_NAME[name].label]["status"] == "passed", name
    if kind == "notebooks":
        for topic in TOPICS:
            assert (
                f"{topic}: graded homework/{topic}.ipynb (the file you edited; "
                f"homework/{topic}.py is unchanged from the release)"
            ) in output
    if kind == "junk_notebook":
        assert "homework.ipynb is not one of the course's notebooks" in output
        assert "not graded" in output
    if kind == "nothing_importable":
        assert "found none of the exercise modules" not in output  # recurrent.py was found


def test_visibility_is_a_build_option(tmp_path):
    zip_path = build(tmp_path, "--visibility", "hidden")
    root = tmp_path / "autograder"
    modules(SOLUTIONS, root / "submission")
    results, _ = run_autograder(zip_path, root)
    assert {t["visibility"] for t in results["tests"]} == {"hidden"}
    assert results["visibility"] == "visible" and results["score"] == TOTAL_POINTS
