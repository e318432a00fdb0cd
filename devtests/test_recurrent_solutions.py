"""Project tests of solutions/recurrent.py: bad input, no mutation, dtypes, properties."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deepgrade.feedback import check_array
from solutions import recurrent


def _rnn_args(rng, n=2, t=3, d=4, units=5):
    return (rng.normal(size=(n, t, d)), rng.normal(size=(d, units)),
            rng.normal(size=(units, units)), rng.normal(size=units))  # fmt: skip


def _lstm_args(rng, n=2, t=3, d=4, units=5):
    return (rng.normal(size=(n, t, d)), rng.normal(size=(d, 4 * units)),
            rng.normal(size=(units, 4 * units)), rng.normal(size=4 * units))  # fmt: skip


# ------------------------------------------------------------------ bad input


@pytest.mark.parametrize(
    ("args", "error", "match"),
    [
        ((np.zeros(3), np.zeros((1, 2)), np.zeros((3, 2)), np.zeros((2, 2)), np.zeros(2)),
         ValueError, r"simple_rnn_cell: x_t must be 2-D \(N, D\)"),
        ((np.zeros((1, 4)), np.zeros((1, 2)), np.zeros((3, 2)), np.zeros((2, 2)), np.zeros(2)),
         ValueError, "simple_rnn_cell: x_t has D = 4 features but kernel has 3 rows"),
        ((np.zeros((1, 3)), np.zeros((2, 2)), np.zeros((3, 2)), np.zeros((2, 2)), np.zeros(2)),
         ValueError, r"simple_rnn_cell: h_prev must have shape \(N, H\) = \(1, 2\)"),
        ((np.zeros((1, 3)), np.zeros((1, 2)), np.zeros((3, 3)), np.zeros((2, 2)), np.zeros(2)),
         ValueError, r"simple_rnn_cell: .*H = 2 and kernel must have shape \(D, H\) = \(3, 2\)"),
        ((np.zeros((1, 3)), np.zeros((1, 2)), np.zeros((3, 2)), np.zeros((2, 3)), np.zeros(2)),
         ValueError, "simple_rnn_cell: .*recurrent_kernel must have shape"),
        ((np.zeros((1, 3)), np.zeros((1, 2)), np.zeros((3, 2)), np.zeros((2, 2)), np.zeros(3)),
         ValueError, r"simple_rnn_cell: .*bias must have shape \(H,\) = \(2,\)"),
        ((np.zeros((1, 3)), np.zeros((1, 2)), np.zeros((3, 2)), np.zeros((2, 2)), ["a", "b"]),
         TypeError, "simple_rnn_cell: bias must hold numbers"),
        ((np.zeros((1, 3)), np.zeros((1, 0)), np.zeros((3, 0)), np.zeros((0, 0)), np.zeros(0)),
         ValueError, "simple_rnn_cell: recurrent_kernel must have at least one row"),
    ],
)  # fmt: skip
def test_simple_rnn_cell_rejects_bad_input(args, error, match):
    with pytest.raises(error, match=match):
        recurrent.simple_rnn_cell(*args)


def test_lstm_cell_rejects_weights_that_are_not_four_gates_wide():
    x, h, c = np.zeros((1, 3)), np.zeros((1, 2)), np.zeros((1, 2))
    with pytest.raises(
        ValueError, match=r"lstm_cell: .*kernel must have shape \(D, 4H\) = \(3, 8\)"
    ):
        recurrent.lstm_cell(x, h, c, np.zeros((3, 2)), np.zeros((2, 8)), np.zeros(8))
    with pytest.raises(ValueError, match=r"lstm_cell: .*bias must have shape \(4H,\) = \(8,\)"):
        recurrent.lstm_cell(x, h, c, np.zeros((3, 8)), np.zeros((2, 8)), np.zeros(2))
    with pytest.raises(ValueError, match=r"lstm_cell: c_prev must have shape \(N, H\) = \(1, 2\)"):
        recurrent.lstm_cell(x, h, np.zeros((1, 8)), np.zeros((3, 8)), np.zeros((2, 8)), np.zeros(8))


@pytest.mark.parametrize("layer", ["simple_rnn", "lstm"])
def test_layers_reject_bad_sequences(layer, rng):
    args = (_rnn_args if layer == "simple_rnn" else _lstm_args)(rng)
    fn = getattr(recurrent, layer)
    with pytest.raises(
        ValueError, match=rf"{layer}: x must be 3-D \(N, T, D\); got shape \(3, 4\)"
    ):
        fn(np.zeros((3, 4)), *args[1:])
    with pytest.raises(ValueError, match=f"{layer}: x must have at least one time step"):
        fn(np.zeros((2, 0, 4)), *args[1:])
    with pytest.raises(
        ValueError, match=f"{layer}: x has D = 3 features per step but kernel has 4"
    ):
        fn(np.zeros((2, 3, 3)), *args[1:])
    with pytest.raises(TypeError, match=f"{layer}: return_sequences must be True or False"):
        fn(*args, return_sequences="yes")


def test_simple_rnn_rejects_an_initial_state_of_the_wrong_shape(rng):
    with pytest.raises(
        ValueError, match=r"simple_rnn: initial_state must have shape \(N, H\) = \(2, 5\)"
    ):
        recurrent.simple_rnn(*_rnn_args(rng), initial_state=np.zeros((2, 4)))


@pytest.mark.parametrize(
    ("state", "match"),
    [
        (np.zeros((2, 5)), "lstm: initial_state must be None or a pair"),
        ((np.zeros((2, 5)),), "lstm: initial_state must be None or a pair"),
        ((np.zeros((2, 5)), np.zeros((1, 5))), r"lstm: initial_state\[1\] \(c0\) must have shape"),
        ((np.zeros((2, 4)), np.zeros((2, 5))), r"lstm: initial_state\[0\] \(h0\) must have shape"),
    ],
)
def test_lstm_rejects_a_bad_initial_state(state, match, rng):
    with pytest.raises(ValueError, match=match):
        recurrent.lstm(*_lstm_args(rng), initial_state=state)


# ------------------------------------------------------------------ inputs and dtypes


@pytest.mark.parametrize("layer", ["simple_rnn", "lstm"])
def test_layers_do_not_modify_their_inputs(layer, rng):
    args = (_rnn_args if layer == "simple_rnn" else _lstm_args)(rng)
    state = rng.normal(size=(2, 5))
    initial = state if layer == "simple_rnn" else (state, state.copy())
    copies = [a.copy() for a in args] + [state.copy()]
    getattr(recurrent, layer)(*args, return_sequences=True, initial_state=initial)
    for before, after in zip(copies, [*args, state], strict=True):
        np.testing.assert_array_equal(after, before)


def test_lstm_cell_does_not_modify_its_inputs(rng):
    x, kernel, rec, bias = _lstm_args(rng)
    h, c = rng.normal(size=(2, 5)), rng.normal(size=(2, 5))
    args = (x[:, 0], h, c, kernel, rec, bias)
    copies = [a.copy() for a in args]
    h_new, c_new = recurrent.lstm_cell(*args)
    assert h_new is not h and c_new is not c
    for before, after in zip(copies, args, strict=True):
        np.testing.assert_array_equal(after, before)


def test_integer_input_gives_float64(rng):
    x = np.arange(12).reshape(2, 3, 2)
    h = recurrent.simple_rnn(x, np.ones((2, 3), dtype=int), np.eye(3, dtype=int), [0, 1, 2])
    assert h.dtype == np.float64 and h.shape == (2, 3)
    hs = recurrent.lstm(x, np.ones((2, 4), dtype=int), np.zeros((1, 4), dtype=int), [0, 0, 1, 0],
                        return_sequences=True)  # fmt: skip
    assert hs.dtype == np.float64 and hs.shape == (2, 3, 1)


def test_lists_are_accepted():
    h = recurrent.simple_rnn([[[0.5], [0.5]]], [[1.0]], [[1.0]], [0.0])
    check_array(h, [[np.tanh(np.tanh(0.5) + 0.5)]], what="simple_rnn from lists")


# ------------------------------------------------------------------ properties


@settings(derandomize=True, deadline=None, max_examples=30)
@given(
    n=st.integers(1, 3), t=st.integers(1, 4), d=st.integers(1, 3), units=st.integers(1, 3),
    seed=st.integers(0, 2**16),
)  # fmt: skip
def test_lstm_cell_gates_are_independent_per_unit(n, t, d, units, seed):
    """Unit j of an H-unit LSTM equals a 1-unit LSTM built from unit j's four gate columns."""
    rng = np.random.default_rng(seed)
    x, kernel, rec, bias = _lstm_args(rng, n, t, d, units)
    rec = np.zeros_like(rec)  # with a recurrent kernel the units interact; without, they do not
    full = recurrent.lstm(x, kernel, rec, bias, return_sequences=True)
    for j in range(units):
        cols = [j + g * units for g in range(4)]
        one = recurrent.lstm(
            x, kernel[:, cols], np.zeros((1, 4)), bias[cols], return_sequences=True
        )
        np.testing.assert_allclose(full[:, :, j : j + 1], one, rtol=1e-12, atol=1e-15)


