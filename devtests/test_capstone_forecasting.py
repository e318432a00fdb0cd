"""The forecasting capstone: windows without leakage, the naive baselines, the grading of
``make_windows`` and of the forecaster end to end (tf, slow), ``deepgrade train``.

The windowing and baseline tests recompute everything with plain loops over the raw
series, so they do not share code with what they check.
"""

from __future__ import annotations

import json
import math
import re
import subprocess
from pathlib import Path

import numpy as np
import pytest

from autograder.capstones.graders import forecasting as grader
from autograder.paths import SOLUTIONS_DIR
from datasets import load
from datasets.sunspots import SEASON, TEST_START, VAL_START, raw_series, windows
from deepgrade.capstones import settings
from deepgrade.capstones.training import forecast_scores
from devtests.commands import DEEPGRADE

CORPUS = Path(__file__).parent / "corpus" / "capstones"
SPLITS = ("train", "val", "test")


@pytest.fixture(scope="module")
def raw():
    years, values = raw_series()
    return years, values


# ----------------------------------------------------------------------------- windowing


CASES = [(5, 3, None), (1, 1, None), (4, 2, 10), (6, 1, 6), (3, 4, 20)]


@pytest.mark.parametrize(("window", "horizon", "first"), CASES)
def test_windows_are_the_runs_before_each_target(window, horizon, first):
    series = np.arange(24, dtype=np.float64) * 10
    x, y = windows(series, window, horizon, first)
    start = window if first is None else first
    expected = [(series[t - window : t], series[t : t + horizon])
                for t in range(start, len(series) - horizon + 1)]  # fmt: skip
    assert x.shape == (len(expected), window) and y.shape == (len(expected), horizon)
    for (want_x, want_y), got_x, got_y in zip(expected, x, y, strict=True):
        np.testing.assert_array_equal(got_x, want_x)
        np.testing.assert_array_equal(got_y, want_y)
    with pytest.raises(ValueError, match="first target"):
        windows(series, window, horizon, window - 1)


@pytest.mark.parametrize(("window", "horizon"), [(20, 3), (11, 5), (3, 1)])
def test_sunspot_windows_never_train_or_score_across_the_split(raw, window, horizon):
    years, values = raw
    data = load("sunspots", window=window, horizon=horizon)
    std, mean = data.meta["std"], data.meta["mean"]
    targets = {}
    for split in SPLITS:
        x, y = data.split(split)
        x = x[..., 0] * std + mean
        y = np.asarray(y).reshape(len(x), horizon) * std + mean
        first = data.meta["years"][split]
        for i, year in enumerate(first):
            at = int(np.searchsorted(years, year))
            np.testing.assert_allclose(x[i], values[at - window : at], atol=1e-3)
            np.testing.assert_allclose(y[i], values[at : at + horizon], atol=1e-3)
        targets[split] = {int(y0) + k for y0 in first for k in range(horizon)}
    # every target year of a split lies inside that split: nothing crosses a boundary
    assert max(targets["train"]) < VAL_START
    assert VAL_START <= min(targets["val"]) and max(targets["val"]) < TEST_START
    assert min(targets["test"]) == TEST_START and max(targets["test"]) == int(years[-1])
    # ... and the first test forecast reads the years just before the held-out tail
    assert data.meta["years"]["test"][0] == TEST_START
    # the scaling comes from the training years only
    train_values = values[window : int(np.searchsorted(years, VAL_START))]
    assert mean == pytest.approx(train_values.mean()) and std == pytest.approx(train_values.std())


def test_the_default_sunspots_data_set_is_unchanged():
    # horizon 1 keeps the datasheet's arrays (y of shape (N,)), now split by fixed years
    data = load("sunspots")
    assert data.y_train.shape == (203,) and data.notes == ""
    with pytest.raises(ValueError, match="horizon"):
        load("sunspots", horizon=12)


# ----------------------------------------------------------------------------- baselines


