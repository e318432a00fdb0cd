"""CMU 11-785 (Introduction to Deep Learning), the numpy library "mytorch" of the
homeworks (2022-2024 layout): HW1P1's Linear, activations and CrossEntropyLoss, HW2P1's
Conv2d and MaxPool2d (channels-first, stride by downsampling), HW3P1's RNNCell.

The course's API is classes: the adapter builds the student's object, sets its
parameters in the course's layout (Linear.W ``(out, in)``, Conv2d weights
``(out, in, k, k)``, RNNCell W_ih ``(h, d)``), calls forward (and backward) and converts
the results back. The student's files sit flat in the submission folder (``cmu_*.py``);
their imports of each other (``from resampling import *``, ``from nn.activation import *``,
``from .resampling import *``, ``import mytorch.nn.activation``) are served by aliases.
"""

from devtests.realcode.adapters import OUTSIDE, Course

CMU11785_ADAPTER = '''"""CMU 11-785 mytorch (channels-first, classes) to deepgrade."""
import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import inspect
import math
import sys

import numpy as np

_SHARED = ("resampling", "activation", "rnn_activation")  # files the others import
_PACKAGES = ("nn", "mytorch", "mytorch.nn")


class _Aliases(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """The student's imports of each other's files (``from resampling import *``,
    ``from nn.activation import *``, ``import mytorch.nn.activation``, ``from .resampling
    import *``) find the flat ``cmu_*`` module, imported only when asked for."""

    def find_spec(self, name, path=None, target=None):
        if name in _PACKAGES:
            return importlib.machinery.ModuleSpec(name, self, is_package=True)
        head, _, last = name.rpartition(".")
        if last in _SHARED and head in ("", *_PACKAGES, __package__):
            if importlib.util.find_spec(f"{__package__}.cmu_{last}") is not None:
                return importlib.machinery.ModuleSpec(name, self)
        return None

    def create_module(self, spec):
        if spec.name in _PACKAGES:
            return None
        return importlib.import_module(f"{__package__}.cmu_{spec.name.rpartition('.')[2]}")

    def exec_module(self, module):
        pass


if not any(isinstance(f, _Aliases) for f in sys.meta_path):
    sys.meta_path.insert(0, _Aliases())


def _student(name):
    return importlib.import_module(f"{__package__}.cmu_{name}")


# HW1P1: Linear (W (out, in), b (out,) or (out, 1)), activations, CrossEntropyLoss


def _new_linear(in_features, out_features):
    Linear = _student("linear").Linear
    options = {}
    for name in ("weight_init_fn", "bias_init_fn"):  # a variant's __init__ asks for them
        if name in inspect.signature(Linear).parameters:
            options[name] = lambda *shape: np.zeros(shape)
    return Linear(in_features, out_features, **options)


def _conventions():
    """The student's version of the course: its bias shape, (out, 1) (2022-2023) or
    (out,), and whether Linear.backward divides dLdW and dLdb by N (the versions whose
    loss gradient is not divided by N), told by probes where each version's correct
    answer is known. None where the probe matches neither."""
    W, b, A = np.array([[1.0], [2.0]]), np.array([10.0, 20.0]), np.array([[1.0], [2.0], [3.0]])
    for shape in ((2, 1), (2,)):
        try:
            layer = _new_linear(1, 2)
            layer.W, layer.b = W.copy(), b.reshape(shape).copy()
            if not np.allclose(np.asarray(layer.forward(A.copy()), dtype=float), A @ W.T + b):
                continue
            layer.backward(np.ones((3, 2)))
            dW = np.asarray(layer.dLdW, dtype=float)
        except Exception:
            continue
        return shape, (np.allclose(dW, [[2.0], [2.0]]) if dW.shape == (2, 1) else False)
    return None, False


def _linear(W, b):
    bias, scaled = _conventions()
    layer = _new_linear(W.shape[0], W.shape[1])
    layer.W = W.T.copy()
    if bias is None:  # neither version's: the shape the student's __init__ makes
        bias = np.shape(getattr(layer, "b", b))
        bias = bias if np.prod(bias) == b.size else b.shape
    layer.b = b.reshape((b.size, 1) if len(bias) == 2 else b.shape).copy()
    return layer, scaled


def dense_forward(x, W, b):
    return _linear(W, b)[0].forward(x.reshape(x.shape[0], -1).copy())


def dense_backward(dout, x, W):
    layer, scaled = _linear(W, np.zeros(W.shape[1]))
    layer.forward(x.reshape(x.shape[0], -1).copy())
    dx = layer.backward(dout.copy())
    dW, db = np.asarray(layer.dLdW).T, np.asarray(layer.dLdb)
    if db.shape == (W.shape[1], 1):  # the course's column bias
        db = db[:, 0]
    if scaled:  # this version's Linear averages over the batch: its loss gradient did not
        dW, db = dW * x.shape[0], db * x.shape[0]
    return np.asarray(dx).reshape(x.shape), dW, db


def _rows(x, activation):  # the course's activations take (N, C)
    flat = x.reshape(1, -1) if x.ndim < 2 else x.reshape(-1, x.shape[-1])
    return np.asarray(activation().forward(flat.copy())).reshape(x.shape)


def relu(x):
    return _rows(x, _student("activation").ReLU)


def sigmoid(x):
    return _rows(x, _student("activation").Sigmoid)


def softmax(logits, axis):
    moved = np.moveaxis(logits, axis, -1)
    flat = moved.reshape(-1, moved.shape[-1]).copy()  # the course's (N, C)
    out = np.asarray(_student("activation").Softmax().forward(flat)).reshape(moved.shape)
    return np.moveaxis(out, -1, axis)


def _scaled(Loss):
    """Whether the student's version divides the gradient by N (2023 on) or not (2022),
    told by a probe where either convention's correct answer is known."""
    probe = Loss()
    probe.forward(np.zeros((2, 2)), np.eye(2))
    grad = np.asarray(probe.backward(), dtype=float)
    return not np.allclose(grad, np.array([[-0.5, 0.5], [0.5, -0.5]]))


def softmax_cross_entropy(logits, labels):
    Loss = _student("loss").CrossEntropyLoss
    n, c = logits.shape
    onehot = np.zeros((n, c))
    onehot[np.arange(n), labels] = 1.0
    scaled = _scaled(Loss)
    loss = Loss()
    value = loss.forward(logits.copy(), onehot)
    grad = np.asarray(loss.backward(), dtype=float)
    value = np.asarray(value)  # the course's scalar may be a (1, 1) array
    return (float(value.reshape(())) if value.size == 1 else value), grad if scaled else grad / n


# HW2P1: Conv2d(in, out, kernel, stride, padding) and MaxPool2d(kernel, stride), NCHW


def _same(n, k, s):
    total = max((math.ceil(n / s) - 1) * s + k - n, 0)
    return total // 2, total - total // 2


def _conv(kernels, bias, pad, stride):
    kh, kw, d, k = kernels.shape
    if kh != kw:
        raise NotImplementedError("OUTSIDEa kernel that is not square")
    module = _student("Conv2d")
    weights = kernels.transpose(3, 2, 0, 1).copy()
    options = {"weight_init_fn": lambda *s: weights.copy(),
               "bias_init_fn": lambda *s: bias.copy()}
    if "padding" in inspect.signature(module.Conv2d).parameters:
        return module.Conv2d(d, k, kh, stride, padding=pad, **options), 0
    return module.Conv2d(d, k, kh, stride, **options), pad  # 2022: no padding, pad here


def _pad(x, pad):
    return np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad))) if pad else x


def conv_layer(x, kernels, bias, padding, stride):
    batch = x[None] if x.ndim == 3 else x
    if padding == "valid":
        padding = 0
    if padding == "same":
        (top, bottom), (left, right) = (
            _same(batch.shape[1], kernels.shape[0], stride),
            _same(batch.shape[2], kernels.shape[1], stride),
        )
        if len({top, bottom, left, right}) != 1:
            raise NotImplementedError("OUTSIDEunequal 'same' padding (one pad on all sides)")
        padding = top
    layer, ours = _conv(kernels, bias, padding, stride)
    out = layer.forward(_pad(batch.transpose(0, 3, 1, 2).copy(), ours))
    out = np.asarray(out).transpose(0, 2, 3, 1)
    return out[0] if x.ndim == 3 else out


def conv_layer_backward(dout, x, kernels, top, bottom, left, right, stride):
    if len({top, bottom, left, right}) != 1:
        raise NotImplementedError("OUTSIDEunequal padding (one pad on all sides)")
    single = x.ndim == 3
    batch, grad = (x[None], dout[None]) if single else (x, dout)
    layer, ours = _conv(kernels, np.zeros(kernels.shape[3]), top, stride)
    layer.forward(_pad(batch.transpose(0, 3, 1, 2).copy(), ours))
    dx = np.asarray(layer.backward(grad.transpose(0, 3, 1, 2).copy()))
    if ours:
        dx = dx[:, :, ours:-ours, ours:-ours]
    inner = getattr(layer, "conv2d_stride1", layer)
    dx = dx.transpose(0, 2, 3, 1)
    dk = np.asarray(inner.dLdW).transpose(2, 3, 1, 0)
    return (dx[0] if single else dx), dk, np.asarray(inner.dLdb).reshape(-1)


def _nchw(x):
    if x.ndim == 2:
        return x[None, None].copy()
    return (x.transpose(2, 0, 1)[None] if x.ndim == 3 else x.transpose(0, 3, 1, 2)).copy()


def _back(out, ndim):
    out = np.asarray(out)
    return {2: lambda o: o[0, 0], 3: lambda o: o[0].transpose(1, 2, 0),
            4: lambda o: o.transpose(0, 2, 3, 1)}[ndim](out)


def _pool(ph, pw, sh, sw):
    if ph != pw:
        raise NotImplementedError("OUTSIDEa window that is not square")
    if sh != sw:
        raise NotImplementedError("OUTSIDEa stride pair of two different steps")
    return _student("pool").MaxPool2d(ph, sh)


def max_pool2d(x, ph, pw, sh, sw):
    return _back(_pool(ph, pw, sh, sw).forward(_nchw(x)), x.ndim)


def max_pool2d_backward(dout, x, ph, pw, sh, sw):
    layer = _pool(ph, pw, sh, sw)
    layer.forward(_nchw(x))
    return _back(layer.backward(_nchw(dout)), x.ndim)


# HW3P1: RNNCell(input_size, hidden_size), W_ih (h, d), W_hh (h, h), b_ih, b_hh


def simple_rnn_cell(x_t, h_prev, kernel, recurrent, bias):
    cell = _student("rnn_cell").RNNCell(kernel.shape[0], kernel.shape[1])
    weights = (kernel.T.copy(), recurrent.T.copy(), bias.copy(), np.zeros_like(bias))
    if hasattr(cell, "init_weights"):
        cell.init_weights(*weights)
    else:
        cell.W_ih, cell.W_hh, cell.b_ih, cell.b_hh = weights
    activation = getattr(cell, "activation", None)
    if activation is not None and not callable(activation) and hasattr(activation, "forward"):
        # HW3's handout Tanh is callable; a repository may hold HW1's activation.py instead
        cell.activation = _Callable(activation)
    return cell.forward(x_t.copy(), h_prev.copy())


class _Callable:  # an activation object whose call is its forward, as HW3's handout's
    def __init__(self, inner):
        self._inner = inner

    def __call__(self, *args, **kwargs):
        return self._inner.forward(*args, **kwargs)

    def __getattr__(self, name):
        return getattr(self._inner, name)
'''.replace("OUTSIDE", OUTSIDE)

