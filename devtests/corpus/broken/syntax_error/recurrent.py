"""BROKEN (syntax error): a missing colon; see activations.py for what the grader must do."""

from __future__ import annotations

import numpy as np


def simple_rnn_cell(x, h, kernel, recurrent_kernel, bias)  # deepgrade-corpus: error here
    return np.tanh(x @ kernel + h @ recurrent_kernel + bias)
