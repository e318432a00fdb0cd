"""Whether an exercise's function is still the stub the release handed out.

A stub raises its exercise's ``NotImplementedError``, so every public test of it fails
with that error: ``deepgrade check`` reports such an exercise without running its tests.
On the fresh stubs, the first thing every student runs, that is most of a check's time.

The release builder writes a digest of each stub's syntax tree (:data:`TABLE_PATH`, one
per exercise; the leak check accepts only what the released stubs give). A function is
*untouched* when the digest of its own source is that one: any edit, even above the raise,
and its tests run as usual. The instructors' repository has no table, so nothing is skipped
there.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import inspect
import json
import os
from collections.abc import Callable, Iterable
from pathlib import Path

from deepgrade.catalog import EXERCISES, Exercise

TABLE_PATH = Path(__file__).with_name("stub_digests.json")
TABLE_NAME = "deepgrade/stub_digests.json"  # its path in a release
DIGEST_CHARS = 16


def _digest(node: ast.FunctionDef) -> str:
    text = ast.dump(node, include_attributes=False)
    return hashlib.sha256(text.encode()).hexdigest()[:DIGEST_CHARS]


def of_stubs(modules: dict[str, str]) -> dict[str, str]:
    """Each exercise's stub digest, from the stub modules' sources by file name."""
    found = {}
    for exercise in EXERCISES:
        source = modules.get(f"{exercise.module}.py")
        for node in ast.parse(source).body if source else ():
            if isinstance(node, ast.FunctionDef) and node.name == exercise.name:
                found[exercise.name] = _digest(node)
    return found


@functools.cache
def table() -> dict[str, str]:
    """The release's digests, or none (the instructors' repository, an old release)."""
    try:
        data = json.loads(TABLE_PATH.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


@functools.lru_cache(maxsize=64)
def _definitions(path: str, stamp: tuple[int, int]) -> dict[int, ast.FunctionDef]:
    """The functions a source file defines, by the line their code starts on (``stamp``,
    the file's size and time, keys the cache: an edited file is parsed again)."""
    tree = ast.parse(Path(path).read_bytes())
    return {
        min([node.lineno, *(d.lineno for d in node.decorator_list)]): node
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef)
    }


def untouched(function: Callable, exercise: Exercise) -> bool:
    """True if ``function`` is ``exercise``'s stub exactly as released (by its source: each
    file is parsed once, not each function's text read again)."""
    wanted = table().get(exercise.name)
    if not wanted:
        return False
    try:
        code = inspect.unwrap(function).__code__
        info = os.stat(code.co_filename)
        found = _definitions(code.co_filename, (info.st_size, info.st_mtime_ns))
    except (AttributeError, OSError, ValueError, SyntaxError):
        return False
    node = found.get(code.co_firstlineno)
    return node is not None and node.name == code.co_name and _digest(node) == wanted


# ---------------------------------------------------------------- whole stub modules
#
# A topic module still exactly as released (its syntax tree: comments and layout aside),
# and so are the sibling modules it imports, fails each of its public tests with its
# exercises' NotImplementedError: ``deepgrade check`` records those tests from the index
# below and does not start pytest for them at all (for the fresh stubs, no pytest at all).
# The index holds the public tests' ids and weights as released; edited public tests
# (their digest differs) and anything unexpected mean the tests run as usual.

MODULES_PATH = Path(__file__).with_name("stub_modules.json")
MODULES_NAME = "deepgrade/stub_modules.json"  # its path in a release


def module_digest(source: str | bytes) -> str:
    return hashlib.sha256(ast.dump(ast.parse(source)).encode()).hexdigest()[:DIGEST_CHARS]


def sibling_imports(source: str | bytes) -> list[str]:
    """The modules of the same folder that ``source`` imports (``from ._validate import``)."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            found |= {node.module} if node.module else {alias.name for alias in node.names}
    return sorted(found)


def tests_digest(tests: Path) -> str:
    """The public test files' digest (their names and bytes)."""
    hashed = hashlib.sha256()
    for path in sorted(tests.glob("*.py")):
        hashed.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return hashed.hexdigest()[:DIGEST_CHARS]


def of_stub_modules(modules: dict[str, str], records: list[dict], tests: Path) -> dict:
    """The index a release ships: each stub module's digest and sibling imports (by file
    name), the public tests' digest, and each exercise's tests (``[nodeid, weight]``, from
    ``records`` of a run of those tests)."""
    index: dict[str, list] = {}
    for record in records:
        index.setdefault(record["exercise"], []).append([record["nodeid"], record["weight"]])
    return {
        "tests": tests_digest(tests),
        "modules": {
            name.removesuffix(".py"): {
                "digest": module_digest(source),
                "imports": sibling_imports(source),
            }
            for name, source in sorted(modules.items())
        },
        "records": index,
    }


@functools.cache
def module_table() -> dict:
    """The release's index, or an empty one (the instructors' repository, an old release)."""
    try:
        data = json.loads(MODULES_PATH.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def tests_as_released(tests: Path) -> bool:
    """True if ``tests`` holds the release's public test files, unchanged, and no other."""
    wanted = module_table().get("tests")
    return bool(wanted) and tests.is_dir() and tests_digest(tests) == wanted


def released_records(
    folder: Path, topics: Iterable[str], tests: Path, exercises: Iterable[str] = ()
) -> tuple[list[dict], set[str]]:
    """The records of the ``topics`` whose modules in ``folder`` are still the released
    stubs (only ``exercises``' when some are named), and those topics. Each record is what
    running the test records: failed with its exercise's NotImplementedError."""
    table = module_table()
    modules = table.get("modules")
    if not isinstance(modules, dict) or not tests_as_released(tests):
        return [], set()

    @functools.cache
    def as_released(name: str) -> bool:
        entry = modules.get(name)
        try:
            source = (folder / f"{name}.py").read_bytes()
            same = entry is not None and module_digest(source) == entry["digest"]
        except (OSError, ValueError, SyntaxError):
            return False
        return same and all(as_released(other) for other in entry["imports"])

    wanted = set(exercises)
    stubbed = {topic for topic in topics if as_released(topic)}
    records = [
        {
            "nodeid": nodeid,
            "exercise": exercise.name,
            "weight": weight,
            "outcome": "failed",
            "seconds": 0.0,
            "message": f"NotImplementedError: {exercise.not_implemented}",
            "evidence": [],
        }
        for exercise in EXERCISES
        if exercise.module in stubbed and (not wanted or exercise.name in wanted)
        for nodeid, weight in table.get("records", {}).get(exercise.name, [])
    ]
    return records, stubbed
