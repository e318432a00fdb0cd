"""The isolated (bubblewrap) worker: it sees only its own submission, and no network."""

from __future__ import annotations

import os
import shutil
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from autograder.worker import StudentException, Worker, sandbox
from autograder.worker.client import stage_submission

PROJECT = Path(__file__).resolve().parents[1]

needs_bwrap = pytest.mark.skipif(
    sandbox.bwrap_works(sys.executable) is not None and not os.environ.get("CI"),
    reason=f"bubblewrap unavailable: {sandbox.bwrap_works(sys.executable)}",
)

SNOOP = textwrap.dedent(
    """
    import os
    import socket


    def read(path):
        with open(path) as f:
            return f.read()


    def listdir(path):
        return sorted(os.listdir(path))


    def connect(host, port):
        socket.create_connection((host, port), timeout=2).close()
        return "connected"


    def write(path):
        with open(path, "w") as f:
            f.write("x")
        return "written"


    def whoami():
        return [os.getuid(), os.getgid()]
    """
)


@pytest.fixture
def snoop(tmp_path) -> Path:
    folder = tmp_path / "mallory"
    folder.mkdir()
    (folder / "snoop.py").write_text(SNOOP)
    (folder / "link.py").symlink_to(PROJECT / "solutions" / "convolution.py")
    return folder


@needs_bwrap
def test_isolated_worker_cannot_read_solutions_suites_or_other_submissions(snoop, tmp_path):
    other = tmp_path / "bob"
    other.mkdir()
    (other / "convolution.py").write_text("SECRET = 1\n")
    with Worker(snoop, isolation="bwrap") as worker:
        assert worker.isolation == "bwrap"
        for path in (
            PROJECT / "solutions" / "convolution.py",
            PROJECT / "autograder" / "catalog.py",
            PROJECT / "README.md",
            other / "convolution.py",
            snoop / "snoop.py",  # its own original folder, not the staged copy
        ):
            with pytest.raises(StudentException, match="FileNotFoundError|PermissionError"):
                worker.call("snoop", "read", str(path))
        assert "snoop.py" in worker.call("snoop", "listdir", "/submission")
        assert "link.py" not in worker.call("snoop", "listdir", "/submission")  # links skipped
        python_tops = {Path(root).parts[1] for root in sandbox._python_roots(sys.executable)}
        system = {"usr", "bin", "sbin", "lib", "lib32", "lib64", "tmp", "proc", "dev"}
        visible = set(worker.call("snoop", "listdir", "/"))
        assert visible <= system | python_tops | {"grader", "submission"}, visible


@needs_bwrap
def test_isolated_worker_has_no_network_and_a_read_only_submission(snoop):
    with Worker(snoop, isolation="bwrap") as worker:
        with pytest.raises(StudentException, match="OSError|ConnectionRefusedError|Network"):
            worker.call("snoop", "connect", "127.0.0.1", 22)
        with pytest.raises(StudentException, match="OSError|gaierror"):
            worker.call("snoop", "connect", "pypi.org", 443)
        with pytest.raises(StudentException, match="Read-only file system"):
            worker.call("snoop", "write", "/submission/snoop.py")
        assert worker.call("snoop", "write", "/tmp/scratch") == "written"
        assert worker.call("snoop", "whoami") == [65534, 65534]


@needs_bwrap
def test_isolated_worker_grades_the_reference_like_a_plain_process():
    image, kernel = np.arange(20.0).reshape(4, 5), np.array([[1.0, -1.0], [2.0, 0.5]])
    results = {}
    for level in ("process", "bwrap"):
        with Worker(PROJECT / "solutions", isolation=level) as worker:
            results[level] = worker.call("convolution", "conv2d", image, kernel, padding="same")
    np.testing.assert_array_equal(results["process"], results["bwrap"])


def test_auto_falls_back_to_a_plain_process_when_bubblewrap_is_missing(monkeypatch, snoop):
    monkeypatch.setattr(sandbox, "bwrap_works", lambda python: "bubblewrap is not installed")
    assert sandbox.resolve("auto") == "process"
    with pytest.raises(sandbox.IsolationUnavailable, match="not installed"):
        sandbox.resolve("bwrap")
    with Worker(snoop, isolation="auto") as worker:
        assert worker.isolation == "process"


def test_staging_copies_top_level_sources_only(tmp_path, snoop):
    (snoop / "big.py").write_bytes(b"#" * (3 * 2**20))
    (snoop / "sub").mkdir()
    (snoop / "sub" / "x.py").write_text("x = 1\n")
    staged = tmp_path / "staged"
    stage_submission(snoop, staged)
    assert sorted(p.name for p in staged.iterdir()) == ["_validate.py", "big.py", "snoop.py"]
    assert "larger than" in (staged / "big.py").read_text()
    assert (staged / "_validate.py").read_text() == (
        PROJECT / "exercises" / "_validate.py"
    ).read_text()
    shutil.rmtree(staged)
