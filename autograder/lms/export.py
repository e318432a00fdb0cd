"""``deepgrade export OUTPUT_DIR --to canvas|moodle``: the command (see :mod:`autograder.lms`)."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console

from autograder.lms import TARGETS
from autograder.lms.batch import BatchError, read_batch
from autograder.lms.roster import RosterError, read_roster
from autograder.lms.target import MISSING, ExportError
from deepgrade.cli import fail

DEFAULT_ITEM = "Deep learning exercises"


def arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "output_dir",
        metavar="OUTPUT_DIR",
        help="a batch graded by `deepgrade grade-batch` (its --output-dir)",
    )
    parser.add_argument(
        "--to",
        required=True,
        choices=TARGETS,
        help="; ".join(f"{t.name}: {t.help}" for t in TARGETS.values()),
    )
    parser.add_argument(
        "--roster",
        required=True,
        metavar="CSV",
        help="who handed in which submission folder: columns submission and "
        "any of login, sis_id, email",
    )
    parser.add_argument(
        "--output", metavar="FILE", help="the file to write (default: OUTPUT_DIR/<lms>_import.csv)"
    )
    parser.add_argument(
        "--item",
        default=DEFAULT_ITEM,
        help=f"the grade item's name in the LMS (default: {DEFAULT_ITEM!r})",
    )
    parser.add_argument(
        "--per-exercise",
        action="store_true",
        help="one item per exercise ('ITEM 1.1 conv2d'...) instead of the total",
    )
    parser.add_argument(
        "--missing",
        choices=MISSING,
        default="zero",
        help="a rostered student with no submission: an explicit 0 (default) or a blank cell",
    )
    for target in TARGETS.values():
        target.add_arguments(parser)


def command(args: argparse.Namespace, console: Console) -> int:
    target = TARGETS[args.to]
    folder = Path(args.output_dir)
    out = Path(args.output) if args.output else folder / target.default_file
    try:
        batch = read_batch(folder)
        roster = read_roster(Path(args.roster))
        export = target.write(batch, roster, args, out)
    except (BatchError, RosterError, ExportError, OSError) as err:
        return fail(console, f"export: {err}")
    print_ = lambda text, **kw: console.print(text, markup=False, soft_wrap=True, **kw)  # noqa: E731
    print_(
        f"wrote {export.written} student(s) of {len(roster)} in the roster "
        f"({len(batch.grades)} graded submission(s)) to {out} for {target.name}"
    )
    if export.no_submission:
        value = "0" if args.missing == "zero" else "a blank"
        print_(f"no submission, given {value}: {', '.join(export.no_submission)}")
    for why, who in export.unmatched.items():
        print_(f"{why}: {', '.join(who)}", style="yellow")
    needs = batch.needs_a_human()
    if needs:
        print_(f"graded but not completed, check by hand: {', '.join(needs)}", style="yellow")
    for note in export.notes:
        print_(note)
    return 0
