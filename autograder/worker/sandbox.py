"""Isolation levels for the worker: what it can see and touch of the machine.

Each level is one :class:`Level` in :data:`LEVELS` (weakest first): its name, the line
``--help`` and the README show, a probe that says whether this host can provide it, and
how to launch a worker under it. ``auto`` takes the strongest level whose probe passes.

``process``
    A plain child process running as the grader's user: it can read and write whatever
    the grader can (the reference solutions, the grader's own files, other submissions)
    and use the network. Only for a student's own machine, or when asked for by name.
``landlock``
    Linux Landlock (5.13+), no privilege needed: before any submission code is imported
    the worker restricts itself to reading the system (``/usr``...), the Python
    installation (with this project's own packages left out), the runner and its staged
    submission, and to writing its own scratch folder; from Landlock ABI 4 it can neither
    connect nor bind TCP, from ABI 6 it cannot signal processes outside itself.
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
    installation (read-only, this project's packages masked), a copy of the runner and of
    the one submission (read-only), and an empty ``/tmp``. No network at all.

Every probe except ``process``'s ends with a trial run: the real runner is started at
that level and must import numpy and fail to read or open for writing any of the
grader's files (:func:`grader_paths`); otherwise the level is refused with the reason.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from autograder.paths import PROJECT_ROOT
from autograder.worker import confine
from autograder.worker.errors import IsolationUnavailable
from autograder.worker.processes import clean_environment

# Packages of this project that must never be visible to a worker, even when installed
# (non-editable) into the interpreter's site-packages, and the folders of its checkout.
PROJECT_PACKAGES = (
    "solutions",
    "autograder",
    "deepgrade",
    "exercises",
    "datasets",
    "tests",
    "devtests",
)
CHECKOUT_FOLDERS = (*PROJECT_PACKAGES, "benchmarks")
GRADER_DIR = "/grader"
SUBMISSION_DIR = "/submission"
SCRATCH_DIR = "/deepgrade-scratch"  # the worker's own writable folder in the sandbox
SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64")
# also the worker's own /proc entry (TensorFlow reads its maps): "/proc/self" is resolved
# when the worker adds the rule; Landlock judges a path by where the file really is, so
# /proc/self/root/... leads nowhere new
DEVICES_READ = ("/dev/urandom", "/dev/random", "/dev/zero", "/proc/self")
# The uid level gives each worker a uid of its own from this range (no account needed):
# workers of other students cannot signal it or read its scratch folder.
UID_RANGE = range(2_000_000_000, 2_001_000_000)
# The worker's own modules (the runner script and what it loads, stdlib and numpy only),
# copied alone from this folder into each worker's folder (see launch_staged).
WORKER_DIR = Path(__file__).resolve().parent
WORKER_MODULES = (
    "runner",
    "confine",
    "serve",
    "functions",
    "protocol",
    "frames",
    "encoding",
    "decoding",
    "errors",
)


def worker_python() -> str:
    """The interpreter workers run: ``$DEEPGRADE_WORKER_PYTHON``, else the grader's own.

    At the uid level the worker's uid must be able to run it (a system Python, or a venv
    outside root's home); the grader's packages need not be importable from it.
    """
    return os.environ.get("DEEPGRADE_WORKER_PYTHON") or sys.executable


@dataclass
class Launch:
    """How to start a worker: argv, the submission folder as the worker sees it, cwd, env,
    and the uid/gid to run as (None: the grader's own)."""

    argv: list[str]
    submission: str
    cwd: str
    env: dict[str, str]
    user: int | None = None
    group: int | None = None


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
    launch: Callable[[str, Path, dict], Launch]


# ------------------------------------------------------------------- what is protected


def _package_folders() -> list[str]:
    """Where this project's packages are, wherever they are installed."""
    found = []
    for name in PROJECT_PACKAGES:
        spec = importlib.util.find_spec(name)
        for location in (spec.submodule_search_locations or []) if spec else []:
            found.append(os.path.realpath(location))
    return found


def protected_folders() -> list[str]:
    """The grader's folders no worker may read: the checkout's and the packages'."""
    root = PROJECT_ROOT.resolve()
    folders = [str(root / name) for name in CHECKOUT_FOLDERS if (root / name).is_dir()]
    return sorted({*folders, *_package_folders()})


def grader_paths() -> list[str]:
    """What a trial run must fail to read: each protected folder and a source file in it."""
    paths = []
    for folder in protected_folders():
        paths.append(folder)
        first = next(iter(sorted(Path(folder).glob("*.py"))), None)
        if first is not None:
            paths.append(str(first))
    return paths


def _python_roots(python: str) -> list[str]:
    """The folders the interpreter needs (prefixes and import path), deduplicated."""
    code = "import sys; print('\\n'.join([sys.prefix, sys.base_prefix, *sys.path]))"
    out = subprocess.run([python, "-I", "-B", "-c", code], capture_output=True, text=True,
                         check=True, timeout=30)  # fmt: skip
    paths = sorted(
        {os.path.realpath(p) for p in out.stdout.splitlines() if p and os.path.exists(p)}
    )
    roots: list[str] = []
    for real in paths:  # sorted: a parent comes before what it holds
        if not any(real == r or real.startswith(r + os.sep) for r in roots):
            roots.append(real)
    return roots


def _masked_packages(roots: list[str]) -> list[str]:
    """This project's package folders that lie inside the Python installation."""
    return [
        folder
        for folder in _package_folders()
        if any(folder.startswith(root + os.sep) for root in roots)
    ]


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder + os.sep)


