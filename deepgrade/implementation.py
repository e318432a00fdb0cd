"""Load the implementation that tests run against: solutions, exercises, or a student's folder.

An implementation is selected by a *spec*:

- ``"solutions"`` / ``"exercises"``: the packages of this project;
- a path to a folder holding (copies of) the topic modules, e.g. ``convolution.py``.

Functions are looked up by exercise name (``impl.conv2d``), so a test never needs to know
which module holds what. A module that is missing or fails to import costs only the
exercises in that module, with a message saying why.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import importlib.util
import sys
import traceback
import warnings
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from deepgrade.catalog import BY_NAME, TOPICS
from deepgrade.hints import annotate, frames_of, placed, warning_place
from deepgrade.paths import PACKAGES

# Provided helper modules the topic modules import; taken from exercises/ when a
# student's folder holds only the topic modules.
PROVIDED = ("_validate",)


def fresh(value: Any) -> Any:
    """Arrays, also inside lists, tuples and dicts, as new writable C-ordered copies (as the
    worker decodes them: the same memory layout gives the same last bits of a sum)."""
    if isinstance(value, np.ndarray):
        return np.array(value, order="C")
    if isinstance(value, list | tuple):
        return type(value)(fresh(v) for v in value)
    if isinstance(value, dict):
        return {k: fresh(v) for k, v in value.items()}
    return value


def _placing_warnings(function: Callable, folder: Path | None, *args: Any, **kwargs: Any) -> Any:
    """``function(*args, **kwargs)``; the warnings it raises are raised again with where in
    the submission ``folder`` they come from (:func:`deepgrade.hints.placed`), as the
    worker's client raises them."""
    __tracebackhide__ = True
    if folder is None:
        return function(*args, **kwargs)
    caught: list = []
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            return function(*args, **kwargs)
    finally:
        for warning in caught[:20]:
            place = warning_place(warning.filename, warning.lineno, folder)
            warnings.warn(placed(warning.message, place), stacklevel=2)


def on_copies(function: Callable, name: str = "", folder: Path | None = None) -> Callable:
    """``function`` called on fresh copies of its array arguments, as the grader's worker
    receives them: a submission that writes into its inputs then behaves the same in both
    modes, and never changes a test's own arrays. An error it raises gets the hint the
    worker's proxy gives too (:func:`deepgrade.hints.annotate`), given the exercise's
    ``name`` and the ``folder`` of the submission's files."""

    @functools.wraps(function)
    def call(*args: Any, **kwargs: Any) -> Any:
        __tracebackhide__ = True  # pytest shows the student's line, not the kit's
        try:
            return _placing_warnings(function, folder, *fresh(args), **fresh(kwargs))
        except Exception as err:
            if folder is not None:
                annotate(err, name, frames_of(err, folder), args, kwargs)
            raise

    return call


def returning_inputs(function: Callable, name: str = "", folder: Path | None = None):
    """``function`` called on fresh copies of its inputs, returning ``(result, args,
    kwargs)`` with the copies as the call left them (an in-process ``with_inputs``)."""

    def call(*args: Any, **kwargs: Any) -> tuple:
        __tracebackhide__ = True  # pytest shows the student's line, not the kit's
        copies, copied = fresh(args), fresh(kwargs)
        try:
            return _placing_warnings(function, folder, *copies, **copied), copies, copied
        except Exception as err:
            if folder is not None:
                annotate(err, name, frames_of(err, folder), args, kwargs)
            raise

    return call


class SubmissionError(AttributeError):
    """The implementation cannot provide what a test asked for (missing module or function).

    An AttributeError, so ``getattr(impl, name, default)`` and libraries that probe
    attributes (hypothesis) behave as with any object.
    """


