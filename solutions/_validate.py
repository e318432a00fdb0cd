"""Input checks shared by every exercise (provided: you do not need to change this file).

Each check raises a ``ValueError`` or ``TypeError`` whose message starts with the
function's name and says what was wrong, so a bad call fails loudly instead of giving a
silently wrong answer. Arrays come back as float64 *without* copying when they already
are float64: your code must still never modify its inputs in place.
"""

from __future__ import annotations

import numbers

import numpy as np

# The exercises' "any rank" ends here (numpy itself allows up to 64 axes).
_OPEN_ENDED_RANK = 32


def _ranks_wanted(ranks: tuple[int, ...], got: int) -> str:
    """The accepted ranks in words, consecutive ones collapsed: "2-D to 4-D", "at least 1-D"."""
    runs: list[list[int]] = []
    for r in sorted(set(ranks)):
        if runs and r == runs[-1][1] + 1:
            runs[-1][1] = r
        else:
            runs.append([r, r])
    words = []
    for low, high in runs:
        if low == high:
            words.append(f"{low}-D")
        elif high == low + 1:
            words.append(f"{low}-D or {high}-D")
        elif high >= _OPEN_ENDED_RANK and got < low:
            words.append(f"at least {low}-D")
        elif low == 0:
            words.append(f"at most {high}-D")
        else:
            words.append(f"{low}-D to {high}-D")
    return " or ".join(words)


def as_float_array(
    x, name: str, fn: str, *, ndim: int | tuple[int, ...], layout: str
) -> np.ndarray:
    """``x`` as a float64 array of one of the ranks in ``ndim``.

    ``layout`` describes the expected axes for the error message, e.g. "(H, W) or (N, H, W, d)".
    """
    ranks = (ndim,) if isinstance(ndim, int) else tuple(ndim)
    if isinstance(x, np.ndarray):
        arr = x
    else:
        try:
            arr = np.asarray(x)
        except (TypeError, ValueError) as err:
            raise TypeError(
                f"{fn}: {name} must be an array {layout}; could not convert it: {err}"
            ) from None
    if arr.dtype == object or not (
        np.issubdtype(arr.dtype, np.number) or np.issubdtype(arr.dtype, np.bool_)
    ):
        raise TypeError(f"{fn}: {name} must hold numbers, got dtype {arr.dtype}")
    if np.issubdtype(arr.dtype, np.complexfloating):
        raise TypeError(f"{fn}: {name} must be real, got dtype {arr.dtype}")
    if arr.ndim not in ranks:
        wanted = _ranks_wanted(ranks, arr.ndim)
        raise ValueError(f"{fn}: {name} must be {wanted} {layout}; got shape {arr.shape}")
    return np.asarray(arr, dtype=np.float64)


def positive_int(value, name: str, fn: str) -> int:
    """``value`` as an int that is at least 1."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{fn}: {name} must be a positive integer, got {value!r}")
    if value < 1:
        raise ValueError(f"{fn}: {name} must be a positive integer, got {value}")
    return int(value)


def non_negative_int(value, name: str, fn: str) -> int:
    """``value`` as an int that is at least 0."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{fn}: {name} must be a non-negative integer, got {value!r}")
    if value < 0:
        raise ValueError(f"{fn}: {name} must be a non-negative integer, got {value}")
    return int(value)


def padding_spec(padding, fn: str) -> int | str:
    """Zero padding given as a non-negative int, "valid" (no padding) or "same"."""
    if isinstance(padding, str):
        mode = padding.lower()
        if mode not in ("valid", "same"):
            raise ValueError(f'{fn}: padding must be an int, "valid" or "same", got {padding!r}')
        return mode
    return non_negative_int(padding, "padding", fn)


def class_labels(labels, n: int, num_classes: int | None, fn: str) -> np.ndarray:
    """Integer class ids, one per example, each in ``range(num_classes)``.

    ``num_classes=None`` accepts any non-negative ids (for sizing a network from them).
    """
    arr = np.asarray(labels)
    if arr.shape != (n,):
        raise ValueError(f"{fn}: labels must have shape ({n},), one per example; got {arr.shape}")
    if arr.size and not np.issubdtype(arr.dtype, np.integer):
        if not np.all(np.equal(np.mod(arr, 1), 0)):
            raise TypeError(f"{fn}: labels must be integer class ids, got dtype {arr.dtype}")
    arr = arr.astype(np.int64)
    if not arr.size:
        return arr
    if num_classes is None:
        if arr.min() < 0:
            raise ValueError(
                f"{fn}: labels must be non-negative class ids (0, 1, 2, ...); "
                f"got {arr.min()} at index {int(arr.argmin())}"
            )
    elif arr.min() < 0 or arr.max() >= num_classes:
        raise ValueError(
            f"{fn}: labels must be class ids in 0..{num_classes - 1}; "
            f"got values from {arr.min()} to {arr.max()}"
        )
    return arr
