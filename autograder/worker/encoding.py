"""Encoding: a plain-data value into one frame (a tagged JSON header and ``.npy`` blobs).

Only a value whose type is exactly one of the allowed ones is encoded (``protocol.py``
says which, and which tags they become); anything else raises :class:`UnsupportedValue`
without a method of the foreign object being called. Standalone: stdlib and numpy,
loaded by the worker script from its own folder.
"""

from __future__ import annotations

import io
import json
import math
import types
from functools import partial
from typing import Any

import numpy as np

from .errors import MessageTooLarge, UnsupportedValue
from .frames import DEFAULT_MAX_BYTES, MAGIC, PREFIX, PREFIX_SIZE
from .protocol import (
    MAX_DEPTH,
    FunctionRef,
    RngRef,
    SubmissionRef,
    dtype_ok,
    generator_state,
)

__all__ = ["encode"]

_SCALAR_TYPES = frozenset(np.dtype(c).type for c in "?bhilqBHILQefd")
_EXPECTED = (
    "None, bool, int, float, str, list, tuple, dict with str keys, or a numpy array or "
    "numpy scalar of dtype bool, int, uint or float"
)


def _type_name(x: Any) -> str:
    try:
        t = type(x)
        module = t.__module__
        name = t.__qualname__
        if not isinstance(module, str) or not isinstance(name, str):
            raise TypeError
    except Exception:
        return "<unnamed type>"
    return name if module == "builtins" else f"{module}.{name}"


class _Encoder:
    def __init__(self, max_bytes: int, max_depth: int, allow_refs: bool, refs: list | None):
        self.refs = refs
        self.max_bytes = max_bytes
        self.max_depth = max_depth
        self.allow_refs = allow_refs
        self.blobs: list[bytes] = []
        self.size = 0

    def _blob(self, array: np.ndarray, path: str) -> int:
        if self.size + array.nbytes > self.max_bytes:
            raise MessageTooLarge(
                f"{path}: a {array.nbytes}-byte array makes the message larger than the "
                f"limit of {self.max_bytes} bytes",
                self.size + array.nbytes,
                self.max_bytes,
            )
        buffer = io.BytesIO()
        np.save(buffer, array, allow_pickle=False)
        data = buffer.getvalue()
        self.size += len(data)
        self.blobs.append(data)
        return len(self.blobs) - 1

    def value(self, x: Any, path: str, depth: int) -> dict:
        t = type(x)
        if x is None:
            return {"t": "none"}
        if t is bool:
            return {"t": "bool", "v": x}
        if t is int:
            if x.bit_length() > 14_000:  # about 4300 decimal digits, Python's str() limit
                raise UnsupportedValue(f"{path}: an int with {x.bit_length()} bits is too large")
            return {"t": "int", "v": x}
        if t is float:
            if math.isnan(x):
                return {"t": "float", "v": "nan"}
            if math.isinf(x):
                return {"t": "float", "v": "inf" if x > 0 else "-inf"}
            return {"t": "float", "v": x}
        if t is str:
            self.size += len(x)
            if self.size > self.max_bytes:
                raise MessageTooLarge(
                    f"{path}: the message exceeds the limit of {self.max_bytes} bytes",
                    self.size,
                    self.max_bytes,
                )
            return {"t": "str", "v": x}
        if t is np.ndarray:
            if not dtype_ok(x.dtype):
                raise UnsupportedValue(
                    f"{path}: a numpy array of dtype {x.dtype}; expected a numeric dtype "
                    "(bool, int, uint or float of at most 64 bits)"
                )
            return {"t": "nd", "i": self._blob(x, path)}
        if t in _SCALAR_TYPES:
            if not dtype_ok(x.dtype):
                raise UnsupportedValue(f"{path}: a numpy scalar of dtype {x.dtype}")
            return {"t": "np", "i": self._blob(np.array(x), path)}
        if t in (list, tuple, dict):
            if depth >= self.max_depth:
                raise UnsupportedValue(f"{path}: nested more than {self.max_depth} containers deep")
            self.size += 8 * len(x)
            if self.size > self.max_bytes:
                raise MessageTooLarge(
                    f"{path}: the message exceeds the limit of {self.max_bytes} bytes",
                    self.size,
                    self.max_bytes,
                )
            if t is dict:
                items = []
                for key, item in x.items():
                    if type(key) is not str:
                        raise UnsupportedValue(
                            f"{path}: a dict key of type {_type_name(key)}; keys must be str"
                        )
                    items.append([key, self.value(item, f"{path}[{key!r}]", depth + 1)])
                return {"t": "dict", "v": items}
            return {
                "t": "list" if t is list else "tuple",
                "v": [self.value(item, f"{path}[{i}]", depth + 1) for i, item in enumerate(x)],
            }
        if self.allow_refs:
            if t is FunctionRef:
                if type(x.name) is not str or type(x.args) is not tuple:
                    raise UnsupportedValue(f"{path}: FunctionRef needs a str name and tuple args")
                args = self.value(list(x.args), f"{path}.args", depth + 1)
                return {"t": "fn", "name": x.name, "args": args["v"]}
            if t is np.random.Generator:
                state = self.value(generator_state(x), f"{path}.state", depth + 1)
                if self.refs is None:
                    return {"t": "rng", "state": state}
                self.refs.append(x)
                return {"t": "rng", "state": state, "r": len(self.refs) - 1}
            if t is SubmissionRef:
                if type(x.module) is not str or type(x.name) is not str:
                    raise UnsupportedValue(f"{path}: SubmissionRef needs str module and name")
                return {"t": "sub", "module": x.module, "name": x.name}
            if self.refs is not None and t in _CALLBACK_TYPES:
                self.refs.append(x)
                return {"t": "cb", "i": len(self.refs) - 1}
            if t is RngRef:
                if (x.seed is None) == (x.state is None):
                    raise UnsupportedValue(f"{path}: RngRef needs exactly one of seed, state")
                if x.seed is not None:
                    if type(x.seed) is not int or x.seed < 0:
                        raise UnsupportedValue(f"{path}: RngRef seed must be an int >= 0")
                    return {"t": "rng", "seed": x.seed}
                return {"t": "rng", "state": self.value(x.state, f"{path}.state", depth + 1)}
        if isinstance(x, np.ndarray):
            raise UnsupportedValue(
                f"{path}: a {_type_name(x)} (a subclass of numpy.ndarray); return a plain "
                "numpy array instead, e.g. np.asarray(x)"
            )
        raise UnsupportedValue(f"{path}: an object of type {_type_name(x)}; expected {_EXPECTED}")


