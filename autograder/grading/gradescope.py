"""Grade one Gradescope submission: what the autograder zip's ``run_autograder`` runs.

Gradescope unpacks the student's upload in ``ROOT/submission`` and reads
``ROOT/results/results.json`` (``ROOT`` is ``/autograder``; tests use another). The
upload is read by :func:`autograder.grading.submission.prepare_submission`: never
through a link, never a named pipe; per topic, the file the student edited (the whole
release repository, ``exercises/`` alone, the notebooks, at the top or in a folder) is
graded, and results.json names it. Grading is always with ``--isolation auto`` (the
strongest level the container allows; the report names it). Whatever happens, a valid
results.json is written.

    python -B -m autograder.grading.gradescope --root /autograder --visibility after_published
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from autograder.grading.engine import SubmissionReport

# Gradescope's visibility values (its autograder specification)
VISIBILITIES = ("visible", "hidden", "after_due_date", "after_published")
DEFAULT_VISIBILITY = "after_published"  # per-exercise detail once grades are published


def results(report: SubmissionReport, visibility: str) -> dict:
    """results.json: the total always visible, each exercise's detail at ``visibility``."""
    from autograder.grading.reports import gradescope

    data = gradescope(report)
    for test in data["tests"]:
        test["visibility"] = visibility
    return data


def run(root: Path, visibility: str = DEFAULT_VISIBILITY) -> dict:
    """Grade ``root/submission`` into ``root/results/results.json``; return what was written."""
    from autograder.grading.jobs import failed_report
    from autograder.grading.submission import grade_upload

    out = root / "results" / "results.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    try:
        report = grade_upload(root / "submission", isolation="auto", student="submission")
    except Exception as err:  # the grader's own failure: still a results.json, and why
        report = failed_report("submission", "crashed", f"the grader failed: {err}", "none")
    data = results(report, visibility)
    out.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    return data


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", default="/autograder", help="Gradescope's folder")
    parser.add_argument("--visibility", choices=VISIBILITIES, default=DEFAULT_VISIBILITY,
                        help="of each exercise's detail (the total is always visible)")  # fmt: skip
    args = parser.parse_args(argv)
    root = Path(args.root)
    if not (root / "submission").is_dir():
        print(f"no submission folder in {root}", file=sys.stderr)
        return 2
    data = run(root, args.visibility)
    print(data["output"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
