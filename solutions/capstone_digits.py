"""Capstone 1: a convolutional network for handwritten digits, in Keras.

The slides build the digit recogniser in two steps. First a plain dense network: the
28x28 image flattened into 784 input neurons, a dense layer of 512 ReLU neurons, a dense
layer of 10 softmax neurons, and the categorical cross-entropy ``log 1/Pr(digit 6)``
averaged over the training examples. Then the CNN version of the same idea:

    image -> [conv + ReLU -> max pool] -> [conv + ReLU -> max pool] -> dense -> softmax
             "extract low-level visual     "extract higher-level        "non-vision-specific
              features & aggregate"         features & aggregate"        classification net"

Convolution filters are shift-invariant feature detectors (you wrote ``conv2d`` and
``max_pool2d`` in numpy in topics 1 and 2: Keras's ``Conv2D`` and ``MaxPooling2D`` compute
the same thing); max pooling aggregates local information, so each block sees a larger
part of the digit than the one before, and small shifts of the digit change little.

Here the images are scikit-learn's 8x8 digits (``datasets.load("digits")``: 1797 images,
``(N, 8, 8, 1)`` float32 in [0, 1], labels 0..9), small enough to train in seconds on a
laptop. The same build function works on 28x28 MNIST: it takes the input shape as an
argument.

What you hand in is *data*: the grader calls your ``build_digit_cnn`` to get the
architecture (``model.to_json()``) and your ``digit_recipe`` to get the training choices,
then trains the model itself, with fixed seeds, and scores it on test images your code
never sees. Only standard Keras layers are accepted (no ``Lambda``, no custom classes).

Try it yourself, with Keras's progress bar and plots of what the network learned::

    deepgrade train digits            # uses your exercises/; --impl PATH for a folder
"""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # keep TensorFlow's start-up chatter quiet

import keras  # noqa: E402
from keras import layers  # noqa: E402


def build_digit_cnn(input_shape: tuple, num_classes: int) -> keras.Model:
    """A small CNN for digit images: conv/pool blocks, then a dense head with softmax.

    Build, as on the slides (a ``keras.Sequential`` is the simplest way)::

        keras.Input(shape=input_shape)                      (8, 8, 1) for the 8x8 digits
        Conv2D(k1, 3, padding="same", activation="relu")    (8, 8, k1)  low-level features
        MaxPooling2D(2)                                     (4, 4, k1)  aggregate
        Conv2D(k2, 3, padding="same", activation="relu")    (4, 4, k2)  higher-level features
        MaxPooling2D(2)                                     (2, 2, k2)  aggregate
        Flatten()                                           (4 * k2,)
        Dense(units, activation="relu")                     the classification net ...
        Dense(num_classes, activation="softmax")            ... Pr(digit 0), ..., Pr(digit 9)

    ``padding="same"`` keeps the 8x8 images from shrinking away: with ``"valid"``
    padding two 3x3 convolutions and two pools would leave almost nothing (topic 1's
    ``conv_output_size`` tells you how much). Name the layers (``name="conv1"``, ...):
    ``deepgrade train`` uses the first convolution to plot the learned filters, and
    every conv/pool block to plot one digit's feature maps.

    Args:
        input_shape: one image's shape, channels-last: ``(8, 8, 1)`` here, ``(28, 28, 1)``
            for MNIST.
        num_classes: the number of classes (10 digits).

    Returns:
        An uncompiled ``keras.Model`` mapping ``(N, *input_shape)`` images to
        ``(N, num_classes)`` probabilities (each row sums to 1). Do not compile it: the
        trainer compiles it from your recipe.

    Hint: the 8x8 digits are an easy task, a few thousand parameters are plenty
    (``model.summary()`` counts them; 8 and 16 filters and 32 dense units make about
    3700). A reasonable model reaches about 0.95 test accuracy or better in 15 epochs.
    """
    ### BEGIN SOLUTION
    return keras.Sequential(
        [
            keras.Input(shape=tuple(input_shape), name="image"),
            layers.Conv2D(8, 3, padding="same", activation="relu", name="conv1"),
            layers.MaxPooling2D(2, name="pool1"),
            layers.Conv2D(16, 3, padding="same", activation="relu", name="conv2"),
            layers.MaxPooling2D(2, name="pool2"),
            layers.Flatten(name="flatten"),
            layers.Dense(32, activation="relu", name="dense"),
            layers.Dense(num_classes, activation="softmax", name="probabilities"),
        ],
        name="digit_cnn",
    )
    ### END SOLUTION


def digit_recipe() -> dict:
    """The training recipe for your digit CNN, as plain data.

    Return a dict with exactly these keys::

        {"optimizer": "adam",        # "adam", "sgd" or "rmsprop"
         "learning_rate": 0.005,     # a step size for that optimizer
         "epochs": 15,               # passes over the training images
         "batch_size": 32}           # images per gradient step (topic 6's minibatches)

    The trainer compiles your model with this optimizer and the categorical
    cross-entropy (sparse labels: the class index, not one-hot), then fits it for
    ``epochs`` epochs of minibatches. Every epoch it measures the loss and accuracy on a
    validation split: ``deepgrade train digits`` plots both curves, which is how you
    tell whether to train longer (validation still improving), lower the learning rate
    (the loss jumps about) or stop earlier (validation gets worse while training
    improves: overfitting).

    The grader accepts learning rates from 1e-5 to 1, 1 to 100 epochs and batches of 4
    to 1024 images.

    Hint: Adam with a learning rate between 1e-3 and 1e-2 and 10 to 20 epochs of
    batches of 32 is a good start for the 8x8 digits.
    """
    ### BEGIN SOLUTION
    return {"optimizer": "adam", "learning_rate": 0.005, "epochs": 15, "batch_size": 32}
    ### END SOLUTION
