"""What catalogued mistakes in the recurrent cells would output (trusted side only).

Each factory returns :class:`~deepgrade.feedback.Mistake` objects for one checked value;
their outputs come from small numpy re-implementations of the SimpleRNN and LSTM with one
thing done wrong, so the feedback can tell a student which thing it was. They are only
computed when a check fails.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

import numpy as np

from deepgrade.feedback import Mistake

KERAS_ORDER = "ifco"  # i, f, c (candidate), o


def sigmoid(z):
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def hard_sigmoid_keras2(z):
    return np.clip(0.2 * z + 0.5, 0.0, 1.0)


def hard_sigmoid_keras3(z):
    return np.clip(z / 6.0 + 0.5, 0.0, 1.0)


def overflowing_sigmoid(z):
    """exp(z) / (1 + exp(z)): right for moderate z, NaN (inf / inf) for large z."""
    with np.errstate(over="ignore", invalid="ignore"):
        e = np.exp(z)
        return e / (1.0 + e)


def identity(z):
    return z


def relu(z):
    return np.maximum(z, 0.0)


def _f64(*arrays):
    return [np.asarray(a, dtype=np.float64) for a in arrays]


# ---------------------------------------------------------------- cells with one thing wrong


def rnn_cell(x_t, h_prev, kernel, recurrent, bias, *, activation=np.tanh, use_bias=True,
             transpose_recurrent=False):  # fmt: skip
    x_t, h_prev, kernel, recurrent, bias = _f64(x_t, h_prev, kernel, recurrent, bias)
    if transpose_recurrent:
        recurrent = recurrent.T
    z = x_t @ kernel + h_prev @ recurrent + (bias if use_bias else 0.0)
    return activation(z)


def lstm_cell(x_t, h_prev, c_prev, kernel, recurrent, bias, *, order=KERAS_ORDER, gate=sigmoid,
              candidate=np.tanh, output=np.tanh, use_bias=True, old_c_in_h=False,
              input_gate=True, swap_outputs=False):  # fmt: skip
    """``(h, c)`` of an LSTM cell with the given deviations from Keras's."""
    x_t, h_prev, c_prev, kernel, recurrent, bias = _f64(
        x_t, h_prev, c_prev, kernel, recurrent, bias
    )
    z = x_t @ kernel + h_prev @ recurrent + (bias if use_bias else 0.0)
    blocks = dict(zip(order, np.split(z, 4, axis=-1), strict=True))
    i, f, o = gate(blocks["i"]), gate(blocks["f"]), gate(blocks["o"])
    g = candidate(blocks["c"])
    c = f * c_prev + (i * g if input_gate else g)
    h = o * output(c_prev if old_c_in_h else c)
    return (c, h) if swap_outputs else (h, c)


# One entry per catalogued cell mistake: (name, explanation, keyword arguments of lstm_cell).
_GATE_NAMES = {"i": "input", "f": "forget", "c": "candidate", "o": "output"}


def _order_words(order: str) -> str:
    return ", ".join(order)


