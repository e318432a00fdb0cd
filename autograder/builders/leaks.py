"""The student release's leak check: nothing of the answers or the grading tests ships.

The rules, each finding naming the file (and the line, where there is one):

1. **Solution code.** Every line inside a ``### BEGIN SOLUTION`` region of ``solutions/``
   is *normalised*: its comment cut off and all whitespace removed, so re-indenting,
   re-spacing or re-commenting a line does not hide it. A normalised line of at least
   :data:`MIN_CHARS` characters is a fingerprint, unless students get it anyway: the
   generated stubs (provided code, docstring examples), the public tests or the kit's
   declared data (the capstones' fixed recipes and budgets) already hold it.
   Shorter lines (``return out``, ``else:``, ``pass``, brackets) say nothing about a
   solution and would match ordinary code. Any release line whose normalised form equals a
   fingerprint is a leak.
2. **Hidden suites and mistake catalogues** (``autograder/suites/``): their lines the same
   way, excused when any student-side file of the instructors' repository (kit, stubs,
   public tests, data loaders, the root conftest) holds them, since the suites share
   imports and plumbing with the kit; the names of the hidden tests (those that are not
   also public test names); files named like a hidden suite or a mistake catalogue.
3. **Instructor files and reference outputs.** The expected values of grading are computed
   from ``solutions/`` on the instructors' side and never stored, so a reference output in
   a release could only come with an instructor file or a data file. Refused: any path
   named ``solutions``, ``autograder`` or ``devtests``; an import of ``solutions`` or
   ``autograder``; the capstone calibration evidence; any data file (arrays, pickles,
   models, tables, any binary file, JSON other than the kit's declared data); a notebook
   with stored outputs; a line holding nbgrader's solution or hidden-tests markers. The
   public tests hold their expected values in their own code.
4. **Mistake fingerprints** (:mod:`deepgrade.fingerprints`): the one data file of that kind
   holds digests of catalogued mistakes' outputs on the public inputs, their names and
   words, and nothing else: exactly the table :mod:`autograder.builders.mistake_fingerprints`
   derives, so a planted entry (a value, a check of a hidden input) is a leak.
5. **Stub digests** (:mod:`deepgrade.stub_digests`): exactly the digests of the stubs the
   builder writes, one per exercise; and the index of whole stub modules: exactly their
   digests and sibling imports, the public tests' digest, and for each exercise the ids
   and weights of its own public tests (each id a test of its topic's public file).

:func:`check_folder` applies the rules to a release folder, :func:`check_packages` to
the wheel and sdist built from it (``python -m build``: the sdist, then the wheel from it).
"""

from __future__ import annotations

import ast
import fnmatch
import importlib.util
import json
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from autograder.builders import stubs
from autograder.paths import HIDDEN_SUITES, PROJECT_ROOT
from deepgrade import stub_digests
from deepgrade.catalog import BY_NAME
from deepgrade.fingerprints import DIGEST_CHARS
from deepgrade.fingerprints import TABLE_NAME as MISTAKE_TABLE
from deepgrade.stub_digests import MODULES_NAME as STUB_MODULES
from deepgrade.stub_digests import TABLE_NAME as STUB_TABLE

MIN_CHARS = 12
INSTRUCTOR_NAMES = ("solutions", "autograder", "devtests")
INSTRUCTOR_FILES = ("test_*_hidden.py", "mistakes_*.py", "calibration.json")
# What a working copy makes (a venv, caches, build output, plots): not part of a release,
# never scanned in its folder; the release's .gitignore lists the same.
LOCAL_ONLY = (
    ".git",
    ".venv",
    "venv",
    "__pycache__",
    "*.egg-info",
    "build",
    "dist",
    ".pytest_cache",
    ".hypothesis",
    ".ruff_cache",
    "deepgrade-plots",
)
TEXT_SUFFIXES = (".py", ".md", ".txt", ".cfg", ".toml", ".yml", ".yaml", ".in", ".typed")
# Data the kit declares as package data (setup.cfg) and needs at run time.
KIT_DATA = ("deepgrade/capstones/settings.json",)
_IMPORT = re.compile(r"^\s*(?:from|import)\s+(?:solutions|autograder)\b")
# nbgrader's region markers: a student file holding one still has an answer or hidden tests
_MARKERS = (stubs.BEGIN, stubs.END, "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS")
_TEST_NAME = re.compile(r"\btest_\w+")


