"""``deepgrade release``: the repository a course hands to its students, built from this one.

Shaped like nbgrader's converters: an ordered list of small steps (:data:`STEPS`), each a
function of the :class:`Release` being built, so a new output (notebooks, say) is one
more step in one place. The steps write into a staging folder beside the output; only a
release that passed the leak check (:mod:`autograder.builders.leaks`, on the folder and
on the wheel and sdist built from it) replaces the output's contents, so a failed build
leaves no half-built or leaky release behind. A ``.git`` folder in the output is kept,
so a course can rebuild straight into its clone of the release repository.
"""

from __future__ import annotations

import fnmatch
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from rich.console import Console

from autograder.builders import (
    actions_workflow,
    leaks,
    mistake_fingerprints,
    release_packaging,
    stubs,
    student_readme,
)
from autograder.paths import PROJECT_ROOT
from autograder.progress import Steps
from deepgrade import fingerprints, stub_digests
from deepgrade.catalog import EXERCISES, TOTAL_POINTS


class ReleaseError(RuntimeError):
    """The release cannot be built as asked (output folder, missing public tests...)."""


@dataclass
class Release:
    """What the steps share: the folder being built, the instructors' repository, notes."""

    root: Path
    source: Path
    notes: list[str] = field(default_factory=list)

    @cached_property
    def fingerprints(self) -> leaks.Fingerprints:
        """What the leak check looks for, taken from the instructors' repository."""
        return leaks.Fingerprints.of(self.source)

    def write(self, relative: str, text: str) -> None:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")

    def copy(self, relative: str) -> None:
        """A file or folder of the instructors' repository, to the same place here."""
        origin, target = self.source / relative, self.root / relative
        if origin.is_dir():
            shutil.copytree(origin, target, ignore=shutil.ignore_patterns(*leaks.LOCAL_ONLY))
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(origin, target)


Step = Callable[[Release], None]

# ------------------------------------------------------------------------- the steps


def copy_kit(release: Release) -> None:
    """The student kit, and the root conftest that registers its pytest plugin and --slow."""
    release.copy("deepgrade")
    release.copy("conftest.py")
    release.notes.append("deepgrade/ (the kit: check, train, points), conftest.py")


def write_mistake_fingerprints(release: Release) -> None:
    """The catalogued mistakes' digests on the public inputs, so ``deepgrade check`` names
    them at home (:mod:`deepgrade.fingerprints`); the leak check re-derives the table."""
    text = mistake_fingerprints.build(release.source)
    release.write(fingerprints.TABLE_NAME, text)
    count = len(json.loads(text)["checks"])
    release.notes.append(f"{fingerprints.TABLE_NAME} ({count} public checks fingerprinted)")


def write_exercises(release: Release) -> None:
    """The stubs, generated from solutions/ (never copied from exercises/)."""
    files = stubs.build(release.source / "solutions")
    for name, text in files.items():
        release.write(f"exercises/{name}", text)
    release.notes.append(f"exercises/ ({len(files)} files generated from solutions/)")


def write_stub_digests(release: Release) -> None:
    """A digest of each stub as released, so ``deepgrade check`` reports an exercise not
    yet begun without running its tests (:mod:`deepgrade.stub_digests`)."""
    modules = {p.name: p.read_text(encoding="utf-8") for p in _exercise_files(release)}
    digests = stub_digests.of_stubs(modules)
    release.write(stub_digests.TABLE_NAME, json.dumps(digests, indent=1, sort_keys=True) + "\n")
    release.notes.append(f"{stub_digests.TABLE_NAME} ({len(digests)} stubs)")


def copy_public_tests(release: Release) -> None:
    release.copy("tests")


def write_stub_index(release: Release) -> None:
    """The index of whole stub modules, so ``deepgrade check`` reports a topic not yet
    begun without starting pytest (:func:`deepgrade.stub_digests.released_records`): each
    exercise's public test ids and weights, read from a run of the release's own public
    tests (against the reference, so every test is collected and passes)."""
    modules = {p.name: p.read_text(encoding="utf-8") for p in _exercise_files(release)}
    with tempfile.TemporaryDirectory(prefix="deepgrade-release-") as tmp:
        report = Path(tmp) / "report.json"
        ran = subprocess.run(
            [sys.executable, "-m", "pytest", "tests", "-q", "--tb=line", "-p", "no:cacheprovider",
             "-p", "deepgrade.pytest_plugin", f"--impl={release.source / 'solutions'}",
             f"--deepgrade-report={report}", f"--rootdir={release.root}", "-o", "addopts="],
            cwd=release.root, capture_output=True, text=True, check=False,
            env=dict(os.environ, PYTEST_DISABLE_PLUGIN_AUTOLOAD="1"),
        )  # fmt: skip
        if ran.returncode != 0 or not report.is_file():
            raise ReleaseError(
                "the public tests fail against the reference, so no stub index: "
                + "\n".join(ran.stdout.strip().splitlines()[-10:])
            )
        records = json.loads(report.read_text(encoding="utf-8"))
    index = stub_digests.of_stub_modules(modules, records, release.root / "tests")
    release.write(stub_digests.MODULES_NAME, json.dumps(index, indent=1, sort_keys=True) + "\n")
    release.notes.append(f"{stub_digests.MODULES_NAME} ({len(records)} public tests indexed)")
    count = len(list((release.root / "tests").glob("test_*.py")))
    release.notes.append(f"tests/ ({count} public test files)")