def test_the_baselines_are_persistence_and_the_previous_cycle(raw):
    years, values = raw
    horizon = 2  # the capstone's
    data = load("sunspots", window=20, horizon=horizon)
    std, mean = data.meta["std"], data.meta["mean"]
    base = data.meta["baselines"]["test"]
    truth = np.asarray(data.y_test) * std + mean
    persistence_errors, seasonal_errors = [], []
    for i, year in enumerate(data.meta["years"]["test"]):
        at = int(np.searchsorted(years, year))
        for k in range(horizon):
            assert base["persistence"][i, k] * std + mean == pytest.approx(values[at - 1], abs=1e-3)
            cycle_ago = values[at + k - SEASON]
            assert base["seasonal_naive"][i, k] * std + mean == pytest.approx(cycle_ago, abs=1e-3)
            persistence_errors.append(abs(values[at + k] - values[at - 1]))
            seasonal_errors.append(abs(values[at + k] - cycle_ago))
        np.testing.assert_allclose(truth[i], values[at : at + horizon], atol=1e-3)
    # the numbers the datasheet and the README quote
    assert np.mean(persistence_errors) == pytest.approx(34.01, abs=0.01)
    assert np.mean(seasonal_errors) == pytest.approx(27.53, abs=0.01)


class _Fixed:
    """A stand-in for a Keras model: predicts what it was given."""

    def __init__(self, forecast):
        self.forecast = forecast

    def predict(self, x, batch_size=None, verbose=0):
        return self.forecast


def test_forecast_scores_compare_with_both_baselines():
    data = load("sunspots", window=20, horizon=2)
    base = data.meta["baselines"]["test"]
    persistence = forecast_scores(_Fixed(base["persistence"]), data)
    assert persistence["relative"]["persistence"] == pytest.approx(1.0)
    assert persistence["mae"] == pytest.approx(34.01, abs=0.01)
    # the seasonal naive forecast is the better baseline here: skill is measured against it
    assert persistence["skill"] == pytest.approx(1 - 34.01 / 27.53, abs=1e-3)
    perfect = forecast_scores(_Fixed(np.asarray(data.y_test)), data)
    assert perfect["mae"] == pytest.approx(0.0, abs=1e-4) and perfect["skill"] == pytest.approx(1)
    broken = forecast_scores(_Fixed(np.full(data.y_test.shape, np.nan)), data)
    assert not broken["finite"] and broken["skill"] == -math.inf
    assert settings.fraction(broken["skill"], 0.3, 0.1) == 0


# ----------------------------------------------------------------------------- grading make_windows


@pytest.mark.parametrize(
    ("mistake", "check", "expected"),
    [
        ("none", None, None),
        ("targets one step early", "windows and targets",
         "a target is also an input of its own window"),
        ("ignores first_target", "no leakage across the split", "before first_target=10"),
        ("no channel axis", "windows and targets", "x should have shape (17, 5, 1), got (17, 5)"),
    ],
)  # fmt: skip
def test_make_windows_checks_name_the_mistake(mistake, check, expected):
    results = []
    for args in grader.window_cases():
        x, y = grader.expected_windows(args)
        if mistake == "targets one step early":  # series[t - 1 : t - 1 + horizon]
            y = y - grader.STEP
        elif mistake == "ignores first_target":
            x, y = grader.expected_windows(args[:3])
        elif mistake == "no channel axis":
            x = x[..., 0]
        results.append((x, y))
    checks = {c.name: c for c in grader.window_checks({"ok": results})}
    assert checks["returns (x, y)"].fraction == 1
    if check is None:
        assert all(c.fraction == 1 for c in checks.values()), checks
        return
    assert checks[check].fraction == 0 and expected in checks[check].message, checks[check]


def test_make_windows_that_returns_no_pair_fails_its_gate():
    checks = grader.window_checks({"ok": [np.zeros(3)] * len(grader.window_cases())})
    assert [c.name for c in checks] == ["returns (x, y)"] and checks[0].gate


# ----------------------------------------------------------------------------- end to end


def _row(report, name):
    return next(r for r in report.exercises if r["name"] == name)


