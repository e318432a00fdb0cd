"""The capstones' settings: data set, build arguments, fixed recipes, budgets and targets.

One JSON file (``settings.json`` beside this module) that both sides read: ``deepgrade
train`` trains as the grader does, and the grader takes its data sets, build arguments,
caps and the targets/floors of the scored measurements from it. The targets are
calibrated from the reference solutions by the instructors' ``python -m
autograder.capstones.calibrate``, which rewrites them here (the evidence stays with the
instructors).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

PATH = Path(__file__).with_name("settings.json")


def load(path: Path = PATH) -> dict:
    """The settings, one entry per capstone module."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


def fraction(value: float, target: float, floor: float) -> float:
    """The share of the points a measurement earns: 1 at or above ``target``, 0 below
    ``floor`` (or not finite), linear in between."""
    if not math.isfinite(value) or value < floor:
        return 0.0
    if value >= target:
        return 1.0
    return (value - floor) / (target - floor)
