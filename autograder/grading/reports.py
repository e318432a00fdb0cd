"""Reports written from a SubmissionReport: Gradescope results.json, JUnit XML, a table.

Everything a student sees comes from the report's exercise rows: their score, the
number of checks passed, the exercise's likely mistake (the one the evidence of all its
failed checks, public and hidden, singles out) and the first lines of each failed check's
message, public checks first.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Callable

from rich.console import Console
from rich.table import Table

from autograder.grading.engine import SubmissionReport
from deepgrade.catalog import BY_NAME
from deepgrade.scoring import headline

MAX_FEEDBACK_LINES = 6  # per failed check, in what a student sees
MAX_FAILURES_SHOWN = 5  # per exercise


def _failure_text(failure: str) -> str:
    """A failed check as a student sees it: the test's name (not its file) and message."""
    nodeid, _, message = failure.partition(": ")
    lines = f"{nodeid.rpartition('::')[2]}: {message}".splitlines()
    text = "\n".join(lines[:MAX_FEEDBACK_LINES])
    return text + ("\n  ..." if len(lines) > MAX_FEEDBACK_LINES else "")


def _graded_file(report: SubmissionReport, row: dict) -> str:
    """'graded: exercises/conv.py (why)', the line naming the file an exercise came from."""
    entry = BY_NAME.get(row["name"])
    where = report.graded.get(entry.module) if entry else None
    return f"graded: {where}" if where else ""


def _graded_files(report: SubmissionReport) -> list[str]:
    """One line per topic of the report: which file of the upload was graded, and why."""
    rows = [BY_NAME[r["name"]] for r in report.exercises if r["name"] in BY_NAME]
    topics = dict.fromkeys(entry.module for entry in rows)
    return [f"{topic}: graded {report.graded[topic]}" for topic in topics if topic in report.graded]


def _exercise_output(row: dict, graded: str = "") -> str:
    if row["total"] == 0:
        return "\n".join(filter(None, [graded, "no checks for this exercise ran"]))
    head = f"{row['passed']}/{row['total']} checks passed"
    if graded:
        head = f"{graded}\n{head}"
    if row.get("likely_mistake"):
        head += "\n" + row["likely_mistake"]
    shown = [_failure_text(f) for f in row["failures"][:MAX_FAILURES_SHOWN]]
    more = len(row["failures"]) - len(shown)
    tail = [f"... and {more} more failed check(s)"] if more > 0 else []
    return "\n\n".join([head, *shown, *tail])


def summary(report: SubmissionReport) -> str:
    lines = [
        f"deepgrade: {report.student}: {report.score:g}/{report.max_score} ({report.status})",
        f"isolation: {report.isolation}; mode: {report.mode}; numpy {report.numpy}; "
        f"{report.execution_time:.1f} s",
    ]
    return "\n".join(lines + report.notes + _graded_files(report))


def gradescope(report: SubmissionReport) -> dict:
    """Gradescope's results.json: one test per exercise; the total is the sum of max_score."""
    tests = [
        {
            "name": row["label"],
            "number": row["number"],
            "score": row["score"],
            "max_score": row["max_score"],
            "status": "passed" if row["score"] == row["max_score"] else "failed",
            "output": _exercise_output(row, _graded_file(report, row)),
            "visibility": "visible",
        }
        for row in report.exercises
    ]
    return {
        "score": report.score,
        "execution_time": round(report.execution_time, 3),
        "output": summary(report),
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
    }


def junit(report: SubmissionReport) -> str:
    """JUnit XML: one testsuite per exercise, one testcase per check."""
    by_exercise: dict[str, list[dict]] = {}
    for record in report.tests:
        by_exercise.setdefault(record["exercise"] or "unassigned", []).append(record)
    root = ET.Element(
        "testsuites",
        name=f"deepgrade {report.student}",
        tests=str(len(report.tests)),
        failures=str(sum(r["outcome"] == "failed" for r in report.tests)),
        time=f"{report.execution_time:.3f}",
    )
    for name, records in by_exercise.items():
        suite = ET.SubElement(
            root,
            "testsuite",
            name=name,
            tests=str(len(records)),
            failures=str(sum(r["outcome"] == "failed" for r in records)),
            skipped=str(sum(r["outcome"] == "skipped" for r in records)),
            errors="0",
            time=f"{sum(r['seconds'] for r in records):.3f}",
        )
        properties = ET.SubElement(suite, "properties")
        for key in ("isolation", "mode", "numpy"):
            ET.SubElement(properties, "property", name=key, value=getattr(report, key))
        for record in records:
            module, _, test = record["nodeid"].partition("::")
            case = ET.SubElement(
                suite,
                "testcase",
                classname=module.removesuffix(".py").replace("/", "."),
                name=test or module,
                time=f"{record['seconds']:.3f}",
            )
            if record["outcome"] == "failed":
                first = record["message"].splitlines()[0] if record["message"] else "failed"
                failure = ET.SubElement(case, "failure", message=first[:500])
                failure.text = record["message"]
            elif record["outcome"] == "skipped":
                ET.SubElement(case, "skipped", message=record["message"][:500])
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def table(report: SubmissionReport, console: Console) -> None:
    grid = Table(title=summary(report).splitlines()[0], title_justify="left")
    grid.add_column("exercise")
    grid.add_column("checks", justify="right")
    grid.add_column("points", justify="right")
    grid.add_column("first failure", overflow="fold", max_width=90)
    for row in report.exercises:
        ok = row["passed"] == row["total"] and row["total"]
        style = "green" if ok else ("red" if not row["passed"] else "yellow")
        first = row["failures"][0].split(": ", 1)[-1] if row["failures"] else ""
        first = headline(first, BY_NAME[row["name"]]) if row["name"] in BY_NAME else first
        first = row.get("likely_mistake") or first
        grid.add_row(
            row["label"],
            f"[{style}]{row['passed']}/{row['total']}[/{style}]",
            f"{row['score']:g}/{row['max_score']}",
            first,
        )
    grid.add_section()
    grid.add_row("total", "", f"{report.score:g}/{report.max_score}", "")
    console.print(grid)
    for line in summary(report).splitlines()[1:]:
        console.print(line, markup=False, highlight=False)


# Report formats written as text, by name; "table" prints to a console instead.
WRITERS: dict[str, Callable[[SubmissionReport], str]] = {
    "gradescope": lambda report: json.dumps(gradescope(report), indent=2) + "\n",
    "junit": junit,
    "json": lambda report: json.dumps(report.to_dict(), indent=1) + "\n",
}
FORMATS = ("table", *WRITERS)


def render(report: SubmissionReport, fmt: str) -> str:
    """The report as text in ``fmt`` (not "table", which prints to a console)."""
    if fmt not in WRITERS:
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(WRITERS)}")
    return WRITERS[fmt](report)
