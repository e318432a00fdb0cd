"""A capstone of one model and its recipe, scored by test accuracy (digits, sentiment)."""

from __future__ import annotations

from autograder.capstones.checks import (
    Check,
    accuracy_check,
    model_check,
    recipe_check,
    run_result,
)
from autograder.capstones.context import Context
from deepgrade.capstones.validate import DEFAULT_RECIPE


def grade_one_model(
    context: Context, name: str, found: dict, build: str, recipe_fn: str, **recipe_rules
) -> list[Check]:
    """Validate ``build``'s model and ``recipe_fn``'s recipe, train, score test accuracy.

    A refused recipe costs its own points only: the model still trains, with the default
    recipe, so the architecture is scored on its own merits.
    """
    entry, checks = context.config[name], []
    model = model_check(found, build, checks, f"{build}()'s model")
    recipe = recipe_check(found, recipe_fn, checks, **recipe_rules)
    if model is None:
        checks.append(Check(recipe_fn, "test accuracy", 0.0, "no model to train"))
        return checks
    job = context.job(name, [{"name": "model", "model": model, "recipe": recipe or DEFAULT_RECIPE}])
    result, error = run_result(job, "model")
    if error:
        for fn in (build, recipe_fn):
            checks.append(Check(fn, "test accuracy", 0.0, error))
        return checks
    acc = result["test_accuracy"]
    context.measurements[name] = {"test_accuracy": acc}
    bounds = entry["scored"]["test_accuracy"]
    checks.append(accuracy_check(build, "test accuracy", acc, bounds, "test accuracy"))
    if recipe is not None:
        checks.append(accuracy_check(recipe_fn, "test accuracy", acc, bounds, "test accuracy"))
    else:
        context.notes.append(
            f"{name}: the recipe was refused; the model was trained with the default recipe "
            f"{DEFAULT_RECIPE}"
        )
    context.notes.append(
        f"{name}: test accuracy {acc:.3f} ({result['params']} parameters, "
        f"{result['epochs']} epochs)"
    )
    return checks
