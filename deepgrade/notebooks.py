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
``from activations import relu``): the provided ``_validate.py`` and the notebooks' ``.py``
copies sit next to it, and once a checks cell has run, a topic is imported from its
notebook instead (:class:`SiblingNotebooks`). In a submission folder the same imports are
relative (``from ._validate import ...``), as in ``exercises/``.

:func:`notebook_to_folder` turns a notebook into the topic module the grader imports: its
code cells in order, without the checks and tests cells, with IPython magics commented
out (jupytext's percent format) and sibling imports made relative. Nothing of the
notebook runs here; the module is graded like any submitted ``.py`` file.
"""

from __future__ import annotations

import contextlib
import importlib.abc
import importlib.util
import io
import json
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from deepgrade.catalog import ALL_TOPICS, BY_NAME, TOPICS, Exercise
from deepgrade.extras import require
from deepgrade.implementation import PROVIDED, SubmissionError, on_copies, returning_inputs
from deepgrade.safe_read import UnsafeFile, decode_text, read_bytes

if TYPE_CHECKING:
    from deepgrade.scoring import ExerciseResult

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
_MAGIC = re.compile(r"^(?P<indent>[ \t]*)(?=[%!][^\s=]|\w+[ \t]*=[ \t]*[%!][^\s=])", re.M)
_FUTURE = re.compile(r"^from[ \t]+__future__[ \t]+import[ \t]+([\w, \t]+?)[ \t]*$", re.MULTILINE)
MAX_NOTEBOOK_BYTES = 32 * 2**20  # a notebook with its outputs (plots) fits easily


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
    if Path(name).suffix == ".ipynb":
        return _parse_ipynb(text, name)
    require("jupyter", "reading notebooks", ("jupytext",))
    import jupytext

    try:
        return jupytext.reads(text, fmt=Path(name).suffix.lstrip(".") or "py")
    except Exception as err:  # jupytext raises many kinds on bad files
        raise NotebookError(f"{name} is not a readable notebook ({type(err).__name__})") from None


def _parse_ipynb(text: str, name: str) -> dict:
    """An ``.ipynb`` file's JSON, checked for the parts this kit reads. Not through nbformat:
    where JupyterLab is installed, importing it costs seconds (its JSON schema validator
    loads every format checker), more than a whole ``deepgrade check``."""
    try:
        notebook = json.loads(text)
    except json.JSONDecodeError as err:
        raise NotebookError(
            f"{name} is not a notebook: its JSON breaks at line {err.lineno}, column {err.colno}"
        ) from None
    problem = _format_problem(notebook)
    if problem:
        raise NotebookError(f"{name} is not a readable notebook: {problem}")
    return notebook


def _format_problem(notebook: Any) -> str:
    """What keeps ``notebook`` (parsed JSON) from being an nbformat 4 notebook, or ''."""
    if not isinstance(notebook, dict):
        return "its JSON is not an object"
    if notebook.get("nbformat") != 4:
        return f"nbformat {notebook.get('nbformat')!r}, not 4 (open and save it in Jupyter)"
    if not isinstance(notebook.get("metadata", {}), dict) or not isinstance(
        notebook.get("metadata", {}).get("deepgrade", {}), dict
    ):
        return "its metadata is not a JSON object"
    if not isinstance(notebook.get("cells"), list):
        return "it has no list of cells"
    for number, cell in enumerate(notebook["cells"], 1):
        if not isinstance(cell, dict) or cell.get("cell_type") not in ("code", "markdown", "raw"):
            return f"cell {number} is not a code, markdown or raw cell"
        source = cell.get("source")
        if not isinstance(source, str) and not (
            isinstance(source, list) and all(isinstance(line, str) for line in source)
        ):
            return f"cell {number} has no source text"
        metadata = cell.get("metadata", {})
        if not isinstance(metadata, dict) or not isinstance(metadata.get("nbgrader", {}), dict):
            return f"cell {number}'s metadata is not a JSON object"
    return ""


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
    """The topic module's text: the notebook's code cells except checks and tests, each
    after a ``# %%`` line, IPython magics and shell escapes commented out (as jupytext's
    percent format writes them), sibling imports relative."""
    cells = [
        _source(cell)
        for cell in notebook["cells"]
        if cell["cell_type"] == "code" and not grade_id(cell).startswith(NOT_MODULE_PREFIXES)
    ]
    text = "".join(f"# %%\n{_without_magics(source).rstrip()}\n\n" for source in cells)
    return _future_first(to_module_imports(text))


def _source(cell: Any) -> str:
    source = cell["source"]
    return source if isinstance(source, str) else "".join(source)


def _without_magics(source: str) -> str:
    """``source`` with IPython's own syntax commented out: a cell magic (``%%time``) the
    whole cell, else each line magic (``%matplotlib inline``), shell escape (``!pip``)
    and assignment from either (``files = !ls``)."""
    if source.lstrip().startswith("%%"):
        return re.sub(r"^", "# ", source, flags=re.MULTILINE)
    return _MAGIC.sub(r"\g<indent># ", source)


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


def notebooks_to_folder(path: str | Path, dest: str | Path) -> tuple[Path, list[str]]:
    """A notebook, or a folder of the course's notebooks, as a submission folder in ``dest``.

    Returns the folder to grade and the topics to report: the notebook's own, or every
    topic the folder holds. Each topic comes from its notebook where there is one (what
    the student edits; its ``.py`` copy may be older), else from its ``.py`` file with the
    sibling imports made relative, so a notebook that calls an earlier topic's function
    (backprop's ``relu``) is graded with the student's own. A neighbour that cannot be
    read is left out (its own check says why); the notebook asked for must be readable.
    """
    path, dest = Path(path), Path(dest)
    own = None if path.is_dir() else topic_of(read(path), path.name)
    if own is not None and own not in TOPICS:
        raise NotebookError(
            f"{path.name} is a capstone: it has no public checks (try it with `deepgrade train`)"
        )
    folder = path.parent if own else path
    dest.mkdir(parents=True, exist_ok=True)
    found = []
    for topic in TOPICS:
        notebook, module = folder / f"{topic}.ipynb", folder / f"{topic}.py"
        if topic == own:
            notebook = path
        try:
            if notebook.is_file():
                notebook_to_folder(notebook, dest)
            elif module.is_file():
                text = to_module_imports(module.read_text(encoding="utf-8"))
                (dest / module.name).write_text(text, encoding="utf-8")
            else:
                continue
        except (NotebookError, OSError, UnicodeDecodeError):
            if topic == own:
                raise
            continue
        found.append(topic)
    return dest, [own] if own else found


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
    """``name`` from the notebook's sibling topics (their notebooks, else their ``.py``
    copies: see :class:`SiblingNotebooks`), if any."""
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

    def __init__(self, impl: NamespaceImplementation, exercise: str):
        from deepgrade.pytest_plugin import ResultCollector

        self.impl, self.exercise = impl, exercise
        self.collector = ResultCollector()

    def pytest_deepgrade_implementation(self, config) -> NamespaceImplementation:
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


def check_report(result: ExerciseResult) -> str:
    """What a checks cell prints of one exercise's public tests: points, then why not all."""
    entry = result.exercise
    head = f"{entry.label}: "
    stub = f"NotImplementedError: {entry.not_implemented}"
    if result.failures and all(failure.endswith(stub) for failure in result.failures):
        return head + "not implemented yet (write it in the cell above, then run this cell)"
    head += f"{result.passed}/{result.total} public checks pass, "
    head += f"{result.score:.1f}/{entry.points} points"  # as the table rounds it
    if result.total and result.passed == result.total:
        return head
    lines = [head]
    if result.likely_mistake:
        lines.append(f"  likely mistake: {result.likely_mistake}")
    first = result.first_failure or "no public check ran"
    if first.partition(": ")[2] not in result.likely_mistake:  # else it says it again
        lines += ["  " + line for line in first.splitlines()]
    lines += [
        "  also failing: " + failure.partition("::")[2].partition(":")[0]
        for failure in result.failures[1:]
    ]
    return "\n".join(lines)


