"""The ``deepgrade`` command (also ``python -m autograder``)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from rich.console import Console

from autograder.catalog import (
    CAPSTONE_POINTS,
    CAPSTONE_TOPICS,
    CAPSTONES,
    EXERCISES,
    TOPICS,
    TOTAL_POINTS,
)


def _check(args: argparse.Namespace, console: Console) -> int:
    from autograder.check import CheckError, render, run_public_tests
    from autograder.scoring import score

    try:
        results = score(run_public_tests(args.impl))
    except CheckError as err:
        console.print(f"deepgrade check: {err}", style="red", markup=False, soft_wrap=True)
        return 2
    render(results, f"Public tests against '{args.impl}'", console)
    if args.verbose:
        for r in results:
            for failure in r.failures:
                console.print("FAILED", style="red", end=" ")
                console.print(failure, markup=False, highlight=False, soft_wrap=True)
    # like pytest: 0 only when every public test passes, so scripts and CI can rely on it
    return 0 if all(r.passed == r.total for r in results) else 1


def _demo(args: argparse.Namespace, console: Console) -> int:
    """The quickstart's main job: the reference solutions and the blank stubs, side by side."""
    from autograder.check import CheckError, render, run_public_tests
    from autograder.scoring import score, total

    as_expected = True
    for impl, expectation, full in (
        ("solutions", "the reference solutions: every exercise passes", True),
        ("exercises", "the blank stubs: every exercise fails with NotImplementedError", False),
    ):
        console.rule(expectation)
        try:
            results = score(run_public_tests(impl))
        except CheckError as err:
            console.print(f"deepgrade demo: {err}", style="red", markup=False, soft_wrap=True)
            return 2
        render(results, f"Public tests against '{impl}'", console)
        got = total(results)
        if got != (TOTAL_POINTS if full else 0):
            console.print(f"unexpected: '{impl}' scored {got:g}, not as described", style="red")
            as_expected = False
    return 0 if as_expected else 1


def _build_exercises(args: argparse.Namespace, console: Console) -> int:
    from autograder.builders import stubs

    try:
        if args.check:
            changed = stubs.drift()
            if changed:
                console.print(
                    "exercises/ differs from what solutions/ generates: "
                    + ", ".join(changed)
                    + "\nrun `deepgrade build-exercises` (never edit exercises/ by hand)"
                )
                return 1
            console.print("exercises/ is up to date with solutions/")
            return 0
        changed = stubs.write()
    except stubs.BuildError as err:
        console.print(f"deepgrade build-exercises: {err}", markup=False)
        return 2
    console.print(f"wrote {len(changed)} file(s) in exercises/: {', '.join(changed) or 'none'}")
    return 0


def _limits(args: argparse.Namespace):
    from autograder.grading.engine import Limits

    return Limits(
        call_seconds=args.call_timeout, total_seconds=args.total_timeout, memory_mb=args.memory_mb
    )


def _fail(console: Console, message: str) -> int:
    """The grader itself could not run: one line, exit code 2."""
    console.print(f"deepgrade: {message}", style="red", markup=False, soft_wrap=True)
    return 2


def _grade(args: argparse.Namespace, console: Console) -> int:
    from autograder.grading import reports
    from autograder.grading.engine import grade
    from autograder.implementation import SubmissionError
    from autograder.worker.sandbox import IsolationUnavailable

    fmt = args.format or ("table" if sys.stdout.isatty() and not args.output else "gradescope")
    if fmt == "table" and args.output:
        return _fail(console, "--format table prints to the terminal; pick another with --output")
    try:
        report = grade(
            args.path,
            mode="in-process" if args.in_process else "worker",
            isolation=args.isolation,
            limits=_limits(args),
            student=args.student,
        )
    except (SubmissionError, IsolationUnavailable, ValueError) as err:
        return _fail(console, str(err))
    if fmt == "table":
        reports.table(report, console)
        return 0
    text = reports.render(report, fmt)
    if args.output:
        try:
            Path(args.output).write_text(text, encoding="utf-8")
        except OSError as err:
            return _fail(console, f"cannot write {args.output}: {err}")
    else:
        sys.stdout.write(text)
    return 0


def _grade_batch(args: argparse.Namespace, console: Console) -> int:
    from autograder.grading.batch import grade_batch
    from autograder.worker import sandbox

    root = Path(args.root)
    if not root.is_dir():
        return _fail(console, f"{args.root} is not a folder of submission folders")
    try:
        sandbox.resolve(args.isolation)  # an impossible explicit level stops here, once
    except (sandbox.IsolationUnavailable, ValueError) as err:
        return _fail(console, str(err))
    outcomes = grade_batch(
        root,
        Path(args.output_dir),
        workers=args.workers,
        isolation=args.isolation,
        limits=_limits(args),
        force=args.force,
        console=Console(stderr=True),
    )
    skipped = sum(o.skipped for o in outcomes)
    statuses: dict[str, int] = {}
    for o in outcomes:
        statuses[o.report.status] = statuses.get(o.report.status, 0) + 1
    counts = ", ".join(f"{n} {status}" for status, n in sorted(statuses.items()))
    console.print(
        f"{len(outcomes)} submission(s): {counts}; {skipped} unchanged (not re-graded); "
        f"gradebook: {Path(args.output_dir) / 'gradebook.csv'}",
        markup=False,
        soft_wrap=True,
    )
    return 0


