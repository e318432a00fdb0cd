"""The wire format between the grader (trusted) and a submission's worker (untrusted).

This module is shared by both sides and is deliberately **standalone: stdlib + numpy
only**. The worker script (``runner.py``) loads it by path, so the pair can be copied on
their own into a sandbox where nothing else of the grader is visible.

Values
======

Only plain data crosses the boundary, never pickles and never objects with behaviour:

============================  ==========================================================
Python value                  decoded as
============================  ==========================================================
``None``, ``bool``, ``int``   the same (ints up to 4300 digits)
``float``                     ``float``; nan, inf and -inf included, -0.0 kept
``str``                       ``str`` (any code points, lone surrogates included)
``list`` / ``tuple``          ``list`` / ``tuple``
``dict`` with ``str`` keys    ``dict`` (insertion order kept)
``np.ndarray``                a plain ``np.ndarray``: C-contiguous, native byte order,
                              writeable, owning its data (a copy)
numpy scalar                  a numpy scalar of the same dtype (``np.float64(2.0)``,
                              ``np.int32(3)``, ``np.bool_(True)``): kept distinct from
                              ``float`` and from 0-d arrays so that "wrong type" feedback
                              is the same through the worker as in-process
============================  ==========================================================

Arrays and numpy scalars must have dtype kind b/i/u/f with item sizes bool, int8..64,
uint8..64, float16/32/64: no object, complex, structured, string, datetime or
longdouble dtypes.

The encoder accepts a value only if its type is *exactly* one of the above
(``type(x) is float``, ``type(x) is np.ndarray``...): subclasses (an ``ndarray``
subclass such as ``np.matrix``, a ``float`` subclass, a ``bool``-like object with a
lying ``__eq__``) raise :class:`UnsupportedValue`; nothing is converted, so no method of
a foreign object is ever called while encoding. The decoder only ever builds the types
in the right-hand column, so the trusted side never holds an object made by the worker.

Two *reference* tags travel from the grader to the worker only (``allow_refs=True`` when
encoding, ``functions=`` when decoding; refused otherwise, so a result cannot hold them):

- :class:`FunctionRef` ``(name, args)``: a function from the worker's small registry
  (``runner.FUNCTIONS``), bound to plain-data ``args``; the grader cannot send code.
- :class:`RngRef` (or an exact ``np.random.Generator`` on a ``PCG64``): rebuilt in the
  worker as ``np.random.Generator(PCG64)`` from a seed or a PCG64 state. An
  :class:`RngRef` is not advanced by what the worker draws; a real ``Generator`` sent
  with ``refs=`` is (its final state comes back in the reply, see ``client.py``), so
  a test behaves as it would in-process.
- a trusted *callback*: any other Python function, sent with ``refs=`` as
  ``{"t": "cb", "i": index}``. The worker gets a stand-in that asks the grader to run the
  function on plain-data arguments and waits for the plain-data result; the function
  itself never leaves the grader.

Frames
======

A message is one frame on a byte stream::

    b"DGW1" | header length (uint32, big-endian) | body length (uint64, big-endian)
    | header: UTF-8 JSON {"value": <tagged value>, "blobs": [len0, len1, ...]}
    | body: the blobs back to back, each one ``.npy`` file (``np.save``, no pickle)

Tagged values: ``{"t": "none"}``, ``{"t": "bool", "v": true}``, ``{"t": "int", "v": 3}``,
``{"t": "float", "v": 1.5 | "nan" | "inf" | "-inf"}``, ``{"t": "str", "v": "..."}``,
``{"t": "list" | "tuple", "v": [...]}``, ``{"t": "dict", "v": [[key, value], ...]}``,
``{"t": "nd" | "np", "i": blob index}`` (array / numpy scalar),
``{"t": "fn", "name": "...", "args": [...]}``, ``{"t": "rng", "seed": int}``,
``{"t": "rng", "state": <tagged PCG64 state dict>}`` (plus ``"r": index`` when its final
state is wanted back), ``{"t": "cb", "i": index}`` and
``{"t": "sub", "module": "...", "name": "..."}`` (a :class:`SubmissionRef`).

Decoding is strict: every malformed, unknown, oversized, truncated or too deeply nested
input raises :class:`ProtocolError` (or a subclass) with a message saying what and where.
"""

from __future__ import annotations

import io
import json
import math
import os
import re
import struct
import types
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import numpy as np

__all__ = [
    "MAGIC",
    "PREFIX_SIZE",
    "MAX_DEPTH",
    "DEFAULT_MAX_BYTES",
    "WorkerError",
    "ProtocolError",
    "MessageTooLarge",
    "UnsupportedValue",
    "ChannelClosed",
    "FunctionRef",
    "RngRef",
    "encode",
    "decode",
    "frame_length",
    "read_frame",
    "write_frame",
]

MAGIC = b"DGW1"
_PREFIX = struct.Struct(">4sIQ")
PREFIX_SIZE = _PREFIX.size  # 16 bytes: magic, header length, body length
MAX_DEPTH = 16  # containers (list, tuple, dict, fn args) nested inside each other
DEFAULT_MAX_BYTES = 256 * 2**20
_MAX_NPY_HEADER = 10_000  # numpy's own default limit on a .npy header

