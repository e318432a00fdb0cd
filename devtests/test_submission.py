"""Reading an upload: :func:`autograder.grading.submission.prepare_submission`.

Which file of a topic is graded (the release's layout, nested in a top folder as GitHub's
zips are, ``exercises/`` alone, notebooks alone, both edited), and the reading itself
(links, named pipes, limits) without grading anything: the routes' own runs are in
``test_upload_corpus.py`` and ``test_gradescope.py``.
"""

from __future__ import annotations

import ast
import functools
import json
import logging
import os
import sys
from pathlib import Path

import pytest

from autograder.builders import nbgrader, stubs
from autograder.grading.submission import _changed, prepare_submission
from autograder.paths import PROJECT_ROOT
from deepgrade.catalog import ALL_TOPICS, TOPICS, in_module
from deepgrade.notebooks import module_source, parse
from deepgrade.paths import EXERCISES_DIR
from deepgrade.safe_read import UnsafeFile, read_bytes
from devtests.notebook_students import from_module

SOLUTIONS = PROJECT_ROOT / "solutions"
TOP = "deepgrade-course-main"  # GitHub's zip of a repository: one top folder


@functools.cache
def student_files() -> dict[str, str]:
    """The release's notebooks and paired files (built once: it takes seconds)."""
    return nbgrader.student_files()


@functools.cache
def stub_files() -> dict[str, str]:
    return stubs.build()


def solution(topic: str) -> str:
    return (SOLUTIONS / f"{topic}.py").read_text(encoding="utf-8")


def with_answers(topic: str, names: set[str]) -> str:
    """The release's stub of ``topic`` with the reference's functions ``names`` in it."""
    stub = stub_files()[f"{topic}.py"]
    ref = solution(topic)
    answers = {
        n.name: ast.get_source_segment(ref, n)
        for n in ast.parse(ref).body
        if isinstance(n, ast.FunctionDef) and n.name in names
    }
    out = stub
    for node in ast.parse(stub).body:
        if isinstance(node, ast.FunctionDef) and node.name in answers:
            out = out.replace(ast.get_source_segment(stub, node), answers[node.name])
    return out


def release(root: Path) -> Path:
    """A student's copy of the release, as ``deepgrade release`` writes its exercises and
    notebooks (the same builders)."""
    for name, text in stub_files().items():
        write(root / "exercises" / name, text)
    for name, text in student_files().items():
        write(root / "notebooks" / name, text)
    write(root / "tests" / "test_activations.py", "def test_nothing():\n    pass\n")
    write(root / "README.md", "# the release\n")
    return root


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def answered_notebook(topic: str, source: str) -> str:
    released = json.loads(student_files()[f"{topic}.ipynb"])
    return json.dumps(from_module(released, source, topic))


def graded_file(prepared, topic: str) -> str:
    return prepared.graded[topic].split(" (")[0]


# ------------------------------------------------------------------------- the stubs


@pytest.mark.parametrize("topic", list(ALL_TOPICS))
def test_the_releases_stub_notebooks_and_their_paired_files_count_as_unedited(topic):
    """The stubs the grader compares with (exercises/, in the Gradescope zip) are those of
    the release's notebooks: an untouched notebook never wins over an edited module."""
    files = student_files()
    for name in (f"{topic}.ipynb", f"{topic}.py"):
        source = module_source(parse(files[name], name))
        assert _changed(source, topic, EXERCISES_DIR) == 0, name
    assert _changed(solution(topic), topic, EXERCISES_DIR) == len(in_module(topic))


