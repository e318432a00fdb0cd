"""The page: ``templates/class_report.html.j2`` filled in from a :class:`ClassReport`.

One self-contained file: the CSS is in the page, the plots are inline SVG, nothing is
loaded from anywhere and nothing needs JavaScript (lists open with ``<details>``). The
JSON twin is written beside it from the same report.
"""

from __future__ import annotations

import json
from pathlib import Path

from autograder.classreport import plots
from autograder.classreport.model import ClassReport


def percent(share: float) -> str:
    """A share as the page shows it: ``0.3125`` -> ``31.2%``."""
    return f"{100 * share:.1f}%"


def points(value: float) -> str:
    """Points as the page shows them: at most two decimals, no trailing zeros."""
    return f"{round(value, 2):g}"


def html(report: ClassReport) -> str:
    from jinja2 import Environment, PackageLoader, select_autoescape

    environment = Environment(
        loader=PackageLoader("autograder.classreport", "templates"),
        autoescape=select_autoescape(default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["percent"] = percent
    environment.filters["points"] = points
    template = environment.get_template("class_report.html.j2")
    return template.render(
        report=report,
        histogram=plots.totals_histogram(report.totals),
        overview=plots.exercise_bars(report.exercises, report.students),
    )


def write(report: ClassReport, page: Path) -> Path:
    """Write the page at ``page`` and its twin beside it (same name, ``.json``)."""
    page.parent.mkdir(parents=True, exist_ok=True)
    page.write_text(html(report), encoding="utf-8")
    twin = page.with_suffix(".json")
    twin.write_text(json.dumps(report.to_dict(), indent=1), encoding="utf-8")
    return twin
