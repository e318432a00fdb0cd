"""Gradescope from the student's side: a built release, edited as a student does, uploaded
as Gradescope students upload it, graded by the autograder zip's real ``run_autograder``.

The student works in ``exercises/`` (or in the notebooks) of the release and uploads the
whole repository (a zip of it with one top folder, as GitHub's are, or a plain folder), or
``exercises/`` only, or the notebooks only, or edits both. Per topic the file edited is
graded: the score equals ``deepgrade grade`` on the edited modules, and results.json says
which file was graded and why.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from autograder.builders import release
from deepgrade.catalog import in_module
from devtests.commands import DEEPGRADE
from devtests.notebook_students import from_module
from devtests.test_gradescope import build, run_autograder
from devtests.test_release_install import FAST_STEPS, _paste_references
from devtests.test_submission import with_answers

pytestmark = pytest.mark.slow
TOP = "deep-course-main"
EDITED = {  # the student's work: two topics in full, one exercise of a third
    "activations": {e.name for e in in_module("activations")},
    "pooling": {e.name for e in in_module("pooling")},
    "convolution": {in_module("convolution")[0].name},
}


def _zip_with_top_folder(folder: Path, archive: Path) -> None:
    """A zip of ``folder`` whose entries are under one top folder, as GitHub's zips are."""
    with zipfile.ZipFile(archive, "w") as out:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and ".venv" not in path.parts:
                out.write(path, f"{TOP}/{path.relative_to(folder).as_posix()}")


def _submit(zip_path: Path, tmp: Path, name: str, fill) -> dict:
    root = tmp / name
    fill(root / "submission")
    results, _ = run_autograder(zip_path, root)
    return results


def _scores(results: dict) -> dict[str, float]:
    return {t["name"]: t["score"] for t in results["tests"]}


def _notebook(student: Path, topic: str, source: str) -> None:
    path = student / "notebooks" / f"{topic}.ipynb"
    released = json.loads(path.read_text(encoding="utf-8"))
    path.write_text(json.dumps(from_module(released, source, topic)), encoding="utf-8")


@pytest.mark.timeout(3600)
def test_gradescope_grades_what_the_student_edited_in_the_release(tmp_path):
    student = tmp_path / "release"
    release.build(student, steps=FAST_STEPS)  # the release's own builder (no package check)
    autograder_zip = build(tmp_path / "build")
    _paste_references(student, only=EDITED)  # the student's edits, in exercises/

    graded = subprocess.run(
        [*DEEPGRADE, "grade", str(student / "exercises"), "--format", "gradescope",
         "--isolation", "auto"], capture_output=True, text=True, timeout=900, check=False,
    )  # fmt: skip
    assert graded.returncode == 0, graded.stderr
    expected = json.loads(graded.stdout)
    assert 0 < expected["score"] < 100

    # the whole repository, as a zip with a top folder, unpacked by Gradescope
    archive = tmp_path / "upload.zip"
    _zip_with_top_folder(student, archive)
    whole = _submit(
        autograder_zip, tmp_path, "zip", lambda to: zipfile.ZipFile(archive).extractall(to)
    )
    assert whole["score"] == expected["score"]
    assert _scores(whole) == _scores(expected)
    assert (
        f"activations: graded {TOP}/exercises/activations.py (the file you edited;"
        in (whole["output"])
    )
    relu = next(t for t in whole["tests"] if "(relu)" in t["name"])
    assert relu["output"].startswith(f"graded: {TOP}/exercises/activations.py")

    # the whole repository as a plain folder (GitHub's integration)
    no_venv = shutil.ignore_patterns(".venv")
    folder = _submit(autograder_zip, tmp_path, "folder",
                     lambda to: shutil.copytree(student, to, ignore=no_venv))  # fmt: skip
    assert folder["score"] == expected["score"]
    assert "activations: graded exercises/activations.py" in folder["output"]

    # exercises/ only
    only = _submit(autograder_zip, tmp_path, "exercises",
                   lambda to: shutil.copytree(student / "exercises", to / "exercises"))  # fmt: skip
    assert only["score"] == expected["score"]

    # the notebooks only, with the same answers in their answer cells
    notebooks = tmp_path / "notebooks-student"
    shutil.copytree(student / "notebooks", notebooks / "notebooks")
    for topic in EDITED:
        text = (student / "exercises" / f"{topic}.py").read_text(encoding="utf-8")
        _notebook(notebooks, topic, text)
    jupyter = _submit(autograder_zip, tmp_path, "notebooks",
                      lambda to: shutil.copytree(notebooks, to))  # fmt: skip
    assert jupyter["score"] == expected["score"]
    assert "pooling: graded notebooks/pooling.ipynb (the file you edited;" in jupyter["output"]

    # both edited: the module holds all of activations, the notebook one exercise
    both = tmp_path / "both-student"
    shutil.copytree(student, both, ignore=shutil.ignore_patterns(".venv"))
    first = in_module("activations")[0].name
    _notebook(both, "activations", with_answers("activations", {first}))
    mixed = _submit(autograder_zip, tmp_path, "both", lambda to: shutil.copytree(both, to))
    assert mixed["score"] == expected["score"]
    total = len(in_module("activations"))
    assert (
        f"activations: graded exercises/activations.py (it changes {total} of {total} "
        "exercises from the release's stub, notebooks/activations.ipynb changes 1"
    ) in mixed["output"]
