"""Peak memory of a whole ``deepgrade grade-capstones`` run: every process, summed.

Runs ``deepgrade grade-capstones SUBMISSION`` (default: the reference solutions) pinned
to one core and samples, every 20 ms, the resident memory (VmRSS) of the grading process
and of all its descendants (the worker, the helpers, the training jobs); prints the peak
of the sum, when it happened and which processes made it, and each kind of process's own
peak. Run::

    python benchmarks/capstone_memory.py [--core 0] [--capstone digits ...] [SUBMISSION]

Summing VmRSS counts pages shared between processes (libraries) once per process: an
upper bound of what a memory limit on the whole run would see for these processes.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
KINDS = (
    ("autograder.capstones.job", "training job"),
    ("autograder.capstones.helper", "helper"),
    ("runner", "worker"),
    ("grade-capstones", "grader"),
)


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            pass
    return found


def tree(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo += children(p)
    return out


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError):
        pass
    return 0.0


def kind(pid: int) -> str:
    try:
        cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return "gone"
    return next((name for key, name in KINDS if key in cmd), "other")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("submission", nargs="?", default=str(ROOT / "solutions"))
    parser.add_argument("--core", type=int, default=0, help="the one core to run on")
    parser.add_argument("--capstone", action="append", help="only these capstones")
    parser.add_argument("--deepgrade", default=str(Path(sys.executable).with_name("deepgrade")))
    args = parser.parse_args(argv)
    report_file = Path(tempfile.mkdtemp(prefix="capstone-memory-")) / "report.json"
    command = ["taskset", "-c", str(args.core), args.deepgrade, "grade-capstones", args.submission,
               "--format", "json", "--output", str(report_file)]  # fmt: skip
    for name in args.capstone or ():
        command += ["--capstone", name]
    started = time.monotonic()
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak, peak_at, peak_parts, own = 0.0, 0.0, {}, {}
    while proc.poll() is None:
        parts: dict[str, float] = {}
        for pid in tree(proc.pid):
            mb = rss_mb(pid)
            name = kind(pid)
            parts[name] = parts.get(name, 0.0) + mb
            own[name] = max(own.get(name, 0.0), mb)
        total = sum(parts.values())
        if total > peak:
            peak, peak_at, peak_parts = total, time.monotonic() - started, parts
        time.sleep(0.02)
    report = json.loads(report_file.read_text()) if report_file.is_file() else {}
    result = {
        "score": f"{report.get('score')}/{report.get('max_score')}",
        "jobs": [n for n in report.get("notes", []) if "training job" in n],
        "command": " ".join(command),
        "seconds": round(time.monotonic() - started, 1),
        "peak_total_mb": round(peak, 1),
        "peak_at_s": round(peak_at, 1),
        "peak_made_of_mb": {k: round(v, 1) for k, v in peak_parts.items()},
        "peak_per_process_kind_mb": {k: round(v, 1) for k, v in own.items()},
        "exit_code": proc.returncode,
    }
    print(json.dumps(result, indent=1))
    return 0 if proc.returncode == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
