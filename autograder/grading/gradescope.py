"""Grade one Gradescope submission: what the autograder zip's ``run_autograder`` runs.

Gradescope unpacks the student's upload in ``ROOT/submission`` and reads
``ROOT/results/results.json`` (``ROOT`` is ``/autograder``; tests use another). The
exercise modules may be at the top of the upload or in a folder of it (a zipped
folder), or be the course's notebooks (converted to modules first): the folder holding
the most topic modules is graded, always with
``--isolation auto`` (the strongest level the container allows; the report names it).
Whatever happens, a valid results.json is written.

    python -B -m autograder.grading.gradescope --root /autograder --visibility after_published
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from autograder.grading.engine import SubmissionReport
from deepgrade.catalog import TOPICS

# Gradescope's visibility values (its autograder specification)
VISIBILITIES = ("visible", "hidden", "after_due_date", "after_published")
DEFAULT_VISIBILITY = "after_published"  # per-exercise detail once grades are published
SKIPPED = ("__MACOSX", "__pycache__")


def find_modules(submission: Path) -> Path | None:
    """The folder of the upload that holds the most topic modules (the shallowest on a
    tie), or None when there is none."""
    best: tuple[int, int, str] | None = None
    found = None
    for folder in [submission, *sorted(p for p in submission.rglob("*") if p.is_dir())]:
        parts = folder.relative_to(submission).parts
        if any(part.startswith(".") or part in SKIPPED for part in parts):
            continue
        count = sum((folder / f"{topic}.py").is_file() for topic in TOPICS)
        key = (-count, len(parts), str(folder))
        if count and (best is None or key < best):
            best, found = key, folder
    return found


def modules_folder(submission: Path, scratch: Path) -> tuple[Path, list[str]]:
    """The folder to grade and notes for the student (what was found, or not).

    The course's notebooks (``convolution.ipynb``...) are converted to their topic modules
    in ``scratch``: a notebook is what the student edited, so it wins over a ``.py`` file
    of the same topic (jupytext's paired copy may be stale); topics without a notebook
    are taken from the upload's modules. An upload without notebooks is graded in place.
    """
    from deepgrade.notebooks import NotebookError, notebook_to_folder

    folder = find_modules(submission)
    converted, notes = [], []
    for notebook in sorted(submission.rglob("*.ipynb")):
        parts = notebook.relative_to(submission).parts
        if any(part.startswith(".") or part in SKIPPED for part in parts):
            continue
        try:
            converted.append(notebook_to_folder(notebook, scratch).stem)
        except NotebookError as err:
            notes.append(f"{notebook.relative_to(submission)} was not graded: {err}")
    if converted:
        for topic in TOPICS:
            module = folder / f"{topic}.py" if folder is not None else None
            if topic not in converted and module is not None and module.is_file():
                shutil.copyfile(module, scratch / module.name)
        return scratch, [*notes, f"graded the notebook(s) of {', '.join(converted)}"]
    if folder is not None:
        where = folder.relative_to(submission)
        return folder, notes + ([] if folder == submission else [f"graded the modules in {where}/"])
    names = ", ".join(f"{topic}.py" for topic in TOPICS)
    return submission, [*notes, f"found none of the exercise modules ({names}) in the upload"]


def results(report: SubmissionReport, visibility: str) -> dict:
    """results.json: the total always visible, each exercise's detail at ``visibility``."""
    from autograder.grading.reports import gradescope

    data = gradescope(report)
    for test in data["tests"]:
        test["visibility"] = visibility
    return data


def run(root: Path, visibility: str = DEFAULT_VISIBILITY) -> dict:
    """Grade ``root/submission`` into ``root/results/results.json``; return what was written."""
    from autograder.grading.engine import grade
    from autograder.grading.jobs import failed_report

    out = root / "results" / "results.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="deepgrade-notebooks-") as scratch:
        try:
            folder, notes = modules_folder(root / "submission", Path(scratch))
            report = grade(folder, isolation="auto", student="submission")
        except Exception as err:  # the grader's own failure: still a results.json, and why
            notes = []
            report = failed_report("submission", "crashed", f"the grader failed: {err}", "none")
    report.notes[:0] = notes
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
