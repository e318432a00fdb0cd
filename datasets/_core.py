"""The pieces every loader shares: the Dataset record, its checksum and the seeded splits."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from typing import Any

import numpy as np

log = logging.getLogger("datasets")

SPLITS = ("train", "val", "test")


class DatasetUnavailable(RuntimeError):
    """A data set cannot be loaded offline (its file is not cached); the message says how."""


@dataclass(repr=False)
class Dataset:
    """One data set with a fixed train/validation/test split, as numpy arrays.

    Images are channels-last float32 in [0, 1]; class labels are int64. ``num_classes`` is
    ``None`` for a regression target (sunspots). ``notes`` says anything a user should
    know, such as a fallback taken; ``meta`` holds loader-specific facts (window, scaling,
    vocabulary size, ...).
    """

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    num_classes: int | None
    notes: str = ""
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def input_shape(self) -> tuple[int, ...]:
        """The shape of one example (without the batch dimension)."""
        return tuple(int(n) for n in self.x_train.shape[1:])

    @property
    def task(self) -> str:
        return "regression" if self.num_classes is None else "classification"

    @property
    def sizes(self) -> dict[str, int]:
        return {s: len(getattr(self, f"y_{s}")) for s in SPLITS}

    def split(self, which: str) -> tuple[np.ndarray, np.ndarray]:
        """``(x, y)`` of ``"train"``, ``"val"`` or ``"test"``."""
        if which not in SPLITS:
            raise ValueError(f"split must be one of {SPLITS}, not {which!r}")
        return getattr(self, f"x_{which}"), getattr(self, f"y_{which}")

    def checksum(self) -> str:
        """sha256 of the six canonical arrays (names, dtypes, shapes and bytes, in order)."""
        return arrays_sha256(
            {f"{p}_{s}": getattr(self, f"{p}_{s}") for s in SPLITS for p in ("x", "y")}
        )

    def __repr__(self) -> str:
        shapes = ", ".join(
            f"{s}={getattr(self, f'x_{s}').shape}/{getattr(self, f'y_{s}').shape}" for s in SPLITS
        )
        return (
            f"Dataset({self.name!r}, {shapes}, num_classes={self.num_classes}, "
            f"x dtype={self.x_train.dtype}, y dtype={self.y_train.dtype})"
        )


def arrays_sha256(arrays: dict[str, np.ndarray]) -> str:
    """sha256 over named arrays in the given order: name, dtype, shape, then C-order bytes."""
    digest = hashlib.sha256()
    for name, array in arrays.items():
        array = np.ascontiguousarray(array)
        digest.update(f"{name}|{array.dtype.str}|{array.shape}|".encode())
        digest.update(array.tobytes())
    return digest.hexdigest()


def file_sha256(path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _allocate(counts: np.ndarray, total: int) -> np.ndarray:
    """Split ``total`` over classes in proportion to ``counts`` (largest remainder)."""
    exact = counts * (total / counts.sum())
    taken = np.floor(exact).astype(np.int64)
    short = total - int(taken.sum())
    # ties go to the lower class index (stable sort), so the result is fully determined
    order = np.argsort(-(exact - taken), kind="stable")
    taken[order[:short]] += 1
    return np.minimum(taken, counts)


def stratified_split(
    y: np.ndarray, *, val: float | int, test: float | int, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Seeded, stratified indices ``(train, val, test)`` into ``y``.

    ``val`` and ``test`` are fractions of ``len(y)`` or absolute counts. Each class gets its
    share (largest remainder), so class proportions match across the splits; each split's
    indices are in a seeded random order.
    """
    y = np.asarray(y)
    n = len(y)
    n_val = int(round(val * n)) if isinstance(val, float) else int(val)
    n_test = int(round(test * n)) if isinstance(test, float) else int(test)
    if n_val < 0 or n_test < 0 or n_val + n_test >= n:
        raise ValueError(f"cannot take {n_val} validation and {n_test} test rows out of {n}")
    rng = np.random.default_rng(seed)
    classes, counts = np.unique(y, return_counts=True)
    per_test = _allocate(counts, n_test)
    per_val = _allocate(counts - per_test, n_val)
    parts: dict[str, list[np.ndarray]] = {s: [] for s in SPLITS}
    for c, k_test, k_val in zip(classes, per_test, per_val, strict=True):
        idx = rng.permutation(np.flatnonzero(y == c))
        parts["test"].append(idx[:k_test])
        parts["val"].append(idx[k_test : k_test + k_val])
        parts["train"].append(idx[k_test + k_val :])
    out = tuple(rng.permutation(np.concatenate(parts[s])) for s in SPLITS)
    return out  # type: ignore[return-value]


def chronological_split(
    n: int, *, val: float, test: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Indices ``(train, val, test)`` of ``n`` time-ordered rows: oldest first, newest last."""
    n_test = int(round(test * n))
    n_val = int(round(val * n))
    n_train = n - n_val - n_test
    if n_train <= 0:
        raise ValueError(f"cannot take {n_val} validation and {n_test} test rows out of {n}")
    idx = np.arange(n)
    return idx[:n_train], idx[n_train : n_train + n_val], idx[n_train + n_val :]


def check_against_datasheet(dataset: Dataset, expected: str | None) -> Dataset:
    """Record (in ``meta``) and compare the checksum with the datasheet's; warn if it differs."""
    actual = dataset.checksum()
    dataset.meta["sha256"] = actual
    if expected is not None and actual != expected:
        message = (
            f"{dataset.name}: the loaded arrays' sha256 {actual[:12]}... differs from the "
            f"datasheet's {expected[:12]}... (a different package version?); scores and "
            "thresholds calibrated on the datasheet's data may not carry over."
        )
        log.warning(message)
        dataset.notes = f"{dataset.notes} {message}".strip()
    return dataset
