"""An isolation level that cannot work here is refused before anyone is graded.

The case seen on real machines: ``--isolation uid`` where the worker's Python lives in a
home other users cannot enter (a pyenv or a venv under a 0700 ``/root``). A worker's uid
cannot even start it; grading on would give every student "crashed", 0/100. The command
says so in one line, with the fix, and exits non-zero.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.paths import SOLUTIONS_DIR
from autograder.worker import sandbox
from devtests.commands import DEEPGRADE

pytestmark = pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() != 0,
    reason="the uid level exists only for a grader running as root",
)


@pytest.fixture
def closed_python(tmp_path: Path) -> str:
    """This interpreter, reached through a 0700 folder (as a venv under /root is)."""
    home = tmp_path / "home"
    home.mkdir(mode=0o700)
    link = home / "python3"
    link.symlink_to(os.path.realpath(sys.executable))
    return str(link)


def run(args: list[str], python: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "DEEPGRADE_WORKER_PYTHON": python}
    return subprocess.run([*DEEPGRADE, *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=600, check=False)  # fmt: skip


def test_the_probe_names_the_closed_folder_and_the_fix(closed_python):
    why = sandbox.LEVELS["uid"].probe(closed_python)
    assert why is not None
    assert str(Path(closed_python).parent) in why and "DEEPGRADE_WORKER_PYTHON" in why


@pytest.mark.parametrize("command", ["grade", "grade-batch"])
def test_uid_with_an_unreachable_python_fails_in_one_line_before_grading(
    tmp_path, closed_python, command
):
    root = tmp_path / "class"
    (root / "alice").mkdir(parents=True)
    out = tmp_path / "out"
    args = {
        "grade": ["grade", str(SOLUTIONS_DIR), "--format", "json"],
        "grade-batch": ["grade-batch", str(root), "--output-dir", str(out)],
    }[command]
    proc = run([*args, "--isolation", "uid"], closed_python, tmp_path)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    lines = (proc.stdout + proc.stderr).strip().splitlines()
    assert len(lines) == 1, lines
    assert "isolation uid is not available" in lines[0] and "DEEPGRADE_WORKER_PYTHON" in lines[0]
    assert "Traceback" not in proc.stderr and "/100" not in proc.stdout
    assert not out.exists()  # nobody was graded
