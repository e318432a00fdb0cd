"""The worker's wire format: every value kind round-trips, every malformed input is refused."""

from __future__ import annotations

import ast
import enum
import io
import json
import math
import os
import struct
import sys

import numpy as np
import pytest

from autograder.worker import frames, launch, protocol
from autograder.worker.decoding import decode
from autograder.worker.encoding import encode
from autograder.worker.errors import ChannelClosed, MessageTooLarge, ProtocolError, UnsupportedValue
from autograder.worker.protocol import FunctionRef, RngRef


def roundtrip(value, **kwargs):
    return decode(encode(value, **kwargs))


def frame(header, blobs=(), *, body=None):
    """A hand-made frame: ``header`` is a dict (dumped as JSON) or raw bytes."""
    if not isinstance(header, bytes):
        header = json.dumps(header).encode()
    body = b"".join(blobs) if body is None else body
    return struct.pack(">4sIQ", frames.MAGIC, len(header), len(body)) + header + body


def npy(array, **kwargs) -> bytes:
    stream = io.BytesIO()
    np.save(stream, array, **kwargs)
    return stream.getvalue()


def array_frame(blob: bytes, tag: str = "nd") -> bytes:
    return frame({"value": {"t": tag, "i": 0}, "blobs": [len(blob)]}, [blob])


# ------------------------------------------------------------------- round trips

PLAIN = [
    None,
    True,
    False,
    0,
    -7,
    2**100,
    1.5,
    -2.25e-300,
    "",
    "héllo wörld ∑",
    "lone surrogate \ud800",
    [],
    [1, [2, [3.5, "x"]]],
    (),
    (1,),
    (1, (2.0, None)),
    {},
    {"a": 1, "b": [True, {"c": (None,)}]},
]


@pytest.mark.parametrize("value", PLAIN, ids=repr)
def test_plain_values_round_trip_with_their_exact_types(value):
    result = roundtrip(value)

    def same(a, b):
        assert type(a) is type(b), (a, b)
        if isinstance(a, (list, tuple)):
            assert len(a) == len(b)
            for x, y in zip(a, b, strict=True):
                same(x, y)
        elif isinstance(a, dict):
            assert list(a) == list(b)
            for key in a:
                same(a[key], b[key])
        else:
            assert a == b

    same(result, value)


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf, -0.0])
def test_special_floats_round_trip(value):
    result = roundtrip(value)
    assert type(result) is float
    if math.isnan(value):
        assert math.isnan(result)
    else:
        assert result == value and math.copysign(1, result) == math.copysign(1, value)


DTYPES = ["bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"]
DTYPES += ["float16", "float32", "float64"]


@pytest.mark.parametrize("dtype", DTYPES)
def test_arrays_of_every_allowed_dtype_round_trip(dtype):
    array = (np.arange(24).reshape(2, 3, 4) % 7).astype(dtype)
    result = roundtrip(array)
    assert type(result) is np.ndarray
    assert result.dtype == array.dtype and result.shape == array.shape
    np.testing.assert_array_equal(result, array)


@pytest.mark.parametrize("dtype", DTYPES)
def test_numpy_scalars_decode_as_numpy_scalars_of_the_same_dtype(dtype):
    scalar = np.dtype(dtype).type(3)
    result = roundtrip(scalar)
    assert type(result) is type(scalar) and result.dtype == scalar.dtype
    assert result == scalar


def test_numpy_scalar_float_and_0d_array_stay_distinct():
    f, s, a = roundtrip([2.0, np.float64(2.0), np.array(2.0)])
    assert type(f) is float
    assert type(s) is np.float64
    assert type(a) is np.ndarray and a.shape == ()


def test_nan_and_inf_arrays_round_trip_as_data():
    array = np.array([np.nan, np.inf, -np.inf, -0.0, 1.0])
    result = roundtrip(array)
    np.testing.assert_array_equal(result, array)  # nan == nan for assert_array_equal
    assert np.signbit(result[3])


