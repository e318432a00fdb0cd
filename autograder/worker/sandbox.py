"""Isolation levels for the worker: what it can see and touch of the machine.

Each level is one :class:`Level` in :data:`LEVELS` (weakest first): its name, the line
``--help`` and the README show, a probe that says whether this host can provide it, and
its launcher in ``launch.py`` (how a worker is started under it). ``auto`` takes the
strongest level whose probe passes.

``process``
    A plain child process running as the grader's user: it can read and write whatever
    the grader can (the reference solutions, the grader's own files, other submissions)
    and use the network. Only for a student's own machine, or when asked for by name.
``landlock``
    Linux Landlock (5.13+), no privilege needed: before any submission code is imported
    the worker restricts itself to reading the system (``/usr``...), the Python
    installation (with this project's own packages left out), its own modules (the runner
    and what it loads) and its staged submission, and to writing its own scratch folder;
    from Landlock ABI 4 it can neither connect nor bind TCP, from ABI 6 it cannot signal
    processes outside itself.
``uid``
    The grader is root without user namespaces (Gradescope, most CI containers): the
    worker runs as a fresh unprivileged uid/gid of its own (no supplementary groups), so
    it cannot write the grader's files, signal the grader or other workers, or raise its
    limits; Landlock is applied on top where the kernel has it. The probe checks that the
    grader's files are really out of reach (without Landlock they must not be readable by
    other users: ``chmod -R go-rwx``).
``bwrap``
    Linux bubblewrap: new user, PID, network, IPC and mount namespaces, no capabilities,
    uid/gid 65534, and a file system made of the system's ``/usr`` (read-only), the Python
    installation (read-only, this project's packages masked), a copy of the worker's
    modules and of the one submission (read-only), and an empty ``/tmp``. No network at
    all.

Every probe except ``process``'s ends with a trial run: the real runner is started at
that level and must import numpy and fail to read or open for writing any of the
grader's files (:func:`grader_paths`); otherwise the level is refused with the reason.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from autograder.worker import confine
from autograder.worker.errors import IsolationUnavailable
from autograder.worker.launch import (
    Launcher,
    launch_bwrap,
    launch_landlock,
    launch_process,
    launch_staged,
    launch_uid,
    protected_folders,
)


def worker_python() -> str:
    """The interpreter workers run: ``$DEEPGRADE_WORKER_PYTHON``, else the grader's own.

    At the uid level the worker's uid must be able to run it (a system Python, or a venv
    outside root's home); the grader's packages need not be importable from it.
    """
    return os.environ.get("DEEPGRADE_WORKER_PYTHON") or sys.executable


@dataclass(frozen=True)
class Level:
    """One isolation level. ``probe(python)``: None where this host provides the level,
    else why not. ``launch(python, workdir, config)``: the worker's command, given a
    workdir holding ``grader/`` (the worker's modules), ``submission/`` (staged) and
    ``scratch/``, and the runner's config (a dict the level may add to)."""

    name: str
    help: str
    strength: int
    probe: Callable[[str], str | None]
    launch: Launcher


def grader_paths() -> list[str]:
    """What a trial run must fail to read: each protected folder and a source file in it."""
    paths = []
    for folder in protected_folders():
        paths.append(folder)
        first = next(iter(sorted(Path(folder).glob("*.py"))), None)
        if first is not None:
            paths.append(str(first))
    return paths


# ---------------------------------------------------------------------------- probes


@functools.lru_cache(maxsize=16)
def trial(level: str, python: str) -> str | None:
    """Start the real runner at ``level`` in probe mode: None if it imports numpy and can
    neither read nor open for writing any of :func:`grader_paths`; otherwise why not."""
    paths = grader_paths()
    workdir = Path(tempfile.mkdtemp(prefix="deepgrade-probe-"))
    try:
        (workdir / "submission").mkdir()  # nothing staged: the probe imports no submission
        launch = launch_staged(
            LEVELS[level].launch, workdir=workdir, config={"probe": paths}, python=python
        )
        proc = subprocess.run(
            launch.argv, cwd=launch.cwd, env=launch.env, user=launch.user,
            group=launch.group, extra_groups=[] if launch.user is not None else None,
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
    except IsolationUnavailable as err:
        return str(err)
    except (OSError, subprocess.SubprocessError) as err:
        return f"a worker could not be started at level {level}: {err}"
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    try:
        seen = json.loads(proc.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        last = (proc.stderr.strip().splitlines() or ["no message"])[-1]
        return f"a worker at level {level} failed on this host: {last}"
    for key, verb in (("readable", "read"), ("writable", "open for writing")):
        if seen.get(key):
            return f"a worker at level {level} could {verb} the grader's {seen[key][0]}"
    return None


def _probe_process(python: str) -> str | None:
    return None


def _probe_landlock(python: str) -> str | None:
    if confine.landlock_abi() < 1:
        return "this kernel has no Landlock (Linux 5.13 or later, with Landlock enabled)"
    return trial("landlock", python)


def _probe_uid(python: str) -> str | None:
    if os.geteuid() != 0:
        return "only a grader running as root can start the worker as another uid"
    closed = closed_folder(python)
    if closed:
        return (
            f"the worker's Python ({python}) lies in {closed}, which other users cannot "
            "enter, so a worker's uid cannot run it: set DEEPGRADE_WORKER_PYTHON to a Python "
            "outside it (a system Python with numpy, or a venv outside that home)"
        )
    why = trial("uid", python)
    if why and "could read" in why and confine.landlock_abi() < 1:
        why += " (without Landlock, make the grader's files unreadable: chmod -R go-rwx)"
    elif why and "Permission denied" in why:
        why += " (point DEEPGRADE_WORKER_PYTHON to a Python other users can run)"
    return why


def closed_folder(python: str) -> str | None:
    """The first folder on the way to ``python`` (or to the interpreter it links to) that
    other users cannot enter (a 0700 home holding a pyenv or a venv), or None."""
    for path in (Path(os.path.abspath(python)), Path(os.path.realpath(python))):
        for folder in reversed(path.parents):
            try:
                mode = folder.stat().st_mode
            except OSError:
                break
            if not mode & 0o001:  # no search permission for others
                return f"{folder} (mode {mode & 0o777:o})"
    return None


def _probe_bwrap(python: str) -> str | None:
    if shutil.which("bwrap") is None:
        return "bubblewrap is not installed (Debian: apt-get install bubblewrap)"
    return trial("bwrap", python)


LEVELS: dict[str, Level] = {
    level.name: level
    for level in sorted(
        [
            Level("process", "a plain child process: it can read and write what the grader "
                  "can, and use the network", 0, _probe_process, launch_process),
            Level("landlock", "Linux Landlock, no privilege needed: reads only the system, "
                  "Python and its submission, writes only its scratch folder, no TCP", 1,
                  _probe_landlock, launch_landlock),
            Level("uid", "for a root grader without namespaces: a fresh unprivileged "
                  "uid/gid, plus Landlock where the kernel has it", 2, _probe_uid,
                  launch_uid),
            Level("bwrap", "a bubblewrap sandbox (uid 65534, no network) that sees only "
                  "the system, Python and its own submission", 3, _probe_bwrap,
                  launch_bwrap),
        ],
        key=lambda level: level.strength,
    )
}  # fmt: skip
CHOICES = (*LEVELS, "auto")
AUTO = "auto: the strongest level this host allows"


def choices_help() -> str:
    """The ``--isolation`` help text, from the levels."""
    return "; ".join([*(f"{name}: {level.help}" for name, level in LEVELS.items()), AUTO])


def bwrap_works(python: str) -> str | None:
    """None if the bubblewrap level works here; otherwise why not."""
    return LEVELS["bwrap"].probe(python)


def availability(python: str | None = None) -> dict[str, str | None]:
    """Every level, strongest first, with None (usable here) or the reason it is not."""
    python = python or worker_python()
    return {name: LEVELS[name].probe(python) for name in reversed(LEVELS)}


def resolve(isolation: str, python: str | None = None) -> str:
    """The level to use for ``isolation`` (one of CHOICES); explicit levels are checked."""
    python = python or worker_python()
    if isolation not in CHOICES:
        raise ValueError(f"isolation {isolation!r} is unknown; choose one of {', '.join(CHOICES)}")
    if isolation != "auto":
        why = LEVELS[isolation].probe(python)
        if why is not None:
            raise IsolationUnavailable(f"isolation {isolation} is not available: {why}")
        return isolation
    for name in reversed(LEVELS):
        if LEVELS[name].probe(python) is None:
            return name
    return "process"  # pragma: no cover - process always probes None
