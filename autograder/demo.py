"""``deepgrade demo``: the product's main job on a sample class, written at run time.

Eight students, each built from ``solutions/`` or ``exercises/``: the reference, the blank
stubs, four with realistic mistakes taken from the mutant catalogue (``devtests/mutants/``;
a test keeps the copies here identical to it), one whose ``recurrent.py`` has a syntax
error, and a hostile one whose ``relu`` never returns. The demo grades them with
``grade-batch``'s machinery at the isolation level ``auto`` picks, prints the gradebook
and what one student sees, and checks that every student got what they should.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.table import Table

from autograder.classreport import command as class_report
from autograder.grading.engine import SubmissionReport
from autograder.paths import EXERCISES_DIR, SOLUTIONS_DIR
from deepgrade.catalog import BY_NAME, TOPICS, TOTAL_POINTS


@dataclass(frozen=True)
class Mistake:
    """A catalogued mutant: in ``exercise``'s module, ``old`` (once) becomes ``new``."""

    id: str
    exercise: str
    old: str
    new: str


@dataclass(frozen=True)
class Student:
    name: str
    submitted: str  # what the gradebook's reader is told
    base: Path = SOLUTIONS_DIR
    mistakes: tuple[Mistake, ...] = ()
    appended: tuple[tuple[str, str], ...] = ()  # (module, text added at its end)
    lost: tuple[str, ...] = ()  # exercises that must lose points (all others: full marks)


FLIPPED_KERNEL = Mistake(
    "conv-conv2d-flipped-kernel",
    "conv2d",
    "out += kernel[a, b] * padded[rows, cols]",
    "out += kernel[kh - 1 - a, kw - 1 - b] * padded[rows, cols]",
)
GATE_ORDER = Mistake(
    "recurrent-lstm-gate-order-ifoc",
    "lstm_cell",
    "g = np.tanh(z[:, 2 * units : 3 * units])\n    o = gates[:, 3 * units :]",
    "g = np.tanh(z[:, 3 * units :])\n    o = gates[:, 2 * units : 3 * units]",
)
SUMMED_LOSS = Mistake(
    "bp-sce-loss-summed",
    "softmax_cross_entropy",
    "loss = 0.0 - log_probs[rows, labels].mean()",
    "loss = 0.0 - log_probs[rows, labels].sum()",
)
PADDING_SIDE = Mistake(
    "conv-same-padding-wrong-side",
    "same_padding",
    "return before, total - before",
    "return total - before, before",
)
ALL_TIES = Mistake(
    "bp-pool-backward-all-ties",
    "max_pool2d_backward",
    "dx[window_offset(i, j)] += np.where(first_max == k, g4, 0.0)",
    "dx[window_offset(i, j)] += np.where(windows[..., k] == windows.max(axis=-1), g4, 0.0)",
)
NEVER_RETURNS = "\n\ndef relu(x):  # replaces the reference's relu\n    while True:\n        pass\n"
RECURRENT = tuple(e for e in BY_NAME if BY_NAME[e].module == "recurrent")

SAMPLE_CLASS: tuple[Student, ...] = (
    Student("reference", "the reference solutions"),
    Student("stubs", "the blank stubs", base=EXERCISES_DIR, lost=tuple(BY_NAME)),
    Student("ana", "conv2d flips the kernel", mistakes=(FLIPPED_KERNEL,),
            lost=("conv2d",)),
    Student("ben", "LSTM gates in the order i, f, o, c", mistakes=(GATE_ORDER,),
            lost=("lstm_cell", "lstm")),
    Student("chen", "the loss summed, not averaged", mistakes=(SUMMED_LOSS,),
            lost=("softmax_cross_entropy", "digit_network", "train_digit_network")),
    Student("dana", "'same' padding on the wrong side; pool gradient to every tie",
            mistakes=(PADDING_SIDE, ALL_TIES),
            lost=("same_padding", "conv2d", "conv_layer", "max_pool2d_backward")),
    Student("eli", "a syntax error in recurrent.py", appended=(("recurrent", "\ndef oops(:\n"),),
            lost=RECURRENT),
    Student("hostile", "relu loops forever", appended=(("activations", NEVER_RETURNS),),
            lost=("relu", "digit_network", "train_digit_network")),
)  # fmt: skip
FEEDBACK_OF = "ana"  # the student whose feedback the demo shows


def write_class(root: Path) -> None:
    """Write every student's folder under ``root``."""
    for student in SAMPLE_CLASS:
        folder = root / student.name
        folder.mkdir(parents=True)
        for module in (*TOPICS, "_validate"):
            shutil.copyfile(student.base / f"{module}.py", folder / f"{module}.py")
        for mistake in student.mistakes:
            path = folder / f"{BY_NAME[mistake.exercise].module}.py"
            source = path.read_text(encoding="utf-8")
            if source.count(mistake.old) != 1:
                raise ValueError(f"demo mistake {mistake.id} no longer fits solutions/")
            path.write_text(source.replace(mistake.old, mistake.new), encoding="utf-8")
        for module, text in student.appended:
            with (folder / f"{module}.py").open("a", encoding="utf-8") as f:
                f.write(text)


