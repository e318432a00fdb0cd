"""nbgrader autograding three ways, on the same class, in one run.

The class: the reference, the stubs and catalogued mistakes (at least 8 students), each
handing in the six notebooks of the ``exercises`` assignment and, as jupytext writes on
save, their paired ``.py`` files. Graded by

1. stock ``nbgrader autograde`` (``DEEPGRADE_AUTOGRADE=in-kernel``: each notebook runs in
   a kernel; its test cells run the hidden tests there);
2. ``nbgrader autograde`` with the course's isolated step (the default: deepgrade's worker
   at isolation ``auto``);
3. ``deepgrade grade-batch`` on the same code as folders of modules (``--workers 1``, like
   nbgrader, which grades one notebook at a time; and ``--workers 2``).

Prints seconds per submission and the ratios to stock nbgrader, and each way's class
total (the two nbgrader modes and grade-batch should agree on honest code)::

    python benchmarks/nbgrader.py --class-size 8
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))

from autograder.builders import nbgrader as builder  # noqa: E402
from deepgrade.catalog import TOPICS  # noqa: E402
from deepgrade.notebooks import notebook_to_folder  # noqa: E402
from devtests.commands import DEEPGRADE  # noqa: E402
from devtests.notebook_students import from_module, mutant_source  # noqa: E402

MUTANTS = [
    ("convolution", "conv-conv2d-flipped-kernel"),
    ("convolution", "conv-layer-bias-missing"),
    ("recurrent", "recurrent-lstm-gate-order-ifoc"),
    ("activations", "act-relu-abs"),
]


def _env(mode: str | None) -> dict:
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    env.pop("DEEPGRADE_AUTOGRADE", None)
    if mode:
        env["DEEPGRADE_AUTOGRADE"] = mode
    return env


def _nbgrader(course: Path, *args: str, mode: str | None = None) -> None:
    subprocess.run(
        [sys.executable, "-m", "nbgrader", *args], cwd=course, env=_env(mode), check=True,
        capture_output=True,
    )  # fmt: skip


def _class(course: Path, size: int) -> dict[str, dict[str, str]]:
    """Students' module sources by topic: reference, stubs, mistakes (cycled)."""
    solution = {t: (PROJECT / "solutions" / f"{t}.py").read_text() for t in TOPICS}
    stub = {t: (PROJECT / "exercises" / f"{t}.py").read_text() for t in TOPICS}
    students = {"reference": solution, "stubs": stub}
    for i in range(size - 2):
        topic, mutant = MUTANTS[i % len(MUTANTS)]
        students[f"mistake{i + 1}"] = {**solution, topic: mutant_source(topic, mutant)}
    released = course / "release" / "exercises"
    for student, sources in students.items():
        folder = course / "submitted" / student / "exercises"
        folder.mkdir(parents=True)
        for topic, text in sources.items():
            notebook = json.loads((released / f"{topic}.ipynb").read_text())
            if student != "stubs":
                notebook = from_module(notebook, text, topic)
            (folder / f"{topic}.ipynb").write_text(json.dumps(notebook))
            (folder / f"{topic}.py").write_text(builder.percent_text(notebook))
        (folder / "timestamp.txt").write_text("2024-05-01 12:00:00.000000 UTC")
    return students


def _total(course: Path) -> float:
    out = course / "grades.csv"
    _nbgrader(course, "export", "--to", str(out))
    with open(out, newline="") as handle:
        return sum(float(row["raw_score"]) for row in csv.DictReader(handle))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--class-size", type=int, default=8)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="deepgrade-bench-nbgrader-") as tmp:
        root = Path(tmp)
        base = root / "base"
        builder.write(base, builder.course_files())
        _nbgrader(base, "generate_assignment", "exercises")
        students = _class(base, args.class_size)
        n = len(students)
        modules = root / "modules"
        for student in students:
            for path in sorted((base / "submitted" / student / "exercises").glob("*.ipynb")):
                notebook_to_folder(path, modules / student)
        rows = []
        for label, mode in (
            ("stock `nbgrader autograde` (in-kernel)", "in-kernel"),
            ("`nbgrader autograde`, isolated step (worker, auto)", None),
        ):
            course = root / (mode or "isolated")
            shutil.copytree(base, course)
            started = time.perf_counter()
            _nbgrader(course, "autograde", "exercises", mode=mode)
            rows.append((label, (time.perf_counter() - started) / n, _total(course)))
        for workers in (1, 2):
            out = root / f"graded{workers}"
            started = time.perf_counter()
            subprocess.run(
                [*DEEPGRADE, "grade-batch", str(modules), "--output-dir", str(out),
                 "--workers", str(workers)],
                check=True, capture_output=True,
            )  # fmt: skip
            seconds = (time.perf_counter() - started) / n
            with open(out / "gradebook.csv", newline="") as handle:
                total = sum(float(r["total"]) for r in csv.DictReader(handle))
            rows.append((f"`deepgrade grade-batch`, `--workers {workers}`", seconds, total))
    stock = rows[0][1]
    print(f"{n} submissions of 6 notebooks each\n")
    print("| grading | s per submission | x stock nbgrader | class total |")
    print("| --- | ---: | ---: | ---: |")
    for label, seconds, total in rows:
        print(f"| {label} | {seconds:.2f} | {seconds / stock:.2f} | {total:g} |")


if __name__ == "__main__":
    main()
