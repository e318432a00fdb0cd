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


def tanh_from_exp(z):
    """(e^z - e^-z) / (e^z + e^-z): right for moderate z, NaN (inf / inf) past |z| ~ 710."""
    with np.errstate(over="ignore", invalid="ignore"):
        return (np.exp(z) - np.exp(-z)) / (np.exp(z) + np.exp(-z))


def tanh_from_exp2(z):
    """(e^2z - 1) / (e^2z + 1): NaN past z ~ 355."""
    with np.errstate(over="ignore", invalid="ignore"):
        e = np.exp(2.0 * z)
        return (e - 1.0) / (e + 1.0)


def relu(z):
    return np.maximum(z, 0.0)


def _f64(*arrays):
    return [np.asarray(a, dtype=np.float64) for a in arrays]


# ---------------------------------------------------------------- cells with one thing wrong


def rnn_cell(x_t, h_prev, kernel, recurrent, bias, *, activation=np.tanh, use_bias=True,
             transpose_recurrent=False, bias_after=False):  # fmt: skip
    x_t, h_prev, kernel, recurrent, bias = _f64(x_t, h_prev, kernel, recurrent, bias)
    if transpose_recurrent:
        recurrent = recurrent.T
    if bias_after:
        return activation(x_t @ kernel + h_prev @ recurrent) + bias
    z = x_t @ kernel + h_prev @ recurrent + (bias if use_bias else 0.0)
    return activation(z)


def lstm_cell(x_t, h_prev, c_prev, kernel, recurrent, bias, *, order=KERAS_ORDER, gate=sigmoid,
              candidate=np.tanh, output=np.tanh, use_bias=True, old_c_in_h=False,
              input_gate=True, swap_outputs=False, tanh_gate="", with_candidate=True,
              output_gate=True, h_in_update=False):  # fmt: skip
    """``(h, c)`` of an LSTM cell with the given deviations from Keras's."""
    x_t, h_prev, c_prev, kernel, recurrent, bias = _f64(
        x_t, h_prev, c_prev, kernel, recurrent, bias
    )
    z = x_t @ kernel + h_prev @ recurrent + (bias if use_bias else 0.0)
    blocks = dict(zip(order, np.split(z, 4, axis=-1), strict=True))
    i, f, o = ((np.tanh if n == tanh_gate else gate)(blocks[n]) for n in "ifo")
    g = candidate(blocks["c"])
    new = (i * g if input_gate else g) if with_candidate else i
    c = f * (h_prev if h_in_update else c_prev) + new
    h = (o if output_gate else 1.0) * output(c_prev if old_c_in_h else c)
    return (c, h) if swap_outputs else (h, c)


