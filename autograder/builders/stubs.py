"""Derive the student stubs (exercises/) from the reference solutions (solutions/).

Solution code sits between nbgrader's markers::

    ### BEGIN SOLUTION
    ...
    ### END SOLUTION

Each region becomes one ``raise NotImplementedError(...)`` naming the exercise (from the
enclosing function and :mod:`deepgrade.catalog`); everything else is kept as written.
The transformation is a pure function of the source text so that other builders
(notebooks, student releases) can reuse it; :func:`restore_solutions` undoes it.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from autograder.paths import EXERCISES_DIR, SOLUTIONS_DIR
from deepgrade.catalog import ALL_TOPICS, BY_NAME, Exercise, in_module

BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
_MARKER = re.compile(r"^(?P<indent>\s*)(?P<marker>### (?:BEGIN|END) SOLUTION)\s*$")

PACKAGE_DOC = '''"""Your exercises. Replace each ``raise NotImplementedError(...)`` with your code.

Test your work with ``deepgrade check`` or ``pytest`` (both test this folder by default).
"""
'''


class BuildError(ValueError):
    """The solution source is malformed (unbalanced markers, region outside an exercise)."""


@dataclass(frozen=True)
class Region:
    function: str
    begin: int  # 1-based line of BEGIN
    end: int  # 1-based line of END


def _enclosing_functions(tree: ast.AST) -> list[ast.FunctionDef]:
    return [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]


def find_regions(source: str, filename: str = "<solution>") -> list[Region]:
    """The solution regions of a module, each tied to the innermost function containing it."""
    functions = _enclosing_functions(ast.parse(source, filename))
    regions: list[Region] = []
    open_at: tuple[int, str] | None = None
    for lineno, line in enumerate(source.splitlines(), start=1):
        match = _MARKER.match(line)
        if not match:
            if BEGIN in line or END in line:
                raise BuildError(
                    f"{filename}:{lineno}: a solution marker must be alone on its line"
                )
            continue
        if match["marker"] == BEGIN:
            if open_at:
                raise BuildError(
                    f"{filename}:{lineno}: {BEGIN} inside the region begun at line {open_at[0]}"
                )
            open_at = (lineno, match["indent"])
            continue
        if not open_at:
            raise BuildError(f"{filename}:{lineno}: {END} without a {BEGIN}")
        if match["indent"] != open_at[1]:
            raise BuildError(f"{filename}:{lineno}: {END} is indented differently from its {BEGIN}")
        inside = [f for f in functions if f.lineno < open_at[0] <= f.end_lineno]
        if not inside:
            raise BuildError(f"{filename}:{open_at[0]}: solution region outside any function")
        innermost = max(inside, key=lambda f: f.lineno)
        regions.append(Region(innermost.name, open_at[0], lineno))
        open_at = None
    if open_at:
        raise BuildError(f"{filename}:{open_at[0]}: {BEGIN} is never closed by {END}")
    return regions


def stub_code(entry: Exercise) -> str:
    """What replaces an exercise's solution region (unindented; also nbgrader's stub)."""
    return f'raise NotImplementedError(\n    "{entry.not_implemented}"\n)'


def stub_source(source: str, module: str, filename: str | None = None) -> str:
    """The stub text for one solution module."""
    filename = filename or f"solutions/{module}.py"
    regions = find_regions(source, filename)
    _check_coverage(regions, module, filename)
    lines = source.splitlines(keepends=True)
    out: list[str] = []
    cursor = 0
    for region in regions:
        out.extend(lines[cursor : region.begin - 1])
        out.append(_stub_block(region, lines))
        cursor = region.end
    out.extend(lines[cursor:])
    return "".join(out)


def _stub_block(region: Region, lines: list[str]) -> str:
    """:func:`stub_code` at the region's indentation: what stands in for one region."""
    indent = _MARKER.match(lines[region.begin - 1])["indent"]
    code = stub_code(BY_NAME[region.function])
    return "".join(f"{indent}{line}\n" for line in code.split("\n"))


def restore_solutions(
    stub: str, solution: str, filename: str = "<stub>", only: Collection[str] | None = None
) -> str:
    """The inverse of :func:`stub_source`: each region's stub block in ``stub`` replaced by
    the region's code from ``solution`` (without the markers); the rest of ``stub`` kept.
    ``only``: restore just these exercises (function names), leave the other stubs.

    A release with the reference pasted back this way must score full points, which
    proves that the release's stubs, tests and packaging fit together.
    """
    lines = solution.splitlines(keepends=True)
    for region in find_regions(solution):
        if only is not None and region.function not in only:
            continue
        block = _stub_block(region, lines)
        if stub.count(block) != 1:
            raise BuildError(f"{filename}: no single stub block for {region.function}")
        stub = stub.replace(block, "".join(lines[region.begin : region.end - 1]))
    return stub


def _check_coverage(regions: list[Region], module: str, filename: str) -> None:
    seen: dict[str, int] = {}
    for region in regions:
        entry = BY_NAME.get(region.function)
        if entry is None or entry.module != module:
            raise BuildError(
                f"{filename}:{region.begin}: {region.function} has a solution region but is "
                f"not an exercise of {module} in deepgrade/catalog.py"
            )
        if region.function in seen:
            raise BuildError(
                f"{filename}:{region.begin}: {region.function} has a second solution region "
                f"(first at line {seen[region.function]}); use one per exercise"
            )
        seen[region.function] = region.begin
    missing = [e.name for e in in_module(module) if e.name not in seen]
    if missing:
        raise BuildError(f"{filename}: no solution region for {', '.join(missing)}")


def build(solutions_dir: Path = SOLUTIONS_DIR) -> dict[str, str]:
    """Every file of exercises/, by file name, as the builder would write it."""
    files = {"__init__.py": PACKAGE_DOC}
    for path in sorted(solutions_dir.glob("*.py")):
        if path.name == "__init__.py":
            continue
        module = path.stem
        source = path.read_text(encoding="utf-8")
        if module in ALL_TOPICS:
            files[path.name] = stub_source(source, module, f"solutions/{path.name}")
        elif find_regions(source, f"solutions/{path.name}"):
            raise BuildError(
                f"solutions/{path.name} is not a topic module but has solution regions"
            )
        else:
            files[path.name] = source  # provided helpers, copied as they are
    absent = [t for t in ALL_TOPICS if f"{t}.py" not in files]
    if absent:
        raise BuildError(f"solutions/ has no module for topic(s) {', '.join(absent)}")
    return files


def drift(exercises_dir: Path = EXERCISES_DIR, solutions_dir: Path = SOLUTIONS_DIR) -> list[str]:
    """File names in exercises/ that differ from (or are missing versus) what build() writes."""
    wanted = build(solutions_dir)
    present = {p.name for p in exercises_dir.glob("*.py")}
    changed = [
        name
        for name, text in wanted.items()
        if not (exercises_dir / name).is_file()
        or (exercises_dir / name).read_text(encoding="utf-8") != text
    ]
    return sorted(changed + sorted(present - set(wanted)))


def write(exercises_dir: Path = EXERCISES_DIR, solutions_dir: Path = SOLUTIONS_DIR) -> list[str]:
    """Write exercises/ from solutions/; returns the files that changed (stale ones removed)."""
    changed = drift(exercises_dir, solutions_dir)
    wanted = build(solutions_dir)
    exercises_dir.mkdir(parents=True, exist_ok=True)
    for name in changed:
        target = exercises_dir / name
        if name in wanted:
            target.write_text(wanted[name], encoding="utf-8")
        else:
            target.unlink()
    return changed
