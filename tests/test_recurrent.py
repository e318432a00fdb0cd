"""Public tests for topic 5: SimpleRNN and LSTM cells and layers (Keras weight layout).

The literal expected arrays below were produced by ``keras.layers.SimpleRNN`` and
``keras.layers.LSTM`` (float64) with the weights given here; the one-unit cases are
written out with ``math`` so you can follow them by hand.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from deepgrade.evidence import finding
from deepgrade.feedback import (
    call_without_warnings,
    check_array,
    check_inputs_unchanged,
    expect_array,
    expect_items,
)


def sig(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


# A batch of N=2 sequences, T=3 steps, D=2 features.
X = np.array(
    [
        [[1.0, -0.5], [0.25, 2.0], [-1.5, 0.5]],
        [[0.0, 1.0], [-2.0, -1.0], [0.5, 0.75]],
    ]
)
H0 = np.array([[0.5, -0.5], [1.0, 0.0]])
C0 = np.array([[1.0, -2.0], [0.5, 0.25]])

# SimpleRNN with H=2 units: kernel (D, H), recurrent_kernel (H, H), bias (H,).
RNN_KERNEL = np.array([[0.5, -0.25], [0.75, 0.1]])
RNN_RECURRENT = np.array([[0.2, -0.6], [0.4, 0.3]])
RNN_BIAS = np.array([0.1, -0.2])
RNN_SEQUENCES = np.array(
    [
        [
            [0.221278467898444, -0.4621171572600098],
            [0.9192876407286641, -0.3220227318952277],
            [-0.21647189627569152, -0.39960552394447124],
        ],
        [
            [0.6910694698329306, -0.09966799462495583],
            [-0.9140578670287093, -0.23978132051867765],
            [0.5606467357100238, 0.22270485523638478],
        ],
    ]
)
RNN_SEQUENCES_FROM_H0 = np.array(
    [
        [
            [0.1243530017715962, -0.7397830512740041],
            [0.896472615540122, -0.3443740798202747],
            [-0.22930437222760425, -0.39372076124238164],
        ],
        [
            [0.7818063576087741, -0.6043677771171635],
            [-0.9396891905117761, -0.4222229412600377],
            [0.5047599136709461, 0.18499194712854528],
        ],
    ]
)

# LSTM with H=2 units: kernel (D, 4H), recurrent_kernel (H, 4H), bias (4H,); gates i, f, c, o.
LSTM_KERNEL = np.array(
    [
        [0.5, -0.25, 0.1, 0.3, -0.4, 0.2, 0.6, -0.1],
        [0.2, 0.4, -0.3, 0.1, 0.5, -0.6, 0.25, 0.35],
    ]
)
LSTM_RECURRENT = np.array(
    [
        [0.3, -0.1, 0.2, 0.4, -0.2, 0.1, -0.5, 0.6],
        [-0.4, 0.2, 0.5, -0.3, 0.1, 0.3, 0.2, -0.1],
    ]
)
LSTM_BIAS = np.array([0.1, -0.1, 1.0, 0.5, 0.0, 0.2, -0.3, 0.05])
LSTM_SEQUENCES = np.array(
    [
        [
            [-0.18567745418083667, 0.09660343641234291],
            [0.14954869804990276, -0.21216885258239168],
            [0.09340473827035445, -0.25767559482460783],
        ],
        [
            [0.12645577866968244, -0.1286327741449135],
            [0.03559096400159077, 0.03585885713622566],
            [0.15429797348845936, -0.012157797219701198],
        ],
    ]
)
LSTM_SEQUENCES_FROM_H0_C0 = np.array(
    [
        [
            [0.12667661960416565, -0.4607496923252291],
            [0.30756429440680033, -0.6277686880057903],
            [0.1193439419370959, -0.5361255154172421],
        ],
        [
            [0.18135165763156563, 0.016512583950011674],
            [0.061232178794354504, 0.10329260526443904],
            [0.2276038629594948, 0.04659110567135601],
        ],
    ]
)


# Read-only, so that no test can change them for the tests after it.
for _constant in (
    X, H0, C0, RNN_KERNEL, RNN_RECURRENT, RNN_BIAS, RNN_SEQUENCES, RNN_SEQUENCES_FROM_H0,
    LSTM_KERNEL, LSTM_RECURRENT, LSTM_BIAS, LSTM_SEQUENCES, LSTM_SEQUENCES_FROM_H0_C0,
):  # fmt: skip
    _constant.flags.writeable = False


def lstm_cell_with_gate_order(order: str, x, h_prev, c_prev, kernel, recurrent, bias):
    """The h of an LSTM cell that reads the four column blocks as the gates in ``order``."""
    z = np.asarray(x) @ kernel + np.asarray(h_prev) @ recurrent + bias
    blocks = dict(zip(order, np.split(z, 4, axis=-1), strict=True))
    s = {g: 1.0 / (1.0 + np.exp(-blocks[g])) for g in "ifo"}
    c = s["f"] * c_prev + s["i"] * np.tanh(blocks["c"])
    return s["o"] * np.tanh(c)


def check_lstm_h(h, expected, cell_args, *, what: str) -> None:
    """check_array for an LSTM cell's h, naming a known mistake: the gates in the wrong order."""
    h_is_wrong = isinstance(h, np.ndarray) and h.shape == np.shape(expected)
    if h_is_wrong and not np.allclose(h, expected):
        for order in ("ifoc", "icfo"):
            if np.allclose(h, lstm_cell_with_gate_order(order, *cell_args)):
                raise finding(
                    f"gate order {', '.join(order)}",
                    f"{what}: your gates are in order {', '.join(order)}; Keras uses i, f, c, o "
                    "(the kernel's columns are [input | forget | candidate c | output])",
                )
    check_array(h, expected, what=what)


