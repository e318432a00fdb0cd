"""The ``deepgrade`` command (also ``python -m autograder``)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from rich.console import Console

from autograder.catalog import EXERCISES, TOPICS, TOTAL_POINTS


def _check(args: argparse.Namespace, console: Console) -> int:
    from autograder.check import CheckError, render, run_public_tests, score

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
    from autograder.check import CheckError, render, run_public_tests, score

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
        got = sum(r.score for r in results)
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


def points_markdown() -> str:
    """The points table as Markdown (the README's copy is checked against this)."""
    rows = ["| exercise | function | topic | points |", "| --- | --- | --- | ---: |"]
    for e in EXERCISES:
        rows.append(f"| {e.number} | `{e.name}` | {TOPICS[e.module]} | {e.points} |")
    rows.append(f"| | **total** | | **{TOTAL_POINTS}** |")
    return "\n".join(rows)


def _points(args: argparse.Namespace, console: Console) -> int:
    print(points_markdown())
    return 0


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

    points = sub.add_parser("points", help="print the points table as Markdown")
    points.set_defaults(run=_points)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.run(args, Console())


if __name__ == "__main__":
    sys.exit(main())
