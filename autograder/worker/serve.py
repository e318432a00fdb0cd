"""The worker's request loop: one submission, its modules imported once, then calls.

Started by the worker script (``runner.py``) once the process is confined, it serves
requests, one frame each, until the request pipe closes:

- ``{"op": "hello", "submission": "/path"}``: remember the submission folder; its topic
  modules are imported lazily, as a private package (``_deepgrade_submission``), so the
  relative imports between them work, exactly as ``deepgrade/implementation.py`` does
  in-process;
- ``{"op": "call", "id": n, "module": m, "function": f, "args": [...], "kwargs": {...}}``;
  ``"op": "call_args"`` answers ``[result, args, kwargs]``, the arguments as the call
  left them (so the grader can see whether the code modified its inputs);
- ``{"op": "get", "id": n, "module": m, "name": a}``: a module-level value (plain data;
  for a function, the outcome ``function`` says it is one, to be called by name);
- ``{"op": "ping", "id": n}``; ``{"op": "bye"}``.

Each answer is one frame ``{"id": n, <outcome>: ...}`` with exactly one outcome:
``ok`` (the value), ``error`` (the student's code raised: ``type``, ``message``,
``where`` such as ``"convolution.py line 42"``, ``traceback``), ``import_error``,
``missing``, ``memory_error``, ``too_large``, ``unsupported`` (the result is not plain
data) or ``bad_request``.

Functions cannot cross the boundary. An argument may be a *callback*: the grader's own
function stays with the grader, and the worker's stand-in sends
``{"id": n, "callback": {"i": index, "args": [...], "kwargs": {...}}}`` and waits for
``{"op": "callback_result", "ok": value}`` (or ``"error": {"type", "message"}``, raised
here as that built-in exception type). Generators sent with a reference index come back
as ``"rng": [[index, final PCG64 state], ...]`` beside the outcome. Arguments may also
name a function from the worker's registry (``functions.py``; a ``FunctionRef(name,
args)`` on the grader side). Standalone (stdlib and numpy), loaded by the worker script
from its own folder.
"""

from __future__ import annotations

import builtins
import importlib
import importlib.util
import linecache
import os
import sys
import traceback
import warnings

from .decoding import decode
from .encoding import encode
from .errors import ChannelClosed, MessageTooLarge, ProtocolError, UnsupportedValue
from .frames import DEFAULT_MAX_BYTES, read_frame, write_frame
from .functions import FUNCTIONS

PACKAGE = "_deepgrade_submission"
MESSAGE_CAP = 4000  # characters of an exception message sent back


def _safe_str(value, cap: int = MESSAGE_CAP) -> str:
    try:
        text = str(value)
        if type(text) is not str:
            raise TypeError
    except BaseException:
        return "<the exception's message could not be printed>"
    return text if len(text) <= cap else text[:cap] + f" [... {len(text) - cap} more characters]"


def _type_name(exc: BaseException) -> str:
    try:
        name = type(exc).__name__
        return name if type(name) is str else "<exception>"
    except BaseException:
        return "<exception>"


def _type_name_of(category) -> str:
    name = getattr(category, "__name__", "Warning")
    return name if type(name) is str else "Warning"


def _flush_output() -> None:
    for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
        try:
            stream.flush()
        except BaseException:
            pass


