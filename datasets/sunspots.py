"""Yearly sunspot numbers 1700-2008 (statsmodels ships them), windowed for forecasting.

Each example is ``window`` consecutive years and its target the ``horizon`` years that
follow. The split is chronological and fixed by the target years: targets up to 1922
train, 1923-1965 validation, 1966-2008 test (the held-out tail), whatever the window. A
window belongs to a split only if *all* its targets do, so no target year is in two
splits; inputs may reach back into an earlier split's years, as in any forecast. Values
are standardised with the training targets' mean and standard deviation (``meta``).

``meta["baselines"]`` holds, for the validation and test windows, the forecasts a
forecaster must beat, in the same standardised units: *persistence* (the last known
year, repeated) and the *seasonal naive* forecast (the same phase of the previous solar
cycle: ``SEASON`` = 11 years earlier).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ._core import Dataset, DatasetUnavailable, check_against_datasheet

CSV = "statsmodels/datasets/sunspots/sunspots.csv"
WINDOW = 20
HORIZON = 1
VAL_START = 1923  # the first validation target year
TEST_START = 1966  # the first year of the held-out tail
SEASON = 11  # years: the mean length of a solar cycle
# sha256 of the canonical split arrays for the default window and horizon; as in
# datasheets/sunspots.md
SHA256 = "aaba7c5ae2cb6a4fe04c45ef597ba187da95d41ba08c79a63128d281497b37be"


def raw_series() -> tuple[np.ndarray, np.ndarray]:
    """``(years, sunspot numbers)`` as int64 and float64 arrays, 309 years.

    Read from the CSV file statsmodels ships (``statsmodels.datasets.sunspots`` reads the
    same file), without importing statsmodels and pandas (about 100 MB).
    """
    from importlib.metadata import PackageNotFoundError, distribution

    try:
        path = Path(distribution("statsmodels").locate_file(CSV))
    except PackageNotFoundError:
        raise DatasetUnavailable("sunspots needs statsmodels: pip install statsmodels") from None
    table = np.loadtxt(path, delimiter=",", skiprows=1)
    return table[:, 0].astype(np.int64), table[:, 1].astype(np.float64)


def windows(
    values: np.ndarray, window: int, horizon: int, first_target: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """``(x (N, window), y (N, horizon))``: each run of ``window`` values and the
    ``horizon`` values right after it, for every first target index from
    ``first_target`` (default ``window``, the earliest) to the end of ``values``."""
    first = window if first_target is None else int(first_target)
    if first < window:
        raise ValueError(f"the first target ({first}) needs {window} values before it")
    n = len(values) - horizon - first + 1
    if n <= 0:
        return np.zeros((0, window)), np.zeros((0, horizon))
    x = np.lib.stride_tricks.sliding_window_view(values[first - window :], window)
    y = np.lib.stride_tricks.sliding_window_view(values[first:], horizon)
    return x[:n], y


def baselines(values: np.ndarray, origins: np.ndarray, horizon: int) -> dict[str, np.ndarray]:
    """Persistence and seasonal naive forecasts ``(N, horizon)`` for windows whose first
    target has index ``origins``: both use only values before it."""
    steps = np.arange(horizon)
    persistence = np.repeat(values[origins - 1][:, np.newaxis], horizon, axis=1)
    back = SEASON * (1 + steps // SEASON)  # the same phase, one (or more) cycles earlier
    seasonal = values[origins[:, np.newaxis] + steps - back]
    return {"persistence": persistence, "seasonal_naive": seasonal}


def load_sunspots(
    *, cache_dir=None, window: int = WINDOW, horizon: int = HORIZON, val_start: int = VAL_START
) -> Dataset:
    """x (N, window, 1) float32; y (N,) float32 (``horizon`` 1) or (N, horizon), standardised.

    ``val_start``: the first validation target year (``TEST_START`` leaves no validation
    split: every year before the held-out tail trains). ``meta``: ``window``,
    ``horizon``, ``mean`` and ``std`` (raw = scaled * std + mean), each split's first
    target ``years``, ``baselines`` (val and test) and the ``series`` (years and raw
    values) for plots. ``cache_dir`` is accepted for a uniform signature and unused.
    """
    years, values = raw_series()
    if not 1 <= horizon <= SEASON:
        raise ValueError(f"horizon must be between 1 and {SEASON}, not {horizon}")
    if not years[0] + 50 <= val_start <= TEST_START:
        raise ValueError(f"val_start must be between {years[0] + 50} and {TEST_START}")
    val_at, test_at = (int(np.searchsorted(years, y)) for y in (val_start, TEST_START))
    if not 1 <= window <= val_at - horizon - 1:
        raise ValueError(f"window must be between 1 and {val_at - horizon - 1}, not {window}")
    # (first target index, end of the segment the targets must stay in), per split
    segments = {"train": (window, val_at), "val": (val_at, test_at), "test": (test_at, len(values))}
    train_targets = windows(values[:val_at], window, 1)[1]
    mean, std = float(train_targets.mean()), float(train_targets.std())

    def scaled(a):
        return ((a - mean) / std).astype(np.float32)

    arrays, meta_years, base = {}, {}, {}
    for split, (first, end) in segments.items():
        x, y = windows(values[:end], window, horizon, first_target=first)
        origins = np.arange(first, first + len(y))
        arrays[f"x_{split}"] = scaled(x)[..., np.newaxis]
        arrays[f"y_{split}"] = scaled(y[:, 0] if horizon == 1 else y)
        meta_years[split] = years[origins]
        if split != "train":
            base[split] = {k: scaled(v) for k, v in baselines(values, origins, horizon).items()}
    dataset = Dataset(
        name="sunspots",
        **arrays,
        num_classes=None,
        meta={
            "window": window,
            "horizon": horizon,
            "val_start": val_start,
            "mean": mean,
            "std": std,
            "years": meta_years,
            "baselines": base,
            "season": SEASON,
            "series": {"years": years, "values": values},
        },
    )
    defaults = (window, horizon, val_start) == (WINDOW, HORIZON, VAL_START)
    return check_against_datasheet(dataset, SHA256 if defaults else None)
