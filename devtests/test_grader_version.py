"""Re-grading re-grades: whatever can change a grade changes the grader's version.

A course fixes a reference solution mid-term, or updates the kit's feedback; the next
``grade-batch`` on the same output folder must grade everyone again (and give the new
score), not keep the old grade as "unchanged".
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.grading import version
from autograder.grading.engine import Limits
from autograder.paths import PROJECT_ROOT, SOLUTIONS_DIR

TREE = (*version.GRADING_FOLDERS, "exercises")
FILES = (*version.GRADING_FILES, "pyproject.toml")


def copy_tree(target: Path) -> Path:
    """The parts of the repository that grade, copied (no venv, no caches)."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".*")
    for folder in TREE:
        shutil.copytree(PROJECT_ROOT / folder, target / folder, ignore=ignore)
    for name in FILES:
        if (PROJECT_ROOT / name).is_file():
            shutil.copy2(PROJECT_ROOT / name, target / name)
    return target


def append(path: Path, text: str) -> None:
    with path.open("a", encoding="utf-8") as f:
        f.write(text)


@pytest.mark.parametrize(
    "changed",
    [
        "solutions/activations.py",
        "deepgrade/feedback.py",
        "deepgrade/capstones/settings.json",
        "autograder/capstones/calibration.json",
        "autograder/suites/test_activations_hidden.py",
        "tests/test_activations.py",
        "datasets/digits.py",
        "constraints.txt",
    ],
)
def test_a_change_to_anything_that_grades_changes_the_version(tmp_path, changed):
    tree = copy_tree(tmp_path / "tree")
    before = version.grader_version(tree)
    assert version.grader_version(tree) == before  # stable while nothing changes
    append(tree / changed, "\n" if changed.endswith(".json") else "\n# changed\n")
    assert version.grader_version(tree) != before, changed


def test_a_change_elsewhere_keeps_the_version(tmp_path):
    tree = copy_tree(tmp_path / "tree")
    before = version.grader_version(tree)
    (tree / "README.md").write_text("notes\n", encoding="utf-8")
    append(tree / "exercises" / "activations.py", "\n# the stubs are not graded\n")
    shutil.rmtree(tree / "deepgrade" / "__pycache__", ignore_errors=True)
    (tree / "deepgrade" / "__pycache__").mkdir()
    (tree / "deepgrade" / "__pycache__" / "x.pyc").write_bytes(b"\0")
    assert version.grader_version(tree) == before


def test_the_installed_environment_is_part_of_the_version(tmp_path, monkeypatch):
    tree = copy_tree(tmp_path / "tree")
    assert {"numpy", "pytest", "hypothesis"} <= set(version.pinned_packages(tree))
    env = version.environment(tree)
    assert env["numpy"] == __import__("numpy").__version__
    before = version.grader_version(tree)
    real = version._installed
    monkeypatch.setattr(version, "_installed", lambda names: {**real(names), "numpy": "9.9"})
    assert version.grader_version(tree) != before


def test_the_run_options_tell_limits_and_levels_apart():
    base = version.run_options("bwrap", Limits())
    assert base == version.run_options("bwrap", Limits())
    assert base != version.run_options("process", Limits())
    assert base != version.run_options("bwrap", Limits(call_seconds=2.0))
    assert base != version.run_options("bwrap", Limits(stall_seconds=5.0))


def batch(tree: Path, root: Path, out: Path) -> subprocess.CompletedProcess:
    """``grade-batch`` of the copied tree (``python -m autograder`` from it)."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "DEEPGRADE_IMPL")}
    args = ["grade-batch", str(root), "--output-dir", str(out), "--isolation", "process"]
    return subprocess.run([sys.executable, "-m", "autograder", *args], cwd=tree, env=env,
                          capture_output=True, text=True, timeout=900, check=False)  # fmt: skip


def total(out: Path, student: str) -> float:
    with (out / "gradebook.csv").open(encoding="utf-8") as f:
        return next(float(r["total"]) for r in csv.DictReader(f) if r["student"] == student)


@pytest.mark.slow
def test_grade_batch_regrades_after_a_reference_fix_and_a_kit_change(tmp_path):
    tree = copy_tree(tmp_path / "tree")
    root, out = tmp_path / "class", tmp_path / "out"
    (root / "ada").mkdir(parents=True)  # her relu is today's reference
    shutil.copy(SOLUTIONS_DIR / "activations.py", root / "ada" / "activations.py")

    first = batch(tree, root, out)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "0 unchanged" in first.stdout
    graded = total(out, "ada")
    again = batch(tree, root, out)
    assert "1 unchanged" in again.stdout, again.stdout + again.stderr

    # the course fixes its reference relu: ada's relu no longer agrees with it
    reference = tree / "solutions" / "activations.py"
    text = reference.read_text(encoding="utf-8")
    fixed = text.replace("    return np.maximum(x, 0.0)\n", "    return np.maximum(x, 0.0) * 2\n")
    assert fixed != text, "the reference relu changed: update this test"
    reference.write_text(fixed, encoding="utf-8")
    regraded = batch(tree, root, out)
    assert regraded.returncode == 0, regraded.stdout + regraded.stderr
    assert "0 unchanged" in regraded.stdout, regraded.stdout
    assert total(out, "ada") < graded

    append(tree / "deepgrade" / "feedback.py", "\n# a clearer message\n")
    kit = batch(tree, root, out)
    assert "0 unchanged" in kit.stdout, kit.stdout + kit.stderr
