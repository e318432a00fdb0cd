"""CS231n (Stanford): assignment 2's layers.py, assignment 3's rnn_layers.py."""

from devtests.realcode.adapters import OUTSIDE, Course

CS231N_ADAPTER = '''"""CS231n (channels-first, gates i, f, o, g) to deepgrade (channels-last)."""
import numpy as np

try:
    from . import course_layers as L
except ImportError:  # the repository has no layers.py (its exercises are not adapted)
    L = None
try:
    from . import course_rnn_layers as R
except ImportError:  # the repository has no RNN assignment
    R = None


def _pad(padding, kh, kw, stride):
    if padding == "valid":
        return 0
    if isinstance(padding, int):
        return padding
    if kh == kw and kh % 2 == 1 and stride == 1:  # "same": (k - 1) / 2 on each side
        return (kh - 1) // 2
    raise NotImplementedError("OUTSIDE'same' padding of an even kernel or with a stride")


def conv_layer(x, kernels, bias, padding, stride):
    single = x.ndim == 3
    batch = x[None] if single else x
    pad = _pad(padding, kernels.shape[0], kernels.shape[1], stride)
    out, _ = L.conv_forward_naive(
        batch.transpose(0, 3, 1, 2).copy(), kernels.transpose(3, 2, 0, 1).copy(),
        bias.copy(), {"stride": stride, "pad": pad},
    )
    out = np.asarray(out).transpose(0, 2, 3, 1)
    return out[0] if single else out


def max_pool2d(x, ph, pw, sh, sw):
    if sh != sw:
        raise NotImplementedError("OUTSIDEa stride pair of two different steps")
    batch = {2: x[None, :, :, None], 3: x[None], 4: x}[x.ndim]
    out, _ = L.max_pool_forward_naive(
        batch.transpose(0, 3, 1, 2).copy(), {"pool_height": ph, "pool_width": pw, "stride": sh}
    )
    out = np.asarray(out).transpose(0, 2, 3, 1)
    return {2: lambda o: o[0, :, :, 0], 3: lambda o: o[0], 4: lambda o: o}[x.ndim](out)


def softmax_cross_entropy(logits, labels):
    loss, dx = L.softmax_loss(logits.copy(), labels.copy())
    return loss, dx


def _gates(weights):  # Keras i, f, c, o -> CS231n i, f, o, g (g is the candidate c)
    i, f, c, o = np.split(weights, 4, axis=-1)
    return np.concatenate([i, f, o, c], axis=-1)


def simple_rnn_cell(x_t, h_prev, kernel, recurrent, bias):
    next_h, _ = R.rnn_step_forward(x_t, h_prev, kernel, recurrent, bias)
    return next_h


def simple_rnn(x, kernel, recurrent, bias, return_sequences, initial_state):
    h0 = np.zeros((x.shape[0], recurrent.shape[0])) if initial_state is None else initial_state
    h, _ = R.rnn_forward(x, h0, kernel, recurrent, bias)
    return h if return_sequences else h[:, -1]


def lstm_cell(x_t, h_prev, c_prev, kernel, recurrent, bias):
    next_h, next_c, _ = R.lstm_step_forward(
        x_t, h_prev, c_prev, _gates(kernel), _gates(recurrent), _gates(bias)
    )
    return next_h, next_c


def lstm(x, kernel, recurrent, bias, return_sequences, initial_state):
    units = recurrent.shape[0]
    h0 = np.zeros((x.shape[0], units))
    if initial_state is not None:
        h0, c0 = initial_state
        if np.any(c0 != 0):
            raise NotImplementedError("OUTSIDEa non-zero initial cell state c0")
    h, _ = R.lstm_forward(x, h0, _gates(kernel), _gates(recurrent), _gates(bias))
    return h if return_sequences else h[:, -1]
'''.replace("OUTSIDE", OUTSIDE)

