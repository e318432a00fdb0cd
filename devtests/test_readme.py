"""The README's promises stay true: its two commands, CI's command, and its size.

The points table moved to the documentation site (docs/reference/exercises.md, generated
from the catalogue and checked by devtests/test_docs.py); the README's links into the
docs are checked there too.
"""

from __future__ import annotations

import re

from deepgrade.paths import PROJECT_ROOT

README = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")


def quickstart() -> list[str]:
    block = README.split("## Quickstart", 1)[1].split("```bash", 1)[1].split("```", 1)[0]
    return [line for line in block.splitlines() if line and not line.startswith("#")]


def test_ci_runs_the_readme_test_command():
    commands = quickstart()
    assert len(commands) == 2, commands
    ci = (PROJECT_ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert commands[1] in ci.splitlines(), "'.ci/run' must run the README's test command"
    assert re.search(r"deepgrade demo$", commands[0])


def test_the_test_command_installs_what_the_tests_need():
    """The docs' tests need the docs extra, and the suite runs everything (--slow)."""
    extras = re.search(r"-e '\.\[([\w,]+)\]'", quickstart()[1]).group(1).split(",")
    assert {"dev", "capstones", "notebooks", "cluster", "docs"} <= set(extras)
    assert "--slow" in quickstart()[1]


def test_the_readme_is_a_front_door():
    assert len(README.splitlines()) <= 150
    for where in ("docs/students/", "docs/instructors/", "docs/maintainers/"):
        assert f"]({where}" in README, f"the README starts no path into {where}"
