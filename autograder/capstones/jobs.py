"""Phase 3 of capstone grading: the clean training job, run and supervised.

``job.py`` runs as ``python -I`` with only the project on its path, no student code, one
TensorFlow thread and fixed seeds; it rebuilds each model from JSON, trains it with
:func:`deepgrade.capstones.training.train` and writes the metrics to a JSON file.
:func:`run_job` enforces its wall time and memory (resident memory sampled while it runs;
the peak also read from ``wait4``). TensorFlow's output goes to a log file that no report
reads.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from autograder.paths import PROJECT_ROOT
from autograder.worker.processes import clean_environment, kill_group

BOOTSTRAP = (
    "import sys; sys.path.insert(0, {root!r}); "
    "from autograder.capstones.job import main; sys.exit(main())"
)
PASSTHROUGH = ("KERAS_HOME", "DEEPGRADE_CACHE")  # where cached data sets are


@dataclass
class JobOutcome:
    metrics: dict | None
    seconds: float
    peak_rss_mb: float
    peak_anon_mb: float
    returncode: int | None
    error: str | None = None
    log: str = ""


def trusted_environment(workdir: Path) -> dict[str, str]:
    """The environment of the grader's own helper and training processes: clean, one
    thread everywhere, quiet TensorFlow, the user's HOME (Keras's cached data sets)."""
    env = clean_environment(
        home=os.path.expanduser("~"),
        tmpdir=str(workdir),
        PYTHONHASHSEED="0",
        MPLBACKEND="Agg",
        TF_NUM_INTRAOP_THREADS="1",
        TF_NUM_INTEROP_THREADS="1",
        TF_CPP_MIN_LOG_LEVEL="2",
        TF_ENABLE_ONEDNN_OPTS="0",
        KERAS_BACKEND="tensorflow",
        MALLOC_ARENA_MAX="2",
    )
    env.update({key: os.environ[key] for key in PASSTHROUGH if os.environ.get(key)})
    return env


def job_spec(name: str, entry: dict, seed: int, epochs_cap: int | None, runs: list[dict]) -> dict:
    """The job's input for capstone ``name`` (its settings ``entry``) and its ``runs``."""
    cap = entry.get("epochs_cap")
    if epochs_cap is not None:
        cap = epochs_cap if cap is None else min(cap, epochs_cap)
    return {
        "capstone": name,
        "dataset": entry["dataset"],
        "dataset_options": entry.get("dataset_options", {}),
        "cache_dir": None,
        "seed": seed,
        "epochs_cap": cap,
        "max_params": entry.get("max_params"),
        "threads": 1,
        "runs": runs,
    }


def _memory(pid: int) -> tuple[float, float]:
    """(resident, anonymous resident) MB of ``pid`` now, from /proc (0 if unknown)."""
    rss = anon = 0.0
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    rss = int(line.split()[1]) / 1024
                elif line.startswith("RssAnon:"):
                    anon = int(line.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        pass
    return rss, anon


def run_job(spec: dict, *, seconds: float, memory_mb: float, workdir: Path) -> JobOutcome:
    """Run ``job.py`` on ``spec`` in a clean process; enforce wall time and memory."""
    workdir.mkdir(parents=True, exist_ok=True)
    spec = dict(spec, output=str(workdir / "metrics.json"))
    spec_path = workdir / "spec.json"
    spec_path.write_text(json.dumps(spec))
    argv = [sys.executable, "-I", "-c", BOOTSTRAP.format(root=str(PROJECT_ROOT)), str(spec_path)]
    log_path = workdir / "job.log"
    started = time.monotonic()
    peak_rss = peak_anon = 0.0
    reason = None
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=workdir,
            env=trusted_environment(workdir),
            start_new_session=True,
        )
    try:
        pause = 0.02
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            rss, anon = _memory(proc.pid)
            peak_rss, peak_anon = max(peak_rss, rss), max(peak_anon, anon)
            if rss > memory_mb:
                reason = f"the training job used more than {memory_mb:g} MB of memory"
            elif time.monotonic() - started > seconds:
                reason = f"the training job took longer than {seconds:g} s"
            if reason:
                kill_group(proc.pid)
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(pause)
            pause = min(0.2, pause * 1.5)
    except BaseException:
        kill_group(proc.pid)
        proc.wait()
        raise
    proc.returncode = os.waitstatus_to_exitcode(status)
    kill_group(proc.pid)  # anything it left behind in its group
    elapsed = time.monotonic() - started
    peak_rss = max(peak_rss, usage.ru_maxrss / 1024)  # Linux: kilobytes
    log_text = log_path.read_text(errors="replace")[-20000:]
    metrics = None
    output = Path(spec["output"])
    if reason is None and output.is_file():
        try:
            metrics = json.loads(output.read_text())
        except ValueError:
            reason = "the training job wrote an unreadable metrics file"
    if reason is None and metrics is None:
        reason = f"the training job ended without results (exit code {proc.returncode})"
    if reason is None and not metrics.get("ok"):
        reason = f"the training job failed: {metrics.get('error')}"
    return JobOutcome(
        metrics=metrics,
        seconds=round(elapsed, 3),
        peak_rss_mb=round(peak_rss, 1),
        peak_anon_mb=round(peak_anon, 1),
        returncode=proc.returncode,
        error=reason,
        log=log_text,
    )
