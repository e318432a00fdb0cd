"""Topic 1: convolution, from one filter on one image to a convolution layer.

Everything here follows the slides and Keras: images are channels-last (``(H, W)``,
``(H, W, d)`` or batched ``(N, H, W, d)``), kernels are ``(kh, kw, d, k)``, and
"convolution" means sliding the filter over the image and taking the dot product at
each position, *without* flipping the filter (what mathematicians call
cross-correlation). Padding adds zeros around the image.

The slides' running example is the 7x7 image ``SLIDE_IMAGE`` and the 3x3 filters in
``FILTERS``; both are read-only so that an experiment cannot change them by accident.
"""

from __future__ import annotations

import numbers

import numpy as np
from numpy.typing import ArrayLike

from ._validate import as_float_array, non_negative_int, padding_spec, positive_int


def _read_only(values: ArrayLike) -> np.ndarray:
    """A float64 copy of ``values`` that raises if anything tries to write into it."""
    arr = np.array(values, dtype=np.float64)
    arr.flags.writeable = False
    return arr


# The slides' input image (7x7, single channel).
SLIDE_IMAGE: np.ndarray = _read_only(
    [
        [0, 0, 0, 0, 0, 0, 0],
        [0, 0, 1, 1, 1, 0, 0],
        [0, 1, 1, 1, 1, 1, 0],
        [0, 1, 1, 1, 0, 0, 0],
        [0, 1, 1, 1, 1, 1, 0],
        [0, 0, 1, 1, 1, 0, 0],
        [0, 0, 0, 0, 0, 0, 0],
    ]
)

# The slides' 3x3 filters, by name.
FILTERS: dict[str, np.ndarray] = {
    "identity": _read_only([[0, 0, 0], [0, 1, 0], [0, 0, 0]]),
    "box_blur": _read_only(np.ones((3, 3)) / 9),
    "horizontal_edge": _read_only([[-1, -1, -1], [2, 2, 2], [-1, -1, -1]]),
    "laplacian": _read_only([[0, -1, 0], [-1, 4, -1], [0, -1, 0]]),
}


def _pad_widths(padding, fn: str) -> tuple[tuple[int, int], tuple[int, int]]:
    """``padding`` as ((top, bottom), (left, right)); an int p means p zeros on every side."""
    if isinstance(padding, numbers.Integral):
        p = non_negative_int(padding, "padding", fn)
        return (p, p), (p, p)
    try:
        (top, bottom), (left, right) = padding
    except (TypeError, ValueError):
        raise TypeError(
            f"{fn}: padding must be an int or ((top, bottom), (left, right)), got {padding!r}"
        ) from None
    return (
        (non_negative_int(top, "padding", fn), non_negative_int(bottom, "padding", fn)),
        (non_negative_int(left, "padding", fn), non_negative_int(right, "padding", fn)),
    )


def _check_kernel_fits(
    fn: str, image_hw: tuple[int, ...], kernel_hw: tuple[int, ...], padding: int | str
) -> None:
    """Fail unless the (padded) image is non-empty and at least as large as the kernel."""
    if 0 in image_hw or 0 in kernel_hw:
        raise ValueError(
            f"{fn}: image and kernel must not be empty; got image {image_hw}, kernel {kernel_hw}"
        )
    if padding == "same":  # "same" always pads enough for the kernel to fit
        return
    p = 0 if padding == "valid" else padding
    if any(n + 2 * p < k for n, k in zip(image_hw, kernel_hw, strict=True)):
        raise ValueError(
            f"{fn}: the kernel {kernel_hw} is larger than the image {image_hw} "
            f"padded by {p} on each side; use a smaller kernel or more padding"
        )


