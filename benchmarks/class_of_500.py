"""What grading a class costs: a generated class of 500 through ``deepgrade grade-batch``.

The class is a seeded mix of what a course gets: copies of the reference, blank stubs,
students with one to three realistic mistakes from the mutant catalogue
(``devtests/mutants/``) and some topics left unfinished, a few broken submissions from
``devtests/corpus/broken/`` (syntax and import errors, a missing function, wrong types) and
a few hostile ones (a function that loops forever, one that ignores SIGTERM, a module
that hangs at import, a memory bomb). Every number is the wall time of the real command
in a fresh process, with the CPU time of everything it ran (``RUSAGE_CHILDREN``), against
the baseline ``python -c "import numpy"`` measured in the same run:

- ``deepgrade grade`` of the reference, one process per submission (what ``grade-batch``
  ran per student before it kept a grading process per worker), on a sample;
- ``grade-batch`` of the whole class with ``--workers 2`` (``--force``, isolation
  ``auto``): submissions per second, wall and CPU per submission;
- the speed-up of 2 workers over 1: both alternated (``--rounds``) on a class of
  ``--speedup-size`` of the same mix, so that both see the same load from the rest of
  the machine.

CPU is what ``RUSAGE_CHILDREN`` sees: it leaves out the sandboxed workers (a bwrap PID
namespace hides them), about the baseline's CPU each. Run: ``python
benchmarks/class_of_500.py [--size 500] [--speedup-size 100]``; it prints a Markdown
table for the README.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import resource
import runpy
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from autograder.worker import sandbox  # noqa: E402
from deepgrade.catalog import BY_NAME, TOPICS  # noqa: E402

_SCRIPT = Path(sys.executable).with_name("deepgrade")
DEEPGRADE = [str(_SCRIPT)] if _SCRIPT.is_file() else [sys.executable, "-m", "autograder"]
CORPUS = ROOT / "devtests" / "corpus"
BROKEN = ["syntax_error", "import_error", "missing_function", "wrong_type_list", "wrong_shape"]
HOSTILE = ["infinite_loop", "ignore_sigterm", "memory_bomb"]  # plus a hang at import
HANG_AT_IMPORT = "\nwhile True:  # never finishes importing\n    pass\n"


def mutants() -> list[dict]:
    found = []
    for path in sorted((ROOT / "devtests" / "mutants").glob("mutants_*.py")):
        found.extend(runpy.run_path(str(path))["MUTANTS"])
    return found


def copy_from(source: Path, folder: Path, topics=TOPICS) -> None:
    for name in (*topics, "_validate"):
        shutil.copyfile(source / f"{name}.py", folder / f"{name}.py")


def make_class(root: Path, size: int, seed: int = 0) -> Counter:
    """``size`` submissions under ``root``; returns how many of each kind."""
    rng = random.Random(seed)
    catalogue = mutants()
    specials = [("broken", b) for b in BROKEN] + [("hostile", h) for h in HOSTILE]
    specials.append(("hostile", "hang_at_import"))
    specials = specials[:: max(1, round(500 / size))]  # as many per student as in 500
    kinds: Counter = Counter()
    for i in range(size):
        folder = root / f"student{i:03d}"
        folder.mkdir(parents=True)
        copy_from(ROOT / "solutions", folder)
        roll = rng.random()
        if i < len(specials):  # spread over the class by the sort order of the names
            kind, name = specials[i]
            folder = folder.rename(root / f"student{i * size // len(specials):03d}-{name}")
            if name == "hang_at_import":
                with (folder / "recurrent.py").open("a") as f:
                    f.write(HANG_AT_IMPORT)
            else:
                for module in (CORPUS / kind / name).glob("*.py"):
                    shutil.copyfile(module, folder / module.name)
            kinds[kind] += 1
        elif roll < 0.1:
            kinds["reference"] += 1
        elif roll < 0.2:
            copy_from(ROOT / "exercises", folder)
            kinds["stubs"] += 1
        else:  # one to three mistakes, and maybe the last topics left as stubs
            for mutant in rng.sample(catalogue, rng.choice([1, 1, 2, 3])):
                path = folder / f"{BY_NAME[mutant['exercise']].module}.py"
                source = path.read_text()
                if source.count(mutant["old"]) == 1:
                    path.write_text(source.replace(mutant["old"], mutant["new"]))
            if rng.random() < 0.3:
                copy_from(ROOT / "exercises", folder, list(TOPICS)[rng.randrange(3, len(TOPICS)) :])
            kinds["mistakes"] += 1
    return kinds


def cpu_of_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(cmd: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds of ``cmd`` (everything it started included)."""
    cpu, start = cpu_of_children(), time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)
    wall, cpu = time.perf_counter() - start, cpu_of_children() - cpu
    if proc.returncode != 0:
        raise SystemExit(f"failed ({proc.returncode}): {' '.join(cmd)}\n{proc.stderr[-3000:]}")
    return wall, cpu


