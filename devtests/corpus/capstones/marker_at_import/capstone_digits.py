"""Appends a line to a marker file each time it is imported (the test sets the path)."""

import os

import keras
from keras import layers

MARKER = "/nonexistent/marker"  # replaced by the test in its copy of this file
with open(MARKER, "a") as marker:
    marker.write(f"imported in pid {os.getpid()}\n")


def build_digit_cnn(input_shape, num_classes):
    return keras.Sequential(
        [
            keras.Input(shape=tuple(input_shape)),
            layers.Conv2D(8, 3, padding="same", activation="relu", name="conv1"),
            layers.MaxPooling2D(2, name="pool1"),
            layers.Flatten(name="flatten"),
            layers.Dense(num_classes, activation="softmax", name="probabilities"),
        ]
    )


def digit_recipe():
    return {"optimizer": "adam", "learning_rate": 0.005, "epochs": 15, "batch_size": 32}
