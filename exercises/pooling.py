"""Topic 2: pooling, and how far back in the input one output pixel looks.

Max pooling aggregates local information: each output pixel is the largest value in a
small window of its channel, so the image gets smaller and each pixel summarises a
larger part of the input. Arrays are channels-last, as in Keras and the slides.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike

from ._validate import as_float_array, positive_int

LAYER_KINDS = ("conv", "pool")


def _pair(value, name: str, fn: str) -> tuple[int, int]:
    """An int ``v`` as ``(v, v)``, or a pair of ints, each at least 1."""
    if isinstance(value, numbers.Integral):
        v = positive_int(value, name, fn)
        return v, v
    try:
        first, second = value
    except (TypeError, ValueError):
        raise TypeError(
            f"{fn}: {name} must be a positive int or a pair of them, got {value!r}"
        ) from None
    return positive_int(first, name, fn), positive_int(second, name, fn)


def _check_layers(layers, fn: str) -> list[tuple[str, int, int]]:
    """``layers`` as a list of (kind, size, stride), kind "conv" or "pool", sizes >= 1."""
    if isinstance(layers, str) or not isinstance(layers, Sequence):
        raise TypeError(f"{fn}: layers must be a list of (kind, size, stride), got {layers!r}")
    checked = []
    for i, layer in enumerate(layers):
        try:
            kind, size, stride = layer
        except (TypeError, ValueError):
            raise ValueError(
                f"{fn}: layer {i} must be a (kind, size, stride) triple, got {layer!r}"
            ) from None
        if kind not in LAYER_KINDS:
            raise ValueError(f"{fn}: layer {i} has unknown kind {kind!r}; use 'conv' or 'pool'")
        checked.append(
            (
                kind,
                positive_int(size, f"size of layer {i}", fn),
                positive_int(stride, f"stride of layer {i}", fn),
            )
        )
    return checked


def max_pool2d(
    x: ArrayLike,
    size: int | tuple[int, int] = 2,
    stride: int | tuple[int, int] | None = None,
) -> np.ndarray:
    """Max pooling: the largest value in each ``size`` window, separately per channel.

    Windows start at every ``stride``-th row and column (by default ``stride = size``:
    windows side by side, not overlapping)::

        out[i, j] = max over a < ph, b < pw of  x[i*sh + a, j*sw + b]

    Like Keras ``MaxPooling2D`` (``padding="valid"``), windows that would run past the
    bottom or right edge are dropped: ``H' = (H - ph) // sh + 1`` (likewise ``W'``).

    Args:
        x: ``(H, W)``, ``(H, W, d)`` or ``(N, H, W, d)``; each channel (and each image of
            a batch) is pooled on its own.
        size: window ``ph x pw``, an int (square) or ``(ph, pw)``.
        stride: ``(sh, sw)`` or an int for both; ``None`` means ``size``.

    Returns:
        A new float64 array ``(H', W')``, ``(H', W', d)`` or ``(N, H', W', d)``.

    Raises:
        TypeError: if ``x`` does not hold numbers, or size/stride are not ints.
        ValueError: if ``x`` has the wrong rank, the window is larger than the image,
            or a size or stride is below 1.

    Example (the slides: the horizontal-edge output after ReLU, pooled 2x2; the last
    row and column do not fill a window and are dropped):
        >>> relu_edges = np.array(
        ...     [
        ...         [0, 1, 3, 1, 0],
        ...         [1, 1, 1, 3, 3],
        ...         [0, 0, 0, 0, 0],
        ...         [1, 1, 1, 3, 3],
        ...         [0, 1, 3, 1, 0],
        ...     ]
        ... )
        >>> print(max_pool2d(relu_edges))
        [[1. 3.]
         [1. 3.]]
    """
    fn = "max_pool2d"
    x = as_float_array(x, "x", fn, ndim=(2, 3, 4), layout="(H, W), (H, W, d) or (N, H, W, d)")
    ph, pw = _pair(size, "size", fn)
    sh, sw = (ph, pw) if stride is None else _pair(stride, "stride", fn)
    spatial = 1 if x.ndim == 4 else 0  # first spatial axis: after N when batched
    h, w = x.shape[spatial], x.shape[spatial + 1]
    if ph > h or pw > w:
        raise ValueError(
            f"{fn}: the pooling window ({ph}, {pw}) is larger than the image ({h}, {w})"
        )
    raise NotImplementedError(
        "Exercise 2.1 (max_pool2d) is not implemented yet: replace this raise with your code"
    )


def receptive_field(layers: Sequence[tuple[str, int, int]]) -> int:
    """Side of the square input patch that one output pixel depends on (its receptive field).

    Go through the layers from the input up, keeping ``r`` (the receptive field so far,
    in input pixels) and ``jump`` (how many input pixels one step in the current layer's
    output moves), starting from ``r = 1, jump = 1``. A layer with kernel (or window)
    ``k`` and stride ``s`` does::

        r    = r + (k - 1) * jump
        jump = jump * s

    Args:
        layers: ``("conv", kernel, stride)`` or ``("pool", size, stride)`` triples, from
            the input to the output.

    Returns:
        ``r``, an int: one output pixel sees an ``r x r`` patch of the input.

    Raises:
        TypeError: if ``layers`` is not a sequence or a size/stride is not an int.
        ValueError: for an unknown layer kind, a malformed layer, or a size/stride < 1.

    Example (the slides: 3x3 conv, then 2x2 max pooling: 4x4 = 16 input pixels):
        >>> receptive_field([("conv", 3, 1), ("pool", 2, 2)])
        4

    The slides go on: "applying max pooling again results in a single pixel that captures
    info from entire input image". On the 7x7 image that pixel sees a 6x6 patch, not all
    7x7: pooling in floor mode drops the 5x5 map's last row and column, and with them the
    image's last row and column (which are zero in the slides' image anyway):
        >>> receptive_field([("conv", 3, 1), ("pool", 2, 2), ("pool", 2, 2)])
        6
    """
    layers = _check_layers(layers, "receptive_field")
    raise NotImplementedError(
        "Exercise 2.2 (receptive_field) is not implemented yet: replace this raise with your code"
    )
