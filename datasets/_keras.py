"""Where Keras keeps its downloaded data sets, found without importing Keras.

The Keras loaders download whenever their file is missing or its hash is wrong. This
course never downloads, so a loader first looks for the file where Keras would (the same
rules as ``keras.utils.get_file``), checks its sha256, and calls Keras only if both hold.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from ._core import file_sha256


def _writable_or_tmp(base: str) -> str:
    # keras.utils.get_file: an unwritable cache folder is replaced by /tmp/.keras (a missing
    # one is created when Keras is imported, so it counts as writable)
    if not os.path.exists(base) or os.access(base, os.W_OK):
        return base
    return os.path.join("/tmp", ".keras")


def keras_datasets_dir() -> Path:
    """The folder Keras's loaders read (``$KERAS_HOME`` or ``~/.keras``, then ``datasets``)."""
    config = sys.modules.get("keras.src.backend.config")
    if config is not None:  # Keras is imported: its own answer, fixed when it was imported
        base = config.keras_home()
    elif "KERAS_HOME" in os.environ:
        base = os.environ["KERAS_HOME"]
    else:
        home = os.path.expanduser("~")
        if not os.access(home, os.W_OK):
            home = "/tmp"
        base = os.path.join(home, ".keras")
    return Path(_writable_or_tmp(os.path.expanduser(base))) / "datasets"


def cached_file(filename: str, sha256: str) -> tuple[Path | None, str]:
    """``(path, "")`` if ``filename`` is cached with the right sha256, else ``(None, why)``."""
    path = keras_datasets_dir() / filename
    if not path.is_file():
        return None, f"{path} does not exist"
    actual = file_sha256(path)
    if actual != sha256:
        return None, (
            f"{path} exists but its sha256 is {actual[:12]}..., not Keras's {sha256[:12]}... "
            "(incomplete or replaced; Keras would download it again)"
        )
    return path, ""


def import_keras():
    """Keras, imported quietly (TensorFlow's C++ log level set to errors only)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras

    return keras
