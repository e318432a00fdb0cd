"""Instructor commands say what they did and where; long ones show progress, also off a
terminal (a CI log, ``> log.txt``): one plain line per step, as it happens."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from pathlib import Path

from rich.console import Console

from autograder.builders import release
from autograder.paths import EXERCISES_DIR, SOLUTIONS_DIR
from autograder.progress import Steps
from deepgrade.catalog import TOPICS
from devtests.commands import DEEPGRADE


def deepgrade(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([*DEEPGRADE, *args], cwd=cwd, capture_output=True, text=True,
                          timeout=900, check=False)  # fmt: skip


def test_off_a_terminal_each_step_is_one_plain_line():
    out = io.StringIO()
    with Steps(Console(file=out, force_terminal=False), "grading", 3) as steps:
        for name in ("ada", "bob", "cy"):
            steps.advance(name)
            assert out.getvalue().splitlines()[-1].endswith(name)  # written as it happens
    assert out.getvalue().splitlines() == [
        "[1/3] grading: ada",
        "[2/3] grading: bob",
        "[3/3] grading: cy",
    ]


def test_on_a_terminal_a_bar_is_drawn_instead():
    out = io.StringIO()
    with Steps(Console(file=out, force_terminal=True, width=100), "grading", 2) as steps:
        steps.advance("ada")
        steps.advance("bob")
    assert "[1/2] grading" not in out.getvalue() and "2/2" in out.getvalue()


def test_grade_batch_off_a_terminal_prints_a_line_per_student_and_where_it_wrote(tmp_path):
    root = tmp_path / "class"
    for student, source in (("ada", SOLUTIONS_DIR), ("bob", EXERCISES_DIR)):
        (root / student).mkdir(parents=True)
        for topic in TOPICS:
            shutil.copy(source / f"{topic}.py", root / student / f"{topic}.py")
    out = tmp_path / "out"
    proc = deepgrade("grade-batch", str(root), "--output-dir", str(out), "--isolation",
                     "process", cwd=tmp_path)  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    steps = re.findall(r"^\[(\d)/2\] grading: (\w+) \((\w[\w ]*), ([\d.]+)/100\)$",
                       proc.stderr, re.MULTILINE)  # fmt: skip
    assert sorted(s[1] for s in steps) == ["ada", "bob"], proc.stderr
    assert [s[0] for s in steps] == ["1", "2"]
    assert dict((s[1], float(s[3])) for s in steps) == {"ada": 100.0, "bob": 0.0}
    assert f"gradebook: {out / 'gradebook.csv'}" in proc.stdout.strip().splitlines()[-1]


def test_the_release_shows_each_step(tmp_path):
    fast = tuple(step for step in release.STEPS if step is not release.check_packages)
    out = io.StringIO()
    release.build(tmp_path / "release", steps=fast, console=Console(file=out, width=200))
    lines = out.getvalue().splitlines()
    assert lines == [
        f"[{i}/{len(fast)}] release: {step.__name__.replace('_', ' ')}"
        for i, step in enumerate(fast, 1)
    ]


def test_grade_with_output_says_what_it_wrote(tmp_path):
    report = tmp_path / "alice.json"
    proc = deepgrade("grade", str(SOLUTIONS_DIR), "--format", "json", "--output", str(report),
                     "--student", "alice", cwd=tmp_path)  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert report.is_file()
    assert proc.stdout.strip() == f"wrote {report}: json report of alice (graded, 100/100)"
