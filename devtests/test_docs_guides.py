"""The runnable guides of the docs: every command in them runs, in order, from an empty folder.

A page with the line ``<!-- runnable -->`` is a guide (the convention is described in
docs/maintainers/docs.md): its ``bash`` blocks run as one bash script with ``set -euo
pipefail`` in an empty temporary folder, the environment under test first on PATH; a
``<!-- test-instead: COMMAND -->`` line just before a block replaces that block (a push, an
exchange, a remote cluster); after the run every ``<!-- produces: PATH ... -->`` exists and
every ``<!-- prints: TEXT -->`` is in the output.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from deepgrade.paths import PROJECT_ROOT

DOCS = PROJECT_ROOT / "docs"
FENCE = re.compile(r"^```(\w*)\s*$")
MARKER = re.compile(r"^<!-- ([\w-]+)(?:: (.*?))? -->$")


@dataclass
class Guide:
    page: Path
    commands: list[str] = field(default_factory=list)
    produces: list[str] = field(default_factory=list)
    prints: list[str] = field(default_factory=list)
    runnable: bool = False
    slow: bool = False

    @property
    def script(self) -> str:
        return "set -euo pipefail -x\n" + "\n".join(self.commands) + "\n"


def read_guide(page: Path) -> Guide:
    """The commands, substitutions and promises of one page."""
    guide = Guide(page)
    instead: str | None = None
    block: list[str] | None = None
    language = ""
    for line in page.read_text(encoding="utf-8").splitlines():
        fence = FENCE.match(line)
        if block is not None:  # inside a code block
            if fence and not fence.group(1):
                if language == "bash":
                    guide.commands.append(instead if instead is not None else "\n".join(block))
                block, instead = None, None
            else:
                block.append(line)
            continue
        if fence:
            block, language = [], fence.group(1)
            continue
        marker = MARKER.match(line.strip())
        if marker:
            name, value = marker.groups()
            if name == "runnable":
                guide.runnable = True
            elif name == "slow":
                guide.slow = True
            elif name == "test-instead":
                instead = value
            elif name == "produces":
                guide.produces += value.split()
            elif name == "prints":
                guide.prints.append(value)
        elif line.strip() and instead is not None:
            raise ValueError(f"{page}: test-instead must be just before the block it replaces")
    return guide


GUIDES = [g for g in map(read_guide, sorted(DOCS.rglob("*.md"))) if g.runnable]


def test_every_route_has_a_runnable_guide():
    names = {g.page.relative_to(DOCS).as_posix() for g in GUIDES}
    routes = {"nbgrader", "gradescope", "github-actions", "grade-batch"}
    assert {f"instructors/{r}.md" for r in routes} <= names, names
    for guide in GUIDES:
        assert guide.commands and (guide.produces or guide.prints), guide.page


def test_a_guide_is_read_in_order_with_its_substitutions(tmp_path):
    page = tmp_path / "guide.md"
    page.write_text(
        "<!-- runnable -->\n\n```bash\necho one\n```\n\n```python\nprint('no')\n```\n\n"
        "<!-- test-instead: echo two-here -->\n```bash\ngit push\n```\n\n"
        "<!-- produces: a b -->\n<!-- prints: one -->\n"
    )
    guide = read_guide(page)
    assert guide.runnable and not guide.slow
    assert guide.commands == ["echo one", "echo two-here"]
    assert (guide.produces, guide.prints) == (["a", "b"], ["one"])


def run(guide: Guide, folder: Path) -> subprocess.CompletedProcess:
    """The guide's script in ``folder``; whatever it left running is stopped after it."""
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "GIT_AUTHOR_NAME": "Course staff", "GIT_AUTHOR_EMAIL": "staff@example.org",
        "GIT_COMMITTER_NAME": "Course staff", "GIT_COMMITTER_EMAIL": "staff@example.org",
        "PYTHONDONTWRITEBYTECODE": "1",
    }  # fmt: skip
    proc = subprocess.Popen(
        ["bash", "-c", guide.script], cwd=folder, env=env, stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )  # fmt: skip
    try:
        out, _ = proc.communicate(timeout=1500)
    finally:
        try:  # background services a guide started (a Dask scheduler...), in its session
            os.killpg(proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, "")


@pytest.mark.parametrize(
    "guide",
    [pytest.param(g, marks=[pytest.mark.slow] if g.slow else []) for g in GUIDES],
    ids=[g.page.relative_to(DOCS).as_posix() for g in GUIDES],
)
def test_a_guides_commands_run_from_an_empty_folder(guide, tmp_path):
    proc = run(guide, tmp_path)
    tail = proc.stdout[-6000:]
    assert proc.returncode == 0, f"{guide.page.name} failed:\n{tail}"
    for path in guide.produces:
        assert (tmp_path / path).exists(), f"{guide.page.name} promises {path}:\n{tail}"
    for text in guide.prints:
        assert text in proc.stdout, f"{guide.page.name} promises {text!r}:\n{tail}"
