"""The page's plots: matplotlib figures as inline SVG (text kept as text, no fonts embedded).

Figures are made with matplotlib's object API on the Agg canvas (no pyplot, no display),
and sized in CSS by the page, so they scale down on a phone.
"""

from __future__ import annotations

import io
import re

from autograder.classreport.model import ExerciseSummary, Totals

COLOURS = {"full": "#2e7d32", "partial": "#f9a825", "zero": "#c62828", "not attempted": "#9e9e9e"}


def _svg(figure) -> str:
    from matplotlib import rc_context
    from matplotlib.backends.backend_svg import FigureCanvasSVG

    buffer = io.StringIO()
    # text as text (no glyph paths), ids the same on every run
    with rc_context({"svg.fonttype": "none", "svg.hashsalt": "deepgrade"}):
        FigureCanvasSVG(figure).print_svg(buffer, metadata={"Date": None})
    text = buffer.getvalue()
    text = text[text.index("<svg") :]  # no XML prolog or DOCTYPE inside HTML
    # the page sets the size: the figure keeps its aspect ratio at any width
    return re.sub(r'(<svg[^>]*?) width="[^"]*" height="[^"]*"', r"\1", text, count=1)


def _figure(width: float, height: float):
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def totals_histogram(totals: Totals) -> str:
    """The students' totals: a histogram over 0..max."""
    figure = _figure(7, 2.8)
    axes = figure.add_subplot()
    edges = totals.bin_edges
    widths = [b - a for a, b in zip(edges, edges[1:], strict=False)]
    axes.bar(edges[:-1], totals.counts, width=widths, align="edge", color="#1565c0",
             edgecolor="white")  # fmt: skip
    axes.axvline(totals.median, color="#212121", linestyle="--", linewidth=1)
    axes.text(totals.median, max(totals.counts or [0]) or 1, " median", va="top", fontsize=9)
    axes.set_xlabel(f"total points (of {totals.max_score:g})")
    axes.set_ylabel("students")
    axes.set_xlim(0, totals.bin_edges[-1])
    axes.spines[["top", "right"]].set_visible(False)
    return _svg(figure)


def exercise_bars(exercises: list[ExerciseSummary], students: int) -> str:
    """Per exercise (the page's order), the class's share at full, partial, zero, not attempted."""
    figure = _figure(7, 0.8 + 0.24 * len(exercises))
    axes = figure.add_subplot()
    labels = [f"{e.number} {e.name}" for e in exercises]
    size = max(1, students)
    parts = {
        "full": [e.full / size for e in exercises],
        "partial": [e.partial / size for e in exercises],
        "zero": [(e.zero - e.not_attempted) / size for e in exercises],
        "not attempted": [e.not_attempted / size for e in exercises],
    }
    left = [0.0] * len(exercises)
    for name, values in parts.items():
        axes.barh(labels, values, left=left, color=COLOURS[name], label=name, height=0.8)
        left = [a + b for a, b in zip(left, values, strict=True)]
    axes.invert_yaxis()
    axes.set_xlim(0, 1)
    axes.set_xlabel("share of the class")
    axes.tick_params(axis="y", labelsize=8)
    axes.legend(ncols=4, loc="lower center", bbox_to_anchor=(0.5, 1.0), frameon=False, fontsize=8)
    axes.spines[["top", "right"]].set_visible(False)
    return _svg(figure)
