"""Decoding: one frame back into the plain-data value it holds, strictly.

The decoder only ever builds the types ``protocol.py`` lists, so the trusted side never
holds an object made by the worker; every malformed, unknown, oversized, truncated or too
deeply nested input raises :class:`ProtocolError` (or a subclass) saying what and where.
Reference tags are accepted on the worker's side only (``functions=``). Standalone:
stdlib and numpy, loaded by the worker script from its own folder.
"""

from __future__ import annotations

import io
import json
import math
import re
from typing import Any

import numpy as np

from .errors import MessageTooLarge, ProtocolError
from .frames import DEFAULT_MAX_BYTES, PREFIX, PREFIX_SIZE, frame_length
from .protocol import MAX_DEPTH, dtype_ok

__all__ = ["decode"]

_MAX_NPY_HEADER = 10_000  # numpy's own default limit on a .npy header
_FLOAT_WORDS = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}


def _refuse_constant(name: str):
    raise ProtocolError(f"malformed header: JSON constant {name} is not allowed")


def _no_duplicates(pairs: list) -> dict:
    result = dict(pairs)
    if len(result) != len(pairs):
        raise ProtocolError("malformed header: duplicate key in a JSON object")
    return result


# The header np.save writes for the allowed dtypes, read without ast.literal_eval (numpy's
# reader), which took a sizeable share of every call's decoding; anything else goes to
# numpy's reader, with all its checks.
_NPY_FAST = re.compile(
    rb"\x93NUMPY\x01\x00(..)\{'descr': '([<>|][biuf][1248])', 'fortran_order': (False|True), "
    rb"'shape': \(((?:\d+, )*\d*,?)\), \} *\n",
    re.DOTALL,
)


def _npy_header(blob: bytes, where: str) -> tuple[tuple[int, ...], bool, np.dtype, int]:
    """(shape, fortran order, dtype, offset of the data) of a ``.npy`` blob."""
    fast = _NPY_FAST.match(blob)
    if fast and int.from_bytes(fast[1], "little") + 10 == fast.end():
        shape = tuple(int(n) for n in fast[4].split(b",") if n.strip())
        return shape, fast[3] == b"True", np.dtype(fast[2].decode()), fast.end()
    stream = io.BytesIO(blob)
    try:
        version = np.lib.format.read_magic(stream)
        if version == (1, 0):
            read = np.lib.format.read_array_header_1_0
        elif version == (2, 0):
            read = np.lib.format.read_array_header_2_0
        else:
            raise ValueError(f".npy version {version} is not accepted")
        shape, fortran, dtype = read(stream, max_header_size=_MAX_NPY_HEADER)
    except ProtocolError:
        raise
    except Exception as err:
        raise ProtocolError(f"{where}: not a valid .npy blob: {err}") from None
    return shape, fortran, dtype, stream.tell()


def _load_npy(blob: bytes, where: str, max_bytes: int) -> np.ndarray:
    shape, fortran, dtype, offset = _npy_header(blob, where)
    if not dtype_ok(dtype):
        raise ProtocolError(f"{where}: dtype {dtype} is not allowed (bool, int, uint, float)")
    if not all(type(n) is int and n >= 0 for n in shape):
        raise ProtocolError(f"{where}: bad shape {shape!r}")
    count = math.prod(shape)
    nbytes = count * dtype.itemsize
    if nbytes > max_bytes:
        raise MessageTooLarge(f"{where}: a {nbytes}-byte array exceeds the limit", nbytes)
    if offset + nbytes != len(blob):
        raise ProtocolError(
            f"{where}: the .npy header announces {nbytes} data bytes, the blob holds "
            f"{len(blob) - offset}"
        )
    # the header is checked: read the data as it says (np.load would parse it again)
    flat = np.frombuffer(blob, dtype=dtype, count=count, offset=offset)
    array = flat.reshape(shape, order="F" if fortran else "C")
    native = dtype.newbyteorder("=")
    result = np.empty(shape, dtype=native)  # C-contiguous, writeable, owns its data
    result[...] = array
    return result


