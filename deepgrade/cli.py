"""The ``deepgrade`` command of the student kit: ``check``, ``train``, ``points``.

Commands are a registry (:class:`Command`); :func:`main` builds the parser from the
commands it is given. A student release installs this module's :func:`main` as
``deepgrade``; the instructors' repository installs ``autograder.cli.main``, which adds
its own commands (grade, release, builders...) to the same registry.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rich.console import Console

from deepgrade.catalog import (
    CAPSTONE_POINTS,
    CAPSTONE_TOPICS,
    CAPSTONES,
    EXERCISES,
    TOPICS,
    TOTAL_POINTS,
)
from deepgrade.extras import explain


@dataclass(frozen=True)
class Command:
    """One subcommand: its name, its help line, its arguments and what runs it."""

    name: str
    help: str
    arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace, Console], int]


def fail(console: Console, message: str) -> int:
    """The command itself could not run: one line, exit code 2."""
    console.print(f"deepgrade: {message}", style="red", markup=False, soft_wrap=True)
    return 2


# ------------------------------------------------------------------------- check


def _check_arguments(parser: argparse.ArgumentParser) -> None:
    from deepgrade.paths import available_packages

    packages = " or ".join(f"'{name}'" for name in available_packages())
    parser.add_argument(
        "targets",
        nargs="*",
        metavar="TARGET",
        help=f"what to check: {packages} (the default is 'exercises'), a folder holding "
        "your exercise modules or notebooks, or a notebook (NAME.ipynb: its exercises only); "
        "and any exercises to check alone, by name or number (conv2d relu 1.4)",
    )
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="list every failing test (of those exercises)"
    )


def _check(args: argparse.Namespace, console: Console) -> int:
    import tempfile

    from deepgrade.check import CheckError, PublicTests, numpy_mismatch, render, targets
    from deepgrade.paths import PUBLIC_TESTS, is_notebook_work

    try:
        args.impl, chosen = targets(args.targets)
        with tempfile.TemporaryDirectory(prefix="deepgrade-notebook-") as tmp:
            impl, topics, tests = args.impl, None, PUBLIC_TESTS
            if is_notebook_work(impl):  # their functions, as the grader gets them: modules
                from deepgrade.notebooks import NotebookError, notebooks_to_folder

                try:
                    folder, topics = notebooks_to_folder(impl, tmp)
                except NotebookError as err:
                    raise CheckError(str(err)) from None
                impl = str(folder)
                if len(topics) == 1:  # one notebook: its own tests only
                    tests = PUBLIC_TESTS / f"test_{topics[0]}.py"
            with PublicTests(impl, tests, exercises=chosen) as run:
                # while the tests run: what needs numpy and the submission's source
                from deepgrade.dependencies import exercise_calls
                from deepgrade.scoring import score

                mismatch = numpy_mismatch()
                if mismatch:
                    console.print(f"deepgrade check: warning: {mismatch}", style="yellow",
                                  markup=False, soft_wrap=True)  # fmt: skip
                calls = exercise_calls(run.implementation.origin)
                results = score(run.records(), calls)
            if topics is not None:
                results = [r for r in results if r.exercise.module in topics]
    except CheckError as err:
        console.print(f"deepgrade check: {err}", style="red", markup=False, soft_wrap=True)
        return 2
    if chosen:
        results = [r for r in results if r.exercise.name in chosen]
    render(results, f"Public tests against '{args.impl}'", console)
    if args.verbose:
        for r in results:
            if r.failures:  # the exercise's headline first, then each failing test
                console.print(f"{r.exercise.label}: {r.headline}", markup=False,
                              highlight=False, soft_wrap=True)  # fmt: skip
            for failure in r.failures:
                console.print("FAILED", style="red", end=" ")
                console.print(failure, markup=False, highlight=False, soft_wrap=True)
    # like pytest: 0 only when every public test passes, so scripts and CI can rely on it
    return 0 if all(r.passed == r.total for r in results) else 1


# ------------------------------------------------------------------------- train


def _train_arguments(parser: argparse.ArgumentParser) -> None:
    from deepgrade.capstones.train import add_train_arguments

    add_train_arguments(parser)


def _train(args: argparse.Namespace, console: Console) -> int:
    from deepgrade.capstones.train import main_train

    return main_train(args)


# ------------------------------------------------------------------------- points


def points_markdown() -> str:
    """The points tables as Markdown (the docs and the student README show them)."""
    rows = ["| exercise | function | topic | points |", "| --- | --- | --- | ---: |"]
    for e in EXERCISES:
        rows.append(f"| {e.number} | `{e.name}` | {TOPICS[e.module]} | {e.points} |")
    rows.append(f"| | **total** | | **{TOTAL_POINTS}** |")
    rows += [
        "",
        "Capstones (Keras; graded apart, by retraining your model; try it with `deepgrade train`):",
        "",
    ]
    rows += ["| capstone | function | topic | points |", "| --- | --- | --- | ---: |"]
    for e in CAPSTONES:
        rows.append(f"| {e.number} | `{e.name}` | {CAPSTONE_TOPICS[e.module]} | {e.points} |")
    rows.append(f"| | **total** | | **{CAPSTONE_POINTS}** |")
    return "\n".join(rows)


def _points(args: argparse.Namespace, console: Console) -> int:
    print(points_markdown())
    return 0


KIT_COMMANDS: tuple[Command, ...] = (
    Command("check", "run the public tests on your exercises, as a points table", _check_arguments,
            _check),
    Command("train", "train a capstone locally and save plots of what it learned",
            _train_arguments, _train),
    Command("points", "print the points tables as Markdown", lambda parser: None, _points),
)  # fmt: skip


def build_parser(
    commands: Sequence[Command] = KIT_COMMANDS, chosen: str | None = None
) -> argparse.ArgumentParser:
    """The parser of ``commands``; with ``chosen``, only that command's arguments are added
    (another's may import much: train's imports the capstones, a tenth of a check)."""
    parser = argparse.ArgumentParser(
        prog="deepgrade",
        description="Autograded deep-learning exercises: "
        + ", ".join(command.name for command in commands),
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in commands:
        child = sub.add_parser(command.name, help=command.help)
        if chosen in (None, command.name):
            command.arguments(child)
        child.set_defaults(run=command.run)
    return parser


def main(argv: Sequence[str] | None = None, commands: Sequence[Command] = KIT_COMMANDS) -> int:
    console = Console()
    args = None
    try:
        words = list(sys.argv[1:] if argv is None else argv)
        named = {command.name for command in commands}
        chosen = words[0] if words and words[0] in named else None
        args = build_parser(commands, chosen).parse_args(words)
        return args.run(args, console)
    except ModuleNotFoundError as err:  # an optional extra: one line, never a traceback
        line = explain(err, f"deepgrade {args.command}" if args else "deepgrade")
        if line is None:
            raise
        console.print(line, style="red", markup=False, soft_wrap=True)
        return 2


if __name__ == "__main__":
    sys.exit(main())
