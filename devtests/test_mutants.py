"""The mutant catalogue: realistic buggy submissions, each the reference with a small patch.

Every mutant must lose points in its own exercise, and only in exercises whose code runs
the mutated function; its catalogued diagnosis must reach the student. The catalogue
lives in ``devtests/mutants/mutants_<topic>.py`` as ``MUTANTS = [dict(...), ...]`` with
keys ``id``, ``exercise``, ``old`` (text of solutions/<module>.py that occurs exactly once),
``new`` and ``diagnosis`` (words the feedback must contain; ``None`` when no diagnosis is
catalogued for it).
"""

from __future__ import annotations

import ast
import runpy
import shutil
from pathlib import Path

import pytest

from autograder.grading.engine import default_suites, grade
from deepgrade.catalog import BY_NAME, TOPICS

PROJECT = Path(__file__).resolve().parents[1]
SOLUTIONS = PROJECT / "solutions"


def load_catalogue() -> list[dict]:
    mutants = []
    for path in sorted((Path(__file__).parent / "mutants").glob("mutants_*.py")):
        for mutant in runpy.run_path(str(path))["MUTANTS"]:
            mutants.append({**mutant, "source": path.name})
    return mutants


MUTANTS = load_catalogue()


def callers() -> dict[str, set[str]]:
    """For each exercise, the exercises whose reference code runs it (transitively)."""
    calls: dict[str, set[str]] = {}
    for topic in TOPICS:
        tree = ast.parse((SOLUTIONS / f"{topic}.py").read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef):
                names = {
                    n.id if isinstance(n, ast.Name) else n.attr
                    for n in ast.walk(node)
                    if isinstance(n, ast.Name | ast.Attribute)
                }
                calls[node.name] = names - {node.name}
    users: dict[str, set[str]] = {name: set() for name in calls}
    for caller, names in calls.items():
        for name in names & set(calls):
            users[name].add(caller)
    closure: dict[str, set[str]] = {}
    for name in BY_NAME:
        seen, todo = set(), [name]
        while todo:
            for user in users.get(todo.pop(), ()):
                if user not in seen:
                    seen.add(user)
                    todo.append(user)
        closure[name] = {n for n in seen if n in BY_NAME}
    return closure


CALLERS = callers()


def apply(mutant: dict, folder: Path) -> None:
    module = BY_NAME[mutant["exercise"]].module
    path = folder / f"{module}.py"
    source = path.read_text()
    assert source.count(mutant["old"]) == 1, (
        f"{mutant['id']}: 'old' must occur exactly once in solutions/{module}.py"
    )
    assert mutant["new"] != mutant["old"]
    path.write_text(source.replace(mutant["old"], mutant["new"]))


def test_catalogue_is_large_and_well_formed():
    ids = [m["id"] for m in MUTANTS]
    assert len(ids) == len(set(ids)), "mutant ids must be unique"
    assert len(MUTANTS) >= 35
    for mutant in MUTANTS:
        assert mutant["exercise"] in BY_NAME, mutant["id"]
        assert set(mutant) >= {"id", "exercise", "old", "new", "diagnosis"}, mutant["id"]


@pytest.mark.parametrize("mutant", MUTANTS, ids=[m["id"] for m in MUTANTS])
def test_mutant_loses_points_only_where_it_is_broken(mutant, tmp_path, record_property):
    folder = tmp_path / mutant["id"]
    shutil.copytree(SOLUTIONS, folder, ignore=shutil.ignore_patterns("__pycache__"))
    apply(mutant, folder)
    report = grade(folder, suites=default_suites(), mode="in-process")
    rows = {row["name"]: row for row in report.exercises}
    lost = {name for name, row in rows.items() if row["score"] < row["max_score"]}
    own = rows[mutant["exercise"]]
    feedback = "\n".join(own["failures"])
    diagnosed = mutant["diagnosis"] is not None and mutant["diagnosis"] in feedback
    outcome = {
        "id": mutant["id"],
        "detected": mutant["exercise"] in lost,
        "diagnosed": diagnosed,
        "catalogued": mutant["diagnosis"] is not None,
    }
    record_property("mutant", outcome)  # summarised by conftest.py at the end of the run
    assert mutant["exercise"] in lost, f"{mutant['id']} keeps full marks in {mutant['exercise']}"
    allowed = {mutant["exercise"]} | CALLERS[mutant["exercise"]]
    assert lost <= allowed, f"{mutant['id']} also loses points in {sorted(lost - allowed)}"
    if mutant["diagnosis"] is not None:
        assert diagnosed, (
            f"{mutant['id']}: feedback lacks {mutant['diagnosis']!r}; it says:\n{feedback[:2000]}"
        )
