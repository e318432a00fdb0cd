"""Notebooks: from a notebook a student hands in to a submission folder, and checks in Jupyter.

Each topic (and capstone) has a notebook built from ``solutions/`` (``deepgrade
build-nbgrader``, ``deepgrade build-notebooks``). Its cells, named by their nbgrader
``grade_id`` (stable across rebuilds):

``setup``, ``provided_<name>``
    the module's imports and provided helpers, read-only;
``answer_<exercise>``
    the function the student writes (nbgrader's "autograded answer");
``checks_<exercise>``
    read-only: runs the public tests of that exercise on the notebook's functions;
``test_<exercise>``
    nbgrader's "autograder tests", worth the exercise's points; its hidden part grades.

A notebook imports its neighbours as sibling modules (``from _validate import ...``,
``from activations import relu``): the provided ``_validate.py`` and the notebooks'
jupytext-paired ``.py`` files sit next to it. In a submission folder the same imports are
relative (``from ._validate import ...``), as in ``exercises/``.

:func:`notebook_to_folder` turns a notebook into the topic module the grader imports: its
code cells in order, without the checks and tests cells, with IPython magics commented
out (jupytext's percent format) and sibling imports made relative. Nothing of the
notebook runs here; the module is graded like any submitted ``.py`` file.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
from pathlib import Path
from typing import Any

from deepgrade.catalog import ALL_TOPICS, BY_NAME, TOPICS, Exercise
from deepgrade.implementation import PROVIDED, SubmissionError, on_copies, returning_inputs
from deepgrade.safe_read import UnsafeFile, decode_text, read_bytes

SETUP = "setup"
PROVIDED_PREFIX = "provided_"
ANSWER_PREFIX = "answer_"
CHECKS_PREFIX = "checks_"
TESTS_PREFIX = "test_"
# Cells that check the notebook rather than belong to it: never part of the module.
NOT_MODULE_PREFIXES = (CHECKS_PREFIX, TESTS_PREFIX)
# jupytext comments these cells out of the paired .py file, so it imports cleanly.
NOTEBOOK_ONLY_TAG = "active-ipynb"
SIBLINGS = (*PROVIDED, *ALL_TOPICS)

_SIBLING_IMPORT = re.compile(
    r"^(?P<indent>[ \t]*)from[ \t]+(?P<dot>\.?)(?P<module>"
    + "|".join(re.escape(s) for s in SIBLINGS)
    + r")[ \t]+import\b",
    re.MULTILINE,
)
_FUTURE = re.compile(r"^from[ \t]+__future__[ \t]+import[ \t]+([\w, \t]+?)[ \t]*$", re.MULTILINE)
MAX_NOTEBOOK_BYTES = 32 * 2**20  # a notebook with its outputs (plots) fits easily
_INSTALL_HINT = (
    "reading notebooks needs jupytext and nbformat: install the 'jupyter' extra "
    "(pip install -e '.[jupyter]' in the course's folder)"
)


class NotebookError(ValueError):
    """The file is not a notebook this kit can turn into a topic module (with the reason)."""


def grade_id(cell: Any) -> str:
    """The cell's nbgrader grade_id ('' for cells nbgrader does not track)."""
    return str(cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", ""))


def exercise_of(cell: Any) -> Exercise | None:
    """The exercise an answer, checks or tests cell belongs to (None for other cells)."""
    gid = grade_id(cell)
    for prefix in (ANSWER_PREFIX, CHECKS_PREFIX, TESTS_PREFIX):
        if gid.startswith(prefix):
            return BY_NAME.get(gid.removeprefix(prefix))
    return None


def to_notebook_imports(source: str) -> str:
    """A module's relative sibling imports as a notebook writes them (absolute)."""
    return _SIBLING_IMPORT.sub(r"\g<indent>from \g<module> import", source)


def to_module_imports(source: str) -> str:
    """A notebook's sibling imports as the topic module writes them (relative)."""
    return _SIBLING_IMPORT.sub(r"\g<indent>from .\g<module> import", source)


def read(path: str | Path) -> Any:
    """The notebook at ``path`` (``.ipynb``, or a jupytext text notebook such as ``.py``).

    The file is read as an untrusted one (:mod:`deepgrade.safe_read`): never through a
    link, never a named pipe or a device, at most ``MAX_NOTEBOOK_BYTES``.
    """
    path = Path(path)
    try:
        text = decode_text(read_bytes(path, MAX_NOTEBOOK_BYTES), str(path))
    except UnsafeFile as err:
        raise NotebookError(str(err)) from None
    return parse(text, str(path))


def parse(text: str, name: str) -> Any:
    """The notebook whose file ``name`` holds ``text``: JSON for ``.ipynb``, else jupytext.

    A file that is not a notebook is a :class:`NotebookError` naming what is wrong (where
    the JSON breaks, which part of the format it misses), never quoting the file.
    """
    try:
        import jupytext
    except ImportError:
        raise NotebookError(_INSTALL_HINT) from None
    import nbformat

    suffix = Path(name).suffix
    try:
        if suffix == ".ipynb":
            data = json.loads(text)
            if not isinstance(data, dict):
                raise NotebookError(f"{name} is not a notebook: its JSON is not an object")
            if data.get("nbformat") != 4:  # (converting older ones logs their content)
                raise NotebookError(
                    f"{name} is not a notebook in the current format (nbformat 4): open and "
                    "save it in a current Jupyter"
                )
            # not nbformat.reads: it logs a format error with the offending cells' content
            notebook = nbformat.convert(nbformat.reader.reads(text), 4)
            nbformat.validate(notebook)
            return notebook
        return jupytext.reads(text, fmt=suffix.lstrip(".") or "py")
    except NotebookError:
        raise
    except json.JSONDecodeError as err:
        raise NotebookError(
            f"{name} is not a notebook: its JSON breaks at line {err.lineno}, column {err.colno}"
        ) from None
    except nbformat.ValidationError as err:
        where = "/".join(str(p) for p in err.absolute_path if isinstance(p, int | str))[:80]
        raise NotebookError(
            f"{name} is not a valid notebook (nbformat 4): its JSON breaks the notebook "
            f"format at {where or 'the top level'}"
        ) from None
    except Exception as err:  # nbformat and jupytext raise many kinds on bad files
        raise NotebookError(f"{name} is not a readable notebook ({type(err).__name__})") from None


def topic_of(notebook: Any, filename: str = "notebook") -> str:
    """The topic module a notebook is: its ``deepgrade.topic`` metadata, else its file name."""
    topic = notebook.get("metadata", {}).get("deepgrade", {}).get("topic")
    stem = Path(filename).stem
    for candidate in (topic, stem):
        if candidate in ALL_TOPICS:
            return candidate
    raise NotebookError(
        f"{filename} is not one of the course's notebooks (its name or its 'deepgrade.topic' "
        f"metadata must be one of: {', '.join(ALL_TOPICS)})"
    )


def module_source(notebook: Any) -> str:
    """The topic module's text: the notebook's code cells except checks and tests."""
    import jupytext
    import nbformat

    keep = [
        cell
        for cell in notebook.cells
        if cell.cell_type == "code" and not grade_id(cell).startswith(NOT_MODULE_PREFIXES)
    ]
    bare = nbformat.v4.new_notebook(cells=keep, metadata=notebook.get("metadata", {}))
    text = jupytext.writes(
        bare,
        fmt={
            "extension": ".py",
            "format_name": "percent",
            "notebook_metadata_filter": "-all",
            "cell_metadata_filter": "-all",
        },
    )
    return _future_first(to_module_imports(text))


def _future_first(text: str) -> str:
    """``from __future__`` imports at the top: a notebook may have them in any cell, a
    module only before its other code. They move into the module's first line."""
    found = _FUTURE.findall(text)
    if not found:
        return text
    names = sorted({name.strip() for line in found for name in line.split(",")})
    body = _FUTURE.sub(lambda m: f"# {m[0]}  (moved to the first line)", text)
    return f"from __future__ import {', '.join(names)}\n{body}"


def notebook_to_folder(path: str | Path, dest: str | Path) -> Path:
    """Write the topic module of the notebook at ``path`` into the folder ``dest``.

    ``dest`` is created if needed; call once per notebook to collect a student's notebooks
    into one submission folder (``deepgrade grade dest`` then grades it). Returns the
    module's path, ``dest/<topic>.py``. Raises :class:`NotebookError` for a file that is
    not a notebook or not one of the course's topics; code that does not run is not an
    error here (the grader reports it, as for a ``.py`` file).
    """
    path = Path(path)
    notebook = read(path)
    topic = topic_of(notebook, path.name)
    folder = Path(dest)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{topic}.py"
    target.write_text(module_source(notebook), encoding="utf-8")
    return target


# ------------------------------------------------------------------------- checks in Jupyter


class NamespaceImplementation:
    """An implementation whose functions are a namespace's (a notebook's ``globals()``).

    Tests call it like :class:`~deepgrade.implementation.Implementation`; it runs in the
    notebook's own kernel, so it isolates nothing.
    """

    isolation = "none (in the notebook's kernel)"
    budget_exhausted = False
    failed_imports: dict[str, str] = {}

    def __init__(self, namespace: dict, spec: str = "notebook"):
        self.namespace, self.spec, self.origin = namespace, spec, Path.cwd()

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        found = self.namespace.get(name, _MISSING)
        if found is _MISSING and name not in BY_NAME:  # a provided name of another topic,
            found = _from_siblings(name)  # as a folder's Implementation finds it
        if found is _MISSING:
            entry = BY_NAME.get(name)
            what = f"{entry.label}: " if entry else ""
            raise SubmissionError(f"{what}this notebook defines no {name!r} (run its cell first)")
        return on_copies(found) if callable(found) else found

    def with_inputs(self, name: str):
        return returning_inputs(getattr(self, name).__wrapped__)


_MISSING = object()


def _from_siblings(name: str) -> Any:
    """``name`` from the notebook's sibling modules (the paired ``.py`` files), if any."""
    import importlib

    for topic in TOPICS:  # (the capstones would import TensorFlow, and provide nothing)
        try:
            module = importlib.import_module(topic)
        except Exception:  # a sibling that does not import simply does not provide it
            continue
        if hasattr(module, name):
            return getattr(module, name)
    return _MISSING


class _ExerciseSession:
    """pytest plugin: the namespace as ``impl``, only one exercise's tests, their records."""

    supplies_deepgrade_impl = True  # see deepgrade.pytest_plugin.GRADING_PLUGIN

    def __init__(self, impl: NamespaceImplementation, exercise: str):
        from deepgrade.pytest_plugin import ResultCollector

        self.impl, self.exercise = impl, exercise
        self.collector = ResultCollector()

    def implementation(self) -> NamespaceImplementation:
        return self.impl

    def pytest_collection_modifyitems(self, config, items: list) -> None:
        from deepgrade.pytest_plugin import exercise_of as marked

        other = [item for item in items if marked(item) != self.exercise]
        if other:
            config.hook.pytest_deselected(items=other)
            items[:] = [item for item in items if marked(item) == self.exercise]
        self.collector.pytest_collection_modifyitems(items)

    def pytest_runtest_logreport(self, report) -> None:
        self.collector.pytest_runtest_logreport(report)


def run_exercise_tests(exercise: str, namespace: dict, suites: list[Path]) -> list[dict]:
    """Run the tests of one exercise in ``suites`` on ``namespace``'s functions, here.

    One record per test (see ``deepgrade.pytest_plugin.ResultCollector``). pytest's own
    output and the functions' prints are not shown.
    """
    import pytest

    from deepgrade.paths import PROJECT_ROOT

    session = _ExerciseSession(NamespaceImplementation(namespace), exercise)
    args = [
        *(str(s) for s in suites),
        f"--rootdir={PROJECT_ROOT}", "-o", "addopts=", "-p", "no:cacheprovider",
        "--import-mode=importlib", "-q", "-p", "no:xdist", "-p", "no:faulthandler",
        "--capture=sys", "--assert=plain",
    ]  # fmt: skip
    sink = io.StringIO()
    with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
        pytest.main(args, plugins=[session])
    return list(session.collector.records.values())


class PublicChecksFailed(AssertionError):
    """Some public checks of an exercise fail (the first failure is the message)."""


def check(name: str, namespace: dict) -> None:
    """The public checks cell of a notebook: run exercise ``name``'s public tests here.

    Prints how many pass; raises the exercise's own ``NotImplementedError`` while it is
    a stub, or :class:`PublicChecksFailed` with the first failure.
    """
    from deepgrade.paths import PUBLIC_TESTS
    from deepgrade.scoring import score

    entry = BY_NAME[name]
    suite = PUBLIC_TESTS / f"test_{entry.module}.py"
    records = run_exercise_tests(name, namespace, [suite])
    result = next(r for r in score(records) if r.exercise.name == name)
    print(f"{entry.label}: {result.passed}/{result.total} public checks pass")
    if result.total and result.passed == result.total:
        return
    stub = f"NotImplementedError: {entry.not_implemented}"
    if result.failures and all(f.endswith(stub) for f in result.failures):
        raise NotImplementedError(entry.not_implemented)
    for failure in result.failures[1:]:
        print("  also failing:", failure.partition("::")[2].partition(":")[0])
    raise PublicChecksFailed(result.first_failure or "no public check ran")
