"""deepgrade's worker: the untrusted side of the trust boundary.

A standalone script (stdlib + numpy, plus ``protocol.py`` loaded by path from this
script's folder), so that the two files can be copied alone into a sandbox. The grader
(``client.py``) starts it as::

    python -I -B runner.py '{"request_fd": 3, "response_fd": 4, "limits": {...}, ...}'

with the two protocol pipes passed as inherited file descriptors; stdout and stderr
(fds 1 and 2) are a pipe that the grader reads, caps and attributes to the current call.

On start it applies the resource limits and, when the config has ``"landlock": {"read":
[...], "write": [...]}``, confines itself with Landlock (both before numpy is imported;
it refuses to run if Landlock was asked for and is missing). With ``"probe": [paths]``
it only reports, as one JSON line, whether numpy imports and which of the paths it can
read or open for writing (the grader's trial of an isolation level). Otherwise it serves
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
name a function from :data:`FUNCTIONS` (a ``FunctionRef(name, args)`` on the grader
side). To add one, register a plain function of the call arguments followed by the bound
``args``::

    @register("shifted_square_sum")
    def _shifted_square_sum(x, center):
        return np.sum((np.asarray(x, dtype=float) - center) ** 2)

Keep these functions generic: this file is visible to the code under test and ships
with student releases, so it must never contain an exercise's solution.
"""

from __future__ import annotations

import builtins
import importlib
import importlib.util
import json
import linecache
import os
import sys
import traceback
import warnings

PACKAGE = "_deepgrade_submission"
MESSAGE_CAP = 4000  # characters of an exception message sent back


# ------------------------------------------------------------------ named functions

FUNCTIONS: dict = {}


def register(name: str):
    """Add a function to :data:`FUNCTIONS` under ``name``."""

    def add(function):
        FUNCTIONS[name] = function
        return function

    return add


def _np():
    import numpy

    return numpy


@register("square_sum")
def _square_sum(x):
    """f(x) = sum(x**2); its gradient is 2x."""
    np = _np()
    return np.sum(np.asarray(x, dtype=np.float64) ** 2)


@register("quadratic_gradient")
def _quadratic_gradient(w):
    """g(w) = 2w, the gradient of w**2 (a number stays a number)."""
    np = _np()
    return (2.0 * np.asarray(w, dtype=np.float64))[()]


@register("skier_loss")
def _skier_loss(w):
    """The slides' skier landscape L(w) = w**4 - 4w**2 - w (elementwise)."""
    np = _np()
    w = np.asarray(w, dtype=np.float64)
    return (w**4 - 4.0 * w**2 - w)[()]


@register("skier_gradient")
def _skier_gradient(w):
    """L'(w) = 4w**3 - 8w - 1 (elementwise)."""
    np = _np()
    w = np.asarray(w, dtype=np.float64)
    return (4.0 * w**3 - 8.0 * w - 1.0)[()]


@register("weighted_sum")
def _weighted_sum(x, weights):
    """f(x) = sum(weights * x), bound to ``weights``; its gradient is ``weights``."""
    np = _np()
    return np.sum(np.asarray(weights, dtype=np.float64) * np.asarray(x, dtype=np.float64))


@register("shifted_square_sum")
def _shifted_square_sum(x, center):
    """f(x) = sum((x - center)**2), bound to ``center``; its gradient is 2(x - center)."""
    np = _np()
    return np.sum((np.asarray(x, dtype=np.float64) - np.asarray(center, dtype=np.float64)) ** 2)


# ------------------------------------------------------------------------- limits


def _user_tasks(uid: int) -> int:
    """Processes and threads of ``uid`` now (RLIMIT_NPROC counts both), from /proc."""
    count = 0
    try:
        names = os.listdir("/proc")
    except OSError:
        return 0
    for name in names:
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/status", "rb") as status:
                fields = dict(
                    line.split(b":", 1) for line in status.read().splitlines() if b":" in line
                )
            if int(fields[b"Uid"].split()[0]) == uid:
                count += int(fields[b"Threads"])
        except (OSError, KeyError, ValueError):
            continue
    return count


