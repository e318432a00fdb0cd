"""Capstone 4 (optional): is a movie review positive or negative? Embedding + LSTM.

The slides' text example: "given text (e.g., movie review, Tweet), figure out whether
it has positive or negative sentiment (binary classification)". The recipe:

    words -> Embedding -> LSTM -> Dense(1, sigmoid)
             "turn words into vector       "classification with 2 classes: dense layer
              representations that are      with 1 neuron, sigmoid activation"
              semantically meaningful"

and the advice that an RNN layer should be chained with layers that learn a meaningful
representation of the data first: for text, word embeddings.

The data are Keras's IMDB reviews (``datasets.load("imdb")``) when
``~/.keras/datasets/imdb.npz`` is already present, else the Rotten Tomatoes review
snippets that ship inside a Python package (``datasets.load("rotten_tomatoes")``: about
12 700 one-sentence reviews labelled fresh or rotten). Nothing is downloaded. Either way
each review is a sequence of word indices, the ``vocab_size = 10000`` most frequent
words (0 pads, 1 starts a review, 2 is a word outside the vocabulary), padded or cut at
the front to ``maxlen`` words (200 for IMDB, 40 for the snippets): ``(N, maxlen)``
int32; the label is 1 (positive) or 0 (negative). The grader's report says which data
set graded you.

Train it yourself with ``deepgrade train sentiment``.
"""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # keep TensorFlow's start-up chatter quiet

import keras  # noqa: E402
from keras import layers  # noqa: E402


def build_sentiment_model(vocab_size: int, maxlen: int) -> keras.Model:
    """Embedding + LSTM + one sigmoid unit: ``(N, maxlen)`` word indices -> ``(N, 1)``.

    Build::

        keras.Input(shape=(maxlen,), dtype="int32")     (maxlen,)  word indices
        Embedding(vocab_size, d)                        (maxlen, d) a vector per word
        LSTM(units)                                     (units,)    the review, summarised
        Dense(1, activation="sigmoid")                  Pr(positive)

    ``Embedding(vocab_size, d)`` is a trainable table with one ``d``-vector per word
    index (row 0 for padding too): words used alike end up with similar vectors. The
    LSTM reads the ``maxlen`` vectors in order and keeps its final hidden state.

    Args:
        vocab_size: the number of word indices (10000): every index is ``< vocab_size``.
        maxlen: the length of every (padded) review (200).

    Returns:
        An uncompiled ``keras.Model`` giving one probability per review.

    Hint: keep it small, it trains on one CPU core within the grader's time limit:
    ``d = 32`` and 32 LSTM units (about 330 000 parameters, nearly all of them the
    embedding table) reach about 0.85 test accuracy on IMDB in 2 or 3 epochs, and about
    0.75 on the shorter Rotten Tomatoes snippets (always answering "fresh" gets 0.58).
    """
    raise NotImplementedError(
        "Exercise C4.1 (build_sentiment_model) is not implemented yet: replace this raise with your code"
    )


def sentiment_recipe() -> dict:
    """The training recipe, as plain data (no augmentation for text).

    Return ``{"optimizer": ..., "learning_rate": ..., "epochs": ..., "batch_size": ...}``;
    the trainer compiles the model with binary cross-entropy (one sigmoid output).

    Hint: 20 000 IMDB training reviews make an epoch long: the grader caps this
    capstone at 5 epochs (10 on the snippets). Adam with a learning rate of about 1e-3
    and batches of 64 reviews is a good start; watch the validation curve: an LSTM
    overfits after a few epochs.
    """
    raise NotImplementedError(
        "Exercise C4.2 (sentiment_recipe) is not implemented yet: replace this raise with your code"
    )
