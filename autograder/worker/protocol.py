"""The wire format between the grader (trusted) and a submission's worker (untrusted).

The format is shared by both sides and is deliberately **standalone: stdlib + numpy
only**, so that the worker script (``runner.py``) can load it from its own folder, copied
alone into a sandbox where nothing else of the grader is visible. It is four modules:
this one (what a message may hold: the plain types and dtypes, the reference tags, how
deep they nest), ``frames.py`` (a frame on a byte stream), ``encoding.py`` (a value into
a frame) and ``decoding.py`` (a frame back into a value); their errors are in
``errors.py``.

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
  (``functions.FUNCTIONS``), bound to plain-data ``args``; the grader cannot send code.
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

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .errors import UnsupportedValue

__all__ = [
    "MAX_DEPTH",
    "FunctionRef",
    "SubmissionRef",
    "RngRef",
    "dtype_ok",
    "generator_state",
]

MAX_DEPTH = 16  # containers (list, tuple, dict, fn args) nested inside each other

# The dtypes allowed in arrays and numpy scalars: (kind, itemsize).
_ALLOWED = {("b", 1)} | {("i", n) for n in (1, 2, 4, 8)} | {("u", n) for n in (1, 2, 4, 8)}
_ALLOWED |= {("f", 2), ("f", 4), ("f", 8)}


def dtype_ok(dtype: np.dtype) -> bool:
    """Whether arrays and numpy scalars of ``dtype`` may cross the boundary."""
    return (
        type(dtype).__module__.startswith("numpy")
        and dtype.names is None
        and dtype.subdtype is None
        and (dtype.kind, dtype.itemsize) in _ALLOWED
    )


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
        return cls(state=generator_state(rng))


def generator_state(rng: Any) -> dict:
    """The PCG64 state of ``rng``, which must be an exact ``Generator`` on a ``PCG64``."""
    if type(rng) is not np.random.Generator or type(rng.bit_generator) is not np.random.PCG64:
        raise UnsupportedValue("only a np.random.Generator on a PCG64 bit generator can be sent")
    return rng.bit_generator.state
