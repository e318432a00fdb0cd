"""The instructor side's folders, next to the kit's (:mod:`deepgrade.paths`)."""

from __future__ import annotations

from pathlib import Path

from deepgrade.paths import DATASETS_DIR, EXERCISES_DIR, PROJECT_ROOT, PUBLIC_TESTS

SOLUTIONS_DIR = PROJECT_ROOT / "solutions"
HIDDEN_SUITES = Path(__file__).resolve().parent / "suites"

__all__ = [
    "DATASETS_DIR",
    "EXERCISES_DIR",
    "HIDDEN_SUITES",
    "PROJECT_ROOT",
    "PUBLIC_TESTS",
    "SOLUTIONS_DIR",
]
