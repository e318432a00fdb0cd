"""BROKEN (import error): a package that is not installed; see activations.py."""

from __future__ import annotations

import deepgrade_corpus_no_such_package  # noqa: F401  # deepgrade-corpus: error here
import numpy as np


def simple_rnn_cell(x, h, kernel, recurrent_kernel, bias):
    return np.tanh(x @ kernel + h @ recurrent_kernel + bias)