class Worker:
    """The request loop: one submission folder, its modules imported once, then calls."""

    def __init__(self, config: dict, limits_report: dict):
        self.request_fd = int(config["request_fd"])
        self.response_fd = int(config["response_fd"])
        self.max_request = int(config.get("max_request_bytes", DEFAULT_MAX_BYTES))
        self.max_result = int(config.get("max_result_bytes", DEFAULT_MAX_BYTES))
        self.limits_report = limits_report
        self.folder: str | None = None
        self.modules: dict = {}
        self.import_errors: dict = {}
        self.current: str | None = None  # what is being run, for messages
        self.ident = None  # the request being served (callbacks answer to it)
        self.warnings: list = []  # [category name, message] raised by the last call
        for fd in (self.request_fd, self.response_fd):
            os.set_inheritable(fd, False)  # subprocesses of the code under test never get them

    # ---- replies

    def send(self, reply: dict) -> None:
        try:
            frame = encode(reply, max_bytes=self.max_result, path="result")
        except MessageTooLarge as err:
            frame = self._fallback(reply, "too_large", {"message": str(err), "limit": err.limit})
        except UnsupportedValue as err:
            frame = self._fallback(reply, "unsupported", {"message": str(err)})
        except MemoryError:
            frame = self._fallback(
                reply, "memory_error", {"message": "out of memory sending the result"}
            )
        write_frame(self.response_fd, frame)

    def _fallback(self, reply: dict, outcome: str, detail: dict) -> bytes:
        function = self.current or "the function"
        message = _safe_str(detail["message"]).replace("result['ok']", "result", 1)
        detail["message"] = f"{function} returned a value that cannot be graded: {message}"
        return encode({"id": reply.get("id"), outcome: detail})

    # ---- student code

    def _inside(self, filename) -> bool:
        try:
            path = os.path.realpath(filename)
        except (TypeError, ValueError):
            return False
        return self.folder is not None and path.startswith(self.folder + os.sep)

    def _relative(self, filename: str) -> str:
        return os.path.relpath(os.path.realpath(filename), self.folder)

    def place(self, warning) -> str:
        """Where in the submission a warning was raised ("layers.py line 12: code"), or ''
        (as deepgrade.hints.warning_place says it in-process)."""
        try:
            if not self._inside(warning.filename):
                return ""
            code = linecache.getline(warning.filename, warning.lineno).strip()
            where = f"{self._relative(warning.filename)} line {warning.lineno}"
            return _safe_str(f"{where}: {code}" if code else where, 300)
        except BaseException:
            return ""

    def describe(self, exc: BaseException) -> dict:
        """type, message, where and the submission's part of the traceback."""
        lines, where = [], ""
        try:
            for frame in traceback.extract_tb(exc.__traceback__):
                if self._inside(frame.filename):
                    where = f"{self._relative(frame.filename)} line {frame.lineno}"
                    code = f": {frame.line}" if frame.line else ""
                    lines.append(f"{where}, in {frame.name}{code}")
            if isinstance(exc, SyntaxError) and exc.filename and self._inside(exc.filename):
                where = f"{self._relative(exc.filename)} line {exc.lineno}"
        except BaseException:
            pass
        if isinstance(exc, SystemExit):
            message = f"the code called sys.exit({_safe_str(repr(exc.code), 200)})"
        elif isinstance(exc, KeyboardInterrupt):
            message = "the code raised KeyboardInterrupt"
        else:
            message = _safe_str(exc)
        return {
            "type": _type_name(exc),
            "message": message,
            "where": where,
            "traceback": lines[-20:],
        }

    def module(self, name: str):
        """The submission's topic module, or an outcome dict saying why there is none."""
        if name in self.modules:
            return self.modules[name]
        if name in self.import_errors:
            return self.import_errors[name]
        if not name.isidentifier():
            return {"missing": {"message": f"{name!r} is not a module name"}}
        if not os.path.isfile(os.path.join(self.folder, f"{name}.py")):
            error = {
                "import_error": {"module": name, "message": f"the submission has no {name}.py"}
            }
            self.import_errors[name] = error
            return error
        try:
            self.modules[name] = importlib.import_module(f"{PACKAGE}.{name}")
            return self.modules[name]
        except MemoryError as exc:
            sys.modules.pop(f"{PACKAGE}.{name}", None)
            return {"memory_error": self.describe(exc)}
        except BaseException as exc:  # a submission may raise anything, SystemExit included
            detail = self.describe(exc)
            where = f" ({detail['where']})" if detail["where"] else ""
            detail["module"] = name
            detail["message"] = (
                f"{name}.py could not be imported{where}: {detail['type']}: {detail['message']}"
            )
            error = {"import_error": detail}
            self.import_errors[name] = error
            return error

    def lookup(self, module_name: str, attribute: str):
        module = self.module(module_name)
        if isinstance(module, dict):
            return module
        if type(attribute) is not str or not attribute.isidentifier():
            return {"missing": {"message": f"{attribute!r} is not a name"}}
        try:
            return {"found": getattr(module, attribute)}
        except AttributeError:
            return {"missing": {"message": f"{module_name}.py has no {attribute}"}}
        except BaseException as exc:
            return {"error": self.describe(exc)}

    def make_callback(self, index: int):
        """The stand-in for the grader's function ``index``: ask the grader, wait, return."""
        worker = self

        def callback(*args, **kwargs):
            try:
                frame = encode(
                    {
                        "id": worker.ident,
                        "callback": {"i": index, "args": list(args), "kwargs": kwargs},
                    },
                    max_bytes=worker.max_result,
                    path="callback argument",
                )
            except UnsupportedValue as err:
                raise TypeError(f"cannot pass this to the test's function: {err}") from None
            write_frame(worker.response_fd, frame)
            answer = decode(read_frame(worker.request_fd, worker.max_request))
            if type(answer) is not dict or answer.get("op") != "callback_result":
                raise ProtocolError("expected the result of the test's function")
            if "ok" in answer:
                return answer["ok"]
            error = answer.get("error") if type(answer.get("error")) is dict else {}
            kind = getattr(builtins, str(error.get("type")), None)
            if not (isinstance(kind, type) and issubclass(kind, Exception)):
                kind = RuntimeError
            raise kind(f"the test's function raised: {error.get('message', '')}")

        return callback

    def submission_function(self, module: str, name: str):
        """The submission's own ``module.name``, for a ``sub`` argument."""
        found = self.lookup(module, name) if self.folder else {}
        if "found" not in found or not callable(found["found"]):
            raise ProtocolError(f"the submission has no function {module}.{name}")
        return found["found"]

    def call(self, request: dict) -> dict:
        found = self.lookup(request["module"], request["function"])
        if "found" not in found:
            return found
        function = found["found"]
        if not callable(function):
            return {"missing": {"message": f"{request['function']} is not a function"}}
        args, kwargs = request["args"], request["kwargs"]
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                value = function(*args, **kwargs)
            except MemoryError as exc:
                return {"memory_error": self.describe(exc)}
            except BaseException as exc:
                return {"error": self.describe(exc)}
            finally:
                _flush_output()
                # what the call warned (overflow in exp...) and where in the submission, for
                # the grader to warn again
                self.warnings = [
                    [_type_name_of(w.category), _safe_str(w.message, 500), self.place(w)]
                    for w in caught[:20]
                ]
        return {"ok": value}

    # ---- the loop

    def serve(self) -> int:
        while True:
            try:
                frame = read_frame(self.request_fd, self.max_request)
            except ChannelClosed:
                return 0
            self.current, ident, rngs = None, None, {}
            try:
                request = decode(
                    frame,
                    max_bytes=self.max_request,
                    functions=FUNCTIONS,
                    callback=self.make_callback,
                    submission=self.submission_function,
                    rngs=rngs,
                )
                if type(request) is not dict:
                    raise TypeError("a request must be a dict")
                ident = self.ident = request.get("id")
                if request.get("op") == "bye":
                    return 0
                reply = self.handle(request.get("op"), request)
            except (ProtocolError, KeyError, TypeError, ValueError) as err:
                reply = {"bad_request": {"message": f"{type(err).__name__}: {err}"}}
            reply["id"] = ident
            if rngs:
                reply["rng"] = [[i, g.bit_generator.state] for i, g in sorted(rngs.items())]
            if self.warnings:
                reply["warnings"], self.warnings = self.warnings, []
            _flush_output()
            self.send(reply)

    def handle(self, op, request: dict) -> dict:
        if op == "ping":
            return {"ok": "pong"}
        if op == "hello":
            folder = request["submission"]
            if type(folder) is not str or not os.path.isdir(folder):
                return {"bad_request": {"message": f"no submission folder {folder!r}"}}
            self.folder = os.path.realpath(folder)
            spec = importlib.util.spec_from_loader(PACKAGE, loader=None, is_package=True)
            package = importlib.util.module_from_spec(spec)
            package.__path__ = [self.folder]
            sys.modules[PACKAGE] = package
            import numpy

            return {
                "ok": {
                    "pid": os.getpid(),
                    "python": sys.version.split()[0],
                    "numpy": numpy.__version__,
                    "limits": self.limits_report,
                    "functions": sorted(FUNCTIONS),
                }
            }
        if self.folder is None:
            return {"bad_request": {"message": "the first request must be 'hello'"}}
        if op in ("call", "call_args"):
            if type(request["args"]) is not list or type(request["kwargs"]) is not dict:
                raise TypeError("args must be a list and kwargs a dict")
            self.current = f"{request['function']}()"
            reply = self.call(request)
            if op == "call_args" and "ok" in reply:  # the arguments as the call left them
                args, kwargs = _data_only(request["args"]), _data_only(request["kwargs"])
                reply["ok"] = [reply["ok"], args, kwargs]
            return reply
        if op == "get":
            self.current = f"{request['module']}.{request['name']}"
            found = self.lookup(request["module"], request["name"])
            if "found" not in found:
                return found
            value = found.pop("found")
            if callable(value):  # a provided function: the grader calls it by name
                return {"function": {"name": request["name"]}}
            return {"ok": value}
        return {"bad_request": {"message": f"unknown op {op!r}"}}


def _data_only(value):
    """``value`` with functions and generators (which cannot go back) replaced by None."""
    import numpy

    if callable(value) or isinstance(value, numpy.random.Generator):
        return None
    if type(value) in (list, tuple):
        return type(value)(_data_only(v) for v in value)
    if type(value) is dict:
        return {k: _data_only(v) for k, v in value.items()}
    return value
