"""Cross-checks of solutions/recurrent.py against keras.layers.SimpleRNN and LSTM (float64).

The layers are built once per module with return_sequences=True; the last time step
of their output is Keras's return_sequences=False result.
"""

from __future__ import annotations

import numpy as np
import pytest

from deepgrade.feedback import check_array
from solutions import recurrent

pytestmark = pytest.mark.tf

N, T, D, UNITS = 3, 5, 4, 6


@pytest.fixture(scope="module")
def rnn_layer(keras):
    layer = keras.layers.SimpleRNN(UNITS, return_sequences=True, dtype="float64")
    layer.build((None, T, D))
    return layer


@pytest.fixture(scope="module")
def lstm_layer(keras):
    layer = keras.layers.LSTM(UNITS, return_sequences=True, dtype="float64")
    layer.build((None, T, D))
    return layer


def _weights(seed: int, gates: int):
    rng = np.random.default_rng(seed)
    kernel = rng.normal(scale=0.6, size=(D, gates * UNITS))
    recurrent_kernel = rng.normal(scale=0.6, size=(UNITS, gates * UNITS))
    bias = rng.normal(
        size=gates * UNITS
    )  # random biases: Keras's zeros/unit-forget init would hide a bias bug
    return kernel, recurrent_kernel, bias, rng.normal(size=(N, T, D))


@pytest.mark.parametrize("seed", [0, 1])
def test_simple_rnn_matches_keras(rnn_layer, seed):
    kernel, rec, bias, x = _weights(seed, gates=1)
    rnn_layer.set_weights([kernel, rec, bias])
    expected = np.asarray(rnn_layer(x))
    got = recurrent.simple_rnn(x, kernel, rec, bias, return_sequences=True)
    check_array(got, expected, what="simple_rnn vs keras SimpleRNN", rtol=1e-10, atol=1e-12)
    last = recurrent.simple_rnn(x, kernel, rec, bias)
    check_array(last, expected[:, -1], what="simple_rnn (last) vs keras", rtol=1e-10, atol=1e-12)


def test_simple_rnn_initial_state_matches_keras(rnn_layer):
    kernel, rec, bias, x = _weights(2, gates=1)
    h0 = np.random.default_rng(3).normal(size=(N, UNITS))
    rnn_layer.set_weights([kernel, rec, bias])
    expected = np.asarray(rnn_layer(x, initial_state=[h0]))
    got = recurrent.simple_rnn(x, kernel, rec, bias, return_sequences=True, initial_state=h0)
    check_array(got, expected, what="simple_rnn(initial_state) vs keras", rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("seed", [0, 1])
def test_lstm_matches_keras(lstm_layer, seed):
    kernel, rec, bias, x = _weights(seed, gates=4)
    lstm_layer.set_weights([kernel, rec, bias])
    expected = np.asarray(lstm_layer(x))
    got = recurrent.lstm(x, kernel, rec, bias, return_sequences=True)
    check_array(got, expected, what="lstm vs keras LSTM", rtol=1e-10, atol=1e-12)
    last = recurrent.lstm(x, kernel, rec, bias)
    check_array(last, expected[:, -1], what="lstm (last) vs keras", rtol=1e-10, atol=1e-12)


def test_lstm_initial_state_matches_keras(lstm_layer):
    kernel, rec, bias, x = _weights(4, gates=4)
    state_rng = np.random.default_rng(5)
    h0, c0 = state_rng.normal(size=(N, UNITS)), state_rng.normal(size=(N, UNITS))
    lstm_layer.set_weights([kernel, rec, bias])
    expected = np.asarray(lstm_layer(x, initial_state=[h0, c0]))
    got = recurrent.lstm(x, kernel, rec, bias, return_sequences=True, initial_state=(h0, c0))
    check_array(got, expected, what="lstm(initial_state) vs keras", rtol=1e-10, atol=1e-12)


def test_lstm_cell_state_matches_keras(keras):
    """The cell state c, which the layer hides, via return_state=True."""
    kernel, rec, bias, x = _weights(6, gates=4)
    layer = keras.layers.LSTM(UNITS, return_state=True, dtype="float64")
    layer.build((None, T, D))
    layer.set_weights([kernel, rec, bias])
    _, h_keras, c_keras = (np.asarray(a) for a in layer(x))
    h, c = np.zeros((N, UNITS)), np.zeros((N, UNITS))
    for t in range(T):
        h, c = recurrent.lstm_cell(x[:, t], h, c, kernel, rec, bias)
    check_array(h, h_keras, what="lstm_cell's h after T steps vs keras", rtol=1e-10, atol=1e-12)
    check_array(c, c_keras, what="lstm_cell's c after T steps vs keras", rtol=1e-10, atol=1e-12)