def points_markdown() -> str:
    """The points tables as Markdown (the README's copy is checked against this)."""
    rows = ["| exercise | function | topic | points |", "| --- | --- | --- | ---: |"]
    for e in EXERCISES:
        rows.append(f"| {e.number} | `{e.name}` | {TOPICS[e.module]} | {e.points} |")
    rows.append(f"| | **total** | | **{TOTAL_POINTS}** |")
    rows += ["", "Capstones (Keras; graded by `deepgrade grade-capstones`):", ""]
    rows += ["| capstone | function | topic | points |", "| --- | --- | --- | ---: |"]
    for e in CAPSTONES:
        rows.append(f"| {e.number} | `{e.name}` | {CAPSTONE_TOPICS[e.module]} | {e.points} |")
    rows.append(f"| | **total** | | **{CAPSTONE_POINTS}** |")
    return "\n".join(rows)


def _points(args: argparse.Namespace, console: Console) -> int:
    print(points_markdown())
    return 0


def _positive(kind: type):
    """An argparse type: a finite number above 0 (a limit of 0, -1 or nan grades nothing)."""

    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if not 0 < value < float("inf"):
            raise argparse.ArgumentTypeError(f"must be a number above 0, got {text!r}")
        return value

    return parse


def _add_limits(parser: argparse.ArgumentParser, default_isolation: str) -> None:
    from autograder.grading.engine import Limits

    defaults = Limits()
    parser.add_argument(
        "--isolation",
        choices=("process", "bwrap", "auto"),
        default=default_isolation,
        help="process: a plain child process; bwrap: a bubblewrap sandbox that cannot read "
        f"other files or the network; auto: bwrap where available (default: {default_isolation})",
    )
    parser.add_argument(
        "--call-timeout",
        type=_positive(float),
        default=defaults.call_seconds,
        help="seconds per call",
    )
    parser.add_argument(
        "--total-timeout",
        type=_positive(float),
        default=defaults.total_seconds,
        help="seconds for the whole submission",
    )
    parser.add_argument(
        "--memory-mb",
        type=_positive(int),
        default=defaults.memory_mb,
        help="memory limit of the worker",
    )


def _capstone_command(parser: argparse.ArgumentParser, module: str, add: str, run: str) -> None:
    """Arguments and runner from autograder.capstones.<module>, imported when used: the
    capstones need TensorFlow, which the numpy commands never import."""
    import importlib

    capstone = importlib.import_module(f"autograder.capstones.{module}")
    getattr(capstone, add)(parser)
    parser.set_defaults(run=lambda args, console: getattr(capstone, run)(args))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="deepgrade", description="Autograded deep-learning exercises: check, grade, build."
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    check = sub.add_parser(
        "check", help="run the public tests on your exercises, as a points table"
    )
    check.add_argument(
        "impl",
        nargs="?",
        default="exercises",
        help="'exercises' (default), 'solutions', or a folder holding your exercise modules",
    )
    check.add_argument("-v", "--verbose", action="store_true", help="list every failing test")
    check.set_defaults(run=_check)

    demo = sub.add_parser("demo", help="check the reference solutions and the blank stubs")
    demo.set_defaults(run=_demo)

    build = sub.add_parser("build-exercises", help="generate exercises/ from solutions/")
    build.add_argument("--check", action="store_true", help="only report drift; exit 1 if any")
    build.set_defaults(run=_build_exercises)

    grade = sub.add_parser(
        "grade", help="grade one submission folder (student code runs in a worker)"
    )
    grade.add_argument("path", help="a folder holding the student's copies of the exercise modules")
    grade.add_argument(
        "--format",
        choices=("table", "gradescope", "junit", "json"),
        help="default: table on a terminal, gradescope otherwise",
    )
    grade.add_argument("--output", help="write the report here instead of standard output")
    grade.add_argument("--student", help="the name in reports (default: the folder's name)")
    grade.add_argument(
        "--in-process",
        action="store_true",
        help="debug mode: import the submission into this process (no limits, no isolation)",
    )
    _add_limits(grade, default_isolation="process")
    grade.set_defaults(run=_grade)

    batch = sub.add_parser("grade-batch", help="grade every submission folder under ROOT")
    batch.add_argument("root", help="a folder with one submission folder per student")
    batch.add_argument("--output-dir", required=True, help="where results and gradebook.csv go")
    batch.add_argument("--workers", type=int, default=2, help="submissions graded at once")
    batch.add_argument("--force", action="store_true", help="re-grade unchanged submissions too")
    _add_limits(batch, default_isolation="auto")
    batch.set_defaults(run=_grade_batch)

    capstones = sub.add_parser(
        "grade-capstones",
        help="grade the Keras capstones: the student's model is rebuilt and trained here",
    )
    _capstone_command(capstones, "grade", "add_grade_capstones_arguments", "main_grade_capstones")

    train = sub.add_parser(
        "train", help="train a capstone locally and save plots of what it learned"
    )
    _capstone_command(train, "train_command", "add_train_arguments", "main_train")

    points = sub.add_parser("points", help="print the points table as Markdown")
    points.set_defaults(run=_points)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.run(args, Console())


if __name__ == "__main__":
    sys.exit(main())
