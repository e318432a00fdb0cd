"""The isolation levels: each one that this host provides holds against a snooping worker,
and ``auto`` picks the strongest one, as root and as an unprivileged user."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from autograder.worker import StudentException, Worker, confine, launch, sandbox
from autograder.worker.launch import stage_submission
from devtests.levels import ISOLATED_PARAMS, PROJECT, at_level, readable_python

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
        with open(path, "a") as f:
            f.write("x")
        return "written"


    def signal(pid):
        os.kill(pid, 0)
        return "signalled"


    def whoami():
        return [os.getuid(), os.getgid(), sorted(os.getgroups())]
    """
)


@pytest.fixture
def snoop(tmp_path) -> Path:
    folder = tmp_path / "mallory"
    folder.mkdir()
    (folder / "snoop.py").write_text(SNOOP)
    (folder / "link.py").symlink_to(PROJECT / "solutions" / "convolution.py")
    return folder


@pytest.mark.parametrize("level", ISOLATED_PARAMS)
def test_isolated_worker_cannot_read_solutions_suites_or_other_submissions(level, snoop, tmp_path):
    other = tmp_path / "bob"
    other.mkdir()
    (other / "convolution.py").write_text("SECRET = 1\n")
    with at_level(level), Worker(snoop, isolation=level) as worker:
        assert worker.isolation == level
        for path in (
            PROJECT / "solutions" / "convolution.py",
            PROJECT / "autograder" / "suites" / "test_activations_hidden.py",
            PROJECT / "autograder" / "worker" / "runner.py",
            f"/proc/self/root{PROJECT}/solutions/convolution.py",  # through a magic link
            PROJECT / "README.md",
            other / "convolution.py",
            snoop / "snoop.py",  # its own original folder, not the staged copy
        ):
            with pytest.raises(StudentException, match="FileNotFoundError|PermissionError"):
                worker.call("snoop", "read", str(path))
        for folder in (PROJECT / "solutions", PROJECT / "autograder", tmp_path):
            with pytest.raises(StudentException, match="FileNotFoundError|PermissionError"):
                worker.call("snoop", "listdir", str(folder))
        try:  # bwrap shows the checkout's folder only as the path to a venv inside it
            assert set(worker.call("snoop", "listdir", str(PROJECT))) <= {".venv"}
        except StudentException as err:
            assert err.type in ("FileNotFoundError", "PermissionError")
        assert worker.call("snoop", "listdir", ".") == []  # its own empty scratch folder
        submission = "/submission" if level == "bwrap" else "../submission"
        assert "snoop.py" in worker.call("snoop", "listdir", submission)
        assert "link.py" not in worker.call("snoop", "listdir", submission)  # links skipped
        if level == "bwrap":
            python_tops = {Path(r).parts[1] for r in launch._python_roots(worker.python)}
            system = {"usr", "bin", "sbin", "lib", "lib32", "lib64", "tmp", "proc", "dev"}
            visible = set(worker.call("snoop", "listdir", "/"))
            own = {
                Path(d).name for d in (launch.GRADER_DIR, launch.SUBMISSION_DIR, launch.SCRATCH_DIR)
            }
            assert visible <= system | python_tops | own, visible


@pytest.mark.parametrize("level", ISOLATED_PARAMS)
def test_isolated_worker_writes_only_its_scratch_and_cannot_signal_the_grader(level, snoop):
    target = PROJECT / "solutions" / "activations.py"
    before = target.read_bytes()
    with at_level(level), Worker(snoop, isolation=level) as worker:
        # (in bwrap new files outside the checkout would land in the sandbox's own tmpfs)
        news = [] if level == "bwrap" else [PROJECT / "deepgrade-snoop.txt", "/tmp/snoop.txt"]
        for path in (target, *news):
            with pytest.raises(StudentException, match="Error"):
                worker.call("snoop", "write", str(path))
        submission = "/submission" if level == "bwrap" else "../submission"
        with pytest.raises(StudentException, match="Read-only|PermissionError"):
            worker.call("snoop", "write", f"{submission}/snoop.py")
        assert worker.call("snoop", "write", "scratch.txt") == "written"
        if level != "landlock" or confine.landlock_abi() >= 6:  # scoped signals
            with pytest.raises(StudentException, match="PermissionError|ProcessLookupError"):
                worker.call("snoop", "signal", os.getpid())
        uid, gid, groups = worker.call("snoop", "whoami")
        if level == "uid":
            assert uid in launch.UID_RANGE and gid == uid and groups == []
        elif level == "bwrap":
            assert [uid, gid] == [65534, 65534]
    assert target.read_bytes() == before
    assert not (PROJECT / "deepgrade-snoop.txt").exists()


@pytest.mark.parametrize("level", ISOLATED_PARAMS)
def test_isolated_worker_cannot_open_tcp_connections(level, snoop):
    if level == "uid" and confine.landlock_abi() < 4:
        pytest.skip("the uid level blocks TCP only with Landlock ABI 4 (documented)")
    with at_level(level), Worker(snoop, isolation=level) as worker:
        with pytest.raises(StudentException, match="OSError|ConnectionRefused|PermissionError"):
            worker.call("snoop", "connect", "127.0.0.1", 22)
        with pytest.raises(StudentException, match="OSError|gaierror|PermissionError"):
            worker.call("snoop", "connect", "1.1.1.1", 443)


