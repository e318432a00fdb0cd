"""Isolation levels for the worker: what it can see of the machine.

``process``
    A plain child process (portable; students' default). It runs as the grader's user
    and could read what the grader can read.
``bwrap``
    Linux bubblewrap: new user, PID, network, IPC and mount namespaces, no capabilities,
    uid/gid 65534 (so RLIMIT_NPROC applies even when the grader runs as root), and a
    file system made of the system's ``/usr`` (read-only), the Python installation
    (read-only, with this project's own packages masked), a copy of the runner and a
    copy of the one submission (read-only), and an empty ``/tmp``. The reference
    solutions, hidden suites, grader files and other submissions are not in it, and
    there is no network.
``auto``
    ``bwrap`` where the host allows it (checked once by starting a sandboxed Python),
    otherwise ``process``.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

# The levels, weakest first, each with the line that --help and the README show.
LEVELS: dict[str, str] = {
    "process": "a plain child process: portable, but it can read and write what the grader can",
    "bwrap": "a bubblewrap sandbox (uid 65534, no network) that sees only the system, "
    "Python and its own submission",
}
CHOICES = (*LEVELS, "auto")
AUTO = "auto: the strongest level this host allows"


def choices_help() -> str:
    """The ``--isolation`` help text, from the levels."""
    return "; ".join([*(f"{name}: {line}" for name, line in LEVELS.items()), AUTO])


# Packages of this project that must never be visible inside the sandbox, even when
# installed (non-editable) into the interpreter's site-packages.
PROJECT_PACKAGES = (
    "solutions",
    "autograder",
    "deepgrade",
    "exercises",
    "datasets",
    "tests",
    "devtests",
)
GRADER_DIR = "/grader"
SUBMISSION_DIR = "/submission"


class IsolationUnavailable(RuntimeError):
    """The requested isolation level cannot be used on this host (with the reason)."""


def _python_roots(python: str) -> list[str]:
    """The installation folders the interpreter needs (venv and its base), deduplicated."""
    out = subprocess.run(
        [python, "-I", "-c", "import sys; print(sys.prefix); print(sys.base_prefix)"],
        capture_output=True, text=True, check=True, timeout=30,
    )  # fmt: skip
    roots: list[str] = []
    for line in out.stdout.split():
        real = os.path.realpath(line)
        if real not in roots and not any(real.startswith(r + os.sep) for r in roots):
            roots.append(real)
    return roots


def _masked_packages(roots: list[str]) -> list[str]:
    """Folders of this project's packages that lie inside the bound Python installation."""
    masked = []
    for name in PROJECT_PACKAGES:
        spec = importlib.util.find_spec(name)
        for location in (spec.submodule_search_locations or []) if spec else []:
            real = os.path.realpath(location)
            if any(real.startswith(root + os.sep) for root in roots):
                masked.append(real)
    return masked


def _system_mounts() -> list[str]:
    """/usr read-only, and /bin, /lib, /lib64, /sbin as the host has them (links or dirs)."""
    args = ["--ro-bind", "/usr", "/usr"]
    for top in ("bin", "sbin", "lib", "lib64", "lib32"):
        path = Path("/") / top
        if path.is_symlink():
            args += ["--symlink", os.readlink(path), str(path)]
        elif path.is_dir():
            args += ["--ro-bind", str(path), str(path)]
    return args


@functools.lru_cache(maxsize=8)
def bwrap_prefix(python: str) -> tuple[str, ...]:
    """The bwrap options (without the workdir binds) for running ``python`` sandboxed."""
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        raise IsolationUnavailable(
            "bubblewrap is not installed (Debian: apt-get install bubblewrap)"
        )
    roots = _python_roots(python)
    args = [
        bwrap, "--unshare-all", "--unshare-user", "--uid", "65534", "--gid", "65534",
        "--cap-drop", "ALL", "--die-with-parent", "--new-session",
        *_system_mounts(),
        # an empty /tmp first: the Python installation (a venv, say) may live below /tmp,
        # and bwrap applies mounts in order
        "--tmpfs", "/tmp",
    ]  # fmt: skip
    for root in roots:
        args += ["--ro-bind", root, root]
    for folder in _masked_packages(roots):
        args += ["--tmpfs", folder]
    args += ["--proc", "/proc", "--dev", "/dev", "--chdir", "/tmp"]
    return tuple(args)


def sandbox_argv(python: str, workdir: Path, runner_argv: list[str]) -> list[str]:
    """bwrap + binds of ``workdir/grader`` and ``workdir/submission`` + the runner command."""
    return [
        *bwrap_prefix(python),
        "--ro-bind", str(workdir / "grader"), GRADER_DIR,
        "--ro-bind", str(workdir / "submission"), SUBMISSION_DIR,
        *runner_argv,
    ]  # fmt: skip


@functools.lru_cache(maxsize=8)
def bwrap_works(python: str) -> str | None:
    """None if a sandboxed ``python`` can import numpy here; otherwise why not."""
    try:
        argv = [*bwrap_prefix(python), python, "-I", "-c", "import numpy"]
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)
    except IsolationUnavailable as err:
        return str(err)
    except (OSError, subprocess.SubprocessError) as err:
        return f"bubblewrap could not be started: {err}"
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["no message"])[-1]
        return f"bubblewrap failed on this host: {last}"
    return None


def resolve(isolation: str, python: str | None = None) -> str:
    """The level to use for ``isolation`` (one of CHOICES); explicit levels are checked."""
    python = python or sys.executable
    if isolation not in CHOICES:
        raise ValueError(f"isolation {isolation!r} is unknown; choose one of {', '.join(CHOICES)}")
    if isolation == "process":
        return "process"
    why = bwrap_works(python)
    if why is None:
        return "bwrap"
    if isolation == "auto":
        return "process"
    raise IsolationUnavailable(why)
