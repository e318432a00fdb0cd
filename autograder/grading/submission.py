"""Read an upload safely and pick, per topic, the file the student edited: every route's
first step (Gradescope, ``grade-batch``, ``deepgrade grade``, nbgrader's submitted folder).

An upload is untrusted: it may hold symbolic links (a zip or a git repository keeps them)
to the grader's reference solutions or to system files, named pipes that hang whoever
opens them, devices, huge or binary files, folders nested without end, broken notebooks.
It is read on the trusted side only here, by :func:`prepare_submission`:

- **links are never followed, nor copied.** A link inside the upload is skipped with a
  note (the file itself must be uploaded). Copying links as links would leave the
  decision to the worker's sandbox, which at the ``process`` level (a student's own
  machine, a host without namespaces) can read whatever the link names; refusing them
  is the same at every level, and the trusted side never reads what is behind one.
  Folders are opened with ``O_NOFOLLOW`` relative to their parent's descriptor, so no
  part of a path can be swapped for a link while the upload is read;
- **only regular files are opened**, never blocking (:mod:`deepgrade.safe_read`): named
  pipes, sockets and devices are skipped with a note;
- **everything is bounded**: the entries looked at, the depth, each file's size, the
  bytes read in all;
- **no message quotes a file's content**: a file that is not text says on which line its
  first bad byte is; a broken notebook says where its JSON or its format breaks.

Per topic, the file graded is the one the student edited. A release holds each topic
twice, ``exercises/<topic>.py`` and ``notebooks/<topic>.ipynb`` (with its jupytext-paired
``.py``), and a student works in one of them: each candidate is compared with the
release's stub, exercise function by exercise function (their code, not docstrings,
comments, metadata or outputs), and the one that changes the most exercises is graded; on
a tie between edited files the notebook (what Jupyter saves), between unedited ones the
module. The stubs are ``exercises/`` of the grader's own tree, generated from
``solutions/`` as the release's are (the release's stub notebooks' answer cells hold the
same functions). The chosen files, converted to modules where they are notebooks, go
into a fresh folder with the primary folder's other ``.py`` files (the student's own
helpers): that folder is what the worker sees.
"""

from __future__ import annotations

import ast
import functools
import os
import stat
import tempfile
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from autograder.grading.engine import Limits, SubmissionReport
from deepgrade.catalog import ALL_TOPICS, TOPICS, in_module
from deepgrade.implementation import SubmissionError
from deepgrade.paths import EXERCISES_DIR
from deepgrade.safe_read import (
    MAX_SOURCE_BYTES,
    UnsafeFile,
    decode_source,
    decode_text,
    kind,
    read_bytes,
)

MAX_ENTRIES = 20_000  # files and folders looked at (a whole repository has a few hundred)
MAX_DEPTH = 16  # folders below the upload
MAX_NOTEBOOK_BYTES = 32 * 2**20  # one notebook, with its outputs
MAX_TOTAL_BYTES = 256 * 2**20  # read from one upload in all
MAX_CANDIDATES = 8  # files per topic compared (the shallowest first)
MAX_NOTES = 12  # about skipped entries (then how many more)
SKIPPED = ("__MACOSX", "__pycache__", "site-packages", "node_modules")
_DIR_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_DIRECTORY", 0)
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_CLOEXEC", 0)
)
# A jupytext text notebook (the release's notebooks/<topic>.py) opens with this header.
_JUPYTEXT_HEADER = ("# ---", "# jupyter:")


@dataclass
class PreparedSubmission:
    """What the grader may use of an upload.

    ``folder``: the topic modules (and the student's helper modules) as regular files in
    the scratch folder, for the worker; ``notes``: for the student (what was skipped and
    why); ``graded``: topic -> the upload-relative path of the file graded, and why.
    """

    folder: Path
    notes: list[str] = field(default_factory=list)
    graded: dict[str, str] = field(default_factory=dict)


@dataclass
class _Candidate:
    """One file of the upload that could be a topic's module."""

    path: PurePosixPath  # relative to the upload
    topic: str
    kind: str  # "module", "notebook" (.ipynb) or "text notebook" (jupytext .py)
    module: bytes  # what the worker imports
    changed: int  # exercise functions that differ from the release's stub

    @property
    def is_notebook(self) -> bool:
        return self.kind != "module"