def surprises(reports: dict[str, SubmissionReport]) -> list[str]:
    """What differs from what each student should get (nothing, normally)."""
    found = []
    for student in SAMPLE_CLASS:
        report = reports.get(student.name)
        if report is None or report.status != "graded":
            found.append(f"{student.name}: {report.status if report else 'not graded'}")
            continue
        for row in report.exercises:
            full = row["score"] == row["max_score"]
            if full == (row["name"] in student.lost):
                found.append(f"{student.name}: {row['label']} scored {row['score']:g}")
    if reports.get("reference") and reports["reference"].score != TOTAL_POINTS:
        found.append("the reference lost points")
    return found


def stronger_levels(level: str, availability: dict[str, str | None]) -> str:
    """How to grade at the strongest isolation level when ``level`` is weaker: each
    stronger level (strongest first, as :func:`sandbox.availability` gives them) and why
    this host refuses it, which names what to install or change; '' at the strongest."""
    stronger = []
    for name, why in availability.items():
        if name == level:
            break
        stronger.append(f"{name}: {why}")
    if not stronger:
        return ""
    return (
        f"graded at isolation {level}, not the strongest; to get "
        f"{next(iter(availability))}, fix what stops it here: " + "; ".join(stronger)
    )


def gradebook(reports: dict[str, SubmissionReport]) -> Table:
    """One row per student, narrow enough for 80 columns (the mistake is in the caption)."""
    grid = Table(title="gradebook", title_justify="left")
    for column in ("student", "submitted", "status", "score", "below full marks"):
        grid.add_column(column, overflow="fold")
    for student in SAMPLE_CLASS:
        report = reports[student.name]
        below = [r["number"] for r in report.exercises if r["score"] < r["max_score"]]
        shown = "all" if len(below) == len(report.exercises) else ", ".join(below) or "-"
        grid.add_row(student.name, student.submitted, report.status,
                     f"{round(report.score, 1):g}/{report.max_score}", shown)  # fmt: skip
    return grid


def verdict(reports: dict[str, SubmissionReport], unexpected: list[str], level: str) -> str:
    """The demo's last line."""
    if unexpected:
        return f"demo FAILED: {len(unexpected)} student(s) graded unlike expected (see above)"
    return (
        f"demo OK: {len(reports)} students graded at isolation {level}, each as expected "
        f"(reference {reports['reference'].score:g}/{TOTAL_POINTS}, stubs "
        f"{reports['stubs'].score:g}, the hostile one stopped)"
    )


def run(output_dir: Path | None, console: Console) -> int:
    """``deepgrade demo``: a sample class graded in isolation, its gradebook, one
    student's feedback, and a one-line verdict."""
    from autograder.grading.batch import grade_batch
    from autograder.grading.reports import gradescope
    from autograder.worker import sandbox

    level = sandbox.resolve("auto")
    with tempfile.TemporaryDirectory(prefix="deepgrade-demo-") as tmp:
        where = output_dir or Path(tmp)
        try:
            write_class(where / "submissions")
        except (OSError, ValueError) as err:
            console.print(f"deepgrade: cannot write the sample class in {where}: {err}",
                          style="red", markup=False, soft_wrap=True)  # fmt: skip
            return 2
        console.rule(f"Grading a sample class of {len(SAMPLE_CLASS)} (isolation: {level})")
        outcomes = grade_batch(
            where / "submissions", where / "graded", isolation=level, console=console
        )
        keep = where if output_dir else Path(tempfile.mkdtemp(prefix="deepgrade-demo-"))
        report_line = class_report.demo_report(
            where / "graded", where / "submissions", keep / "class-report.html"
        )
    reports = {o.student: o.report for o in outcomes}
    console.print(gradebook(reports))
    console.rule(f"What {FEEDBACK_OF} sees (Gradescope's results.json, failed exercises)")
    results = gradescope(reports[FEEDBACK_OF])
    console.print(results["output"], markup=False, highlight=False)
    for test in results["tests"]:
        if test["status"] == "failed":
            console.print(f"\n{test['name']}: {test['score']:g}/{test['max_score']:g}",
                          style="bold", markup=False)  # fmt: skip
            console.print(test["output"], markup=False, highlight=False)
    if output_dir:
        console.print(f"\nthe class and its results are in {where}", markup=False)
    console.print(report_line, markup=False, soft_wrap=True)
    unexpected = surprises(reports)
    for line in unexpected:
        console.print(f"unexpected: {line}", style="red", markup=False)
    strongest = next(reversed(sandbox.LEVELS))
    note = stronger_levels(level, sandbox.availability()) if level != strongest else ""
    if note:
        console.print(note, style="yellow", markup=False)
    console.print(verdict(reports, unexpected, level), style="red" if unexpected else "green",
                  markup=False, soft_wrap=True)  # fmt: skip
    return 1 if unexpected else 0
