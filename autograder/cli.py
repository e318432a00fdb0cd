"""The instructors' ``deepgrade`` command (also ``python -m autograder``).

The student kit's commands (:data:`deepgrade.cli.KIT_COMMANDS`: check, train, points)
plus the instructor side's: grading, the demo, the builders. Each is a
:class:`~deepgrade.cli.Command` in :data:`INSTRUCTOR_COMMANDS`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console

from autograder.classreport import command as class_report
from deepgrade.cli import KIT_COMMANDS, Command, fail
from deepgrade.cli import main as kit_main

if TYPE_CHECKING:
    from autograder.grading.engine import SubmissionReport

# ------------------------------------------------------------------------- shared options


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


def _add_isolation(parser: argparse.ArgumentParser, default: str) -> None:
    from autograder.worker import sandbox

    parser.add_argument(
        "--isolation",
        choices=sandbox.CHOICES,
        default=default,
        help=f"{sandbox.choices_help()} (default: {default})",
    )


def _add_limits(parser: argparse.ArgumentParser, default_isolation: str) -> None:
    from autograder.grading.engine import Limits

    defaults = Limits()
    _add_isolation(parser, default_isolation)
    parser.add_argument(
        "--call-timeout", type=_positive(float), default=defaults.call_seconds,
        help="seconds per call",
    )  # fmt: skip
    parser.add_argument(
        "--total-timeout", type=_positive(float), default=defaults.total_seconds,
        help="seconds for the whole submission",
    )  # fmt: skip
    parser.add_argument(
        "--memory-mb", type=_positive(int), default=defaults.memory_mb,
        help="memory limit of the worker",
    )  # fmt: skip


def _add_report_options(parser: argparse.ArgumentParser) -> None:
    from autograder.grading.reports import FORMATS

    parser.add_argument(
        "--format", choices=FORMATS, help="default: table on a terminal, gradescope otherwise"
    )
    parser.add_argument("--output", help="write the report here instead of standard output")
    parser.add_argument("--student", help="the name in reports (default: the folder's name)")


def _report_format(args: argparse.Namespace) -> str:
    return args.format or ("table" if sys.stdout.isatty() and not args.output else "gradescope")


def _emit(report, fmt: str, output: str | None, console: Console) -> int:
    """Print or write ``report`` in ``fmt``; 0, or 2 when the file cannot be written."""
    from autograder.grading import reports

    if fmt == "table":
        reports.table(report, console)
        return 0
    text = reports.render(report, fmt)
    if not output:
        sys.stdout.write(text)
        return 0
    try:
        Path(output).write_text(text, encoding="utf-8")
    except OSError as err:
        return fail(console, f"cannot write {output}: {err}")
    done = f"{report.student} ({report.status}, {report.score:g}/{report.max_score})"
    console.print(f"wrote {output}: {fmt} report of {done}", markup=False, soft_wrap=True)
    return 0


def _limits(args: argparse.Namespace):
    from autograder.grading.engine import Limits

    return Limits(
        call_seconds=args.call_timeout, total_seconds=args.total_timeout, memory_mb=args.memory_mb
    )


# ------------------------------------------------------------------------- grade


def _grade_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "path",
        help="the student's upload: a folder of the exercise modules, notebooks, or a whole "
        "release repository (links in it are not followed)",
    )
    _add_report_options(parser)
    parser.add_argument(
        "--in-process",
        action="store_true",
        help="debug mode: import the submission into this process (no limits, no isolation)",
    )
    _add_limits(parser, default_isolation="process")


def _grade_and_emit(
    args: argparse.Namespace, console: Console, make_report: Callable[[], SubmissionReport]
) -> int:
    """Run ``make_report()`` and write its report as asked; a bad submission or host fails."""
    from autograder.worker.errors import IsolationUnavailable
    from deepgrade.implementation import SubmissionError

    fmt = _report_format(args)
    if fmt == "table" and args.output:
        return fail(console, "--format table prints to the terminal; pick another with --output")
    try:
        report = make_report()
    except (SubmissionError, IsolationUnavailable, ValueError) as err:
        return fail(console, str(err))
    return _emit(report, fmt, args.output, console)


def _grade(args: argparse.Namespace, console: Console) -> int:
    from autograder.grading.submission import grade_upload

    return _grade_and_emit(
        args,
        console,
        lambda: grade_upload(
            args.path,
            mode="in-process" if args.in_process else "worker",
            isolation=args.isolation,
            limits=_limits(args),
            student=args.student,
        ),
    )


# ------------------------------------------------------------------------- grade-batch


def _grade_batch_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("root", help="a folder with one submission folder per student")
    parser.add_argument("--output-dir", required=True, help="where results and gradebook.csv go")
    parser.add_argument(
        "--workers", type=_positive(int), default=2, help="submissions graded at once"
    )
    parser.add_argument("--force", action="store_true", help="re-grade unchanged submissions too")
    parser.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="grade on the Dask cluster whose scheduler is at ADDRESS (tcp://host:8786) "
        "instead of --workers processes here (needs the 'cluster' extra)",
    )
    _add_limits(parser, default_isolation="auto")


def _grade_batch(args: argparse.Namespace, console: Console) -> int:
    from autograder.grading.batch import common_failure, grade_batch
    from autograder.grading.cluster import ClusterUnavailable, connect
    from autograder.worker import sandbox
    from autograder.worker.errors import IsolationUnavailable

    # resolved once, here: the grading processes run elsewhere and never see our cwd
    root, output_dir = Path(args.root).resolve(), Path(args.output_dir).resolve()
    if not root.is_dir():
        return fail(console, f"{args.root} is not a folder of submission folders")
    try:  # resolved once here: every student is graded at the same, named level
        level = sandbox.resolve(args.isolation)
        if args.scheduler:
            connect(args.scheduler).close()
    except (IsolationUnavailable, ValueError, ClusterUnavailable) as err:
        return fail(console, str(err))
    outcomes = grade_batch(
        root,
        output_dir,
        workers=args.workers,
        isolation=level,
        limits=_limits(args),
        force=args.force,
        console=Console(stderr=True),
        scheduler=args.scheduler,
    )
    skipped = sum(o.skipped for o in outcomes)
    statuses: dict[str, int] = {}
    for o in outcomes:
        statuses[o.report.status] = statuses.get(o.report.status, 0) + 1
    counts = ", ".join(f"{n} {status}" for status, n in sorted(statuses.items()))
    gradebook = output_dir / "gradebook.csv"
    console.print(
        f"{len(outcomes)} submission(s) graded at isolation {level}: {counts}; "
        f"{skipped} unchanged (not re-graded); gradebook: {gradebook}",
        markup=False,
        soft_wrap=True,
    )
    problem = common_failure([o.report for o in outcomes])
    if problem:  # never mistaken for grades: loud, and a failing exit code
        Console(stderr=True).print(
            f"deepgrade grade-batch: {problem}", style="bold red", markup=False, soft_wrap=True
        )
        return 1
    return 0


# ------------------------------------------------------------------------- grade-capstones


def _grade_capstones_arguments(parser: argparse.ArgumentParser) -> None:
    from autograder.capstones.context import CapstoneLimits
    from deepgrade.catalog import CAPSTONE_TOPICS

    parser.add_argument("path", help="a folder holding the student's capstone_*.py modules")
    parser.add_argument(
        "--capstone",
        action="append",
        help="grade only this capstone ("
        + ", ".join(n.removeprefix("capstone_") for n in CAPSTONE_TOPICS)
        + "); repeatable",
    )
    _add_report_options(parser)
    parser.add_argument("--seed", type=int, default=0, help="training seed (default 0)")
    parser.add_argument("--epochs-cap", type=int, help="cap every recipe's epochs (quick runs)")
    parser.add_argument("--job-seconds", type=float, help="wall time per training job")
    parser.add_argument(
        "--job-memory-mb",
        type=int,
        default=CapstoneLimits.job_memory_mb,
        help="resident memory per training job",
    )
    _add_isolation(parser, default="process")


def _grade_capstones(args: argparse.Namespace, console: Console) -> int:
    from autograder.capstones.context import CapstoneLimits
    from autograder.capstones.grade import grade_capstones

    limits = CapstoneLimits(
        job_seconds=args.job_seconds, job_memory_mb=args.job_memory_mb, isolation=args.isolation
    )
    return _grade_and_emit(
        args,
        console,
        lambda: (
            grade_capstones(
                args.path,
                capstones=args.capstone,
                seed=args.seed,
                epochs_cap=args.epochs_cap,
                limits=limits,
                student=args.student,
                console=Console(stderr=True),
            ).report
        ),
    )


# ------------------------------------------------------------------------- demo


def _demo_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--output-dir", help="keep the sample class and its results here (default: not kept)"
    )


def _demo(args: argparse.Namespace, console: Console) -> int:
    from autograder import demo

    return demo.run(Path(args.output_dir).resolve() if args.output_dir else None, console)


# ------------------------------------------------------------------------- builders


def _build_exercises_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--check", action="store_true", help="only report drift; exit 1 if any")


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


def _release_arguments(parser: argparse.ArgumentParser) -> None:
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--output", metavar="DIR", help="build the student release into DIR")
    what.add_argument(
        "--check-leaks",
        metavar="DIR",
        help="only run the leak check on an existing release folder (and its wheel and sdist)",
    )
    parser.add_argument(
        "--force", action="store_true", help="replace a non-empty DIR's contents (keeps .git)"
    )


def _release(args: argparse.Namespace, console: Console) -> int:
    from autograder.builders import leaks, release, stubs

    def print_leaks(err: leaks.LeakError) -> int:
        console.print(f"deepgrade release: {err}", style="red", markup=False, soft_wrap=True)
        return 1

    if args.check_leaks:
        folder = Path(args.check_leaks)
        if not (folder / "setup.cfg").is_file():
            return fail(console, f"{folder} is not a student release (it has no setup.cfg)")
        try:
            found = leaks.check_folder(folder) or leaks.check_packages(folder)
        except leaks.PackagingError as err:
            return fail(console, str(err))
        if found:
            return print_leaks(leaks.LeakError(found))
        console.print(f"{folder}: no leaks in the folder, its sdist or its wheel", markup=False)
        return 0
    try:
        built = release.build(Path(args.output), force=args.force, console=Console(stderr=True))
    except leaks.LeakError as err:
        return print_leaks(err)
    except (release.ReleaseError, stubs.BuildError, leaks.PackagingError) as err:
        return fail(console, str(err))
    console.print(f"student release written to {built.root}:", markup=False, soft_wrap=True)
    for note in built.notes:
        console.print(f"  {note}", markup=False, soft_wrap=True)
    return 0


def _build_gradescope_arguments(parser: argparse.ArgumentParser) -> None:
    from autograder.grading.gradescope import DEFAULT_VISIBILITY, VISIBILITIES

    parser.add_argument("--output", default="autograder.zip", help="the zip to write")
    parser.add_argument(
        "--visibility", choices=VISIBILITIES, default=DEFAULT_VISIBILITY,
        help="when students see each exercise's detail (the total is always visible; "
        f"default: {DEFAULT_VISIBILITY}, once grades are published)",
    )  # fmt: skip


def _build_gradescope(args: argparse.Namespace, console: Console) -> int:
    from autograder.builders import gradescope

    try:
        names = gradescope.build(Path(args.output), args.visibility)
    except OSError as err:
        return fail(console, f"cannot write {args.output}: {err}")
    console.print(
        f"wrote {args.output}: setup.sh, run_autograder and {len(names) - 2} project files "
        f"(exercise detail visible: {args.visibility})",
        markup=False,
        soft_wrap=True,
    )
    return 0


def _build_nbgrader_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--course", required=True, help="the nbgrader course directory to write")


def _build_nbgrader(args: argparse.Namespace, console: Console) -> int:
    from autograder.builders import nbgrader, stubs

    try:
        changed = nbgrader.write(Path(args.course), nbgrader.course_files())
    except (stubs.BuildError, OSError) as err:
        return fail(console, f"build-nbgrader: {err}")
    console.print(
        f"wrote {len(changed)} file(s) of the nbgrader course in {args.course}; then, there: "
        "nbgrader generate_assignment exercises",
        markup=False,
        soft_wrap=True,
    )
    return 0


def _build_notebooks_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--output", required=True, help="the folder for the students' notebooks")


def _build_notebooks(args: argparse.Namespace, console: Console) -> int:
    from autograder.builders import nbgrader, stubs

    try:
        changed = nbgrader.write(Path(args.output), nbgrader.student_files())
    except (stubs.BuildError, OSError) as err:
        return fail(console, f"build-notebooks: {err}")
    console.print(f"wrote {len(changed)} file(s) in {args.output}", markup=False, soft_wrap=True)
    return 0


def _build_classroom50_arguments(parser: argparse.ArgumentParser) -> None:
    from autograder.routes.classroom50 import build

    build.arguments(parser)


def _build_classroom50(args: argparse.Namespace, console: Console) -> int:
    from autograder.routes.classroom50 import build

    return build.command(args, console)


def _export_arguments(parser: argparse.ArgumentParser) -> None:
    from autograder.lms import export

    export.arguments(parser)


def _export(args: argparse.Namespace, console: Console) -> int:
    from autograder.lms import export

    return export.command(args, console)


INSTRUCTOR_COMMANDS: tuple[Command, ...] = (
    Command("demo", "grade a sample class in isolation: its gradebook and one student's "
            "feedback", _demo_arguments, _demo),
    Command("build-exercises", "generate exercises/ from solutions/", _build_exercises_arguments,
            _build_exercises),
    Command("release", "build the student release (kit, stubs, public tests, data, workflow)",
            _release_arguments, _release),
    Command("build-nbgrader", "generate the nbgrader course (config, source notebooks)",
            _build_nbgrader_arguments, _build_nbgrader),
    Command("build-notebooks",
            "generate the students' notebooks (stubs) with their .py copies",
            _build_notebooks_arguments, _build_notebooks),
    Command("grade", "grade one submission folder (student code runs in a worker)",
            _grade_arguments, _grade),
    Command("grade-batch", "grade every submission folder under ROOT", _grade_batch_arguments,
            _grade_batch),
    Command("export", "put a graded batch's grades into an LMS's import file (Canvas, Moodle)",
            _export_arguments, _export),
    Command("build-gradescope", "build the Gradescope autograder zip (setup.sh, run_autograder)",
            _build_gradescope_arguments, _build_gradescope),
    Command("report", "the class report of a grade-batch folder or an nbgrader course: one "
            "static page and its JSON twin", class_report.arguments, class_report.run),
    Command("build-classroom50",
            "write a Classroom 50 autograder (autograder.py and its grader) for an assignment",
            _build_classroom50_arguments, _build_classroom50),
    Command("grade-capstones",
            "grade the Keras capstones: the student's model is rebuilt and trained here",
            _grade_capstones_arguments, _grade_capstones),
)  # fmt: skip
COMMANDS: tuple[Command, ...] = (*KIT_COMMANDS, *INSTRUCTOR_COMMANDS)


def main(argv: Sequence[str] | None = None) -> int:
    return kit_main(argv, COMMANDS)


if __name__ == "__main__":
    sys.exit(main())