class LeakError(RuntimeError):
    """The release holds something of the instructor side."""

    def __init__(self, leaks: list[Leak]):
        self.leaks = leaks
        super().__init__(
            f"the student release leaks {len(leaks)} thing(s) of the instructor side:\n"
            + "\n".join(f"  {leak}" for leak in leaks)
        )


class PackagingError(RuntimeError):
    """The release's wheel or sdist could not be built (so it could not be checked)."""


@dataclass(frozen=True)
class Leak:
    where: str  # a path in the release, or "archive!member"
    line: int | None
    what: str

    def __str__(self) -> str:
        at = f"{self.where}:{self.line}" if self.line else self.where
        return f"{at}: {self.what}"


def normalise(line: str) -> str:
    """``line`` without its comment and without any whitespace."""
    quote = None
    out: list[str] = []
    chars = iter(line)
    for char in chars:
        if quote:
            if char == "\\":
                out.append(char + next(chars, ""))
                continue
            if char == quote:
                quote = None
        elif char in "\"'":
            quote = char
        elif char == "#":
            break
        out.append(char)
    return re.sub(r"\s+", "", "".join(out))


def _normalised(texts: Iterable[str]) -> set[str]:
    return {normalise(line) for text in texts for line in text.splitlines()}


@dataclass(frozen=True)
class Fingerprints:
    """What must not be in a release, taken from the instructors' repository."""

    code: dict[str, str]  # normalised line -> where it comes from
    test_names: dict[str, str]  # hidden test name -> its suite
    source: Path = PROJECT_ROOT
    # the only mistake fingerprints a release may hold (None: derived from source when needed)
    mistake_table: str | None = None

    def allowed_mistake_table(self) -> dict:
        from autograder.builders import mistake_fingerprints

        return json.loads(self.mistake_table or mistake_fingerprints.build(self.source))

    @classmethod
    def of(cls, source: Path = PROJECT_ROOT) -> Fingerprints:
        stub_texts = list(stubs.build(source / "solutions").values())
        public_tests = [p.read_text(encoding="utf-8") for p in _py_files(source / "tests")]
        kit = [p.read_text(encoding="utf-8") for p in _py_files(source / "deepgrade")]
        loaders = [p.read_text(encoding="utf-8") for p in _py_files(source / "datasets")]
        kit_data = [(source / name).read_text(encoding="utf-8") for name in KIT_DATA]
        conftest = (source / "conftest.py").read_text(encoding="utf-8")
        suites = source / HIDDEN_SUITES.relative_to(PROJECT_ROOT)
        code = _suite_lines(
            suites, source, _normalised([*stub_texts, *public_tests, *kit, *loaders, conftest])
        )
        code |= _solution_lines(source, _normalised([*stub_texts, *public_tests, *kit_data]))
        public_names = {name for text in public_tests for name in _function_names(text)}
        test_names = {
            name: _rel(path, source)
            for path in sorted(suites.glob("test_*.py"))
            for name in _function_names(path.read_text(encoding="utf-8"))
            if name.startswith("test") and name not in public_names
        }
        return cls(code, test_names, source)


def _suite_lines(suites: Path, source: Path, excused: set[str]) -> dict[str, str]:
    code: dict[str, str] = {}
    for path in _py_files(suites):
        for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            key = normalise(line)
            if len(key) >= MIN_CHARS and key not in excused:
                code.setdefault(key, f"a line of {_rel(path, source)}:{lineno}")
    return code


