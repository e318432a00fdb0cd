"""Reading a file someone else made (a submission, an upload) without trusting it.

A submission can hold a symbolic link (to the grader's reference solutions, to a system
file), a named pipe (opening it for reading waits for a writer that never comes), a
device, a file of gigabytes or bytes that are not text. :func:`read_bytes` opens only a
regular file, never through a link, never blocking, and reads at most ``limit`` bytes;
anything else is an :class:`UnsafeFile` whose message names the file and the problem and
never quotes the file's content (a link's target is never read, so its content cannot be
shown either).
"""

from __future__ import annotations

import io
import os
import stat
import tokenize
from pathlib import Path

# O_NOFOLLOW: a link as the last part of the path is refused by the OS itself (ELOOP);
# O_NONBLOCK: opening a named pipe returns at once instead of waiting for a writer.
_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_NOCTTY", 0)
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_BINARY", 0)
)
MAX_SOURCE_BYTES = 2 * 2**20  # one submitted .py file: far above any answer to these exercises


class UnsafeFile(ValueError):
    """A file that is not read: a link, not a regular file, too large, or not text."""


def kind(mode: int) -> str:
    """What a file of this ``st_mode`` is, in words ('a named pipe', 'a folder'...)."""
    for test, name in (
        (stat.S_ISREG, "a regular file"),
        (stat.S_ISDIR, "a folder"),
        (stat.S_ISLNK, "a symbolic link"),
        (stat.S_ISFIFO, "a named pipe"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
    ):
        if test(mode):
            return name
    return "a special file"


def read_bytes(
    path: str | Path, limit: int, *, dir_fd: int | None = None, name: str | None = None
) -> bytes:
    """The content of the regular file at ``path`` (relative to ``dir_fd`` if given).

    Raises :class:`UnsafeFile` for a link, anything but a regular file, or a file larger
    than ``limit`` bytes; ``name`` is how messages call the file (default: ``path``).
    """
    name = name or str(path)
    try:
        before = os.stat(path, dir_fd=dir_fd, follow_symlinks=False)
    except OSError as err:
        raise UnsafeFile(f"{name} cannot be read ({err.strerror or type(err).__name__})") from None
    if not stat.S_ISREG(before.st_mode):  # never opened: a device may act on open
        raise UnsafeFile(f"{name} is {kind(before.st_mode)}, not a regular file: not read")
    try:
        fd = os.open(path, _FLAGS, dir_fd=dir_fd)
    except OSError as err:  # ELOOP: it became a link since; anything else, unreadable
        raise UnsafeFile(f"{name} cannot be read ({err.strerror or type(err).__name__})") from None
    with os.fdopen(fd, "rb") as f:
        now = os.fstat(fd)
        if not stat.S_ISREG(now.st_mode) or (now.st_dev, now.st_ino) != (
            before.st_dev,
            before.st_ino,
        ):
            raise UnsafeFile(f"{name} changed while it was read: not read")
        if now.st_size > limit:
            raise UnsafeFile(f"{name} is larger than {limit:,} bytes ({now.st_size:,}): not read")
        data = f.read(limit + 1)
    if len(data) > limit:  # it grew while being read
        raise UnsafeFile(f"{name} is larger than {limit:,} bytes: not read")
    return data


def decode_source(data: bytes, name: str) -> str:
    """Python source as text: UTF-8, or the encoding its coding line declares (PEP 263).

    Raises :class:`UnsafeFile` for binary data or text in another encoding, saying where
    (the line of the first bad byte), never what.
    """
    if b"\0" in data:
        raise UnsafeFile(f"{name} is binary (it holds NUL bytes), not Python source")
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError:  # no valid coding line, and its first lines are not UTF-8
        encoding = "utf-8"
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise UnsafeFile(
            f"{name} is not {encoding.upper()} text (a byte on line {line} is not valid "
            f"{encoding.upper()}): save it as UTF-8"
        ) from None


def decode_text(data: bytes, name: str) -> str:
    """A text file (a notebook's JSON) as text: UTF-8 (a BOM allowed), else UnsafeFile."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise UnsafeFile(
            f"{name} is not UTF-8 text (a byte on line {line} is not valid UTF-8)"
        ) from None
