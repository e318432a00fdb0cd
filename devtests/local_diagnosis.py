"""What a student's own ``deepgrade check -v`` names for a mutant: its exercise's headline.

``deepgrade check -v`` prints, for each failing exercise, ``Exercise 1.4 (conv2d): <its
headline>`` before the failing tests. A mutant is *named* locally when that headline is a
named mistake ("Likely mistake (...)" or "Mistake (...)", as on the grader's first line)
holding the mutant's diagnosis: the same rule as ``devtests/test_mutants.py`` applies to
the grader's output, so the two rates compare.
"""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from pathlib import Path

from deepgrade.catalog import BY_NAME
from devtests.test_mutants import INFERRED, OBSERVED, submission


def headline(output: str, exercise: str) -> str:
    """The headline ``check -v`` printed for ``exercise``, or ''."""
    prefix = f"{BY_NAME[exercise].label}: "
    for line in output.splitlines():
        if line.startswith(prefix):
            return line[len(prefix) :]
    return ""


def named(line: str, diagnosis: str | None) -> bool:
    return diagnosis is not None and line.startswith((INFERRED, OBSERVED)) and diagnosis in line


def check_mutant(mutant: dict, deepgrade: Sequence[str], root: Path, env=None) -> dict:
    """Run ``deepgrade check FOLDER EXERCISE -v`` on the mutant (as a student checks the
    exercise they are working on); its exercise's headline and verdict."""
    folder = submission(mutant, root)
    proc = subprocess.run(
        [*deepgrade, "check", str(folder), mutant["exercise"], "-v"],
        cwd=root, env=env, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    line = headline(proc.stdout, mutant["exercise"])
    return {
        "id": mutant["id"],
        "local_headline": line,
        "local_named": named(line, mutant["diagnosis"]),
        "catalogued": mutant["diagnosis"] is not None,
        "ran": proc.returncode in (0, 1),
    }
