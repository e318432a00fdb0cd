"""The one place that compiles and fits a Keras model from a recipe, with fixed seeds.

Used by the grader's clean training job (``job.py``) and by ``deepgrade train``::

    from deepgrade.capstones.training import train
    history = train(model, recipe, dataset, seed=0)       # {"loss": [...], "accuracy": [...],
                                                          #  "val_loss": [...], ...}

A recipe is plain data (see ``validate.validate_recipe``): ``optimizer``, ``learning_rate``,
``epochs``, ``batch_size``, optionally ``momentum`` (sgd) and ``augmentation``
(``{"shift": pixels, "rotate": degrees}``, applied here, on the fly, to each training batch
of images; the student's own ``augment`` function is never run by the trainer). The loss
follows the model's output layer: softmax (or a linear output, as logits) gives sparse
categorical cross-entropy, one sigmoid unit binary cross-entropy.

Importing this module does not import TensorFlow; the functions do, after setting
``TF_CPP_MIN_LOG_LEVEL`` so that TensorFlow's start-up chatter stays quiet.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = [
    "quiet_tensorflow",
    "configure",
    "train",
    "evaluate",
    "forecast_scores",
    "make_optimizer",
    "compile_model",
    "augment_images",
    "few_shot_split",
    "class_subset",
    "freeze_layers",
    "reset_head",
]

TF_ENV = {
    "TF_CPP_MIN_LOG_LEVEL": "2",
    "TF_ENABLE_ONEDNN_OPTS": "0",  # no oneDNN notice; the same numbers on every CPU
    "KERAS_BACKEND": "tensorflow",
}


def quiet_tensorflow() -> None:
    """Set the environment TensorFlow reads at import (no-op for values already set)."""
    for key, value in TF_ENV.items():
        os.environ.setdefault(key, value)


def _keras():
    quiet_tensorflow()
    import keras

    return keras


def configure(seed: int, *, threads: int | None = None, deterministic: bool = True) -> None:
    """Seed Python, numpy and TensorFlow; optionally pin TF's thread pools and determinism.

    Thread counts can only be set before TensorFlow runs its first operation; later calls
    leave them as they are.
    """
    keras = _keras()
    import tensorflow as tf

    if threads is not None:
        try:
            tf.config.threading.set_intra_op_parallelism_threads(threads)
            tf.config.threading.set_inter_op_parallelism_threads(threads)
        except RuntimeError:
            pass  # TensorFlow is already initialised
    if deterministic:
        tf.config.experimental.enable_op_determinism()
    keras.utils.set_random_seed(int(seed))


def make_optimizer(recipe: dict, learning_rate: float | None = None):
    keras = _keras()
    lr = float(learning_rate if learning_rate is not None else recipe["learning_rate"])
    name = recipe["optimizer"].lower()
    if name == "adam":
        return keras.optimizers.Adam(learning_rate=lr)
    if name == "rmsprop":
        return keras.optimizers.RMSprop(learning_rate=lr)
    if name == "sgd":
        return keras.optimizers.SGD(learning_rate=lr, momentum=float(recipe.get("momentum", 0.0)))
    raise ValueError(f"unknown optimizer {recipe['optimizer']!r}")


def output_activation(model) -> str:
    """The activation of the model's output: "softmax", "sigmoid", "linear", ..."""
    layer = model.layers[-1]
    kind = type(layer).__name__
    if kind == "Softmax":
        return "softmax"
    config = layer.get_config()
    activation = config.get("activation", "linear")
    return activation if isinstance(activation, str) else "linear"


def compile_model(
    model, recipe: dict, *, learning_rate: float | None = None, task: str = "classification"
) -> None:
    """Compile with the recipe's optimizer and the loss that fits the output layer (for a
    ``"regression"`` task, such as a forecast: mean squared error, and the mean absolute
    error as the metric)."""
    keras = _keras()
    activation = output_activation(model)
    units = model.outputs[0].shape[-1]
    if task == "regression":
        loss = keras.losses.MeanSquaredError()
        metric = keras.metrics.MeanAbsoluteError(name="mae")
    elif units == 1:
        loss = keras.losses.BinaryCrossentropy(from_logits=activation != "sigmoid")
        metric = keras.metrics.BinaryAccuracy(
            name="accuracy", threshold=0.0 if activation != "sigmoid" else 0.5
        )
    else:
        loss = keras.losses.SparseCategoricalCrossentropy(from_logits=activation != "softmax")
        metric = keras.metrics.SparseCategoricalAccuracy(name="accuracy")
    model.compile(
        optimizer=make_optimizer(recipe, learning_rate),
        loss=loss,
        metrics=[metric],
        jit_compile=False,
    )