def _solution_lines(source: Path, excused: set[str]) -> dict[str, str]:
    code: dict[str, str] = {}
    for path in _py_files(source / "solutions"):
        text = path.read_text(encoding="utf-8")
        lines = text.splitlines()
        for region in stubs.find_regions(text, _rel(path, source)):
            for lineno in range(region.begin + 1, region.end):
                key = normalise(lines[lineno - 1])
                if len(key) >= MIN_CHARS and key not in excused:
                    code[key] = (
                        f"a line of the solution of {region.function} "
                        f"({_rel(path, source)}:{lineno})"
                    )
    return code


def _py_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.py") if "__pycache__" not in p.parts)


def _rel(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix()


def _function_names(source: str) -> set[str]:
    return {
        node.name
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    }


# ------------------------------------------------------------------------- one file


def check_file(name: str, data: bytes, prints: Fingerprints) -> list[Leak]:
    """The leaks of one release file, ``name`` being its path (``/``-separated)."""
    path = PurePosixPath(name)
    leaks = [Leak(name, None, why) for why in _name_problems(path)]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is None or "\0" in text:
        return [*leaks, Leak(name, None, "a binary file: a release ships code and text only")]
    if path.suffix == ".ipynb":
        return leaks + _check_notebook(name, text, prints)
    if name == MISTAKE_TABLE or name.endswith(f"/{MISTAKE_TABLE}"):
        return leaks + _check_mistake_table(name, text, prints)
    if name == STUB_TABLE or name.endswith(f"/{STUB_TABLE}"):
        return leaks + _check_stub_digests(name, text, prints)
    if name == STUB_MODULES or name.endswith(f"/{STUB_MODULES}"):
        return leaks + _check_stub_modules(name, text, prints)
    if path.suffix == ".json" and not any(name == k or name.endswith(f"/{k}") for k in KIT_DATA):
        leaks.append(Leak(name, None, "a JSON data file outside the kit's declared data"))
    elif path.suffix not in (*TEXT_SUFFIXES, ".json") and "." in path.name.lstrip("."):
        leaks.append(Leak(name, None, f"a {path.suffix} file: could carry reference outputs"))
    return leaks + _check_lines(name, text.splitlines(), prints, python=path.suffix == ".py")


def _is_digest(value) -> bool:
    return isinstance(value, str) and re.fullmatch(f"[0-9a-f]{{{DIGEST_CHARS}}}", value) is not None


ENTRY_KEYS = {"tried", "outputs", "decisive"}  # a check's entry in the mistake table


def _only_digests_and_words(table) -> bool:
    """The table's form: per check key, the mistakes tried and the decisive ones (names) and,
    per output digest, [name, words] pairs; nothing else, no numbers."""
    if not isinstance(table, dict) or set(table) != {"version", "checks"}:
        return False
    if not isinstance(table["checks"], dict):
        return False
    for key, entry in table["checks"].items():
        if not (_is_digest(key) and isinstance(entry, dict) and set(entry) == ENTRY_KEYS):
            return False
        lists = (entry["tried"], entry["decisive"])
        if not all(isinstance(names, list) for names in lists):
            return False
        if not all(isinstance(name, str) for names in lists for name in names):
            return False
        outputs = entry["outputs"]
        if not isinstance(outputs, dict):
            return False
        for output, pairs in outputs.items():
            if not (_is_digest(output) and isinstance(pairs, list)):
                return False
            for pair in pairs:
                if not (isinstance(pair, list) and len(pair) == 2):
                    return False
                if not all(isinstance(part, str) for part in pair):
                    return False
    return True


def _check_mistake_table(name: str, text: str, prints: Fingerprints) -> list[Leak]:
    """Rule 4: the mistake fingerprints hold digests and words only, exactly those the
    builder derives from the public tests' inputs (so nothing planted, no values)."""
    try:
        table = json.loads(text)
    except ValueError:
        return [Leak(name, None, "the mistake fingerprints are not readable JSON")]
    if not _only_digests_and_words(table):
        return [Leak(name, None, "the mistake fingerprints hold more than digests and mistake "
                                 "names (values could carry reference outputs)")]  # fmt: skip
    allowed = prints.allowed_mistake_table()
    if table != allowed:
        extra = sorted(set(table["checks"]) - set(allowed["checks"]))
        what = f"{len(extra)} check(s) the public tests do not make" if extra else "other digests"
        return [Leak(name, None, "the mistake fingerprints differ from what the catalogue "
                                 f"gives on the public tests' inputs: {what}")]  # fmt: skip
    return []


def _check_stub_digests(name: str, text: str, prints: Fingerprints) -> list[Leak]:
    """Rule 5: the stub digests are exactly those of the stubs the builder writes."""
    try:
        table = json.loads(text)
    except ValueError:
        table = None
    if table != stub_digests.of_stubs(stubs.build(prints.source / "solutions")):
        return [Leak(name, None, "the stub digests differ from those of the released stubs")]
    return []


def _check_stub_modules(name: str, text: str, prints: Fingerprints) -> list[Leak]:
    """Rule 5, the index of whole stub modules: what the builder derives, test ids of the
    public tests only."""
    try:
        table = json.loads(text)
        records = table["records"]
        expected = stub_digests.of_stub_modules(
            stubs.build(prints.source / "solutions"), [], prints.source / "tests"
        )
        same = {k: table[k] for k in ("tests", "modules")} == {
            k: expected[k] for k in ("tests", "modules")
        }
    except (ValueError, KeyError, TypeError):
        return [Leak(name, None, "the stub module index is not the builder's JSON")]
    if not same:
        return [Leak(name, None, "the stub module digests differ from the released stubs'")]
    for exercise, tests in records.items() if isinstance(records, dict) else [(None, None)]:
        entry = BY_NAME.get(exercise)
        public = prints.source / "tests" / f"test_{entry.module}.py" if entry else None
        source = public.read_text(encoding="utf-8") if public and public.is_file() else ""
        for nodeid, weight in tests if isinstance(tests, list) else [(None, None)]:
            file, _, test = str(nodeid).partition("::")
            function = test.split("[")[0]
            if (
                not source
                or file != f"tests/{public.name}"
                or not re.search(rf"\bdef {re.escape(function)}\(", source)
                or not isinstance(weight, int | float)
            ):
                return [Leak(name, None, f"{nodeid!r} is not a public test of {exercise!r}")]
    return []


def _name_problems(path: PurePosixPath) -> Iterator[str]:
    for part in path.parts:
        if part in INSTRUCTOR_NAMES or PurePosixPath(part).stem in INSTRUCTOR_NAMES:
            yield f"'{part}' belongs to the instructors' repository"
            return
    if any(fnmatch.fnmatch(path.name, pattern) for pattern in INSTRUCTOR_FILES):
        yield "named like a hidden suite, a mistake catalogue or calibration evidence"


def _check_lines(where: str, lines: list[str], prints: Fingerprints, python: bool) -> list[Leak]:
    leaks = []
    for lineno, line in enumerate(lines, 1):
        origin = prints.code.get(normalise(line))
        if origin:
            leaks.append(Leak(where, lineno, f"{origin}: {line.strip()}"))
        for name in _TEST_NAME.findall(line):
            if name in prints.test_names:
                leaks.append(Leak(where, lineno, f"hidden test {name} ({prints.test_names[name]})"))
        if python and _IMPORT.match(line):
            leaks.append(Leak(where, lineno, f"imports the instructor side: {line.strip()}"))
        if any(marker in line for marker in _MARKERS):
            leaks.append(Leak(where, lineno, f"an nbgrader region marker: {line.strip()}"))
    return leaks


def _check_notebook(name: str, text: str, prints: Fingerprints) -> list[Leak]:
    try:
        cells = json.loads(text)["cells"]
    except (ValueError, KeyError, TypeError):
        return [Leak(name, None, "not a readable notebook, so it cannot be checked")]
    leaks = []
    for number, cell in enumerate(cells, 1):
        where = f"{name} (cell {number})"
        source = cell.get("source", "")
        lines = "".join(source).splitlines() if isinstance(source, list) else source.splitlines()
        leaks += _check_lines(where, lines, prints, python=cell.get("cell_type") == "code")
        if cell.get("outputs"):
            leaks.append(Leak(where, None, "stored outputs (they can show reference results)"))
    return leaks


# ------------------------------------------------------------------------- a folder


def _is_local_only(relative: PurePosixPath) -> bool:
    return any(fnmatch.fnmatch(part, pattern) for part in relative.parts for pattern in LOCAL_ONLY)


def release_files(root: Path) -> list[Path]:
    """The files of a release folder, without what a working copy makes (:data:`LOCAL_ONLY`)."""
    return sorted(
        path
        for path in root.rglob("*")
        if path.is_file() and not _is_local_only(PurePosixPath(path.relative_to(root).as_posix()))
    )


def check_folder(root: Path, prints: Fingerprints | None = None) -> list[Leak]:
    prints = prints or Fingerprints.of()
    return [
        leak
        for path in release_files(root)
        for leak in check_file(path.relative_to(root).as_posix(), path.read_bytes(), prints)
    ]


# ------------------------------------------------------------------------- its packages


def build_packages(root: Path, outdir: Path) -> list[Path]:
    """The release's sdist, and its wheel built from that sdist, in ``outdir``.

    Built from a copy, so the release folder gets no build output of its own.
    """
    if importlib.util.find_spec("build") is None:
        raise PackagingError("the 'build' package is missing here: pip install 'build>=1'")
    with tempfile.TemporaryDirectory(prefix="deepgrade-release-build-") as tmp:
        copy = Path(tmp) / "release"
        shutil.copytree(root, copy, ignore=shutil.ignore_patterns(*LOCAL_ONLY))
        proc = subprocess.run(
            [sys.executable, "-m", "build", "--outdir", str(outdir), str(copy)],
            capture_output=True, text=True, timeout=900, check=False,
        )  # fmt: skip
    built = sorted([*outdir.glob("*.whl"), *outdir.glob("*.tar.gz")])
    if proc.returncode != 0 or len(built) != 2:
        tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-15:])
        raise PackagingError(
            f"python -m build failed on the release (exit {proc.returncode}):\n{tail}"
        )
    return built


def archive_members(archive: Path) -> Iterator[tuple[str, bytes]]:
    """(name, content) of every file in a wheel or an sdist."""
    if archive.suffix == ".whl":
        with zipfile.ZipFile(archive) as wheel:
            for info in wheel.infolist():
                if not info.is_dir():
                    yield info.filename, wheel.read(info)
        return
    with tarfile.open(archive, "r:gz") as sdist:
        for member in sdist.getmembers():
            if member.isfile():
                yield member.name, sdist.extractfile(member).read()


def check_archive(archive: Path, prints: Fingerprints) -> list[Leak]:
    leaks = []
    for name, data in archive_members(archive):
        for leak in check_file(name, data, prints):
            leaks.append(Leak(f"{archive.name}!{leak.where}", leak.line, leak.what))
    return leaks


def check_packages(root: Path, prints: Fingerprints | None = None) -> list[Leak]:
    prints = prints or Fingerprints.of()
    with tempfile.TemporaryDirectory(prefix="deepgrade-release-dist-") as tmp:
        return [
            leak
            for archive in build_packages(root, Path(tmp))
            for leak in check_archive(archive, prints)
        ]
