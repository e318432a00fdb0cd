"""The student release's GitHub Actions workflow: one step per exercise, a points table.

A plain Actions workflow, needing no classroom service (GitHub Classroom, whose
``classroom-resources`` reporter actions it used to call, ended in August 2026): on every
push, after installing the release with its pins, one step per exercise runs that
exercise's public tests (``pytest --exercise NAME``, the kit's pytest option), so the run's
page shows which exercises pass; then ``deepgrade check`` writes the points table to the
job summary (``$GITHUB_STEP_SUMMARY``), and a last step fails the job unless every
exercise's step passed: a green run means every public test passes. These are the public
tests only: the hidden tests decide the grade.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import yaml

from deepgrade.catalog import EXERCISES, TOTAL_POINTS, Exercise

PATH = ".github/workflows/exercises.yml"
NAME = "Exercises (public tests)"
JOB = "exercises"
STEP_MINUTES = 3  # the public tests of one exercise take about a second
SUMMARY_COLUMNS = 160  # wide enough for deepgrade check's table on one line per exercise
HEADER = """\
# Written by `deepgrade release` (do not edit: it is rebuilt). One step per exercise runs
# that exercise's public tests; the job summary shows `deepgrade check`'s points table;
# the run fails unless every exercise passes its public tests. The hidden tests decide
# the grade.
"""


def step_id(exercise: Exercise) -> str:
    """``exercise-1-4-conv2d``: a step id (lowercase letters, digits, ``-``) naming the exercise."""
    return re.sub(r"[^a-z0-9]+", "-", f"exercise {exercise.number} {exercise.name}".lower())


def command(exercise: Exercise) -> str:
    return f"python -m pytest tests --exercise {exercise.name}"


SUMMARY = f"""\
set +e
COLUMNS={SUMMARY_COLUMNS} deepgrade check > points.txt 2>&1
cat points.txt
{{ echo "### Points from the public tests (out of {TOTAL_POINTS})"; echo '```text'
  cat points.txt; echo '```'; }} >> "$GITHUB_STEP_SUMMARY"
rm -f points.txt
"""

RESULT = """\
failing=0
for outcome in $OUTCOMES; do
  if [ "$outcome" != success ]; then failing=$((failing + 1)); fi
done
echo "$failing of {count} exercise(s) do not pass all their public tests"
[ "$failing" -eq 0 ]
"""


def workflow(python: str, exercises: tuple[Exercise, ...] = EXERCISES) -> dict:
    """The workflow as data: install, one step per exercise, the summary, the verdict."""
    graded = [
        {
            "name": f"{exercise.label} ({exercise.points} points)",
            "id": step_id(exercise),
            "continue-on-error": True,  # every exercise runs; the last step decides
            "timeout-minutes": STEP_MINUTES,
            "run": command(exercise),
        }
        for exercise in exercises
    ]
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
            "id": "install",
            "run": "python -m pip install -q -c constraints.txt -e .",
        },
    ]
    installed = "${{ always() && steps.install.outcome == 'success' }}"
    summary = {"name": "Points table (job summary)", "if": installed, "run": SUMMARY}
    outcomes = " ".join(f"${{{{ steps.{step['id']}.outcome }}}}" for step in graded)
    verdict = {
        "name": "Every exercise passes its public tests",
        "if": installed,
        "env": {"OUTCOMES": outcomes},
        "run": RESULT.format(count=len(graded)),
    }
    return {
        "name": NAME,
        "on": ["push", "pull_request", "workflow_dispatch"],
        "permissions": {"contents": "read"},
        "jobs": {
            JOB: {
                "runs-on": "ubuntu-latest",
                "steps": [*setup, *graded, summary, verdict],
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
