"""IMDB movie-review sentiment through the real Keras loader, only when its file is cached.

There is no fallback: without ``~/.keras/datasets/imdb.npz`` this raises
:class:`~datasets.DatasetUnavailable`, whose message says how to get the file. The
sentiment capstone is optional and is skipped in that case.
"""

from __future__ import annotations

import numpy as np

from ._core import Dataset, DatasetUnavailable, stratified_split
from ._keras import cached_file, import_keras

FILENAME = "imdb.npz"
# the hash keras.datasets.imdb.load_data checks; also in datasheets/imdb.md
SOURCE_SHA256 = "69664113be75683a8fe16e3ed0ab59fda8886cb3cd7ada244f7d9544e4676b9f"
SPLIT_SEED = 20260505
VAL_SIZE = 5000  # taken, stratified, from Keras's 25000 training reviews
NUM_WORDS = 10000
MAXLEN = 200

HOW_TO_GET = (
    "To use it, on a machine with network access run "
    '`python -c "import keras; keras.datasets.imdb.load_data()"` and copy '
    "~/.keras/datasets/imdb.npz (17 MB) to the same place here. The sentiment capstone "
    "is optional: it is skipped without this file."
)


def unavailable_message(why: str) -> str:
    return f"IMDB is not available offline ({why}); this course never downloads. {HOW_TO_GET}"


def missing() -> str:
    """Why IMDB cannot be loaded offline ("" when its file is cached); Keras not imported."""
    path, why = cached_file(FILENAME, SOURCE_SHA256)
    return "" if path is not None else unavailable_message(why)


def load_imdb(*, cache_dir=None, num_words: int = NUM_WORDS, maxlen: int = MAXLEN) -> Dataset:
    """Reviews as word indices (N, maxlen) int32, padded/truncated at the front; labels int64.

    Keras's encoding: 0 pads, 1 starts a review, 2 is out-of-vocabulary, words are ranked
    from 3 by frequency and only the ``num_words`` most frequent are kept. Splits:
    20000/5000 (seeded, stratified, from Keras's training reviews) and Keras's 25000 test
    reviews. ``meta`` has ``vocab_size`` (= ``num_words``) and ``maxlen``.
    """
    path, why = cached_file(FILENAME, SOURCE_SHA256)
    if path is not None:
        keras = import_keras()
        path, why = cached_file(FILENAME, SOURCE_SHA256)  # where Keras will actually look
    if path is None:
        raise DatasetUnavailable(unavailable_message(why))

    (x_train_all, y_train_all), (x_test, y_test) = keras.datasets.imdb.load_data(
        FILENAME, num_words=num_words
    )
    pad = keras.utils.pad_sequences
    return _from_arrays(
        pad(x_train_all, maxlen=maxlen, dtype="int32"),
        y_train_all,
        pad(x_test, maxlen=maxlen, dtype="int32"),
        y_test,
        num_words=num_words,
        maxlen=maxlen,
        source=path,
    )


def _from_arrays(x_train_all, y_train_all, x_test, y_test, *, num_words, maxlen, source):
    y_train_all = np.asarray(y_train_all, dtype=np.int64)
    train, val, _ = stratified_split(y_train_all, val=VAL_SIZE, test=0, seed=SPLIT_SEED)
    return Dataset(
        name="imdb",
        x_train=x_train_all[train],
        y_train=y_train_all[train],
        x_val=x_train_all[val],
        y_val=y_train_all[val],
        x_test=np.asarray(x_test, dtype=np.int32),
        y_test=np.asarray(y_test, dtype=np.int64),
        num_classes=2,
        meta={
            "vocab_size": num_words,
            "maxlen": maxlen,
            "source": str(source),
            "source_sha256": SOURCE_SHA256,
        },
    )