@pytest.mark.parametrize(
    "array",
    [
        np.asfortranarray(np.arange(12.0).reshape(3, 4)),
        np.arange(20.0).reshape(4, 5)[::2, 1::2],
        np.arange(6, dtype=">i4").reshape(2, 3),
        np.zeros((0, 3)),
        np.array(5.0),
        np.broadcast_to(np.arange(3.0), (4, 3)),  # read-only, zero strides
    ],
    ids=["fortran", "strided", "big-endian", "empty", "0-d", "read-only broadcast"],
)
def test_decoded_arrays_are_plain_c_contiguous_writeable_native_copies(array):
    result = roundtrip(array)
    assert type(result) is np.ndarray
    assert result.flags.c_contiguous and result.flags.writeable and result.flags.owndata
    assert result.dtype.isnative
    np.testing.assert_array_equal(result, array)


def test_nested_arrays_in_containers():
    value = {"W1": np.ones((2, 3)), "b": [np.zeros(3, dtype=np.int32), (np.float32(1.5),)]}
    result = roundtrip(value)
    np.testing.assert_array_equal(result["W1"], value["W1"])
    assert result["b"][0].dtype == np.int32
    assert type(result["b"][1]) is tuple and type(result["b"][1][0]) is np.float32


def test_depth_limit_is_inclusive_up_to_max_depth():
    value = 1
    for _ in range(protocol.MAX_DEPTH):
        value = [value]
    assert roundtrip(value) == value
    with pytest.raises(UnsupportedValue, match="deep"):
        encode([value])


# ---------------------------------------------------------------- encoder refusals


class LyingEq:
    def __eq__(self, other):
        return True

    __hash__ = object.__hash__


class Floaty:
    def __float__(self):
        return 1.0

    def __array__(self, dtype=None, copy=None):
        return np.ones(3)


class MyArray(np.ndarray):
    pass


class MyFloat(float):
    pass


class Color(enum.IntEnum):
    RED = 1


REFUSED = {
    "lying __eq__": LyingEq(),
    "__float__/__array__": Floaty(),
    "ndarray subclass": np.ones(3).view(MyArray),
    "np.matrix": np.asmatrix(np.eye(2)),  # numpy warns about np.matrix at import time
    "masked array": np.ma.masked_array([1.0, 2.0]),
    "float subclass": MyFloat(1.0),
    "int subclass": Color.RED,
    "object array": np.array([1, "a"], dtype=object),
    "complex array": np.ones(2, dtype=complex),
    "complex scalar": np.complex128(1j),
    "Python complex": 1j,
    "structured array": np.zeros(2, dtype=[("a", "f8"), ("b", "i4")]),
    "string array": np.array(["a", "b"]),
    "datetime array": np.array(["2024-01-01"], dtype="datetime64[D]"),
    "longdouble array": np.ones(2, dtype=np.longdouble),
    "bytes": b"abc",
    "set": {1, 2},
    "function": len,
    "generator without refs": np.random.default_rng(0),
    "FunctionRef without refs": FunctionRef("square_sum"),
    "object inside a list": [1, {"k": LyingEq()}],
}


@pytest.mark.parametrize("value", REFUSED.values(), ids=REFUSED.keys())
def test_encoder_refuses_everything_but_exact_plain_types(value):
    with pytest.raises(UnsupportedValue) as info:
        encode(value, path="result")
    assert "result" in str(info.value)


def test_refusal_messages_name_the_type_and_the_place():
    with pytest.raises(UnsupportedValue, match=r"result\[1\]\['k'\]: an object of type .*LyingEq"):
        encode([1, {"k": LyingEq()}], path="result")
    with pytest.raises(UnsupportedValue, match="subclass of numpy.ndarray"):
        encode(np.ones(2).view(MyArray))
    with pytest.raises(UnsupportedValue, match="dtype object"):
        encode(np.array([None]))


