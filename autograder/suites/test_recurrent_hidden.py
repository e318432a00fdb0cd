"""Hidden tests for topic 5: SimpleRNN and LSTM cells and layers.

Beyond the public tests: random weights with random biases, batches of several sequences,
sequences of many steps, non-zero initial states, ``return_sequences`` both ways, inputs
left unchanged. Expected values come from the reference (``solutions.recurrent``); the
catalogued mistakes (``mistakes_recurrent``) name gate-order, activation and state bugs.
"""

from __future__ import annotations

import numpy as np
import pytest

from autograder.suites import mistakes_recurrent as mis
from autograder.suites.support import Cases, check_unchanged, fresh
from deepgrade.feedback import call_without_warnings, check_array
from solutions import recurrent as ref


def rnn_weights(rng, d: int, units: int, gates: int = 1, scale: float = 1.0):
    """kernel (D, gH), recurrent kernel (H, gH), bias (gH,): random, biases included."""
    width = gates * units
    return (
        scale * rng.normal(size=(d, width)) / np.sqrt(d),
        scale * rng.normal(size=(units, width)) / np.sqrt(units),
        scale * rng.normal(size=width),
    )


def is_pair(out) -> bool:
    return isinstance(out, tuple | list) and len(out) == 2


# ---------------------------------------------------------------- 5.1 simple_rnn_cell


@pytest.mark.exercise("simple_rnn_cell")
@pytest.mark.points(2)
def test_simple_rnn_cell_random_weights_and_bias(impl):
    rng = np.random.default_rng(5101)
    x, h_prev = rng.normal(size=(3, 4)), rng.normal(size=(3, 5))
    weights = rnn_weights(rng, 4, 5)
    h = impl.simple_rnn_cell(*fresh((x, h_prev, *weights)))
    check_array(
        h, ref.simple_rnn_cell(x, h_prev, *weights),
        what="simple_rnn_cell with N=3, D=4, H=5 (random weights, bias and h_prev)",
        mistakes=mis.rnn_cell_mistakes(x, h_prev, *weights),
    )  # fmt: skip


@pytest.mark.exercise("simple_rnn_cell")
@pytest.mark.points(1)
@pytest.mark.parametrize(("n", "d", "units"), [(1, 7, 2), (4, 1, 3)])
def test_simple_rnn_cell_other_shapes(impl, n, d, units):
    rng = np.random.default_rng(5102 + d)
    x, h_prev = rng.normal(size=(n, d)), rng.normal(size=(n, units))
    weights = rnn_weights(rng, d, units, scale=1.5)
    h = impl.simple_rnn_cell(*fresh((x, h_prev, *weights)))
    check_array(
        h, ref.simple_rnn_cell(x, h_prev, *weights),
        what=f"simple_rnn_cell with N={n}, D={d}, H={units}",
        shape_rule=f"(N, H) = {(n, units)}",
        mistakes=mis.rnn_cell_mistakes(x, h_prev, *weights),
    )  # fmt: skip


@pytest.mark.exercise("simple_rnn_cell")
@pytest.mark.points(1)
def test_simple_rnn_cell_large_pre_activations(impl):
    # Weights scaled up: pre-activations of several hundred, where a tanh written with exp
    # overflows (NaN past |z| of about 710); np.tanh saturates at -1 and 1.
    rng = np.random.default_rng(5104)
    cases = Cases()
    for n, d, units in ((3, 4, 2), (2, 3, 3)):
        x, h_prev = rng.normal(size=(n, d)), rng.normal(size=(n, units))
        weights = rnn_weights(rng, d, units, scale=800.0)
        h = impl.simple_rnn_cell(*fresh((x, h_prev, *weights)))
        cases.check(
            check_array, h, ref.simple_rnn_cell(x, h_prev, *weights),
            what=f"simple_rnn_cell with pre-activations of several hundred, N={n}, D={d}, "
            f"H={units}",
            mistakes=mis.rnn_cell_mistakes(x, h_prev, *weights),
        )  # fmt: skip
    cases.done()