class _Upload:
    """The upload's regular files of interest, found without following anything."""

    def __init__(self, root: Path):
        self.root = root
        self.notes: list[str] = []
        self.skipped = 0
        self.files: list[PurePosixPath] = []  # .py and .ipynb files, shallowest first
        self.budget = MAX_TOTAL_BYTES

    def skip(self, note: str) -> None:
        self.skipped += 1
        if self.skipped <= MAX_NOTES:
            self.notes.append(note)

    def scan(self) -> None:
        """Breadth first: the shallow folders a course's files are in come first."""
        queue, seen = deque([PurePosixPath()]), 0
        while queue:
            where = queue.popleft()
            try:
                fd = self._open_folder(where)
            except OSError as err:
                self.skip(f"{where}/ was not read ({err.strerror})")
                continue
            try:
                for name in sorted(os.listdir(fd)):
                    seen += 1
                    if seen > MAX_ENTRIES:
                        self.notes.append(
                            f"the upload has more than {MAX_ENTRIES:,} files and folders: "
                            "only the first were looked at (upload your exercises, not a "
                            "virtual environment or data)"
                        )
                        return
                    self._entry(fd, where / name, queue)
            except OSError as err:
                self.skip(f"{where}/ was not read ({err.strerror})")
            finally:
                os.close(fd)

    def _open_folder(self, relative: PurePosixPath) -> int:
        """A descriptor of the upload's folder ``relative``, no part of it through a link
        (each is opened with O_NOFOLLOW in its parent: nothing can be swapped meanwhile)."""
        fd = os.open(self.root, _DIR_FLAGS)
        for part in relative.parts:
            try:
                inner = os.open(part, _DIR_FLAGS, dir_fd=fd)
            finally:
                os.close(fd)
            fd = inner
        return fd

    def _entry(self, fd: int, relative: PurePosixPath, queue: deque) -> None:
        name = relative.name
        try:
            info = os.stat(name, dir_fd=fd, follow_symlinks=False)
        except OSError:
            return
        if stat.S_ISLNK(info.st_mode):
            self.skip(
                f"{relative} is a symbolic link: links are not followed, so it was not "
                "graded (upload the file itself)"
            )
        elif stat.S_ISDIR(info.st_mode):
            if name.startswith(".") or name in SKIPPED:
                return
            if len(relative.parts) > MAX_DEPTH:
                self.skip(f"{relative}/ is nested more than {MAX_DEPTH} folders deep: not read")
                return
            queue.append(relative)
        elif not stat.S_ISREG(info.st_mode):
            self.skip(f"{relative} is {kind(info.st_mode)}: skipped without opening it")
        elif name.endswith((".py", ".ipynb")) and not name.startswith("."):
            self.files.append(relative)

    def read(self, relative: PurePosixPath, limit: int) -> bytes:
        """A file's bytes, opening each folder on the way without following a link."""
        if self.budget <= 0:
            raise UnsafeFile(
                f"{relative} was not read: the upload holds more than "
                f"{MAX_TOTAL_BYTES // 2**20} MB of Python files and notebooks"
            )
        try:
            fd = self._open_folder(relative.parent)
        except OSError as err:  # a folder became a link, or vanished, meanwhile
            raise UnsafeFile(f"{relative} cannot be read ({err.strerror})") from None
        try:
            data = read_bytes(relative.name, min(limit, self.budget), dir_fd=fd,
                              name=str(relative))  # fmt: skip
        finally:
            os.close(fd)
        self.budget -= len(data)
        return data


def prepare_submission(
    upload: Path, scratch: Path, *, stubs: Path = EXERCISES_DIR
) -> PreparedSubmission:
    """Read ``upload`` safely into ``scratch / "submission"``: see the module's docstring.

    Never raises for anything the upload holds (that becomes a note); raises ``OSError``
    only when ``scratch`` cannot be written.
    """
    folder = Path(scratch) / "submission"
    folder.mkdir(parents=True)
    upload_files = _Upload(Path(upload).resolve())  # the route's own path: links in it are its
    upload_files.scan()
    notes = upload_files.notes
    candidates: dict[str, list[_Candidate]] = {}
    notebooks = [p for p in upload_files.files if p.suffix == ".ipynb"]
    modules = [p for p in upload_files.files if p.suffix == ".py" and p.stem in ALL_TOPICS]
    for path in [*modules, *notebooks]:
        found = _candidate(upload_files, path, stubs, notes)
        if found is not None:
            topic, candidate = found
            if len(candidates.setdefault(topic, [])) < MAX_CANDIDATES:
                candidates[topic].append(candidate)
    primary = _primary_folder(candidates)
    graded = {}
    for topic in ALL_TOPICS:
        if topic in candidates:
            chosen, why = _choose(candidates[topic], primary)
            (folder / f"{topic}.py").write_bytes(chosen.module)
            graded[topic] = f"{chosen.path}{f' ({why})' if why else ''}"
    if primary is not None:
        _copy_helpers(upload_files, primary, folder, notes)
    if not graded:
        names = ", ".join(f"{topic}.py" for topic in TOPICS)
        notes.append(
            f"found none of the exercise modules ({names}) or the course's notebooks in the upload"
        )
    if upload_files.skipped > MAX_NOTES:
        notes.append(f"... and {upload_files.skipped - MAX_NOTES} more skipped entries")
    return PreparedSubmission(folder, notes, graded)


