"""Freezes every layer but the head: it does not really fine-tune.

The reference model, but ``fine_tune["freeze"]`` names all the convolutions, so only
the new output layer learns from the few examples, on features learned for the other
MNIST-1D classes. That loses to training from scratch (measured: about 0.72-0.83
accuracy vs 0.87-0.91), far from beating it, which the grader must say.
"""

import keras
import numpy as np
from keras import layers


def augment(images, rng):
    moves = rng.integers(-1, 2, size=(len(images), 2))
    shifted = [np.roll(im, tuple(m), axis=(0, 1)) for im, m in zip(images, moves, strict=True)]
    return np.stack(shifted).astype(np.float32)


def build_small_data_model(input_shape, num_classes):
    return keras.Sequential(
        [
            keras.Input(shape=tuple(input_shape)),
            layers.Conv1D(32, 5, padding="same", activation="relu", name="conv1"),
            layers.MaxPooling1D(2, name="pool1"),
            layers.Conv1D(32, 3, padding="same", activation="relu", name="conv2"),
            layers.MaxPooling1D(2, name="pool2"),
            layers.Conv1D(32, 3, padding="same", activation="relu", name="conv3"),
            layers.GlobalMaxPooling1D(name="global_pool"),
            layers.Dense(num_classes, activation="softmax", name="probabilities"),
        ]
    )


def small_data_recipe():
    return {
        "optimizer": "adam",
        "learning_rate": 0.003,
        "epochs": 15,
        "batch_size": 16,
        "fine_tune": {"freeze": ["conv1", "conv2", "conv3"], "epochs": 60, "learning_rate": 0.003},
    }
