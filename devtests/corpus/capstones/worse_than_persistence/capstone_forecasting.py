"""A forecaster worse than persistence: a 1-D CNN habit, GlobalAveragePooling1D straight
over the window, averages the 20 years and so throws away their order (where in the cycle
the window ends), leaving a forecast close to the long-run mean. Expected: it trains, its
error is above persistence's, and the forecast checks score 0 saying so."""

import keras
import numpy as np
from keras import layers


def make_windows(series, window, horizon, first_target=None):
    series = np.asarray(series, dtype=np.float64)
    first = window if first_target is None else first_target
    starts = range(first, len(series) - horizon + 1)
    x = np.stack([series[t - window : t] for t in starts])[..., np.newaxis]
    y = np.stack([series[t : t + horizon] for t in starts])
    return x, y


def build_forecaster(input_shape, horizon):
    return keras.Sequential(
        [
            keras.Input(shape=tuple(input_shape)),
            layers.GlobalAveragePooling1D(),
            layers.Dense(int(horizon)),
        ]
    )


def forecasting_recipe():
    return {"optimizer": "adam", "learning_rate": 0.003, "epochs": 20, "batch_size": 16}