# ---------------------------------------------------------------- 5.1 simple_rnn_cell


@pytest.mark.exercise("simple_rnn_cell")
def test_simple_rnn_cell_one_unit_by_hand(impl):
    # tanh(x * kernel + h_prev * recurrent_kernel + bias) = tanh(1 * 0.5 + 0.5 * 1 + 0)
    h = impl.simple_rnn_cell([[1.0]], [[0.5]], [[0.5]], [[1.0]], [0.0])
    check_array(h, [[math.tanh(1.0)]], what="simple_rnn_cell (one unit, by hand)")


@pytest.mark.exercise("simple_rnn_cell")
def test_simple_rnn_cell_first_step_of_the_keras_example(impl):
    # From h_0 = 0 the first step is the first time step of the Keras output.
    h = impl.simple_rnn_cell(X[:, 0], np.zeros((2, 2)), RNN_KERNEL, RNN_RECURRENT, RNN_BIAS)
    check_array(h, RNN_SEQUENCES[:, 0], what="simple_rnn_cell(x[:, 0], zeros, ...)")


@pytest.mark.exercise("simple_rnn_cell")
def test_simple_rnn_cell_uses_the_previous_state(impl):
    h = impl.simple_rnn_cell(X[:, 0], H0, RNN_KERNEL, RNN_RECURRENT, RNN_BIAS)
    check_array(h, RNN_SEQUENCES_FROM_H0[:, 0], what="simple_rnn_cell(x[:, 0], h_prev, ...)")


@pytest.mark.exercise("simple_rnn_cell")
def test_simple_rnn_cell_shape_and_bias_per_unit(impl):
    # Zero weights: every row of h is tanh(bias), one value per unit.
    bias = np.array([0.5, -1.0, 2.0])
    h = impl.simple_rnn_cell(np.ones((4, 5)), np.ones((4, 3)), np.zeros((5, 3)),
                             np.zeros((3, 3)), bias)  # fmt: skip
    check_array(h, np.tile(np.tanh(bias), (4, 1)), what="simple_rnn_cell with zero weights")