# One entry per catalogued cell mistake: (name, explanation, keyword arguments of lstm_cell).
_GATE_WORDS = {"i": "input", "f": "forget", "c": "candidate", "o": "output"}


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
    *(
        (
            f"tanh on the {_GATE_WORDS[n]} gate",
            f"your {_GATE_WORDS[n]} gate {n} uses tanh; the gates i, f and o use the logistic "
            "sigmoid 1 / (1 + exp(-z)) (values in (0, 1)); only the candidate g and the output "
            "tanh(c_t) use tanh",
            {"tanh_gate": n},
        )
        for n in "ifo"
    ),
    (
        "h_prev in the cell update",
        "your new cell state is f * h_prev + i * g: the forget gate scales the previous "
        "*cell state*, c_t = f * c_prev + i * g",
        {"h_in_update": True},
    ),
    (
        "candidate left out",
        "your new cell state is f * c_prev + i: the input gate must scale the candidate, "
        "c_t = f * c_prev + i * g with g = tanh(z[:, 2H:3H])",
        {"with_candidate": False},
    ),
    (
        "output gate left out",
        "your output is h = tanh(c_t): the output gate scales it, h_t = o * tanh(c_t)",
        {"output_gate": False},
    ),
    (
        "sigmoid on the cell state",
        "your output is h = o * sigmoid(c_t); the LSTM squashes the cell state with tanh: "
        "h_t = o * tanh(c_t)",
        {"output": sigmoid},
    ),
    (
        "tan instead of tanh",
        "your output is h = o * tan(c_t), the trigonometric tangent (np.tan); the LSTM "
        "squashes the cell state with the hyperbolic tangent: h_t = o * np.tanh(c_t)",
        {"output": np.tan},
    ),
    (
        "tan instead of tanh",
        "your candidate cell value is g = tan(...), the trigonometric tangent (np.tan); it "
        "is the hyperbolic tangent: g = np.tanh(z[:, 2H:3H])",
        {"candidate": np.tan},
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
        "tan instead of tanh",
        "your state is the trigonometric tangent (np.tan) of the pre-activation; Keras's "
        "SimpleRNN uses the hyperbolic tangent: h_t = np.tanh(x_t @ kernel + h_prev @ "
        "recurrent_kernel + bias)",
        {"activation": np.tan},
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
        "bias added after tanh",
        "your state is tanh(x_t @ kernel + h_prev @ recurrent_kernel) + bias: the bias "
        "belongs inside, h_t = tanh(x_t @ kernel + h_prev @ recurrent_kernel + bias)",
        {"bias_after": True},
    ),
    (
        "tanh written with exp",
        "your state is NaN where the pre-activation is large: (exp(z) - exp(-z)) / "
        "(exp(z) + exp(-z)) overflows to inf / inf past |z| of about 710; use np.tanh, "
        "which saturates at -1 and 1",
        {"activation": tanh_from_exp},
    ),
    (
        "tanh written with exp",
        "your state is NaN where the pre-activation is large: (exp(2z) - 1) / (exp(2z) + 1) "
        "overflows to inf / inf past z of about 355; use np.tanh, which saturates at -1 and 1",
        {"activation": tanh_from_exp2},
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
              time_major=False, inverted=False, first=False, output_c=False, backwards=False,
              with_h0=False, shifted=False):  # fmt: skip
    """Run ``cell`` (``rnn_cell``-like when ``c0`` is None, else ``lstm_cell``-like) over
    the time axis of ``x`` with the given deviations; returns what the layer would."""
    x = np.asarray(x, dtype=np.float64)
    h, c = np.asarray(h0, dtype=np.float64), None if c0 is None else np.asarray(c0, np.float64)
    hs, cs = ([h], [c]) if with_h0 or shifted else ([], [])
    steps = range(x.shape[1])
    for t in reversed(steps) if backwards else steps:
        if c is None:
            new_h, new_c = cell(x[:, t], h if carry_h else h0), None
        else:
            new_h, new_c = cell(x[:, t], h if carry_h else h0, c if carry_c else c0)
        h, c = new_h, new_c
        hs.append(h)
        cs.append(c)
    outputs = cs if output_c else hs
    if shifted:  # each state appended before its step: h_0 ... h_{T-1}
        outputs = outputs[:-1]
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
        "every state for return_sequences=False",
        "with return_sequences=False you return every step's state, (N, T, H); the layer "
        "then returns the last state h_T only, (N, H)",
        {"inverted": True, "when": False},
    ),
    (
        "the last state only for return_sequences=True",
        "with return_sequences=True you return the last state only, (N, H); the layer then "
        "returns every step's state, stacked as (N, T, H)",
        {"inverted": True, "when": True},
    ),
    (
        "sequence walked backwards",
        "your layer runs over the time steps from the last to the first; it reads the "
        "sequence forwards, x[:, 0] first, and h_T is the state after x[:, T - 1]",
        {"backwards": True},
    ),
    (
        "states shifted by one step",
        "your states are h_0 ... h_{T-1}: each is kept before its step; keep the state after "
        "each step, h_1 ... h_T (h = cell(x[:, t], h, ...), then append h)",
        {"shifted": True},
    ),
    (
        "initial state among the outputs",
        "your sequence of states starts with the initial state h_0 (T + 1 states); the layer "
        "returns the T states after each step, h_1 ... h_T",
        {"with_h0": True},
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


def _layer_variants(variants, return_sequences: bool):
    """The layer variants that show on a call with this return_sequences."""
    kept = []
    for name, explanation, kw in variants:
        kw = dict(kw)
        if kw.pop("when", return_sequences) == return_sequences:
            kept.append((name, explanation, kw))
    return kept


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
        for name, explanation, kw in _layer_variants(LAYER_VARIANTS, return_sequences)
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
        for name, explanation, kw in _layer_variants(
            LAYER_VARIANTS + LSTM_LAYER_VARIANTS, return_sequences
        )
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
                "c0 ignored",
                "your layer starts from h0 but from a zero cell state: initial_state is the "
                "pair (h0, c0), and the first step uses both",
                lambda: run({}, {}, start=(h0, zero)),
            ),
            Mistake(
                "h0 ignored",
                "your layer starts from c0 but from a zero h: initial_state is the pair "
                "(h0, c0), and the first step uses both",
                lambda: run({}, {}, start=(zero, c0)),
            ),
            Mistake(
                "h0 and c0 swapped",
                "you use initial_state[0] as the cell state and initial_state[1] as h; "
                "initial_state is the pair (h0, c0), h first",
                lambda: run({}, {}, start=(c0, h0)),
            ),
        ]
    return mistakes