# A correct CMU 11-785 student, written here from the handouts' text (2023 conventions:
# the loss gradient divided by N, Conv2d with a padding argument).
CMU_LINEAR = """import numpy as np


class Linear:
    def __init__(self, in_features, out_features, debug=False):
        self.W = np.zeros((out_features, in_features))
        self.b = np.zeros((out_features, 1))

    def forward(self, A):
        self.A = A
        self.N = A.shape[0]
        self.Ones = np.ones((self.N, 1))
        return A @ self.W.T + self.Ones @ self.b.T

    def backward(self, dLdZ):
        self.dLdW = dLdZ.T @ self.A
        self.dLdb = dLdZ.T @ self.Ones
        return dLdZ @ self.W
"""

CMU_ACTIVATION = """import numpy as np


class ReLU:
    def forward(self, Z):
        self.A = np.maximum(0, Z)
        return self.A

    def backward(self, dLdA):
        return dLdA * (self.A > 0)


class Sigmoid:
    def forward(self, Z):
        self.A = np.exp(-np.logaddexp(0, -Z))
        return self.A

    def backward(self, dLdA):
        return dLdA * self.A * (1 - self.A)


class Tanh:
    def forward(self, Z):
        self.A = np.tanh(Z)
        return self.A

    def backward(self, dLdA, state=None):
        A = self.A if state is None else state
        return dLdA * (1 - A**2)


class Softmax:
    def forward(self, Z):
        e = np.exp(Z - Z.max(axis=1, keepdims=True))
        self.A = e / e.sum(axis=1, keepdims=True)
        return self.A
"""

