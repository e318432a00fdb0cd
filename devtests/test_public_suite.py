"""The public tests against the reference, the stubs and student folders (run as students do)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys

import pytest

from autograder.builders.stubs import SOLUTIONS_DIR
from deepgrade.catalog import BY_NAME, EXERCISES, TOTAL_POINTS, in_module
from deepgrade.check import run_public_tests
from deepgrade.paths import PROJECT_ROOT
from deepgrade.scoring import score


def _by_exercise(records):
    return {r.exercise.name: r for r in score(records)}


@pytest.fixture(scope="module")
def solution_results():
    return _by_exercise(run_public_tests("solutions"))


@pytest.fixture(scope="module")
def stub_results():
    return _by_exercise(run_public_tests("exercises"))


def test_every_exercise_has_public_tests(solution_results):
    untested = [name for name, r in solution_results.items() if r.total == 0]
    assert untested == []


def test_reference_passes_every_public_test(solution_results):
    failing = [f for r in solution_results.values() for f in r.failures]
    assert failing == []
    assert sum(r.score for r in solution_results.values()) == TOTAL_POINTS


def test_stubs_fail_every_test_with_their_own_not_implemented_message(stub_results):
    for name, result in stub_results.items():
        label = BY_NAME[name].label
        assert result.passed == 0, f"{label}: {result.passed} public test(s) pass on the stub"
        for failure in result.failures:
            # the exercise's own stub, or a stub it calls (e.g. the training loop calls backprop)
            assert re.search(
                r"NotImplementedError: Exercise \d\.\d \(\w+\) is not implemented", failure
            ), failure
        assert any(f"NotImplementedError: {label} is not implemented" in f for f in result.failures)


def test_student_folder_with_broken_modules_loses_only_those_exercises(tmp_path):
    folder = tmp_path / "alice"
    shutil.copytree(SOLUTIONS_DIR, folder, ignore=shutil.ignore_patterns("__pycache__"))
    (folder / "__init__.py").unlink()  # a student's folder is just the topic modules
    (folder / "pooling.py").write_text("def max_pool2d(x:\n    pass\n")  # syntax error
    (folder / "recurrent.py").unlink()
    activations = (folder / "activations.py").read_text()
    (folder / "activations.py").write_text(activations.replace("def sigmoid(", "def sigmoid_(", 1))
    results = _by_exercise(run_public_tests(str(folder)))

    broken = {e.name for e in in_module("pooling") + in_module("recurrent")} | {"sigmoid"}
    for entry in EXERCISES:
        r = results[entry.name]
        if entry.name in broken:
            assert r.passed == 0, entry.label
        elif entry.module not in ("activations",):
            assert r.passed == r.total > 0, (entry.label, r.failures[:1])
    assert (
        "pooling.py could not be imported (pooling.py line 1): SyntaxError"
        in results["max_pool2d"].first_failure
    )
    assert "has no recurrent.py" in results["lstm"].first_failure
    assert "activations.py has no function sigmoid" in results["sigmoid"].first_failure
    assert results["relu"].passed == results["relu"].total


def test_exit_at_import_costs_only_that_module(tmp_path):
    folder = tmp_path / "bob"
    shutil.copytree(SOLUTIONS_DIR, folder, ignore=shutil.ignore_patterns("__pycache__"))
    source = (folder / "activations.py").read_text()
    # after the __future__ import, which must stay first
    head, rest = source.split("from __future__ import annotations\n", 1)
    exiting = f"{head}from __future__ import annotations\nimport sys\nsys.exit(0)\n{rest}"
    (folder / "activations.py").write_text(exiting)
    results = _by_exercise(run_public_tests(str(folder)))
    assert results["relu"].passed == 0
    assert "SystemExit" in results["relu"].first_failure
    assert results["conv2d"].passed == results["conv2d"].total > 0


def test_check_command_prints_the_points_table():
    env = {**os.environ, "COLUMNS": "160"}
    proc = subprocess.run(
        [sys.executable, "-m", "autograder", "check", "solutions"],
        cwd=PROJECT_ROOT, capture_output=True, text=True, check=False, env=env,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "Exercise 1.4 (conv2d)" in proc.stdout
    assert f"{TOTAL_POINTS:.1f}/{TOTAL_POINTS}" in proc.stdout


def test_check_command_exits_non_zero_when_a_public_test_fails():
    env = {**os.environ, "COLUMNS": "160"}
    proc = subprocess.run(
        [sys.executable, "-m", "autograder", "check", "exercises", "-v"],
        cwd=PROJECT_ROOT, capture_output=True, text=True, check=False, env=env,
    )  # fmt: skip
    assert proc.returncode == 1, proc.stderr
    assert "not implemented yet" in proc.stdout
    assert "FAILED tests/test_convolution.py::" in proc.stdout
    assert "[red]" not in proc.stdout


def test_check_command_reports_a_missing_folder():
    proc = subprocess.run(
        [sys.executable, "-m", "autograder", "check", "/nonexistent/folder"],
        cwd=PROJECT_ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert proc.returncode == 2
    assert "neither 'solutions', 'exercises' nor a folder" in proc.stdout