def _allow_except(root: str, holes: list[str]) -> list[str]:
    """Paths that together cover ``root`` except ``holes`` (Landlock only adds rights)."""
    inside = [h for h in holes if _inside(h, root)]
    if not inside:
        return [root]
    if root in inside:
        return []
    allowed = []
    for entry in sorted(os.scandir(root), key=lambda e: e.name):
        real = os.path.realpath(entry.path)
        if any(_inside(real, h) for h in inside):
            continue  # a hole, or a link into one
        if any(_inside(h, entry.path) for h in inside):
            allowed += _allow_except(entry.path, inside)
        else:
            allowed.append(entry.path)
    return allowed


@functools.lru_cache(maxsize=8)
def landlock_read_paths(python: str) -> tuple[str, ...]:
    """System, devices and the Python installation, with the grader's folders left out."""
    holes = protected_folders()
    paths = [p for p in SYSTEM_DIRS if os.path.isdir(p) and not os.path.islink(p)]
    for root in _python_roots(python):
        paths += _allow_except(root, holes)
    return (*paths, *DEVICES_READ)


def _landlock_policy(python: str, workdir: Path) -> dict:
    read = [*landlock_read_paths(python), str(workdir / "grader"), str(workdir / "submission")]
    return {"read": read, "write": [str(workdir / "scratch"), "/dev/null"]}


# ------------------------------------------------------------------------- launchers


def _runner(python: str, runner_path: str, config: dict) -> list[str]:
    # -B: nothing of a grading run writes bytecode (-I ignores PYTHONDONTWRITEBYTECODE)
    return [python, "-I", "-B", runner_path, json.dumps(config, separators=(",", ":"))]


def _plain(python: str, workdir: Path, config: dict) -> Launch:
    scratch = str(workdir / "scratch")
    env = clean_environment(home=scratch, tmpdir=scratch)
    argv = _runner(python, str(workdir / "grader" / "runner.py"), config)
    return Launch(argv, str(workdir / "submission"), scratch, env)


def _launch_process(python: str, workdir: Path, config: dict) -> Launch:
    return _plain(python, workdir, config)


def _launch_landlock(python: str, workdir: Path, config: dict) -> Launch:
    return _plain(python, workdir, {**config, "landlock": _landlock_policy(python, workdir)})


