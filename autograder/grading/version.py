"""The grader's version: one hash of everything that can change a grade.

``grade-batch`` skips a submission whose files and grader version are those of its last
complete grading, so the version must change whenever a grade could: the grading engine
and hidden suites (``autograder/``), the public tests (``tests/``), the reference
solutions (``solutions/``), the kit's scoring and feedback (``deepgrade/``), the data
loaders (``datasets/``), every settings or calibration file inside them, the pins
(``constraints.txt``, ``setup.cfg``) and the environment that actually runs: the Python
and the installed versions of the pinned packages, in the grader and in the worker's
interpreter. What a run asks for (isolation level, limits) is added by
:func:`run_options`, so a re-run with other limits re-grades too.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import asdict
from importlib import metadata
from pathlib import Path

from autograder.grading.engine import Limits
from autograder.paths import PROJECT_ROOT
from autograder.worker.sandbox import worker_python

# Folders whose every file (code, settings, calibration data) is part of the version.
GRADING_FOLDERS = ("autograder", "deepgrade", "solutions", "tests", "datasets")
GRADING_FILES = ("constraints.txt", "setup.cfg", "conftest.py")
SKIPPED_PARTS = ("__pycache__", ".pytest_cache", ".hypothesis")


def _files(root: Path) -> Iterator[Path]:
    for folder in GRADING_FOLDERS:
        for path in sorted((root / folder).rglob("*")):
            parts = path.relative_to(root).parts
            if path.is_file() and not any(p in SKIPPED_PARTS or p.startswith(".") for p in parts):
                if path.suffix not in (".pyc", ".pyo"):
                    yield path
    for name in GRADING_FILES:
        if (root / name).is_file():
            yield root / name


def pinned_packages(root: Path = PROJECT_ROOT) -> list[str]:
    """The package names ``constraints.txt`` pins (``numpy==2.4.6`` -> ``numpy``)."""
    try:
        text = (root / "constraints.txt").read_text(encoding="utf-8")
    except OSError:
        return []
    return [m[1] for m in re.finditer(r"^\s*([A-Za-z0-9._-]+)\s*[=<>~!]", text, re.MULTILINE)]


def _installed(names: list[str]) -> dict[str, str]:
    found = {}
    for name in names:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


@functools.lru_cache(maxsize=4)
def _worker_environment(python: str, names: tuple[str, ...]) -> str:
    """The Python and pinned versions of another interpreter (``DEEPGRADE_WORKER_PYTHON``)."""
    code = (
        "import json, sys; from importlib import metadata\n"
        "def v(n):\n    try: return metadata.version(n)\n    except Exception: return None\n"
        f"print(json.dumps([sys.version, {{n: v(n) for n in {list(names)!r}}}]))"
    )
    try:
        out = subprocess.run([python, "-I", "-c", code], capture_output=True, text=True,
                             timeout=60, check=False)  # fmt: skip
    except (OSError, subprocess.SubprocessError) as err:
        return f"{python}: {err}"
    return f"{python}: {out.stdout.strip()}"


def environment(root: Path = PROJECT_ROOT) -> dict[str, str]:
    """What runs the grading: the Pythons and the installed versions of the pinned packages."""
    names = pinned_packages(root)
    found = {"python": sys.version, **_installed(names)}
    python = worker_python()
    if python != sys.executable:
        found["worker"] = _worker_environment(python, tuple(names))
    return found


def grader_version(root: Path = PROJECT_ROOT) -> str:
    """A hash of every file and version that can change a grade: any change re-grades."""
    digest = hashlib.sha256()
    for path in _files(root):
        digest.update(str(path.relative_to(root)).encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    digest.update(json.dumps(environment(root), sort_keys=True).encode())
    return digest.hexdigest()[:16]


def run_options(isolation: str, limits: Limits) -> str:
    """What a run asks for that can change a grade: the isolation level and the limits."""
    return json.dumps({"isolation": isolation, "limits": asdict(limits)}, sort_keys=True)
