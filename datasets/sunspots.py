"""Yearly sunspot numbers 1700-2008 (statsmodels ships them), windowed for forecasting.

Each example is ``window`` consecutive years and its target the next year's value. The
split is chronological (oldest 70 % train, next 15 % validation, newest 15 % test, by the
target's year), so a model is always scored on years after those it trained on. Values
are standardised with the training targets' mean and standard deviation (``meta``).
"""

from __future__ import annotations

import numpy as np

from ._core import Dataset, check_against_datasheet, chronological_split

WINDOW = 20
VAL_FRACTION = 0.15
TEST_FRACTION = 0.15
# sha256 of the canonical split arrays for the default window; as in datasheets/sunspots.md
SHA256 = "aaba7c5ae2cb6a4fe04c45ef597ba187da95d41ba08c79a63128d281497b37be"


def raw_series() -> tuple[np.ndarray, np.ndarray]:
    """``(years, sunspot numbers)`` as int64 and float64 arrays, 309 years."""
    from statsmodels.datasets import sunspots

    frame = sunspots.load_pandas().data
    return frame["YEAR"].to_numpy().astype(np.int64), frame["SUNACTIVITY"].to_numpy(np.float64)


def load_sunspots(*, cache_dir=None, window: int = WINDOW) -> Dataset:
    """x (N, window, 1) float32, y (N,) float32 (the next year, standardised); N = 309 - window.

    ``meta``: ``window``, ``mean`` and ``std`` (raw = scaled * std + mean) and the target
    ``years`` of each split. ``cache_dir`` is accepted for a uniform signature and unused.
    """
    years, values = raw_series()
    if not 1 <= window < len(values) - 3:
        raise ValueError(f"window must be between 1 and {len(values) - 4}, not {window}")
    windows = np.lib.stride_tricks.sliding_window_view(values, window)[:-1]
    targets = values[window:]
    target_years = years[window:]
    train, val, test = chronological_split(len(targets), val=VAL_FRACTION, test=TEST_FRACTION)
    mean, std = float(targets[train].mean()), float(targets[train].std())

    def scaled(a):
        return ((a - mean) / std).astype(np.float32)

    x = scaled(windows)[..., np.newaxis]
    y = scaled(targets)
    dataset = Dataset(
        name="sunspots",
        x_train=x[train],
        y_train=y[train],
        x_val=x[val],
        y_val=y[val],
        x_test=x[test],
        y_test=y[test],
        num_classes=None,
        meta={
            "window": window,
            "mean": mean,
            "std": std,
            "years": {
                "train": target_years[train],
                "val": target_years[val],
                "test": target_years[test],
            },
        },
    )
    return check_against_datasheet(dataset, SHA256 if window == WINDOW else None)