CMU_LOSS = """import numpy as np
from activation import Softmax


class CrossEntropyLoss:
    def forward(self, A, Y):
        self.A, self.Y = A, Y
        self.N, self.C = A.shape
        self.softmax = Softmax().forward(A)
        shifted = A - A.max(axis=1, keepdims=True)
        log_softmax = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        crossentropy = (-Y * log_softmax) @ np.ones((self.C, 1))
        return (np.ones((self.N, 1)).T @ crossentropy / self.N).item()

    def backward(self):
        return (self.softmax - self.Y) / self.N
"""

CMU_RESAMPLING = """import numpy as np


class Downsample2d:
    def __init__(self, downsampling_factor):
        self.k = downsampling_factor

    def forward(self, A):
        self.shape = A.shape
        return A[:, :, :: self.k, :: self.k]

    def backward(self, dLdZ):
        dLdA = np.zeros(self.shape)
        dLdA[:, :, :: self.k, :: self.k] = dLdZ
        return dLdA
"""

CMU_CONV2D = """import numpy as np
from resampling import *


class Conv2d_stride1:
    def __init__(self, in_channels, out_channels, kernel_size, weight_init_fn=None,
                 bias_init_fn=None):
        k = kernel_size
        self.W = weight_init_fn(out_channels, in_channels, k, k)
        self.b = bias_init_fn(out_channels)

    def forward(self, A):
        self.A = A
        N, C, H, W = A.shape
        k = self.W.shape[2]
        Z = np.zeros((N, self.W.shape[0], H - k + 1, W - k + 1))
        for i in range(Z.shape[2]):
            for j in range(Z.shape[3]):
                window = A[:, :, i:i + k, j:j + k]
                Z[:, :, i, j] = np.tensordot(window, self.W, axes=([1, 2, 3], [1, 2, 3]))
        return Z + self.b[None, :, None, None]

    def backward(self, dLdZ):
        k = self.W.shape[2]
        self.dLdW = np.zeros(self.W.shape)
        dLdA = np.zeros(self.A.shape)
        for i in range(dLdZ.shape[2]):
            for j in range(dLdZ.shape[3]):
                window = self.A[:, :, i:i + k, j:j + k]
                self.dLdW += np.tensordot(dLdZ[:, :, i, j], window, axes=([0], [0]))
                dLdA[:, :, i:i + k, j:j + k] += np.tensordot(
                    dLdZ[:, :, i, j], self.W, axes=([1], [0]))
        self.dLdb = dLdZ.sum(axis=(0, 2, 3))
        return dLdA


class Conv2d:
    def __init__(self, in_channels, out_channels, kernel_size, stride, padding=0,
                 weight_init_fn=None, bias_init_fn=None):
        self.pad = padding
        self.conv2d_stride1 = Conv2d_stride1(in_channels, out_channels, kernel_size,
                                             weight_init_fn, bias_init_fn)
        self.downsample2d = Downsample2d(stride)

    def forward(self, A):
        p = self.pad
        A = np.pad(A, ((0, 0), (0, 0), (p, p), (p, p)))
        return self.downsample2d.forward(self.conv2d_stride1.forward(A))

    def backward(self, dLdZ):
        dLdA = self.conv2d_stride1.backward(self.downsample2d.backward(dLdZ))
        p = self.pad
        return dLdA[:, :, p:dLdA.shape[2] - p, p:dLdA.shape[3] - p]
"""

