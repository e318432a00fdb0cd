"""Catalogued mistakes of topic 2 (pooling): what a mistaken max pooling or receptive-field
computation would return for the same inputs, computed here on the trusted side, with the
words that tell the student what went wrong. Used as ``mistakes=`` of ``check_array`` and
``check_scalar``.
"""

from __future__ import annotations

import numpy as np

from autograder.suites.support import size_rule_mistakes
from deepgrade.feedback import Mistake


def pair(value) -> tuple[int, int]:
    if isinstance(value, int | np.integer):
        return int(value), int(value)
    first, second = value
    return int(first), int(second)


def as_batch(x: np.ndarray) -> np.ndarray:
    """x as (N, H, W, d)."""
    return {2: x[np.newaxis, :, :, np.newaxis], 3: x[np.newaxis], 4: x}[x.ndim]


def from_batch(out: np.ndarray, ndim: int) -> np.ndarray:
    return {2: out[0, :, :, 0], 3: out[0], 4: out}[ndim]


def pool(x, size, stride=None, *, reduce=np.max, partial: bool = False,
         window=None) -> np.ndarray:  # fmt: skip
    """Pooling of (H, W), (H, W, d) or (N, H, W, d), window by window; ``partial`` keeps
    windows that run past the bottom/right edge (ceil mode); ``window`` (rows, columns):
    windows of another size than the one the output size is computed from, sliced as
    numpy slices them (cut short at the edge)."""
    x = np.asarray(x, dtype=np.float64)
    (ph, pw) = pair(size)
    (sh, sw) = (ph, pw) if stride is None else pair(stride)
    rows, cols = (ph, pw) if window is None else window
    b = as_batch(x)
    h, w = b.shape[1:3]
    if partial:
        out_h, out_w = -(-(h - ph) // sh) + 1, -(-(w - pw) // sw) + 1
    else:
        out_h, out_w = (h - ph) // sh + 1, (w - pw) // sw + 1
    if out_h < 1 or out_w < 1:
        raise ValueError("window larger than the image")
    out = np.empty((b.shape[0], out_h, out_w, b.shape[3]))
    for i in range(out_h):
        for j in range(out_w):
            part = b[:, i * sh : i * sh + rows, j * sw : j * sw + cols]
            out[:, i, j] = reduce(part, axis=(1, 2))
    return from_batch(out, x.ndim)


# ---------------------------------------------------------------- 2.1 max_pool2d

STRIDE_IS_SIZE = (
    "your output is the pooling with stride equal to the window size: the stride was "
    "ignored (or assumed to be the window); windows start every `stride` pixels, so they "
    "overlap when the stride is smaller than the window"
)


def max_pool2d_mistakes(x, size=2, stride=None) -> list[Mistake]:
    x = np.asarray(x, dtype=np.float64)
    ph, pw = pair(size)
    sh, sw = (ph, pw) if stride is None else pair(stride)

    def right(**kw):
        return pool(x, (ph, pw), (sh, sw), **kw)

    def across_channels(keep: bool, images: bool = False):
        def out():
            if x.ndim < 3 or x.shape[-1] < 2:
                raise ValueError("no channels to mix")
            axes = (0, -1) if images and x.ndim == 4 else -1
            pooled = right().max(axis=axes, keepdims=True)
            return np.broadcast_to(pooled, right().shape) if keep else pooled[..., 0]

        return out

    def whole_image():
        b = as_batch(x)
        top = np.broadcast_to(b.max(axis=(1, 2), keepdims=True), as_batch(right()).shape)
        return from_batch(top, x.ndim)

    def window_no_stride():
        good = right()
        b = as_batch(pool(x, (ph, pw), 1))[:, : as_batch(good).shape[1], : as_batch(good).shape[2]]
        return from_batch(b, x.ndim)

    mistakes = []
    if (sh, sw) != (ph, pw):
        mistakes.append(
            Mistake("stride assumed equal to the window", STRIDE_IS_SIZE, lambda: pool(x, (ph, pw)))
        )
    mistakes += [
        Mistake(
            "max taken across channels",
            "your output takes the maximum across the channels too (every channel gets the "
            "same value): each channel is pooled on its own, the maximum runs over the "
            "window's rows and columns only",
            across_channels(True),
        ),
        Mistake(
            "max taken across channels",
            "your output takes the maximum across the channels too (and drops the channel "
            "axis): each channel is pooled on its own, so the output keeps d channels",
            across_channels(False),
        ),
        Mistake(
            "max taken across channels",
            "your output takes the maximum across the channels and the images of the batch "
            "too (window.max() of the whole (N, ph, pw, d) window): each image and channel "
            "is pooled on its own, over the window's rows and columns only",
            across_channels(True, images=True),
        ),
        Mistake(
            "max over the whole image",
            "every value of your output is the maximum of its whole channel: each output "
            "pixel is the maximum of its own window only, x[i*sh : i*sh + ph, j*sw : "
            "j*sw + pw] (the window slice is missing)",
            whole_image,
        ),
        Mistake(
            "maximum started from 0",
            "your output is never below 0: the running maximum started from 0 (np.zeros) "
            "instead of from the window's values; the maximum of negative numbers is negative",
            lambda: np.maximum(right(), 0.0),
        ),
        Mistake(
            "average instead of max",
            "your output is the average of each window; max pooling keeps the largest value",
            lambda: right(reduce=np.mean),
        ),
        Mistake(
            "output size off by one",
            "your output is one row and one column short: it has (H - ph) // sh rows instead "
            "of (H - ph) // sh + 1; the first window counts too",
            lambda: from_batch(as_batch(right())[:, :-1, :-1], x.ndim),
        ),
        Mistake(
            "windows past the edge kept",
            "your output keeps windows that run past the bottom/right edge; like Keras "
            'MaxPooling2D(padding="valid"), those windows are dropped: H\' = (H - ph) // sh + 1',
            lambda: right(partial=True),
        ),
    ]
    if (ph, pw) != (pw, ph) or (sh, sw) != (sw, sh):
        words = (
            "your output pools with the window's height and width swapped: size and stride "
            "are (rows, columns), the first number is for the height axis"
        )
        mistakes += [
            Mistake("height and width swapped", words, lambda: pool(x, (pw, ph), (sw, sh))),
            Mistake("height and width swapped", words, lambda: pool(x, (pw, ph), (sh, sw))),
            Mistake("height and width swapped", words, lambda: pool(x, (ph, pw), (sw, sh))),
        ]
    for rows, cols in {(pw, pw), (ph, ph)} - {(ph, pw)}:
        for sized in (True, False):  # the output sized by the wrong window, or by the right one
            mistakes.append(
                Mistake(
                    "window size confused",
                    f"your output pools windows of {rows} x {cols} instead of {ph} x {pw}: "
                    "size is (ph, pw) = (rows, columns); the window covers ph rows and pw "
                    "columns",
                    lambda rows=rows, cols=cols, sized=sized: (
                        pool(x, (rows, cols), (sh, sw))
                        if sized
                        else pool(x, (ph, pw), (sh, sw), window=(rows, cols))
                    ),
                )
            )
    if (sh, sw) != (1, 1):
        mistakes.append(
            Mistake(
                "stride ignored on the input window",
                "your output has the right size, but window (i, j) starts at (i, j) instead "
                "of (i*sh, j*sw): the stride must move the window over the input",
                window_no_stride,
            )
        )
    axes = {2: (0, 1), 3: (0, 1), 4: (1, 2)}[x.ndim]
    hw = (x.shape[axes[0]], x.shape[axes[1]])
    channels = x.shape[-1] if x.ndim >= 3 else None
    return mistakes + size_rule_mistakes(
        right, axes, hw, (ph, pw), (0, 0), (sh, sw), window="window", channels=channels
    )


# ---------------------------------------------------------------- 2.2 receptive_field


def receptive_field_mistakes(layers) -> list[Mistake]:
    layers = [(kind, int(k), int(s)) for kind, k, s in layers]

    def run(order_swapped=False, skip=None, ignore_stride_of=None, reverse=False, grow=1,
            start=1, own_stride=False, add_strides=None):  # fmt: skip
        r, jump = start, 1
        for kind, k, s in reversed(layers) if reverse else layers:
            if own_stride:
                r += (k - 1) * s
                continue
            if add_strides is not None:
                r += (k - 1) * jump
                jump += s - add_strides
                continue
            if kind == skip:
                continue
            if ignore_stride_of == kind:
                s = 1
            if order_swapped:
                jump *= s
                r += (k - 1) * jump
            else:
                r += (k - grow) * jump
                jump *= s
        return r

    return [
        Mistake(
            "jump never updated",
            "your receptive field adds k - 1 per layer as if every stride were 1: after a "
            "layer with stride s one step in its output moves s times as far in the input, so "
            "keep jump *= s and add (k - 1) * jump",
            lambda: 1 + sum(k - 1 for _, k, _ in layers),
        ),
        Mistake(
            "jump updated too early",
            "your receptive field multiplies the jump by a layer's stride before adding that "
            "layer's (k - 1) * jump; a layer's own stride only affects the layers after it",
            lambda: run(order_swapped=True),
        ),
        Mistake(
            "pooling layers skipped",
            "your receptive field ignores the pooling layers; a pooling window widens the "
            "receptive field like a kernel does",
            lambda: run(skip="pool"),
        ),
        Mistake(
            "strides of conv layers ignored",
            "your receptive field ignores the stride of the conv layers; every layer's stride "
            "multiplies the jump",
            lambda: run(ignore_stride_of="conv"),
        ),
        Mistake(
            "(k - 1) * s instead of (k - 1) * jump",
            "your receptive field adds (k - 1) times each layer's own stride; it adds (k - 1) "
            "times the jump, the product of the strides of the layers *before* it",
            lambda: run(own_stride=True),
        ),
        *(
            Mistake(
                "strides added instead of multiplied",
                "your receptive field's jump grows by adding the strides; the jump is their "
                "product: jump *= s after each layer",
                lambda less=less: run(add_strides=less),
            )
            for less in (0, 1)
        ),
        Mistake(
            "layers taken in reverse order",
            "your receptive field walks the layers from the last to the first; start at the "
            "input: each layer's stride only multiplies the jump of the layers after it",
            lambda: run(reverse=True),
        ),
        Mistake(
            "k instead of k - 1",
            "your receptive field adds k * jump per layer; a window of k pixels adds k - 1 "
            "new pixels to what one pixel of its output sees: r += (k - 1) * jump",
            lambda: run(grow=0),
        ),
        Mistake(
            "started from 0",
            "your receptive field starts from 0; one pixel sees itself, so start from r = 1 "
            "(then r += (k - 1) * jump per layer)",
            lambda: run(start=0),
        ),
        Mistake(
            "kernel sizes multiplied",
            "your receptive field multiplies the kernel sizes; it grows by (k - 1) * jump per "
            "layer",
            lambda: int(np.prod([k for _, k, _ in layers])) if layers else 1,
        ),
        Mistake(
            "kernel sizes added",
            "your receptive field adds the kernel sizes; each layer adds (k - 1) * jump to it",
            lambda: sum(k for _, k, _ in layers) if layers else 1,
        ),
    ]