def test_metadata_outputs_and_docstrings_are_not_edits():
    text = json.loads(student_files()["activations.ipynb"])
    text["metadata"]["widgets"] = {"state": 1}
    for cell in text["cells"]:
        if cell["cell_type"] == "code":
            cell["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "hi"}]
            cell["execution_count"] = 3
    source = module_source(parse(json.dumps(text), "activations.ipynb"))
    assert _changed(source, "activations", EXERCISES_DIR) == 0
    edited = stub_files()["activations.py"].replace('"""', '"""Mine. ', 1)  # module docstring
    assert _changed(edited, "activations", EXERCISES_DIR) == 0


# ------------------------------------------------------------------------- which file


@pytest.mark.parametrize("top", ["", TOP])
def test_a_whole_repository_with_edited_exercises_grades_the_modules(tmp_path, top):
    upload = tmp_path / "upload"
    release(upload / top)
    write(upload / top / "exercises" / "activations.py", solution("activations"))
    prepared = prepare_submission(upload, tmp_path / "scratch")
    prefix = f"{top}/" if top else ""
    assert graded_file(prepared, "activations") == f"{prefix}exercises/activations.py"
    assert "unchanged from the release" in prepared.graded["activations"]
    assert "notebooks/activations.ipynb" in prepared.graded["activations"]
    assert (prepared.folder / "activations.py").read_text() == solution("activations")
    # the untouched topics: the module too, saying nothing was edited
    assert graded_file(prepared, "pooling") == f"{prefix}exercises/pooling.py"
    assert "unchanged from the release, as are" in prepared.graded["pooling"]
    assert set(prepared.graded) == set(ALL_TOPICS)
    assert not prepared.notes


def test_exercises_alone_is_graded_as_it_is(tmp_path):
    upload = tmp_path / "upload"
    for name, text in stub_files().items():
        write(upload / "exercises" / name, text)
    write(upload / "exercises" / "convolution.py", solution("convolution"))
    prepared = prepare_submission(upload, tmp_path / "scratch")
    assert prepared.graded["convolution"] == "exercises/convolution.py"  # no choice: no why
    assert (prepared.folder / "convolution.py").read_text() == solution("convolution")
    assert (prepared.folder / "_validate.py").is_file()  # the folder's other modules too


def test_notebooks_alone_edited_in_jupyter_grade_the_notebooks(tmp_path):
    upload = tmp_path / "upload"
    release(upload / TOP)
    shutil_rmtree(upload / TOP / "exercises")
    notebooks = upload / TOP / "notebooks"
    write(notebooks / "recurrent.ipynb", answered_notebook("recurrent", solution("recurrent")))
    prepared = prepare_submission(upload, tmp_path / "scratch")
    assert graded_file(prepared, "recurrent") == f"{TOP}/notebooks/recurrent.ipynb"
    assert f"{TOP}/notebooks/recurrent.py is unchanged" in prepared.graded["recurrent"]
    graded = (prepared.folder / "recurrent.py").read_text()
    assert _changed(graded, "recurrent", EXERCISES_DIR) == len(in_module("recurrent"))


def test_a_paired_file_edited_outside_jupyter_wins_over_its_stale_notebook(tmp_path):
    upload = tmp_path / "upload"
    release(upload)
    paired = student_files()["pooling.py"]
    notebook = parse(paired, "pooling.py")
    answered = from_module(json.loads(json.dumps(notebook)), solution("pooling"), "pooling")
    import jupytext
    import nbformat

    text = jupytext.writes(nbformat.from_dict(answered), fmt="py:percent")
    write(upload / "notebooks" / "pooling.py", text)
    prepared = prepare_submission(upload, tmp_path / "scratch")
    assert graded_file(prepared, "pooling") == "notebooks/pooling.py"


def test_both_edited_grades_the_one_with_more_work_and_says_why(tmp_path):
    upload = tmp_path / "upload"
    release(upload)
    names = [e.name for e in in_module("activations")]
    write(upload / "exercises" / "activations.py", solution("activations"))
    one = with_answers("activations", {names[0]})
    write(upload / "notebooks" / "activations.ipynb", answered_notebook("activations", one))
    prepared = prepare_submission(upload, tmp_path / "scratch")
    why = prepared.graded["activations"]
    assert graded_file(prepared, "activations") == "exercises/activations.py"
    assert f"it changes {len(names)} of {len(names)} exercises" in why
    assert "notebooks/activations.ipynb changes 1" in why and "work in one of them" in why
    # a tie: the notebook (what Jupyter saves), and the why says so
    write(upload / "exercises" / "activations.py", one)
    prepared = prepare_submission(upload, tmp_path / "scratch2")
    assert graded_file(prepared, "activations") == "notebooks/activations.ipynb"
    assert "on a tie, the notebook" in prepared.graded["activations"]


def shutil_rmtree(path: Path) -> None:
    import shutil

    shutil.rmtree(path)


# ------------------------------------------------------------------------- reading safely


@pytest.mark.timeout(60)
@pytest.mark.skipif(sys.platform == "win32", reason="named pipes and links")
def test_links_and_pipes_are_never_followed_or_opened(tmp_path):
    outside = tmp_path / "outside.py"
    outside.write_text(solution("pooling"))
    upload = tmp_path / "upload"
    write(upload / "activations.py", solution("activations"))
    os.symlink(outside, upload / "pooling.py")
    os.symlink(SOLUTIONS, upload / "homework")
    os.mkfifo(upload / "convolution.py")
    os.mkfifo(upload / "recurrent.ipynb")
    prepared = prepare_submission(upload, tmp_path / "scratch")
    assert sorted(p.name for p in prepared.folder.iterdir()) == ["activations.py"]
    assert all(p.is_file() and not p.is_symlink() for p in prepared.folder.iterdir())
    text = "\n".join(prepared.notes)
    assert "pooling.py is a symbolic link" in text and "homework is a symbolic link" in text
    assert "convolution.py is a named pipe" in text and "recurrent.ipynb is a named pipe" in text
    assert set(prepared.graded) == {"activations"}


@pytest.mark.timeout(60)
@pytest.mark.skipif(sys.platform == "win32", reason="named pipes and links")
def test_the_safe_reader_refuses_links_pipes_and_large_files_without_quoting_them(tmp_path):
    (tmp_path / "secret").write_text("SECRET CONTENT")
    os.symlink(tmp_path / "secret", tmp_path / "link")
    os.mkfifo(tmp_path / "pipe")
    (tmp_path / "big").write_bytes(b"SECRET CONTENT" * 100)
    for name, says in [("link", "is a symbolic link"), ("pipe", "is a named pipe"),
                       ("big", "is larger than 100 bytes")]:  # fmt: skip
        with pytest.raises(UnsafeFile, match=says) as caught:
            read_bytes(tmp_path / name, 100)
        assert "SECRET" not in str(caught.value)
    assert read_bytes(tmp_path / "secret", 100) == b"SECRET CONTENT"


def test_every_topic_found_in_a_flat_folder_of_modules_is_graded(tmp_path):
    upload = tmp_path / "upload"
    for topic in TOPICS:
        write(upload / f"{topic}.py", solution(topic))
    write(upload / "helpers.py", "X = 1\n")
    prepared = prepare_submission(upload, tmp_path / "scratch")
    assert prepared.graded == {topic: f"{topic}.py" for topic in TOPICS}
    assert (prepared.folder / "helpers.py").read_text() == "X = 1\n"
    assert not prepared.notes


def test_an_empty_upload_says_what_it_looked_for(tmp_path):
    (tmp_path / "upload").mkdir()
    prepared = prepare_submission(tmp_path / "upload", tmp_path / "scratch")
    assert prepared.graded == {}
    assert "found none of the exercise modules (convolution.py, pooling.py" in prepared.notes[0]


@pytest.mark.timeout(60)
@pytest.mark.skipif(sys.platform == "win32", reason="named pipes and links")
def test_the_workers_staging_copies_no_link_and_opens_no_pipe(tmp_path):
    """The last copy before the worker: even a folder no route prepared stays safe."""
    from autograder.worker.launch import stage_submission

    folder = tmp_path / "folder"
    write(folder / "activations.py", "X = 1\n")
    os.symlink(SOLUTIONS / "convolution.py", folder / "convolution.py")
    os.mkfifo(folder / "pooling.py")
    stage_submission(folder, tmp_path / "staged")
    staged = sorted(p.name for p in (tmp_path / "staged").iterdir())
    assert staged == ["_validate.py", "activations.py"]
    assert not any(p.is_symlink() for p in (tmp_path / "staged").iterdir())


@pytest.mark.timeout(60)
@pytest.mark.skipif(sys.platform == "win32", reason="named pipes")
def test_the_trusted_side_reading_a_folders_calls_never_waits_on_a_pipe(tmp_path):
    """``exercise_calls`` reads the submission's source on the trusted side."""
    from deepgrade.dependencies import exercise_calls

    write(tmp_path / "activations.py", solution("activations"))
    os.mkfifo(tmp_path / "convolution.py")
    os.symlink(SOLUTIONS / "backprop.py", tmp_path / "backprop.py")
    calls = exercise_calls(tmp_path)
    assert "relu" in calls and "conv2d" not in calls and "dense_forward" not in calls


def test_a_broken_notebook_is_named_and_nothing_of_it_is_quoted_or_logged(tmp_path, caplog):
    from devtests.upload_corpus import SECRET, Where, broken_notebooks

    caplog.set_level(logging.DEBUG)
    upload = tmp_path / "upload"
    upload.mkdir()
    broken_notebooks(upload, Where(PROJECT_ROOT, tmp_path / "outside"))
    prepared = prepare_submission(upload, tmp_path / "scratch")
    notes = "\n".join(prepared.notes)
    assert "gradient_descent.ipynb is not a readable notebook: cell 1 has no source" in notes
    assert "backprop_v3.ipynb is not a readable notebook: nbformat 3, not 4" in notes
    assert "convolution.ipynb is not a notebook: its JSON breaks at line 1, column 1" in notes
    assert SECRET not in notes and SECRET not in caplog.text
    assert prepared.graded == {}


def test_the_students_readme_says_what_to_upload_to_gradescope_and_what_is_graded():
    from autograder.builders import student_readme

    text = " ".join(student_readme.render(stub_files(), "3.11").split())
    assert "## Handing in on Gradescope" in text
    assert "upload your whole repository (through GitHub, or as a zip of its folder)" in text
    assert "or only `exercises/`, or only your notebooks" in text
    assert "a notebook counts when its answer cells differ from the notebook you were given" in text
    assert "the one with more exercises changed from the given stub is graded" in text


@pytest.mark.timeout(120)
@pytest.mark.skipif(sys.platform == "win32", reason="links")
def test_nbgrader_scores_0_for_a_submitted_notebook_that_is_a_link(tmp_path):
    """nbgrader has read it already; the link could name the course's source notebook."""
    import nbformat
    from traitlets.config import Config

    from autograder.notebooks.preprocessors import IsolatedGrading

    source = tmp_path / "course" / "source" / "exercises" / "activations.ipynb"
    write(source, nbgrader.course_files()["source/exercises/activations.ipynb"])
    submitted = tmp_path / "course" / "submitted" / "mallory" / "exercises"
    submitted.mkdir(parents=True)
    os.symlink(source, submitted / "activations.ipynb")
    step = IsolatedGrading(config=Config({"CourseDirectory": {"root": str(tmp_path / "course")}}))
    resources = {"nbgrader": {"notebook": "activations", "student": "mallory",
                              "assignment": "exercises"}}  # fmt: skip
    graded, _ = step.preprocess(nbformat.read(source, as_version=4), resources)
    outputs = [o for cell in graded.cells for o in cell.get("outputs", [])]
    scores = [
        float(o["data"]["text/plain"]) for o in outputs if o["output_type"] == "execute_result"
    ]
    assert scores and set(scores) == {0.0}
    text = "".join(o.get("text", "") for o in outputs)
    assert "activations.ipynb is a symbolic link, not the notebook itself" in text
