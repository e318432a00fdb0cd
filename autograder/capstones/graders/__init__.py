"""One grader per capstone, registered by module name.

A grader is ``grade(context, found) -> list[Check]``: ``found`` is what the worker sent
back for that capstone's functions (see ``probe.collect``). Adding a capstone is one
module here and one line in :data:`GRADERS`.
"""

from __future__ import annotations

from collections.abc import Callable

from autograder.capstones.checks import Check
from autograder.capstones.context import Context
from autograder.capstones.graders import digits, forecasting, sentiment, sequences, small_data

Grader = Callable[[Context, dict], list[Check]]

GRADERS: dict[str, Grader] = {
    "capstone_digits": digits.grade,
    "capstone_sequences": sequences.grade,
    "capstone_small_data": small_data.grade,
    "capstone_sentiment": sentiment.grade,
    "capstone_forecasting": forecasting.grade,
}