@settings(derandomize=True, deadline=None, max_examples=30)
@given(t=st.integers(1, 5), seed=st.integers(0, 2**16))
def test_sequences_are_the_cells_applied_step_by_step(t, seed):
    rng = np.random.default_rng(seed)
    x, kernel, rec, bias = _lstm_args(rng, 2, t, 3, 2)
    h, c = rng.normal(size=(2, 2)), rng.normal(size=(2, 2))
    hs = recurrent.lstm(x, kernel, rec, bias, return_sequences=True, initial_state=(h, c))
    for step in range(t):
        h, c = recurrent.lstm_cell(x[:, step], h, c, kernel, rec, bias)
        np.testing.assert_array_equal(hs[:, step], h)
    x, kernel, rec, bias = _rnn_args(rng, 2, t, 3, 2)
    hs = recurrent.simple_rnn(x, kernel, rec, bias, return_sequences=True)
    h = np.zeros((2, 2))
    for step in range(t):
        h = recurrent.simple_rnn_cell(x[:, step], h, kernel, rec, bias)
        np.testing.assert_array_equal(hs[:, step], h)


def test_outputs_stay_in_range_for_extreme_weights(rng):
    x, kernel, rec, bias = _lstm_args(rng)
    with np.errstate(all="raise"):
        hs = recurrent.lstm(x, 1e6 * kernel, 1e6 * rec, 1e6 * bias, return_sequences=True)
        rs = recurrent.simple_rnn(*(1e6 * a for a in _rnn_args(rng)), return_sequences=True)
    assert np.all(np.abs(hs) <= 1.0) and np.all(np.abs(rs) <= 1.0)
