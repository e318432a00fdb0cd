"""``grade-batch --scheduler``: the same jobs on a Dask distributed cluster (a LocalCluster
of two worker processes here), the same gradebook as ``--workers 2``, re-runs that skip
unchanged submissions, and a worker killed mid-batch that loses no student.

The command runs as a user runs it, in its own process, against the cluster's address;
submissions reach the workers as data (the jobs hold file contents) and reports come
back as data. Outcomes only, never times.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from deepgrade.catalog import TOTAL_POINTS
from devtests.commands import DEEPGRADE
from devtests.test_grade_batch import (
    LIMIT_FLAGS,
    SOLUTIONS,
    STUBS,
    copy_modules,
    read_gradebook,
)
from devtests.test_grade_batch import without_times as _without_times

if not os.environ.get("CI"):  # CI installs the cluster extra; elsewhere it may be missing
    pytest.importorskip("distributed")
from distributed import Client, LocalCluster  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def make_class(root: Path) -> dict[str, float]:
    """Five students and the total each must get."""
    copy_modules(SOLUTIONS, root / "reference")
    copy_modules(STUBS, root / "stubs")
    copy_modules(SOLUTIONS, root / "half", ("convolution", "pooling", "activations"))
    copy_modules(STUBS, root / "half", ("backprop", "recurrent", "gradient_descent"))
    (root / "syntax").mkdir()
    (root / "syntax" / "activations.py").write_text("def relu(:\n")
    copy_modules(SOLUTIONS, root / "second")
    half = 2 + 2 + 2 + 7 + 6 + 6 + 3 + 2 + 3 + 4
    return {"reference": TOTAL_POINTS, "stubs": 0, "half": half, "syntax": 0,
            "second": TOTAL_POINTS}  # fmt: skip


def cluster() -> LocalCluster:
    return LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        dashboard_address=":0",
        silence_logs=logging.ERROR,
    )


def batch(root: Path, out: Path, *extra: str, wait=True):
    cmd = [*DEEPGRADE, "grade-batch", str(root), "--output-dir", str(out), *LIMIT_FLAGS, *extra]
    if not wait:
        return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return subprocess.run(cmd, capture_output=True, text=True, timeout=600, check=False)


def reports(out: Path) -> dict[str, dict]:
    return {
        folder.name: _without_times(json.loads((folder / "report.json").read_text())["report"])
        for folder in sorted(out.iterdir())
        if folder.is_dir()
    }


@pytest.fixture(scope="module")
def class_root(tmp_path_factory) -> tuple[Path, dict[str, float]]:
    root = tmp_path_factory.mktemp("class") / "submissions"
    return root, make_class(root)


def test_the_cluster_grades_the_class_as_the_local_workers_do(class_root, tmp_path):
    root, totals = class_root
    local = batch(root, tmp_path / "local", "--workers", "2")
    assert local.returncode == 0, local.stdout + local.stderr
    with cluster() as dask:
        remote = batch(root, tmp_path / "dask", "--scheduler", dask.scheduler_address)
        assert remote.returncode == 0, remote.stdout + remote.stderr
        again = batch(root, tmp_path / "dask", "--scheduler", dask.scheduler_address)
    assert again.returncode == 0 and f"{len(totals)} unchanged" in again.stdout, again.stdout
    gradebook = (tmp_path / "local" / "gradebook.csv").read_bytes()
    assert (tmp_path / "dask" / "gradebook.csv").read_bytes() == gradebook
    assert reports(tmp_path / "dask") == reports(tmp_path / "local")
    rows = read_gradebook(tmp_path / "dask")
    assert {s: float(r["total"]) for s, r in rows.items()} == totals


def test_a_worker_killed_mid_batch_loses_no_student(class_root, tmp_path):
    root, totals = class_root
    with cluster() as dask, Client(dask) as client:
        pids = client.run(os.getpid)  # worker address -> process id
        running = batch(root, tmp_path / "out", "--scheduler", dask.scheduler_address, wait=False)
        killed = None
        for _ in range(6000):  # kill the first worker seen grading a job
            busy = [w for w, keys in client.processing().items() if keys and w in pids]
            if busy:
                killed = pids[busy[0]]
                os.kill(killed, signal.SIGKILL)
                break
            time.sleep(0.01)
        stdout, stderr = running.communicate(timeout=600)
    assert killed is not None, "no worker was seen grading"
    assert running.returncode == 0, stdout + stderr
    rows = read_gradebook(tmp_path / "out")
    assert {s: (r["status"], float(r["total"])) for s, r in rows.items()} == {
        s: ("could not import" if s == "syntax" else "graded", t) for s, t in totals.items()
    }


def test_an_unreachable_scheduler_fails_with_one_line(tmp_path):
    copy_modules(SOLUTIONS, tmp_path / "subs" / "reference")
    proc = batch(tmp_path / "subs", tmp_path / "out", "--scheduler", "tcp://127.0.0.1:9")
    assert proc.returncode == 2
    lines = (proc.stdout + proc.stderr).strip().splitlines()
    assert len(lines) == 1 and "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in lines[0]
    assert not (tmp_path / "out").exists()