@pytest.mark.parametrize("level", ISOLATED_PARAMS)
def test_isolated_worker_grades_the_reference_like_a_plain_process(level):
    image, kernel = np.arange(20.0).reshape(4, 5), np.array([[1.0, -1.0], [2.0, 0.5]])
    results = {}
    for name in ("process", level):
        with at_level(name), Worker(PROJECT / "solutions", isolation=name) as worker:
            results[name] = worker.call("convolution", "conv2d", image, kernel, padding="same")
            if name == "landlock" or (name == "uid" and confine.landlock_abi()):
                assert worker.info["limits"]["landlock"].startswith("ABI ")
    np.testing.assert_array_equal(results["process"], results[level])


def test_levels_come_from_one_registry_weakest_first():
    assert list(sandbox.LEVELS) == ["process", "landlock", "uid", "bwrap"]
    assert sandbox.CHOICES == (*sandbox.LEVELS, "auto")
    strengths = [level.strength for level in sandbox.LEVELS.values()]
    assert strengths == sorted(strengths)
    help_text = sandbox.choices_help()
    assert all(f"{name}: {level.help}" in help_text for name, level in sandbox.LEVELS.items())
    assert sandbox.LEVELS["process"].probe(sys.executable) is None


def test_auto_picks_the_strongest_level_the_host_allows_and_reports_name_it():
    from autograder.grading.engine import grade
    from autograder.grading.reports import render

    available = sandbox.availability()
    assert list(available) == list(reversed(sandbox.LEVELS))  # strongest first
    strongest = next(name for name, why in available.items() if why is None)
    assert sandbox.resolve("auto") == strongest
    report = grade(PROJECT / "exercises", suites=[PROJECT / "tests" / "test_pooling.py"],
                   isolation="auto")  # fmt: skip
    assert report.isolation == strongest
    assert f"isolation: {strongest}" in render(report, "gradescope")
    assert f'<property name="isolation" value="{strongest}"' in render(report, "junit")
    assert f'"isolation": "{strongest}"' in render(report, "json")


def _availability_as(tmp_path: Path, *, user: int | None, worker_python: str = "") -> dict:
    """Every level's reason, and what ``auto`` picks, in a fresh grading process started
    as ``user`` (None: this one's), without bubblewrap on its PATH (as on many CI runners
    and Gradescope images)."""
    python = readable_python() if user is not None else sys.executable
    if python is None:
        pytest.skip("no Python an unprivileged user can run on this host")
    tmp_path.mkdir()
    tmp_path.chmod(0o777)
    env = {"PATH": str(tmp_path / "no-bwrap"), "PYTHONPATH": str(PROJECT), "LANG": "C.UTF-8",
           "HOME": str(tmp_path), "DEEPGRADE_WORKER_PYTHON": worker_python}  # fmt: skip
    code = (
        "import json; from autograder.worker import sandbox; "
        "print(json.dumps({**sandbox.availability(), 'auto': sandbox.resolve('auto')}))"
    )
    proc = subprocess.run(
        [python, "-B", "-c", code], env=env, cwd=tmp_path, capture_output=True, text=True,
        user=user, group=user, extra_groups=[] if user is not None else None, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to start processes as another user")
def test_without_bubblewrap_auto_takes_uid_as_root_and_landlock_as_a_user(tmp_path):
    if confine.landlock_abi() < 1:
        pytest.skip("this kernel has no Landlock")
    as_user = _availability_as(tmp_path / "user", user=65534)
    assert "bubblewrap is not installed" in as_user["bwrap"]
    assert "only a grader running as root" in as_user["uid"]
    assert as_user["landlock"] is None and as_user["auto"] == "landlock"
    as_root = _availability_as(tmp_path / "root", user=None)
    assert "bubblewrap is not installed" in as_root["bwrap"]
    # this machine's own interpreter lives in root's home, out of an unprivileged uid's
    # reach: then the uid level says so and auto takes landlock; with one it can run, uid
    if as_root["uid"] is None:
        assert as_root["auto"] == "uid"
    else:
        assert "DEEPGRADE_WORKER_PYTHON" in as_root["uid"] and as_root["auto"] == "landlock"
        python = readable_python() or sys.executable
        with_python = _availability_as(tmp_path / "root-python", user=None, worker_python=python)
        assert with_python["uid"] is None and with_python["auto"] == "uid"


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


def test_the_trial_names_what_a_level_leaves_readable(tmp_path):
    """The probe's trial run is what refuses a level that would leak: pointed at a
    Python installation that holds the grader's files, landlock is refused by name."""
    if confine.landlock_abi() < 1:
        pytest.skip("this kernel has no Landlock")
    leaky = launch.landlock_read_paths(sys.executable) + (str(PROJECT),)
    original = launch.landlock_read_paths
    sandbox.trial.cache_clear()
    try:
        launch.landlock_read_paths = lambda python: leaky
        why = sandbox.trial("landlock", sys.executable)
    finally:
        launch.landlock_read_paths = original
        sandbox.trial.cache_clear()
    assert why is not None and "could read the grader's" in why and str(PROJECT) in why
    assert json.dumps(why)  # a plain one-line reason
