"""Catalogued mistakes of topic 4 (backpropagation): what each mistaken backward pass would
return for the same inputs, computed here on the trusted side (small numpy
re-implementations, or the reference on altered inputs), with the words that tell the
student what went wrong. Used as ``mistakes=`` of ``check_array`` / ``check_scalar``.

Also the trusted side's own forward pass of the conv layer, for the property checks (a
backward pass against the numerical gradient, ``support.finite_differences``, of the
reference forward pass).
"""

from __future__ import annotations

import numpy as np

from autograder.suites.support import finite_differences, quiet
from deepgrade.feedback import Mistake
from solutions import backprop as ref

# the epsilons students add inside a log (or clip at): log(p + 1e-16), np.clip(p, 1e-15, 1)
EPSILONS = (1e-5, 1e-6, 1e-7, 1e-8, 1e-9, 1e-10, 1e-12, 1e-15, 1e-16)

# ------------------------------------------------------------ trusted helpers


def pads_of(padding) -> tuple[tuple[int, int], tuple[int, int]]:
    return ref._padding_pairs(padding, "conv_layer_backward")


def conv_forward(x, kernels, padding, stride: int) -> np.ndarray:
    """The conv layer's output without bias, window by window (x (H, W, d) or (N, H, W, d))."""
    x = np.asarray(x, dtype=np.float64)
    x4 = x if x.ndim == 4 else x[None]
    (top, bottom), (left, right) = pads_of(padding)
    xp = np.pad(x4, ((0, 0), (top, bottom), (left, right), (0, 0)))
    kh, kw = kernels.shape[:2]
    out_h = (xp.shape[1] - kh) // stride + 1
    out_w = (xp.shape[2] - kw) // stride + 1
    y = np.zeros((x4.shape[0], out_h, out_w, kernels.shape[3]))
    for r in range(out_h):
        for c in range(out_w):
            window = xp[:, r * stride : r * stride + kh, c * stride : c * stride + kw, :]
            y[:, r, c, :] = np.tensordot(window, kernels, axes=3)
    return y if x.ndim == 4 else y[0]


# ------------------------------------------------------------ 4.1 numerical_gradient


def numerical_gradient_mistakes(f, x, eps: float = 1e-6) -> list[Mistake]:
    """``f`` must be a pure function (the mistakes call it again)."""
    x = np.asarray(x, dtype=np.float64)
    centred = lambda: finite_differences(f, x, eps)  # noqa: E731
    return [
        Mistake(
            "perturbation not restored",
            "your gradient is what centred differences give when x[i] is not set back to "
            "its old value after its two evaluations, so every later element is measured "
            "at a shifted point; restore x[i] before moving on to the next element",
            lambda: finite_differences(f, x, eps, restore=False),
        ),
        Mistake(
            "forward differences",
            "your gradient is the forward difference (f(x + eps e_i) - f(x)) / eps; use "
            "centred differences (f(x + eps e_i) - f(x - eps e_i)) / (2 eps), whose error "
            "shrinks like eps**2",
            lambda: finite_differences(f, x, eps, kind="forward"),
        ),
        Mistake(
            "backward differences",
            "your gradient is the backward difference (f(x) - f(x - eps e_i)) / eps; use "
            "centred differences (f(x + eps e_i) - f(x - eps e_i)) / (2 eps)",
            lambda: finite_differences(f, x, eps, kind="backward"),
        ),
        Mistake(
            "divided by eps instead of 2 eps",
            "your gradient is twice the expected one: the two evaluations are 2 eps apart, "
            "so divide their difference by 2 * eps",
            lambda: 2 * centred(),
        ),
        Mistake(
            "sign flipped",
            "your gradient has the wrong sign everywhere: compute f(x + eps e_i) - "
            "f(x - eps e_i), in that order",
            lambda: -centred(),
        ),
        Mistake(
            "every element perturbed at once",
            "every element of your gradient is (f(x + eps) - f(x - eps)) / (2 eps) with eps "
            "added to *all* of x at once; perturb one element at a time: x[i] +/- eps, the "
            "others unchanged",
            lambda: np.full(x.shape, (float(f(x + eps)) - float(f(x - eps))) / (2 * eps)),
        ),
        Mistake(
            "/ 2 * eps",
            "your gradient is the centred difference times eps**2: (a - b) / 2 * eps "
            "multiplies by eps (Python reads it left to right); write (a - b) / (2 * eps)",
            lambda: centred() * eps**2,
        ),
        Mistake(
            "eps ignored",
            f"your gradient is the centred difference with step 1e-6, not with the given "
            f"eps = {eps:g}: use the eps argument",
            lambda: finite_differences(f, x, 1e-6),
        ),
    ]


# ------------------------------------------------------------ 4.2 dense_forward