@pytest.mark.exercise("simple_rnn_cell")
def test_simple_rnn_cell_without_recurrent_weights_ignores_h_prev(impl):
    # Zero recurrent kernel and bias: h = tanh(x @ kernel), whatever h_prev is.
    x, kernel = np.array([[1.0, 2.0, -1.0], [0.5, 0.0, 1.0]]), np.arange(12.0).reshape(3, 4) / 10
    h = impl.simple_rnn_cell(x, np.full((2, 4), 0.7), kernel, np.zeros((4, 4)), np.zeros(4))
    check_array(h, np.tanh(x @ kernel), what="simple_rnn_cell with a zero recurrent kernel")


@pytest.mark.exercise("simple_rnn_cell")
def test_simple_rnn_cell_leaves_its_inputs_unchanged(impl):
    args = (X[:, 0], H0, RNN_KERNEL, RNN_RECURRENT, RNN_BIAS)
    h = check_inputs_unchanged(
        impl,
        "simple_rnn_cell",
        *(np.array(a, dtype=float) for a in args),
        names=("x_t", "h_prev", "kernel", "recurrent_kernel", "bias"),
    )
    check_array(h, RNN_SEQUENCES_FROM_H0[:, 0], what="simple_rnn_cell(x[:, 0], h_prev, ...)")


# ---------------------------------------------------------------- 5.2 simple_rnn


@pytest.mark.exercise("simple_rnn")
def test_simple_rnn_one_unit_by_hand(impl):
    # kernel 1, recurrent kernel 1: h_1 = tanh(0.5), h_2 = tanh(h_1 + 0.5)
    x = np.array([[[0.5], [0.5]]])
    h1 = math.tanh(0.5)
    hs = impl.simple_rnn(x, [[1.0]], [[1.0]], [0.0], return_sequences=True)
    check_array(hs, [[[h1], [math.tanh(h1 + 0.5)]]], what="simple_rnn (one unit, by hand)")


@pytest.mark.exercise("simple_rnn")
def test_simple_rnn_matches_keras_sequences(impl):
    hs = impl.simple_rnn(X, RNN_KERNEL, RNN_RECURRENT, RNN_BIAS, return_sequences=True)
    check_array(hs, RNN_SEQUENCES, what="simple_rnn(..., return_sequences=True)")


@pytest.mark.exercise("simple_rnn")
def test_simple_rnn_returns_the_last_state_by_default(impl):
    h = impl.simple_rnn(X, RNN_KERNEL, RNN_RECURRENT, RNN_BIAS)
    check_array(h, RNN_SEQUENCES[:, -1], what="simple_rnn(...) (return_sequences=False)")


@pytest.mark.exercise("simple_rnn")
def test_simple_rnn_last_of_the_sequence_is_the_return_last_result(impl):
    rng = np.random.default_rng(5)
    x, kernel, rec, bias = (rng.normal(size=s) for s in [(3, 4, 2), (2, 5), (5, 5), (5,)])
    hs = impl.simple_rnn(x, kernel, rec, bias, return_sequences=True)
    expect_array(hs, what="simple_rnn(return_sequences=True) for N=3, T=4, H=5", shape=(3, 4, 5))
    h = impl.simple_rnn(x, kernel, rec, bias, return_sequences=False)
    check_array(hs[:, -1], h, what="simple_rnn(return_sequences=True)[:, -1]")
    # computed once with the reference solution (solutions.recurrent.simple_rnn)
    expected = [
        [-0.937698678563, -0.186531500265, 0.998836850013, -0.999529277211, 0.999431742047],
        [0.963182324151, 0.960881818266, 0.847097072723, -0.691163966682, -0.169978940352],
        [0.76765267358, -0.657832761047, 0.99898744754, -0.390330811788, 0.996091100419],
    ]
    check_array(h, expected, what="simple_rnn(random x and weights)", rtol=1e-9)


