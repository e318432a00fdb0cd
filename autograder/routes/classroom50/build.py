"""Build a Classroom 50 autograder: ``deepgrade build-classroom50 --output DIR``.

Writes, in ``DIR`` (the teacher's clone of the ``classroom50`` repository):

- ``CLASSROOM/autograders/ASSIGNMENT/autograder.py``: a launcher using only the standard
  library (the runner starts it with its own Python): it builds the pinned grading
  environment in the runner's temporary folder, then grades the checkout with
  :mod:`autograder.routes.classroom50.run`;
- ``CLASSROOM/autograders/ASSIGNMENT/grader/``: the project as the Gradescope zip bundles
  it (:func:`autograder.builders.gradescope.grader_files`: the packages, solutions,
  public tests, hidden suites and the pins). It reaches the runner in the assignment's
  bundle, never the student's repository;
- ``deepgrade-runtime.json``: the ``runtime`` block to give the assignment
  (``gh teacher assignment add ... --runtime``): the Python of the pins, and bubblewrap
  for the strongest isolation level.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console

from autograder.builders.gradescope import grader_files
from autograder.builders.release_packaging import python_version
from autograder.paths import PROJECT_ROOT
from deepgrade.cli import fail

GRADER = "grader"  # the bundled project, beside autograder.py
RUNTIME = "deepgrade-runtime.json"
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")

LAUNCHER = '''\
"""Classroom 50 autograder for {assignment!r}, written by `deepgrade build-classroom50`
(do not edit: rebuild it). Classroom 50's runner starts it with the student's checkout
as the working directory; it writes ./result.json and ./release-body.md there.

The grader (solutions, hidden suites, pins) is in ./{grader}/ beside this file. Its
environment is built in the runner's temporary folder; DEEPGRADE_PYTHON names a Python
that already has it (a self-hosted runner's, or a test's).
"""

import os
import subprocess
import sys
import tempfile
from pathlib import Path

GRADER = Path(__file__).resolve().parent / "{grader}"
CHECKOUT = Path.cwd()


def log(message):
    print(f"deepgrade: {{message}}", flush=True)


def environment():
    """The grading environment's Python: built once per job, pinned."""
    if os.environ.get("DEEPGRADE_PYTHON"):
        return os.environ["DEEPGRADE_PYTHON"]
    venv = Path(os.environ.get("RUNNER_TEMP") or tempfile.gettempdir()) / "deepgrade-venv"
    python = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    if not python.exists():
        log(f"building the grading environment in {{venv}}")
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "-c",
                        str(GRADER / "constraints.txt"), "-e", f"{{GRADER}}[jupyter]"],
                       check=True)
    return str(python)


def main():
    try:
        python = environment()
    except (OSError, subprocess.CalledProcessError) as err:
        log(f"the grading environment could not be built: {{err}}")
        return 1  # an infrastructure error: the runner records it, and no grade
    env = dict(os.environ, PYTHONPATH=str(GRADER), PYTHONDONTWRITEBYTECODE="1")
    graded = subprocess.run(
        [python, "-B", "-m", "autograder.routes.classroom50.run", "--checkout", str(CHECKOUT)],
        env=env, cwd=tempfile.gettempdir(), check=False,
    )
    if graded.returncode or not (CHECKOUT / "result.json").is_file():
        log(f"grading did not complete (exit code {{graded.returncode}})")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
'''


class BuildError(ValueError):
    """The autograder cannot be written as asked."""


@dataclass
class Built:
    folder: Path  # CLASSROOM/autograders/ASSIGNMENT
    files: int  # the project's files bundled in grader/
    runtime: Path


def build(output: Path, classroom: str, assignment: str) -> Built:
    """Write the assignment's autograder folder (replacing ours) and the runtime block."""
    for what, name in (("classroom", classroom), ("assignment", assignment)):
        if not NAME.fullmatch(name):
            raise BuildError(
                f"{what} {name!r} is not a Classroom 50 short name (letters, digits, '.', '_', '-')"
            )
    folder = output / classroom / "autograders" / assignment
    if folder.exists() and not folder.is_dir():
        raise BuildError(f"{folder} is a file, not a folder")
    shutil.rmtree(folder / GRADER, ignore_errors=True)
    files = grader_files()
    for name, data in files.items():
        target = folder / GRADER / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    (folder / "autograder.py").write_text(
        LAUNCHER.format(assignment=assignment, grader=GRADER), encoding="utf-8"
    )
    runtime = output / RUNTIME
    block = {
        "runs-on": "ubuntu-latest",
        "python": python_version(PROJECT_ROOT),
        "apt": ["bubblewrap"],
    }
    runtime.write_text(json.dumps(block, indent=2) + "\n", encoding="utf-8")
    return Built(folder, len(files), runtime)


def arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--output",
        required=True,
        metavar="DIR",
        help="the teacher's clone of the classroom50 repository (or any folder)",
    )
    parser.add_argument(
        "--classroom",
        default="deep-learning",
        help="the classroom's short name (default: deep-learning)",
    )
    parser.add_argument(
        "--assignment", default="exercises", help="the assignment's slug (default: exercises)"
    )


def command(args: argparse.Namespace, console: Console) -> int:
    try:
        built = build(Path(args.output), args.classroom, args.assignment)
    except (BuildError, OSError) as err:
        return fail(console, f"build-classroom50: {err}")
    console.print(
        f"wrote {built.folder / 'autograder.py'} and {built.files} grader files in "
        f"{built.folder / GRADER}/ (solutions and hidden suites: commit them to the "
        f"classroom50 repository only); the assignment's runtime block: {built.runtime} "
        f"(gh teacher assignment add ORG {args.classroom} {args.assignment} ... "
        f"--runtime {built.runtime})",
        markup=False,
        soft_wrap=True,
    )
    return 0
