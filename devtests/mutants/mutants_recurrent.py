"""Mutants of solutions/recurrent.py: realistic bugs in SimpleRNN and LSTM cells and layers."""

MUTANTS = [
    # ------------------------------------------------------------ simple_rnn_cell
    dict(
        id="recurrent-simple-rnn-sigmoid",
        exercise="simple_rnn_cell",
        old="return np.tanh(x_t @ kernel + h_prev @ recurrent_kernel + bias)",
        new="return 1.0 / (1.0 + np.exp(-(x_t @ kernel + h_prev @ recurrent_kernel + bias)))",
        diagnosis="SimpleRNN with sigmoid",
    ),
    dict(
        id="recurrent-simple-rnn-bias-dropped",
        exercise="simple_rnn_cell",
        old="return np.tanh(x_t @ kernel + h_prev @ recurrent_kernel + bias)",
        new="return np.tanh(x_t @ kernel + h_prev @ recurrent_kernel)",
        diagnosis="SimpleRNN bias dropped",
    ),
    dict(
        id="recurrent-simple-rnn-recurrent-kernel-transposed",
        exercise="simple_rnn_cell",
        old="return np.tanh(x_t @ kernel + h_prev @ recurrent_kernel + bias)",
        new="return np.tanh(x_t @ kernel + (recurrent_kernel @ h_prev.T).T + bias)",
        diagnosis="recurrent kernel transposed",
    ),
    # ------------------------------------------------------------ simple_rnn
    dict(
        id="recurrent-simple-rnn-state-not-fed-back",
        exercise="simple_rnn",
        old="h = simple_rnn_cell(x[:, t], h, kernel, recurrent_kernel, bias)",
        new="h = simple_rnn_cell(x[:, t], np.zeros((n, units)) if initial_state is None "
        "else initial_state, kernel, recurrent_kernel, bias)",
        diagnosis="previous state not fed back",
    ),
    dict(
        id="recurrent-simple-rnn-initial-state-ignored",
        exercise="simple_rnn",
        old="h = np.zeros((n, units)) if initial_state is None else initial_state",
        new="h = np.zeros((n, units))",
        diagnosis="initial_state ignored",
    ),
    dict(
        id="recurrent-simple-rnn-time-axis-first",
        exercise="simple_rnn",
        old="return np.stack(states, axis=1) if return_sequences else h",
        new="return np.array(states) if return_sequences else h",
        diagnosis="time axis first",
    ),
    # ------------------------------------------------------------ lstm_cell
    dict(
        id="recurrent-lstm-gate-order-ifoc",
        exercise="lstm_cell",
        old="g = np.tanh(z[:, 2 * units : 3 * units])\n    o = gates[:, 3 * units :]",
        new="g = np.tanh(z[:, 3 * units :])\n    o = gates[:, 2 * units : 3 * units]",
        diagnosis="gate order i, f, o, c",
    ),
    dict(
        id="recurrent-lstm-gate-order-icfo",
        exercise="lstm_cell",
        old="f = gates[:, units : 2 * units]\n    g = np.tanh(z[:, 2 * units : 3 * units])",
        new="f = gates[:, 2 * units : 3 * units]\n    g = np.tanh(z[:, units : 2 * units])",
        diagnosis="gate order i, c, f, o",
    ),
    dict(
        id="recurrent-lstm-input-forget-swapped",
        exercise="lstm_cell",
        old="c = f * c_prev + i * g",
        new="c = i * c_prev + f * g",
        diagnosis="input and forget gates swapped",
    ),
    dict(
        id="recurrent-lstm-tanh-gates",
        exercise="lstm_cell",
        old="gates = 0.5 * (1.0 + np.tanh(0.5 * z))",
        new="gates = np.tanh(z)",
        diagnosis="tanh on the gates",
    ),
    dict(
        id="recurrent-lstm-hard-sigmoid",
        exercise="lstm_cell",
        old="gates = 0.5 * (1.0 + np.tanh(0.5 * z))",
        new="gates = np.clip(0.2 * z + 0.5, 0.0, 1.0)",
        diagnosis="hard sigmoid",
    ),
    dict(
        id="recurrent-lstm-bias-dropped",
        exercise="lstm_cell",
        old="z = x_t @ kernel + h_prev @ recurrent_kernel + bias\n    # sigmoid",
        new="z = x_t @ kernel + h_prev @ recurrent_kernel\n    # sigmoid",
        diagnosis="LSTM bias dropped",
    ),
    dict(
        id="recurrent-lstm-h-without-tanh",
        exercise="lstm_cell",
        old="h = o * np.tanh(c)",
        new="h = o * c",
        diagnosis="h = o * c without tanh",
    ),
    dict(
        id="recurrent-lstm-sigmoid-candidate",
        exercise="lstm_cell",
        old="g = np.tanh(z[:, 2 * units : 3 * units])",
        new="g = gates[:, 2 * units : 3 * units]",
        diagnosis="sigmoid on the candidate",
    ),
    dict(
        id="recurrent-lstm-returns-c-h",
        exercise="lstm_cell",
        old="    h = o * np.tanh(c)\n    return h, c",
        new="    h = o * np.tanh(c)\n    return c, h",
        diagnosis="h and c swapped",
    ),
    dict(
        id="recurrent-lstm-naive-sigmoid-overflow",
        exercise="lstm_cell",
        old="gates = 0.5 * (1.0 + np.tanh(0.5 * z))",
        new="gates = np.exp(z) / (1.0 + np.exp(z))",
        diagnosis="sigmoid overflows",
    ),
    # ------------------------------------------------------------ lstm
    dict(
        id="recurrent-lstm-layer-cell-state-not-carried",
        exercise="lstm",
        old="h, c = lstm_cell(x[:, t], h, c, kernel, recurrent_kernel, bias)",
        new="h, _ = lstm_cell(x[:, t], h, c, kernel, recurrent_kernel, bias)",
        diagnosis="cell state not carried",
    ),
    dict(
        id="recurrent-lstm-layer-initial-state-swapped",
        exercise="lstm",
        old="        h, c = initial_state\n",
        new="        c, h = initial_state\n",
        diagnosis="h0 and c0 swapped",
    ),
    dict(
        id="recurrent-lstm-layer-initial-state-ignored",
        exercise="lstm",
        old="    if initial_state is None:\n        h, c = np.zeros((n, units)), np.zeros("
        "(n, units))",
        new="    if True:\n        h, c = np.zeros((n, units)), np.zeros((n, units))",
        diagnosis="initial_state ignored",
    ),
    dict(
        id="recurrent-lstm-layer-returns-cell-states",
        exercise="lstm",
        old="        outputs.append(h)",
        new="        outputs.append(c)",
        diagnosis="returned the cell states",
    ),
    dict(
        id="recurrent-lstm-layer-return-sequences-inverted",
        exercise="lstm",
        old="return np.stack(outputs, axis=1) if return_sequences else h",
        new="return h if return_sequences else np.stack(outputs, axis=1)",
        diagnosis="for return_sequences=",
    ),
    # ------------------------------------------------------------ issue #12: more of what
    # students write (course forums, the classes of the issue)
    dict(
        id="recurrent-simple-rnn-tanh-with-exp",
        exercise="simple_rnn_cell",
        old="return np.tanh(x_t @ kernel + h_prev @ recurrent_kernel + bias)",
        new=(
            "z = x_t @ kernel + h_prev @ recurrent_kernel + bias\n"
            "    return (np.exp(z) - np.exp(-z)) / (np.exp(z) + np.exp(-z))"
        ),
        diagnosis="tanh written with exp",
    ),
    dict(
        id="recurrent-simple-rnn-walked-backwards",
        exercise="simple_rnn",
        old="    for t in range(steps):\n        h = simple_rnn_cell(",
        new="    for t in reversed(range(steps)):\n        h = simple_rnn_cell(",
        diagnosis="sequence walked backwards",
    ),
    dict(
        id="recurrent-simple-rnn-h0-in-the-sequence",
        exercise="simple_rnn",
        old="    states = []\n    for t in range(steps):\n        h = simple_rnn_cell(",
        new="    states = [h]\n    for t in range(steps):\n        h = simple_rnn_cell(",
        diagnosis="initial state among the outputs",
    ),
    dict(
        id="recurrent-lstm-tanh-forget-gate",
        exercise="lstm_cell",
        old="    f = gates[:, units : 2 * units]\n",
        new="    f = np.tanh(z[:, units : 2 * units])\n",
        diagnosis="tanh on the forget gate",
    ),
    dict(
        id="recurrent-lstm-candidate-left-out",
        exercise="lstm_cell",
        old="    c = f * c_prev + i * g\n",
        new="    c = f * c_prev + i\n",
        diagnosis="candidate left out",
    ),
    dict(
        id="recurrent-lstm-output-gate-left-out",
        exercise="lstm_cell",
        old="    h = o * np.tanh(c)\n",
        new="    h = np.tanh(c)\n",
        diagnosis="output gate left out",
    ),
    dict(
        id="recurrent-lstm-forget-on-candidate",
        exercise="lstm_cell",
        old="    c = f * c_prev + i * g\n",
        new="    c = i * c_prev + f * g\n",
        diagnosis="input and forget gates swapped",
    ),
    dict(
        id="recurrent-lstm-sigmoid-on-h",
        exercise="lstm_cell",
        old="    h = o * np.tanh(c)\n",
        new="    h = o * 0.5 * (1.0 + np.tanh(0.5 * c))\n",
        diagnosis="sigmoid on the cell state",
    ),
    dict(
        id="recurrent-lstm-walked-backwards",
        exercise="lstm",
        old="    for t in range(steps):\n        h, c = lstm_cell(",
        new="    for t in range(steps - 1, -1, -1):\n        h, c = lstm_cell(",
        diagnosis="sequence walked backwards",
    ),
    dict(
        id="recurrent-lstm-c0-ignored",
        exercise="lstm",
        old="        h, c = initial_state\n",
        new="        h, c = initial_state[0], np.zeros((n, units))\n",
        diagnosis="c0 ignored",
    ),
    dict(
        id="recurrent-lstm-always-every-state",
        exercise="lstm",
        old="    return np.stack(outputs, axis=1) if return_sequences else h\n",
        new="    return np.stack(outputs, axis=1)\n",
        diagnosis="every state for return_sequences=False",
    ),
    # ------------------------------------------------------------ issue #12, blind batch
    dict(
        id="blind-rnn-bias-after-tanh",
        exercise="simple_rnn_cell",
        old="return np.tanh(x_t @ kernel + h_prev @ recurrent_kernel + bias)",
        new="return np.tanh(x_t @ kernel + h_prev @ recurrent_kernel) + bias",
        diagnosis="bias added after tanh",
        blind=True,
    ),
    dict(
        id="blind-rnn-append-before-update",
        exercise="simple_rnn",
        old=(
            "        h = simple_rnn_cell(x[:, t], h, kernel, recurrent_kernel, bias)\n"
            "        states.append(h)\n"
        ),
        new=(
            "        states.append(h)\n"
            "        h = simple_rnn_cell(x[:, t], h, kernel, recurrent_kernel, bias)\n"
        ),
        diagnosis="states shifted by one step",
        blind=True,
    ),
    dict(
        id="blind-lstm-bias-on-gates-only",
        exercise="lstm_cell",
        old="    z = x_t @ kernel + h_prev @ recurrent_kernel + bias\n",
        new=(
            "    z = x_t @ kernel + h_prev @ recurrent_kernel\n"
            "    z[:, : 2 * units] += bias[: 2 * units]\n"
        ),
        diagnosis=None,
        blind=True,
    ),
    dict(
        id="blind-lstm-c-from-h",
        exercise="lstm_cell",
        old="    c = f * c_prev + i * g\n",
        new="    c = f * h_prev + i * g\n",
        diagnosis="h_prev in the cell update",
        blind=True,
    ),
    dict(
        id="blind-lstm-layer-time-major-read",
        exercise="lstm",
        old="        h, c = lstm_cell(x[:, t], h, c, kernel, recurrent_kernel, bias)\n",
        new="        h, c = lstm_cell(x[t], h, c, kernel, recurrent_kernel, bias)\n",
        diagnosis="h_prev must have shape",
        blind=True,
    ),
    dict(  # deeplearning.ai: a_next = ot * np.tan(c_next)
        id="real-lstm-cell-tan-for-tanh",
        exercise="lstm_cell",
        old="    h = o * np.tanh(c)\n",
        new="    h = o * np.tan(c)\n",
        diagnosis="tan instead of tanh",
        elsewhere="lstm",
    ),
]
