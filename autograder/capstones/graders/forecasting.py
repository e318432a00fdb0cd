"""Capstone 5: windowing a series, and an LSTM forecaster scored against naive forecasts.

``make_windows`` runs in the worker on series the grader made up (their values encode
their positions, so a wrong window says which positions it took); the reference is the
kit's own windowing (``datasets.sunspots.windows``). The forecaster trains in the clean
job on the training years only and is scored on the held-out tail by its skill against
the better of persistence and the seasonal naive forecast.
"""

from __future__ import annotations

import numpy as np

from autograder.capstones.checks import Check, model_check, recipe_check, run_result
from autograder.capstones.context import Context
from deepgrade.capstones.settings import fraction
from deepgrade.capstones.validate import DEFAULT_RECIPE

NAME = "capstone_forecasting"
WINDOWS = "make_windows"
BUILD, RECIPE = "build_forecaster", "forecasting_recipe"
STEP, OFFSET = 1.5, -7.0  # series[i] = STEP * i + OFFSET: a value tells its position
BASELINES = {"persistence": "persistence", "seasonal_naive": "the seasonal naive forecast"}


def series(length: int = 24) -> np.ndarray:
    return STEP * np.arange(length, dtype=np.float64) + OFFSET


def window_cases() -> list[tuple]:
    """The arguments ``make_windows`` is called with: plain windows, then a split (the
    last one, ``first_target`` given)."""
    return [(series(), 5, 3), (series(12), 6, 1), (series(), 4, 2, 10)]


def expected_windows(args: tuple) -> tuple[np.ndarray, np.ndarray]:
    from autograder.capstones.data import project_datasets

    project_datasets()
    from datasets.sunspots import windows

    values, window, horizon, *first = args
    x, y = windows(values, window, horizon, first[0] if first else None)
    return x[..., np.newaxis], y


def _positions(a: np.ndarray) -> np.ndarray:
    return np.rint((np.asarray(a, dtype=np.float64) - OFFSET) / STEP).astype(np.int64)


def window_checks(got: dict) -> list[Check]:
    """A pair of arrays (a gate), the windows of the plain cases, and the split case."""
    if "error" in got:
        return [Check(WINDOWS, "runs", 0.0, got["error"], gate=True)]
    results, cases = got["ok"], window_cases()
    for result in results:
        if (
            type(result) not in (tuple, list)
            or len(result) != 2
            or any(type(a) is not np.ndarray or a.dtype.kind not in "fiu" for a in result)
        ):
            message = f"{WINDOWS} must return a pair of numeric arrays (x, y)"
            return [Check(WINDOWS, "returns (x, y)", 0.0, message, gate=True)]
    checks = [Check(WINDOWS, "returns (x, y)", 1.0, gate=True)]
    plain = [_window_message(a, r) for a, r in zip(cases[:-1], results[:-1], strict=True)]
    wrong = next((m for m in plain if m), "")
    checks.append(Check(WINDOWS, "windows and targets", 0.0 if wrong else 1.0, wrong))
    split = _window_message(cases[-1], results[-1])
    checks.append(Check(WINDOWS, "no leakage across the split", 0.0 if split else 1.0, split))
    return checks


def _window_message(args: tuple, result) -> str:
    """ "" when ``result`` is right for ``args``, else what is wrong, by positions."""
    want_x, want_y = expected_windows(args)
    x, y = (np.asarray(a, dtype=np.float64) for a in result)
    call = f"{WINDOWS}(series of {len(args[0])}, window={args[1]}, horizon={args[2]}" + (
        f", first_target={args[3]})" if len(args) > 3 else ")"
    )
    ys = _positions(y)
    if len(args) > 3 and ys.size and ys.min() < args[3]:
        return (
            f"{call}: a target is series[{ys.min()}], before first_target={args[3]}: the "
            "held-out part's windows would score (and leak) years of the training part"
        )
    for name, got, want in (("x", x, want_x), ("y", y, want_y)):
        if got.shape != want.shape:
            return f"{call}: {name} should have shape {want.shape}, got {got.shape}"
    if np.allclose(x, want_x) and np.allclose(y, want_y):
        return ""
    xs = _positions(x[..., 0])
    if xs.size and ys.size and (ys.min(axis=1) <= xs.max(axis=1)).any():
        return (
            f"{call}: a target is also an input of its own window (example 0 reads "
            f"positions {xs[0].tolist()} and forecasts {ys[0].tolist()}): the model would be "
            "shown the answer"
        )
    return (
        f"{call}: example 0 reads positions {xs[0].tolist()} and forecasts "
        f"{ys[0].tolist()}; expected {_positions(want_x[0, :, 0]).tolist()} and "
        f"{_positions(want_y[0]).tolist()}"
    )


def grade(context: Context, found: dict) -> list[Check]:
    entry = context.config[NAME]
    checks = window_checks(found.get(WINDOWS, {"error": f"{WINDOWS} was not called"}))
    model = model_check(found, BUILD, checks, f"{BUILD}()'s model")
    recipe = recipe_check(found, RECIPE, checks, allow_augmentation=False)
    if model is None:
        checks.append(Check(RECIPE, "forecast skill", 0.0, "no model to train"))
        return checks
    run = {"name": "forecaster", "kind": "forecast", "model": model}
    job = context.job(NAME, [{**run, "recipe": recipe or DEFAULT_RECIPE}])
    result, error = run_result(job, "forecaster")
    if error:
        for fn in (BUILD, RECIPE):
            checks.append(Check(fn, "forecast skill", 0.0, error))
        return checks
    skill, relative = result["skill"], result["relative"]
    context.measurements[NAME] = {
        "skill": skill,
        "mae": result["mae"],
        **{f"relative_{name}": value for name, value in relative.items()},
    }
    bounds = entry["scored"]["skill"]
    share = fraction(skill, bounds["target"], bounds["floor"])
    summary = forecast_summary(result, entry)
    worse = [BASELINES[n] for n, value in relative.items() if not value < 1]
    verdict = (
        "full points"
        if share == 1
        else f"{share:.0%} of the points"
        if share
        else "no points: worse than " + " and ".join(worse)
        if worse
        else "no points (below the floor)"
    )
    message = (
        f"forecast skill {skill:.3f} (target {bounds['target']:.2f}, floor "
        f"{bounds['floor']:.2f}): {verdict}. {summary}"
    )
    for fn in (BUILD, RECIPE) if recipe is not None else (BUILD,):
        checks.append(Check(fn, "forecast skill", share, "" if share == 1 else message))
    if recipe is None:
        context.notes.append(
            f"{NAME}: the recipe was refused; the model was trained with the default recipe "
            f"{DEFAULT_RECIPE}"
        )
    context.notes.append(f"{NAME}: {summary} ({result['params']} parameters)")
    return checks


def forecast_summary(result: dict, entry: dict) -> str:
    """One sentence: the errors of the model and of each baseline on the held-out tail."""
    options = entry.get("dataset_options", {})
    horizon = int(options.get("horizon", 1))
    years = result.get("test_years") or [0]
    parts = ", ".join(
        f"{BASELINES[name]} {value:.1f} (yours / it = {result['relative'][name]:.2f})"
        for name, value in result["baseline_mae"].items()
    )
    return (
        f"Mean absolute error of the {horizon}-year forecasts of {years[0]} to "
        f"{years[-1] + horizon - 1}: yours {result['mae']:.1f}, {parts}"
    )