def apply_limits(limits: dict) -> dict:
    """Apply the resource limits to this process; report what each one does here."""
    report: dict = {}
    try:
        import resource
    except ImportError:  # not a Unix
        return {"all": "not applied: no resource module on this platform"}

    def set_limit(key, which, soft, hard=None):
        hard = soft if hard is None else hard
        try:
            _, old_hard = resource.getrlimit(which)
            if old_hard != resource.RLIM_INFINITY:
                soft, hard = min(soft, old_hard), min(hard, old_hard)
            resource.setrlimit(which, (soft, hard))
            report[key] = soft
        except (ValueError, OSError) as err:
            report[key] = f"not applied: {err}"

    set_limit("core_bytes", resource.RLIMIT_CORE, 0)
    if limits.get("memory_bytes"):
        set_limit("memory_bytes", resource.RLIMIT_AS, int(limits["memory_bytes"]))
    if limits.get("cpu_seconds"):
        cpu = int(limits["cpu_seconds"])
        set_limit("cpu_seconds", resource.RLIMIT_CPU, cpu, cpu + 2)
    if limits.get("file_bytes"):
        set_limit("file_bytes", resource.RLIMIT_FSIZE, int(limits["file_bytes"]))
    if limits.get("open_files"):
        set_limit("open_files", resource.RLIMIT_NOFILE, int(limits["open_files"]))
    if limits.get("processes") and hasattr(resource, "RLIMIT_NPROC"):
        uid = os.getuid()
        set_limit("processes", resource.RLIMIT_NPROC, _user_tasks(uid) + int(limits["processes"]))
        if uid == 0:
            report["processes"] = "not enforced: the worker runs as root"
    if os.getuid() == 0:
        report["note"] = (
            "running as root: code under test could raise its own hard limits back "
            "(CAP_SYS_RESOURCE); use an unprivileged user or the sandbox for real isolation"
        )
    return report


# ----------------------------------------------------------------------- landlock
# Linux Landlock (ctypes, so this file stays stdlib-only): the process restricts its own
# file access, TCP (ABI >= 4) and signals / abstract sockets (ABI >= 6); inherited by
# every child, and no way back. Constants from <linux/landlock.h>.

_SYS_CREATE_RULESET, _SYS_ADD_RULE, _SYS_RESTRICT_SELF = 444, 445, 446  # all Linux arches
_PR_SET_NO_NEW_PRIVS = 38
_FS_EXECUTE, _FS_WRITE_FILE, _FS_READ_FILE, _FS_READ_DIR = 1, 2, 4, 8
_FS_FILE_RIGHTS = _FS_EXECUTE | _FS_WRITE_FILE | _FS_READ_FILE | 1 << 14 | 1 << 15
_FS_READ = _FS_EXECUTE | _FS_READ_FILE | _FS_READ_DIR


def _syscall(number: int, *args, name: str = "syscall") -> int:
    """libc's ``syscall(number, *args)`` (or the function ``name``); -errno on failure."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    function = getattr(libc, name)
    function.restype = ctypes.c_long
    result = function(*([ctypes.c_long(number)] if name == "syscall" else []), *args)
    return -ctypes.get_errno() if result < 0 else result


def landlock_abi() -> int:
    """The kernel's Landlock ABI version; 0 where there is none (old kernel, disabled)."""
    if not sys.platform.startswith("linux"):
        return 0
    try:
        return max(0, _syscall(_SYS_CREATE_RULESET, None, 0, 1))  # 1: ask for the version
    except (OSError, AttributeError):
        return 0


def landlock(read: list, write: list) -> str:
    """Allow only ``read`` (read, list, execute) and ``write`` (everything) from now on.

    Paths that do not exist are skipped. Raises OSError when Landlock is unavailable, so
    a worker that asked for it never runs unconfined.
    """
    import ctypes
    import stat

    abi = landlock_abi()
    if abi < 1:
        raise OSError("Landlock is not available in this kernel")
    handled = (1 << 13) - 1 | (1 << 13 if abi >= 2 else 0) | (1 << 14 if abi >= 3 else 0)
    handled |= 1 << 15 if abi >= 5 else 0
    net = 0b11 if abi >= 4 else 0  # bind and connect TCP: no rule allows any port
    scoped = 0b11 if abi >= 6 else 0  # abstract unix sockets, signals outside the domain
    attr = (ctypes.c_uint64 * 3)(handled, net, scoped)
    size = 8 * (1 if abi < 4 else 2 if abi < 6 else 3)

    class PathBeneath(ctypes.Structure):
        _pack_ = 1
        _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]

    def check(result: int, what: str) -> int:
        if result < 0:
            raise OSError(-result, f"Landlock {what}: {os.strerror(-result)}")
        return result

    ruleset = check(_syscall(_SYS_CREATE_RULESET, ctypes.byref(attr), size, 0), "ruleset")
    try:
        for paths, access in ((read, _FS_READ), (write, handled)):
            for path in paths:
                try:
                    fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
                except OSError:
                    continue
                try:
                    is_dir = stat.S_ISDIR(os.fstat(fd).st_mode)
                    rule = PathBeneath(access & (handled if is_dir else _FS_FILE_RIGHTS), fd)
                    check(_syscall(_SYS_ADD_RULE, ruleset, 1, ctypes.byref(rule), 0), path)
                finally:
                    os.close(fd)
        check(_syscall(0, _PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0, name="prctl"), "no_new_privs")
        check(_syscall(_SYS_RESTRICT_SELF, ruleset, 0), "restrict_self")
    finally:
        os.close(ruleset)
    return (
        f"ABI {abi}: files" + (", no TCP" if net else "") + (", no signals out" if scoped else "")
    )