def _candidate(
    upload: _Upload, path: PurePosixPath, stubs: Path, notes: list[str]
) -> tuple[str, _Candidate] | None:
    """The topic a file is and its module source, or None (with a note) when unusable."""
    try:
        if path.suffix == ".ipynb":
            text = decode_text(upload.read(path, MAX_NOTEBOOK_BYTES), str(path))
            topic, source = _notebook_module(text, str(path))
            what, module = "notebook", source.encode()
        else:
            module = upload.read(path, MAX_SOURCE_BYTES)
            text = decode_source(module, str(path))
            topic, source, what = path.stem, text, "module"
            if text.lstrip().startswith(_JUPYTEXT_HEADER[0]) and _JUPYTEXT_HEADER[1] in text[:400]:
                topic, source = _notebook_module(text, str(path))
                what, module = "text notebook", source.encode()
    except (UnsafeFile, ValueError) as err:  # NotebookError is a ValueError
        why = str(err).removesuffix(": not read")
        notes.append(f"{why if why.startswith(str(path)) else f'{path}: {why}'}: not graded")
        return None
    return topic, _Candidate(path, topic, what, module, _changed(source, topic, stubs))


def _notebook_module(text: str, name: str) -> tuple[str, str]:
    from deepgrade.notebooks import module_source, parse, topic_of

    notebook = parse(text, name)
    return topic_of(notebook, name), module_source(notebook)


@functools.cache
def _stub_functions(stub: Path) -> dict[str, str]:
    try:
        return _functions(stub.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, ValueError):
        return {}


def _functions(source: str) -> dict[str, str]:
    """Each module-level function's code, without its docstring, as a comparable string."""
    found = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                node.body = body[1:] or [ast.Pass()]
            found.setdefault(node.name, ast.dump(node))
    return found


def _changed(source: str, topic: str, stubs: Path) -> int:
    """How many of the topic's exercise functions differ from the release's stub."""
    stub = _stub_functions(stubs / f"{topic}.py")
    try:
        mine = _functions(source)
    except (SyntaxError, ValueError):  # edited into code that does not parse: edited
        return 1
    return sum(1 for e in in_module(topic) if e.name in mine and mine[e.name] != stub.get(e.name))


def _primary_folder(candidates: dict[str, list[_Candidate]]) -> PurePosixPath | None:
    """The folder holding the most topic modules (the shallowest on a tie)."""
    counts: dict[PurePosixPath, int] = {}
    for found in candidates.values():
        for c in found:
            if c.kind == "module":
                counts[c.path.parent] = counts.get(c.path.parent, 0) + 1
    if not counts:
        return None
    return min(counts, key=lambda f: (-counts[f], len(f.parts), str(f)))


def _choose(found: list[_Candidate], primary: PurePosixPath | None) -> tuple[_Candidate, str]:
    """The candidate graded for one topic, and why (empty when there was no choice)."""

    def order(c: _Candidate) -> tuple:
        edited_notebook_first = -int(c.is_notebook) if c.changed else int(c.is_notebook)
        return (-c.changed, edited_notebook_first, c.path.parent != primary,
                len(c.path.parts), str(c.path))  # fmt: skip

    ranked = sorted(found, key=order)
    chosen, others = ranked[0], ranked[1:]
    if not others:
        return chosen, ""
    edited = [c for c in others if c.changed]
    names = " and ".join(str(c.path) for c in others)
    verb = "is" if len(others) == 1 else "are"
    if not chosen.changed:
        return chosen, f"unchanged from the release, as {verb} {names}"
    if not edited:
        return chosen, f"the file you edited; {names} {verb} unchanged from the release"
    total = len(in_module(chosen.topic))
    also = ", ".join(f"{c.path} changes {c.changed}" for c in edited)
    tie = " (on a tie, the notebook)" if chosen.changed == edited[0].changed else ""
    return chosen, (
        f"it changes {chosen.changed} of {total} exercises from the release's stub, {also}: "
        f"one file per topic is graded, the one with the most of your work{tie}; "
        "work in one of them only"
    )


def _copy_helpers(upload: _Upload, primary: PurePosixPath, folder: Path, notes: list[str]) -> None:
    """The primary folder's other ``.py`` files: the student's own helper modules."""
    for path in upload.files:
        if path.parent != primary or path.suffix != ".py" or path.stem in ALL_TOPICS:
            continue
        try:
            data = upload.read(path, MAX_SOURCE_BYTES)
            decode_source(data, str(path))
        except UnsafeFile as err:
            notes.append(f"{err}: not used")
            continue
        (folder / path.name).write_bytes(data)


def grade_upload(
    upload: str | Path,
    *,
    mode: str = "worker",
    isolation: str = "process",
    limits: Limits | None = None,
    student: str | None = None,
) -> SubmissionReport:
    """Prepare ``upload`` and grade what it holds (:func:`autograder.grading.engine.grade`);
    the report carries the preparation's notes and names the file graded per topic.

    Raises SubmissionError only when ``upload`` is not a folder.
    """
    from autograder.grading.engine import grade

    upload = Path(upload).expanduser()
    if not upload.is_dir():
        raise SubmissionError(f"{upload} is not a folder")
    name = student or upload.resolve().name
    with tempfile.TemporaryDirectory(prefix="deepgrade-upload-") as scratch:
        prepared = prepare_submission(upload, Path(scratch))
        report = grade(prepared.folder, mode=mode, isolation=isolation, limits=limits,
                       student=name)  # fmt: skip
    report.notes[:0] = prepared.notes
    report.graded = prepared.graded
    return report