@pytest.mark.exercise("simple_rnn")
def test_simple_rnn_shapes(impl):
    # Zero kernels: every step's h is tanh(bias), one value per unit.
    x = np.ones((3, 4, 2))
    bias = np.array([-1.0, -0.5, 0.0, 0.5, 1.0])
    weights = np.zeros((2, 5)), np.zeros((5, 5)), bias
    check_array(impl.simple_rnn(x, *weights), np.tile(np.tanh(bias), (3, 1)),
                what="simple_rnn with zero kernels, (N, H)")  # fmt: skip
    check_array(impl.simple_rnn(x, *weights, return_sequences=True),
                np.tile(np.tanh(bias), (3, 4, 1)),
                what="simple_rnn(return_sequences=True) with zero kernels, (N, T, H)")  # fmt: skip


@pytest.mark.exercise("simple_rnn")
def test_simple_rnn_uses_the_initial_state(impl):
    hs = impl.simple_rnn(X, RNN_KERNEL, RNN_RECURRENT, RNN_BIAS, return_sequences=True,
                         initial_state=H0)  # fmt: skip
    check_array(hs, RNN_SEQUENCES_FROM_H0, what="simple_rnn(..., initial_state=h0)")


@pytest.mark.exercise("simple_rnn")
def test_simple_rnn_initial_state_by_hand(impl):
    # No input weights, recurrent kernel 1: h_1 = tanh(h_0), h_2 = tanh(h_1).
    hs = impl.simple_rnn(np.zeros((1, 2, 1)), [[0.0]], [[1.0]], [0.0], return_sequences=True,
                         initial_state=[[0.5]])  # fmt: skip
    h1 = math.tanh(0.5)
    check_array(hs, [[[h1], [math.tanh(h1)]]], what="simple_rnn from h_0 = 0.5 (by hand)")


# ---------------------------------------------------------------- 5.3 lstm_cell


@pytest.mark.exercise("lstm_cell")
def test_lstm_cell_one_unit_by_hand(impl):
    # Only the candidate column of the kernel is 1: z = [0, 0, 1, 0], so i = f = o = 0.5.
    h, c = expect_items(
        impl.lstm_cell(
            [[1.0]], [[0.0]], [[1.0]], [[0.0, 0.0, 1.0, 0.0]], np.zeros((1, 4)), np.zeros(4)
        ),
        2,
        what="lstm_cell",
        kind="a pair (h, c)",
    )
    c_expected = 0.5 * 1.0 + 0.5 * math.tanh(1.0)
    check_array(c, [[c_expected]], what="lstm_cell's c (one unit, by hand)")
    check_array(h, [[0.5 * math.tanh(c_expected)]], what="lstm_cell's h (one unit, by hand)")


@pytest.mark.exercise("lstm_cell")
def test_lstm_cell_gate_order_is_i_f_c_o(impl):
    # Zero weights, a different bias per gate: i = sig(1), f = sig(-1), g = tanh(0.5), o = sig(2).
    h, c = expect_items(
        impl.lstm_cell(
            [[3.0]], [[-2.0]], [[0.3]], np.zeros((1, 4)), np.zeros((1, 4)), [1.0, -1.0, 0.5, 2.0]
        ),
        2,
        what="lstm_cell",
        kind="a pair (h, c)",
    )
    bias = np.array([1.0, -1.0, 0.5, 2.0])
    c_expected = sig(-1.0) * 0.3 + sig(1.0) * math.tanh(0.5)
    check_lstm_h(h, [[sig(2.0) * math.tanh(c_expected)]],
                 ([[3.0]], [[-2.0]], [[0.3]], np.zeros((1, 4)), np.zeros((1, 4)), bias),
                 what="lstm_cell's h with bias [i, f, c, o] = [1, -1, 0.5, 2]")  # fmt: skip
    check_array(c, [[c_expected]], what="lstm_cell's c with bias [i, f, c, o] = [1, -1, 0.5, 2]")