def dense_forward_mistakes(x, W, b) -> list[Mistake]:
    x, W, b = (np.asarray(a, dtype=np.float64) for a in (x, W, b))
    flat = x.reshape(x.shape[0], -1)
    return [
        Mistake(
            "bias missing",
            "your output is x_flat @ W without the bias; add b (one entry per output neuron)",
            lambda: flat @ W,
        ),
        Mistake(
            "bias added per example",
            "your output adds b[n] to every neuron of example n (b[:, None]); the bias has "
            "one entry per output neuron m, so add b along the last axis: x_flat @ W + b",
            lambda: flat @ W + b[:, None],
        ),
        Mistake(
            "bias subtracted",
            "your output is x_flat @ W - b; the layer adds its bias",
            lambda: flat @ W - b,
        ),
        Mistake(
            "activation applied",
            "your output is relu(x_flat @ W + b): dense_forward is the affine part only; the "
            "activation is a layer of its own (relu, softmax), applied by the caller",
            lambda: np.maximum(flat @ W + b, 0.0),
        ),
        Mistake(
            "flattened in the wrong order",
            "your output flattens x to (N, D) in another order (x.reshape(D, N).T or "
            "order='F'); each example is one row: x.reshape(N, -1), the pixels of example n "
            "in row n, as the digit network flattens a 28x28 image to 784 values",
            lambda: x.reshape(flat.shape[1], x.shape[0]).T @ W + b,
        ),
        Mistake(
            "flattened in the wrong order",
            "your output flattens each example in column-major order (order='F'); the layer "
            "reads x.reshape(N, -1), row by row",
            lambda: x.reshape(x.shape[0], -1, order="F") @ W + b,
        ),
    ]


# ------------------------------------------------------------ 4.3 dense_backward


def dense_backward_mistakes(dout, x, W) -> dict[str, list[Mistake]]:
    dout, x, W = (np.asarray(a, dtype=np.float64) for a in (dout, x, W))
    n = x.shape[0]
    flat = x.reshape(n, -1)
    sign = (
        "the gradient has the wrong sign: backward passes compute dL/d(...) itself; the "
        "minus sign belongs to the gradient descent update, not here"
    )
    return {
        "dx": [
            Mistake(
                "dx not reshaped",
                f"your dx is dout @ W.T of shape {(n, W.shape[0])}, not reshaped back to "
                f"x's shape {x.shape}; return (dout @ W.T).reshape(x.shape) so it can be "
                "passed on to the layer that produced x",
                lambda: dout @ W.T,
            ),
            Mistake(
                "sign flipped",
                f"your dx is -(dout @ W.T): {sign}",
                lambda: -(dout @ W.T).reshape(x.shape),
            ),
        ],
        "dW": [
            Mistake(
                "dW transposed",
                "your dW is dout.T @ x_flat, of shape (M, D); dW must have W's shape "
                "(D, M): x_flat.T @ dout",
                lambda: dout.T @ flat,
            ),
            Mistake(
                "dW averaged over the batch",
                f"your dW is x_flat.T @ dout divided by N = {n}; dout already carries the "
                "loss's averaging, so the layer only sums over the examples",
                lambda: flat.T @ dout / n,
            ),
            Mistake(
                "sign flipped", f"your dW is -(x_flat.T @ dout): {sign}", lambda: -(flat.T @ dout)
            ),
        ],
        "db": [
            Mistake(
                "db from one row",
                "your db is dout[0], the gradient of the first example only; sum dout over "
                "all examples (axis 0): every example's output got the bias",
                lambda: dout[0],
            ),
            Mistake(
                "db from one row",
                "your db is dout[-1], the gradient of the last example only (e.g. db = "
                "dout[n] inside a loop over n); sum dout over all examples (axis 0)",
                lambda: dout[-1],
            ),
            Mistake(
                "db averaged",
                f"your db is the mean of dout over the batch (divided by N = {n}); sum it",
                lambda: dout.mean(axis=0),
            ),
            Mistake(
                "db summed over the wrong axis",
                "your db sums dout over axis 1 (the neurons), one number per example; sum "
                "over axis 0 (the examples), one number per neuron",
                lambda: dout.sum(axis=1),
            ),
            Mistake(
                "db summed with keepdims",
                "your db has shape (1, M): sum over the examples without keepdims, "
                "dout.sum(axis=0), so that db has the bias's shape (M,)",
                lambda: dout.sum(axis=0, keepdims=True),
            ),
            Mistake(
                "db summed over everything",
                "your db is the sum of all of dout, a single number; sum over axis 0 only, "
                "to get one number per neuron",
                lambda: dout.sum(),
            ),
            Mistake(
                "sign flipped", f"your db is -sum(dout, axis=0): {sign}", lambda: -dout.sum(axis=0)
            ),
        ],
    }


# ------------------------------------------------------------ 4.4 relu_backward