# --------------------------------------------------------------------- the worker


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

    def __init__(self, protocol, config: dict, limits_report: dict):
        self.p = protocol
        self.request_fd = int(config["request_fd"])
        self.response_fd = int(config["response_fd"])
        self.max_request = int(config.get("max_request_bytes", protocol.DEFAULT_MAX_BYTES))
        self.max_result = int(config.get("max_result_bytes", protocol.DEFAULT_MAX_BYTES))
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
        p = self.p
        try:
            frame = p.encode(reply, max_bytes=self.max_result, path="result")
        except p.MessageTooLarge as err:
            frame = self._fallback(reply, "too_large", {"message": str(err), "limit": err.limit})
        except p.UnsupportedValue as err:
            frame = self._fallback(reply, "unsupported", {"message": str(err)})
        except MemoryError:
            frame = self._fallback(
                reply, "memory_error", {"message": "out of memory sending the result"}
            )
        p.write_frame(self.response_fd, frame)

    def _fallback(self, reply: dict, outcome: str, detail: dict) -> bytes:
        function = self.current or "the function"
        message = _safe_str(detail["message"]).replace("result['ok']", "result", 1)
        detail["message"] = f"{function} returned a value that cannot be graded: {message}"
        return self.p.encode({"id": reply.get("id"), outcome: detail})

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
        p, worker = self.p, self

        def callback(*args, **kwargs):
            try:
                frame = p.encode(
                    {
                        "id": worker.ident,
                        "callback": {"i": index, "args": list(args), "kwargs": kwargs},
                    },
                    max_bytes=worker.max_result,
                    path="callback argument",
                )
            except p.UnsupportedValue as err:
                raise TypeError(f"cannot pass this to the test's function: {err}") from None
            p.write_frame(worker.response_fd, frame)
            answer = p.decode(p.read_frame(worker.request_fd, worker.max_request))
            if type(answer) is not dict or answer.get("op") != "callback_result":
                raise p.ProtocolError("expected the result of the test's function")
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
            raise self.p.ProtocolError(f"the submission has no function {module}.{name}")
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
        p = self.p
        while True:
            try:
                frame = p.read_frame(self.request_fd, self.max_request)
            except p.ChannelClosed:
                return 0
            self.current, ident, rngs = None, None, {}
            try:
                request = p.decode(
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
            except (p.ProtocolError, KeyError, TypeError, ValueError) as err:
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


def load_protocol():
    """``protocol.py`` from this script's own folder, whatever that folder is."""
    here = os.path.dirname(os.path.abspath(__file__))
    name = "_deepgrade_protocol"
    spec = importlib.util.spec_from_file_location(name, os.path.join(here, "protocol.py"))
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


# The grader's own packages. In the plain-process level they may be importable (an
# editable install puts them on sys.path): refuse them by name. This stops the easy
# route only; reading files by path is stopped by the bwrap level, not here.
GRADER_PACKAGES = ("solutions", "autograder", "deepgrade", "tests", "devtests", "datasets")


class _RefuseGraderPackages:
    @staticmethod
    def find_spec(name, path=None, target=None):
        if name.split(".")[0] in GRADER_PACKAGES:
            raise ImportError(f"a submission may not import the grader's package {name!r}")
        return None


def probe(paths: list) -> int:
    """The grader's trial of an isolation level: numpy imports, and which of ``paths``
    (the grader's files) this process can read or open for writing, as one JSON line."""
    import numpy

    readable, writable = [], []
    for path in paths:
        try:
            if os.path.isdir(path):
                os.listdir(path)
            else:
                os.close(os.open(path, os.O_RDONLY))
            readable.append(path)
        except OSError:
            pass
        try:  # opened for appending and closed at once: nothing is written
            os.close(os.open(path, os.O_WRONLY | os.O_APPEND))
            writable.append(path)
        except OSError:
            pass
    found = {"numpy": numpy.__version__, "readable": readable, "writable": writable}
    print(json.dumps(found))
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        print("usage: python -I -B runner.py CONFIG_JSON (started by deepgrade)", file=sys.stderr)
        return 2
    config = json.loads(argv[0])
    report = apply_limits(config.get("limits") or {})  # before numpy is imported
    if config.get("landlock"):  # before numpy and before any submission code
        try:
            report["landlock"] = landlock(config["landlock"]["read"], config["landlock"]["write"])
        except OSError as err:
            print(f"deepgrade worker: cannot confine itself: {err}", file=sys.stderr)
            return 3
    if "probe" in config:
        return probe(config["probe"])
    sys.meta_path.insert(0, _RefuseGraderPackages())
    for name in list(sys.modules):
        if name.split(".")[0] in GRADER_PACKAGES:
            del sys.modules[name]
    worker = Worker(load_protocol(), config, report)
    return worker.serve()


if __name__ == "__main__":
    sys.exit(main())
