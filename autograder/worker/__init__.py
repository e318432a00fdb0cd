"""The trust boundary: run a submission's code in a worker process, exchange plain data.

- ``protocol.py``: the wire format (JSON header + ``.npy`` blobs, no pickle), shared by
  both sides; stdlib + numpy only.
- ``runner.py``: the worker script (untrusted side); standalone, loads ``protocol.py``
  by path, so the two files can be copied alone into a sandbox.
- ``client.py``: :class:`Worker`, the trusted side: one worker per submission, limits,
  timeouts, restarts.
"""

from autograder.worker.client import (
    ISOLATION_LEVELS,
    BudgetExhausted,
    CallTimeout,
    FunctionRef,
    ImportFailed,
    MemoryLimit,
    MissingFunction,
    ProtocolError,
    RemoteFunction,
    ResultTooLarge,
    RngRef,
    StudentException,
    UnsupportedResult,
    Worker,
    WorkerCrashed,
    WorkerError,
)

__all__ = [
    "ISOLATION_LEVELS",
    "BudgetExhausted",
    "CallTimeout",
    "FunctionRef",
    "ImportFailed",
    "MemoryLimit",
    "MissingFunction",
    "ProtocolError",
    "RemoteFunction",
    "ResultTooLarge",
    "RngRef",
    "StudentException",
    "UnsupportedResult",
    "Worker",
    "WorkerCrashed",
    "WorkerError",
]
