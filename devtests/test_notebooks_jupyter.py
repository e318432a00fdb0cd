"""The notebooks in a Jupyter kernel (nbclient), as a student and as stock nbgrader run them.

- The students' notebooks, and their ``.py`` percent copies opened as notebooks, run top
  to bottom on the stubs without an error: each exercise's public checks cell says it is
  not implemented yet, and "Run all" goes on.
- With the reference in the answer cells, the checks pass and nothing fails; a later
  topic uses the earlier topic's notebook, not its (stub) ``.py`` copy.
- The source notebooks run as stock nbgrader's ``Execute`` runs them (the in-kernel
  mode): every test cell's result is the exercise's full points.
"""

from __future__ import annotations

import json
import re

import jupytext
import nbformat
import pytest
from nbclient import NotebookClient

from autograder.builders import nbgrader
from deepgrade.catalog import TOPICS, in_module
from deepgrade.notebooks import CHECKS_PREFIX, TESTS_PREFIX, grade_id
from devtests.notebook_students import PROJECT, from_module

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """The students' notebooks, written as a release holds them."""
    path = tmp_path_factory.mktemp("notebooks")
    nbgrader.write(path, nbgrader.student_files())
    return path


def run(notebook, cwd) -> list[dict]:
    """Execute every cell like "Run All" that goes on after errors; the error outputs."""
    NotebookClient(
        notebook, timeout=300, kernel_name="python3", allow_errors=True,
        resources={"metadata": {"path": str(cwd)}},
    ).execute()  # fmt: skip
    return [o for c in notebook.cells if c.cell_type == "code" for o in c.outputs
            if o.output_type == "error"]  # fmt: skip


@pytest.mark.parametrize("topic", TOPICS)
@pytest.mark.parametrize("kind", ["ipynb", "py"])
def test_student_notebooks_run_to_the_end_saying_what_is_not_implemented(folder, topic, kind):
    path = folder / f"{topic}.{kind}"
    notebook = jupytext.read(path) if kind == "py" else nbformat.read(path, as_version=4)
    assert run(notebook, folder) == []
    printed = [
        "".join(o.get("text", "") for o in c.outputs)
        for c in notebook.cells
        if grade_id(c).startswith(CHECKS_PREFIX)
    ]
    assert printed == [
        f"{e.label}: not implemented yet (write it in the cell above, then run this cell)\n"
        for e in in_module(topic)
    ]


@pytest.fixture(scope="module")
def reference(folder, tmp_path_factory):
    """The reference pasted into every notebook; the ``.py`` copies stay the stubs: a later
    topic imports the student's earlier notebook."""
    path = tmp_path_factory.mktemp("reference")
    files = nbgrader.student_files()
    for topic in TOPICS:
        solution = (PROJECT / "solutions" / f"{topic}.py").read_text()
        notebook = from_module(json.loads(files[f"{topic}.ipynb"]), solution, topic)
        files[f"{topic}.ipynb"] = json.dumps(notebook)
    nbgrader.write(path, files)
    return path


@pytest.mark.parametrize("topic", TOPICS)
def test_with_the_reference_pasted_in_every_public_check_passes(reference, topic):
    notebook = nbformat.read(reference / f"{topic}.ipynb", as_version=4)
    assert run(notebook, reference) == []
    printed = "".join(
        o.get("text", "") for c in notebook.cells if c.cell_type == "code" for o in c.outputs
    )
    for exercise in in_module(topic):  # a failing check prints, it does not raise
        full = rf"{re.escape(exercise.label)}: (\d+)/\1 public checks pass, "
        assert re.search(full + rf"{exercise.points}.0/{exercise.points} points\n", printed), (
            printed
        )


def test_the_in_kernel_mode_scores_the_source_notebook_full_marks(folder):
    source = nbgrader.course_files()["source/exercises/activations.ipynb"]
    notebook = nbformat.reads(source, as_version=4)
    assert run(notebook, folder) == []
    for cell in notebook.cells:
        if grade_id(cell).startswith(TESTS_PREFIX):
            name = grade_id(cell).removeprefix(TESTS_PREFIX)
            result = next(o for o in cell.outputs if o.output_type == "execute_result")
            points = cell.metadata.nbgrader.points
            assert float(result.data["text/plain"]) == points, name
            text = "".join(o.get("text", "") for o in cell.outputs)
            assert "graded in the notebook's own kernel" in text
