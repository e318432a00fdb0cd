"""``pytest --exercise NAME``: one exercise's public tests (a Classroom step per exercise)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from deepgrade.check import run_public_tests
from deepgrade.paths import PROJECT_ROOT, PUBLIC_TESTS


def _pytest(
    tmp_path, *options: str, tests: Path = PUBLIC_TESTS
) -> tuple[subprocess.CompletedProcess, list[dict]]:
    report = tmp_path / "report.json"
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", str(tests), "-q", "-p", "no:cacheprovider",
         f"--deepgrade-report={report}", *options],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    records = json.loads(report.read_text()) if report.is_file() else []
    return proc, records


def test_it_runs_exactly_the_tests_of_the_named_exercises(tmp_path):
    proc, records = _pytest(
        tmp_path, "--impl=solutions", "--exercise", "relu", "--exercise", "softmax"
    )
    assert proc.returncode == 0, proc.stdout[-2000:]
    everything = run_public_tests("solutions")
    wanted = sorted(r["nodeid"] for r in everything if r["exercise"] in {"relu", "softmax"})
    assert sorted(r["nodeid"] for r in records) == wanted
    same_file = [r for r in everything if r["nodeid"].startswith("tests/test_activations.py")]
    assert len(wanted) >= 2 and f"{len(same_file) - len(wanted)} deselected" in proc.stdout


def test_the_other_topics_test_files_are_not_even_imported(tmp_path):
    """One exercise's run costs its own topic's file: a file of another topic that would
    fail to import is never imported."""
    tests = tmp_path / "tests"
    shutil.copytree(PUBLIC_TESTS, tests, ignore=shutil.ignore_patterns("__pycache__"))
    (tests / "test_convolution.py").write_text("raise SystemExit('imported')\n")
    proc, records = _pytest(
        tmp_path,
        "-p",
        "deepgrade.pytest_plugin",
        "--impl=solutions",
        "--exercise",
        "relu",
        tests=tests,
    )
    assert proc.returncode == 0, proc.stdout[-2000:]
    assert records and {r["exercise"] for r in records} == {"relu"}
    proc, _ = _pytest(
        tmp_path,
        "-p",
        "deepgrade.pytest_plugin",
        "--impl=solutions",
        "--exercise",
        "conv2d",
        tests=tests,
    )
    assert proc.returncode != 0 and "imported" in proc.stdout + proc.stderr


def test_its_exit_code_is_that_exercises_verdict(tmp_path):
    proc, records = _pytest(tmp_path, "--impl=exercises", "--exercise", "conv2d")
    assert proc.returncode == 1
    assert records and {r["exercise"] for r in records} == {"conv2d"}
    assert all(r["outcome"] == "failed" for r in records)


def test_an_unknown_exercise_is_a_one_line_usage_error(tmp_path):
    proc, records = _pytest(tmp_path, "--exercise", "conv3d")
    assert proc.returncode == 4 and records == []
    assert "--exercise: 'conv3d' is not an exercise; known: conv_output_size" in proc.stderr