class SiblingNotebooks(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Imports a topic from its notebook in the working folder (Jupyter's: the notebook's
    own), as the notebook was last saved: a later topic's function that imports an earlier
    one (``from activations import relu``) gets the student's work, not the stub of the
    ``.py`` copy beside it (the copies are not paired, see ``autograder.builders.nbgrader``).
    """

    def find_spec(self, fullname: str, path: Any = None, target: Any = None):
        notebook = Path.cwd() / f"{fullname}.ipynb"
        if path is not None or fullname not in TOPICS or not notebook.is_file():
            return None
        return importlib.util.spec_from_loader(fullname, self, origin=str(notebook))

    def exec_module(self, module: Any) -> None:
        notebook = Path(module.__spec__.origin)
        source = to_notebook_imports(module_source(read(notebook)))
        module.__file__ = str(notebook)
        exec(compile(source, str(notebook), "exec"), module.__dict__)

    @classmethod
    def install(cls) -> None:
        """Put the finder first (once) and forget the topics imported so far, so the next
        import reads each sibling notebook as it is saved now."""
        if not any(isinstance(finder, cls) for finder in sys.meta_path):
            sys.meta_path.insert(0, cls())
        for topic in TOPICS:
            sys.modules.pop(topic, None)


def check(name: str, namespace: dict) -> None:
    """The public checks cell of a notebook: run exercise ``name``'s public tests here.

    Prints the exercise's points, or why it has not all of them (on stderr, which Jupyter
    shows in red). It never raises: "Run all" goes past an exercise that is not written
    yet or fails, to the end of the notebook, the way ``deepgrade check`` reports every
    exercise instead of stopping at the first.
    """
    from deepgrade.paths import PUBLIC_TESTS
    from deepgrade.scoring import score

    entry = BY_NAME[name]
    SiblingNotebooks.install()
    suite = PUBLIC_TESTS / f"test_{entry.module}.py"
    records = run_exercise_tests(name, namespace, [suite])
    result = next(r for r in score(records) if r.exercise.name == name)
    complete = bool(result.total) and result.passed == result.total
    print(check_report(result), file=sys.stdout if complete else sys.stderr)
