"""Run the public tests against an implementation and score them per exercise.

The tests run in a separate ``python -m pytest`` process so a broken submission cannot take
the caller down with it; results come back as JSON written by the pytest plugin. That
process starts first: what the caller does meanwhile (importing numpy, reading the
submission) runs beside it, on another core, instead of before it.
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
from typing import TYPE_CHECKING

from deepgrade import stub_digests
from deepgrade.catalog import BY_NAME, EXERCISES, TOPICS, find
from deepgrade.paths import CONSTRAINTS, PACKAGES, PROJECT_ROOT, PUBLIC_TESTS

if TYPE_CHECKING:
    from rich.console import Console

    from deepgrade.implementation import Implementation
    from deepgrade.scoring import ExerciseResult


class CheckError(RuntimeError):
    """The public tests could not be run at all (not: some tests failed)."""


def numpy_mismatch(constraints: Path | None = None, installed: str | None = None) -> str:
    """A warning when this numpy (or ``installed``) differs from the grading one in a way
    that changes results (another major or minor version: numpy 2 changed promotion rules
    and printing, minor versions change warnings and defaults), else ''."""
    from packaging.requirements import InvalidRequirement, Requirement
    from packaging.version import Version

    if installed is None:
        import numpy as np

        installed = np.__version__
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
# pytest's own plugins a check has no use for: each costs time in every test or at exit
# (unraisableexception's garbage collections); the terminal output is not read
_UNUSED = ("logging", "unraisableexception", "threadexception", "faulthandler", "junitxml",
           "doctest", "pastebin", "legacypath", "stepwise", "setuponly", "setupplan")  # fmt: skip


class PublicTests:
    """The public tests of ``impl`` running in a child ``pytest``, from ``with`` on: the
    block does its own work beside them and reads :meth:`records`; leaving it stops the
    child. ``implementation`` is the submission, loaded here (a bad one is a CheckError).

    A topic module still the released stub is not run at all: its tests' records come from
    the release's index (:func:`deepgrade.stub_digests.released_records`); when every topic
    is, no child starts."""

    def __init__(
        self,
        impl: str,
        tests: Path = PUBLIC_TESTS,
        timeout: float = 600,
        exercises: Sequence[str] = (),
    ) -> None:
        self.impl, self.timeout, self.exercises = impl, timeout, exercises
        topics = list(dict.fromkeys(BY_NAME[name].module for name in exercises) or TOPICS)
        files = {topic: tests / f"test_{topic}.py" for topic in topics} if tests.is_dir() else {}
        self.known: list[dict] = []
        self.paths = [str(tests)]
        if files and all(f.is_file() for f in files.values()):
            folder = _folder(impl)
            stubbed = set()
            if folder is not None:
                self.known, stubbed = stub_digests.released_records(
                    folder, topics, tests, exercises
                )
            # the topics' files (two cores may share them; a stub found means the tests are
            # as released), unless a student added tests: then the whole folder, theirs too
            if exercises or stubbed or stub_digests.tests_as_released(tests):
                self.paths = [str(f) for topic, f in files.items() if topic not in stubbed]

    def __enter__(self) -> PublicTests:
        from deepgrade.implementation import Implementation, SubmissionError

        self._tmp = tempfile.TemporaryDirectory(prefix="deepgrade-check-")
        # only the plugins the public tests use (the kit's, from conftest.py, and the
        # per-test timeout): others installed beside them, such as anyio's (JupyterLab
        # brings it) or hypothesis's, cost seconds of imports in every check
        env = dict(os.environ, PYTEST_DISABLE_PLUGIN_AUTOLOAD="1")
        self._children: list[tuple[subprocess.Popen, Path, Path]] = []
        for n, paths in enumerate(_shares(self.paths)):  # none when every record is known
            report, output = (
                Path(self._tmp.name) / f"report{n}.json",
                Path(self._tmp.name) / f"{n}.txt",
            )
            cmd = [
                sys.executable, "-m", "pytest", *paths, f"--impl={self.impl}",
                *(f"--exercise={name}" for name in self.exercises),
                f"--deepgrade-report={report}", "--deepgrade-skip-stubs",  # see stub_digests
                "-q", "-p", "no:cacheprovider",
                "--tb=no",  # only the messages are read: tracebacks were 3/4 of the time
                *_PLUGINS, *(option for name in _UNUSED for option in ("-p", f"no:{name}")),
                f"--rootdir={PROJECT_ROOT}", "--no-header", "-o", "addopts=",
            ]  # fmt: skip
            with output.open("w", encoding="utf-8") as out:  # a file: no pipe to drain
                child = subprocess.Popen(
                    cmd, cwd=PROJECT_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                    text=True,
                )  # fmt: skip
            self._children.append((child, report, output))
        try:
            self.implementation: Implementation = Implementation(self.impl)
        except SubmissionError as err:
            self.__exit__(None, None, None)
            raise CheckError(str(err)) from None
        return self

    def records(self) -> list[dict]:
        """One record per public test: nodeid, exercise, outcome, message (waits for them)."""
        records = list(self.known)
        for child, report, output in self._children:
            try:
                code = child.wait(self.timeout)
            except subprocess.TimeoutExpired:
                raise CheckError(f"the public tests ran for over {self.timeout:g} s") from None
            if not report.is_file():
                text = output.read_text(encoding="utf-8", errors="replace")
                tail = "\n".join(text.strip().splitlines()[-15:])
                raise CheckError(f"the public tests did not run (pytest exit {code}):\n{tail}")
            records += json.loads(report.read_text(encoding="utf-8"))
        return records

    def __exit__(self, *exc: object) -> None:
        for child, _, _ in self._children:
            if child.poll() is None:
                child.kill()
            child.wait()
        self._tmp.cleanup()


def _shares(paths: list[str]) -> list[list[str]]:
    """The test files split between two children when there are two cores to run them
    (each child's start, about half a second, then runs beside the other's): the files in
    two groups of about equal size; one group on one core."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    if len(paths) < 2 or cores < 2 or not all(Path(p).is_file() for p in paths):
        return [paths] if paths else []
    groups: list[list[str]] = [[], []]
    sizes = [0, 0]
    for path in sorted(paths, key=lambda p: -Path(p).stat().st_size):
        smaller = sizes.index(min(sizes))
        groups[smaller].append(path)
        sizes[smaller] += Path(path).stat().st_size
    return groups


def _folder(impl: str) -> Path | None:
    """The folder of ``impl``'s modules, found without importing them (None if unsure)."""
    if impl in PACKAGES:
        found = importlib.util.find_spec(impl)
        locations = found.submodule_search_locations if found is not None else None
        return Path(locations[0]) if locations else None
    path = Path(impl).expanduser().resolve()
    return path if path.is_dir() else None


def run_public_tests(
    impl: str, tests: Path = PUBLIC_TESTS, timeout: float = 600, exercises: Sequence[str] = ()
) -> list[dict]:
    """One record per public test: nodeid, exercise, outcome, message; only the tests of
    ``exercises`` (names) when any are given."""
    with PublicTests(impl, tests, timeout, exercises) as run:
        return run.records()


def render(results: list[ExerciseResult], title: str, console: Console) -> None:
    from rich.table import Table

    from deepgrade.scoring import total

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
