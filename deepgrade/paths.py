"""Where things are: the folder this kit belongs to (the instructors' repository or a
student release) and its student-side folders. The one place a root is computed."""

from __future__ import annotations

import importlib.util
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
PUBLIC_TESTS = PROJECT_ROOT / "tests"
EXERCISES_DIR = PROJECT_ROOT / "exercises"
DATASETS_DIR = PROJECT_ROOT / "datasets"
CONSTRAINTS = PROJECT_ROOT / "constraints.txt"  # the pinned grading environment

# The implementations importable by package name (``--impl solutions``); any other is a folder.
PACKAGES = ("solutions", "exercises")


def available_packages() -> tuple[str, ...]:
    """The packages of :data:`PACKAGES` this installation has (a release has no solutions)."""
    return tuple(name for name in PACKAGES if importlib.util.find_spec(name) is not None)


def is_notebook_work(path: str | Path) -> bool:
    """Whether ``path`` is a notebook, or a folder holding one of the course's notebooks."""
    from deepgrade.catalog import TOPICS

    path = Path(path)
    if path.suffix == ".ipynb":
        return True
    return path.is_dir() and any((path / f"{topic}.ipynb").is_file() for topic in TOPICS)