def test_encoder_refuses_non_str_dict_keys():
    with pytest.raises(UnsupportedValue, match="keys must be str"):
        encode({1: "a"})


def test_encoder_refuses_self_referencing_containers():
    loop: list = []
    loop.append(loop)
    with pytest.raises(UnsupportedValue, match="deep"):
        encode(loop)


def test_encoder_enforces_the_size_limit():
    encode(np.zeros(1000), max_bytes=10_000)
    with pytest.raises(MessageTooLarge) as info:
        encode(np.zeros(10_000), max_bytes=10_000)
    assert info.value.limit == 10_000
    with pytest.raises(MessageTooLarge):
        encode("x" * 20_000, max_bytes=10_000)
    with pytest.raises(MessageTooLarge):
        encode([None] * 20_000, max_bytes=10_000)


# ------------------------------------------------------------------ decoder refusals

GOOD_FLOAT = {"t": "float", "v": 1.0}


def value_frame(value) -> bytes:
    return frame({"value": value, "blobs": []})


MALFORMED = {
    "unknown tag": value_frame({"t": "pickle", "v": "x"}),
    "untagged value": value_frame([1, 2]),
    "bool holding an int": value_frame({"t": "bool", "v": 1}),
    "int holding a float": value_frame({"t": "int", "v": 1.5}),
    "int holding a bool": value_frame({"t": "int", "v": True}),
    "float holding a word": value_frame({"t": "float", "v": "NaN!"}),
    "float holding an int": value_frame({"t": "float", "v": 1}),
    "missing field": value_frame({"t": "str"}),
    "extra field": value_frame({"t": "none", "v": 1}),
    "list not a list": value_frame({"t": "list", "v": {"a": 1}}),
    "non-str dict key": value_frame({"t": "dict", "v": [[1, GOOD_FLOAT]]}),
    "duplicate dict key": value_frame({"t": "dict", "v": [["a", GOOD_FLOAT], ["a", GOOD_FLOAT]]}),
    "dict item not a pair": value_frame({"t": "dict", "v": [["a"]]}),
    "fn tag on the grader side": value_frame({"t": "fn", "name": "square_sum", "args": []}),
    "rng tag on the grader side": value_frame({"t": "rng", "seed": 1}),
    "header not JSON": frame(b"{not json"),
    "header not UTF-8": frame(b'{"value": {"t": "str", "v": "\xff"}, "blobs": []}'),
    "JSON NaN constant": frame(b'{"value": {"t": "float", "v": NaN}, "blobs": []}'),
    "duplicate JSON key": frame(b'{"value": {"t": "none"}, "value": {"t": "none"}, "blobs": []}'),
    "header not an object": frame(b"[1, 2]"),
    "header missing blobs": frame({"value": {"t": "none"}}),
    "blob sizes not ints": frame({"value": {"t": "none"}, "blobs": ["1"]}),
    "blob sizes do not match body": frame({"value": {"t": "none"}, "blobs": [5]}, body=b"123"),
    "blob never referenced": frame({"value": {"t": "none"}, "blobs": [3]}, body=b"123"),
    "int with 5000 digits": frame(
        b'{"value": {"t": "int", "v": ' + b"9" * 5000 + b'}, "blobs": []}'
    ),
    "JSON nested 100000 deep": frame(b"[" * 100_000 + b"]" * 100_000),
}
_nested = {"t": "list", "v": []}
for _ in range(protocol.MAX_DEPTH):  # 17 nested lists, one more than allowed
    _nested = {"t": "list", "v": [_nested]}
MALFORMED["too deep"] = value_frame(_nested)


@pytest.mark.parametrize("data", MALFORMED.values(), ids=MALFORMED.keys())
def test_decoder_refuses_malformed_messages(data):
    with pytest.raises(ProtocolError):
        decode(data)


def test_decoder_depth_limit_message():
    with pytest.raises(ProtocolError, match="deep"):
        decode(MALFORMED["too deep"])


