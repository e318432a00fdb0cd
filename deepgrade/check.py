"""Run the public tests against an implementation and score them per exercise.

The tests run in a separate ``python -m pytest`` process so a broken submission cannot take
the caller down with it; results come back as JSON written by the pytest plugin.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from packaging.requirements import InvalidRequirement, Requirement
from packaging.version import Version
from rich.console import Console
from rich.table import Table

from deepgrade.catalog import BY_NAME, EXERCISES, find
from deepgrade.implementation import Implementation, SubmissionError
from deepgrade.paths import CONSTRAINTS, PROJECT_ROOT, PUBLIC_TESTS
from deepgrade.scoring import ExerciseResult, total


class CheckError(RuntimeError):
    """The public tests could not be run at all (not: some tests failed)."""


def numpy_mismatch(constraints: Path | None = None, installed: str = np.__version__) -> str:
    """A warning when this numpy differs from the grading one in a way that changes
    results (another major or minor version: numpy 2 changed promotion rules and
    printing, minor versions change warnings and defaults), else ''."""
    constraints = constraints or CONSTRAINTS
    try:
        lines = constraints.read_text(encoding="utf-8").splitlines()
    except OSError:
        return ""
    for line in lines:
        try:
            pinned = Requirement(line.split("#", 1)[0].strip())
        except InvalidRequirement:
            continue
        if pinned.name != "numpy":
            continue
        wanted = [Version(s.version) for s in pinned.specifier if s.operator == "=="]
        mine = Version(installed)
        if wanted and wanted[0].release[:2] != mine.release[:2]:
            return (
                f"your numpy is {installed}, the grader's is {wanted[0]}: results can differ "
                "between them (the same code can pass here and lose points when graded); "
                f"install the grading environment: pip install -c {constraints.name} -e ."
            )
    return ""


def targets(words: list[str]) -> tuple[str, list[str]]:
    """``deepgrade check``'s arguments as (the implementation, the exercises named): an
    exercise by its function or its number, anything else the implementation."""
    chosen, impls = [], []
    for word in words:
        entry = find(word)
        if entry in EXERCISES:
            chosen.append(entry.name)
        elif entry is not None:
            raise CheckError(f"{entry.label} is a capstone: try it with deepgrade train")
        else:
            impls.append(word)
    if len(impls) > 1:
        raise CheckError(
            f"{' and '.join(map(repr, impls))}: check one implementation at a time (an "
            f"exercise is named by its function or number: {EXERCISES[0].name}, "
            f"{EXERCISES[0].number})"
        )
    return (impls[0] if impls else "exercises"), list(dict.fromkeys(chosen))


# The plugins the public tests need, loaded by name: the child loads no other installed
# plugin (hypothesis's alone took a fifth of a check on the fresh stubs).
_PLUGINS = tuple(
    option
    for plugin in ("pytest_timeout",)  # a hanging function costs one test, not the check
    if importlib.util.find_spec(plugin) is not None
    for option in ("-p", plugin)
)


def run_public_tests(
    impl: str, tests: Path = PUBLIC_TESTS, timeout: float = 600, exercises: Sequence[str] = ()
) -> list[dict]:
    """One record per public test: nodeid, exercise, outcome, message; only the tests of
    ``exercises`` (names) when any are given."""
    try:
        Implementation(impl)
    except SubmissionError as err:
        raise CheckError(str(err)) from None
    topics = dict.fromkeys(BY_NAME[name].module for name in exercises)
    files = [tests / f"test_{topic}.py" for topic in topics] if tests.is_dir() else []
    paths = [str(f) for f in files] if files and all(f.is_file() for f in files) else [str(tests)]
    with tempfile.TemporaryDirectory(prefix="deepgrade-check-") as tmp:
        report = Path(tmp) / "report.json"
        cmd = [
            sys.executable, "-m", "pytest", *paths, f"--impl={impl}",
            *(f"--exercise={name}" for name in exercises),
            f"--deepgrade-report={report}", "--deepgrade-skip-stubs",  # see stub_digests
            "-q", "-p", "no:cacheprovider",
            "--tb=no",  # only the messages are read: pytest's tracebacks were 3/4 of the time
            *_PLUGINS,
            f"--rootdir={PROJECT_ROOT}", "--no-header", "-o", "addopts=",
        ]  # fmt: skip
        # only the plugins the public tests use (the kit's, from conftest.py, and the
        # per-test timeout): others installed beside them, such as anyio's (JupyterLab
        # brings it) or hypothesis's, cost seconds of imports in every check
        env = dict(os.environ, PYTEST_DISABLE_PLUGIN_AUTOLOAD="1")
        proc = subprocess.run(
            cmd, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=timeout,
            check=False,
        )  # fmt: skip
        if not report.is_file():
            tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-15:])
            raise CheckError(
                f"the public tests did not run (pytest exit {proc.returncode}):\n{tail}"
            )
        return json.loads(report.read_text(encoding="utf-8"))


def render(results: list[ExerciseResult], title: str, console: Console) -> None:
    table = Table(title=title, title_justify="left")
    table.add_column("exercise")
    table.add_column("tests", justify="right")
    table.add_column("points", justify="right")
    table.add_column("first failure", overflow="fold", max_width=90)
    for r in results:
        style = (
            "green" if r.passed == r.total and r.total else ("red" if not r.passed else "yellow")
        )
        table.add_row(
            r.exercise.label,
            f"[{style}]{r.passed}/{r.total}[/{style}]",
            f"{r.score:.1f}/{r.exercise.points}",
            r.headline,
        )
    table.add_section()
    table.add_row("total", "", f"{total(results):.1f}/{sum(r.max_score for r in results)}", "")
    console.print(table)