@pytest.mark.tf
def test_the_reference_windowing_and_its_docstring_examples(keras):
    import doctest

    from solutions import capstone_forecasting as reference

    results = doctest.testmod(reference, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert results.attempted >= 2 and results.failed == 0
    for args in grader.window_cases():
        for got, want in zip(
            reference.make_windows(*args), grader.expected_windows(args), strict=True
        ):
            np.testing.assert_array_equal(got, want)


@pytest.mark.tf
@pytest.mark.slow
def test_the_reference_forecaster_beats_both_baselines(tf):
    import jsonschema

    from autograder.capstones.grade import grade_capstones
    from autograder.grading import reports
    from devtests.test_capstone_grading import TF_CHATTER, _gradescope_schema

    outcome = grade_capstones(SOLUTIONS_DIR, capstones=["forecasting"])
    report = outcome.report
    for row in report.exercises:
        assert row["score"] == row["max_score"], (row["name"], row["failures"])
    measured = outcome.measurements["capstone_forecasting"]
    bounds = settings.load()["capstone_forecasting"]["scored"]["skill"]
    assert measured["skill"] >= bounds["target"]
    assert measured["relative_persistence"] < 1 and measured["relative_seasonal_naive"] < 1
    results = reports.gradescope(report)
    jsonschema.validate(results, _gradescope_schema())
    text = json.dumps(results)
    assert "persistence" in text and "seasonal naive" in text  # the notes say how it compared
    assert not TF_CHATTER.search(text)
    job = outcome.jobs["capstone_forecasting"]
    assert job.error is None and job.metrics["runs"]["forecaster"]["test_years"][0] == 1966


@pytest.mark.tf
@pytest.mark.slow
def test_a_forecaster_that_peeks_at_the_held_out_tail_is_refused(tf):
    from autograder.capstones.grade import grade_capstones

    outcome = grade_capstones(CORPUS / "peek_at_tail", capstones=["forecasting"])
    recipe = _row(outcome.report, "forecasting_recipe")
    assert recipe["score"] == 0
    assert any("cannot choose the training data or the split" in f for f in recipe["failures"])
    windows_row = _row(outcome.report, "make_windows")
    assert any("before first_target" in f for f in windows_row["failures"]), windows_row
    assert 0 < windows_row["score"] < windows_row["max_score"]
    # the model itself is still trained, on the training years, with the default recipe
    assert "forecaster" in outcome.jobs["capstone_forecasting"].metrics["runs"]
    assert any("default recipe" in n for n in outcome.report.notes)


@pytest.mark.tf
@pytest.mark.slow
def test_a_forecaster_worse_than_persistence_scores_nothing(tf):
    from autograder.capstones.grade import grade_capstones

    outcome = grade_capstones(CORPUS / "worse_than_persistence", capstones=["forecasting"])
    measured = outcome.measurements["capstone_forecasting"]
    assert measured["relative_persistence"] > 1, measured
    build = _row(outcome.report, "build_forecaster")
    assert build["score"] == 0
    assert any("no points: worse than persistence" in f for f in build["failures"]), build


@pytest.mark.tf
@pytest.mark.slow
def test_train_forecasting_prints_one_line_per_epoch_off_a_terminal(tf, tmp_path):
    out = tmp_path / "plots"
    done = subprocess.run(
        [*DEEPGRADE, "train", "forecasting", "--impl", "solutions", "--epochs", "2",
         "--out", str(out)],
        capture_output=True, text=True, cwd=tmp_path, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    printed = done.stdout
    assert "\x1b" not in printed and "\r" not in printed and "\b" not in printed
    epochs = re.findall(r"^epoch (\d)/2: loss [0-9.]+, mae [0-9.]+$", printed, flags=re.MULTILINE)
    assert epochs == ["1", "2"], printed
    assert "gives the trainer's 245 training windows" in printed
    assert re.search(r"persistence\s+34\.0", printed) and "Skill against the better" in printed
    assert {p.name for p in out.iterdir()} == {"history.png", "forecasts.png"}