@pytest.mark.exercise("simple_rnn_cell")
@pytest.mark.points(1)
def test_simple_rnn_cell_leaves_its_inputs_unchanged(impl):
    rng = np.random.default_rng(5103)
    args = (rng.normal(size=(2, 3)), rng.normal(size=(2, 4)), *rnn_weights(rng, 3, 4))
    h, after, _ = impl.with_inputs("simple_rnn_cell")(*(a.copy() for a in args))
    check_unchanged(after, args, ("x_t", "h_prev", "kernel", "recurrent_kernel", "bias"),
                    "simple_rnn_cell")  # fmt: skip
    check_array(h, ref.simple_rnn_cell(*args), what="simple_rnn_cell with N=2, D=3, H=4",
                mistakes=mis.rnn_cell_mistakes(*args))  # fmt: skip


# ---------------------------------------------------------------- 5.2 simple_rnn


@pytest.mark.exercise("simple_rnn")
@pytest.mark.points(2)
def test_simple_rnn_long_sequences_return_sequences(impl):
    rng = np.random.default_rng(5201)
    x, weights = rng.normal(size=(3, 7, 4)), rnn_weights(rng, 4, 5)
    hs = impl.simple_rnn(*fresh((x, *weights)), return_sequences=True)
    check_array(
        hs, ref.simple_rnn(x, *weights, return_sequences=True),
        what="simple_rnn(return_sequences=True) on N=3 sequences of T=7 steps, D=4, H=5",
        shape_rule="(N, T, H) = (3, 7, 5)",
        mistakes=mis.simple_rnn_mistakes(x, *weights, return_sequences=True),
    )  # fmt: skip


@pytest.mark.exercise("simple_rnn")
@pytest.mark.points(1)
def test_simple_rnn_long_sequences_last_state(impl):
    rng = np.random.default_rng(5202)
    x, weights = rng.normal(size=(2, 9, 3)), rnn_weights(rng, 3, 4)
    h = impl.simple_rnn(*fresh((x, *weights)))
    check_array(
        h, ref.simple_rnn(x, *weights),
        what="simple_rnn (return_sequences=False) on N=2 sequences of T=9 steps, D=3, H=4",
        shape_rule="(N, H) = (2, 4)",
        mistakes=mis.simple_rnn_mistakes(x, *weights),
    )  # fmt: skip


@pytest.mark.exercise("simple_rnn")
@pytest.mark.points(1.5)
@pytest.mark.parametrize("return_sequences", [True, False])
def test_simple_rnn_random_initial_state(impl, return_sequences):
    rng = np.random.default_rng(5203)
    x, weights = rng.normal(size=(3, 5, 2)), rnn_weights(rng, 2, 3)
    h0 = rng.normal(size=(3, 3))
    out = impl.simple_rnn(
        *fresh((x, *weights)), return_sequences=return_sequences, initial_state=fresh(h0)
    )
    check_array(
        out, ref.simple_rnn(x, *weights, return_sequences=return_sequences, initial_state=h0),
        what=f"simple_rnn(return_sequences={return_sequences}, initial_state=h0) on N=3 "
        "sequences of T=5 steps, D=2, H=3",
        mistakes=mis.simple_rnn_mistakes(x, *weights, return_sequences, initial_state=h0),
    )  # fmt: skip


@pytest.mark.exercise("simple_rnn")
@pytest.mark.points(0.5)
def test_simple_rnn_single_step_is_one_cell(impl):
    rng = np.random.default_rng(5204)
    x, weights = rng.normal(size=(4, 1, 3)), rnn_weights(rng, 3, 2)
    hs = impl.simple_rnn(*fresh((x, *weights)), return_sequences=True)
    check_array(
        hs, ref.simple_rnn(x, *weights, return_sequences=True),
        what="simple_rnn(return_sequences=True) on N=4 sequences of a single step",
        shape_rule="(N, T, H) = (4, 1, 2)",
        mistakes=mis.simple_rnn_mistakes(x, *weights, return_sequences=True),
    )  # fmt: skip


@pytest.mark.exercise("simple_rnn")
@pytest.mark.points(1)
def test_simple_rnn_leaves_its_inputs_unchanged(impl):
    rng = np.random.default_rng(5205)
    x, weights, h0 = rng.normal(size=(2, 4, 3)), rnn_weights(rng, 3, 2), rng.normal(size=(2, 2))
    args = (x, *weights)
    hs, after, kwargs = impl.with_inputs("simple_rnn")(
        *(a.copy() for a in args), return_sequences=True, initial_state=h0.copy()
    )
    check_unchanged(after, args, ("x", "kernel", "recurrent_kernel", "bias"), "simple_rnn")
    check_unchanged([kwargs["initial_state"]], [h0], ["initial_state"], "simple_rnn")
    check_array(
        hs, ref.simple_rnn(*args, return_sequences=True, initial_state=h0),
        what="simple_rnn(return_sequences=True, initial_state=h0) with N=2, T=4, D=3, H=2",
        mistakes=mis.simple_rnn_mistakes(*args, return_sequences=True, initial_state=h0),
    )  # fmt: skip