# ---------------------------------------------------------------------- augmentation


def augment_images(
    images: np.ndarray, rng: np.random.Generator, *, shift: int = 0, rotate: float = 0.0
) -> np.ndarray:
    """Random integer shifts (up to ``shift`` pixels each way, zero fill) and rotations
    (up to ``rotate`` degrees) of channels-last images ``(N, H, W, C)``; a new array."""
    out = np.array(images, dtype=np.float32, copy=True)
    n = len(out)
    if rotate:
        from scipy import ndimage

        angles = rng.uniform(-rotate, rotate, size=n)
        for i in range(n):
            out[i] = ndimage.rotate(
                out[i], angles[i], axes=(0, 1), reshape=False, order=1, mode="constant"
            )
    if shift:
        moves = rng.integers(-shift, shift + 1, size=(n, 2))
        shifted = np.zeros_like(out)
        h, w = out.shape[1:3]
        for i, (dy, dx) in enumerate(moves):
            ys, yd = (
                (slice(0, h - dy), slice(dy, h)) if dy >= 0 else (slice(-dy, h), slice(0, h + dy))
            )
            xs, xd = (
                (slice(0, w - dx), slice(dx, w)) if dx >= 0 else (slice(-dx, w), slice(0, w + dx))
            )
            shifted[i, yd, xd] = out[i, ys, xs]
        out = shifted
    return out


def _augmented_batches(x, y, batch_size: int, augmentation: dict, seed: int):
    keras = _keras()

    class Augmented(keras.utils.PyDataset):
        """Shuffled batches, each augmented with a generator seeded by (seed, epoch, batch)."""

        def __init__(self):
            super().__init__(workers=1, use_multiprocessing=False)
            self.epoch = 0
            self.order = np.random.default_rng([seed, 0]).permutation(len(x))

        def __len__(self):
            return math.ceil(len(x) / batch_size)

        def __getitem__(self, index):
            rows = self.order[index * batch_size : (index + 1) * batch_size]
            rng = np.random.default_rng([seed, self.epoch, index])
            return augment_images(x[rows], rng, **augmentation), y[rows]

        def on_epoch_end(self):
            self.epoch += 1
            self.order = np.random.default_rng([seed, self.epoch]).permutation(len(x))

    return Augmented()


# ---------------------------------------------------------------------- training


def train(
    model,
    recipe: dict,
    dataset,
    *,
    seed: int,
    epochs_cap: int | None = None,
    verbose: int = 0,
    callbacks: Sequence[Any] = (),
    learning_rate: float | None = None,
    epochs: int | None = None,
    compile: bool = True,
    x_train: np.ndarray | None = None,
    y_train: np.ndarray | None = None,
    validation: tuple[np.ndarray, np.ndarray] | None = None,
) -> dict[str, list[float]]:
    """Compile ``model`` from ``recipe`` and fit it on ``dataset``'s train split (its val
    split for the curves); return the history as ``{metric: [one float per epoch]}``.

    ``epochs_cap`` bounds the recipe's epochs (reduced budgets, tests). ``x_train``,
    ``y_train`` and ``validation`` replace the data set's splits (fine-tuning on a few
    examples); ``learning_rate`` and ``epochs`` replace the recipe's; ``compile=False``
    keeps the model's current compilation. Seeds are set here from ``seed``.
    """
    keras = _keras()
    keras.utils.set_random_seed(int(seed))
    x = dataset.x_train if x_train is None else x_train
    y = dataset.y_train if y_train is None else y_train
    val = (dataset.x_val, dataset.y_val) if validation is None else validation
    n_epochs = int(epochs if epochs is not None else recipe["epochs"])
    if epochs_cap is not None:
        n_epochs = max(1, min(n_epochs, int(epochs_cap)))
    batch_size = int(recipe["batch_size"])
    if compile:
        compile_model(model, recipe, learning_rate=learning_rate, task=dataset.task)
    augmentation = {k: v for k, v in (recipe.get("augmentation") or {}).items() if v}
    if augmentation and np.ndim(x) == 4:
        data = _augmented_batches(np.asarray(x), np.asarray(y), batch_size, augmentation, seed)
        fit = {"x": data}
    else:
        fit = {"x": x, "y": y, "batch_size": batch_size, "shuffle": True}
    history = model.fit(
        **fit,
        epochs=n_epochs,
        validation_data=val if val is not None and len(val[0]) else None,
        verbose=verbose,
        callbacks=list(callbacks),
    )
    return {key: [float(v) for v in values] for key, values in history.history.items()}