CMU_POOL = """import numpy as np
from resampling import *


class MaxPool2d_stride1:
    def __init__(self, kernel):
        self.kernel = kernel

    def forward(self, A):
        self.A = A
        k = self.kernel
        N, C, H, W = A.shape
        Z = np.zeros((N, C, H - k + 1, W - k + 1))
        self.index = np.zeros(Z.shape, dtype=int)
        for i in range(Z.shape[2]):
            for j in range(Z.shape[3]):
                window = A[:, :, i:i + k, j:j + k].reshape(N, C, -1)
                self.index[:, :, i, j] = window.argmax(axis=2)
                Z[:, :, i, j] = window.max(axis=2)
        return Z

    def backward(self, dLdZ):
        k = self.kernel
        dLdA = np.zeros(self.A.shape)
        N, C = dLdZ.shape[:2]
        for n in range(N):
            for c in range(C):
                for i in range(dLdZ.shape[2]):
                    for j in range(dLdZ.shape[3]):
                        a, b = divmod(self.index[n, c, i, j], k)
                        dLdA[n, c, i + a, j + b] += dLdZ[n, c, i, j]
        return dLdA


class MaxPool2d:
    def __init__(self, kernel, stride):
        self.maxpool2d_stride1 = MaxPool2d_stride1(kernel)
        self.downsample2d = Downsample2d(stride)

    def forward(self, A):
        return self.downsample2d.forward(self.maxpool2d_stride1.forward(A))

    def backward(self, dLdZ):
        return self.maxpool2d_stride1.backward(self.downsample2d.backward(dLdZ))
"""

