"""Capstone 4 (optional): Embedding + LSTM for sentiment, scored by test accuracy; skipped,
and not counted, when its data is not available offline."""

from __future__ import annotations

from autograder.capstones.checks import Check
from autograder.capstones.context import Context
from autograder.capstones.data import imdb_missing
from autograder.capstones.graders.one_model import grade_one_model
from deepgrade.catalog import in_module

NAME = "capstone_sentiment"


def grade(context: Context, found: dict) -> list[Check]:
    why = imdb_missing()
    if why:
        reason = f"skipped: IMDB not cached ({why}); this optional capstone is not counted"
        context.notes.append(f"{NAME}: {reason}")
        return [Check(e.name, "skipped", 0.0, reason, skipped=True) for e in in_module(NAME)]
    return grade_one_model(
        context,
        NAME,
        found,
        "build_sentiment_model",
        "sentiment_recipe",
        allow_augmentation=False,
    )