@pytest.mark.exercise("lstm_cell")
def test_lstm_cell_uses_h_prev_through_the_recurrent_kernel(impl):
    # Only the recurrent kernel's forget column is nonzero: f = sig(2 * h_prev) = sig(1).
    h, c = expect_items(
        impl.lstm_cell(
            [[0.0]], [[0.5]], [[2.0]], np.zeros((1, 4)), [[0.0, 2.0, 0.0, 0.0]], np.zeros(4)
        ),
        2,
        what="lstm_cell",
        kind="a pair (h, c)",
    )
    c_expected = sig(1.0) * 2.0
    check_array(c, [[c_expected]], what="lstm_cell's c (forget gate from h_prev)")
    check_array(h, [[0.5 * math.tanh(c_expected)]], what="lstm_cell's h (forget gate from h_prev)")


@pytest.mark.exercise("lstm_cell")
def test_lstm_cell_first_step_of_the_keras_example(impl):
    args = (X[:, 0], H0, C0, LSTM_KERNEL, LSTM_RECURRENT, LSTM_BIAS)
    h, c = expect_items(impl.lstm_cell(*args), 2, what="lstm_cell", kind="a pair (h, c)")
    check_lstm_h(h, LSTM_SEQUENCES_FROM_H0_C0[:, 0], args,
                 what="lstm_cell(x[:, 0], h0, c0, ...)'s h")  # fmt: skip
    assert isinstance(c, np.ndarray) and c.shape == (2, 2), "lstm_cell must return (h, c)"


@pytest.mark.exercise("lstm_cell")
def test_lstm_cell_leaves_its_inputs_unchanged(impl):
    args = (X[:, 0], H0, C0, LSTM_KERNEL, LSTM_RECURRENT, LSTM_BIAS)
    h, _ = expect_items(
        check_inputs_unchanged(
            impl,
            "lstm_cell",
            *(np.array(a, dtype=float) for a in args),
            names=("x_t", "h_prev", "c_prev", "kernel", "recurrent_kernel", "bias"),
        ),
        2,
        what="lstm_cell",
        kind="a pair (h, c)",
    )
    check_array(h, LSTM_SEQUENCES_FROM_H0_C0[:, 0], what="lstm_cell(x[:, 0], h0, c0, ...)'s h")


@pytest.mark.exercise("lstm_cell")
def test_lstm_cell_returns_h_and_c_of_shape_n_by_h(impl):
    # Zero kernels and state, bias 1 for i, 0 for f, [-1, 0.5, 2] for c, 0 for o:
    # c = sig(1) * tanh(bias_c) and h = sig(0) * tanh(c), the same in both rows.
    bias = np.concatenate([np.ones(3), np.zeros(3), [-1.0, 0.5, 2.0], np.zeros(3)])
    out = impl.lstm_cell(np.ones((2, 4)), np.zeros((2, 3)), np.zeros((2, 3)), np.zeros((4, 12)),
                         np.zeros((3, 12)), bias)  # fmt: skip
    assert isinstance(out, tuple) and len(out) == 2, "lstm_cell must return a pair (h, c)"
    c = sig(1.0) * np.tanh(np.tile([-1.0, 0.5, 2.0], (2, 1)))
    check_array(out[0], 0.5 * np.tanh(c), what="lstm_cell's h (2 rows, 3 units)")
    check_array(out[1], c, what="lstm_cell's c (2 rows, 3 units)")


@pytest.mark.exercise("lstm_cell")
def test_lstm_cell_saturated_gates_without_overflow(impl):
    # Huge pre-activations: i = 1, f = 0, g = 1, o = 1 exactly, so c = 1 and h = tanh(1).
    def values(out):  # checked before the warning: they can show the mistake
        h, c = expect_items(out, 2, what="lstm_cell", kind="a pair (h, c)")
        check_array(c, [[1.0]], what="lstm_cell's c with saturated gates")
        check_array(h, [[math.tanh(1.0)]], what="lstm_cell's h with saturated gates")

    call_without_warnings(  # an overflow in exp would be a RuntimeWarning
        impl.lstm_cell, [[0.0]], [[0.0]], [[5.0]], np.zeros((1, 4)), np.zeros((1, 4)),
        [1000.0, -1000.0, 1000.0, 1000.0], what="lstm_cell with pre-activations of ±1000",
        check=values,
    )  # fmt: skip


# ---------------------------------------------------------------- 5.4 lstm


