"""The README's promises stay true: the points table and the CI command."""

from __future__ import annotations

import re

from deepgrade.cli import points_markdown
from deepgrade.paths import PROJECT_ROOT

README = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_points_table_matches_the_catalogue():
    assert points_markdown() in README, "README's points table is stale: run `deepgrade points`"


def test_ci_runs_the_readme_test_command():
    quickstart = README.split("## Quickstart", 1)[1].split("```bash", 1)[1].split("```", 1)[0]
    commands = [line for line in quickstart.splitlines() if line and not line.startswith("#")]
    assert len(commands) == 2, commands
    ci = (PROJECT_ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert commands[1] in ci.splitlines(), "'.ci/run' must run the README's test command"
    assert re.search(r"deepgrade demo$", commands[0])
