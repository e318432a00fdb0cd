"""Capstone 2: a 1-D CNN against an LSTM on MNIST-1D, and which one wins.

The slides' recurrent networks feed a layer's output at the previous time step back in
as input at the current one, so they carry a memory along the sequence (topic 5: you
wrote ``simple_rnn`` and ``lstm`` in numpy; Keras has ``SimpleRNN`` and ``LSTM``, and
the slides recommend LSTMs "if you want to have longer memory"). Then comes the
warning that this capstone puts to the test:

    RNNs neatly handle time series in which there is some sort of *global* structure, so
    memory helps. If the series doesn't actually have global structure, the gain from
    RNNs could be little compared to using 1-D CNNs.

MNIST-1D (``datasets.load("mnist1d")``) is a sequence version of the digits: each
example is one of ten 1-D templates ("digit" shapes), padded, shifted to a random
position, scaled, sheared and made noisy, then sampled at 40 points. The input is
``(N, 40, 1)`` (40 time steps of one value, standardised), the label is the template,
0..9. A 1-D convolution slides a short filter along time (topic 1's ``conv2d`` with a
1-pixel-high image) and pooling aggregates neighbouring steps, exactly as for images.

You build both models, the grader trains both with the same fixed recipe
(:data:`RECIPE`), and you report which one wins and why. Run the comparison yourself::

    deepgrade train sequences         # both models, Keras's progress bar, plots

A plain dense network gets about 0.6 on MNIST-1D and logistic regression about 0.3
(Greydanus, *Scaling down deep learning*, 2020): the task needs a model that finds a
shape wherever it is.
"""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # keep TensorFlow's start-up chatter quiet

import keras  # noqa: E402
from keras import layers  # noqa: E402

# Provided (not an exercise): the one recipe both of your models are trained with, by the
# grader and by ``deepgrade train sequences``, so the comparison is fair.
# (A learning rate of 0.01 is what the LSTM needed: at 0.003 it was still far from done after
# 30 epochs, 0.70-0.78 against 0.94-0.95 now; the CNN gains from it too.)
RECIPE: dict = {"optimizer": "adam", "learning_rate": 0.01, "epochs": 30, "batch_size": 64}


def build_sequence_cnn(input_shape: tuple, num_classes: int) -> keras.Model:
    """A 1-D CNN for MNIST-1D: Conv1D/pool blocks, a global pool, a softmax output.

    Build, for ``input_shape = (40, 1)``::

        keras.Input(shape=input_shape)                        (40, 1)
        Conv1D(k, 5, padding="same", activation="relu")       (40, k)  short shapes
        MaxPooling1D(2)                                       (20, k)
        Conv1D(k, 3, padding="same", activation="relu")       (20, k)  longer shapes
        MaxPooling1D(2)                                       (10, k)
        Conv1D(k, 3, padding="same", activation="relu")       (10, k)
        GlobalMaxPooling1D()                                  (k,)  "found it somewhere"
        Dense(num_classes, activation="softmax")

    ``GlobalMaxPooling1D`` keeps, for each filter, its strongest response anywhere in
    the sequence. Since the digit template sits at a random position, *where* a pattern
    occurs does not matter, only *that* it occurs: a ``Flatten`` instead would make the
    dense layer learn every position separately (try it: it is clearly worse).

    Args:
        input_shape: one sequence's shape, ``(time steps, channels)``: ``(40, 1)``.
        num_classes: 10.

    Returns:
        An uncompiled ``keras.Model``: ``(N, *input_shape)`` -> ``(N, num_classes)``
        probabilities.

    Hint: 32 filters per layer (about 6700 parameters) reach about 0.96 test accuracy
    with :data:`RECIPE`, in about half the LSTM's training time.
    """
    ### BEGIN SOLUTION
    return keras.Sequential(
        [
            keras.Input(shape=tuple(input_shape), name="signal"),
            layers.Conv1D(32, 5, padding="same", activation="relu", name="conv1"),
            layers.MaxPooling1D(2, name="pool1"),
            layers.Conv1D(32, 3, padding="same", activation="relu", name="conv2"),
            layers.MaxPooling1D(2, name="pool2"),
            layers.Conv1D(32, 3, padding="same", activation="relu", name="conv3"),
            layers.GlobalMaxPooling1D(name="global_pool"),
            layers.Dense(num_classes, activation="softmax", name="probabilities"),
        ],
        name="sequence_cnn",
    )
    ### END SOLUTION


def build_sequence_lstm(input_shape: tuple, num_classes: int) -> keras.Model:
    """An LSTM for MNIST-1D: read the 40 steps in order, classify from the last state.

    Build::

        keras.Input(shape=input_shape)           (40, 1)
        LSTM(units)                              (units,)  the hidden state after step 40
        Dense(num_classes, activation="softmax")

    The LSTM runs the cell you wrote in topic 5 over the 40 time steps and returns only
    its final hidden state (``return_sequences=False``, the default): everything it
    knows about the sequence must have been carried along in its memory.

    Args:
        input_shape: ``(time steps, channels)``: ``(40, 1)``.
        num_classes: 10.

    Returns:
        An uncompiled ``keras.Model``: ``(N, *input_shape)`` -> ``(N, num_classes)``
        probabilities.

    Hint: 32 units (about 4700 parameters, a budget like the CNN's) is fair; expect it
    to learn more slowly than the CNN in the first epochs and to end a little below it
    (about 0.94 test accuracy with :data:`RECIPE`; the MNIST-1D paper reports 0.91 for
    a recurrent net). You may also try ``GRU`` or ``SimpleRNN`` in its place, or
    ``Bidirectional(LSTM(...))``, and compare.
    """
    ### BEGIN SOLUTION
    return keras.Sequential(
        [
            keras.Input(shape=tuple(input_shape), name="signal"),
            layers.LSTM(32, name="lstm"),
            layers.Dense(num_classes, activation="softmax", name="probabilities"),
        ],
        name="sequence_lstm",
    )
    ### END SOLUTION


def sequence_findings() -> dict:
    """Which model wins on MNIST-1D, and why, in your words.

    Train both (``deepgrade train sequences`` prints both test accuracies), then return::

        {"winner": "cnn" or "lstm",
         "reason": "one or two sentences"}

    The reason should connect what you measured to the slides' remark on global
    structure: is there structure in an MNIST-1D sequence that only memory of the whole
    sequence can capture, or is the class decided by local shapes that may sit anywhere?
    """
    ### BEGIN SOLUTION
    return {
        "winner": "cnn",
        "reason": (
            "The class of an MNIST-1D sequence is a local shape placed at a random "
            "position, not global structure, so shift-invariant 1-D convolutions with "
            "pooling find it wherever it is, while the LSTM must carry it in memory to the "
            "last step: with the same recipe and a similar number of parameters the CNN "
            "reaches about 0.96 test accuracy in half the time, the LSTM about 0.94."
        ),
    }
    ### END SOLUTION