@pytest.mark.exercise("lstm")
def test_lstm_matches_keras_sequences(impl):
    hs = impl.lstm(X, LSTM_KERNEL, LSTM_RECURRENT, LSTM_BIAS, return_sequences=True)
    check_array(hs, LSTM_SEQUENCES, what="lstm(..., return_sequences=True)")


@pytest.mark.exercise("lstm")
def test_lstm_returns_the_last_output_by_default(impl):
    h = impl.lstm(X, LSTM_KERNEL, LSTM_RECURRENT, LSTM_BIAS)
    check_array(h, LSTM_SEQUENCES[:, -1], what="lstm(...) (return_sequences=False)")


@pytest.mark.exercise("lstm")
def test_lstm_uses_the_initial_state(impl):
    hs = impl.lstm(X, LSTM_KERNEL, LSTM_RECURRENT, LSTM_BIAS, return_sequences=True,
                   initial_state=(H0, C0))  # fmt: skip
    check_array(hs, LSTM_SEQUENCES_FROM_H0_C0, what="lstm(..., initial_state=(h0, c0))")


@pytest.mark.exercise("lstm")
def test_lstm_memory_halves_with_zero_weights(impl):
    # All gates sigmoid(0) = 0.5 and g = 0: c_t = c_0 / 2**t and h_t = 0.5 * tanh(c_t).
    hs = impl.lstm(np.zeros((1, 3, 2)), np.zeros((2, 4)), np.zeros((1, 4)), np.zeros(4),
                   return_sequences=True, initial_state=([[0.0]], [[8.0]]))  # fmt: skip
    expected = [[[0.5 * math.tanh(8.0 / 2**t)] for t in (1, 2, 3)]]
    check_array(hs, expected, what="lstm with zero weights from c_0 = 8")


@pytest.mark.exercise("lstm")
def test_lstm_zero_kernels_with_the_right_shapes(impl):
    # Zero kernels, bias 0 but for the candidate (one value per unit): every gate is 1/2,
    # so c_t = c_{t-1} / 2 + tanh(b) / 2 and h_t = tanh(c_t) / 2 from c_0 = 0.
    x = np.ones((3, 4, 2))
    b = np.linspace(-1.0, 1.0, 5)
    bias = np.concatenate([np.zeros(10), b, np.zeros(5)])
    weights = np.zeros((2, 20)), np.zeros((5, 20)), bias
    c, hs = np.zeros(5), []
    for _ in range(4):
        c = c / 2 + np.tanh(b) / 2
        hs.append(np.tanh(c) / 2)
    expected = np.tile(np.stack(hs), (3, 1, 1))  # (N, T, H) = (3, 4, 5)
    check_array(impl.lstm(x, *weights), expected[:, -1], what="lstm with zero kernels, (N, H)")
    check_array(impl.lstm(x, *weights, return_sequences=True), expected,
                what="lstm(return_sequences=True) with zero kernels, (N, T, H)")  # fmt: skip


@pytest.mark.exercise("lstm")
def test_lstm_last_of_the_sequence_is_the_return_last_result(impl):
    rng = np.random.default_rng(6)
    x, kernel, rec, bias = (rng.normal(size=s) for s in [(3, 4, 2), (2, 12), (3, 12), (12,)])
    hs = impl.lstm(x, kernel, rec, bias, return_sequences=True)
    expect_array(hs, what="lstm(return_sequences=True) for N=3, T=4, H=3", shape=(3, 4, 3))
    h = impl.lstm(x, kernel, rec, bias, return_sequences=False)
    check_array(hs[:, -1], h, what="lstm(return_sequences=True)[:, -1]")
    # computed once with the reference solution (solutions.recurrent.lstm)
    expected = [
        [-0.01837170461, 0.061604947369, 0.062606459683],
        [0.022234840254, 0.03183619774, -0.355383795199],
        [0.228826314742, 0.109449117974, -0.107545971857],
    ]
    check_array(h, expected, what="lstm(random x and weights)", rtol=1e-9)
