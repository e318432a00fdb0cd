"""The documentation site: it builds strictly, its links hold, and what it generates from
the code (the CLI reference, the points, the student guide) says what the code does.

The site is built once, by ``mkdocs build --strict`` into a temporary folder, and read
back as HTML with an independent reader (the parsers and the catalogue, not the hook).
"""

from __future__ import annotations

import argparse
import html
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from autograder.cli import COMMANDS
from autograder.worker import sandbox
from deepgrade.catalog import CAPSTONE_POINTS, CAPSTONES, EXERCISES, TOTAL_POINTS
from deepgrade.cli import build_parser
from deepgrade.paths import PROJECT_ROOT

pytest.importorskip("mkdocs", reason="the docs need the 'docs' extra: pip install -e '.[docs]'")


def mkdocs_build(config: Path, site: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--config-file", str(config),
         "--site-dir", str(site)],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site")
    proc = mkdocs_build(PROJECT_ROOT / "mkdocs.yml", out)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return out


class Page(HTMLParser):
    """A built page: its h2 sections (id -> text) and its tables (rows of cell texts)."""

    def __init__(self, text: str):
        super().__init__()
        self.sections: dict[str, list[str]] = {}
        self.tables: list[list[list[str]]] = []
        self._section: list[str] | None = None
        self._cells: list[str] | None = None
        self._cell: list[str] | None = None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        if tag == "h2":
            self._section = self.sections.setdefault(dict(attrs).get("id", ""), [])
        elif tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self._cells = []
        elif tag in ("td", "th") and self._cells is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._cells.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._cells is not None:
            self.tables[-1].append(self._cells)
            self._cells = None

    @property
    def rows(self) -> list[list[str]]:
        return [row for table in self.tables for row in table]

    def handle_data(self, data):
        if self._section is not None:
            self._section.append(data)
        if self._cell is not None:
            self._cell.append(data)


def page(site: Path, name: str) -> Page:
    return Page((site / name / "index.html").read_text(encoding="utf-8"))


# ------------------------------------------------------------------------- the build


def test_the_site_builds_strictly_with_every_audience(site):
    for folder in ("students", "instructors", "reference", "maintainers", "results"):
        assert (site / folder / "index.html").is_file(), folder
    home = (site / "index.html").read_text(encoding="utf-8")
    nav = re.findall(r'class="md-nav__link[^"]*"[^>]*>\s*<span class="md-ellipsis">\s*([^<]+?)\s*<',
                     home)  # fmt: skip
    audiences = [n for n in nav if n in ("Students", "Instructors", "Reference", "Maintainers")]
    assert audiences[:4] == ["Students", "Instructors", "Reference", "Maintainers"], nav


@pytest.fixture()
def docs_copy(tmp_path) -> Path:
    """A copy of the docs and their config, to break on purpose."""
    shutil.copytree(PROJECT_ROOT / "docs", tmp_path / "docs")
    shutil.copy(PROJECT_ROOT / "mkdocs.yml", tmp_path / "mkdocs.yml")
    return tmp_path


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ("[a page](../instructors/no-such-guide.md)", "no-such-guide.md"),
        ("[a heading](../reference/cli.md#deepgrade-no-such-command)", "deepgrade-no-such-command"),
        ("<!-- generated: no-such-block -->", "no-such-block"),
        ("The points: <!-- generated: points -->.", "a line of its own"),
    ],
    ids=["missing page", "missing anchor", "unknown generated block", "marker inside a line"],
)
def test_a_broken_link_anchor_or_block_fails_the_build(docs_copy, text, complaint):
    (docs_copy / "docs" / "maintainers" / "broken.md").write_text(f"# Broken\n\n{text}\n")
    proc = mkdocs_build(docs_copy / "mkdocs.yml", docs_copy / "site")
    assert proc.returncode != 0
    assert complaint in proc.stdout + proc.stderr


def test_the_readmes_links_and_picture_exist():
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    targets = re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", readme)
    local = [t for t in targets if "://" not in t]
    assert len(local) > 10 and "docs/assets/feedback.png" in local
    missing = [t for t in local if not (PROJECT_ROOT / t).is_file()]
    assert not missing, missing


# ------------------------------------------------------------------------- generated


