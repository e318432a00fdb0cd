"""What grading costs: one submission, and a class with 1 and 2 workers, as ratios.

The baseline is measured in the same run: ``python -c "import numpy"``, the least any
grading of numpy code can take. Every other number is the median wall time of the real
command (``deepgrade grade ...`` / ``deepgrade grade-batch ...``) in a fresh process:

- ``deepgrade grade solutions`` and ``deepgrade grade exercises`` (worker mode with
  process isolation; in-process mode; worker mode at every other isolation level the
  host allows: landlock, uid, bwrap);
- ``deepgrade grade-batch`` over M copies of the reference with ``--workers 1`` and
  ``--workers 2`` (``--force``, so every copy is graded), per submission, and the speed-up.

Run: ``python benchmarks/grading.py [--repeat N] [--class-size M]``; it prints a Markdown
table for the README.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from autograder.worker import sandbox  # noqa: E402
from deepgrade.catalog import TOPICS  # noqa: E402

# the console script of this interpreter's environment (never one found on PATH)
_SCRIPT = Path(sys.executable).with_name("deepgrade")
DEEPGRADE = [str(_SCRIPT)] if _SCRIPT.is_file() else [sys.executable, "-m", "autograder"]


def timed(cmd: list[str]) -> float:
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"failed ({proc.returncode}): {' '.join(cmd)}\n{proc.stderr[-2000:]}")
    return elapsed


def median_of(cmd: list[str], repeat: int) -> float:
    return statistics.median(timed(cmd) for _ in range(repeat))


def grade_once(submission: str, flags: list[str], out: Path) -> tuple[float, dict]:
    cmd = [*DEEPGRADE, "grade", submission, "--format", "json", "--output", str(out), *flags]
    seconds = timed(cmd)
    return seconds, json.loads(out.read_text(encoding="utf-8"))


def grade_median(submission: str, flags: list[str], repeat: int, work: Path) -> dict:
    runs = [grade_once(submission, flags, work / "report.json") for _ in range(repeat)]
    report = runs[-1][1]
    return {
        "wall": statistics.median(seconds for seconds, _ in runs),
        "checks": len(report["tests"]),
        "score": report["score"],
        "isolation": report["isolation"],
    }


def make_class(root: Path, size: int) -> None:
    for i in range(size):
        folder = root / f"student{i:03d}"
        folder.mkdir(parents=True)
        for name in (*TOPICS, "_validate"):
            shutil.copy(ROOT / "solutions" / f"{name}.py", folder / f"{name}.py")


def batch_seconds(root: Path, out: Path, workers: int, repeat: int) -> float:
    cmd = [*DEEPGRADE, "grade-batch", str(root), "--output-dir", str(out), "--force",
           "--workers", str(workers), "--isolation", "process"]  # fmt: skip
    return median_of(cmd, repeat)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs per measurement (median)")
    parser.add_argument("--class-size", type=int, default=8, help="copies in the batch")
    options = parser.parse_args()
    repeat, size = max(1, options.repeat), max(1, options.class_size)

    baseline = median_of([sys.executable, "-c", "import numpy"], max(repeat, 5))
    rows: list[tuple[str, float, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        modes = [("worker, process isolation", ["--isolation", "process"]),
                 ("in-process (debug)", ["--in-process"])]  # fmt: skip
        unavailable = {}
        for level, why_not in reversed(sandbox.availability().items()):  # weakest first
            if level == "process":
                continue
            if why_not is None:
                modes.append((f"worker, {level} isolation", ["--isolation", level]))
            else:
                unavailable[level] = why_not
        for label, flags in modes:
            for submission in ("solutions", "exercises"):
                r = grade_median(submission, flags, repeat, work)
                per_check = (r["wall"] - baseline) / r["checks"] * 1000
                rows.append(
                    (
                        f"`deepgrade grade {submission}` ({label})",
                        r["wall"],
                        f"{r['checks']} checks; (wall - baseline) / checks = {per_check:.1f} ms",
                    )
                )
        for level, why_not in unavailable.items():
            rows.append((f"worker, {level} isolation: not measured ({why_not})", float("nan"), ""))

        make_class(work / "class", size)
        batch_repeat = max(1, min(repeat, 3))
        one = batch_seconds(work / "class", work / "out1", 1, batch_repeat) / size
        two = batch_seconds(work / "class", work / "out2", 2, batch_repeat) / size
        rows.append((f"`grade-batch` of {size} reference copies, `--workers 1`", one,
                     "per submission"))  # fmt: skip
        rows.append((f"`grade-batch` of {size} reference copies, `--workers 2`", two,
                     f"per submission; speed-up {one / two:.2f}x over 1 worker"))  # fmt: skip

    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs; median of {repeat} run(s); "
          f"batch: median of {batch_repeat}, process isolation\n")  # fmt: skip
    print("| measurement | wall time (s) | x baseline | notes |")
    print("| --- | ---: | ---: | --- |")
    print(f'| baseline: `python -c "import numpy"` | {baseline:.2f} | 1.0 | |')
    for label, seconds, note in rows:
        if seconds != seconds:  # nan: not measured
            print(f"| {label} | - | - | |")
        else:
            print(f"| {label} | {seconds:.2f} | {seconds / baseline:.1f} | {note} |")


if __name__ == "__main__":
    main()