LSTM_CELL_VARIANTS: list[tuple[str, str, dict]] = [
    (
        "LSTM gate order i, f, o, c",
        "your cell reads the four column blocks of the weights in the order i, f, o, c "
        "(output gate third, candidate last); Keras's order is i, f, c, o: "
        "[input | forget | candidate c | output]",
        {"order": "ifoc"},
    ),
    (
        "LSTM gate order i, c, f, o",
        "your cell reads the four column blocks of the weights in the order i, c, f, o "
        "(candidate second, forget gate third); Keras's order is i, f, c, o: "
        "[input | forget | candidate c | output]",
        {"order": "icfo"},
    ),
    (
        "input and forget gates swapped",
        "your cell uses the first column block as the forget gate and the second as the "
        "input gate (c = i * c_prev + f * g); Keras's order is i, f, c, o, so "
        "c_t = f * c_prev + i * g",
        {"order": "fico"},
    ),
    (
        "tanh on the gates",
        "your gates i, f and o use tanh; they must use the logistic sigmoid "
        "1 / (1 + exp(-z)) (values in (0, 1)); only the candidate g and the output "
        "tanh(c_t) use tanh",
        {"gate": np.tanh},
    ),
    (
        "hard sigmoid on the gates",
        "your gates use a hard sigmoid (clip(0.2 z + 0.5, 0, 1)); Keras's LSTM and this "
        "exercise use the logistic sigmoid 1 / (1 + exp(-z))",
        {"gate": hard_sigmoid_keras2},
    ),
    (
        "hard sigmoid on the gates",
        "your gates use a hard sigmoid (clip(z / 6 + 0.5, 0, 1)); Keras's LSTM and this "
        "exercise use the logistic sigmoid 1 / (1 + exp(-z))",
        {"gate": hard_sigmoid_keras3},
    ),
    (
        "sigmoid overflows",
        "your sigmoid, computed as exp(z) / (1 + exp(z)), gives NaN (inf / inf) for large "
        "pre-activations; compute it so that exp only ever sees non-positive numbers, e.g. "
        "0.5 * (1 + tanh(z / 2)), or exp(-|z|) with np.where on the sign of z",
        {"gate": overflowing_sigmoid},
    ),
    (
        "LSTM bias dropped",
        "your result is what the cell gives without the bias: z must be "
        "x_t @ kernel + h_prev @ recurrent_kernel + bias",
        {"use_bias": False},
    ),
    (
        "h = o * c without tanh",
        "your output is h = o * c_t; the LSTM squashes the cell state first: h_t = o * tanh(c_t)",
        {"output": identity},
    ),
    (
        "sigmoid on the candidate",
        "your candidate cell value g uses the sigmoid like the gates; it uses tanh: "
        "g = tanh(z[:, 2H:3H])",
        {"candidate": sigmoid},
    ),
    (
        "no tanh on the candidate",
        "your candidate cell value g is the raw pre-activation; it must be squashed: "
        "g = tanh(z[:, 2H:3H])",
        {"candidate": identity},
    ),
    (
        "h from the previous cell state",
        "your h uses the previous cell state; it uses the new one: h_t = o * tanh(c_t), "
        "with c_t = f * c_prev + i * g computed first",
        {"old_c_in_h": True},
    ),
    (
        "input gate missing",
        "your new cell state adds the candidate without the input gate; c_t = f * c_prev + i * g",
        {"input_gate": False},
    ),
    (
        "h and c swapped",
        "your cell returns (c, h); it must return the pair (h_t, c_t), the output first",
        {"swap_outputs": True},
    ),
]
# Any other wrong gate order, named by the order the blocks were read in.
for _order in itertools.permutations(KERAS_ORDER):
    _order = "".join(_order)
    if _order != KERAS_ORDER and all(v[2].get("order") != _order for v in LSTM_CELL_VARIANTS):
        LSTM_CELL_VARIANTS.append(
            (
                f"LSTM gate order {_order_words(_order)}",
                f"your cell reads the four column blocks of the weights as the gates "
                f"{_order_words(_order)}; Keras's order is i, f, c, o: "
                "[input | forget | candidate c | output]",
                {"order": _order},
            )
        )

RNN_CELL_VARIANTS: list[tuple[str, str, dict]] = [
    (
        "SimpleRNN with sigmoid",
        "your state is the sigmoid of the pre-activation; Keras's SimpleRNN uses tanh: "
        "h_t = tanh(x_t @ kernel + h_prev @ recurrent_kernel + bias)",
        {"activation": sigmoid},
    ),
    (
        "SimpleRNN with ReLU",
        "your state is the ReLU of the pre-activation; Keras's SimpleRNN uses tanh",
        {"activation": relu},
    ),
    (
        "SimpleRNN without activation",
        "your state is the raw pre-activation x_t @ kernel + h_prev @ recurrent_kernel + "
        "bias; it must go through tanh",
        {"activation": identity},
    ),
    (
        "SimpleRNN bias dropped",
        "your result is what the cell gives without the bias: "
        "h_t = tanh(x_t @ kernel + h_prev @ recurrent_kernel + bias)",
        {"use_bias": False},
    ),
    (
        "recurrent kernel transposed",
        "your state uses recurrent_kernel transposed (recurrent_kernel @ h or h @ "
        "recurrent_kernel.T); in Keras's layout the product is h_prev @ recurrent_kernel",
        {"transpose_recurrent": True},
    ),
]


def _mistakes(variants, compute: Callable[[dict], object]) -> list[Mistake]:
    return [
        Mistake(name, explanation, lambda kw=kw: compute(kw)) for name, explanation, kw in variants
    ]


def rnn_cell_mistakes(x_t, h_prev, kernel, recurrent, bias) -> list[Mistake]:
    """For the h of ``simple_rnn_cell``."""
    return _mistakes(
        RNN_CELL_VARIANTS, lambda kw: rnn_cell(x_t, h_prev, kernel, recurrent, bias, **kw)
    )


def lstm_cell_mistakes(x_t, h_prev, c_prev, kernel, recurrent, bias, part: int) -> list[Mistake]:
    """For ``lstm_cell``'s h (``part=0``) or c (``part=1``)."""
    args = (x_t, h_prev, c_prev, kernel, recurrent, bias)
    return _mistakes(LSTM_CELL_VARIANTS, lambda kw: lstm_cell(*args, **kw)[part])


# ---------------------------------------------------------------- layers with one thing wrong


