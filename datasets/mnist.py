"""MNIST through the real Keras loader, only when its file is already cached.

Otherwise (no network here, nothing is ever downloaded) this falls back to the 8x8 digits
with a clear message, in ``Dataset.notes`` and logged as a warning.
"""

from __future__ import annotations

import logging

import numpy as np

from ._core import Dataset, stratified_split
from ._keras import cached_file, import_keras, keras_datasets_dir

log = logging.getLogger("datasets")

FILENAME = "mnist.npz"
# the hash keras.datasets.mnist.load_data checks; also in datasheets/mnist.md
SOURCE_SHA256 = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"
SPLIT_SEED = 20260502
VAL_SIZE = 6000  # taken, stratified, from Keras's 60000 training images

HOW_TO_GET = (
    "To use MNIST, on a machine with network access run "
    '`python -c "import keras; keras.datasets.mnist.load_data()"` '
    "and copy ~/.keras/datasets/mnist.npz (11 MB) to the same place here."
)


def fallback_message(why: str) -> str:
    return (
        f"MNIST is not available offline ({why}); using the 8x8 digits data set instead "
        f"(shapes differ: use Dataset.input_shape). {HOW_TO_GET}"
    )


def load_mnist(*, cache_dir=None) -> Dataset:
    """MNIST (N, 28, 28, 1) float32 in [0, 1], labels int64; 54000/6000/10000.

    The test split is Keras's 10000 test images; validation is a seeded stratified 6000 of
    its training images. Falls back to :func:`datasets.digits.load_digits` (with
    ``notes`` saying so) when ``mnist.npz`` is not cached where Keras looks for it.
    """
    path, why = cached_file(FILENAME, SOURCE_SHA256)
    if path is not None:
        keras = import_keras()
        # Keras fixed its folder when imported: check again where it will actually look
        path, why = cached_file(FILENAME, SOURCE_SHA256)
    if path is None:
        from .digits import load_digits

        message = fallback_message(why)
        log.warning(message)
        dataset = load_digits(cache_dir=cache_dir)
        dataset.notes = f"{message} {dataset.notes}".strip()
        dataset.meta["requested"] = "mnist"
        return dataset

    (x_train_all, y_train_all), (x_test, y_test) = keras.datasets.mnist.load_data(FILENAME)
    return _from_arrays(x_train_all, y_train_all, x_test, y_test, source=path)


def _from_arrays(x_train_all, y_train_all, x_test, y_test, *, source) -> Dataset:
    def images(x):
        return (np.asarray(x, dtype=np.float32) / np.float32(255.0))[..., np.newaxis]

    y_train_all = np.asarray(y_train_all, dtype=np.int64)
    train, val, _ = stratified_split(y_train_all, val=VAL_SIZE, test=0, seed=SPLIT_SEED)
    x_all = images(x_train_all)
    return Dataset(
        name="mnist",
        x_train=x_all[train],
        y_train=y_train_all[train],
        x_val=x_all[val],
        y_val=y_train_all[val],
        x_test=images(x_test),
        y_test=np.asarray(y_test, dtype=np.int64),
        num_classes=10,
        meta={"source": str(source), "source_sha256": SOURCE_SHA256},
    )


__all__ = ["load_mnist", "keras_datasets_dir"]
