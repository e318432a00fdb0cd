"""BROKEN (raises at import): loads a file that is not there; see activations.py."""

from __future__ import annotations

import numpy as np

WEIGHTS = np.load("my_weights.npy")  # deepgrade-corpus: error here


def simple_rnn_cell(x, h, kernel, recurrent_kernel, bias):
    return np.tanh(x @ kernel + h @ recurrent_kernel + bias)
