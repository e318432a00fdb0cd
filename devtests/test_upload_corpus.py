"""Every route that reads an upload, on every hostile or odd upload: a table, routes x cases.

Each route runs through its real entry point: Gradescope's ``run_autograder`` from the
built zip, ``deepgrade grade-batch`` and ``deepgrade grade`` as commands, and nbgrader's
:class:`~autograder.notebooks.preprocessors.IsolatedGrading` on a submitted folder laid
out as ``nbgrader collect`` does. For every pair:

- nothing outside the upload contributes a point: the upload holds one answered topic as
  a regular file, and the score is exactly its points;
- nothing of a linked file's content (a secret beside the upload, ``/etc/passwd``), nor of
  the upload's own binary files, appears in anything the route writes or prints;
- the route writes its valid result (a Gradescope results.json, nbgrader's scored cells),
  with a note naming what was skipped where the route shows notes;
- nothing hangs (a named pipe opened for reading would wait forever).

A new route is one more :class:`Route` in :data:`ROUTES`; a new case is one more function
in :mod:`devtests.upload_corpus`.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import jsonschema
import pytest

from autograder.paths import PROJECT_ROOT
from deepgrade.catalog import in_module
from devtests import upload_corpus
from devtests.commands import DEEPGRADE
from devtests.test_grading_reports import GRADESCOPE_SCHEMA
from devtests.upload_corpus import CASES, SECRET, SYSTEM_LINE, Where

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(sys.platform != "linux", reason="named pipes, sockets, the sandbox"),
]
BASE_TOPIC = "activations"
BASE_POINTS = sum(e.points for e in in_module(BASE_TOPIC))
# What the student is told, per case, where the route shows the notes of reading the upload.
SAYS = {
    "link_module_to_solutions_absolute": "is a symbolic link",
    "link_module_to_solutions_relative": "is a symbolic link",
    "link_folder_to_solutions": "homework is a symbolic link",
    "link_folder_to_solutions_relative": "exercises is a symbolic link",
    "link_modules_beside_a_notebook": "notebooks/convolution.py is a symbolic link",
    "link_notebook_to_system_file": "recurrent.ipynb is a symbolic link",
    "link_notebook_to_secret_notebook": "convolution.ipynb is a symbolic link",
    "link_module_to_secret": "pooling.py is a symbolic link",
    "links_inside_the_upload": "convolution.py is a symbolic link",
    "link_loops": "loop_a.py is a symbolic link",
    "named_pipes": "convolution.py is a named pipe",
    "a_socket": "pooling.py is a socket",
    "huge_files": "pooling.py is larger than 2,097,152 bytes",
    "binary_module": "pooling.py is binary",
    "non_utf8_module": "pooling.py is not UTF-8 text (a byte on line 1",
    "binary_notebook": "recurrent.ipynb is not UTF-8 text",
    "non_utf8_notebook": "recurrent.ipynb is not UTF-8 text",
    "deep_nesting": "is nested more than 16 folders deep",
    "broken_notebooks": "pooling.ipynb is not a notebook: its JSON breaks at line 1",
    "many_entries": "more than 20,000 files and folders",
}


@dataclass
class Outcome:
    """What a route produced for one upload."""

    score: float  # the submission's total
    texts: list[str] = field(default_factory=list)  # everything it wrote or printed
    shown: str = ""  # what the student reads about the upload ('' if the route shows none)


@dataclass
class Route:
    """One way an upload is graded: where its upload goes, and how it is run."""

    name: str
    upload: Callable[[Path, str], Path]  # (tmp, case) -> the upload's folder
    grader: Callable[[Path], Path]  # tmp -> the grader's project root the route reads
    base: Callable[[Path], None]  # the one answered topic, as this route's students hand in
    run: Callable[[Path, str, Path], Outcome]  # (tmp, case, upload) -> what it produced


# ------------------------------------------------------------------------- Gradescope


@pytest.fixture(scope="module")
def gradescope_zip(tmp_path_factory) -> Path:
    from devtests.test_gradescope import build

    return build(tmp_path_factory.mktemp("gradescope-build"))


def _gradescope(zip_path: Path) -> Callable[[Path, str, Path], Outcome]:
    def run(tmp: Path, case: str, upload: Path) -> Outcome:
        from devtests.test_gradescope import run_autograder  # validates results.json

        results, proc = run_autograder(zip_path, tmp / "autograder")
        text = json.dumps(results)
        return Outcome(results["score"], [text, proc.stdout, proc.stderr], results["output"])

    return run


# ------------------------------------------------------------------------- deepgrade grade


def _grade(tmp: Path, case: str, upload: Path) -> Outcome:
    proc = subprocess.run(
        [*DEEPGRADE, "grade", str(upload), "--format", "gradescope", "--isolation", "auto"],
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    results = json.loads(proc.stdout)
    jsonschema.validate(results, GRADESCOPE_SCHEMA)
    return Outcome(results["score"], [proc.stdout, proc.stderr], results["output"])


# ------------------------------------------------------------------------- grade-batch


@pytest.fixture(scope="module")
def batch(tmp_path_factory) -> dict:
    """One grade-batch run over a class holding every case (as a course runs it)."""
    root = tmp_path_factory.mktemp("batch")
    for case in CASES:
        upload_corpus.build(case, root / "class" / case, _where(root, PROJECT_ROOT),
                            upload_corpus.answered_module(BASE_TOPIC))  # fmt: skip
    proc = subprocess.run(
        [*DEEPGRADE, "grade-batch", str(root / "class"), "--output-dir", str(root / "out")],
        capture_output=True, text=True, timeout=1800, check=False,
    )  # fmt: skip
    return {"root": root, "proc": proc}


def _batch(batch: dict) -> Callable[[Path, str, Path], Outcome]:
    def run(tmp: Path, case: str, upload: Path) -> Outcome:
        proc, out = batch["proc"], batch["root"] / "out"
        assert proc.returncode in (0, 1), proc.stderr  # 1: some submission lost points
        results = json.loads((out / case / "results.json").read_text(encoding="utf-8"))
        jsonschema.validate(results, GRADESCOPE_SCHEMA)
        texts = [proc.stdout, proc.stderr, (out / "gradebook.csv").read_text(encoding="utf-8")]
        texts += [p.read_text(encoding="utf-8") for p in sorted((out / case).iterdir())]
        return Outcome(results["score"], texts, results["output"])

    return run


# ------------------------------------------------------------------------- nbgrader


def _nbgrader_base(upload: Path) -> None:
    """The answered notebook of the topic, as ``nbgrader collect`` leaves it."""
    from autograder.builders import nbgrader

    notebook = nbgrader.course_files()[f"source/exercises/{BASE_TOPIC}.ipynb"]
    (upload / f"{BASE_TOPIC}.ipynb").write_text(notebook, encoding="utf-8")


def _nbgrader(tmp: Path, case: str, upload: Path) -> Outcome:
    import nbformat
    from traitlets.config import Config

    from autograder.notebooks import preprocessors

    notebook = nbformat.read(upload / f"{BASE_TOPIC}.ipynb", as_version=4)
    config = Config({"CourseDirectory": {"root": str(tmp / "course")}})
    step = preprocessors.IsolatedGrading(config=config)
    logged = _Records()
    step.log.addHandler(logged)
    try:
        resources = {"nbgrader": {"notebook": BASE_TOPIC, "student": case,
                                  "assignment": "exercises"}}  # fmt: skip
        graded, _ = step.preprocess(notebook, resources)
    finally:
        step.log.removeHandler(logged)
    scores = [
        float(output["data"]["text/plain"])
        for cell in graded.cells
        for output in cell.get("outputs", [])
        if output.get("output_type") == "execute_result"
    ]
    assert len(scores) == len(in_module(BASE_TOPIC))  # every test cell scored, as nbgrader reads
    report = next(iter(preprocessors._GRADED.values()))[1]  # the whole submission's report
    assert report.score == sum(scores)  # no sibling topic read through a link scored either
    texts = [nbformat.writes(graded), json.dumps(report.to_dict()), *logged.lines]
    return Outcome(sum(scores), texts, "\n".join(logged.lines))


class _Records(logging.Handler):
    def __init__(self):
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


# ------------------------------------------------------------------------- Classroom 50


@pytest.fixture(scope="module")
def classroom50_repo(tmp_path_factory) -> Path:
    from devtests.test_classroom50 import build_repo

    return build_repo(tmp_path_factory.mktemp("classroom50"))


def _classroom50_grader(repo: Path) -> Path:
    from devtests.test_classroom50 import ASSIGNMENT, CLASSROOM

    return repo / CLASSROOM / "autograders" / ASSIGNMENT / "grader"


def _classroom50(repo: Path) -> Callable[[Path, str, Path], Outcome]:
    def run(tmp: Path, case: str, upload: Path) -> Outcome:
        from devtests.test_classroom50 import graded  # validates result.json (v1)

        data, body, stdout = graded(repo, upload)
        return Outcome(data["score"], [json.dumps(data), body, stdout], body)

    return run


# ------------------------------------------------------------------------- the table


def _where(tmp: Path, grader: Path) -> Where:
    return Where(grader=grader, outside=tmp / "outside")


def routes(request) -> dict[str, Route]:
    answered = upload_corpus.answered_module(BASE_TOPIC)
    return {
        "gradescope": Route(
            "gradescope",
            upload=lambda tmp, case: tmp / "autograder" / "submission",
            grader=lambda tmp: tmp / "autograder" / "source",  # where the zip is unpacked
            base=answered,
            run=lambda *a: _gradescope(request.getfixturevalue("gradescope_zip"))(*a),
        ),
        "grade": Route(
            "grade", lambda tmp, case: tmp / "upload", lambda tmp: PROJECT_ROOT, answered, _grade
        ),  # fmt: skip
        "grade-batch": Route(
            "grade-batch",
            upload=lambda tmp, case: request.getfixturevalue("batch")["root"] / "class" / case,
            grader=lambda tmp: PROJECT_ROOT,
            base=answered,
            run=lambda *a: _batch(request.getfixturevalue("batch"))(*a),
        ),
        "classroom50": Route(
            "classroom50",
            upload=lambda tmp, case: tmp / "checkout",  # the runner's cwd: the student's clone
            grader=lambda tmp: _classroom50_grader(request.getfixturevalue("classroom50_repo")),
            base=answered,
            run=lambda *a: _classroom50(request.getfixturevalue("classroom50_repo"))(*a),
        ),
        "nbgrader": Route(
            "nbgrader",
            upload=lambda tmp, case: tmp / "course" / "submitted" / case / "exercises",
            grader=lambda tmp: PROJECT_ROOT,
            base=_nbgrader_base,
            run=_nbgrader,
        ),
    }


ROUTES = ("gradescope", "classroom50", "grade", "grade-batch", "nbgrader")


@pytest.mark.timeout(900)
@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("route_name", ROUTES)
def test_an_upload_gains_nothing_from_outside_leaks_nothing_and_is_graded(
    request, tmp_path, route_name, case
):
    route = routes(request)[route_name]
    upload = route.upload(tmp_path, case)
    if not upload.exists():  # (grade-batch's class is built and graded once, by its fixture)
        upload_corpus.build(case, upload, _where(tmp_path, route.grader(tmp_path)), route.base)
    outcome = route.run(tmp_path, case, upload)
    print(f"{route_name} x {case}: {outcome.score:g} points; {outcome.shown[-300:]!r}")
    assert outcome.score == BASE_POINTS  # the answered topic, nothing from behind a link
    everything = "\n".join(outcome.texts)
    assert SECRET not in everything
    assert SYSTEM_LINE not in everything
    assert SAYS[case] in outcome.shown  # (nbgrader: in its log, for the instructor)
