"""MNIST-1D, generated here with the ``mnist1d`` package's own generator, then cached.

``mnist1d.data.get_dataset`` downloads a pickle; this uses ``make_dataset`` with
``get_dataset_args()`` instead (seeded, so the same arrays every time) and keeps the result
as ``<cache>/mnist1d/mnist1d-<fingerprint>.npz``. Generating the default 5000 signals
takes about a second; later loads read the cache.
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
from pathlib import Path

import numpy as np

from ._core import Dataset, arrays_sha256, check_against_datasheet, stratified_split
from .cache import load_npz, matplotlib_config_in, resolve_cache_dir, save_npz

log = logging.getLogger("datasets")

NUM_SAMPLES = 5000  # the package's default
GENERATOR_SEED = 42  # the package's default
SPLIT_SEED = 20260503
VAL_FRACTION = 0.1
TEST_FRACTION = 0.2
# sha256 of the canonical split arrays for the defaults; the same as in datasheets/mnist1d.md
SHA256 = "bcfe0550257633a4e145b2d81b99f3afc9ea9e8fee886443bd6eeb10527f0ef1"


def generator_args(num_samples: int = NUM_SAMPLES, seed: int = GENERATOR_SEED) -> dict:
    """The package's default generator arguments, with ``num_samples`` and ``seed`` set."""
    from mnist1d.data import get_dataset_args

    args = get_dataset_args(as_dict=True)
    args.pop("url", None)  # only get_dataset's download uses it
    args.update(num_samples=int(num_samples), seed=int(seed))
    return args


def cache_path(cache_dir, num_samples: int = NUM_SAMPLES, seed: int = GENERATOR_SEED) -> Path:
    # the fingerprint is of the arguments, so it is known without importing the generator
    key = json.dumps({"num_samples": int(num_samples), "seed": int(seed), "v": 1}, sort_keys=True)
    fingerprint = hashlib.sha256(key.encode()).hexdigest()[:12]
    return resolve_cache_dir(cache_dir) / "mnist1d" / f"mnist1d-{fingerprint}.npz"


def generate(num_samples: int = NUM_SAMPLES, seed: int = GENERATOR_SEED) -> dict[str, np.ndarray]:
    """Run the package's generator: ``x`` (num_samples, 40) float32, ``y`` int64, ``t``.

    The generator seeds numpy's and Python's global random state; both are restored.
    """
    from mnist1d.data import make_dataset
    from mnist1d.utils import ObjectView

    np_state, py_state = np.random.get_state(), random.getstate()
    try:
        raw = make_dataset(ObjectView(generator_args(num_samples, seed)))
    finally:
        np.random.set_state(np_state)
        random.setstate(py_state)
    return {
        "x": np.concatenate([raw["x"], raw["x_test"]]).astype(np.float32),
        "y": np.concatenate([raw["y"], raw["y_test"]]).astype(np.int64),
        "t": np.asarray(raw["t"], dtype=np.float32),
    }


def _cached_or_generated(path: Path, num_samples: int, seed: int) -> dict[str, np.ndarray]:
    stored = load_npz(path) if path.is_file() else None
    if stored is not None:
        arrays = {k: stored[k] for k in ("x", "y", "t") if k in stored}
        if len(arrays) == 3 and str(stored.get("sha256", "")) == arrays_sha256(arrays):
            return arrays
        log.warning("mnist1d: the cached %s is damaged; generating it again", path)
    with matplotlib_config_in(path.parent.parent):  # mnist1d imports matplotlib.pyplot
        arrays = generate(num_samples, seed)
    save_npz(path, {**arrays, "sha256": np.array(arrays_sha256(arrays))})
    return arrays


def load_mnist1d(
    *, cache_dir=None, num_samples: int = NUM_SAMPLES, seed: int = GENERATOR_SEED
) -> Dataset:
    """MNIST-1D signals (N, 40, 1) float32 (standardised, not in [0, 1]); labels int64 0..9.

    All ``num_samples`` generated signals are split afresh, seeded and stratified,
    70/10/20 (3500/500/1000 by default; the paper's split is 4000/1000 without a
    validation set). ``meta["t"]`` holds the generator's 40 sample positions.
    """
    path = cache_path(cache_dir, num_samples, seed)
    arrays = _cached_or_generated(path, num_samples, seed)
    x, y = arrays["x"][..., np.newaxis], arrays["y"]
    train, val, test = stratified_split(y, val=VAL_FRACTION, test=TEST_FRACTION, seed=SPLIT_SEED)
    dataset = Dataset(
        name="mnist1d",
        x_train=x[train],
        y_train=y[train],
        x_val=x[val],
        y_val=y[val],
        x_test=x[test],
        y_test=y[test],
        num_classes=10,
        meta={
            "t": arrays["t"],
            "cache_file": str(path),
            "generator": {"num_samples": num_samples, "seed": seed},
            "source_indices": {"train": train, "val": val, "test": test},
        },
    )
    defaults = (num_samples, seed) == (NUM_SAMPLES, GENERATOR_SEED)
    return check_against_datasheet(dataset, SHA256 if defaults else None)