def _launch_uid(python: str, workdir: Path, config: dict) -> Launch:
    uid = UID_RANGE[secrets.randbelow(len(UID_RANGE))]
    if confine.landlock_abi() >= 1:
        config = {**config, "landlock": _landlock_policy(python, workdir)}
    # the workdir is the worker's (others cannot enter it); grader/ and submission/ in it
    # stay root's and read-only; scratch/ is its only writable place
    for path in (workdir, workdir / "scratch"):
        os.chown(path, uid, uid)
        os.chmod(path, 0o700)
    for folder in (workdir / "grader", workdir / "submission"):
        os.chmod(folder, 0o755)
        for path in folder.iterdir():
            os.chmod(path, 0o644)
    launch = _plain(python, workdir, config)
    launch.user = launch.group = uid
    return launch


def _system_mounts() -> list[str]:
    """/usr read-only, and /bin, /lib, /lib64, /sbin as the host has them (links or dirs)."""
    args = ["--ro-bind", "/usr", "/usr"]
    for top in SYSTEM_DIRS[1:]:
        path = Path(top)
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
        # empty /tmp and scratch first: the Python installation (a venv, say) may live
        # below /tmp, and bwrap applies mounts in order; the worker's own folder is the
        # scratch folder, which nothing else shares
        "--tmpfs", "/tmp", "--tmpfs", SCRATCH_DIR,
    ]  # fmt: skip
    for root in roots:
        args += ["--ro-bind", root, root]
    for folder in _masked_packages(roots):
        args += ["--tmpfs", folder]
    args += ["--proc", "/proc", "--dev", "/dev", "--chdir", SCRATCH_DIR]
    return tuple(args)


def _launch_bwrap(python: str, workdir: Path, config: dict) -> Launch:
    env = clean_environment(home=SCRATCH_DIR, tmpdir=SCRATCH_DIR)
    argv = [
        *bwrap_prefix(python),
        "--ro-bind", str(workdir / "grader"), GRADER_DIR,
        "--ro-bind", str(workdir / "submission"), SUBMISSION_DIR,
        *_runner(python, f"{GRADER_DIR}/runner.py", config),
    ]  # fmt: skip
    return Launch(argv, SUBMISSION_DIR, str(workdir), env)


def check_level(level: str) -> None:
    """ValueError unless ``level`` is one of :data:`LEVELS` (not ``auto``: resolve it first)."""
    if level not in LEVELS:
        raise ValueError(f"isolation {level!r} is not available; choose one of {', '.join(LEVELS)}")


def launch_staged(level: str, *, workdir: Path, config: dict, python: str) -> Launch:
    """The worker's command at ``level``, given ``workdir/submission/`` already staged.

    Every level gets the same workdir: ``submission/``, ``grader/`` (copies of the
    worker's modules, so nothing of the grader's tree is needed, or written, by the
    worker) and ``scratch/`` (its only writable place).
    """
    check_level(level)
    grader = workdir / "grader"
    grader.mkdir()
    for name in WORKER_MODULES:
        shutil.copyfile(WORKER_DIR / f"{name}.py", grader / f"{name}.py")
    (workdir / "scratch").mkdir()
    return LEVELS[level].launch(python, workdir, config)


# ---------------------------------------------------------------------------- probes


@functools.lru_cache(maxsize=16)
def trial(level: str, python: str) -> str | None:
    """Start the real runner at ``level`` in probe mode: None if it imports numpy and can
    neither read nor open for writing any of :func:`grader_paths`; otherwise why not."""
    paths = grader_paths()
    workdir = Path(tempfile.mkdtemp(prefix="deepgrade-probe-"))
    try:
        (workdir / "submission").mkdir()  # nothing staged: the probe imports no submission
        launch = launch_staged(level, workdir=workdir, config={"probe": paths}, python=python)
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
                  "can, and use the network", 0, _probe_process, _launch_process),
            Level("landlock", "Linux Landlock, no privilege needed: reads only the system, "
                  "Python and its submission, writes only its scratch folder, no TCP", 1,
                  _probe_landlock, _launch_landlock),
            Level("uid", "for a root grader without namespaces: a fresh unprivileged "
                  "uid/gid, plus Landlock where the kernel has it", 2, _probe_uid,
                  _launch_uid),
            Level("bwrap", "a bubblewrap sandbox (uid 65534, no network) that sees only "
                  "the system, Python and its own submission", 3, _probe_bwrap,
                  _launch_bwrap),
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