# A correct CS231n student, written here from the course's assignment text.
CS231N_LAYERS = """import numpy as np


def conv_forward_naive(x, w, b, conv_param):
    stride, pad = conv_param["stride"], conv_param["pad"]
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    Ho, Wo = 1 + (H + 2 * pad - HH) // stride, 1 + (W + 2 * pad - WW) // stride
    out = np.zeros((N, F, Ho, Wo))
    for i in range(Ho):
        for j in range(Wo):
            window = xp[:, :, i * stride:i * stride + HH, j * stride:j * stride + WW]
            out[:, :, i, j] = np.tensordot(window, w, axes=([1, 2, 3], [1, 2, 3])) + b
    return out, (x, w, b, conv_param)


def max_pool_forward_naive(x, pool_param):
    ph, pw, s = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    N, C, H, W = x.shape
    Ho, Wo = 1 + (H - ph) // s, 1 + (W - pw) // s
    out = np.zeros((N, C, Ho, Wo))
    for i in range(Ho):
        for j in range(Wo):
            out[:, :, i, j] = x[:, :, i * s:i * s + ph, j * s:j * s + pw].max(axis=(2, 3))
    return out, (x, pool_param)


def softmax_loss(x, y):
    shifted = x - x.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    N = x.shape[0]
    loss = -log_probs[np.arange(N), y].mean()
    dx = np.exp(log_probs)
    dx[np.arange(N), y] -= 1
    return loss, dx / N
"""

CS231N_RNN = """import numpy as np


def sigmoid(x):
    return np.exp(-np.logaddexp(0, -x))


def rnn_step_forward(x, prev_h, Wx, Wh, b):
    next_h = np.tanh(x @ Wx + prev_h @ Wh + b)
    return next_h, (x, prev_h, Wx, Wh, next_h)


def rnn_forward(x, h0, Wx, Wh, b):
    N, T, _ = x.shape
    h, prev = np.zeros((N, T, h0.shape[1])), h0
    for t in range(T):
        prev, _ = rnn_step_forward(x[:, t], prev, Wx, Wh, b)
        h[:, t] = prev
    return h, None


def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    H = prev_h.shape[1]
    a = x @ Wx + prev_h @ Wh + b
    i, f, o = sigmoid(a[:, :H]), sigmoid(a[:, H:2 * H]), sigmoid(a[:, 2 * H:3 * H])
    g = np.tanh(a[:, 3 * H:])
    next_c = f * prev_c + i * g
    next_h = o * np.tanh(next_c)
    return next_h, next_c, None


def lstm_forward(x, h0, Wx, Wh, b):
    N, T, _ = x.shape
    h, prev_h, prev_c = np.zeros((N, T, h0.shape[1])), h0, np.zeros_like(h0)
    for t in range(T):
        prev_h, prev_c, _ = lstm_step_forward(x[:, t], prev_h, prev_c, Wx, Wh, b)
        h[:, t] = prev_h
    return h, None
"""

CS231N = Course(
    name="cs231n",
    files={
        "course_layers.py": ("assignment2/cs231n/layers.py", "assignment3/cs231n/layers.py"),
        "course_rnn_layers.py": (
            "assignment3/cs231n/rnn_layers.py",
            "assignment2/cs231n/rnn_layers.py",
        ),
    },
    adapter=CS231N_ADAPTER,
    needs={
        "conv_layer": ("course_layers.py", "conv_forward_naive"),
        "max_pool2d": ("course_layers.py", "max_pool_forward_naive"),
        "softmax_cross_entropy": ("course_layers.py", "softmax_loss"),
        "simple_rnn_cell": ("course_rnn_layers.py", "rnn_step_forward"),
        "simple_rnn": ("course_rnn_layers.py", "rnn_forward"),
        "lstm_cell": ("course_rnn_layers.py", "lstm_step_forward"),
        "lstm": ("course_rnn_layers.py", "lstm_forward"),
    },
    reference={"course_layers.py": CS231N_LAYERS, "course_rnn_layers.py": CS231N_RNN},
)