class _Decoder:
    def __init__(
        self, blobs: list[bytes], max_bytes: int, max_depth: int, functions, callback, submission
    ):
        self.callback = callback
        self.submission = submission
        self.rngs: dict[int, np.random.Generator] = {}
        self.blobs = blobs
        self.used = [False] * len(blobs)
        self.max_bytes = max_bytes
        self.max_depth = max_depth
        self.functions = functions

    def _fields(self, node: dict, path: str, *names: str) -> None:
        if set(node) != {"t", *names}:
            raise ProtocolError(
                f"{path}: tag {node['t']!r} needs fields {sorted(names)}, got {sorted(node)}"
            )

    def _array(self, node: dict, path: str) -> np.ndarray:
        self._fields(node, path, "i")
        index = node["i"]
        if type(index) is not int or not 0 <= index < len(self.blobs):
            raise ProtocolError(f"{path}: blob index {index!r} out of range")
        if self.used[index]:
            raise ProtocolError(f"{path}: blob {index} referenced twice")
        self.used[index] = True
        return _load_npy(self.blobs[index], path, self.max_bytes)

    def value(self, node: Any, path: str, depth: int) -> Any:
        if type(node) is not dict or type(node.get("t")) is not str:
            raise ProtocolError(f"{path}: expected a tagged value {{'t': ...}}, got {node!r:.80}")
        tag = node["t"]
        if tag == "none":
            self._fields(node, path)
            return None
        if tag in ("bool", "int", "str"):
            self._fields(node, path, "v")
            v = node["v"]
            if type(v) is not {"bool": bool, "int": int, "str": str}[tag]:
                raise ProtocolError(f"{path}: tag {tag!r} holds {type(v).__name__}")
            return v
        if tag == "float":
            self._fields(node, path, "v")
            v = node["v"]
            if type(v) is float:
                return v
            if type(v) is str and v in _FLOAT_WORDS:
                return _FLOAT_WORDS[v]
            raise ProtocolError(f"{path}: bad float {v!r}")
        if tag in ("list", "tuple", "dict"):
            self._fields(node, path, "v")
            items = node["v"]
            if type(items) is not list:
                raise ProtocolError(f"{path}: tag {tag!r} needs a JSON list")
            if depth >= self.max_depth:
                raise ProtocolError(f"{path}: nested more than {self.max_depth} containers deep")
            if tag == "dict":
                result = {}
                for pair in items:
                    if type(pair) is not list or len(pair) != 2:
                        raise ProtocolError(f"{path}: dict items must be [key, value] pairs")
                    key, item = pair
                    if type(key) is not str:
                        raise ProtocolError(f"{path}: dict key {key!r} is not a str")
                    if key in result:
                        raise ProtocolError(f"{path}: duplicate dict key {key!r}")
                    result[key] = self.value(item, f"{path}[{key!r}]", depth + 1)
                return result
            values = [self.value(item, f"{path}[{i}]", depth + 1) for i, item in enumerate(items)]
            return values if tag == "list" else tuple(values)
        if tag == "nd":
            return self._array(node, path)
        if tag == "np":
            array = self._array(node, path)
            if array.shape != ():
                raise ProtocolError(f"{path}: a numpy scalar needs a 0-d array")
            return array[()]
        if tag in ("fn", "rng", "cb", "sub") and self.functions is not None:
            return self._reference(node, path, depth)
        raise ProtocolError(f"{path}: unknown or unexpected tag {tag!r}")

    def _reference(self, node: dict, path: str, depth: int) -> Any:
        if depth >= self.max_depth:
            raise ProtocolError(f"{path}: nested more than {self.max_depth} containers deep")
        if node["t"] == "fn":
            self._fields(node, path, "name", "args")
            name = node["name"]
            if type(name) is not str or name not in self.functions:
                known = ", ".join(sorted(self.functions))
                raise ProtocolError(f"{path}: unknown function {name!r} (known: {known})")
            args = self.value({"t": "list", "v": node["args"]}, f"{path}.args", depth)
            function = self.functions[name]

            def bound(*call_args, **call_kwargs):
                return function(*call_args, *args, **call_kwargs)

            bound.__name__ = bound.__qualname__ = name
            return bound
        if node["t"] == "sub":
            self._fields(node, path, "module", "name")
            if self.submission is None:
                raise ProtocolError(f"{path}: unexpected submission function reference")
            return self.submission(node["module"], node["name"])
        if node["t"] == "cb":
            self._fields(node, path, "i")
            if self.callback is None or type(node["i"]) is not int or node["i"] < 0:
                raise ProtocolError(f"{path}: unexpected callback reference")
            return self.callback(node["i"])
        back = node.pop("r", None)
        if back is not None and (type(back) is not int or back < 0 or back in self.rngs):
            raise ProtocolError(f"{path}: bad generator reference {back!r}")
        keys = set(node) - {"t"}
        if keys == {"seed"}:
            seed = node["seed"]
            if type(seed) is not int or seed < 0:
                raise ProtocolError(f"{path}: rng seed must be an int >= 0")
            return np.random.Generator(np.random.PCG64(seed))
        if keys == {"state"}:
            state = self.value(node["state"], f"{path}.state", depth + 1)
            bit_generator = np.random.PCG64()
            try:
                bit_generator.state = state
            except Exception as err:
                raise ProtocolError(f"{path}: bad PCG64 state: {err}") from None
            generator = np.random.Generator(bit_generator)
            if back is not None:
                self.rngs[back] = generator
            return generator
        raise ProtocolError(f"{path}: rng needs exactly one of 'seed', 'state'")


