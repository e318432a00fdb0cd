"""Frames on a byte stream: the envelope of every message of the wire format.

A message is one frame::

    b"DGW1" | header length (uint32, big-endian) | body length (uint64, big-endian)
    | header | body

(what the header and the body hold: ``protocol.py``). The prefix says how long the frame
is, so a reader knows where it ends before reading it; :func:`frame_length` checks it
against a size limit first. :func:`read_frame` and :func:`write_frame` move whole frames
on blocking file descriptors (the worker's side; the client reads without blocking).
Standalone: stdlib only, loaded by the worker script from its own folder.
"""

from __future__ import annotations

import os
import struct

from .errors import ChannelClosed, MessageTooLarge, ProtocolError

__all__ = [
    "MAGIC",
    "PREFIX",
    "PREFIX_SIZE",
    "DEFAULT_MAX_BYTES",
    "frame_length",
    "read_frame",
    "write_frame",
]

MAGIC = b"DGW1"
PREFIX = struct.Struct(">4sIQ")
PREFIX_SIZE = PREFIX.size  # 16 bytes: magic, header length, body length
DEFAULT_MAX_BYTES = 256 * 2**20


def frame_length(prefix: bytes, max_bytes: int = DEFAULT_MAX_BYTES) -> int:
    """The total length of the frame that starts with these ``PREFIX_SIZE`` bytes."""
    if len(prefix) < PREFIX_SIZE:
        raise ProtocolError(f"truncated frame: {len(prefix)} of {PREFIX_SIZE} prefix bytes")
    magic, header_len, body_len = PREFIX.unpack(bytes(prefix[:PREFIX_SIZE]))
    if magic != MAGIC:
        raise ProtocolError(f"not a deepgrade frame: bad magic {magic!r}")
    total = PREFIX_SIZE + header_len + body_len
    if total > max_bytes:
        raise MessageTooLarge(
            f"a {total}-byte message exceeds the limit of {max_bytes} bytes", total, max_bytes
        )
    return total


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