def relu_backward_mistakes(dout, x) -> list[Mistake]:
    dout, x = (np.asarray(a, dtype=np.float64) for a in (dout, x))
    return [
        Mistake(
            "ReLU backward masked on the upstream gradient",
            "your result keeps dout where dout > 0, i.e. it masks with the upstream "
            "gradient; the mask comes from the forward input: keep dout where x > 0",
            lambda: np.where(dout > 0, dout, 0.0),
        ),
        Mistake(
            "slope 1 at x = 0",
            "your result passes dout through where x = 0 exactly (x >= 0); the slides' "
            "ReLU (like TensorFlow) uses slope 0 at 0: keep dout only where x > 0",
            lambda: np.where(x >= 0, dout, 0.0),
        ),
        Mistake(
            "slope 1/2 at x = 0",
            "your result passes dout / 2 where x = 0 exactly (np.heaviside(x, 0.5)); the "
            "slides' ReLU (like TensorFlow) uses slope 0 at 0: keep dout only where x > 0",
            lambda: np.where(x > 0, dout, np.where(x == 0, 0.5 * dout, 0.0)),
        ),
        Mistake(
            "the mask without dout",
            "your result is the mask (x > 0) itself, 1 or 0; multiply it by the upstream "
            "gradient dout (chain rule)",
            lambda: (x > 0).astype(np.float64),
        ),
        Mistake(
            "multiplied by relu(x)",
            "your result is dout * relu(x); ReLU's slope is 1 where x > 0 and 0 elsewhere, "
            "so the result is dout where x > 0, not dout times x",
            lambda: dout * np.maximum(x, 0.0),
        ),
        Mistake(
            "sign flipped",
            "your result is -dout where x > 0; ReLU's slope there is +1",
            lambda: np.where(x > 0, -dout, 0.0),
        ),
    ]


def relu_backward_inplace_hint(dout_after, result) -> str:
    """How relu_backward probably changed its dout (words inserted in the check's message)."""
    after = np.asarray(dout_after, dtype=np.float64)
    if isinstance(result, np.ndarray) and result.shape == after.shape:
        if np.array_equal(after, np.asarray(result, dtype=np.float64), equal_nan=True):
            return (
                " (upstream gradient modified in place: dout now holds your result, as "
                "after dout[x <= 0] = 0; build a new array, e.g. np.where(x > 0, dout, 0.0))"
            )
    return (
        " (upstream gradient modified in place: build a new array, e.g. np.where(x > 0, dout, 0.0))"
    )


# ------------------------------------------------------------ 4.5 softmax_cross_entropy


def _sce(logits, labels, *, axis=1, shift=True):
    z = np.asarray(logits, dtype=np.float64)
    n = z.shape[0]
    rows = np.arange(n)
    shifted = z - z.max(axis=axis, keepdims=True) if shift else z
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))
    probs = np.exp(log_probs)
    onehot = np.zeros_like(z)
    onehot[rows, labels] = 1.0
    return -log_probs[rows, labels].mean(), probs, onehot


