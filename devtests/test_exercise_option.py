"""``pytest --exercise NAME``: one exercise's public tests (a Classroom step per exercise)."""

from __future__ import annotations

import json
import subprocess
import sys

from deepgrade.check import run_public_tests
from deepgrade.paths import PROJECT_ROOT, PUBLIC_TESTS


def _pytest(tmp_path, *options: str) -> tuple[subprocess.CompletedProcess, list[dict]]:
    report = tmp_path / "report.json"
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", str(PUBLIC_TESTS), "-q", "-p", "no:cacheprovider",
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
    assert len(wanted) >= 2 and f"{len(everything) - len(wanted)} deselected" in proc.stdout


def test_its_exit_code_is_that_exercises_verdict(tmp_path):
    proc, records = _pytest(tmp_path, "--impl=exercises", "--exercise", "conv2d")
    assert proc.returncode == 1
    assert records and {r["exercise"] for r in records} == {"conv2d"}
    assert all(r["outcome"] == "failed" for r in records)


def test_an_unknown_exercise_is_a_one_line_usage_error(tmp_path):
    proc, records = _pytest(tmp_path, "--exercise", "conv3d")
    assert proc.returncode == 4 and records == []
    assert "--exercise: 'conv3d' is not an exercise; known: conv_output_size" in proc.stderr
