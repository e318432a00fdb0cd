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
from collections.abc import Callable
from pathlib import Path

PATH = Path(__file__).with_name("settings.json")


def load(path: Path = PATH) -> dict:
    """The settings, one entry per capstone module."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


def resolve(entry: dict, missing: Callable[[str], str]) -> tuple[dict | None, str]:
    """The settings to train a capstone with on this machine, and why not (``""``).

    A capstone whose data set may be missing offline (IMDB) lists ``fallbacks``: settings
    for other data sets whose keys replace the entry's. The first whose data set
    ``missing(name)`` reports as available wins; ``(None, the reasons)`` if none is.
    """
    base = {key: value for key, value in entry.items() if key != "fallbacks"}
    reasons = []
    for candidate in (entry, *entry.get("fallbacks", ())):
        merged = {**base, **{k: v for k, v in candidate.items() if k != "fallbacks"}}
        why = missing(merged["dataset"])
        if not why:
            return merged, ""
        reasons.append(why)
    return None, "; ".join(reasons)


def fraction(value: float, target: float, floor: float) -> float:
    """The share of the points a measurement earns: 1 at or above ``target``, 0 below
    ``floor`` (or not finite), linear in between."""
    if not math.isfinite(value) or value < floor:
        return 0.0
    if value >= target:
        return 1.0
    return (value - floor) / (target - floor)