class Implementation:
    """Attribute access to an implementation's exercise functions and module constants."""

    # The grading engine reads these of any implementation; in-process there is no
    # isolation and no time budget.
    isolation = "none (in-process)"
    budget_exhausted = False

    @property
    def failed_imports(self) -> dict[str, str]:
        return dict(self._errors)

    def __init__(self, spec: str | Path):
        self.spec = str(spec)
        self.origin = self._origin()
        self._modules: dict[str, ModuleType] = {}
        self._errors: dict[str, str] = {}
        self._package = self._package_name()

    def _origin(self) -> Path:
        if self.spec in PACKAGES:
            found = importlib.util.find_spec(self.spec)
            if found is None or found.origin is None:
                raise SubmissionError(f"there is no '{self.spec}' package here")
            return Path(found.origin).parent
        path = Path(self.spec).expanduser().resolve()
        if not path.is_dir():
            raise SubmissionError(
                f"implementation {self.spec!r} is neither 'solutions', 'exercises' "
                "nor a folder holding your copies of the exercise modules"
            )
        return path

    def _package_name(self) -> str:
        if self.spec in PACKAGES:
            return self.spec
        # A private package name per folder, so relative imports between the topic
        # modules work and two submissions never share module objects.
        digest = hashlib.sha1(str(self.origin).encode()).hexdigest()[:12]
        name = f"_deepgrade_submission_{digest}"
        if name not in sys.modules:
            spec = importlib.util.spec_from_loader(name, loader=None, is_package=True)
            package = importlib.util.module_from_spec(spec)
            package.__path__ = [str(self.origin)]
            sys.modules[name] = package
            for helper in PROVIDED:  # a folder of only the topic modules still imports
                if not (self.origin / f"{helper}.py").is_file():
                    sys.modules[f"{name}.{helper}"] = importlib.import_module(f"exercises.{helper}")
        return name

    def module(self, topic: str) -> ModuleType:
        """The topic module, imported once; raises SubmissionError if it cannot be."""
        if topic in self._modules:
            return self._modules[topic]
        if topic in self._errors:
            raise SubmissionError(self._errors[topic])
        if not (self.origin / f"{topic}.py").is_file():
            self._errors[topic] = f"the submission has no {topic}.py"
        else:
            try:
                self._modules[topic] = importlib.import_module(f"{self._package}.{topic}")
                return self._modules[topic]
            except BaseException as err:  # a submission may raise anything, SystemExit included
                self._errors[topic] = (
                    f"{topic}.py could not be imported{self._where(err)}: "
                    f"{type(err).__name__}: {err}"
                )
        raise SubmissionError(self._errors[topic])

    def _where(self, err: BaseException) -> str:
        """' (convolution.py line 12)': the submission's own line where the import failed."""
        if isinstance(err, SyntaxError) and err.filename:
            return f" ({Path(err.filename).name} line {err.lineno})"
        inside = [
            frame
            for frame in traceback.extract_tb(err.__traceback__)
            if Path(frame.filename).parent == self.origin
        ]
        return f" ({Path(inside[-1].filename).name} line {inside[-1].lineno})" if inside else ""

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        entry = BY_NAME.get(name)
        topics = [entry.module] if entry else list(TOPICS)
        for topic in topics:
            module = self.module(topic) if entry else self._try_module(topic)
            if module is not None and hasattr(module, name):
                found = getattr(module, name)
                return on_copies(found, name, self.origin) if callable(found) else found
        if entry:
            raise SubmissionError(f"{entry.label}: {entry.module}.py has no function {name}")
        broken = "; ".join(self._errors.values())
        raise SubmissionError(
            f"no topic module defines {name!r}" + (f" (and {broken})" if broken else "")
        )

    def with_inputs(self, name: str):
        """``f(*args, **kwargs) -> (result, args, kwargs)``: here the inputs themselves, as
        the call left them (the worker's version sends them back)."""
        return returning_inputs(getattr(self, name).__wrapped__, name, self.origin)

    def _try_module(self, topic: str) -> ModuleType | None:
        try:
            return self.module(topic)
        except SubmissionError:
            return None

    def __repr__(self) -> str:
        return f"Implementation({self.spec!r} at {self.origin})"
