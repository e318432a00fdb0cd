"""Every exception of the worker package, for both sides of the trust boundary.

Standalone (stdlib only), like the other modules the runner loads: it is copied into the
worker's folder with them, since the protocol raises these errors on both sides.

Everything a call through :class:`~autograder.worker.client.Worker` can raise is a
:class:`WorkerError`:

=====================  ================================================================
StudentException       the student's code raised (``type``, ``message``, ``where``);
                       ``sys.exit()`` and ``KeyboardInterrupt`` mid-call included
ImportFailed           the topic module is missing or could not be imported
MissingFunction        the module has no such function (or it is not callable)
UnsupportedResult      the function returned something that is not plain data
ResultTooLarge         the result exceeds ``max_result_bytes``
MemoryLimit            MemoryError in the worker, or it died of the memory limit
CallTimeout            the call took longer than ``call_timeout`` seconds
BudgetExhausted        (a CallTimeout) the submission used up ``total_timeout``
WorkerCrashed          the worker died (``os._exit``, a signal, a CPU limit...)
ProtocolError          the worker sent something that is not a valid reply
=====================  ================================================================

The wire format's own errors (:class:`ProtocolError` and its subclasses) are raised by
``encoding.py``, ``decoding.py`` and ``frames.py``. :class:`IsolationUnavailable` says
that a host cannot provide an isolation level (``sandbox.py``). :class:`ReplyTimeout` and
:class:`WorkerGone` stay inside the client: they say how a round trip ended without a
reply, and become a CallTimeout, a WorkerCrashed...
"""

from __future__ import annotations

import signal

__all__ = [
    "WorkerError",
    "ProtocolError",
    "MessageTooLarge",
    "UnsupportedValue",
    "ChannelClosed",
    "StudentException",
    "ImportFailed",
    "MissingFunction",
    "UnsupportedResult",
    "ResultTooLarge",
    "MemoryLimit",
    "CallTimeout",
    "BudgetExhausted",
    "WorkerCrashed",
    "ReplyTimeout",
    "WorkerGone",
    "IsolationUnavailable",
]


class WorkerError(Exception):
    """Base of everything a call through the worker can raise (see ``client.py``)."""

    output: str = ""  # what the code printed during the failed call (set by the client)


# ------------------------------------------------------------------------- protocol


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


# --------------------------------------------------------------------------- calls


class StudentException(WorkerError):
    """The submission's code raised an exception (SystemExit and KeyboardInterrupt too)."""

    def __init__(self, function: str, type: str, message: str, where: str, traceback=()):
        self.function, self.type, self.message, self.where = function, type, message, where
        self.traceback = list(traceback)
        at = f" ({where})" if where else ""
        super().__init__(f"{function} raised {type}: {message}{at}")


class ImportFailed(WorkerError):
    """A topic module is missing or raised while being imported."""

    def __init__(self, module: str, message: str):
        self.module = module
        super().__init__(message)


class MissingFunction(WorkerError):
    """The topic module has no such function, or it is not callable."""


class UnsupportedResult(WorkerError):
    """The function returned something that is not plain data (an object, a subclass...)."""


class ResultTooLarge(WorkerError):
    """The result exceeds ``max_result_bytes``."""


class MemoryLimit(WorkerError):
    """The code ran out of memory (MemoryError, or the worker died of the limit)."""


class CallTimeout(WorkerError):
    """The call did not finish in time; the worker was killed."""


class BudgetExhausted(CallTimeout):
    """The submission has used up its total time budget; no more calls are run."""


class WorkerCrashed(WorkerError):
    """The worker process died (or could not start)."""

    def __init__(self, message: str, returncode: int | None = None, tail: str = ""):
        self.returncode = returncode
        self.signal = (
            signal.Signals(-returncode).name
            if returncode is not None and returncode < 0 and -returncode in signal.valid_signals()
            else None
        )
        self.tail = tail
        if tail:
            message += "\nLast output:\n" + tail
        super().__init__(message)


# ----------------------------------------------------- a round trip without a reply


class ReplyTimeout(Exception):
    """The round trip's deadline passed before the reply came."""


class WorkerGone(Exception):
    """The worker exited, or closed a pipe, before its reply came."""


# ------------------------------------------------------------------------ isolation


class IsolationUnavailable(RuntimeError):
    """The requested isolation level cannot be used on this host (with the reason)."""
