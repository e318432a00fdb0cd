"""Catalogued mistakes of topic 1 (convolution): what each mistaken size rule, padding or
convolution would return for the same inputs, computed here on the trusted side, with the
words that tell the student what went wrong. Used as ``mistakes=`` of ``check_array`` /
``check_scalar`` (and of ``check_pair`` for the ``(before, after)`` pairs).

The convolutions are a small numpy re-implementation (:func:`correlate`, :func:`layer`)
that takes explicit ``((top, bottom), (left, right))`` zeros, so that a mistake such as
"the extra zero on the wrong side" can be computed exactly.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from autograder.suites.support import size_rule_mistakes
from deepgrade.feedback import Mistake
from solutions import convolution as ref

Pads = tuple[tuple[int, int], tuple[int, int]]


# ---------------------------------------------------------------- trusted helpers


def correlate(image, kernel, pads: Pads = ((0, 0), (0, 0)), stride: int = 1) -> np.ndarray:
    """The slides' convolution (no flip) of a 2-D image after explicit zero padding."""
    image = np.asarray(image, dtype=np.float64)
    kernel = np.asarray(kernel, dtype=np.float64)
    padded = np.pad(image, pads)
    windows = sliding_window_view(padded, kernel.shape)[::stride, ::stride]
    return np.einsum("ijab,ab->ij", windows, kernel)


def layer(x, kernels, bias, pads: Pads = ((0, 0), (0, 0)), stride: int = 1) -> np.ndarray:
    """A convolution layer on (H, W, d) or (N, H, W, d) with explicit zero padding."""
    x = np.asarray(x, dtype=np.float64)
    kernels = np.asarray(kernels, dtype=np.float64)
    batch = x if x.ndim == 4 else x[np.newaxis]
    padded = np.pad(batch, ((0, 0), *pads, (0, 0)))
    kh, kw, d, _ = kernels.shape
    windows = sliding_window_view(padded, (kh, kw, d), axis=(1, 2, 3))
    windows = windows[:, ::stride, ::stride, 0]  # (N, H', W', kh, kw, d)
    out = np.einsum("nijabc,abcf->nijf", windows, kernels) + np.asarray(bias, dtype=np.float64)
    return out if x.ndim == 4 else out[0]


def pads_of(padding, hw, khw, stride: int) -> Pads:
    """The correct ((top, bottom), (left, right)) for an int, "valid" or "same" padding."""
    if padding == "same":
        return tuple(ref.same_padding(n, k, stride) for n, k in zip(hw, khw, strict=True))
    p = 0 if padding == "valid" else int(padding)
    return (p, p), (p, p)


def swap_sides(pads: Pads) -> Pads:
    return tuple((after, before) for before, after in pads)


def _pair_mistake(name: str, explanation: str, before: int, after: int) -> Mistake:
    return Mistake(name, explanation, lambda: np.array([before, after], dtype=np.float64))


# ---------------------------------------------------------------- 1.1 conv_output_size


def conv_output_size_mistakes(n: int, k: int, padding: int = 0, stride: int = 1) -> list[Mistake]:
    p, s = padding, stride
    return [
        Mistake(
            "output size off by one",
            "your size is one less than the slides' rule (n - k + 2p) // s + 1: the first "
            "position of the filter counts too (the '+ 1')",
            lambda: (n - k + 2 * p) // s,
        ),
        Mistake(
            "padding counted on one side only",
            "your size uses n + p instead of n + 2p: the padding p is added on *each* side",
            lambda: (n - k + p) // s + 1,
        ),
        Mistake(
            "padding counted once, after the division",
            "your size is (n - k) // s + 1 + p: the padding widens the input on *each* side "
            "before the filter slides over it: (n - k + 2p) // s + 1",
            lambda: (n - k) // s + 1 + p,
        ),
        Mistake(
            "padding ignored",
            "your size ignores the padding: the padded input has n + 2p pixels",
            lambda: (n - k) // s + 1,
        ),
        Mistake(
            "stride ignored",
            "your size ignores the stride: with stride s only every s-th position is used, "
            "(n - k + 2p) // s + 1",
            lambda: n - k + 2 * p + 1,
        ),
        Mistake(
            "rounded instead of rounded down",
            "your size rounds (n - k + 2p) / s up (ceil, or round to the nearest); a position "
            "whose filter would run past the padded input is dropped, so the division rounds "
            "down: (n - k + 2p) // s + 1",
            lambda: math.ceil((n - k + 2 * p) / s) + 1,
        ),
        Mistake(
            "rounded instead of rounded down",
            "your size rounds (n - k + 2p) / s to the nearest integer; a position whose filter "
            "would run past the padded input is dropped, so the division rounds down: "
            "(n - k + 2p) // s + 1",
            lambda: round((n - k + 2 * p) / s) + 1,
        ),
        Mistake(
            "padding added after dividing by the stride",
            "your size is (n - k) // s + 1 + 2p: the padding widens the input before the "
            "filter slides over it, so it goes inside: (n - k + 2p) // s + 1",
            lambda: (n - k) // s + 1 + 2 * p,
        ),
        Mistake(
            "positions divided by the stride",
            "your size is (n - k + 2p + 1) // s: divide the distance the filter can move, "
            "n - k + 2p, by the stride, then add 1 for the first position",
            lambda: (n - k + 2 * p + 1) // s,
        ),
    ]


