"""The line between the student kit and the instructor side, checked by import-linter.

The contracts live in ``setup.cfg`` (``[importlinter]``). These tests run the real
``lint-imports`` of this environment on the repository, and on a copy with a forbidden
import planted, to show that the check can fail.
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.paths import PROJECT_ROOT, PUBLIC_TESTS

LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
PACKAGES = ("deepgrade", "autograder", "solutions", "exercises", "datasets")
INSTRUCTOR_SIDE = ("autograder", "solutions")


def lint(root: Path) -> subprocess.CompletedProcess:
    if not LINT_IMPORTS.is_file():
        pytest.fail(f"import-linter is not installed beside {sys.executable} (dev extra)")
    env = {**os.environ, "PYTHONPATH": str(root)}  # the copy's packages, not the installed ones
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(root / "setup.cfg"), "--no-cache"],
        cwd=root, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip


def test_the_repository_keeps_every_contract():
    proc = lint(PROJECT_ROOT)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert "0 broken" in proc.stdout


@pytest.mark.parametrize(
    ("module", "planted", "contract"),
    [
        ("deepgrade/check.py", "import autograder.grading.engine", "The student kit"),
        ("exercises/activations.py", "from solutions import activations", "The student kit"),
        ("autograder/worker/runner.py", "import deepgrade.catalog", "The worker's runner"),
        # cycles and upward imports hidden inside functions are found too
        ("autograder/grading/jobs.py", "def _planted():\n    from autograder.grading.batch "
         "import fingerprint", "No import cycles"),
        ("autograder/worker/launch.py", "def _planted():\n    from autograder.worker.sandbox "
         "import LEVELS", "No import cycles"),
        ("deepgrade/catalog.py", "def _planted():\n    from deepgrade.check import render",
         "No import cycles"),
        ("autograder/grading/engine.py", "def _planted():\n    from autograder.builders "
         "import release", "The instructor side's layers"),
        ("autograder/worker/client.py", "def _planted():\n    from autograder.grading "
         "import engine", "The instructor side's layers"),
    ],
)  # fmt: skip
def test_a_forbidden_import_breaks_the_check(tmp_path, module, planted, contract):
    for name in PACKAGES:
        shutil.copytree(
            PROJECT_ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__")
        )
    shutil.copy(PROJECT_ROOT / "setup.cfg", tmp_path / "setup.cfg")
    with (tmp_path / module).open("a", encoding="utf-8") as f:
        f.write(f"\n{planted}  # planted by the test\n")
    proc = lint(tmp_path)
    assert proc.returncode != 0, proc.stdout[-3000:]
    assert "BROKEN" in proc.stdout and contract in proc.stdout, proc.stdout[-3000:]


def test_the_public_tests_import_nothing_of_the_instructor_side():
    for path in [*sorted(PUBLIC_TESTS.glob("*.py")), PROJECT_ROOT / "conftest.py"]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                assert name.split(".")[0] not in INSTRUCTOR_SIDE, f"{path.name} imports {name}"
