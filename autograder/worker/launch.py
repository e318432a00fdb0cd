"""Launching a worker: stage its submission, then build its command at an isolation level.

Every level gets the same workdir: ``submission/`` (:func:`stage_submission`: what the
worker may import), ``grader/`` (copies of the worker's own modules,
:data:`WORKER_MODULES`, so nothing of the grader's tree is needed, or written, by the
worker) and ``scratch/`` (its only writable place). A level's launcher
(:func:`launch_process`, :func:`launch_landlock`, :func:`launch_uid`,
:func:`launch_bwrap`, each named by its level in ``sandbox.LEVELS``) turns that workdir
into a :class:`Launch`: the command line, the environment, the folder and the uid it runs
with. The grader's folders (:func:`protected_folders`) are left out of what the worker
may read (Landlock) or sees mounted (bwrap).
"""

from __future__ import annotations

import functools
import importlib.util
import json
import os
import secrets
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from autograder.paths import PROJECT_ROOT
from autograder.worker import confine
from autograder.worker.errors import IsolationUnavailable
from autograder.worker.processes import clean_environment
from deepgrade.safe_read import MAX_SOURCE_BYTES, UnsafeFile, read_bytes

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


# A level's launcher: (python, workdir, the runner's config) -> Launch.
Launcher = Callable[[str, Path, dict], Launch]


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


# ------------------------------------------------------------------------- staging


def stage_submission(submission_dir: Path, dest: Path) -> None:
    """Copy what the worker may import: the folder's top-level ``.py`` files.

    Each is read as an untrusted file (:func:`deepgrade.safe_read.read_bytes`): links are
    never followed, named pipes and devices never opened, and a file larger than
    MAX_SOURCE_BYTES becomes a module that fails to import saying so. The provided helper
    modules (``_validate.py``) are taken from ``exercises/`` when the student's folder
    holds only the topic modules.
    """
    from deepgrade.implementation import PROVIDED
    from deepgrade.paths import EXERCISES_DIR

    dest.mkdir()
    for path in sorted(submission_dir.glob("*.py")):
        try:
            data = read_bytes(path, MAX_SOURCE_BYTES, name=path.name)
        except UnsafeFile as err:
            if path.is_symlink() or not path.is_file():
                continue  # a link or a special file: never the student's module
            data = f"raise ImportError({str(err)!r})\n".encode()
        (dest / path.name).write_bytes(data)
    for helper in PROVIDED:
        provided = EXERCISES_DIR / f"{helper}.py"
        if not (dest / f"{helper}.py").exists() and provided.is_file():
            shutil.copyfile(provided, dest / f"{helper}.py")


# ------------------------------------------------------------------------- launchers


def _runner(python: str, runner_path: str, config: dict) -> list[str]:
    # -B: nothing of a grading run writes bytecode (-I ignores PYTHONDONTWRITEBYTECODE)
    return [python, "-I", "-B", runner_path, json.dumps(config, separators=(",", ":"))]


def _plain(python: str, workdir: Path, config: dict) -> Launch:
    scratch = str(workdir / "scratch")
    env = clean_environment(home=scratch, tmpdir=scratch)
    argv = _runner(python, str(workdir / "grader" / "runner.py"), config)
    return Launch(argv, str(workdir / "submission"), scratch, env)


def launch_process(python: str, workdir: Path, config: dict) -> Launch:
    return _plain(python, workdir, config)


def launch_landlock(python: str, workdir: Path, config: dict) -> Launch:
    return _plain(python, workdir, {**config, "landlock": _landlock_policy(python, workdir)})


def launch_uid(python: str, workdir: Path, config: dict) -> Launch:
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


def launch_bwrap(python: str, workdir: Path, config: dict) -> Launch:
    env = clean_environment(home=SCRATCH_DIR, tmpdir=SCRATCH_DIR)
    argv = [
        *bwrap_prefix(python),
        "--ro-bind", str(workdir / "grader"), GRADER_DIR,
        "--ro-bind", str(workdir / "submission"), SUBMISSION_DIR,
        *_runner(python, f"{GRADER_DIR}/runner.py", config),
    ]  # fmt: skip
    return Launch(argv, SUBMISSION_DIR, str(workdir), env)


def launch_staged(launcher: Launcher, *, workdir: Path, config: dict, python: str) -> Launch:
    """The worker's command from a level's ``launcher``, given ``workdir/submission/``
    already staged: ``grader/`` and ``scratch/`` are made here (see the module's doc)."""
    grader = workdir / "grader"
    grader.mkdir()
    for name in WORKER_MODULES:
        shutil.copyfile(WORKER_DIR / f"{name}.py", grader / f"{name}.py")
    (workdir / "scratch").mkdir()
    return launcher(python, workdir, config)


def build_launch(
    launcher: Launcher, *, submission_dir: Path, workdir: Path, config: dict, python: str
) -> Launch:
    """Stage ``submission_dir`` into ``workdir`` and return the command from a level's
    ``launcher`` (``sandbox.LEVELS[level].launch``)."""
    stage_submission(submission_dir, workdir / "submission")
    return launch_staged(launcher, workdir=workdir, config=config, python=python)
