"""Grade one Classroom 50 submission: what the bundle's ``autograder.py`` runs.

The student's checkout is graded at ``--isolation auto`` (the strongest level the Actions
runner allows; the Release says which), and ``result.json`` (the ``classroom50/result/v1``
contract, see :mod:`autograder.routes.classroom50`) and ``release-body.md`` (the student's
feedback) are written into it. Whatever the checkout holds, a valid ``result.json`` is
written; only a missing runner variable (this was not started by Classroom 50's runner)
ends without one.

    python -B -m autograder.routes.classroom50.run --checkout STUDENT_CHECKOUT
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from autograder.grading.engine import SubmissionReport

SCHEMA = "classroom50/result/v1"
RESULT, RELEASE_BODY = "result.json", "release-body.md"
REQUIRED = ("CLASSROOM", "ASSIGNMENT", "SUBMISSION_TAG", "COMMIT_URL", "RELEASE_URL")


class MissingVariables(RuntimeError):
    """The runner's environment variables are not all there."""


@dataclass(frozen=True)
class Submission:
    """Who and what is graded, as the runner's environment names it."""

    classroom: str
    assignment: str
    tag: str
    commit: str
    release: str
    review: str
    owner: str

    @classmethod
    def from_environment(cls, env: Mapping[str, str]) -> Submission:
        missing = [name for name in REQUIRED if not env.get(name, "").strip()]
        if missing:
            raise MissingVariables(
                f"{', '.join(missing)} not set: run by Classroom 50's runner, which sets them"
            )
        get = lambda name: env[name].strip()  # noqa: E731
        return cls(
            classroom=get("CLASSROOM"),
            assignment=get("ASSIGNMENT"),
            tag=get("SUBMISSION_TAG"),
            commit=get("COMMIT_URL"),
            release=get("RELEASE_URL"),
            review=env.get("REVIEW_URL", "").strip() or get("COMMIT_URL"),
            owner=env.get("OWNER", "").strip() or env.get("USERNAME", "").strip(),
        )


def whole_points(rows: Sequence[dict]) -> list[int]:
    """Each exercise's points as a whole number, for Classroom 50's integer contract.

    Each is its exact points rounded down or up (never by a whole point or more), the
    largest remainders rounded up first, so that they add up to the exact total rounded
    to the nearest point; an exercise that failed a check never shows full marks.
    """
    exact = [float(row["score"]) for row in rows]
    whole = [math.floor(x + 1e-9) for x in exact]
    target = math.floor(sum(exact) + 0.5 + 1e-9)
    for i in sorted(range(len(rows)), key=lambda i: whole[i] - exact[i]):
        full = whole[i] + 1 >= rows[i]["max_score"] and exact[i] < rows[i]["max_score"]
        if sum(whole) < target and exact[i] - whole[i] > 1e-9 and not full:
            whole[i] += 1
    return whole


def result(report: SubmissionReport, submission: Submission, now: datetime.datetime) -> dict:
    """result.json: one test per exercise, with its feedback and exact points as extras."""
    from autograder.grading.reports import gradescope

    feedback = {test["number"]: test["output"] for test in gradescope(report)["tests"]}
    tests = [
        {
            "test-name": row["label"],
            "passed": row["score"] >= row["max_score"],
            "score": points,
            "max-score": row["max_score"],
            "points": row["score"],
            "feedback": feedback[row["number"]],
        }
        for row, points in zip(report.exercises, whole_points(report.exercises), strict=True)
    ]
    return {
        "schema": SCHEMA,
        "classroom": submission.classroom,
        "assignment": submission.assignment,
        "submission": submission.tag,
        "commit": submission.commit,
        "release": submission.release,
        "review": submission.review,
        "datetime": now.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "score": sum(t["score"] for t in tests),
        "max-score": sum(t["max-score"] for t in tests),
        "tests": tests,
    }


def _fenced(text: str) -> str:
    """``text`` as a Markdown code block no line of it can close (it quotes student code)."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}text\n{text}\n{fence}"


def release_body(report: SubmissionReport, data: dict) -> str:
    """The Release's text: the points, the table, each exercise's feedback."""
    from autograder.grading.reports import summary

    lines = [
        f"### deepgrade: {report.score:g}/{report.max_score} points "
        f"({data['score']}/{data['max-score']} in Classroom 50's whole points)",
        "",
        _fenced(summary(report)),
        "",
        "| exercise | checks | points |",
        "|---|---|---|",
    ]
    for row in report.exercises:
        lines.append(
            f"| {row['label']} | {row['passed']}/{row['total']} | "
            f"{row['score']:g}/{row['max_score']} |"
        )
    lines.append("")
    for test in data["tests"]:
        if not test["passed"]:
            lines += [
                f"<details><summary>{test['test-name']}: {test['points']:g}/{test['max-score']}"
                "</summary>",
                "",
                _fenced(test["feedback"]),
                "",
                "</details>",
                "",
            ]
    return "\n".join(lines)


def _clear(path: Path) -> None:
    """Remove whatever the checkout holds at ``path`` (a file, a link, a folder the
    student committed): it is never read, nor written through."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif os.path.lexists(path):
        path.unlink()


def _write(path: Path, text: str) -> None:
    _clear(path)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    with os.fdopen(os.open(path, flags, 0o644), "w", encoding="utf-8") as f:
        f.write(text)


def grade_checkout(checkout: Path, submission: Submission) -> tuple[dict, str]:
    """Grade ``checkout``; result.json's data and release-body.md's text.

    The checkout is read as any upload is (:func:`~autograder.grading.submission.grade_upload`:
    no link followed, per topic the file the student edited, named in the report).
    """
    from autograder.grading.jobs import failed_report
    from autograder.grading.submission import grade_upload

    student = submission.owner or "submission"
    try:
        report = grade_upload(checkout, isolation="auto", student=student)
    except Exception as err:  # the grader's own failure: still a result, and why
        report = failed_report(student, "crashed", f"the grader failed: {err}", "none")
    data = result(report, submission, datetime.datetime.now(datetime.UTC))
    return data, release_body(report, data)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--checkout", default=".", help="the student's checkout (default: .)")
    args = parser.parse_args(argv)
    checkout = Path(args.checkout).resolve()
    try:
        submission = Submission.from_environment(os.environ)
    except MissingVariables as err:
        print(f"deepgrade: {err}", file=sys.stderr)
        return 2
    for name in (RESULT, RELEASE_BODY):  # a stale or committed one is never taken for ours
        _clear(checkout / name)
    os.chdir(tempfile.gettempdir())  # nothing of the grading happens in the checkout
    data, body = grade_checkout(checkout, submission)
    _write(checkout / RESULT, json.dumps(data, indent=2) + "\n")
    _write(checkout / RELEASE_BODY, body)
    # every line starts with "deepgrade:", so no text from the checkout can start a line
    # that Actions reads as a workflow command (::error::, ::add-mask::...)
    print(
        f"deepgrade: {data['score']}/{data['max-score']} (whole points) written to "
        f"{checkout / RESULT} and {checkout / RELEASE_BODY}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
