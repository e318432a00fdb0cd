"""``deepgrade report FOLDER``: the class report of a grade-batch folder or nbgrader course."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console

from deepgrade.cli import fail

if TYPE_CHECKING:
    from autograder.classreport.model import ClassReport

EXTRA_HINT = "deepgrade report needs the 'report' extra: pip install 'deepgrade[report]'"
DEFAULT_NAME = "class-report.html"


def arguments(parser: argparse.ArgumentParser) -> None:
    from autograder.classreport import similarity

    parser.add_argument(
        "folder",
        help="a grade-batch --output-dir, or an nbgrader course autograded by deepgrade",
    )
    parser.add_argument(
        "--output", help=f"the page to write (default: FOLDER/{DEFAULT_NAME}); its JSON twin "
        "goes beside it with the suffix .json",
    )  # fmt: skip
    parser.add_argument(
        "--submissions",
        metavar="ROOT",
        help="grade-batch: the folder of submission folders it graded (for similarity)",
    )
    parser.add_argument(
        "--assignment", default="exercises", help="nbgrader: the assignment (default: exercises)"
    )
    parser.add_argument(
        "--threshold", type=float, default=similarity.THRESHOLD,
        help="list pairs sharing at least this share of the smaller submission's own "
        f"fingerprints (default: {similarity.THRESHOLD})",
    )  # fmt: skip


def available() -> bool:
    """Whether the 'report' extra is installed."""
    try:
        import copydetect  # noqa: F401
        import jinja2  # noqa: F401
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def write_report(
    folder: Path,
    page: Path,
    submissions: Path | None = None,
    *,
    assignment: str = "exercises",
    threshold: float | None = None,
) -> ClassReport:
    """Read the class in ``folder``, write its page at ``page`` and the JSON twin beside it.

    Raises :class:`~autograder.classreport.sources.SourceError` for a folder that holds no
    class, OSError when the page cannot be written.
    """
    from autograder.classreport import model, render, similarity, sources

    data = sources.load(folder, submissions, assignment)
    similar = similarity.similar_pairs(
        data.code,
        data.boilerplate,
        threshold=similarity.THRESHOLD if threshold is None else threshold,
        note=data.code_note,
    )
    report = model.build(data, similar)
    render.write(report, page)
    return report


def demo_report(graded: Path, submissions: Path, page: Path) -> str:
    """The demo's last line: where the report of its class is (or which extra it needs)."""
    if not available():
        return EXTRA_HINT
    write_report(graded, page, submissions)
    return f"the class report: {page}"


def run(args: argparse.Namespace, console: Console) -> int:
    from autograder.classreport.sources import SourceError

    if not available():
        return fail(console, EXTRA_HINT)
    folder = Path(args.folder).resolve()
    page = Path(args.output).resolve() if args.output else folder / DEFAULT_NAME
    if page.suffix == ".json":
        return fail(console, f"--output {args.output}: the page is HTML; its twin is the .json")
    if not 0 < args.threshold <= 1:
        return fail(console, f"--threshold must be above 0 and at most 1, got {args.threshold}")
    submissions = Path(args.submissions).resolve() if args.submissions else None
    try:
        report = write_report(
            folder, page, submissions, assignment=args.assignment, threshold=args.threshold
        )
    except SourceError as err:
        return fail(console, str(err))
    except OSError as err:
        return fail(console, f"cannot write {page}: {err}")
    console.print(
        f"class report of {report.students} students: {page} (and "
        f"{page.with_suffix('.json').name}); {len(report.needs_human)} need a human, "
        f"{report.similarity.pairs_above_threshold} similar pair(s)",
        markup=False,
        soft_wrap=True,
    )
    return 0
