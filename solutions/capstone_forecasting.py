"""Capstone 5: forecast the sunspot cycle with an LSTM, and beat the naive forecasts.

The slides' second half is about time series: a feed-forward net treats each input on
its own, a recurrent net carries a memory along the sequence, and "use LSTMs if you want
to have longer memory (long-range structure)". Sunspots have long-range structure: the
yearly sunspot number (``datasets.load("sunspots")``, 1700-2008, shipped with
statsmodels) rises and falls in cycles of about 11 years, each with its own height.

**The task.** From the last ``T = 20`` years, forecast the next ``h = 2`` years (a
multi-step horizon): the network reads ``(T, 1)`` and outputs ``(h,)`` numbers at once.

**Windowing.** A series ``s[0], s[1], ...`` becomes training examples by sliding a
window along it: example ``i`` has the inputs ``s[i : i + T]`` and the targets
``s[i + T : i + T + h]``, the ``h`` values right after its inputs. You write this
(:func:`make_windows`). For ``T = 3, h = 2`` and ``s = [10, 11, 12, 13, 14, 15]``::

    inputs          targets
    [10, 11, 12]    [13, 14]
    [11, 12, 13]    [14, 15]

**No leakage across the split.** The last years (1966-2008) are held out: the grader
scores the forecasts of those years, and the model must never have trained on them.
Splitting a time series at random would put the neighbours of every test year into
training, so the split is by time: training windows are made from the series *cut* at
the start of the held-out tail (so no training target is in it); the test windows'
targets all lie in the tail, while their inputs may reach back into earlier years, as a
forecast made in 1966 may use 1946-1965 (``first_target`` below).

**What a forecaster must beat.** Two naive forecasts that need no learning:

- *persistence*: every future year equals the last known one;
- *seasonal naive*: each future year equals the same phase of the previous cycle, 11
  years earlier.

The grader trains your model (your recipe, mean squared error on standardised values,
one core, fixed seeds) on every window whose targets lie before the held-out tail (1720
to 1965: the high cycles of the 1940s-50s teach the model how tall a cycle can get),
forecasts the held-out tail and compares mean absolute errors on the same windows.
**Scored**: the skill ``1 - MAE(yours) / MAE(best naive forecast)``: 0 is no better
than the better of the two, 1 would be perfect. Both relative errors are reported
(below 1 beats that baseline). For reference, a linear autoregressive model of order 9
(the textbook model of this series, fitted by statsmodels on 1700-1965) has a skill of
0.46 here (mean absolute error 14.9 against 27.5 for the seasonal naive forecast and
34.0 for persistence).

Train and plot your forecasts against the truth and both baselines::

    deepgrade train forecasting
"""

from __future__ import annotations

import os

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # keep TensorFlow's start-up chatter quiet

import keras  # noqa: E402
from keras import layers  # noqa: E402


def make_windows(
    series: np.ndarray, window: int, horizon: int, first_target: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Cut a series into inputs of ``window`` steps and the ``horizon`` steps after them.

    Example ``i`` has the inputs ``series[t - window : t]`` and the targets
    ``series[t : t + horizon]``, where ``t = first_target + i`` is the index of its first
    target; ``t`` runs from ``first_target`` (default ``window``: the first target
    needs ``window`` values before it) up to the last ``t`` whose targets all fit,
    ``len(series) - horizon``. So there are ``N = len(series) - horizon - first_target +
    1`` examples.

    ``first_target`` is how a split is kept clean. Training windows: pass the series cut
    at the split, ``make_windows(series[:split], T, h)``: no target reaches the held-out
    part. Test windows: ``make_windows(series, T, h, first_target=split)``: every target
    is in the held-out part; the inputs may use the years before it.

    Args:
        series: ``(L,)`` floats, oldest first.
        window: ``T >= 1``, the number of past steps the model reads.
        horizon: ``h >= 1``, the number of future steps it forecasts.
        first_target: the index of the first example's first target, ``>= window``.

    Returns:
        ``(x, y)``: ``x`` of shape ``(N, window, 1)`` (one channel, as a Keras LSTM
        wants it) and ``y`` of shape ``(N, horizon)``, both float64, new arrays.

    >>> x, y = make_windows(np.array([10., 11, 12, 13, 14, 15]), 3, 2)
    >>> x[:, :, 0].tolist(), y.tolist()
    ([[10.0, 11.0, 12.0], [11.0, 12.0, 13.0]], [[13.0, 14.0], [14.0, 15.0]])
    >>> x, y = make_windows(np.array([10., 11, 12, 13, 14, 15]), 2, 2, first_target=3)
    >>> x[:, :, 0].tolist(), y.tolist()
    ([[11.0, 12.0], [12.0, 13.0]], [[13.0, 14.0], [14.0, 15.0]])

    Hint: ``np.lib.stride_tricks.sliding_window_view(a, n)`` gives every run of ``n``
    consecutive values of ``a`` as the rows of an array; mind which runs you keep.
    """
    series = np.asarray(series, dtype=np.float64)
    first = window if first_target is None else first_target
    if first < window:
        raise ValueError(f"first_target={first} leaves fewer than window={window} inputs")
    ### BEGIN SOLUTION
    n = len(series) - horizon - first + 1
    if n <= 0:
        return np.zeros((0, window, 1)), np.zeros((0, horizon))
    runs = np.lib.stride_tricks.sliding_window_view
    x = runs(series[first - window : first - window + n + window - 1], window)
    y = runs(series[first : first + n + horizon - 1], horizon)
    return x[..., np.newaxis].copy(), y.copy()
    ### END SOLUTION


def build_forecaster(input_shape: tuple, horizon: int) -> keras.Model:
    """An LSTM that reads ``T`` past years and forecasts the next ``horizon`` at once.

    Build::

        keras.Input(shape=input_shape)     (T, 1)    the last T years, standardised
        LSTM(units)                        (units,)  the cycle so far, in memory
        Dense(horizon)                     (h,)      the next h years, no activation

    The output layer has no activation: a forecast is any real number (the values are
    standardised, so negative numbers are quiet years), not a probability. One output
    per future year is the *direct multi-output* strategy: the model learns each lead
    time itself instead of feeding its own forecasts back in.

    Args:
        input_shape: ``(T, 1)``: the window and one channel.
        horizon: ``h``, the number of future years.

    Returns:
        An uncompiled ``keras.Model``: ``(N, T, 1)`` -> ``(N, h)``.

    Hint: the training set is small (about 240 windows): a small LSTM (16 to 32 units)
    trained for few epochs does best; more epochs soon fit the training years' own
    noise, which ``deepgrade train forecasting`` shows as a test error that rises while
    the training loss still falls.
    """
    ### BEGIN SOLUTION
    return keras.Sequential(
        [
            keras.Input(shape=tuple(input_shape), name="past_years"),
            layers.LSTM(16, name="lstm"),
            layers.Dense(int(horizon), name="next_years"),
        ],
        name="sunspot_forecaster",
    )
    ### END SOLUTION


def forecasting_recipe() -> dict:
    """The training recipe, as plain data: ``{"optimizer", "learning_rate", "epochs",
    "batch_size"}`` (no augmentation, and nothing that chooses the training years: the
    split is the grader's).

    Hint: about 240 training windows: batches of 16 and adam with a learning rate of a
    few 1e-3 for 10 to 20 epochs.
    """
    ### BEGIN SOLUTION
    return {"optimizer": "adam", "learning_rate": 0.003, "epochs": 20, "batch_size": 16}
    ### END SOLUTION