# ---------------------------------------------------------------- 5.3 lstm_cell


def lstm_cell_case(seed: int, n: int, d: int, units: int, *, zero_state=False, scale=1.0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d))
    h_prev, c_prev = rng.normal(size=(n, units)), 2.0 * rng.normal(size=(n, units))
    if zero_state:
        h_prev, c_prev = np.zeros((n, units)), np.zeros((n, units))
    return (x, h_prev, c_prev, *rnn_weights(rng, d, units, gates=4, scale=scale))


def check_lstm_cell(out, args, *, what: str, parts=(0, 1)) -> None:
    n, units = args[1].shape
    assert is_pair(out), (
        f"{what}: lstm_cell should return a pair (h_t, c_t) of (N, H) arrays, "
        f"got {type(out).__name__}"
    )
    expected = ref.lstm_cell(*args)
    cases = Cases()
    for part in parts:
        name = ("h", "c")[part]
        cases.check(
            check_array, out[part], expected[part], what=f"{what}: {name}_t",
            shape_rule=f"(N, H) = {(n, units)}",
            mistakes=mis.lstm_cell_mistakes(*args, part=part),
        )  # fmt: skip
    cases.done()


@pytest.mark.exercise("lstm_cell")
@pytest.mark.points(2)
def test_lstm_cell_random_weights_and_biases_h(impl):
    args = lstm_cell_case(5301, n=3, d=4, units=5)
    out = impl.lstm_cell(*fresh(args))
    check_lstm_cell(out, args, what="lstm_cell with N=3, D=4, H=5 (random weights, biases, "
                    "h_prev and c_prev)", parts=(0,))  # fmt: skip


@pytest.mark.exercise("lstm_cell")
@pytest.mark.points(1.5)
def test_lstm_cell_random_weights_and_biases_c(impl):
    args = lstm_cell_case(5302, n=4, d=2, units=3)
    out = impl.lstm_cell(*fresh(args))
    check_lstm_cell(out, args, what="lstm_cell with N=4, D=2, H=3 (random weights, biases, "
                    "h_prev and c_prev)", parts=(1,))  # fmt: skip


@pytest.mark.exercise("lstm_cell")
@pytest.mark.points(1)
def test_lstm_cell_from_zero_state_random_biases(impl):
    args = lstm_cell_case(5303, n=1, d=6, units=3, zero_state=True, scale=2.0)
    out = impl.lstm_cell(*fresh(args))
    check_lstm_cell(out, args, what="lstm_cell with N=1, D=6, H=3 from h_prev = c_prev = 0")


@pytest.mark.exercise("lstm_cell")
@pytest.mark.points(1)
def test_lstm_cell_large_pre_activations(impl):
    # Weights scaled up: many gates saturate near 0 or 1; the result must stay finite.
    args = lstm_cell_case(5304, n=3, d=3, units=2, scale=300.0)
    out = impl.lstm_cell(*fresh(args))
    check_lstm_cell(out, args, what="lstm_cell with pre-activations of several hundred, N=3, "
                    "D=3, H=2")  # fmt: skip


@pytest.mark.exercise("lstm_cell")
@pytest.mark.points(1)
def test_lstm_cell_raises_no_warning(impl):
    # the docstring: the gates' sigmoid must not overflow for pre-activations like ±1000
    args = lstm_cell_case(5306, n=2, d=3, units=2, scale=600.0)
    what = "lstm_cell with pre-activations of several hundred"
    out = call_without_warnings(impl.lstm_cell, *fresh(args), what=what)
    check_lstm_cell(out, args, what=f"{what}, N=2, D=3, H=2")  # no point for wrong values


