"""Capstone 4 (optional): Embedding + LSTM for sentiment, scored by test accuracy.

Graded on IMDB when its file is cached, else on the Rotten Tomatoes snippets that ship in
a wheel (settings.json, ``fallbacks``); skipped, and not counted, when neither is there.
"""

from __future__ import annotations

from autograder.capstones.checks import Check
from autograder.capstones.context import Context
from autograder.capstones.graders.one_model import grade_one_model
from deepgrade.catalog import in_module

NAME = "capstone_sentiment"


def grade(context: Context, found: dict) -> list[Check]:
    why = context.unavailable.get(NAME)
    if why is not None:
        reason = (
            f"skipped: no sentiment data set here ({why}); this optional capstone is not counted"
        )
        context.notes.append(f"{NAME}: {reason}")
        return [Check(e.name, "skipped", 0.0, reason, skipped=True) for e in in_module(NAME)]
    context.notes.append(f"{NAME}: graded on {context.config[NAME]['dataset']}")
    return grade_one_model(
        context,
        NAME,
        found,
        "build_sentiment_model",
        "sentiment_recipe",
        allow_augmentation=False,
    )
