"""The ``impl`` a test sees when grading: the submission, reached only through its worker.

:class:`WorkerImplementation` has the interface of
:class:`deepgrade.implementation.Implementation` (``impl.conv2d(...)``,
``impl.FILTERS``), so the same suites run in-process (debugging) and through the worker
(grading). Every value a test gets back is plain data decoded on the trusted side.
"""

from __future__ import annotations

import ast
import builtins
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from autograder.worker import (
    BudgetExhausted,
    CallTimeout,
    ImportFailed,
    MemoryLimit,
    MissingFunction,
    RemoteFunction,
    StudentException,
    Worker,
    WorkerCrashed,
    WorkerError,
)
from autograder.worker.protocol import SubmissionRef
from deepgrade.catalog import BY_NAME, TOPICS
from deepgrade.hints import annotate
from deepgrade.implementation import SubmissionError


def as_trusted_exception(err: StudentException) -> BaseException:
    """The student's exception as the same built-in type, made here from its message.

    A test's ``pytest.raises(ValueError)`` and the report's wording then agree with
    in-process runs; other types (custom classes, SystemExit) stay a StudentException.
    """
    kind = getattr(builtins, err.type, None)
    if isinstance(kind, type) and issubclass(kind, Exception) and not issubclass(kind, OSError):
        if issubclass(kind, KeyError):  # str(KeyError(k)) is repr(k): rebuild k itself
            try:
                return kind(ast.literal_eval(err.message))
            except (ValueError, SyntaxError, MemoryError, RecursionError):
                pass
        return kind(err.message)
    return err


# A function that failed one of its calls this way is not called again: a hang costs one
# call timeout, not one per remaining check (BudgetExhausted already stops every call).
FAIL_FAST = (CallTimeout, MemoryLimit, WorkerCrashed)
NOT_RUN_AGAIN = "[not run again: an earlier check of this function failed this way]"


@dataclass
class FailedFunction:
    """The first call of a function that failed fast, and how many calls were refused since."""

    kind: type[WorkerError]
    message: str
    refused: int = 0

    def again(self) -> WorkerError:
        """The same error with the same message, its first line marked as not run."""
        first, newline, rest = self.message.partition("\n")
        self.refused += 1
        return self.kind(f"{first} {NOT_RUN_AGAIN}{newline}{rest}")

    def note(self, label: str) -> str:
        first = self.message.partition("\n")[0]
        return (
            f"{label}: {self.kind.__name__}: {first}; its {self.refused} later call(s) "
            "failed at once without running"
        )


class WorkerImplementation:
    """Attribute access to a submission's functions and constants, through a Worker."""

    def __init__(self, submission: str | Path, **worker_options: Any):
        self.spec = str(submission)
        self.origin = Path(submission).expanduser().resolve()
        if not self.origin.is_dir():
            raise SubmissionError(f"{submission} is not a folder")
        self.worker = Worker(self.origin, **worker_options)
        self.isolation = self.worker.isolation
        self.failed_imports: dict[str, str] = {}
        self.failed_functions: dict[str, FailedFunction] = {}  # by label
        self.budget_exhausted = False
        self._imported: set[str] = set()

    def _import(self, module: str) -> None:
        """Import ``module`` in the worker once, on its own call: an import that hangs costs
        that module's tests one call timeout, not the whole submission's time budget."""
        if module in self.failed_imports:
            raise SubmissionError(self.failed_imports[module])
        if module in self._imported:
            return
        try:
            self._run(self.worker.get, module, "__deepgrade_import_probe__")
        except MissingFunction:
            pass  # imported; the probe name is not meant to exist
        except CallTimeout as err:
            if isinstance(err, BudgetExhausted):
                raise
            self.failed_imports[module] = message = (
                f"{module}.py could not be imported: importing it did not finish within "
                f"{self.worker.call_timeout:g} s"
            )
            raise SubmissionError(message) from None
        except WorkerError as err:  # it crashed the worker (os._exit, a signal...) on import
            reason = str(err).replace("__deepgrade_import_probe__()", f"import of {module}.py")
            self.failed_imports[module] = message = f"{module}.py could not be imported: {reason}"
            raise SubmissionError(message) from None
        self._imported.add(module)

    def _run(self, call, *args: Any, **kwargs: Any) -> Any:
        try:
            return call(*args, **kwargs)
        except StudentException as err:
            trusted = as_trusted_exception(err)
            if call in (self.worker.call, self.worker.call_args):  # args: module, name, ...
                annotate(trusted, args[1], err.traceback, args[2:], kwargs)
            raise trusted from None
        except ImportFailed as err:
            self.failed_imports[err.module] = str(err)
            raise SubmissionError(str(err)) from None
        except BudgetExhausted:
            self.budget_exhausted = True
            raise

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        entry = BY_NAME.get(name)
        if entry is not None:
            return self._caller(entry.module, name, entry.label)
        # provided constants (FILTERS...) and functions (init_digit_network...): the first
        # topic module that has the name
        for topic in TOPICS:
            try:
                self._import(topic)
                value = self._run(self.worker.get, topic, name)
            except (MissingFunction, SubmissionError):
                continue
            if isinstance(value, RemoteFunction):
                return self._caller(topic, name, f"{topic}.{name}")
            return value
        raise SubmissionError(f"no topic module defines {name!r}")

    def _caller(self, module: str, name: str, label: str) -> SubmissionRef:
        """Callable here (through the worker); passed to the submission, its own function."""

        def call(*args: Any, **kwargs: Any) -> Any:
            return self._call_function(self.worker.call, module, name, label, args, kwargs)

        return SubmissionRef(module, name, call)

    def with_inputs(self, name: str):
        """``f(*args, **kwargs) -> (result, args, kwargs)``, the inputs as the call left them."""
        entry = BY_NAME[name]

        def call(*args: Any, **kwargs: Any) -> tuple:
            result, args_after, kwargs_after = self._call_function(
                self.worker.call_args, entry.module, name, entry.label, args, kwargs
            )
            return result, tuple(args_after), kwargs_after

        return call

    def _call_function(self, call, module: str, name: str, label: str, args, kwargs) -> Any:
        """One call of a submission's function; after a timeout, a memory error or a crash
        of the worker, every later call of that function fails at once the same way."""
        failed = self.failed_functions.get(label)
        if failed is not None:
            raise failed.again()
        try:
            self._import(module)
            return self._run(call, module, name, *args, **kwargs)
        except MissingFunction:
            raise SubmissionError(f"{label}: {module}.py has no function {name}") from None
        except FAIL_FAST as err:
            if not isinstance(err, BudgetExhausted):
                self.failed_functions[label] = FailedFunction(type(err), str(err))
            raise

    @property
    def fail_fast_notes(self) -> list[str]:
        """For the report: each function that failed fast, and what that cost it."""
        return [failed.note(label) for label, failed in self.failed_functions.items()]

    def close(self) -> None:
        self.worker.close()

    def __repr__(self) -> str:
        return f"WorkerImplementation({self.spec!r}, isolation={self.isolation!r})"


__all__ = ["WorkerImplementation", "WorkerError", "as_trusted_exception"]