def conv_output_size(n: int, k: int, padding: int = 0, stride: int = 1) -> int:
    """Size of a convolution's output along one axis: ``(n - k + 2p) // s + 1``.

    An input of size ``n``, padded with ``p`` zeros on both sides, holds
    ``n + 2p - k + 1`` positions of a size-``k`` filter; with stride ``s`` only every
    ``s``-th of them is used, starting with the first.

    Args:
        n: input size (height or width), at least 1.
        k: kernel size along the same axis, at least 1.
        padding: zeros added on *each* side, at least 0.
        stride: step between filter positions, at least 1.

    Returns:
        The output size, an int.

    Raises:
        TypeError: if an argument is not an integer.
        ValueError: if ``n``, ``k`` or ``stride`` is below 1, ``padding`` is negative,
            or the padded input ``n + 2p`` is smaller than the kernel.

    Example (the slides: a 3x3 filter on the 7x7 image gives 5x5; padding 1 keeps 7x7):
        >>> conv_output_size(7, 3)
        5
        >>> conv_output_size(7, 3, padding=1)
        7
        >>> conv_output_size(7, 3, stride=2)
        3
    """
    fn = "conv_output_size"
    n = positive_int(n, "n", fn)
    k = positive_int(k, "k", fn)
    padding = non_negative_int(padding, "padding", fn)
    stride = positive_int(stride, "stride", fn)
    if n + 2 * padding < k:
        raise ValueError(
            f"{fn}: the padded input n + 2p = {n + 2 * padding} is smaller than the kernel k = {k}"
        )
    raise NotImplementedError(
        "Exercise 1.1 (conv_output_size) is not implemented yet: replace this raise with your code"
    )


def same_padding(n: int, k: int, stride: int = 1) -> tuple[int, int]:
    """The zeros Keras/TensorFlow ``padding="same"`` adds along one axis: ``(before, after)``.

    "same" padding makes the output size ``ceil(n / s)`` (so ``n`` when the stride is 1).
    The total number of zeros needed for that is::

        total = max((ceil(n / s) - 1) * s + k - n, 0)

    split as ``before = total // 2`` and ``after = total - before``: when ``total`` is
    odd (e.g. an even kernel with stride 1) the extra zero goes *after* the image, at the
    bottom or right, as TensorFlow does.

    Args:
        n: input size along the axis, at least 1.
        k: kernel size along the axis, at least 1.
        stride: step between filter positions, at least 1.

    Returns:
        ``(before, after)``, two non-negative ints.

    Raises:
        TypeError: if an argument is not an integer.
        ValueError: if an argument is below 1.

    Example (3x3 filter on the slides' 7x7 image: one zero on each side, as on the slide):
        >>> same_padding(7, 3)
        (1, 1)
        >>> same_padding(7, 2)
        (0, 1)
        >>> same_padding(7, 3, stride=2)
        (1, 1)
    """
    fn = "same_padding"
    n = positive_int(n, "n", fn)
    k = positive_int(k, "k", fn)
    stride = positive_int(stride, "stride", fn)
    raise NotImplementedError(
        "Exercise 1.2 (same_padding) is not implemented yet: replace this raise with your code"
    )


def zero_pad(x: ArrayLike, padding: int | tuple[tuple[int, int], tuple[int, int]]) -> np.ndarray:
    """Add zeros around the two spatial axes (height and width) of an image.

    Only ``H`` and ``W`` are padded, never the batch axis ``N`` or the channels ``d``.
    A 3-D array is always ``(H, W, d)``.

    Args:
        x: ``(H, W)``, ``(H, W, d)`` or ``(N, H, W, d)``.
        padding: an int ``p`` (``p`` zeros on all four sides) or
            ``((top, bottom), (left, right))``.

    Returns:
        A new float64 array of shape ``(H + top + bottom, W + left + right)`` (with the
        same ``N`` and ``d`` as ``x``); ``x`` is not modified.

    Raises:
        TypeError: if ``padding`` is neither an int nor a pair of pairs of ints, or ``x``
            does not hold numbers.
        ValueError: if ``x`` has the wrong rank or a padding is negative.

    Example (the slides pad the 7x7 image with one zero on each side: 9x9):
        >>> padded = zero_pad(SLIDE_IMAGE, 1)
        >>> padded.shape
        (9, 9)
        >>> print(padded[:3])
        [[0. 0. 0. 0. 0. 0. 0. 0. 0.]
         [0. 0. 0. 0. 0. 0. 0. 0. 0.]
         [0. 0. 0. 1. 1. 1. 0. 0. 0.]]
        >>> zero_pad(np.ones((2, 3, 4)), ((0, 1), (2, 0))).shape
        (3, 5, 4)
    """
    fn = "zero_pad"
    x = as_float_array(x, "x", fn, ndim=(2, 3, 4), layout="(H, W), (H, W, d) or (N, H, W, d)")
    (top, bottom), (left, right) = _pad_widths(padding, fn)
    raise NotImplementedError(
        "Exercise 1.3 (zero_pad) is not implemented yet: replace this raise with your code"
    )


