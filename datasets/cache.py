"""The cache folder: the one place the loaders write to.

Chosen, in order, by the ``cache_dir`` argument, the environment variable
``DEEPGRADE_CACHE``, or ``~/.cache/deepgrade``. Files are written atomically (a temporary
file in the same folder, then renamed), so an interrupted run never leaves half a file.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np

ENV_VAR = "DEEPGRADE_CACHE"


def resolve_cache_dir(cache_dir: str | os.PathLike | None = None) -> Path:
    """The cache folder (not created): argument, else ``$DEEPGRADE_CACHE``, else the default."""
    if cache_dir is not None:
        return Path(cache_dir).expanduser()
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env).expanduser()
    return Path.home() / ".cache" / "deepgrade"


def save_npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """Write ``arrays`` to ``path`` (.npz) atomically, creating the folder if needed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **arrays)
        os.chmod(tmp, 0o644)  # mkstemp's 0600 would hide a shared cache from other users
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def load_npz(path: Path) -> dict[str, np.ndarray] | None:
    """The arrays in ``path``, or ``None`` if it is missing or unreadable (then regenerate)."""
    try:
        with np.load(path, allow_pickle=False) as f:
            return {k: f[k] for k in f.files}
    except (OSError, ValueError, EOFError):
        return None


@contextlib.contextmanager
def matplotlib_config_in(cache: Path) -> Iterator[None]:
    """Point matplotlib's config/cache folder into ``cache`` while something imports it.

    Some generators (mnist1d) import ``matplotlib.pyplot``, which writes a font cache to
    ``~/.cache/matplotlib``. If matplotlib is not imported yet and ``MPLCONFIGDIR`` is not
    set, it goes to ``<cache>/matplotlib`` instead, so nothing lands outside the cache
    folder. matplotlib keeps the folder it found for the rest of the process; the
    environment is restored afterwards, so child processes are unaffected.
    """
    if "matplotlib" in sys.modules or "MPLCONFIGDIR" in os.environ:
        yield
        return
    folder = cache / "matplotlib"
    folder.mkdir(parents=True, exist_ok=True)
    os.environ["MPLCONFIGDIR"] = str(folder)
    try:
        yield
    finally:
        os.environ.pop("MPLCONFIGDIR", None)
