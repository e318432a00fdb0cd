"""Capstone 1: a CNN for handwritten digits, scored by test accuracy."""

from __future__ import annotations

from autograder.capstones.checks import Check
from autograder.capstones.context import Context
from autograder.capstones.graders.one_model import grade_one_model


def grade(context: Context, found: dict) -> list[Check]:
    return grade_one_model(context, "capstone_digits", found, "build_digit_cnn", "digit_recipe")
