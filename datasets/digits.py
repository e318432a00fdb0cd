"""scikit-learn's bundled 8x8 handwritten digits (UCI optical digits test set), offline."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ._core import Dataset, DatasetUnavailable, check_against_datasheet, stratified_split

CSV = "sklearn/datasets/data/digits.csv.gz"
SPLIT_SEED = 20260501
VAL_FRACTION = 0.1
TEST_FRACTION = 0.2
# sha256 of the canonical split arrays (Dataset.checksum); the same as in datasheets/digits.md
SHA256 = "cc847f8428a4fc9d886a51243dc66051029c9b1e3c6e6d035e36b33c0d7c3152"


def raw_digits() -> tuple[np.ndarray, np.ndarray]:
    """``(images (1797, 8, 8), labels)`` as ``sklearn.datasets.load_digits`` gives them,
    read from the file scikit-learn ships without importing scikit-learn and SciPy."""
    from importlib.metadata import PackageNotFoundError, distribution

    try:
        path = Path(distribution("scikit-learn").locate_file(CSV))
    except PackageNotFoundError:
        raise DatasetUnavailable("digits needs scikit-learn: pip install scikit-learn") from None
    table = np.loadtxt(path, delimiter=",")
    return table[:, :-1].reshape(-1, 8, 8), table[:, -1].astype(np.int64)


def load_digits(*, cache_dir=None) -> Dataset:
    """1797 images, (N, 8, 8, 1) float32 in [0, 1]; labels int64 0..9; stratified 70/10/20.

    Reads the copy scikit-learn ships (no download, nothing written; scikit-learn is not
    imported); ``cache_dir`` is accepted for a uniform signature and unused.
    """
    images, target = raw_digits()
    x = (images.astype(np.float32) / np.float32(16.0))[..., np.newaxis]
    y = target.astype(np.int64)
    train, val, test = stratified_split(y, val=VAL_FRACTION, test=TEST_FRACTION, seed=SPLIT_SEED)
    dataset = Dataset(
        name="digits",
        x_train=x[train],
        y_train=y[train],
        x_val=x[val],
        y_val=y[val],
        x_test=x[test],
        y_test=y[test],
        num_classes=10,
        meta={"source_indices": {"train": train, "val": val, "test": test}},
    )
    return check_against_datasheet(dataset, SHA256)
