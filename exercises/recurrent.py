"""Topic 5: recurrent cells (SimpleRNN and LSTM), forward pass only.

The slides: a feedforward network treats each video frame separately; an RNN *feeds
its output at the previous time step as input to the RNN layer at the current time
step*. Keras offers ``SimpleRNN`` and ``LSTM``; use an LSTM when you need a longer
memory (long-range structure). "An LSTM layer is like a dense layer that has memory."

Weights use the Keras layout, so a layer's ``get_weights()`` can be passed straight in:

- SimpleRNN: ``kernel (D, H)``, ``recurrent_kernel (H, H)``, ``bias (H,)``;
- LSTM: ``kernel (D, 4H)``, ``recurrent_kernel (H, 4H)``, ``bias (4H,)``, the four
  column blocks in the gate order **i, f, c, o** (input gate, forget gate, candidate
  cell value, output gate); the gates use the logistic sigmoid.

Shapes: ``N`` sequences in a batch, ``T`` time steps, ``D`` input features per step,
``H`` units (the size of the hidden state ``h``).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from ._validate import as_float_array


def _rnn_weights(kernel, recurrent_kernel, bias, fn: str, gates: int):
    """The three weight arrays as float64 and the number of units H, shapes checked.

    ``gates`` is how many column blocks the weights hold: 1 for SimpleRNN, 4 for LSTM.
    """
    blocks = "H" if gates == 1 else f"{gates}H"
    kernel = as_float_array(kernel, "kernel", fn, ndim=2, layout=f"(D, {blocks})")
    recurrent_kernel = as_float_array(
        recurrent_kernel, "recurrent_kernel", fn, ndim=2, layout=f"(H, {blocks})"
    )
    bias = as_float_array(bias, "bias", fn, ndim=1, layout=f"({blocks},)")
    units = recurrent_kernel.shape[0]
    if units == 0:
        raise ValueError(f"{fn}: recurrent_kernel must have at least one row (one per unit)")
    wanted = gates * units
    for name, arr, layout, shape in (
        ("kernel", kernel, f"(D, {blocks})", (kernel.shape[0], wanted)),
        ("recurrent_kernel", recurrent_kernel, f"(H, {blocks})", (units, wanted)),
        ("bias", bias, f"({blocks},)", (wanted,)),
    ):
        if arr.shape != shape:
            raise ValueError(
                f"{fn}: recurrent_kernel has {units} rows, so H = {units} and {name} must "
                f"have shape {layout} = {shape}; got {arr.shape}"
            )
    return kernel, recurrent_kernel, bias, units


def _state(value, name: str, fn: str, n: int, units: int) -> np.ndarray:
    """A hidden or cell state: float64 of shape (N, H)."""
    value = as_float_array(value, name, fn, ndim=2, layout="(N, H)")
    if value.shape != (n, units):
        raise ValueError(
            f"{fn}: {name} must have shape (N, H) = {(n, units)} to match the input's "
            f"batch size and the weights' units; got {value.shape}"
        )
    return value


def _step_input(x_t, kernel: np.ndarray, fn: str) -> np.ndarray:
    """One time step's input (N, D), its D matching the kernel's rows."""
    x_t = as_float_array(x_t, "x_t", fn, ndim=2, layout="(N, D)")
    if x_t.shape[1] != kernel.shape[0]:
        raise ValueError(
            f"{fn}: x_t has D = {x_t.shape[1]} features but kernel has "
            f"{kernel.shape[0]} rows; kernel must be (D, ...)"
        )
    return x_t


def _sequence_input(x, kernel: np.ndarray, fn: str) -> np.ndarray:
    """A batch of sequences (N, T, D) with at least one time step, D matching the kernel."""
    x = as_float_array(x, "x", fn, ndim=3, layout="(N, T, D)")
    if x.shape[1] == 0:
        raise ValueError(f"{fn}: x must have at least one time step; got shape {x.shape}")
    if x.shape[2] != kernel.shape[0]:
        raise ValueError(
            f"{fn}: x has D = {x.shape[2]} features per step but kernel has "
            f"{kernel.shape[0]} rows; kernel must be (D, ...)"
        )
    return x


def _flag(value, name: str, fn: str) -> bool:
    if not isinstance(value, bool | np.bool_):
        raise TypeError(f"{fn}: {name} must be True or False, got {value!r}")
    return bool(value)


def simple_rnn_cell(
    x_t: ArrayLike,
    h_prev: ArrayLike,
    kernel: ArrayLike,
    recurrent_kernel: ArrayLike,
    bias: ArrayLike,
) -> np.ndarray:
    """One time step of a simple RNN (Keras ``SimpleRNN``, tanh activation)::

        h_t = tanh(x_t @ kernel + h_prev @ recurrent_kernel + bias)

    The previous output ``h_prev`` is fed back in as an input of the current step.

    Args:
        x_t: the inputs at this time step, shape (N, D).
        h_prev: the hidden state from the previous step, shape (N, H).
        kernel: input weights, shape (D, H).
        recurrent_kernel: weights applied to ``h_prev``, shape (H, H).
        bias: shape (H,).

    Returns:
        The new hidden state ``h_t``, a float64 array of shape (N, H).

    Raises:
        ValueError: wrong ranks, or shapes that do not fit together (D, H, N).
        TypeError: non-numeric input.

    Example (one unit, by hand: tanh(1 * 0.5 + 0.5 * 1 + 0) = tanh(1)):
        >>> h = simple_rnn_cell([[1.0]], [[0.5]], [[0.5]], [[1.0]], [0.0])
        >>> print(np.round(h, 6))
        [[0.761594]]

    With all-zero weights and bias the state is tanh(0) = 0 whatever the input:
        >>> print(simple_rnn_cell(np.ones((2, 3)), np.zeros((2, 4)), np.zeros((3, 4)),
        ...                       np.zeros((4, 4)), np.zeros(4)))
        [[0. 0. 0. 0.]
         [0. 0. 0. 0.]]
    """
    fn = "simple_rnn_cell"
    kernel, recurrent_kernel, bias, units = _rnn_weights(
        kernel, recurrent_kernel, bias, fn, gates=1
    )
    x_t = _step_input(x_t, kernel, fn)
    h_prev = _state(h_prev, "h_prev", fn, x_t.shape[0], units)
    raise NotImplementedError(
        "Exercise 5.1 (simple_rnn_cell) is not implemented yet: replace this raise with your code"
    )


def simple_rnn(
    x: ArrayLike,
    kernel: ArrayLike,
    recurrent_kernel: ArrayLike,
    bias: ArrayLike,
    return_sequences: bool = False,
    initial_state: ArrayLike | None = None,
) -> np.ndarray:
    """A simple RNN layer over whole sequences (Keras ``SimpleRNN``).

    Start from ``h_0`` (zeros of shape (N, H) unless ``initial_state`` is given) and
    apply :func:`simple_rnn_cell` once per time step::

        h_t = tanh(x[:, t - 1] @ kernel + h_{t-1} @ recurrent_kernel + bias),  t = 1..T

    Args:
        x: a batch of sequences, shape (N, T, D), T >= 1.
        kernel, recurrent_kernel, bias: as in :func:`simple_rnn_cell`.
        return_sequences: False (Keras's default) returns only the last state; True
            returns the state after every step.
        initial_state: ``h_0``, shape (N, H); None means zeros.

    Returns:
        float64 array: ``h_T`` of shape (N, H), or all of ``h_1 .. h_T`` stacked along
        the time axis, shape (N, T, H), when ``return_sequences`` is True.

    Raises:
        ValueError: wrong ranks or mismatched shapes, or no time steps.
        TypeError: non-numeric input, or ``return_sequences`` not a bool.

    Example (one unit that adds up its inputs through tanh: kernel 1, recurrent kernel 1;
    h_1 = tanh(0.5) = 0.462117, h_2 = tanh(h_1 + 0.5) = tanh(0.962117)):
        >>> x = np.array([[[0.5], [0.5]]])                           # N=1, T=2, D=1
        >>> hs = simple_rnn(x, [[1.0]], [[1.0]], [0.0], return_sequences=True)
        >>> print(np.round(hs[0, :, 0], 6))
        [0.462117 0.74522 ]
        >>> print(np.round(simple_rnn(x, [[1.0]], [[1.0]], [0.0]), 6))  # the last state
        [[0.74522]]
    """
    fn = "simple_rnn"
    kernel, recurrent_kernel, bias, units = _rnn_weights(
        kernel, recurrent_kernel, bias, fn, gates=1
    )
    x = _sequence_input(x, kernel, fn)
    return_sequences = _flag(return_sequences, "return_sequences", fn)
    if initial_state is not None:
        initial_state = _state(initial_state, "initial_state", fn, x.shape[0], units)
    raise NotImplementedError(
        "Exercise 5.2 (simple_rnn) is not implemented yet: replace this raise with your code"
    )


def lstm_cell(
    x_t: ArrayLike,
    h_prev: ArrayLike,
    c_prev: ArrayLike,
    kernel: ArrayLike,
    recurrent_kernel: ArrayLike,
    bias: ArrayLike,
) -> tuple[np.ndarray, np.ndarray]:
    """One time step of an LSTM (Keras ``LSTM`` with its default activations).

    All four gates come from one affine map of the input and the previous output; the
    columns of ``z`` are split into four blocks of H in the order i, f, c, o::

        z = x_t @ kernel + h_prev @ recurrent_kernel + bias          (N, 4H)
        i = sigmoid(z[:, :H])         input gate
        f = sigmoid(z[:, H:2H])       forget gate
        g = tanh(z[:, 2H:3H])         candidate cell value
        o = sigmoid(z[:, 3H:])        output gate
        c_t = f * c_prev + i * g      the memory: keep part of the old, add part of the new
        h_t = o * tanh(c_t)

    with the logistic ``sigmoid(z) = 1 / (1 + exp(-z))``. Compute it so that large
    ``|z|`` gives no overflow warning (e.g. ``exp`` of a non-positive number only).

    Args:
        x_t: inputs at this time step, shape (N, D).
        h_prev: previous output (hidden state), shape (N, H).
        c_prev: previous cell state (the memory), shape (N, H).
        kernel: shape (D, 4H).
        recurrent_kernel: shape (H, 4H).
        bias: shape (4H,).

    Returns:
        ``(h_t, c_t)``: two new float64 arrays of shape (N, H).

    Raises:
        ValueError: wrong ranks, or shapes that do not fit together (D, H, 4H, N).
        TypeError: non-numeric input.

    Example (one unit, by hand: only the candidate column of the kernel is 1, so with
    x = 1 and h_prev = 0: z = [0, 0, 1, 0], i = f = o = sigmoid(0) = 0.5,
    g = tanh(1) = 0.761594, c = 0.5 * 1 + 0.5 * 0.761594 = 0.880797,
    h = 0.5 * tanh(0.880797) = 0.5 * 0.706818 = 0.353409):
        >>> h, c = lstm_cell([[1.0]], [[0.0]], [[1.0]], [[0.0, 0.0, 1.0, 0.0]],
        ...                  np.zeros((1, 4)), np.zeros(4))
        >>> print(np.round(c, 6), np.round(h, 6))
        [[0.880797]] [[0.353409]]
    """
    fn = "lstm_cell"
    kernel, recurrent_kernel, bias, units = _rnn_weights(
        kernel, recurrent_kernel, bias, fn, gates=4
    )
    x_t = _step_input(x_t, kernel, fn)
    h_prev = _state(h_prev, "h_prev", fn, x_t.shape[0], units)
    c_prev = _state(c_prev, "c_prev", fn, x_t.shape[0], units)
    raise NotImplementedError(
        "Exercise 5.3 (lstm_cell) is not implemented yet: replace this raise with your code"
    )


def lstm(
    x: ArrayLike,
    kernel: ArrayLike,
    recurrent_kernel: ArrayLike,
    bias: ArrayLike,
    return_sequences: bool = False,
    initial_state: tuple[ArrayLike, ArrayLike] | None = None,
) -> np.ndarray:
    """An LSTM layer over whole sequences (Keras ``LSTM``): "a dense layer that has memory".

    Start from ``h_0 = c_0 = 0`` (shape (N, H)) unless ``initial_state = (h0, c0)`` is
    given, and apply :func:`lstm_cell` once per time step::

        h_t, c_t = lstm_cell(x[:, t - 1], h_{t-1}, c_{t-1}, kernel, recurrent_kernel, bias)

    Args:
        x: a batch of sequences, shape (N, T, D), T >= 1.
        kernel, recurrent_kernel, bias: as in :func:`lstm_cell` (Keras layout, gates i, f, c, o).
        return_sequences: False (Keras's default) returns only the last output ``h_T``;
            True returns ``h_1 .. h_T``.
        initial_state: None, or a pair ``(h0, c0)`` of arrays of shape (N, H).

    Returns:
        float64 array: ``h_T`` of shape (N, H), or the outputs of every step stacked along
        the time axis, shape (N, T, H), when ``return_sequences`` is True. (Like Keras,
        the cell states are not returned.)

    Raises:
        ValueError: wrong ranks or mismatched shapes, no time steps, or an
            ``initial_state`` that is not a pair.
        TypeError: non-numeric input, or ``return_sequences`` not a bool.

    Example (all weights zero: every gate is sigmoid(0) = 0.5 and g = tanh(0) = 0, so the
    memory halves each step, c_t = c_0 / 2**t, and h_t = 0.5 * tanh(c_t); from c_0 = 8
    after 3 steps c = 1 and h = 0.5 * tanh(1)):
        >>> x = np.zeros((1, 3, 2))                                    # N=1, T=3, D=2
        >>> weights = np.zeros((2, 4)), np.zeros((1, 4)), np.zeros(4)  # H=1
        >>> print(np.round(lstm(x, *weights, initial_state=([[0.0]], [[8.0]])), 6))
        [[0.380797]]
        >>> hs = lstm(x, *weights, return_sequences=True, initial_state=([[0.0]], [[8.0]]))
        >>> print(hs.shape, np.round(hs[0, :, 0], 6))
        (1, 3, 1) [0.499665 0.482014 0.380797]
    """
    fn = "lstm"
    kernel, recurrent_kernel, bias, units = _rnn_weights(
        kernel, recurrent_kernel, bias, fn, gates=4
    )
    x = _sequence_input(x, kernel, fn)
    return_sequences = _flag(return_sequences, "return_sequences", fn)
    if initial_state is not None:
        if not isinstance(initial_state, tuple | list) or len(initial_state) != 2:
            raise ValueError(
                f"{fn}: initial_state must be None or a pair (h0, c0) of (N, H) arrays"
            )
        initial_state = (
            _state(initial_state[0], "initial_state[0] (h0)", fn, x.shape[0], units),
            _state(initial_state[1], "initial_state[1] (c0)", fn, x.shape[0], units),
        )
    raise NotImplementedError(
        "Exercise 5.4 (lstm) is not implemented yet: replace this raise with your code"
    )
