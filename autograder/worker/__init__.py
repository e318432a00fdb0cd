"""The trust boundary: run a submission's code in a worker process, exchange plain data.

The trusted side (the grader's process):

- ``client.py``: :class:`Worker`, the call loop: one worker per submission, requests and
  their replies, callbacks, time budgets, restarts after a crash.
- ``channel.py``: the worker process itself: started with three pipes, one request frame
  out and its reply back while the output is drained and capped, stopped with its group.
- ``launch.py``: staging a submission and the worker's command at each isolation level.
- ``sandbox.py``: the isolation levels (``LEVELS``): which this host provides (probes and
  a trial run of the real worker) and which ``auto`` picks.
- ``processes.py``: what every process the grader starts shares (a clean environment, a
  group kill).

The worker's side: standalone modules (stdlib and numpy only), copied alone into each
worker's folder (``launch.WORKER_MODULES``), so that nothing else of the grader is visible:

- ``runner.py``: the worker script: confines itself, then serves or probes; it loads the
  modules below from its own folder as a private package.
- ``confine.py``: the resource limits and Landlock, applied before numpy is imported.
- ``serve.py``: the request loop: imports the submission, runs calls, sends replies.
- ``functions.py``: the registry of named functions a ``FunctionRef`` can name.

Both sides (copied into the worker's folder too):

- ``protocol.py``: the wire format (JSON header + ``.npy`` blobs, no pickle): the values
  and references a message may hold; ``frames.py`` (frames on a byte stream),
  ``encoding.py`` and ``decoding.py`` (a value into a frame and back).
- ``errors.py``: every exception of the package (:class:`WorkerError` and the rest).
"""

from autograder.worker.client import ISOLATION_LEVELS, RemoteFunction, Worker
from autograder.worker.errors import (
    BudgetExhausted,
    CallTimeout,
    ImportFailed,
    MemoryLimit,
    MissingFunction,
    ProtocolError,
    ResultTooLarge,
    StudentException,
    UnsupportedResult,
    WorkerCrashed,
    WorkerError,
)
from autograder.worker.protocol import FunctionRef, RngRef

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
