"""Submissions that do no work: every exercise returns zeros, its input, random values or
a constant, of the shape (and structure) the reference returns.

They are generated from the reference, not written per function: each topic module is the
reference with a footer that replaces every exercise by a wrapper transforming what the
reference returns. The reference's own calls between exercises (``conv_layer`` calling
``conv2d``, training calling ``backprop.digit_network``...) pass through untouched, so
every wrapper gets the right shape to imitate; only what the grader receives is
degenerate.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from deepgrade.catalog import TOPICS, in_module

SOLUTIONS = Path(__file__).resolve().parents[1] / "solutions"
KINDS = ("zeros", "input", "random", "constant")

FOOTER = '''

def _degenerate(namespace, kind, names):
    """Replace the exercises ``names`` by wrappers that return degenerate values."""
    import builtins

    import numpy as _np

    rng = _np.random.default_rng(0)

    def like(value):
        if isinstance(value, _np.ndarray):
            if kind == "zeros":
                return _np.zeros_like(value)
            if kind == "constant":
                return _np.full_like(value, 0.37 if value.dtype.kind == "f" else 1)
            if value.dtype.kind == "f":
                return rng.normal(size=value.shape)
            return rng.integers(0, 5, size=value.shape).astype(value.dtype)
        if isinstance(value, bool):
            return value
        if isinstance(value, int):
            return {"zeros": 0, "constant": 1}.get(kind) if kind != "random" else int(
                rng.integers(0, 5)
            )
        if isinstance(value, float):
            return {"zeros": 0.0, "constant": 0.37}.get(kind, float(rng.normal()))
        if isinstance(value, dict):
            return {k: like(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return type(value)(like(v) for v in value)
        return value

    def first_input(args, kwargs, result):
        for value in (*args, *kwargs.values()):
            if isinstance(value, _np.ndarray | int | float | dict) and not isinstance(value, bool):
                return value
        return like(result)

    # the reference's own calls between exercises (through any module) reach the reference:
    # only the outermost call, the grader's, is degenerate
    depth = builtins.__dict__.setdefault("_degenerate_depth", [0])

    def wrapper(function):
        def call(*args, **kwargs):
            if depth[0]:
                return function(*args, **kwargs)
            depth[0] += 1
            try:
                result = function(*args, **kwargs)
            finally:
                depth[0] -= 1
            return first_input(args, kwargs, result) if kind == "input" else like(result)

        call.__name__ = function.__name__
        return call

    for name in names:
        namespace[name] = wrapper(namespace[name])


_degenerate(globals(), KIND, NAMES)
del _degenerate
'''


def write(kind: str, folder: Path) -> Path:
    """A submission in ``folder`` whose every exercise returns ``kind`` values."""
    assert kind in KINDS, kind
    shutil.copytree(SOLUTIONS, folder, ignore=shutil.ignore_patterns("__pycache__", "capstone_*"))
    for topic in TOPICS:
        names = [e.name for e in in_module(topic)]
        path = folder / f"{topic}.py"
        footer = FOOTER.replace("KIND, NAMES", f"{kind!r}, {names!r}")
        path.write_text(path.read_text() + footer)
    return folder