def conv2d(
    image: ArrayLike, kernel: ArrayLike, padding: int | str = 0, stride: int = 1
) -> np.ndarray:
    """Convolve a single-channel image with one filter (no flip), as on the slides.

    Pad the image with zeros, then slide the filter over it and take the dot product at
    each position::

        out[i, j] = sum over a < kh, b < kw of  padded[i*s + a, j*s + b] * kernel[a, b]

    The output has ``H' = (H - kh + 2p) // s + 1`` rows (and likewise ``W'`` columns).
    With ``padding="same"`` the zeros are those Keras adds (see :func:`same_padding`,
    per axis), so the output is ``ceil(H / s) x ceil(W / s)``; "valid" means no padding.

    Args:
        image: ``(H, W)``.
        kernel: ``(kh, kw)``; need not be square.
        padding: zeros on each side (an int), ``"valid"`` (= 0) or ``"same"``.
        stride: step between filter positions, the same along both axes.

    Returns:
        A new float64 array ``(H', W')``.

    Raises:
        TypeError: if an input does not hold numbers, or stride/padding is not an int.
        ValueError: if ``image`` or ``kernel`` is not 2-D or is empty, the kernel is
            larger than the padded image, stride < 1, or padding is negative or an
            unknown string.

    Example (the slides' 7x7 image with the identity filter: the 5x5 centre):
        >>> print(conv2d(SLIDE_IMAGE, FILTERS["identity"]))
        [[0. 1. 1. 1. 0.]
         [1. 1. 1. 1. 1.]
         [1. 1. 1. 0. 0.]
         [1. 1. 1. 1. 1.]
         [0. 1. 1. 1. 0.]]
        >>> print(conv2d(SLIDE_IMAGE, FILTERS["horizontal_edge"]))
        [[ 0.  1.  3.  1.  0.]
         [ 1.  1.  1.  3.  3.]
         [ 0.  0. -2. -4. -4.]
         [ 1.  1.  1.  3.  3.]
         [ 0.  1.  3.  1.  0.]]

    Padding with one zero on each side keeps the 7x7 size (and gives back the image):
        >>> same = conv2d(SLIDE_IMAGE, FILTERS["identity"], padding="same")
        >>> same.shape, bool(np.array_equal(same, SLIDE_IMAGE))
        ((7, 7), True)
    """
    fn = "conv2d"
    image = as_float_array(image, "image", fn, ndim=2, layout="(H, W)")
    kernel = as_float_array(kernel, "kernel", fn, ndim=2, layout="(kh, kw)")
    padding = padding_spec(padding, fn)
    stride = positive_int(stride, "stride", fn)
    _check_kernel_fits(fn, image.shape, kernel.shape, padding)
    raise NotImplementedError(
        "Exercise 1.4 (conv2d) is not implemented yet: replace this raise with your code"
    )