def test_decoder_refuses_bad_magic_and_truncated_frames():
    good = encode({"a": np.arange(5.0)})
    with pytest.raises(ProtocolError, match="magic"):
        decode(b"XXXX" + good[4:])
    with pytest.raises(ProtocolError, match="truncated"):
        decode(good[:-1])
    with pytest.raises(ProtocolError, match="truncated"):
        decode(good[:10])
    with pytest.raises(ProtocolError, match="truncated"):
        decode(good + b"\0")  # longer than announced


def test_decoder_refuses_oversized_frames_before_reading_them():
    big = encode(np.zeros(10_000))
    with pytest.raises(MessageTooLarge):
        decode(big, max_bytes=50_000)
    with pytest.raises(MessageTooLarge):
        frames.frame_length(big[: frames.PREFIX_SIZE], 50_000)
    assert decode(big, max_bytes=100_000).shape == (10_000,)


unpickled = []


class Evil:
    def __reduce__(self):
        return (unpickled.append, ("executed",))


@pytest.mark.parametrize(
    "blob",
    [
        npy(np.array([Evil(), 1], dtype=object), allow_pickle=True),
        npy(np.ones(2, dtype=complex)),
        npy(np.zeros(2, dtype=[("a", "f8")])),
        npy(np.array(["ab"])),
        npy(np.ones(2, dtype=np.longdouble)),
        npy(np.array(["2024-01-01"], dtype="datetime64[D]")),
    ],
    ids=["object (pickle)", "complex", "structured", "unicode", "longdouble", "datetime"],
)
def test_decoder_refuses_blobs_of_forbidden_dtypes_without_unpickling(blob):
    with pytest.raises(ProtocolError, match="dtype"):
        decode(array_frame(blob))
    assert unpickled == []


@pytest.mark.parametrize(
    "array",
    [np.zeros((2, 3)), np.arange(5, dtype=np.int32), np.float64(3.0).reshape(()),
     np.ones((2, 3, 4), order="F"), np.zeros((0, 7)), np.array([True, False]),
     np.arange(3, dtype=">f4"), np.arange(4, dtype=np.uint8), np.zeros((1,) * 12)],
)  # fmt: skip
def test_the_fast_npy_header_reader_agrees_with_numpys(array):
    from autograder.worker.decoding import _NPY_FAST, _npy_header

    blob = npy(array)
    assert _NPY_FAST.match(blob), "np.save's header for an allowed dtype takes the fast path"
    stream = io.BytesIO(blob)
    np.lib.format.read_magic(stream)
    shape, fortran, dtype = np.lib.format.read_array_header_1_0(stream)
    assert _npy_header(blob, "x") == (shape, fortran, dtype, stream.tell())
    decoded = decode(array_frame(blob))
    assert decoded.shape == array.shape and np.array_equal(decoded, array)


def test_a_header_the_fast_reader_does_not_know_goes_to_numpys_checks():
    blob = npy(np.arange(4.0))
    tampered = blob.replace(b"'shape': (4,)", b"'shape': (-4,)")
    with pytest.raises(ProtocolError, match="npy|shape"):
        decode(array_frame(tampered))
    longer = bytearray(blob)
    longer[8] += 16  # the header claims more bytes than it holds: not the fast path
    with pytest.raises(ProtocolError):
        decode(array_frame(bytes(longer)))


def test_decoder_checks_each_blob():
    blob = npy(np.arange(4.0))
    with pytest.raises(ProtocolError, match="data bytes"):
        decode(array_frame(blob[:-8]))  # data truncated
    with pytest.raises(ProtocolError, match="data bytes"):
        decode(array_frame(blob + b"\0" * 8))  # trailing bytes
    with pytest.raises(ProtocolError, match="npy"):
        decode(array_frame(b"not an npy file at all"))
    header = {"value": {"t": "list", "v": [{"t": "nd", "i": 0}, {"t": "nd", "i": 0}]}}
    with pytest.raises(ProtocolError, match="twice"):
        decode(frame(header | {"blobs": [len(blob)]}, [blob]))
    with pytest.raises(ProtocolError, match="out of range"):
        decode(frame({"value": {"t": "nd", "i": 1}, "blobs": [len(blob)]}, [blob]))
    with pytest.raises(ProtocolError, match="0-d"):
        decode(array_frame(blob, tag="np"))
    assert decode(array_frame(blob)).tolist() == [0.0, 1.0, 2.0, 3.0]


