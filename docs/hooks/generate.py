"""MkDocs hook: the parts of the site that are generated from the code, never hand-copied.

A page asks for a generated block with an HTML comment on a line of its own,
``<!-- generated: NAME -->``; :data:`BLOCKS` maps each NAME to the function that writes
it, and an unknown NAME stops the build. :func:`on_nav` orders the top-level sections by
audience; pages inside a section need no registration (see docs/maintainers/docs.md).
"""

from __future__ import annotations

import argparse
import html
import json
import re
from collections.abc import Callable
from pathlib import Path

from mkdocs.exceptions import PluginError

from autograder.paths import PROJECT_ROOT

MARKER = re.compile(r"^<!-- generated: ([\w-]+) -->$", re.MULTILINE)
FENCE = re.compile(r"(^ *```.*?^ *```)", re.MULTILINE | re.DOTALL)

# The top-level sections, by audience; a folder not listed here comes after them.
SECTIONS = ("students", "instructors", "reference", "maintainers", "results")


def _cell(text: object) -> str:
    """Text that is safe inside a Markdown table cell (and shown as written, `<x>` too)."""
    return html.escape(" ".join(str(text).split()), quote=False).replace("|", "\\|")


def _argument(action: argparse.Action) -> str:
    if action.option_strings:
        name = ", ".join(f"`{o}`" for o in action.option_strings)
        if action.nargs != 0:
            name += f" `{action.metavar or action.dest.upper()}`"
        return name
    return f"`{action.metavar or action.dest}`" + (" (optional)" if action.nargs == "?" else "")


def _details(action: argparse.Action) -> str:
    facts = []
    if action.choices is not None and action.metavar is None:
        facts.append("one of " + ", ".join(f"`{c}`" for c in action.choices))
    if action.required and action.option_strings:
        facts.append("required")
    if action.default not in (None, False, argparse.SUPPRESS) and action.nargs != 0:
        facts.append(f"default `{action.default}`")
    return "; ".join(facts)