def evaluate(model, x: np.ndarray, y: np.ndarray, *, batch_size: int = 256) -> dict[str, float]:
    """Accuracy (and loss) of a compiled model on ``(x, y)``, computed from its predictions."""
    scores = model.predict(x, batch_size=batch_size, verbose=0)
    scores = np.asarray(scores, dtype=np.float64)
    if scores.ndim == 2 and scores.shape[1] > 1:
        predicted = scores.argmax(axis=1)
    else:
        threshold = 0.5 if output_activation(model) == "sigmoid" else 0.0
        predicted = (scores.reshape(-1) > threshold).astype(np.int64)
    finite = bool(np.isfinite(scores).all())
    accuracy = float(np.mean(predicted == np.asarray(y).reshape(-1))) if finite else 0.0
    return {"accuracy": accuracy, "finite": finite}


def forecast_scores(model, data, split: str = "test") -> dict:
    """A forecaster's errors on ``split`` of a windowed series (``datasets.load("sunspots",
    window=T, horizon=h)``), against the naive forecasts in ``data.meta["baselines"]``.

    Mean absolute errors in the series' own units (sunspot numbers), over every window and
    lead time; ``relative``: each baseline's, as ``MAE(model) / MAE(baseline)`` (below 1
    beats it); ``skill``: ``1 - MAE(model) / MAE(best baseline)`` (0 is no better than the
    better baseline; not finite forecasts score ``-inf``). ``forecast``: the model's
    forecasts, in the series' units.
    """
    x, y = data.split(split)
    predicted = np.asarray(model.predict(x, batch_size=256, verbose=0), dtype=np.float64)
    truth = np.asarray(y, dtype=np.float64).reshape(predicted.shape[0], -1)
    predicted = predicted.reshape(truth.shape)
    std, mean = float(data.meta["std"]), float(data.meta["mean"])
    finite = bool(np.isfinite(predicted).all())
    mae = float(np.abs(predicted - truth).mean() * std) if finite else math.inf
    baseline_mae = {
        name: float(np.abs(np.asarray(f, dtype=np.float64).reshape(truth.shape) - truth).mean())
        * std
        for name, f in data.meta["baselines"][split].items()
    }
    best = min(baseline_mae.values())
    return {
        "mae": mae,
        "baseline_mae": baseline_mae,
        "relative": {name: mae / value for name, value in baseline_mae.items()},
        "skill": 1.0 - mae / best if finite else -math.inf,
        "finite": finite,
        "forecast": (predicted * std + mean).tolist() if finite else None,
    }


# ---------------------------------------------------------------------- small data


def class_subset(x: np.ndarray, y: np.ndarray, classes: Sequence[int]):
    """The rows of ``classes``, relabelled 0..len(classes)-1 in the given order."""
    classes = list(classes)
    keep = np.isin(y, classes)
    mapping = np.full(int(max(y.max(), max(classes))) + 1, -1, dtype=np.int64)
    mapping[classes] = np.arange(len(classes))
    return x[keep], mapping[y[keep]]


def few_shot_split(x: np.ndarray, y: np.ndarray, shots: int, seed: int):
    """``shots`` examples of each class of ``y`` (a seeded choice, in a seeded order)."""
    rng = np.random.default_rng(seed)
    rows = np.concatenate([rng.permutation(np.flatnonzero(y == c))[:shots] for c in np.unique(y)])
    rows = rng.permutation(rows)
    return x[rows], y[rows]


def freeze_layers(model, names: Sequence[str]) -> list[str]:
    """Set ``trainable = False`` on the named layers; return the names not found."""
    found = {layer.name: layer for layer in model.layers}
    for name in names:
        if name in found:
            found[name].trainable = False
    return [n for n in names if n not in found]


def reset_head(model, seed: int) -> str:
    """Re-initialise the output layer's weights (a new head for new classes); its name.

    The head is the last layer that has weights (a trailing Activation or Softmax layer
    is skipped); its kernel and bias are drawn again from its own initializers.
    """
    keras = _keras()
    keras.utils.set_random_seed(int(seed))
    for layer in reversed(model.layers):
        if not layer.weights:
            continue
        for attr, weight in (("kernel_initializer", "kernel"), ("bias_initializer", "bias")):
            initializer = getattr(layer, attr, None)
            variable = getattr(layer, weight, None)
            if initializer is not None and variable is not None:
                variable.assign(initializer(tuple(variable.shape), dtype=variable.dtype))
        return layer.name
    raise ValueError("the model has no layer with weights to use as its head")