def decode(
    frame: bytes,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_depth: int = MAX_DEPTH,
    functions: dict | None = None,
    callback=None,
    submission=None,
    rngs: dict | None = None,
    path: str = "value",
) -> Any:
    """The value held by one complete frame (as produced by :func:`encode`).

    ``functions``: the registry that resolves ``fn`` tags; when given, ``fn`` and ``rng``
    tags are accepted (worker side), otherwise they are refused (grader side).
    ``callback(index)`` (worker side) makes the stand-in for a ``cb`` reference; ``rngs``
    (worker side) receives the generators whose final state the grader wants back;
    ``submission(module, name)`` (worker side) resolves a ``sub`` reference.
    """
    total = frame_length(frame, max_bytes)
    if len(frame) != total:
        raise ProtocolError(f"truncated frame: {len(frame)} of {total} bytes")
    _, header_len, body_len = PREFIX.unpack(bytes(frame[:PREFIX_SIZE]))
    header_bytes = bytes(frame[PREFIX_SIZE : PREFIX_SIZE + header_len])
    try:
        header = json.loads(
            header_bytes.decode("utf-8"),
            parse_constant=_refuse_constant,
            object_pairs_hook=_no_duplicates,
        )
    except ProtocolError:
        raise
    except RecursionError:
        raise ProtocolError("malformed header: JSON nested too deeply") from None
    except (ValueError, UnicodeDecodeError) as err:
        raise ProtocolError(f"malformed header: {err}") from None
    if type(header) is not dict or set(header) != {"value", "blobs"}:
        raise ProtocolError("malformed header: expected {'value': ..., 'blobs': [...]}")
    sizes = header["blobs"]
    if type(sizes) is not list or not all(type(n) is int and n >= 0 for n in sizes):
        raise ProtocolError("malformed header: 'blobs' must be a list of sizes")
    if sum(sizes) != body_len:
        raise ProtocolError(f"blob sizes add up to {sum(sizes)}, the frame body is {body_len}")
    blobs, offset = [], PREFIX_SIZE + header_len
    for n in sizes:
        blobs.append(bytes(frame[offset : offset + n]))
        offset += n
    decoder = _Decoder(blobs, max_bytes, max_depth, functions, callback, submission)
    value = decoder.value(header["value"], path, 0)
    if not all(decoder.used):
        raise ProtocolError("a blob is never referenced")
    if rngs is not None:
        rngs.update(decoder.rngs)
    return value
