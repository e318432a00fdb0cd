"""GitHub Classroom autograding for a student release: one graded step per exercise.

GitHub Classroom's convention (the ``classroom-resources`` actions, v1): a workflow named
``Autograding Tests`` with a single job ``run-autograding-tests``; each graded step is an
``autograding-command-grader`` that runs one command and earns its ``max-score`` when the
command exits 0 (``timeout`` in minutes); the ``autograding-grading-reporter`` step reads
each graded step's result from the environment variable ``<STEP ID IN CAPITALS>_RESULTS``,
for the steps listed in ``runners``, and sends the total to Classroom, which then shows
the points of every exercise.

A step runs the public tests of its exercise (``pytest --exercise NAME``, the kit's pytest
option): all-or-nothing, so an exercise's points count on the dashboard only when every
one of its public tests passes, while ``deepgrade check`` shares them by test.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import yaml

from deepgrade.catalog import EXERCISES, Exercise

PATH = ".github/workflows/classroom.yml"
NAME = "Autograding Tests"  # Classroom reads results only from this workflow and job
JOB = "run-autograding-tests"
COMMAND_GRADER = "classroom-resources/autograding-command-grader@v1"
REPORTER = "classroom-resources/autograding-grading-reporter@v1"
STEP_MINUTES = 3  # the public tests of one exercise take about a second
HEADER = """\
# GitHub Classroom autograding, written by `deepgrade release` (do not edit: it is rebuilt).
# One graded step per exercise runs that exercise's public tests and earns its points when
# they all pass. These are the public tests only: the hidden tests decide the grade.
"""


def step_id(exercise: Exercise) -> str:
    """``exercise-1-4-conv2d``: a step id (lowercase letters, digits, ``-``) naming the exercise."""
    return re.sub(r"[^a-z0-9]+", "-", f"exercise {exercise.number} {exercise.name}".lower())


def command(exercise: Exercise) -> str:
    return f"python -m pytest tests --exercise {exercise.name}"


def workflow(python: str, exercises: tuple[Exercise, ...] = EXERCISES) -> dict:
    """The workflow as data: install, one graded step per exercise, the reporter."""
    graded = [
        {
            "name": exercise.label,
            "id": step_id(exercise),
            "uses": COMMAND_GRADER,
            "with": {
                "test-name": exercise.label,
                "command": command(exercise),
                "timeout": STEP_MINUTES,
                "max-score": exercise.points,
            },
        }
        for exercise in exercises
    ]
    ids = [step["id"] for step in graded]
    reporter = {
        "name": "Autograding Reporter",
        "uses": REPORTER,
        "env": {f"{i.upper()}_RESULTS": f"${{{{steps.{i}.outputs.result}}}}" for i in ids},
        "with": {"runners": ",".join(ids)},
    }
    setup = [
        {"name": "Checkout code", "uses": "actions/checkout@v4"},
        {
            "name": "Set up Python",
            "uses": "actions/setup-python@v5",
            "with": {
                "python-version": python,
                "cache": "pip",
                "cache-dependency-path": "constraints.txt",
            },
        },
        {
            "name": "Install the exercises and the kit (pinned, as for grading)",
            "run": "python -m pip install -q -c constraints.txt -e .",
        },
    ]
    return {
        "name": NAME,
        "on": ["push", "repository_dispatch", "workflow_dispatch"],
        "permissions": {"checks": "write", "actions": "read", "contents": "read"},
        "jobs": {
            JOB: {
                "runs-on": "ubuntu-latest",
                # Classroom's own first commit to a new repository is not graded
                "if": "github.actor != 'github-classroom[bot]'",
                "steps": [*setup, *graded, reporter],
            }
        },
    }


def render(python: str, exercises: tuple[Exercise, ...] = EXERCISES) -> str:
    body = yaml.safe_dump(workflow(python, exercises), sort_keys=False, width=1000)
    return HEADER + body


def tested_exercises(tests: Path) -> set[str]:
    """The exercises named by ``@pytest.mark.exercise("...")`` in the public tests."""
    names = set()
    for path in sorted(tests.glob("test_*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and ast.unparse(node.func) == "pytest.mark.exercise"
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                names.add(node.args[0].value)
    return names
