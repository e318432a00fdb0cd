"""What the class report costs on a class of 500: time and peak memory, against baselines.

The class's code is the class benchmark's (``class_of_500.py``'s ``make_class``: copies
of the reference with one to three catalogued mistakes, stubs, topics left unfinished,
broken and hostile submissions), so nearly every pair of students shares most of its
code: the worst case for the similarity section. Its reports are generated with
grade-batch's own writers (``devtests/class_students.make_batch``: every status, partial
credit, named mistakes), since grading the class for real takes minutes and does not
change what the report reads. Each measurement runs in a fresh process and reports its
wall time and peak resident memory (``ru_maxrss``):

- baseline: reading the class (every ``report.json``, ``gradebook.csv`` and every
  submitted module), what any report must do;
- ``deepgrade report`` of the class with ``--submissions`` (everything, page and twin);
- the similarity section alone, and copydetect's own pairwise comparison on a sample of
  pairs of one topic, extrapolated to all the pairs of all topics (what the index saves).

Run: ``python benchmarks/class_report.py [--size 500]``; it prints a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import runpy
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SAMPLE_PAIRS = 2000  # copydetect pairwise comparisons timed, per run


def measure(what: str, graded: Path, submissions: Path) -> dict:
    """Run one measurement here (in a fresh process): its result, wall time, peak memory."""
    from autograder.classreport import command, similarity, sources

    start = time.perf_counter()
    result: dict = {}
    if what == "read":
        data = sources.load(graded, submissions)
        result["students"] = len(data.reports) + len(data.unreadable)
    elif what == "report":
        report = command.write_report(graded, graded / "class-report.html", submissions)
        result["pairs"] = report.similarity.pairs_above_threshold
    elif what == "similarity":
        data = sources.load(graded, submissions)
        start = time.perf_counter()  # the similarity section alone
        found = similarity.similar_pairs(data.code, data.boilerplate)
        result["pairs"] = found.pairs_above_threshold
    elif what == "pairwise":
        from copydetect import compare_files

        data = sources.load(graded, submissions)
        topic = "convolution"
        stubs = data.boilerplate[topic]
        stub = similarity._stub_hashes(topic, stubs)
        prints = [
            similarity._fingerprint(topic, s, t, stubs, stub).fingerprint
            for s, t in data.code[topic].items()
        ]
        rng = random.Random(0)
        pairs = [rng.sample(range(len(prints)), 2) for _ in range(SAMPLE_PAIRS)]
        start = time.perf_counter()
        for i, j in pairs:
            compare_files(prints[i], prints[j])
        per_pair = (time.perf_counter() - start) / SAMPLE_PAIRS
        n = len(prints)
        all_pairs = sum(len(c) * (len(c) - 1) // 2 for c in data.code.values())
        result.update(per_pair=per_pair, n=n, all_pairs=all_pairs)
    result["wall"] = time.perf_counter() - start
    result["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return result


def in_fresh_process(what: str, graded: Path, submissions: Path) -> dict:
    proc = subprocess.run(
        [sys.executable, __file__, "--measure", what, str(graded), str(submissions)],
        capture_output=True, text=True, check=False, cwd=ROOT,
    )  # fmt: skip
    if proc.returncode != 0:
        raise SystemExit(f"{what} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=500, help="students in the class")
    parser.add_argument("--measure", nargs=3, metavar=("WHAT", "GRADED", "SUBMISSIONS"),
                        help=argparse.SUPPRESS)  # fmt: skip
    options = parser.parse_args()
    if options.measure:
        what, graded, submissions = options.measure
        print(json.dumps(measure(what, Path(graded), Path(submissions))))
        return
    from devtests.class_students import make_batch

    make_class = runpy.run_path(str(ROOT / "benchmarks" / "class_of_500.py"))["make_class"]
    with tempfile.TemporaryDirectory(prefix="deepgrade-bench-report-") as tmp:
        submissions, graded = Path(tmp) / "class", Path(tmp) / "graded"
        kinds = make_class(submissions, options.size)
        names = sorted(p.name for p in submissions.iterdir())
        make_batch(graded, names=names)
        read = in_fresh_process("read", graded, submissions)
        report = in_fresh_process("report", graded, submissions)
        alone = in_fresh_process("similarity", graded, submissions)
        pairwise = in_fresh_process("pairwise", graded, submissions)
    naive = pairwise["per_pair"] * pairwise["all_pairs"]
    mix = ", ".join(f"{n} {kind}" for kind, n in sorted(kinds.items()))
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load average before "
          f"the last run: {os.getloadavg()[0]:.1f}; class of {options.size}: {mix}")  # fmt: skip
    print(f"pairs above the threshold: {report['pairs']}\n")
    print("| measurement | wall (s) | x baseline | peak memory (MB) |")
    print("| --- | ---: | ---: | ---: |")
    for label, row in (
        ("baseline: read every report.json, the gradebook and the submitted modules", read),
        ("`deepgrade report` with `--submissions` (page and report.json)", report),
        ("the similarity section alone (fingerprints, index, top pairs compared)", alone),
    ):
        print(f"| {label} | {row['wall']:.1f} | {row['wall'] / read['wall']:.1f} | "
              f"{row['peak_mb']:.0f} |")  # fmt: skip
    print(f"| copydetect comparing every pair one by one ({pairwise['all_pairs']} pairs, "
          f"from {SAMPLE_PAIRS} timed: {1e6 * pairwise['per_pair']:.0f} us each) | "
          f"{naive:.0f} (estimated) | {naive / read['wall']:.0f} | - |")  # fmt: skip


if __name__ == "__main__":
    main()