def test_decoder_refuses_a_huge_announced_shape_before_allocating():
    stream = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        stream, {"descr": "<f8", "fortran_order": False, "shape": (10**11,)}
    )
    with pytest.raises(MessageTooLarge):
        decode(array_frame(stream.getvalue() + b"\0" * 16))


# ---------------------------------------------------------------------- references


def test_function_refs_resolve_only_through_the_given_registry():
    registry = {"scale": lambda x, factor: x * factor}
    data = encode([FunctionRef("scale", (3,))], allow_refs=True)
    (function,) = decode(data, functions=registry)
    assert function(2) == 6
    with pytest.raises(ProtocolError, match="unexpected tag 'fn'"):
        decode(data)
    with pytest.raises(ProtocolError, match="unknown function 'nope'"):
        decode(encode(FunctionRef("nope"), allow_refs=True), functions=registry)


def test_rng_refs_rebuild_the_same_generator():
    from_seed = decode(encode(RngRef(seed=7), allow_refs=True), functions={})
    assert from_seed.permutation(10).tolist() == np.random.default_rng(7).permutation(10).tolist()
    rng = np.random.default_rng(3)
    rng.random(5)  # advanced: the state, not the seed, travels
    copy = decode(encode(rng, allow_refs=True), functions={})
    assert type(copy) is np.random.Generator
    assert copy.random(3).tolist() == rng.random(3).tolist()
    with pytest.raises(ProtocolError, match="PCG64 state"):
        decode(encode(RngRef(state={"nonsense": 1}), allow_refs=True), functions={})


# ------------------------------------------------------------------------ streams


def test_frames_stream_through_a_pipe_and_end_cleanly():
    read_fd, write_fd = os.pipe()
    try:
        frames.write_frame(write_fd, encode([1, np.arange(3)]))
        frames.write_frame(write_fd, encode("second"))
        os.close(write_fd)
        write_fd = None
        first = decode(frames.read_frame(read_fd))
        assert first[0] == 1 and first[1].tolist() == [0, 1, 2]
        assert decode(frames.read_frame(read_fd)) == "second"
        with pytest.raises(ChannelClosed):
            frames.read_frame(read_fd)
    finally:
        os.close(read_fd)
        if write_fd is not None:
            os.close(write_fd)


def test_a_frame_cut_short_in_the_stream_is_truncated_not_closed():
    read_fd, write_fd = os.pipe()
    data = encode(np.arange(100.0))
    os.write(write_fd, data[:50])
    os.close(write_fd)
    try:
        with pytest.raises(ProtocolError, match="truncated") as info:
            frames.read_frame(read_fd)
        assert not isinstance(info.value, ChannelClosed)
    finally:
        os.close(read_fd)


# ------------------------------------------------------------- standalone modules


@pytest.mark.parametrize("name", launch.WORKER_MODULES)
def test_worker_side_files_use_only_the_stdlib_numpy_and_each_other(name):
    tree = ast.parse((launch.WORKER_DIR / f"{name}.py").read_text())
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level:
            # relative: only the modules copied along with it into the worker's folder
            siblings = {node.module} if node.module else {alias.name for alias in node.names}
            assert node.level == 1 and siblings <= set(launch.WORKER_MODULES), (
                f"{name} imports {siblings}, which is not copied with it"
            )
        elif isinstance(node, ast.ImportFrom):
            imported.add(node.module.split(".")[0])
    foreign = {m for m in imported if m not in sys.stdlib_module_names and m != "numpy"}
    assert foreign == set(), f"{name} imports {foreign}"