def conv_layer(
    x: ArrayLike,
    kernels: ArrayLike,
    bias: ArrayLike,
    padding: int | str = "valid",
    stride: int = 1,
) -> np.ndarray:
    """A convolution layer (no activation): ``k`` filters, each as deep as the input.

    Filter ``f`` is ``kernels[:, :, :, f]``, of shape ``(kh, kw, d)``: it covers all
    ``d`` channels at once, and the dot product runs over rows, columns *and* channels.
    Each filter gives one output image; the ``k`` images are stacked into the output
    feature map, and ``bias[f]`` is added to all of image ``f``::

        out[n, i, j, f] = bias[f] + sum over a, b, c of
                          padded[n, i*s + a, j*s + b, c] * kernels[a, b, c, f]

    With 3x3 kernels and no padding, an ``(H, W, d)`` input gives ``(H-2, W-2, k)``.
    Padding and stride work as in :func:`conv2d`.

    Args:
        x: ``(H, W, d)`` or a batch ``(N, H, W, d)``.
        kernels: ``(kh, kw, d, k)`` (Keras/TensorFlow layout); ``d`` must match ``x``.
        bias: ``(k,)``.
        padding: zeros on each side (an int), ``"valid"`` (= 0) or ``"same"``.
        stride: step between filter positions, the same along both axes.

    Returns:
        A new float64 array ``(H', W', k)``, or ``(N, H', W', k)`` for a batch.

    Raises:
        TypeError: if an input does not hold numbers, or stride/padding is not an int.
        ValueError: if a rank is wrong, the kernels' depth differs from the input's
            (e.g. a kernel deeper than the input), ``bias`` is not ``(k,)``, the kernel is
            larger than the padded image, stride < 1, or padding is invalid.

    Example (the slides' layer: box blur, horizontal edge and Laplacian on the 7x7 image):
        >>> kernels = np.stack(
        ...     [FILTERS["box_blur"], FILTERS["horizontal_edge"], FILTERS["laplacian"]], axis=-1
        ... )[:, :, np.newaxis, :]
        >>> kernels.shape
        (3, 3, 1, 3)
        >>> out = conv_layer(SLIDE_IMAGE[:, :, np.newaxis], kernels, np.zeros(3))
        >>> out.shape
        (5, 5, 3)
        >>> print(np.round(9 * out[:, :, 0]))
        [[3. 5. 6. 5. 3.]
         [5. 8. 8. 6. 3.]
         [6. 9. 8. 7. 4.]
         [5. 8. 8. 6. 3.]
         [3. 5. 6. 5. 3.]]
        >>> print(out[:, :, 1])
        [[ 0.  1.  3.  1.  0.]
         [ 1.  1.  1.  3.  3.]
         [ 0.  0. -2. -4. -4.]
         [ 1.  1.  1.  3.  3.]
         [ 0.  1.  3.  1.  0.]]
    """
    fn = "conv_layer"
    x = as_float_array(x, "x", fn, ndim=(3, 4), layout="(H, W, d) or (N, H, W, d)")
    kernels = as_float_array(kernels, "kernels", fn, ndim=4, layout="(kh, kw, d, k)")
    bias = as_float_array(bias, "bias", fn, ndim=1, layout="(k,)")
    padding = padding_spec(padding, fn)
    stride = positive_int(stride, "stride", fn)
    if kernels.shape[2] != x.shape[-1]:
        raise ValueError(
            f"{fn}: the kernels have depth {kernels.shape[2]} but x has {x.shape[-1]} channels; "
            f"kernels are (kh, kw, d, k), so d = kernels.shape[2] must be x.shape[-1] = "
            f"{x.shape[-1]}; got kernels of shape {kernels.shape}"
        )
    if bias.shape != (kernels.shape[3],):
        raise ValueError(
            f"{fn}: bias must have shape ({kernels.shape[3]},), one per filter; got {bias.shape}"
        )
    _check_kernel_fits(fn, x.shape[-3:-1], kernels.shape[:2], padding)
    raise NotImplementedError(
        "Exercise 1.5 (conv_layer) is not implemented yet: replace this raise with your code"
    )
