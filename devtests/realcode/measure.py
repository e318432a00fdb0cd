"""Grade real students' code from public course repositories, through the worker.

    python -m devtests.realcode.measure [--mirror DIR] [--repos devtests/realcode/repos.txt]

Each line of the repos file is ``<course> <owner>/<name>`` and, optionally, the paths of the
student's files in the repository (comma-separated) for a course that locates them. The
repositories are read from local git mirrors outside this repository
(``<mirror>/<owner>+<name>/repo``: a bare git directory or a clone holding ``.git``, as
``git clone --mirror`` or the project's fetch tool leaves them); their code is never copied
into this repository. For each repository the student's course files are wrapped by
:mod:`devtests.realcode.adapters`, graded with the public and hidden suites through the
worker, and what a student reads is kept: per adapted exercise, the score, the checks lost
beyond those the course's own correct implementation loses (the checks outside the course's
contract), and the first line of the Gradescope output (the headline). The result (JSON) is
what a person then judges check by check, reading the student's code.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from autograder.grading.engine import grade
from autograder.grading.reports import gradescope
from autograder.paths import HIDDEN_SUITES, PUBLIC_TESTS
from deepgrade.catalog import BY_NAME
from devtests.realcode.adapters import Course, adapted, build
from devtests.realcode.courses import COURSES

HERE = Path(__file__).resolve().parent


def student_files(course: Course, git_dir: Path, paths: tuple[str, ...] = ()) -> dict[str, str]:
    """The course files of a repository's newest commit (the first candidate path found, or
    what the course's own ``locate`` finds there)."""
    if course.locate is not None:
        return course.locate(git_dir, paths)
    files = {}
    for name, candidates in course.files.items():
        for path in candidates:
            shown = subprocess.run(
                ["git", "--git-dir", str(git_dir), "show", f"HEAD:{path}"],
                capture_output=True,
                text=True,
            )
            if shown.returncode == 0:
                files[name] = shown.stdout
                break
    return files


def lost_checks(report, exercises: list[str]) -> dict[str, list[str]]:
    return {
        name: sorted(
            t["nodeid"] for t in report.tests if t["exercise"] == name and t["outcome"] != "passed"
        )
        for name in exercises
    }


def graded(course: Course, files: dict[str, str], folder: Path) -> dict:
    """What a student of this course with these files reads, per adapted exercise."""
    exercises = adapted(course, files)
    topics = sorted({BY_NAME[name].module for name in exercises})
    suites = [
        p
        for t in topics
        for p in (PUBLIC_TESTS / f"test_{t}.py", HIDDEN_SUITES / f"test_{t}_hidden.py")
    ]
    report = grade(build(course, files, folder), suites=suites, isolation="process")
    rows = {BY_NAME[name].label: name for name in exercises}
    view = {rows[t["name"]]: t for t in gradescope(report)["tests"] if t["name"] in rows}
    lost = lost_checks(report, exercises)
    return {
        name: {
            "score": view[name]["score"],
            "max_score": view[name]["max_score"],
            "lost": lost[name],
            "messages": [
                t["message"][:300]
                for t in report.tests
                if t["exercise"] == name and t["outcome"] != "passed"
            ],
            "headline": (view[name]["output"].splitlines() + ["", ""])[1],
            "output": view[name]["output"],
        }
        for name in exercises
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mirror", type=Path, default=Path("/work/.mirror"))
    parser.add_argument("--repos", type=Path, default=HERE / "repos.txt")
    parser.add_argument("--output", type=Path, default=Path("realcode-results.json"))
    args = parser.parse_args(argv)
    results: dict = {}
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        baselines = {}
        for name, course in COURSES.items():  # the course's own correct student
            baselines[name] = graded(course, course.reference, root / f"reference-{name}")
            for exercise, row in baselines[name].items():
                print(f"{name} reference {exercise}: {row['score']}/{row['max_score']}")
                # the adapter is exact: its own correct student loses only what the course's
                # API cannot express
                assert all("outside the course's API" in m for m in row["messages"]), row

        for line in args.repos.read_text().splitlines():
            if not line.strip() or line.startswith("#"):
                continue
            course_name, repo, *pinned = line.split(maxsplit=2)
            course = COURSES[course_name]
            git_dir = args.mirror / repo.replace("/", "+") / "repo"
            if (git_dir / ".git").is_dir():  # a clone with a work tree, not a bare mirror
                git_dir = git_dir / ".git"
            paths = tuple(p.strip() for p in pinned[0].split(",")) if pinned else ()
            files = student_files(course, git_dir, paths)
            if not files:
                print(f"{repo}: no course files (not mirrored?)", file=sys.stderr)
                continue
            rows = graded(course, files, root / repo.replace("/", "+"))
            for exercise, row in rows.items():
                outside = set(baselines[course_name][exercise]["lost"])
                row["lost"] = [c for c in row["lost"] if c not in outside]
                flag = "full" if not row["lost"] else f"lost {len(row['lost'])}"
                print(f"{repo} {exercise}: {flag}; {row['headline'][:150]}")
            results[repo] = {"course": course_name, "exercises": rows}
    args.output.write_text(json.dumps({"baselines": baselines, "results": results}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