# ---------------------------------------------------------------- 1.2 same_padding


def same_padding_mistakes(n: int, k: int, stride: int = 1) -> list[Mistake]:
    out = -(-n // stride)
    total = max((out - 1) * stride + k - n, 0)
    before = total // 2
    mistakes = [
        _pair_mistake(
            "extra zero on the wrong side",
            "your (before, after) are swapped: when the total number of zeros is odd (e.g. an "
            "even kernel with stride 1), the extra zero goes *after* the image (bottom/right), "
            "as in TensorFlow/Keras",
            total - before,
            before,
        ),
        _pair_mistake(
            "stride ignored",
            "your padding is the stride-1 padding (k - 1 zeros in total); with stride s the "
            "output is ceil(n / s) and the total is max((ceil(n / s) - 1) * s + k - n, 0)",
            (k - 1) // 2,
            k - 1 - (k - 1) // 2,
        ),
        _pair_mistake(
            "the same padding on both sides",
            "your padding puts (k - 1) // 2 zeros on each side, which is too few for an even "
            "kernel; compute the total first, then split it (extra zero after)",
            (k - 1) // 2,
            (k - 1) // 2,
        ),
        _pair_mistake(
            "k // 2 on both sides",
            "your padding puts k // 2 zeros on each side, which is one too many for an even "
            "kernel; compute the total first, then split it (extra zero after)",
            k // 2,
            k // 2,
        ),
    ]
    mistakes.append(
        _pair_mistake(
            "extra zero dropped",
            "your padding puts total // 2 zeros on each side, dropping one zero when the total "
            "is odd; put the extra one after: (total // 2, total - total // 2)",
            before,
            before,
        )
    )
    raw = (out - 1) * stride + k - n
    if raw < 0:
        mistakes.append(
            _pair_mistake(
                "negative padding",
                "your total is negative: when the stride is larger than the kernel no zeros are "
                "needed, so the total is max(..., 0)",
                raw // 2,
                raw - raw // 2,
            )
        )
    mistakes.append(
        _pair_mistake(
            "the total k - s",
            "your total number of zeros is k - s, which is right only when n is a multiple of "
            "s; the total is max((ceil(n / s) - 1) * s + k - n, 0)",
            max(k - stride, 0) // 2,
            max(k - stride, 0) - max(k - stride, 0) // 2,
        )
    )
    floor_out = max(n // stride, 1)
    floor_total = max((floor_out - 1) * stride + k - n, 0)
    mistakes.append(
        _pair_mistake(
            "output size n // s",
            "your padding aims at an output of n // s; 'same' gives ceil(n / s) outputs",
            floor_total // 2,
            floor_total - floor_total // 2,
        )
    )
    return mistakes


# ---------------------------------------------------------------- 1.3 zero_pad


def _spatial(ndim: int) -> int:
    return 1 if ndim == 4 else 0


def _pad_axes(x: np.ndarray, first: int, pads: Pads) -> np.ndarray:
    widths = [(0, 0)] * x.ndim
    widths[first], widths[first + 1] = pads
    return np.pad(x, widths)


def _as_pads(padding) -> Pads:
    if isinstance(padding, int | np.integer):
        return (int(padding), int(padding)), (int(padding), int(padding))
    (top, bottom), (left, right) = padding
    return (int(top), int(bottom)), (int(left), int(right))


def zero_pad_mistakes(x, padding) -> list[Mistake]:
    x = np.asarray(x, dtype=np.float64)
    pads = _as_pads(padding)
    spatial = _spatial(x.ndim)
    mistakes = []
    if isinstance(padding, int | np.integer) and x.ndim > 2:
        mistakes.append(
            Mistake(
                "every axis padded",
                "your output has zeros added along every axis, also the batch axis N and/or "
                "the channel axis d (np.pad(x, p) pads all axes); only height and width are "
                "padded: give np.pad (0, 0) for N and d",
                lambda: np.pad(x, int(padding)),
            )
        )
    for first in range(x.ndim - 1):
        if first != spatial:
            axes = f"axes {first} and {first + 1}"
            mistakes.append(
                Mistake(
                    "padding on the wrong axes",
                    f"your output has the zeros on {axes} of x; x is channels-last, "
                    "(H, W), (H, W, d) or (N, H, W, d): pad the height and width axes only "
                    "(a 3-D x is (H, W, d), a 4-D x is (N, H, W, d))",
                    lambda first=first: _pad_axes(x, first, pads),
                )
            )
    mistakes += [
        Mistake(
            "height and width padding swapped",
            "your output has (left, right) zeros on the rows and (top, bottom) on the columns; "
            "padding is ((top, bottom), (left, right)): the first pair is for the height",
            lambda: _pad_axes(x, spatial, (pads[1], pads[0])),
        ),
        Mistake(
            "padding pairs mixed up",
            "your output uses (top, left) for the rows and (bottom, right) for the columns; "
            "padding is ((top, bottom), (left, right)): the first pair is for the height",
            lambda: _pad_axes(x, spatial, ((pads[0][0], pads[1][0]), (pads[0][1], pads[1][1]))),
        ),
        Mistake(
            "bottom and right zeros missing",
            "your output has the top zeros at the bottom too and the left zeros at the "
            "right, ((top, top), (left, left)); padding is ((top, bottom), (left, right))",
            lambda: _pad_axes(x, spatial, ((pads[0][0],) * 2, (pads[1][0],) * 2)),
        ),
        Mistake(
            "before and after swapped",
            "your output has the 'top' zeros at the bottom and the 'left' zeros at the right; "
            "padding is ((top, bottom), (left, right))",
            lambda: _pad_axes(x, spatial, swap_sides(pads)),
        ),
    ]
    return mistakes


# ---------------------------------------------------------------- 1.4 conv2d


FLIPPED = (
    "your output is the convolution with the kernel flipped (true convolution); the slides' "
    "convolution does not flip it: out[i, j] = sum of padded[i*s + a, j*s + b] * kernel[a, b]"
)
WRONG_SIDE = (
    'your output has the "same" padding on the wrong side: with an even kernel the extra '
    "zero row/column goes at the bottom/right (as in Keras), not at the top/left"
)
STRIDE_WINDOW = (
    "your output has the right size, but the window of output (i, j) starts at (i, j) "
    "instead of (i*s, j*s): the stride must move the window over the input too"
)
STRIDE_IGNORED = (
    "your output is the stride-1 convolution: the stride was ignored; with stride s only "
    "every s-th position is kept, (H - kh + 2p) // s + 1 rows"
)
OFF_BY_ONE = (
    "your output is one row and one column short (output size off by one): it has "
    "(H - kh + 2p) // s rows instead of (H - kh + 2p) // s + 1; the last position of the "
    "filter counts too"
)
TRANSPOSED = (
    "your output is the convolution with the kernel's height and width swapped (the kernel "
    "transposed): kernels are (kh, kw) = (rows, columns); kernel[a, b] multiplies "
    "padded[i*s + a, j*s + b]"
)
NO_PADDING = "your output ignores the padding: the image must first be padded with zeros"
LAST_ROW = (
    "your output's last row and last column are 0: the loops stop one step early "
    "(range(out_h - 1)); output (i, j) runs over range(out_h) and range(out_w)"
)


def _last_zeroed(out: np.ndarray, first_spatial: int) -> np.ndarray:
    zeroed = np.array(out)
    for axis in (first_spatial, first_spatial + 1):
        cut = [slice(None)] * zeroed.ndim
        cut[axis] = -1
        zeroed[tuple(cut)] = 0.0
    return zeroed


def _windows_dot(image, kernel, pads: Pads, stride: int) -> np.ndarray:
    """Each output the sum of window @ kernel (a matrix product): square kernels only."""
    if kernel.shape[0] != kernel.shape[1]:
        raise ValueError("window @ kernel would not run")
    padded = np.pad(image, pads)
    windows = sliding_window_view(padded, kernel.shape)[::stride, ::stride]
    return (windows @ kernel).sum(axis=(-2, -1))


def _without_padding(pads: Pads, right, channels: int = 0) -> list[Mistake]:
    """The output sized as if there were no padding: its top-left part (``channels``: the
    number of axes after height and width)."""
    if pads == ((0, 0), (0, 0)):
        return []

    def output():
        good = right()
        small = right(pads=((0, 0), (0, 0)))
        h, w = small.shape[good.ndim - 2 - channels : good.ndim - channels]
        return good[(Ellipsis, slice(h), slice(w)) + (slice(None),) * channels]

    words = (
        "your output is sized without the padding ((H - kh) // s + 1 rows), so its last rows "
        "and columns are missing: the padded image has H + top + bottom rows"
    )
    return [Mistake("output size without the padding", words, output)]


def _same_variants(padding, hw, khw, stride, compute, prefix=""):
    """Mistakes of "same" padding: the extra zero on the wrong side, symmetric guesses."""
    if padding != "same":
        return []
    pads = pads_of(padding, hw, khw, stride)
    out = []
    if swap_sides(pads) != pads:
        out.append(
            Mistake(
                prefix + "same padding on the wrong side",
                WRONG_SIDE,
                lambda: compute(swap_sides(pads), stride),
            )
        )
    for name, half in (("(k - 1) // 2", lambda k: (k - 1) // 2), ("k // 2", lambda k: k // 2)):
        sym = tuple((half(k), half(k)) for k in khw)
        if sym != pads:
            out.append(
                Mistake(
                    prefix + "same padding split evenly",
                    f'your output has {name} zeros on each side for "same" padding; Keras '
                    "computes the total number of zeros, max((ceil(n / s) - 1) * s + k - n, 0), "
                    "and puts the extra one (when the total is odd) at the bottom/right",
                    lambda sym=sym: compute(sym, stride),
                )
            )
    return out


def _ignored(stride: int, pads: Pads, right, window_no_stride, channels: int = 0):
    """The stride ignored (when > 1) and the padding ignored (when there are zeros);
    ``right(pads=..., stride=...)`` computes the convolution (``channels``: the number of
    axes after height and width)."""
    mistakes = []
    if stride > 1:

        def one_axis(strided: int):
            def output():
                good, dense = right(), right(stride=1)
                h_axis = good.ndim - 2 - channels
                index = [slice(None)] * good.ndim
                for axis in (h_axis, h_axis + 1):
                    step = stride if axis == h_axis + strided else 1
                    index[axis] = slice(0, step * good.shape[axis], step)
                return dense[tuple(index)]

            return output

        mistakes += [
            Mistake("stride ignored on the input window", STRIDE_WINDOW, window_no_stride),
            Mistake("stride ignored", STRIDE_IGNORED, lambda: right(stride=1)),
            *(
                Mistake(
                    "stride ignored on the input window",
                    f"your output has the right size, but the stride moves the window along "
                    f"the {which} only: window (i, j) starts at (i*s, j*s), both multiplied",
                    one_axis(strided),
                )
                for strided, which in ((0, "rows"), (1, "columns"))
            ),
        ]
    if pads != ((0, 0), (0, 0)):
        mistakes.append(
            Mistake("padding ignored", NO_PADDING, lambda: right(pads=((0, 0), (0, 0))))
        )
    return mistakes


def conv2d_mistakes(image, kernel, padding=0, stride: int = 1) -> list[Mistake]:
    image = np.asarray(image, dtype=np.float64)
    kernel = np.asarray(kernel, dtype=np.float64)
    pads = pads_of(padding, image.shape, kernel.shape, stride)

    def right(pads=pads, stride=stride):
        return correlate(image, kernel, pads, stride)

    def window_no_stride():
        good = right()
        return correlate(image, kernel, pads, 1)[: good.shape[0], : good.shape[1]]

    mistakes = [
        Mistake(
            "flipped kernel", FLIPPED, lambda: correlate(image, kernel[::-1, ::-1], pads, stride)
        ),
        *_same_variants(padding, image.shape, kernel.shape, stride, right),
        Mistake(
            "kernel height and width swapped",
            TRANSPOSED,
            lambda: correlate(image, kernel.T, pads, stride),
        ),
        Mistake(
            "kernel height and width swapped",
            TRANSPOSED,
            lambda: correlate(
                image, kernel.T, pads_of(padding, image.shape, kernel.T.shape, stride), stride
            ),
        ),
        Mistake("output size off by one", OFF_BY_ONE, lambda: right()[:-1, :-1]),
        Mistake("last row and column left at 0", LAST_ROW, lambda: _last_zeroed(right(), 0)),
        Mistake(
            "matrix product instead of elementwise",
            "each of your outputs is np.sum(np.dot(window, kernel)), a matrix product; "
            "the convolution multiplies the window and the kernel elementwise and sums: "
            "np.sum(window * kernel)",
            lambda: _windows_dot(image, kernel, pads, stride),
        ),
        *_without_padding(pads, right),
    ]
    mistakes += _ignored(stride, pads, right, window_no_stride)
    return mistakes + size_rule_mistakes(
        right, (0, 1), image.shape, kernel.shape, tuple(map(sum, pads)), (stride, stride)
    )


# ---------------------------------------------------------------- 1.5 conv_layer


def _bias_on(base: np.ndarray, bias: np.ndarray, index) -> np.ndarray:
    shifted = base + bias[index]
    if shifted.shape != base.shape:
        raise ValueError("not this mistake")
    return shifted


def conv_layer_mistakes(x, kernels, bias, padding="valid", stride: int = 1) -> list[Mistake]:
    x = np.asarray(x, dtype=np.float64)
    kernels = np.asarray(kernels, dtype=np.float64)
    bias = np.asarray(bias, dtype=np.float64)
    hw = x.shape[-3:-1]
    pads = pads_of(padding, hw, kernels.shape[:2], stride)
    zero = np.zeros_like(bias)

    def right(pads=pads, stride=stride, x=x, kernels=kernels, bias=bias):
        return layer(x, kernels, bias, pads, stride)

    def layout(axes, same_shape=True):
        def out():
            new = kernels.transpose(axes)
            if same_shape and new.shape != kernels.shape:
                raise ValueError("this confusion would not run on these shapes")
            return right(kernels=new)

        return out

    def window_no_stride():
        good = right()
        return right(stride=1)[..., : good.shape[-3], : good.shape[-2], :]

    def one_channel(c):
        sl = slice(c, c + 1) if c >= 0 else slice(c, None)
        return lambda: right(x=x[..., sl], kernels=kernels[:, :, sl])

    layout_words = (
        "the kernels are (kh, kw, d, k) (Keras/TensorFlow layout): filter f is "
        "kernels[:, :, :, f] and kernels[a, b, c, f] multiplies channel c at offset (a, b)"
    )
    mistakes = [
        Mistake(
            "bias missing",
            "your output is the layer without its bias: add bias[f] to "
            "every pixel of output channel f",
            lambda: right(bias=zero),
        ),
    ]
    for axis_name, index in (
        ("rows (the height axis)", (slice(None), None, None)),
        ("columns (the width axis)", (slice(None), None)),
        ("images of the batch (axis 0)", (slice(None), None, None, None)),
    ):
        mistakes.append(
            Mistake(
                "bias on the wrong axis",
                f"your output adds the bias along the {axis_name} instead of the filters: "
                "bias[f] belongs to output channel f, the last axis (channels-last): "
                "out[..., f] += bias[f]",
                lambda index=index: _bias_on(right(bias=zero), bias, index),
            )
        )
    mistakes += [
        Mistake("flipped kernel", FLIPPED, lambda: right(kernels=kernels[::-1, ::-1])),
        Mistake(
            "only one input channel summed",
            "your output uses only the first input channel: each filter's dot product runs "
            "over rows, columns *and* all d channels (sum over c of padded[..., c] * "
            "kernels[a, b, c, f])",
            one_channel(0),
        ),
        Mistake(
            "only one input channel summed",
            "your output uses only the last input channel (a loop over channels that "
            "overwrites instead of adding?): each filter's dot product runs over rows, "
            "columns *and* all d channels",
            one_channel(-1),
        ),
        Mistake(
            "kernel layout confused",
            f"your output reads the kernels as (k, d, kh, kw) (PyTorch layout); {layout_words}",
            layout((2, 3, 1, 0)),
        ),
        Mistake(
            "kernel layout confused",
            f"your output reads the kernels as (d, k, kh, kw); {layout_words}",
            layout((2, 3, 0, 1)),
        ),
        Mistake(
            "kernel layout confused",
            f"your output reads the kernels as (kh, kw, k, d): input channels and filters "
            f"swapped; {layout_words}",
            layout((0, 1, 3, 2)),
        ),
        Mistake("kernel height and width swapped", TRANSPOSED, layout((1, 0, 2, 3), False)),
        *_same_variants(
            padding, hw, kernels.shape[:2], stride, lambda p, s: right(pads=p, stride=s)
        ),
        Mistake("output size off by one", OFF_BY_ONE, lambda: right()[..., :-1, :-1, :]),
        Mistake(
            "last row and column left at 0",
            LAST_ROW,
            lambda: _last_zeroed(right(), x.ndim - 3),
        ),
        Mistake(
            "bias added kh * kw times",
            f"your output adds the bias kh * kw = {kernels.shape[0] * kernels.shape[1]} times "
            "(inside the loop over kernel offsets): add bias[f] once per output pixel, after "
            "the sums",
            lambda: right() + (kernels.shape[0] * kernels.shape[1] - 1) * bias,
        ),
        Mistake(
            "first bias for every filter",
            "your output adds bias[0] to every output channel: filter f gets its own bias, "
            "bias[f], on the last axis (out[..., f] += bias[f], or out + bias)",
            lambda: right(bias=np.full_like(bias, bias[0])),
        ),
        Mistake(
            "ReLU applied",
            "your output is relu(conv_layer(...)): this layer has no activation (the slides "
            "apply ReLU as a layer of its own, after it); return the convolution plus bias",
            lambda: np.maximum(right(), 0.0),
        ),
        Mistake(
            "first filter for every output channel",
            "every channel of your output uses the first filter kernels[:, :, :, 0] (plus its "
            "own bias): output channel f uses filter kernels[:, :, :, f]",
            lambda: right(kernels=np.repeat(kernels[..., :1], kernels.shape[3], axis=3)),
        ),
        Mistake(
            "average instead of sum",
            "your output is the average over each window (divided by kh * kw * d) instead of "
            "the sum: out = bias[f] + the sum over a, b, c of padded * kernels",
            lambda: right(bias=zero) / np.prod(kernels.shape[:3]) + bias,
        ),
        *_without_padding(pads, right, channels=1),
    ]
    mistakes += _ignored(stride, pads, right, window_no_stride, channels=1)
    mistakes += size_rule_mistakes(
        right,
        (x.ndim - 3, x.ndim - 2),
        hw,
        kernels.shape[:2],
        tuple(map(sum, pads)),
        (stride, stride),
        channels=x.shape[-1],
    )
    if x.ndim == 4 and x.shape[0] > 1:
        mistakes.append(
            Mistake(
                "only the first image of the batch",
                "your output is the layer applied to the first image of the batch only; a 4-D "
                "x is a batch (N, H, W, d): every image gets the layer, the output is "
                "(N, H', W', k)",
                lambda: right(x=x[0]),
            )
        )
    return mistakes