_CALLBACK_TYPES = (types.FunctionType, types.BuiltinFunctionType, types.MethodType, partial)


def encode(
    value: Any,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_depth: int = MAX_DEPTH,
    allow_refs: bool = False,
    refs: list | None = None,
    path: str = "value",
) -> bytes:
    """One complete frame holding ``value``.

    Raises :class:`UnsupportedValue` for anything that is not plain data of an allowed
    (exact) type, :class:`MessageTooLarge` if the frame would exceed ``max_bytes``.
    ``path`` names the value in error messages (``"result"`` gives ``result[1]['W']``).
    ``refs`` (grader side, with ``allow_refs``): a list that collects the callbacks and the
    generators whose state should come back, in the order of their indexes.
    """
    encoder = _Encoder(max_bytes, max_depth, allow_refs, refs if allow_refs else None)
    tagged = encoder.value(value, path, 0)
    try:
        header = json.dumps(
            {"value": tagged, "blobs": [len(b) for b in encoder.blobs]},
            allow_nan=False,
            ensure_ascii=True,
            separators=(",", ":"),
        ).encode("ascii")
    except (ValueError, RecursionError) as err:  # pragma: no cover - guarded above
        raise UnsupportedValue(f"{path}: cannot be written as JSON: {err}") from None
    body_len = sum(len(b) for b in encoder.blobs)
    total = PREFIX_SIZE + len(header) + body_len
    if total > max_bytes:
        raise MessageTooLarge(
            f"{path}: the message is {total} bytes, more than the limit of {max_bytes}",
            total,
            max_bytes,
        )
    return b"".join([PREFIX.pack(MAGIC, len(header), body_len), header, *encoder.blobs])