def run_layer(cell, x, h0, c0=None, *, return_sequences=False, carry_h=True, carry_c=True,
              time_major=False, inverted=False, first=False, output_c=False):  # fmt: skip
    """Run ``cell`` (``rnn_cell``-like when ``c0`` is None, else ``lstm_cell``-like) over
    the time axis of ``x`` with the given deviations; returns what the layer would."""
    x = np.asarray(x, dtype=np.float64)
    h, c = np.asarray(h0, dtype=np.float64), None if c0 is None else np.asarray(c0, np.float64)
    hs, cs = [], []
    for t in range(x.shape[1]):
        if c is None:
            new_h, new_c = cell(x[:, t], h if carry_h else h0), None
        else:
            new_h, new_c = cell(x[:, t], h if carry_h else h0, c if carry_c else c0)
        h, c = new_h, new_c
        hs.append(h)
        cs.append(c)
    outputs = cs if output_c else hs
    sequences = return_sequences != inverted
    if sequences:
        return np.stack(outputs, axis=0 if time_major else 1)
    return outputs[0] if first else outputs[-1]


LAYER_VARIANTS: list[tuple[str, str, dict]] = [
    (
        "previous state not fed back",
        "each of your steps starts again from the initial state; an RNN feeds the state of "
        "the previous step into the current one (h_{t-1} -> h_t)",
        {"carry_h": False},
    ),
    (
        "return_sequences inverted",
        "you return the last state when return_sequences is True and all states when it is "
        "False; it is the other way round",
        {"inverted": True},
    ),
    (
        "time axis first",
        "you stack the states along axis 0, giving (T, N, H); Keras returns (N, T, H): "
        "np.stack(states, axis=1)",
        {"time_major": True},
    ),
    (
        "first state returned",
        "with return_sequences=False you return the state after the first step; the layer "
        "returns the state after the last step, h_T",
        {"first": True},
    ),
]
LSTM_LAYER_VARIANTS: list[tuple[str, str, dict]] = [
    (
        "cell state not carried",
        "your cell state c is not passed on from step to step (each step starts from the "
        "initial c); carry both h and c: h, c = lstm_cell(x[:, t], h, c, ...)",
        {"carry_c": False},
    ),
    (
        "returned the cell states",
        "you return the cell states c; the layer returns the outputs h (like Keras, the "
        "cell states are not returned)",
        {"output_c": True},
    ),
]


def _zeros_like_state(x, units):
    return np.zeros((np.shape(x)[0], units))


def simple_rnn_mistakes(x, kernel, recurrent, bias, return_sequences=False,
                        initial_state=None) -> list[Mistake]:  # fmt: skip
    """For the output of ``simple_rnn``: cell mistakes run over time, and layer mistakes."""
    units = np.shape(recurrent)[0]
    zero = _zeros_like_state(x, units)
    h0 = zero if initial_state is None else initial_state

    def run(cell_kw: dict, layer_kw: dict, start=h0):
        def cell(x_t, h):
            return rnn_cell(x_t, h, kernel, recurrent, bias, **cell_kw)

        return run_layer(cell, x, start, return_sequences=return_sequences, **layer_kw)

    mistakes = [
        Mistake(name, explanation, lambda kw=kw: run(kw, {}))
        for name, explanation, kw in RNN_CELL_VARIANTS
    ]
    mistakes += [
        Mistake(name, explanation, lambda kw=kw: run({}, kw))
        for name, explanation, kw in LAYER_VARIANTS
    ]
    if initial_state is not None:
        mistakes.append(
            Mistake(
                "initial_state ignored",
                "your layer starts from zeros although initial_state was given; start from "
                "h_0 = initial_state",
                lambda: run({}, {}, start=zero),
            )
        )
    return mistakes


def lstm_mistakes(x, kernel, recurrent, bias, return_sequences=False,
                  initial_state=None) -> list[Mistake]:  # fmt: skip
    """For the output of ``lstm``: cell mistakes run over time, and layer mistakes."""
    units = np.shape(recurrent)[0]
    zero = _zeros_like_state(x, units)
    h0, c0 = (zero, zero) if initial_state is None else initial_state

    def run(cell_kw: dict, layer_kw: dict, start=(h0, c0)):
        def cell(x_t, h, c):
            return lstm_cell(x_t, h, c, kernel, recurrent, bias, **cell_kw)

        return run_layer(cell, x, *start, return_sequences=return_sequences, **layer_kw)

    mistakes = [
        Mistake(name, explanation, lambda kw=kw: run(kw, {}))
        for name, explanation, kw in LSTM_CELL_VARIANTS
        if not kw.get("swap_outputs")  # a layer on a cell returning (c, h): not catalogued
    ]
    mistakes += [
        Mistake(name, explanation, lambda kw=kw: run({}, kw))
        for name, explanation, kw in LAYER_VARIANTS + LSTM_LAYER_VARIANTS
    ]
    if initial_state is not None:
        mistakes += [
            Mistake(
                "initial_state ignored",
                "your layer starts from zeros although initial_state was given; start from "
                "(h_0, c_0) = initial_state",
                lambda: run({}, {}, start=(zero, zero)),
            ),
            Mistake(
                "h0 and c0 swapped",
                "you use initial_state[0] as the cell state and initial_state[1] as h; "
                "initial_state is the pair (h0, c0), h first",
                lambda: run({}, {}, start=(c0, h0)),
            ),
        ]
    return mistakes
