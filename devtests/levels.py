"""The isolation levels as the project's tests meet them, and a safe copy of the checkout.

- :data:`LEVEL_PARAMS`: every level of ``sandbox.LEVELS`` as a pytest parameter, skipped
  with the host's own reason where it cannot provide it (never in CI, where every level
  must work: CI runs as root on a Linux with Landlock and bubblewrap).
- :func:`at_level`: the environment a level needs here. The ``uid`` level runs the
  worker as an unprivileged uid, which cannot run an interpreter kept in root's home
  (this machine's pyenv); :func:`readable_python` makes a Python it can run (the system's
  interpreter of the same version, with this environment's site-packages on its path)
  and ``DEEPGRADE_WORKER_PYTHON`` points the worker to it, as on a grading server.
- :func:`run_over_copy`: run a command with a copy of the project mounted over the
  checkout (bubblewrap, a private mount namespace), so a submission that writes
  into "the grader's files" writes into the copy, never into this working tree.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from autograder.worker import sandbox

PROJECT = Path(__file__).resolve().parents[1]
IN_CI = bool(os.environ.get("CI"))
COPY_IGNORE = shutil.ignore_patterns(".git", ".venv", "__pycache__", ".hypothesis", "*.pyc")


@functools.cache
def readable_python() -> str | None:
    """A Python an unprivileged uid can run, with this environment's packages; or None."""
    major_minor = f"python{sys.version_info.major}.{sys.version_info.minor}"
    system = shutil.which(major_minor, path="/usr/bin:/usr/local/bin:/bin")
    if system is None:
        return None
    site = next((p for p in sys.path if p.endswith("site-packages")), None)
    folder = Path(tempfile.mkdtemp(prefix="deepgrade-worker-python-"))
    folder.chmod(0o755)
    subprocess.run([system, "-m", "venv", "--without-pip", str(folder)], check=True)
    if site:
        (folder / "lib" / major_minor / "site-packages" / "deepgrade-worker.pth").write_text(
            site + "\n"
        )
    import atexit

    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return str(folder / "bin" / "python")


def level_python(level: str) -> str:
    """The worker interpreter the tests use at ``level``."""
    if level == "uid" and sandbox.LEVELS["uid"].probe(sandbox.worker_python()) is not None:
        return readable_python() or sandbox.worker_python()
    return sandbox.worker_python()


@functools.cache
def why_unavailable(level: str) -> str | None:
    if not sys.platform.startswith("linux"):
        return "the isolated levels need Linux"
    return sandbox.LEVELS[level].probe(level_python(level))


def needs(level: str) -> pytest.MarkDecorator:
    """Skip where this host cannot provide ``level`` (a failure in CI instead)."""
    why = why_unavailable(level) if level != "process" else None
    return pytest.mark.skipif(bool(why) and not IN_CI, reason=f"no {level} level here: {why}")


LEVEL_PARAMS = [pytest.param(name, marks=needs(name)) for name in sandbox.LEVELS]
ISOLATED_PARAMS = [p for p in LEVEL_PARAMS if p.values[0] != "process"]


@contextlib.contextmanager
def at_level(level: str) -> Iterator[dict[str, str]]:
    """Set the environment ``level`` needs here (the worker's interpreter); yield it."""
    python = level_python(level)
    old = os.environ.get("DEEPGRADE_WORKER_PYTHON")
    if python != sys.executable:
        os.environ["DEEPGRADE_WORKER_PYTHON"] = python
    try:
        yield dict(os.environ)
    finally:
        if old is None:
            os.environ.pop("DEEPGRADE_WORKER_PYTHON", None)
        else:
            os.environ["DEEPGRADE_WORKER_PYTHON"] = old


# ------------------------------------------------------------------ a copy of the checkout


def copy_project(dest: Path) -> Path:
    """The checkout's files (no .git, .venv, caches) in ``dest``."""
    shutil.copytree(PROJECT, dest, ignore=COPY_IGNORE, symlinks=True)
    return dest


def snapshot(root: Path) -> dict[str, str]:
    """Every file under ``root`` (skipping .git and .venv) with its sha256."""
    found = {}
    for here, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d not in (".git", ".venv")]
        for name in files:
            path = Path(here, name)
            if path.is_file() and not path.is_symlink():
                found[str(path.relative_to(root))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def run_over_copy(copy: Path, argv: list[str], **kwargs) -> subprocess.CompletedProcess:
    """Run ``argv`` with ``copy`` mounted over the checkout (and the venv kept read-only).

    A private mount namespace (bubblewrap): inside it every path of the checkout, however
    found (metadata, /proc/<pid>/cwd, __file__), is the copy's.
    """
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        pytest.skip("running against a copy of the checkout needs bubblewrap")
    binds = ["--bind", str(copy), str(PROJECT)]
    venv = Path(sys.prefix).resolve()
    if venv.is_relative_to(PROJECT):
        (copy / venv.relative_to(PROJECT)).mkdir(parents=True, exist_ok=True)
        binds += ["--ro-bind", str(venv), str(venv)]
    # (no PID namespace: bubblewrap inside it, the bwrap level, could not mount /proc)
    wrapper = [bwrap, "--dev-bind", "/", "/", *binds, "--die-with-parent",
               "--chdir", kwargs.pop("cwd", str(PROJECT)), "--"]  # fmt: skip
    return subprocess.run([*wrapper, *argv], **kwargs)


GUARDED = ("autograder", "solutions", "tests", "exercises", "deepgrade", "devtests", "datasets")


@contextlib.contextmanager
def checkout_guarded() -> Iterator[None]:
    """Fail, restoring every file as it was, if anything changes the checkout's sources."""
    kept = {}
    for folder in GUARDED:
        for path in (PROJECT / folder).rglob("*.py"):
            kept[path] = path.read_bytes()
    try:
        yield
    finally:
        changed = [path for path, data in kept.items() if path.read_bytes() != data]
        for path in changed:
            path.write_bytes(kept[path])
        assert not changed, f"the checkout was changed (restored): {changed[:5]}"
