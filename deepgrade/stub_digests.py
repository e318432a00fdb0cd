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
import textwrap
from collections.abc import Callable
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


def untouched(function: Callable, exercise: Exercise) -> bool:
    """True if ``function`` is ``exercise``'s stub exactly as released (by its source)."""
    wanted = table().get(exercise.name)
    if not wanted:
        return False
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(inspect.unwrap(function))))
    except (OSError, TypeError, SyntaxError):
        return False
    node = tree.body[0] if tree.body else None
    return isinstance(node, ast.FunctionDef) and _digest(node) == wanted