# The dtypes allowed in arrays and numpy scalars: (kind, itemsize).
_ALLOWED = {("b", 1)} | {("i", n) for n in (1, 2, 4, 8)} | {("u", n) for n in (1, 2, 4, 8)}
_ALLOWED |= {("f", 2), ("f", 4), ("f", 8)}
_SCALAR_TYPES = frozenset(np.dtype(c).type for c in "?bhilqBHILQefd")
_FLOAT_WORDS = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}
_EXPECTED = (
    "None, bool, int, float, str, list, tuple, dict with str keys, or a numpy array or "
    "numpy scalar of dtype bool, int, uint or float"
)


# --------------------------------------------------------------------------- errors


class WorkerError(Exception):
    """Base of everything a call through the worker can raise (see ``client.py``)."""

    output: str = ""  # what the code printed during the failed call (set by the client)


class ProtocolError(WorkerError):
    """A message that does not follow this protocol (malformed, unknown tag, ...)."""


class MessageTooLarge(ProtocolError):
    """A message (or the value being encoded) exceeds the size limit."""

    def __init__(self, message: str, size: int | None = None, limit: int | None = None):
        super().__init__(message)
        self.size = size
        self.limit = limit


class UnsupportedValue(ProtocolError):
    """A value that is not plain data of an allowed type (raised while encoding)."""


class ChannelClosed(ProtocolError):
    """The stream ended cleanly between two frames (the other side closed it)."""


# ----------------------------------------------------------------------- references


@dataclass(frozen=True)
class FunctionRef:
    """A function the worker looks up by name in its registry, bound to plain-data args.

    The worker calls it as ``registry[name](*call_args, *args)``.
    """

    name: str
    args: tuple = ()


@dataclass(frozen=True)
class SubmissionRef:
    """One of the submission's own functions, passed as an argument (``{"t": "sub"}``).

    Calling it on the grader side runs ``call`` (which goes through the worker); sent to
    the worker, it is resolved there to the submission's function itself.
    """

    module: str
    name: str
    call: Any = field(default=None, compare=False, repr=False)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self.call is None:
            raise TypeError(f"{self.module}.{self.name} can only be called in the worker")
        return self.call(*args, **kwargs)


@dataclass(frozen=True)
class RngRef:
    """A numpy ``Generator(PCG64)`` to build in the worker: from a seed or a PCG64 state."""

    seed: int | None = None
    state: dict | None = field(default=None, hash=False)

    @classmethod
    def from_generator(cls, rng: np.random.Generator) -> RngRef:
        return cls(state=_generator_state(rng))


def _generator_state(rng: Any) -> dict:
    if type(rng) is not np.random.Generator or type(rng.bit_generator) is not np.random.PCG64:
        raise UnsupportedValue("only a np.random.Generator on a PCG64 bit generator can be sent")
    return rng.bit_generator.state


# ------------------------------------------------------------------------- encoding


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


def _dtype_ok(dtype: np.dtype) -> bool:
    return (
        type(dtype).__module__.startswith("numpy")
        and dtype.names is None
        and dtype.subdtype is None
        and (dtype.kind, dtype.itemsize) in _ALLOWED
    )


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
            if not _dtype_ok(x.dtype):
                raise UnsupportedValue(
                    f"{path}: a numpy array of dtype {x.dtype}; expected a numeric dtype "
                    "(bool, int, uint or float of at most 64 bits)"
                )
            return {"t": "nd", "i": self._blob(x, path)}
        if t in _SCALAR_TYPES:
            if not _dtype_ok(x.dtype):
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
                state = self.value(_generator_state(x), f"{path}.state", depth + 1)
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
    return b"".join([_PREFIX.pack(MAGIC, len(header), body_len), header, *encoder.blobs])


# ------------------------------------------------------------------------- decoding


def frame_length(prefix: bytes, max_bytes: int = DEFAULT_MAX_BYTES) -> int:
    """The total length of the frame that starts with these ``PREFIX_SIZE`` bytes."""
    if len(prefix) < PREFIX_SIZE:
        raise ProtocolError(f"truncated frame: {len(prefix)} of {PREFIX_SIZE} prefix bytes")
    magic, header_len, body_len = _PREFIX.unpack(bytes(prefix[:PREFIX_SIZE]))
    if magic != MAGIC:
        raise ProtocolError(f"not a deepgrade frame: bad magic {magic!r}")
    total = PREFIX_SIZE + header_len + body_len
    if total > max_bytes:
        raise MessageTooLarge(
            f"a {total}-byte message exceeds the limit of {max_bytes} bytes", total, max_bytes
        )
    return total


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
    if not _dtype_ok(dtype):
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
    _, header_len, body_len = _PREFIX.unpack(bytes(frame[:PREFIX_SIZE]))
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


# ----------------------------------------------------------------------- streaming


def _read_exactly(fd: int, n: int, started: bool) -> bytes:
    chunks, got = [], 0
    while got < n:
        chunk = os.read(fd, min(n - got, 1 << 20))
        if not chunk:
            if not started and got == 0:
                raise ChannelClosed("the channel was closed")
            raise ProtocolError(f"truncated frame: the stream ended after {got} of {n} bytes")
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def read_frame(fd: int, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """Read one whole frame from a blocking file descriptor.

    Raises :class:`ChannelClosed` on a clean end of stream before the frame, and
    :class:`ProtocolError` on a truncated or malformed one.
    """
    prefix = _read_exactly(fd, PREFIX_SIZE, started=False)
    total = frame_length(prefix, max_bytes)
    return prefix + _read_exactly(fd, total - PREFIX_SIZE, started=True)


def write_frame(fd: int, frame: bytes) -> None:
    """Write one whole frame to a blocking file descriptor."""
    view = memoryview(frame)
    while view:
        written = os.write(fd, view[: 1 << 20])
        view = view[written:]
