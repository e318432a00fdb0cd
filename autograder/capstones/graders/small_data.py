"""Capstone 3: augmentation that fits digits, and fine-tuning that beats training from
scratch on a few examples."""

from __future__ import annotations

import json

import numpy as np

from autograder.capstones.checks import (
    Check,
    accuracy_check,
    model_check,
    recipe_check,
    run_result,
)
from autograder.capstones.context import Context
from autograder.capstones.helper import in_helper
from deepgrade.capstones.validate import layer_names

NAME = "capstone_small_data"


def grade(context: Context, found: dict) -> list[Check]:
    entry, checks = context.config[NAME], []
    augment = found.get("augment", {"error": "augment was not called"})
    checks.extend(augment_checks(context, augment, entry["augment"]))
    model = model_check(found, "build_small_data_model", checks, "build_small_data_model()'s model")
    recipe = None
    if model is not None:
        recipe = recipe_check(
            found,
            "small_data_recipe",
            checks,
            require_fine_tune=True,
            layers=layer_names(json.loads(model)),
        )
    else:
        checks.append(Check("small_data_recipe", "fine-tuning beats scratch", 0.0, "no model"))
    if model is None or recipe is None:
        if model is not None:
            checks.append(
                Check(
                    "build_small_data_model",
                    "fine-tuned accuracy",
                    0.0,
                    "no valid recipe to fine-tune with",
                )
            )
        return checks
    run = {
        "name": "small_data",
        "kind": "fine_tune",
        "model": model,
        "recipe": recipe,
        "pretrain_classes": entry["pretrain_classes"],
        "shots": entry["shots"],
        "draws": entry.get("draws", 1),
    }
    job = context.job(NAME, [run])
    result, error = run_result(job, "small_data")
    if error:
        checks.append(Check("build_small_data_model", "fine-tuned accuracy", 0.0, error))
        checks.append(Check("small_data_recipe", "fine-tuning beats scratch", 0.0, error))
        return checks
    tuned, scratch = result["fine_tuned_accuracy"], result["scratch_accuracy"]
    context.measurements[NAME] = {"fine_tuned_accuracy": tuned, "scratch_accuracy": scratch}
    checks.append(
        accuracy_check(
            "build_small_data_model",
            "fine-tuned accuracy",
            tuned,
            entry["scored"]["fine_tuned_accuracy"],
            "accuracy after fine-tuning",
        )
    )
    # "beats": on MNIST-1D, fine-tuning from the classes 0-4 wins over scratch on the
    # classes 5-9 by 0.025-0.068 (see calibration.json, "fine_tune_check"); the mean over
    # the draws must beat scratch by more than the margin, which a head-only recipe
    # (frozen convolutions) misses by far
    margin = entry["beat_margin"]
    beats = tuned > scratch + margin
    draws = entry.get("draws", 1)
    text = (
        f"fine-tuned {tuned:.3f} vs from scratch {scratch:.3f} on the same "
        f"{entry['shots']} examples per class"
        + (f" (mean over {draws} draws of the examples)" if draws > 1 else "")
    )
    message = (
        ""
        if beats
        else f"fine-tuning does not beat training from scratch by more than {margin:.2f}: {text}"
    )
    checks.append(
        Check("small_data_recipe", "fine-tuning beats scratch", 1.0 if beats else 0.0, message)
    )
    context.notes.append(f"{NAME}: {text}")
    return checks


def augment_checks(context: Context, got: dict, rules: dict) -> list[Check]:
    """``augment`` on the grader's digits: shape and type (a gate), that it changes the
    images, that they keep their labels, and that training with them is not worse."""
    fn = "augment"
    if "error" in got:
        return [Check(fn, "runs", 0.0, got["error"], gate=True)]
    seed = np.array(rules["seed"])
    images = in_helper("inputs", context.workdir, seed=seed)["images"]
    outputs = got["ok"]
    for out in outputs:
        if type(out) is not np.ndarray or out.shape != images.shape:
            shape = getattr(out, "shape", type(out).__name__)
            message = (
                f"augment must return an array of the input's shape {images.shape}, got {shape}"
            )
            return [Check(fn, "shape and type", 0.0, message, gate=True)]
        if out.dtype.kind != "f" or not np.isfinite(out).all():
            message = f"augment must return finite floats, got dtype {out.dtype}" + (
                "" if np.isfinite(out).all() else " with nan/inf"
            )
            return [Check(fn, "shape and type", 0.0, message, gate=True)]
    checks = [Check(fn, "shape and type", 1.0)]
    changed = np.mean(
        [np.abs(out - images).reshape(len(images), -1).max(axis=1) > 1e-3 for out in outputs]
    )
    ok = changed >= rules["min_changed"]
    message = "" if ok else f"augment changed only {changed:.0%} of the images"
    checks.append(Check(fn, "changes the images", 1.0 if ok else 0.0, message))
    named = {f"output{i}": out for i, out in enumerate(outputs)}
    scores = in_helper("augment_scores", context.workdir, seed=seed, **named)["scores"]
    kept, plain, augmented = (float(v) for v in scores)
    ok = kept >= rules["min_label_kept"]
    message = (
        ""
        if ok
        else f"only {kept:.0%} of the augmented digits are still recognised as their digit "
        "(mirroring, large shifts or heavy noise change what a digit is)"
    )
    checks.append(Check(fn, "keeps the labels", 1.0 if ok else 0.0, message))
    ok = augmented >= plain - rules["not_worse_tolerance"]
    message = (
        ""
        if ok
        else f"a classifier trained with the augmented copies scores {augmented:.3f}, "
        f"without them {plain:.3f}"
    )
    checks.append(Check(fn, "training with it is not worse", 1.0 if ok else 0.0, message))
    return checks