def _log_softmax_rows(z: np.ndarray) -> np.ndarray:
    shifted = z - z.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def _softmax_rows(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def softmax_cross_entropy_mistakes(logits, labels) -> dict[str, list[Mistake]]:
    logits = np.asarray(logits, dtype=np.float64)
    labels = np.asarray(labels, dtype=np.int64)
    n = logits.shape[0]
    loss, probs, onehot = _sce(logits, labels)
    naive = quiet(lambda: _sce(logits, labels, shift=False))
    wrong_axis = quiet(lambda: _sce(logits, labels, axis=0))

    def every_column(p):
        d = p.copy()
        d[:, labels] -= 1.0
        return d / n

    no_shift = (
        "your result has NaN/inf for logits like 1000: exp(1000) overflows. Subtract "
        "each row's maximum before exp (log-sum-exp); the loss and the softmax do not change"
    )
    axis0 = (
        "you took the softmax along axis 0 (over the examples); each example's "
        "probabilities are a softmax over its row, axis 1 (the classes)"
    )
    rows = np.arange(n)
    twice = quiet(lambda: _sce(_softmax_rows(logits), labels))
    no_softmax = (
        "your loss takes the log of the logits themselves: the logits are scores, not "
        "probabilities; take the softmax first (log-softmax: z - max - log(sum(exp(z - max))))"
    )
    softmax_twice = (
        "your result is the cross entropy of softmax(softmax(logits)): the logits went "
        "through a softmax before this function's own; softmax_cross_entropy takes the raw "
        "scores (logits) and applies the softmax itself"
    )
    return {
        "loss": [
            Mistake(
                "every example's row indexed with all labels",
                "your loss averages log p over an N x N block: log_probs[:, labels] takes "
                "every label's column in every row; each example's own label is "
                "log_probs[np.arange(N), labels]",
                lambda: -_log_softmax_rows(logits)[:, labels].mean(),
            ),
            *(
                Mistake(
                    "epsilon added inside the log",
                    f"your loss is -log(p + {eps:g}) (or of p clipped at {eps:g}): the "
                    f"epsilon caps the loss of a confident wrong prediction at -log({eps:g}) "
                    f"= {-np.log(eps):.3g}; with log-sum-exp (log-softmax) no epsilon is "
                    "needed, and log p is exact",
                    output,
                )
                for eps in EPSILONS
                for output in (
                    lambda eps=eps: -np.log(probs[rows, labels] + eps).mean(),
                    lambda eps=eps: -np.log(np.maximum(probs[rows, labels], eps)).mean(),
                )
            ),
            Mistake(
                "softmax missing", no_softmax, quiet(lambda: -np.log(logits[rows, labels]).mean())
            ),
            Mistake("softmax applied twice", softmax_twice, lambda: twice()[0]),
            Mistake(
                "loss summed instead of averaged",
                f"your loss is {n} times the expected one: it is summed over the {n} "
                "examples; the slides average the error over the training examples "
                "(divide by N, or use .mean())",
                lambda: n * loss,
            ),
            Mistake(
                "sign flipped",
                "your loss is negative: the error is log(1 / p) = -log p, which is never negative",
                lambda: -loss,
            ),
            Mistake("no max shift", no_shift, lambda: naive()[0]),
            Mistake("softmax over the wrong axis", axis0, lambda: wrong_axis()[0]),
        ],
        "dlogits": [
            Mistake(
                "gradient not averaged",
                f"your dlogits is {n} times the expected one: the loss is the mean over "
                f"the N = {n} examples, so its gradient is (softmax - onehot) / N",
                lambda: probs - onehot,
            ),
            Mistake(
                "gradient sign flipped",
                "your dlogits is (onehot - softmax) / N, the negative gradient; "
                "dL/dlogits = (softmax - onehot) / N (the minus sign belongs to the "
                "gradient descent step)",
                lambda: (onehot - probs) / n,
            ),
            Mistake(
                "one-hot missing",
                "your dlogits is softmax / N: subtract 1 at each example's true class "
                "(softmax - onehot) / N",
                lambda: probs / n,
            ),
            Mistake(
                "1 subtracted in every row",
                "your dlogits subtracts 1 at every label's column in every row "
                "(d[:, labels] -= 1); subtract it only at each example's own label: "
                "d[np.arange(N), labels] -= 1",
                lambda: every_column(probs),
            ),
            Mistake("no max shift", no_shift, lambda: (naive()[1] - onehot) / n),
            *(
                Mistake(
                    "softmax missing",
                    "your dlogits is (logits - onehot) / N: the logits are scores; the "
                    "gradient is (softmax(logits) - onehot) / N",
                    quiet(lambda take=take: (take(logits) - onehot) / n),
                )
                for take in (np.asarray, lambda z: np.exp(np.log(z)))  # the second: NaN below 0
            ),
            Mistake("softmax applied twice", softmax_twice, lambda: (twice()[1] - onehot) / n),
            Mistake("softmax over the wrong axis", axis0, lambda: (wrong_axis()[1] - onehot) / n),
        ],
    }


# ------------------------------------------------------------ 4.6 conv_layer_backward


def _conv_grads(dout, x, kernels, padding, stride, *, step=None, overwrite=None):
    """(dxp, dkernels) window by window, with the padded dx not cropped yet.

    ``step``: the step between windows the code used (stride ignored: 1);
    ``overwrite``: "offset" (the kernel-offset loop with ``=``), "window" (the
    window loop with ``=``) or None (accumulate, correct)."""
    x = np.asarray(x, dtype=np.float64)
    g = np.asarray(dout, dtype=np.float64)
    x4, g4 = (x, g) if x.ndim == 4 else (x[None], g[None])
    (top, bottom), (left, right) = pads_of(padding)
    xp = np.pad(x4, ((0, 0), (top, bottom), (left, right), (0, 0)))
    step = stride if step is None else step
    kh, kw = kernels.shape[:2]
    out_h, out_w = g4.shape[1:3]
    dxp = np.zeros_like(xp)
    dk = np.zeros_like(kernels)
    if overwrite == "offset":
        for i in range(kh):
            rows = slice(i, i + step * (out_h - 1) + 1, step)
            for j in range(kw):
                cols = slice(j, j + step * (out_w - 1) + 1, step)
                dxp[:, rows, cols, :] = g4 @ kernels[i, j].T
    for r in range(out_h):
        for c in range(out_w):
            win = (
                slice(None),
                slice(r * step, r * step + kh),
                slice(c * step, c * step + kw),
                slice(None),
            )
            dk += np.tensordot(xp[win], g4[:, r, c, :], axes=([0], [0]))
            contribution = np.tensordot(g4[:, r, c, :], kernels, axes=([1], [3]))
            if overwrite == "window":
                dxp[win] = contribution
            elif overwrite is None:
                dxp[win] += contribution
    return dxp, dk


def _crop(dxp, x, padding, where: str = "centre"):
    x = np.asarray(x)
    h, w = x.shape[-3], x.shape[-2]
    (top, _), (left, _) = pads_of(padding)
    if where == "top-left":
        top = left = 0
    dx = dxp[:, top : top + h, left : left + w, :]
    return dx if x.ndim == 4 else dx[0]


def _minus_crop(dxp, x, padding):
    """The crop dxp[top:-bottom, left:-right]: empty where bottom or right is 0."""
    (top, bottom), (left, right) = pads_of(padding)
    dx = dxp[:, top:-bottom, left:-right, :]
    return dx if np.ndim(x) == 4 else dx[0]


def _crop_sizes_swapped(x: np.ndarray, padding) -> list[Mistake]:
    """dx cropped out of the padded gradient with the other axis's size (rows up to
    dxp.shape[2] - bottom): size rules, as shape-only mistakes."""
    (top, bottom), (left, right) = pads_of(padding)
    h, w = x.shape[-3], x.shape[-2]
    mistakes = []
    padded_h, padded_w = h + top + bottom, w + left + right
    for axis, size, own, other in (  # numpy cuts a slice short at the padded array's end
        (-3, min(padded_w - bottom, padded_h) - top, "height", "width"),
        (-2, min(padded_h - right, padded_w) - left, "width", "height"),
    ):
        shape = list(x.shape)
        shape[axis] = size
        if size > 0 and tuple(shape) != x.shape:
            mistakes.append(
                Mistake(
                    f"dx {own} cropped with the {other}",
                    f"your dx's {own} is what cropping the padded gradient with its {other} "
                    f"gives (the padded {other} minus the zeros): the {own} of dx is the "
                    f"{own} of x, so crop each axis with its own size",
                    lambda shape=tuple(shape): np.zeros(shape),
                    shape_only=True,
                )
            )
    return mistakes


def _channels_swapped(kernels: np.ndarray) -> np.ndarray:
    if kernels.shape[2] != kernels.shape[3]:
        raise ValueError("kernels[i, j] is not square: the product would not run")
    return kernels.swapaxes(2, 3)


def conv_backward_mistakes(dout, x, kernels, padding=0, stride=1) -> dict[str, list[Mistake]]:
    dout, x, kernels = (np.asarray(a, dtype=np.float64) for a in (dout, x, kernels))
    g4 = dout if dout.ndim == 4 else dout[None]
    x4 = x if x.ndim == 4 else x[None]
    n = x4.shape[0]
    flipped = kernels[::-1, ::-1]

    def grads(**kw):
        return _conv_grads(dout, x, kernels, padding, stride, **kw)

    overwrite = (
        "windows overlap, so an input pixel receives gradient from every window that "
        "covers it; your dx keeps only the last contribution written (=) instead of "
        "accumulating them (+=)"
    )
    sign = "the gradient has the wrong sign everywhere; backward passes compute dL/d(...)"
    return {
        "dx": [
            Mistake(
                "overlapping windows overwritten instead of accumulated",
                overwrite,
                lambda: _crop(grads(overwrite="offset")[0], x, padding),
            ),
            Mistake(
                "overlapping windows overwritten instead of accumulated",
                overwrite,
                lambda: _crop(grads(overwrite="window")[0], x, padding),
            ),
            Mistake(
                "flipped kernel",
                "your dx is what the flipped kernel (rotated by 180 degrees) gives: each "
                "window sends dout back through the same kernel weights the forward pass "
                "used, kernels[i, j] at window offset (i, j), with no flip",
                lambda: _crop(_conv_grads(dout, x, flipped, padding, stride)[0], x, padding),
            ),
            Mistake(
                "padding not cropped",
                "your dx is the gradient of the padded input; crop the padding off "
                "(rows top..top+H, columns left..left+W) so dx has x's shape",
                lambda: grads()[0] if x.ndim == 4 else grads()[0][0],
            ),
            Mistake(
                "cropped with [p:-p]",
                "your dx is empty (or too small) along an axis whose padding at the end is 0: "
                "dxp[p:-p] with p = 0 is dxp[0:0], since -0 is 0; crop with "
                "dxp[top:top + H, left:left + W]",
                lambda: _minus_crop(grads()[0], x, padding),
            ),
            Mistake(
                "kernels not transposed",
                "your dx sends dout back through kernels[i, j] instead of kernels[i, j].T: "
                "the forward pass maps d input channels to k filters with x @ kernels[i, j] "
                "((d, k)), so the way back is dout @ kernels[i, j].T ((k, d))",
                lambda: _crop(
                    _conv_grads(dout, x, _channels_swapped(kernels), padding, stride)[0],
                    x,
                    padding,
                ),
            ),
            Mistake(
                "padding cropped from the wrong side",
                "your dx is the padded gradient's top-left H x W corner; the padding sits "
                "at the top and left too, so take rows top..top+H and columns left..left+W",
                lambda: _crop(grads()[0], x, padding, "top-left"),
            ),
            Mistake(
                "stride ignored",
                f"your dx uses windows one pixel apart; with stride {stride} output pixel "
                f"(r, c) used the window starting at (r*{stride}, c*{stride})",
                lambda: _crop(grads(step=1)[0], x, padding),
            ),
            Mistake("sign flipped", sign, lambda: -_crop(grads()[0], x, padding)),
            *_crop_sizes_swapped(x, padding),
        ],
        "dkernels": [
            Mistake(
                "flipped kernel gradient",
                "your dkernels is flipped (rotated by 180 degrees): dkernels[i, j] sums "
                "the input pixels at window offset (i, j) times dout, with no flip",
                lambda: grads()[1][::-1, ::-1],
            ),
            Mistake(
                "dkernels from one example",
                "your dkernels is the gradient of the last example only (e.g. dk = ... "
                "inside a loop over the batch); the kernels are shared by all examples, "
                "so sum their contributions",
                lambda: _conv_grads(g4[-1], x4[-1], kernels, padding, stride)[1],
            ),
            Mistake(
                "dkernels from one example",
                "your dkernels is the gradient of the first example only; the kernels are "
                "shared by all examples, so sum their contributions",
                lambda: _conv_grads(g4[0], x4[0], kernels, padding, stride)[1],
            ),
            Mistake(
                "dkernels averaged over the batch",
                f"your dkernels is divided by N = {n}; dout already carries the loss's "
                "averaging, so sum over the examples",
                lambda: grads()[1] / n,
            ),
            Mistake(
                "stride ignored",
                f"your dkernels uses windows one pixel apart; with stride {stride} output "
                f"pixel (r, c) used the window starting at (r*{stride}, c*{stride})",
                lambda: grads(step=1)[1],
            ),
            Mistake("sign flipped", sign, lambda: -grads()[1]),
        ],
        "dbias": [
            Mistake(
                "dbias from one example",
                "your dbias sums dout over the first example only; the bias is shared by "
                "all examples: sum dout over N, H' and W'",
                lambda: g4[0].sum(axis=(0, 1)),
            ),
            Mistake(
                "dbias from one example",
                "your dbias sums dout over the last example only; the bias is shared by "
                "all examples: sum dout over N, H' and W'",
                lambda: g4[-1].sum(axis=(0, 1)),
            ),
            Mistake(
                "dbias averaged",
                "your dbias is the mean of dout; every output pixel added the bias once, so "
                "dbias is the sum of dout over N, H' and W'",
                lambda: g4.mean(axis=(0, 1, 2)),
            ),
            Mistake(
                "dbias not summed over the pixels",
                "your dbias keeps the pixel axes; sum dout over all axes but the last "
                "(one number per filter)",
                lambda: dout.sum(axis=0) if dout.ndim == 4 else dout,
            ),
            Mistake("sign flipped", sign, lambda: -g4.sum(axis=(0, 1, 2))),
        ],
    }


# ------------------------------------------------------------ 4.7 max_pool2d_backward


def _pool_grad(dout, x, size, stride, how: str) -> np.ndarray:
    """max_pool2d_backward window by window, done the way ``how`` names."""
    x = np.asarray(x, dtype=np.float64)
    g = np.asarray(dout, dtype=np.float64)
    if x.ndim == 2:
        x4, g4 = x[None, :, :, None], g[None, :, :, None]
    elif x.ndim == 3:
        x4, g4 = x[None], g[None]
    else:
        x4, g4 = x, g
    ph, pw = ref._pair(size, "size", "max_pool2d_backward")
    sh, sw = (ph, pw) if stride is None else ref._pair(stride, "stride", "max_pool2d_backward")
    n, _, _, d = x4.shape
    out_h, out_w = g4.shape[1:3]
    dx = np.zeros_like(x4)
    if how == "overwrite-offset":  # the reference's offset loop with = instead of +=
        offsets = [(i, j) for i in range(ph) for j in range(pw)]
        wins = np.stack(
            [
                x4[:, i : i + sh * (out_h - 1) + 1 : sh, j : j + sw * (out_w - 1) + 1 : sw, :]
                for i, j in offsets
            ],
            axis=-1,
        )
        first = wins.argmax(axis=-1)
        for k, (i, j) in enumerate(offsets):
            rows = slice(i, i + sh * (out_h - 1) + 1, sh)
            cols = slice(j, j + sw * (out_w - 1) + 1, sw)
            dx[:, rows, cols, :] = np.where(first == k, g4, 0.0)
        return dx.reshape(x.shape)
    for r in range(out_h):
        for c in range(out_w):
            rs, cs = slice(r * sh, r * sh + ph), slice(c * sw, c * sw + pw)
            win = x4[:, rs, cs, :]  # (N, ph, pw, d)
            up = g4[:, r, c, :][:, None, None, :]
            flat = win.reshape(n, ph * pw, d)
            if how == "column-major":
                flat = win.transpose(0, 2, 1, 3).reshape(n, ph * pw, d)
            if how == "last":
                pick = ph * pw - 1 - flat[:, ::-1, :].argmax(axis=1)
            else:
                pick = flat.argmax(axis=1)
            mask = np.zeros_like(flat)
            np.put_along_axis(mask, pick[:, None, :], 1.0, axis=1)
            if how == "column-major":
                mask = mask.reshape(n, pw, ph, d).transpose(0, 2, 1, 3)
            else:
                mask = mask.reshape(n, ph, pw, d)
            if how == "all-ties":
                mask = (win == win.max(axis=(1, 2), keepdims=True)).astype(np.float64)
            if how == "spread":
                dx[:, rs, cs, :] += up
            elif how == "average":
                dx[:, rs, cs, :] += up / (ph * pw)
            elif how == "no-dout":
                dx[:, rs, cs, :] += mask
            elif how == "overwrite-window":
                dx[:, rs, cs, :] = mask * up
            elif how == "overwrite-max":
                dx[:, rs, cs, :] = np.where(mask > 0, up, dx[:, rs, cs, :])
            else:
                dx[:, rs, cs, :] += mask * up
    return dx.reshape(x.shape)


def max_pool_backward_mistakes(dout, x, size=2, stride=None) -> list[Mistake]:
    def make(how, stride=stride):
        return lambda: _pool_grad(dout, x, size, stride, how)

    ignored = []
    for step, words in ((size, "as if the stride were the window size"), (1, "one pixel apart")):
        if step != (size if stride is None else stride):
            ignored.append(
                Mistake(
                    "stride ignored",
                    f"your dx routes each window's gradient as if the windows were {words}: "
                    "window (r, c) of the forward pass starts at (r * sh, c * sw), with the "
                    "stride given",
                    make("", step),
                )
            )

    overwrite = (
        "windows overlap here, and your dx keeps only the last gradient written to a "
        "pixel that is the maximum of several windows; overlapping windows' gradients "
        "must be accumulated (+=), not overwritten (=)"
    )
    return [
        Mistake(
            "gradient spread to every element of the window",
            "your dx gives each window's gradient to every element of the window; only "
            "the window's maximum influenced the output, so only it gets the gradient",
            make("spread"),
        ),
        Mistake(
            "gradient averaged over the window",
            "your dx gives each element of the window dout / (ph * pw), the backward pass "
            "of average pooling; max pooling sends the gradient only to the maximum",
            make("average"),
        ),
        Mistake(
            "gradient given to all ties",
            "your dx gives the window's gradient to all tied maxima; it must go to the "
            "first maximum only, in row-major order (as np.argmax of the flattened window)",
            make("all-ties"),
        ),
        Mistake(
            "ties sent to the last maximum",
            "with ties your dx sends the gradient to the last maximum of the window; it "
            "must go to the first one in row-major order (smallest row, then smallest "
            "column), as np.argmax of the flattened window picks it",
            make("last"),
        ),
        Mistake(
            "ties broken in column-major order",
            "with ties your dx picks the first maximum in column-major order (down the "
            "columns); it must be the first in row-major order: smallest row, then "
            "smallest column (np.argmax of window.reshape(-1))",
            make("column-major"),
        ),
        Mistake(
            "overlapping windows overwritten instead of accumulated",
            overwrite,
            make("overwrite-offset"),
        ),
        Mistake(
            "overlapping windows overwritten instead of accumulated",
            overwrite,
            make("overwrite-window"),
        ),
        Mistake(
            "overlapping windows overwritten instead of accumulated",
            overwrite,
            make("overwrite-max"),
        ),
        *ignored,
        Mistake(
            "mask without dout",
            "your dx marks each window's maximum with 1 (how often it was the maximum); "
            "it must receive the window's upstream gradient dout[r, c] instead (chain rule)",
            make("no-dout"),
        ),
    ]


# ------------------------------------------------------------ 4.8 digit_network


def _digit(params, x, labels, how: str = "") -> tuple[float, dict[str, np.ndarray]]:
    """The digit network's loss and gradients, with the mistake ``how`` made."""
    p = {k: np.asarray(v, dtype=np.float64) for k, v in params.items()}
    x = np.asarray(x, dtype=np.float64)
    x = x.reshape(x.shape[0], -1)
    labels = np.asarray(labels, dtype=np.int64)
    n = x.shape[0]
    h_pre = x @ p["W1"] + p["b1"]
    h = h_pre if how in ("no-relu", "no-relu-forward") else np.maximum(h_pre, 0.0)
    scores_pre = h @ p["W2"] + p["b2"]
    scores = np.maximum(scores_pre, 0.0) if how == "relu-scores" else scores_pre
    if how == "softmax-twice":
        scores = _softmax_rows(scores)
    loss, probs, onehot = _sce(scores, labels, shift=how != "no-shift")
    dscores = (probs - onehot) / n
    if how == "relu-scores":
        dscores = np.where(scores_pre > 0, dscores, 0.0)
    dW2 = (h_pre if how == "dW2-from-pre" else h).T @ dscores
    db2 = dscores.sum(axis=0)
    dh = dscores @ p["W2"].T
    if how in ("no-relu-backward", "no-relu"):
        dh_pre = dh
    elif how == "mask-upstream":
        dh_pre = np.where(dh > 0, dh, 0.0)
    elif how == "times-h":
        dh_pre = np.where(h_pre > 0, dh, 0.0) * h
    else:
        dh_pre = np.where(h_pre > 0, dh, 0.0)
    grads = {"W1": x.T @ dh_pre, "b1": dh_pre.sum(axis=0), "W2": dW2, "b2": db2}
    if how in ("summed", "grads-summed"):
        return (n if how == "summed" else 1) * loss, {k: n * v for k, v in grads.items()}
    if how == "sign":
        return loss, {k: -v for k, v in grads.items()}
    if how == "db-one-row":
        grads["b1"], grads["b2"] = dh_pre[0], dscores[0]
    return loss, grads


_GRADS_SUMMED = (
    "gradients N times too large",
    "your gradients are N times the expected ones: the loss is the mean over the N "
    "examples, so its gradients are divided by N too ((softmax - onehot) / N)",
)
_NO_RELU = (
    "ReLU missing",
    "your network has no ReLU after the first dense layer; the slides' hidden layer has "
    "ReLU activation: h = relu(dense_forward(x, W1, b1)), and relu_backward on the way back",
)
_NO_SHIFT = (
    "no max shift",
    "your loss or gradients have NaN/inf for large scores: exp of a large logit overflows; "
    "subtract each row's maximum (or call softmax_cross_entropy)",
)
# how -> (the loss's mistake, or None where the loss is right; the gradients' mistake):
# each part is named by what it shows
_DIGIT = {
    "summed": (
        (
            "loss summed instead of averaged",
            "your loss is N times the expected one: the error must be averaged over the "
            "examples (divide by N)",
        ),
        _GRADS_SUMMED,
    ),
    "grads-summed": (None, _GRADS_SUMMED),
    "no-relu-backward": (
        None,
        (
            "gradient not passed through ReLU",
            "your gradients of W1 and b1 skip the ReLU: pass the hidden layer's gradient "
            "through relu_backward with the hidden pre-activation before the first dense "
            "layer's backward pass",
        ),
    ),
    "mask-upstream": (
        None,
        (
            "ReLU backward masked on the upstream gradient",
            "your gradients of W1 and b1 mask the hidden gradient where it is positive; the "
            "mask must come from the forward input of the ReLU (pre-activation > 0)",
        ),
    ),
    "dW2-from-pre": (
        None,
        (
            "dW2 from the pre-activation",
            "your grads['W2'] uses the hidden layer's input before ReLU; the second dense "
            "layer saw relu(h_pre), so dense_backward needs that as its x",
        ),
    ),
    "times-h": (
        None,
        (
            "ReLU backward multiplied by the activations",
            "your gradients of W1 and b1 multiply the hidden gradient by relu(h_pre) as well "
            "as masking it: ReLU's slope is 1 where h_pre > 0, so dh_pre = dh where h_pre > 0 "
            "and 0 elsewhere (relu_backward(dh, h_pre))",
        ),
    ),
    "relu-scores": (
        (
            "ReLU on the class scores",
            "your loss is that of relu(scores): the output layer has no ReLU, its scores go "
            "straight into softmax_cross_entropy (negative scores are fine)",
        ),
        (
            "ReLU on the class scores",
            "your gradients are those of a network with ReLU on the class scores: the "
            "output layer has no ReLU, its scores go straight into softmax_cross_entropy",
        ),
    ),
    "softmax-twice": (
        (
            "softmax applied twice",
            "your loss is the cross entropy of softmax(softmax(scores)): "
            "softmax_cross_entropy takes the raw scores and applies the softmax itself",
        ),
        (
            "softmax applied twice",
            "your gradients go through a softmax of the scores before softmax_cross_entropy, "
            "which applies the softmax itself: pass it the raw scores",
        ),
    ),
    "no-relu": (_NO_RELU, _NO_RELU),
    "no-relu-forward": (_NO_RELU, _NO_RELU),  # the forward without ReLU, its backward kept
    "sign": (
        None,
        (
            "gradient sign flipped",
            "your gradients have the wrong sign: return dL/d(params); the minus sign belongs "
            "to the gradient descent update",
        ),
    ),
    "db-one-row": (
        None,
        (
            "db from one row",
            "your bias gradients come from the first example only; sum over the batch",
        ),
    ),
    "no-shift": (_NO_SHIFT, _NO_SHIFT),
}


def _once(fn):
    """fn() computed at most once (the five checks of one call share it)."""
    cache = []

    def run():
        if not cache:
            cache.append(fn())
        return cache[0]

    return run


def digit_network_mistakes(params, x, labels) -> dict[str, list[Mistake]]:
    found: dict[str, list[Mistake]] = {k: [] for k in ("loss", *ref.PARAM_NAMES)}
    for how, (of_loss, of_grads) in _DIGIT.items():
        run = _once(quiet(lambda how=how: _digit(params, x, labels, how)))
        if of_loss:
            found["loss"].append(Mistake(*of_loss, lambda run=run: run()[0]))
        for key in ref.PARAM_NAMES:
            found[key].append(Mistake(*of_grads, lambda run=run, key=key: run()[1][key]))
    return found
