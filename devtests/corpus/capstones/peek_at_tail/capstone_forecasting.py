"""A forecaster that tries to see the held-out tail: its recipe asks to train on every year
up to 2008, and its windowing ignores ``first_target`` (test windows would start in the
training years). Expected: the recipe is refused (the split is the grader's), the split
check of make_windows fails, and the model is trained on the training years only."""

import keras
import numpy as np
from keras import layers


def make_windows(series, window, horizon, first_target=None):
    series = np.asarray(series, dtype=np.float64)
    starts = range(window, len(series) - horizon + 1)  # first_target ignored
    x = np.stack([series[t - window : t] for t in starts])[..., np.newaxis]
    y = np.stack([series[t : t + horizon] for t in starts])
    return x, y


def build_forecaster(input_shape, horizon):
    return keras.Sequential(
        [keras.Input(shape=tuple(input_shape)), layers.LSTM(16), layers.Dense(int(horizon))]
    )


def forecasting_recipe():
    return {
        "optimizer": "adam",
        "learning_rate": 0.003,
        "epochs": 15,
        "batch_size": 16,
        "train_until": 2008,
    }