def command_parsers() -> dict[str, tuple[str, argparse.ArgumentParser]]:
    """Every ``deepgrade`` subcommand: its name -> (help line, its parser)."""
    from autograder.cli import COMMANDS
    from deepgrade.cli import build_parser

    parser = build_parser(COMMANDS)
    (sub,) = (a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    helps = {choice.dest: choice.help for choice in sub._choices_actions}
    return {name: (helps[name], child) for name, child in sub.choices.items()}


def cli_reference() -> str:
    """Every command, its usage and every argument with its choices, default and help."""
    from deepgrade.cli import KIT_COMMANDS

    kit = {c.name for c in KIT_COMMANDS}
    parts = []
    for name, (summary, parser) in command_parsers().items():
        where = "student kit and instructors" if name in kit else "instructors only"
        rows = ["| argument | choices, default | what it does |", "| --- | --- | --- |"]
        formatter = parser._get_formatter()
        for action in parser._actions:
            if isinstance(action, argparse._HelpAction):
                continue
            helptext = formatter._expand_help(action) if action.help else ""
            helptext = _cell(helptext).replace("`", "&#96;")  # as argparse prints it
            rows.append(f"| {_argument(action)} | {_cell(_details(action))} | {helptext} |")
        usage = " ".join(parser.format_usage().removeprefix("usage: ").split())
        parts.append(
            f"## deepgrade {name}\n\n{summary} ({where}).\n\n```text\n{usage}\n```\n\n"
            + "\n".join(rows)
        )
    return "\n\n".join(parts)


def kit_commands() -> str:
    from deepgrade.cli import KIT_COMMANDS

    return ", ".join(f"[`{c.name}`](cli.md#deepgrade-{c.name})" for c in KIT_COMMANDS) + "."


def points() -> str:
    from deepgrade.cli import points_markdown

    return points_markdown()


def capstone_thresholds() -> str:
    """Per capstone and score: full points at the target, none at or below the floor."""
    from deepgrade.capstones.settings import load

    rows = [
        "| capstone | data set | score | full points at | no points at | training job (s) |",
        "| --- | --- | --- | ---: | ---: | ---: |",
    ]
    for module, settings in load().items():
        for score, bounds in settings["scored"].items():
            rows.append(
                f"| `{module}` | {settings.get('dataset', '')} | {score} | {bounds['target']} "
                f"| {bounds['floor']} | {settings.get('job_seconds', '')} |"
            )
    return "\n".join(rows)


def isolation_levels() -> str:
    """The levels as the code declares them, strongest first."""
    from autograder.worker import sandbox

    rows = ["| level | strength | what it is |", "| --- | ---: | --- |"]
    for name, level in sorted(sandbox.LEVELS.items(), key=lambda item: -item[1].strength):
        rows.append(f"| `{name}` | {level.strength} | {_cell(level.help)} |")
    rows.append(f"| `auto` | | {_cell(sandbox.AUTO)} |")
    return "\n".join(rows)


def report_formats() -> str:
    from autograder.grading.reports import FORMATS

    return ", ".join(f"`{f}`" for f in FORMATS)


def json_report_fields() -> str:
    """The fields of a report, from its dataclass."""
    import dataclasses

    from autograder.grading.engine import SubmissionReport

    rows = ["| field | type |", "| --- | --- |"]
    rows += [f"| `{f.name}` | `{_cell(f.type)}` |" for f in dataclasses.fields(SubmissionReport)]
    return "\n".join(rows)


def _field_docs(cls: type) -> tuple[str, dict[str, str]]:
    """A dataclass's docstring and its field docstrings (the string literal under each
    field), read from its source."""
    import ast
    import inspect
    import textwrap

    tree = ast.parse(textwrap.dedent(inspect.getsource(cls))).body[0]
    body = tree.body
    docs = {}
    for field, after in zip(body, body[1:], strict=False):
        if (
            isinstance(field, ast.AnnAssign)
            and isinstance(field.target, ast.Name)
            and isinstance(after, ast.Expr)
            and isinstance(after.value, ast.Constant)
            and isinstance(after.value.value, str)
        ):
            docs[field.target.id] = " ".join(after.value.value.split())
    return " ".join((ast.get_docstring(tree) or "").split()), docs


def class_report_fields() -> str:
    """The class report's JSON (``class-report.json``): every object, its fields, their
    types and docstrings, from the report model's dataclasses (the page is written from
    the same objects)."""
    import dataclasses
    import typing

    from autograder.classreport import model

    out: list[str] = []
    todo, seen = [model.ClassReport], set()
    while todo:
        cls = todo.pop(0)
        if cls in seen:
            continue
        seen.add(cls)
        hints = typing.get_type_hints(cls)
        doc, docs = _field_docs(cls)
        rows = ["| field | type | meaning |", "| --- | --- | --- |"]
        for f in dataclasses.fields(cls):
            if not f.metadata.get("json", True):
                continue  # only on the page
            hint = hints[f.name]
            inner = [a for a in typing.get_args(hint) if dataclasses.is_dataclass(a)]
            nested = inner[0] if inner else (hint if dataclasses.is_dataclass(hint) else None)
            if nested is not None:
                todo.append(nested)
                kind = f"[`{nested.__name__}`](#{nested.__name__.lower()})"
                kind = f"list of {kind}" if inner else kind
            else:
                kind = f"`{_cell(f.type)}`"
            rows.append(f"| `{f.name}` | {kind} | {_cell(docs.get(f.name, ''))} |")
        out += [f"### {cls.__name__}", "", doc, "", *rows, ""]
    return "\n".join(out)


def extras() -> str:
    """Each extra of ``setup.cfg`` and the packages it installs (as the file says them)."""
    import configparser

    config = configparser.ConfigParser()
    config.read(PROJECT_ROOT / "setup.cfg", encoding="utf-8")
    rows = ["| extra | installs |", "| --- | --- |"]
    for extra, value in config["options.extras_require"].items():
        packages = [line.strip() for line in value.splitlines() if line.strip()]
        packages = [p for p in packages if not p.startswith("#")]
        rows.append(f"| `{extra}` | {_cell(', '.join(packages))} |")
    return "\n".join(rows)


def limits() -> str:
    """The per-submission limits and their defaults, from ``Limits``."""
    import dataclasses

    from autograder.grading.engine import Limits

    rows = ["| limit | default |", "| --- | ---: |"]
    rows += [f"| `{f.name}` | {f.default:,} |" for f in dataclasses.fields(Limits)]
    return "\n".join(rows)


def upload_limits() -> str:
    """What one upload may hold, from ``autograder/grading/submission.py``."""
    from autograder.grading import submission as upload

    mib = lambda n: f"{n / 2**20:g} MiB"  # noqa: E731
    rows = ["| limit | value |", "| --- | ---: |"]
    rows += [
        f"| one module | {mib(upload.MAX_SOURCE_BYTES)} |",
        f"| one notebook (with its outputs) | {mib(upload.MAX_NOTEBOOK_BYTES)} |",
        f"| files and folders looked at | {upload.MAX_ENTRIES:,} |",
        f"| folders deep | {upload.MAX_DEPTH} |",
        f"| read from one upload in all | {mib(upload.MAX_TOTAL_BYTES)} |",
    ]
    return "\n".join(rows)


def gradescope_schema() -> str:
    """The JSON Schema every results.json is validated against in the tests (the one
    copy, in a test module that is not an installed package: loaded by path)."""
    import importlib.util

    path = PROJECT_ROOT / "devtests" / "test_grading_reports.py"
    spec = importlib.util.spec_from_file_location("_gradescope_schema", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return "```json\n" + json.dumps(module.GRADESCOPE_SCHEMA, indent=2) + "\n```"


def student_readme() -> str:
    """The README a student release ships, exactly as ``deepgrade release`` writes it."""
    from autograder.builders import release_packaging, student_readme
    from deepgrade.catalog import ALL_TOPICS

    files = {
        f"{module}.py": (PROJECT_ROOT / "exercises" / f"{module}.py").read_text(encoding="utf-8")
        for module in ALL_TOPICS
    }
    text = student_readme.render(files, release_packaging.python_version(PROJECT_ROOT))
    return text.split("\n", 1)[1]  # its title is the page's


BLOCKS: dict[str, Callable[[], str]] = {
    "cli-reference": cli_reference,
    "kit-commands": kit_commands,
    "points": points,
    "capstone-thresholds": capstone_thresholds,
    "isolation-levels": isolation_levels,
    "report-formats": report_formats,
    "gradescope-schema": gradescope_schema,
    "json-report-fields": json_report_fields,
    "class-report-fields": class_report_fields,
    "extras": extras,
    "limits": limits,
    "upload-limits": upload_limits,
    "student-readme": student_readme,
}


def expand(markdown: str, where: str = "") -> str:
    """``markdown`` with every generated-block marker replaced by its block."""

    def block(match: re.Match) -> str:
        name = match.group(1)
        if name not in BLOCKS:
            raise PluginError(
                f"{where}: unknown generated block {name!r}; known: {', '.join(BLOCKS)}"
            )
        return BLOCKS[name]()

    parts = FENCE.split(markdown)  # odd parts are code blocks, shown as written
    out = "".join(p if i % 2 else MARKER.sub(block, p) for i, p in enumerate(parts))
    stray = [p for i, p in enumerate(parts) if not i % 2 and "<!-- generated:" in MARKER.sub("", p)]
    if stray:  # a marker that is not alone on its line would silently stay a comment
        raise PluginError(f"{where}: a '<!-- generated: NAME -->' marker must be a line of its own")
    return out


def on_page_markdown(markdown: str, page, config, files) -> str:
    return expand(markdown, page.file.src_path)


def _folder(item) -> str:
    """The top-level folder a nav item comes from ("" for a page at the root)."""
    while item.is_section:
        item = item.children[0]
    parts = Path(item.file.src_uri).parts
    return parts[0] if len(parts) > 1 else ""


def on_nav(nav, config, files):
    def rank(item) -> int:
        folder = _folder(item)
        if not folder:
            return -1  # the home page first
        return SECTIONS.index(folder) if folder in SECTIONS else len(SECTIONS)

    nav.items.sort(key=rank)
    return nav