CMU_RNN_CELL = """import numpy as np
from nn.activation import *


class RNNCell(object):
    def __init__(self, input_size, hidden_size):
        self.activation = Tanh()
        self.W_ih = np.random.randn(hidden_size, input_size)
        self.W_hh = np.random.randn(hidden_size, hidden_size)
        self.b_ih = np.random.randn(hidden_size)
        self.b_hh = np.random.randn(hidden_size)

    def init_weights(self, W_ih, W_hh, b_ih, b_hh):
        self.W_ih, self.W_hh, self.b_ih, self.b_hh = W_ih, W_hh, b_ih, b_hh

    def forward(self, x, h_prev_t):
        z = x @ self.W_ih.T + self.b_ih + h_prev_t @ self.W_hh.T + self.b_hh
        return self.activation.forward(z)
"""

CMU11785 = Course(
    name="cmu11785",
    files={
        "cmu_linear.py": ("mytorch/nn/linear.py",),
        "cmu_activation.py": ("mytorch/nn/activation.py",),
        "cmu_loss.py": ("mytorch/nn/loss.py",),
        "cmu_resampling.py": (
            "mytorch/nn/resampling.py",
            "mytorch/cnn/resampling.py",
            "mytorch/resampling.py",
        ),
        "cmu_Conv2d.py": ("mytorch/nn/Conv2d.py", "mytorch/cnn/Conv2d.py", "mytorch/conv.py"),
        "cmu_pool.py": ("mytorch/nn/pool.py", "mytorch/cnn/pool.py", "mytorch/pool.py"),
        "cmu_rnn_cell.py": (
            "mytorch/rnn_cell.py",
            "mytorch/nn/rnn_cell.py",
            "mytorch/rnn/rnn_cell.py",
        ),
        "cmu_rnn_activation.py": ("mytorch/nn/rnn_activation.py",),
    },
    adapter=CMU11785_ADAPTER,
    needs={
        "dense_forward": ("cmu_linear.py", "Linear"),
        "dense_backward": ("cmu_linear.py", "Linear"),
        "relu": ("cmu_activation.py", "ReLU"),
        "sigmoid": ("cmu_activation.py", "Sigmoid"),
        "softmax": ("cmu_activation.py", "Softmax"),
        "softmax_cross_entropy": ("cmu_loss.py", "CrossEntropyLoss"),
        "conv_layer": ("cmu_Conv2d.py", "Conv2d"),
        "conv_layer_backward": ("cmu_Conv2d.py", "Conv2d"),
        "max_pool2d": ("cmu_pool.py", "MaxPool2d"),
        "max_pool2d_backward": ("cmu_pool.py", "MaxPool2d"),
        "simple_rnn_cell": ("cmu_rnn_cell.py", "RNNCell"),
    },
    reference={
        "cmu_linear.py": CMU_LINEAR,
        "cmu_activation.py": CMU_ACTIVATION,
        "cmu_loss.py": CMU_LOSS,
        "cmu_resampling.py": CMU_RESAMPLING,
        "cmu_Conv2d.py": CMU_CONV2D,
        "cmu_pool.py": CMU_POOL,
        "cmu_rnn_cell.py": CMU_RNN_CELL,
    },
)