@pytest.mark.exercise("lstm_cell")
@pytest.mark.points(1)
def test_lstm_cell_leaves_its_inputs_unchanged(impl):
    args = lstm_cell_case(5305, n=2, d=3, units=2)
    out, after, _ = impl.with_inputs("lstm_cell")(*(a.copy() for a in args))
    names = ("x_t", "h_prev", "c_prev", "kernel", "recurrent_kernel", "bias")
    check_unchanged(after, args, names, "lstm_cell")
    check_lstm_cell(out, args, what="lstm_cell with N=2, D=3, H=2")


# ---------------------------------------------------------------- 5.4 lstm


def lstm_case(seed: int, n: int, steps: int, d: int, units: int, *, initial=False):
    rng = np.random.default_rng(seed)
    x, weights = rng.normal(size=(n, steps, d)), rnn_weights(rng, d, units, gates=4)
    state = (rng.normal(size=(n, units)), 2.0 * rng.normal(size=(n, units))) if initial else None
    return x, weights, state


def check_lstm(out, x, weights, return_sequences, state, *, what: str) -> None:
    n, steps, _ = x.shape
    units = weights[1].shape[0]
    rule = f"(N, T, H) = {(n, steps, units)}" if return_sequences else f"(N, H) = {(n, units)}"
    check_array(
        out, ref.lstm(x, *weights, return_sequences=return_sequences, initial_state=state),
        what=what, shape_rule=rule,
        mistakes=mis.lstm_mistakes(x, *weights, return_sequences, initial_state=state),
    )  # fmt: skip


@pytest.mark.exercise("lstm")
@pytest.mark.points(2)
def test_lstm_long_sequences_return_sequences(impl):
    x, weights, _ = lstm_case(5401, n=3, steps=6, d=4, units=5)
    out = impl.lstm(*fresh((x, *weights)), return_sequences=True)
    check_lstm(out, x, weights, True, None, what="lstm(return_sequences=True) on N=3 sequences "
               "of T=6 steps, D=4, H=5 (random weights and biases)")  # fmt: skip


@pytest.mark.exercise("lstm")
@pytest.mark.points(1)
def test_lstm_long_sequences_last_output(impl):
    x, weights, _ = lstm_case(5402, n=2, steps=8, d=3, units=4)
    out = impl.lstm(*fresh((x, *weights)))
    check_lstm(out, x, weights, False, None, what="lstm (return_sequences=False) on N=2 "
               "sequences of T=8 steps, D=3, H=4")  # fmt: skip


@pytest.mark.exercise("lstm")
@pytest.mark.points(1.5)
@pytest.mark.parametrize("return_sequences", [True, False])
def test_lstm_random_initial_state(impl, return_sequences):
    x, weights, state = lstm_case(5403, n=3, steps=5, d=2, units=3, initial=True)
    out = impl.lstm(
        *fresh((x, *weights)), return_sequences=return_sequences, initial_state=fresh(state)
    )
    check_lstm(out, x, weights, return_sequences, state,
               what=f"lstm(return_sequences={return_sequences}, initial_state=(h0, c0)) on "
               "N=3 sequences of T=5 steps, D=2, H=3")  # fmt: skip


@pytest.mark.exercise("lstm")
@pytest.mark.points(0.5)
def test_lstm_single_step_is_one_cell(impl):
    x, weights, state = lstm_case(5404, n=4, steps=1, d=3, units=2, initial=True)
    out = impl.lstm(*fresh((x, *weights)), return_sequences=True, initial_state=fresh(state))
    check_lstm(out, x, weights, True, state, what="lstm(return_sequences=True, initial_state="
               "(h0, c0)) on N=4 sequences of a single step")  # fmt: skip


@pytest.mark.exercise("lstm")
@pytest.mark.points(1)
def test_lstm_leaves_its_inputs_unchanged(impl):
    x, weights, state = lstm_case(5405, n=2, steps=4, d=3, units=2, initial=True)
    args = (x, *weights)
    out, after, kwargs = impl.with_inputs("lstm")(
        *(a.copy() for a in args), return_sequences=True,
        initial_state=(state[0].copy(), state[1].copy()),
    )  # fmt: skip
    check_unchanged(after, args, ("x", "kernel", "recurrent_kernel", "bias"), "lstm")
    check_unchanged(kwargs["initial_state"], state, ("initial_state[0] (h0)",
                    "initial_state[1] (c0)"), "lstm")  # fmt: skip
    what = "lstm(return_sequences=True, initial_state=(h0, c0)) with N=2, T=4, D=3, H=2"
    check_lstm(out, x, weights, True, state, what=what)