def batch(root: Path, out: Path, workers: int) -> tuple[float, float, Counter]:
    wall, cpu = timed([*DEEPGRADE, "grade-batch", str(root), "--output-dir", str(out),
                       "--force", "--workers", str(workers), "--isolation", "auto"])  # fmt: skip
    with (out / "gradebook.csv").open(newline="") as f:
        statuses = Counter(row["status"] for row in csv.DictReader(f))
    return wall, cpu, statuses


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=500, help="submissions in the class")
    parser.add_argument("--sample", type=int, default=5, help="`deepgrade grade` runs")
    parser.add_argument(
        "--speedup-size", type=int, default=100, help="the class of the 1 vs 2 workers runs"
    )
    parser.add_argument("--rounds", type=int, default=2, help="1 vs 2 workers, alternated")
    options = parser.parse_args()
    level = sandbox.resolve("auto")
    load_before = os.getloadavg()[0]  # other work on the machine slows every wall time
    runs = [timed([sys.executable, "-c", "import numpy"]) for _ in range(7)]
    base_wall = statistics.median(w for w, _ in runs)
    base_cpu = statistics.median(c for _, c in runs)
    rows = []

    def row(label: str, wall: float, cpu: float, count: int, note: str = "") -> None:
        per, per_cpu = wall / count, cpu / count
        rows.append(f"| {label} | {wall:.1f} | {per:.3f} | {per / base_wall:.1f} | "
                    f"{per_cpu:.3f} | {per_cpu / base_cpu:.1f} | {note} |")  # fmt: skip

    with tempfile.TemporaryDirectory(prefix="deepgrade-bench-") as tmp:
        work = Path(tmp)
        kinds = make_class(work / "class", options.size)
        walls, cpus = [], []
        for _ in range(options.sample):
            wall, cpu = timed([*DEEPGRADE, "grade", "solutions", "--isolation", level,
                               "--format", "json", "--output", str(work / "one.json")])  # fmt: skip
            walls.append(wall)
            cpus.append(cpu)
        row(f"`deepgrade grade solutions`, one process per submission ({options.sample} runs)",
            sum(walls), sum(cpus), options.sample)  # fmt: skip
        wall, cpu, statuses = batch(work / "class", work / "out", 2)
        row(f"`grade-batch` of the class of {options.size}, `--workers 2`", wall, cpu,
            options.size, f"{options.size / wall:.2f} submissions/s")  # fmt: skip
        # 1 and 2 workers alternated on a smaller class of the same mix, so that both see
        # the same load from the rest of the machine
        make_class(work / "small", options.speedup_size, seed=1)
        speedups = []
        for _ in range(options.rounds):
            one = batch(work / "small", work / "small1", 1)
            two = batch(work / "small", work / "small2", 2)
            speedups.append(one[0] / two[0])
            for workers, (wall, cpu, _) in ((1, one), (2, two)):
                row(f"`grade-batch` of a class of {options.speedup_size}, `--workers {workers}`",
                    wall, cpu, options.speedup_size,
                    f"{options.speedup_size / wall:.2f} submissions/s")  # fmt: skip

    mix = ", ".join(f"{n} {kind}" for kind, n in sorted(kinds.items()))
    graded = ", ".join(f"{n} {status}" for status, n in sorted(statuses.items()))
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, isolation {level}; "
          f"class of {options.size}: {mix}; gradebook: {graded}")  # fmt: skip
    print(f"load average (1 min) before: {load_before:.1f}, after: {os.getloadavg()[0]:.1f}")
    print(f'baseline `python -c "import numpy"`: {base_wall:.3f} s wall, {base_cpu:.3f} s CPU')
    print("speed-up of 2 workers over 1 (alternated runs): "
          + ", ".join(f"{x:.2f}x" for x in speedups) + "\n")  # fmt: skip
    print("| measurement | wall (s) | per submission (s) | x baseline | CPU per submission (s) "
          "| x baseline CPU | notes |")  # fmt: skip
    print("| --- | ---: | ---: | ---: | ---: | ---: | --- |")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
