"""Which exercises a submission's exercise functions call: read from its source, never run.

Later exercises build on earlier ones (the digit network calls ``relu`` and
``dense_forward``; training calls the digit network). When such an exercise fails while
one it calls fails its own checks, the student should fix the one it calls first: the
checks of the later exercise run the earlier code too. The calls are found in the text
of the submission's modules (:mod:`ast`, nothing is imported or run), following the
module's own helper functions, so the same answer comes in-process, through the worker,
and in ``deepgrade check``.
"""

from __future__ import annotations

import ast
from pathlib import Path

from deepgrade.catalog import ALL_TOPICS, BY_NAME, Exercise
from deepgrade.safe_read import MAX_SOURCE_BYTES, decode_source, read_bytes


def _functions(folder: Path) -> dict[str, ast.FunctionDef]:
    """Every module-level function of the folder's topic modules, by name (first wins)."""
    found: dict[str, ast.FunctionDef] = {}
    for topic in ALL_TOPICS:
        path = folder / f"{topic}.py"
        try:  # a submission's file: no link, no pipe, bounded (UnsafeFile is a ValueError)
            tree = ast.parse(decode_source(read_bytes(path, MAX_SOURCE_BYTES), path.name))
        except (OSError, SyntaxError, ValueError):
            continue  # missing or broken: its own exercises report that
        for node in tree.body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                found.setdefault(node.name, node)
    return found


def _names(function: ast.AST) -> set[str]:
    """The names a function's body refers to (``relu``, ``activations.relu``)."""
    names = set()
    for node in ast.walk(function):
        if isinstance(node, ast.Name):
            names.add(node.id)
        elif isinstance(node, ast.Attribute):
            names.add(node.attr)
    return names


def exercise_calls(folder: str | Path) -> dict[str, set[str]]:
    """``{exercise: other exercises its function calls}``, directly or through helpers."""
    functions = _functions(Path(folder))
    known = set(functions) | set(BY_NAME)  # an exercise imported from elsewhere counts too
    direct = {name: _names(node) & known - {name} for name, node in functions.items()}
    calls: dict[str, set[str]] = {}
    for name in functions:
        if name not in BY_NAME:
            continue
        seen, todo = set(), list(direct[name])
        while todo:
            callee = todo.pop()
            if callee in seen or callee == name:
                continue
            seen.add(callee)
            if callee not in BY_NAME:  # a helper: what it calls counts too
                todo.extend(direct.get(callee, ()))
        calls[name] = {callee for callee in seen if callee in BY_NAME}
    return calls


def failing_callees(exercise: Exercise, calls: dict[str, set[str]], failing: set[str]) -> str:
    """The line telling a student that ``exercise`` uses failing exercises, or ''."""
    used = sorted((BY_NAME[name] for name in calls.get(exercise.name, ()) if name in failing),
                  key=lambda e: e.number)  # fmt: skip
    if not used:
        return ""
    names = ", ".join(f"{e.name} ({e.label.split(' (')[0]})" for e in used)
    return (
        f"Likely cause: {exercise.name} calls your {names}, which fails its own checks; "
        "these checks run that code too, so fix it first"
    )