def copy_datasets(release: Release) -> None:
    release.copy("datasets")
    release.notes.append("datasets/ (offline loaders, datasheets)")


def write_notebooks(release: Release) -> None:
    """Every topic and capstone as a notebook, with its ``.py`` copy (unpaired) and
    the provided ``_validate.py`` beside them (the student version: stubs, public checks,
    no hidden tests; the same files as ``deepgrade build-notebooks``)."""
    from autograder.builders import nbgrader

    files = nbgrader.student_files()
    for name, text in files.items():
        release.write(f"notebooks/{name}", text)
    count = sum(name.endswith(".ipynb") for name in files)
    release.notes.append(f"notebooks/ ({count} notebooks, each with a .py copy)")


def write_packaging(release: Release) -> None:
    """setup.cfg, pyproject.toml, MANIFEST.in, the pins, .gitignore."""
    release.write("setup.cfg", release_packaging.setup_cfg(release.source))
    release.write("pyproject.toml", release_packaging.pyproject_toml(release.source))
    release.write("MANIFEST.in", release_packaging.MANIFEST_IN)
    release.write(".gitignore", release_packaging.GITIGNORE)
    release.copy("constraints.txt")
    release.notes.append(
        f"setup.cfg ({release_packaging.DIST_NAME}: pip install -c constraints.txt -e .)"
    )


def write_readme(release: Release) -> None:
    exercise_files = {p.name: p.read_text(encoding="utf-8") for p in _exercise_files(release)}
    python = release_packaging.python_version(release.source)
    release.write("README.md", student_readme.render(exercise_files, python))
    release.notes.append("README.md (for students)")


def write_actions_workflow(release: Release) -> None:
    """One step per exercise and the points table; each exercise needs public tests, or
    its step never passes."""
    tested = actions_workflow.tested_exercises(release.root / "tests")
    untested = [e.label for e in EXERCISES if e.name not in tested]
    if untested:
        raise ReleaseError(
            f"no public test for {', '.join(untested)}: its workflow step could never pass"
        )
    python = release_packaging.python_version(release.source)
    release.write(actions_workflow.PATH, actions_workflow.render(python))
    release.notes.append(
        f"{actions_workflow.PATH} ({len(EXERCISES)} exercise steps, {TOTAL_POINTS} points)"
    )


def check_leaks(release: Release) -> None:
    found = leaks.check_folder(release.root, release.fingerprints)
    if found:
        raise leaks.LeakError(found)
    release.notes.append("leak check: the folder is clean")


def check_packages(release: Release) -> None:
    """The wheel and sdist built from the release, checked like the folder."""
    found = leaks.check_packages(release.root, release.fingerprints)
    if found:
        raise leaks.LeakError(found)
    release.notes.append("leak check: its sdist and wheel are clean")


STEPS: tuple[Step, ...] = (
    copy_kit,
    write_mistake_fingerprints,
    write_exercises,
    write_stub_digests,
    copy_public_tests,
    write_stub_index,
    copy_datasets,
    write_notebooks,
    write_packaging,
    write_readme,
    write_actions_workflow,
    check_leaks,
    check_packages,
)

# ------------------------------------------------------------------------- building


def _exercise_files(release: Release) -> list[Path]:
    return sorted((release.root / "exercises").glob("*.py"))


def _check_output(output: Path, source: Path, force: bool) -> None:
    if source.is_relative_to(output):
        raise ReleaseError(f"{output} holds the instructors' repository; choose another folder")
    inside = output.relative_to(source).parts[0] if output.is_relative_to(source) else None
    if inside and not any(fnmatch.fnmatch(inside, p) for p in leaks.LOCAL_ONLY):
        raise ReleaseError(
            f"{output} is inside the instructors' repository; build the release outside it "
            "(or under its build/ folder)"
        )
    if output.exists() and not output.is_dir():
        raise ReleaseError(f"{output} is a file, not a folder")
    if output.is_dir() and any(p.name != ".git" for p in output.iterdir()) and not force:
        raise ReleaseError(
            f"{output} is not empty; pass --force to replace its contents (a .git folder is kept)"
        )


def _replace_contents(output: Path, staging: Path) -> None:
    output.mkdir(exist_ok=True)
    for old in output.iterdir():
        if old.name == ".git":
            continue
        if old.is_dir() and not old.is_symlink():
            shutil.rmtree(old)
        else:
            old.unlink()
    for new in staging.iterdir():
        new.rename(output / new.name)
    staging.rmdir()


def build(
    output: Path,
    *,
    source: Path = PROJECT_ROOT,
    force: bool = False,
    steps: Sequence[Step] = STEPS,
    console: Console | None = None,
) -> Release:
    """Build the release into ``output``; raises ReleaseError, LeakError, BuildError.

    ``console``: where to show progress, one step at a time (none by default)."""
    output, source = Path(output).resolve(), Path(source).resolve()
    _check_output(output, source, force)
    output.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{output.name}-building-", dir=output.parent))
    release = Release(staging, source)
    try:
        with Steps(console or Console(quiet=True), "release", len(steps)) as progress:
            for step in steps:
                step(release)
                progress.advance(step.__name__.replace("_", " "))
        _replace_contents(output, staging)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    release.root = output
    return release