def parsers() -> dict[str, argparse.ArgumentParser]:
    (sub,) = (
        a for a in build_parser(COMMANDS)._actions if isinstance(a, argparse._SubParsersAction)
    )
    return dict(sub.choices)


def test_every_cli_command_and_option_is_in_the_reference(site):
    sections = {
        k: html.unescape("".join(v)) for k, v in page(site, "reference/cli").sections.items()
    }
    assert [c.name for c in COMMANDS] == [k.removeprefix("deepgrade-") for k in sections]
    checked = 0
    for name, parser in parsers().items():
        text = sections[f"deepgrade-{name}"]
        for action in parser._actions:
            if isinstance(action, argparse._HelpAction):
                continue
            words = [*action.option_strings] or [action.metavar or action.dest]
            if action.choices is not None and action.metavar is None:
                words += [str(c) for c in action.choices]
            if action.help:
                words.append(" ".join(parser._get_formatter()._expand_help(action).split()))
            for word in words:
                assert word in text, f"deepgrade {name}: {word!r} is not in its reference"
                checked += 1
    assert checked > 60


def test_the_points_tables_in_the_docs_equal_the_catalogue(site):
    rows = [r for r in page(site, "reference/exercises").rows if len(r) == 4]
    body = [r for r in rows if r[0] not in ("exercise", "capstone")]
    listed = [(r[0], r[1], int(r[3])) for r in body if r[0]]
    assert listed == [(e.number, e.name, e.points) for e in (*EXERCISES, *CAPSTONES)]
    totals = [int(r[3]) for r in body if not r[0]]
    assert totals == [TOTAL_POINTS, CAPSTONE_POINTS]


def test_the_student_guide_is_the_release_readme(site):
    from autograder.builders import release_packaging, student_readme
    from deepgrade.catalog import ALL_TOPICS

    files = {f"{m}.py": (PROJECT_ROOT / "exercises" / f"{m}.py").read_text() for m in ALL_TOPICS}
    readme = student_readme.render(files, release_packaging.python_version(PROJECT_ROOT))
    built = (site / "students" / "release-readme" / "index.html").read_text(encoding="utf-8")
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", built)).split())
    headings = re.findall(r"^#{2,3} (.+)$", readme, re.MULTILINE)
    assert len(headings) > 8
    for heading in headings:
        plain = " ".join(heading.replace("`", "").split())
        assert plain in text, heading


def test_every_isolation_level_is_described_in_the_docs(site):
    """The hand-written table of what each level protects keeps up with ``LEVELS``."""
    tables = page(site, "reference/isolation").tables
    (protects,) = (t for t in tables if t[0][0] == "level (strongest first)")
    assert [row[0] for row in protects[1:]] == list(reversed(sandbox.LEVELS))


def test_the_class_report_reference_lists_every_json_field(site):
    """Every object of class-report.json, with every field the JSON has, from its model."""
    import dataclasses

    from autograder.classreport import model, similarity

    tables = page(site, "reference/class-report").tables
    listed = {tuple(row[0] for row in t[1:]) for t in tables if t[0][:2] == ["field", "type"]}
    objects = (model.ClassReport, model.Totals, model.ExerciseSummary, model.MistakeSummary,
               model.StudentHint, model.NeedsHuman, similarity.SimilarityReport,
               similarity.TopicSimilarity, similarity.SimilarPair, similarity.Region)  # fmt: skip
    for cls in objects:
        in_json = tuple(f.name for f in dataclasses.fields(cls) if f.metadata.get("json", True))
        assert in_json in listed, cls.__name__
    built = (site / "reference" / "class-report" / "index.html").read_text(encoding="utf-8")
    assert "html_a" not in built  # only on the page, not in the JSON
    assert "Ordered by points lost, most first" in built  # a field's docstring


def test_the_limits_in_the_reference_are_the_codes(site):
    from autograder.grading import submission
    from autograder.grading.engine import Limits

    rows = dict(r for r in page(site, "reference/regrading").rows if len(r) == 2)
    assert rows["stall_seconds"] == str(Limits().stall_seconds)
    uploads = dict(r for r in page(site, "reference/uploads").rows if len(r) == 2)
    assert uploads["folders deep"] == str(submission.MAX_DEPTH)
    assert uploads["files and folders looked at"] == f"{submission.MAX_ENTRIES:,}"
