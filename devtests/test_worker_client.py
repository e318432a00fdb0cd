"""The worker process and its client: calls, student failures, limits, restarts, cleanup.

Each test writes a small fake submission folder into tmp_path and talks to a real
worker process.
"""

from __future__ import annotations

import os
import shutil
import signal
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from autograder.worker import (
    BudgetExhausted,
    CallTimeout,
    FunctionRef,
    ImportFailed,
    MemoryLimit,
    MissingFunction,
    ProtocolError,
    ResultTooLarge,
    StudentException,
    UnsupportedResult,
    Worker,
    WorkerCrashed,
    WorkerError,
    launch,
)

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX worker processes")

BASIC = """
import os
import sys

import numpy as np

from .helpers import twice

print("basic imported")


def add(a, b):
    print("adding")
    return a + b


def double(x):
    return twice(x)


def not_implemented(x):
    raise NotImplementedError("conv2d is not written yet")


def fails_after_print():
    print("about to fail")
    raise ValueError("bad shape (2, 3)")


def exit_mid_call(code=0):
    sys.exit(code)


def keyboard_interrupt():
    raise KeyboardInterrupt


def hard_exit(code=0):
    os._exit(code)


def identity(x):
    return x


def describe_process():
    return {
        "cwd": os.getcwd(),
        "env": sorted(os.environ),
        "isolated": sys.flags.isolated,
        "stdin": os.read(0, 10).decode(),
        "pid": os.getpid(),
    }


def apply(f, *args):
    return f(*args)


def permutation(n, rng):
    return rng.permutation(n)


def close_stdout_and_return():
    os.close(1)
    os.close(2)
    return "still here"


def inheritable_fds():
    return [int(fd) for fd in os.listdir("/proc/self/fd")
            if int(fd) > 2 and os.path.exists(f"/proc/self/fd/{fd}")
            and os.get_inheritable(int(fd))]


VALUE = 42
"""

HELPERS = """
def twice(x):
    return 2 * x
"""

MISBEHAVING = """
import os
import signal
import subprocess
import sys
import time

import numpy as np


def sleep(seconds):
    time.sleep(seconds)
    return seconds


def forever():
    while True:
        pass


def ignore_sigterm_forever():
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    while True:
        pass


def memory_bomb():
    hog = []
    for _ in range(64):  # up to 4 GiB, far above the limit of the test
        hog.append(np.ones(2**23))
    return len(hog)


def flood(n_bytes):
    line = "x" * 99 + "\\n"
    for _ in range(n_bytes // 100):
        sys.stdout.write(line)
    os.write(2, b"raw stderr\\n")
    return "done"


def spawn_sleeper():
    return subprocess.Popen(["sleep", "1000"]).pid


def fork_sleeper():
    pid = os.fork()
    if pid == 0:
        while True:
            time.sleep(1)
    return pid


def spawn_stubborn_then_hang():
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # inherited by the child
    child = subprocess.Popen(["sleep", "1000"])
    print(child.pid, flush=True)
    while True:
        pass


def write_file(n_bytes):
    with open("big.bin", "wb") as f:
        f.write(b"x" * n_bytes)
    return n_bytes


def big(n):
    return np.zeros(n)


def forge_reply():
    import json

    frames = sys.modules["_deepgrade_worker.frames"]
    encoding = sys.modules["_deepgrade_worker.encoding"]
    config = json.loads(sys.argv[1])
    frames.write_frame(config["response_fd"], encoding.encode({"id": 10**6, "ok": "forged"}))
    return "real"
"""

LYING = """
import numpy as np


class AlwaysEqual:
    def __eq__(self, other):
        return True

    __hash__ = object.__hash__


class Numberish:
    def __float__(self):
        return 1.0

    def __array__(self, dtype=None, copy=None):
        return np.ones(3)


class MyArray(np.ndarray):
    def __eq__(self, other):
        return np.ones(self.shape, dtype=bool)


class MyFloat(float):
    def __eq__(self, other):
        return True

    __hash__ = float.__hash__


def lying_eq():
    return AlwaysEqual()


def numberish():
    return Numberish()


def ndarray_subclass():
    return np.zeros(3).view(MyArray)


def float_subclass():
    return MyFloat(3.0)


def object_array():
    return np.array([AlwaysEqual(), 1], dtype=object)


def nested_liar():
    return {"W": np.ones(2), "b": [1.0, AlwaysEqual()]}


def matrix():
    return np.asmatrix(np.eye(2))


def special_values():
    return np.array([np.nan, np.inf, -np.inf, 0.0]), float("nan"), np.float32(np.inf)
"""


def write_submission(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, source in files.items():
        (folder / name).write_text(textwrap.dedent(source))
    return folder


@pytest.fixture
def submission(tmp_path) -> Path:
    return write_submission(
        tmp_path / "alice",
        {
            "basic.py": BASIC,
            "helpers.py": HELPERS,
            "misbehaving.py": MISBEHAVING,
            "lying.py": LYING,
            "broken.py": "x = 1\n\ndef f(:\n    pass\n",
            "exits.py": "import sys\nsys.exit(0)\n",
            "greedy.py": "import numpy as np\nHOG = np.ones(2**28)\n",
        },
    )


@pytest.fixture
def worker(submission):
    with Worker(submission, call_timeout=5.0, memory_mb=512) as w:
        yield w


def alive(pid: int) -> bool:
    """Whether a process exists and is not a zombie (a reaped-later orphan is dead)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def wait_dead(pid: int, timeout: float = 3.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if not alive(pid):
            return True
        time.sleep(0.02)
    return False


# ------------------------------------------------------------------- normal calls


def test_calls_return_plain_data_and_reuse_one_worker(worker):
    pid = worker.pid
    result = worker.call("basic", "add", np.arange(3.0), np.ones(3))
    assert type(result) is np.ndarray
    np.testing.assert_array_equal(result, [1.0, 2.0, 3.0])
    assert worker.call("basic", "add", a=2, b=3) == 5
    assert worker.call("basic", "double", (1, 2)) == (1, 2, 1, 2)  # relative import works
    assert worker.call("basic", "identity", {"k": [None, True]}) == {"k": [None, True]}
    assert worker.get("basic", "VALUE") == 42
    assert worker.pid == pid and worker.starts == 1
    assert worker.isolation == "process"
    assert worker.info["pid"] == pid and worker.info["numpy"] == np.__version__


def test_output_is_captured_per_call(worker):
    worker.call("basic", "add", 1, 2)
    assert worker.last_output == "basic imported\nadding\n"  # the import happened in this call
    worker.call("basic", "add", 1, 2)
    assert worker.last_output == "adding\n"
    worker.call("basic", "identity", 1)
    assert worker.last_output == ""


def test_worker_runs_isolated_in_a_fresh_folder_with_a_minimal_environment(worker, submission):
    info = worker.call("basic", "describe_process")
    assert info["isolated"] == 1
    assert Path(info["cwd"]).name == "scratch"  # its own scratch folder, its only writable one
    assert Path(info["cwd"]).parent.name.startswith("deepgrade-worker-")
    assert Path(info["cwd"]) not in (Path.cwd(), submission)
    assert info["stdin"] == ""  # /dev/null
    assert not any(name.startswith("PYTHON") for name in info["env"])
    assert set(info["env"]) <= {
        "PATH",
        "LANG",
        "LC_ALL",
        "HOME",
        "TMPDIR",
        "OPENBLAS_NUM_THREADS",
        "OMP_NUM_THREADS",
        "MKL_NUM_THREADS",
        "LC_CTYPE",
    }


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc")
def test_protocol_pipes_are_not_inherited_by_the_submissions_subprocesses(worker):
    assert worker.call("basic", "inheritable_fds") == []


def test_functions_and_generators_are_passed_by_reference(worker):
    grad = worker.call("basic", "apply", FunctionRef("skier_gradient"), np.array([-2.0, 2.0]))
    np.testing.assert_array_equal(grad, [-17.0, 15.0])
    assert worker.call("basic", "apply", FunctionRef("square_sum"), [1.0, 2.0]) == 5.0
    bound = FunctionRef("weighted_sum", (np.array([1.0, 10.0]),))
    assert worker.call("basic", "apply", bound, np.array([2.0, 3.0])) == 32.0
    rng = np.random.default_rng(5)
    got = worker.call("basic", "permutation", 8, rng)
    np.testing.assert_array_equal(got, np.random.default_rng(5).permutation(8))


def test_arguments_that_cannot_be_sent_are_a_grader_error(worker):
    with pytest.raises(TypeError, match="cannot send"):
        worker.call("basic", "identity", object())
    assert worker.call("basic", "identity", 1) == 1


def test_runner_works_copied_alone_with_its_modules(tmp_path, submission, monkeypatch):
    alone = tmp_path / "elsewhere"
    alone.mkdir()
    for name in launch.WORKER_MODULES:
        shutil.copy(launch.WORKER_DIR / f"{name}.py", alone / f"{name}.py")
    monkeypatch.setattr(launch, "WORKER_DIR", alone)
    with Worker(submission) as w:
        assert w.call("basic", "add", 1, 2) == 3
        assert w.call("basic", "apply", FunctionRef("quadratic_gradient"), 3.0) == 6.0


# --------------------------------------------------------------- student failures


def test_student_exception_reports_type_message_and_line(worker):
    with pytest.raises(StudentException) as info:
        worker.call("basic", "not_implemented", 1)
    err = info.value
    assert err.type == "NotImplementedError"
    assert err.message == "conv2d is not written yet"
    line = (
        textwrap.dedent(BASIC)
        .splitlines()
        .index('    raise NotImplementedError("conv2d is not written yet")')
    )
    assert err.where == f"basic.py line {line + 1}"
    assert "raise NotImplementedError" in err.traceback[-1]
    assert "not_implemented() raised NotImplementedError" in str(err)


def test_exceptions_carry_what_was_printed(worker):
    with pytest.raises(StudentException, match="bad shape") as info:
        worker.call("basic", "fails_after_print")
    assert "about to fail" in info.value.output


def test_syntax_error_is_an_import_failure_with_its_line(worker):
    with pytest.raises(ImportFailed) as info:
        worker.call("broken", "f")
    assert info.value.module == "broken"
    assert "SyntaxError" in str(info.value) and "line 3" in str(info.value)
    assert worker.call("basic", "add", 1, 1) == 2  # other modules still work


def test_missing_module_and_function(worker):
    with pytest.raises(ImportFailed, match="no pooling.py"):
        worker.call("pooling", "max_pool2d")
    with pytest.raises(MissingFunction, match="basic.py has no conv2d"):
        worker.call("basic", "conv2d")
    with pytest.raises(MissingFunction, match="not a function"):
        worker.call("basic", "VALUE")


def test_sys_exit_at_import_is_an_import_failure(worker):
    with pytest.raises(ImportFailed, match="SystemExit"):
        worker.call("exits", "anything")
    assert worker.call("basic", "add", 1, 1) == 2


def test_sys_exit_and_keyboard_interrupt_mid_call_are_student_exceptions(worker):
    pid = worker.pid
    with pytest.raises(StudentException) as info:
        worker.call("basic", "exit_mid_call", 0)
    assert info.value.type == "SystemExit" and "sys.exit(0)" in info.value.message
    with pytest.raises(StudentException) as info:
        worker.call("basic", "keyboard_interrupt")
    assert info.value.type == "KeyboardInterrupt"
    assert worker.call("basic", "add", 1, 1) == 2
    assert worker.pid == pid  # the same worker survived


def test_os_exit_mid_call_is_a_crash_and_the_worker_restarts(worker):
    first = worker.pid
    with pytest.raises(WorkerCrashed) as info:
        worker.call("basic", "hard_exit", 0)
    assert info.value.returncode == 0
    assert "exited with code 0" in str(info.value)
    assert worker.call("basic", "add", 1, 1) == 2
    assert worker.pid != first and worker.starts == 2
    assert wait_dead(first)


def test_a_worker_killed_between_calls_is_replaced(worker):
    first = worker.pid
    os.kill(first, signal.SIGKILL)
    assert wait_dead(first)  # a zombie until the client reaps it
    assert worker.call("basic", "add", 2, 2) == 4
    assert worker.pid != first


def test_a_forged_reply_is_detected_and_the_worker_replaced(worker):
    first = worker.pid
    with pytest.raises(ProtocolError):
        worker.call("misbehaving", "forge_reply")
    assert worker.call("basic", "add", 1, 1) == 2
    assert worker.pid != first


def test_closing_stdout_does_not_hang_the_grader(worker):
    start = time.monotonic()
    assert worker.call("basic", "close_stdout_and_return") == "still here"
    assert worker.call("basic", "add", 1, 1) == 2
    assert time.monotonic() - start < 3


# ------------------------------------------------------------------------- limits


def test_endless_loop_times_out_and_the_next_call_gets_a_fresh_worker(submission):
    with Worker(submission, call_timeout=0.5) as worker:
        first = worker.pid
        start = time.monotonic()
        with pytest.raises(CallTimeout, match=r"forever\(\) did not finish within 0.5 s"):
            worker.call("misbehaving", "forever")
        assert time.monotonic() - start < 3
        assert not alive(first)
        assert worker.call("basic", "add", 1, 2) == 3
        assert worker.pid != first


def test_a_worker_ignoring_sigterm_is_killed(submission):
    with Worker(submission, call_timeout=0.5, term_grace=0.1) as worker:
        first = worker.pid
        with pytest.raises(CallTimeout):
            worker.call("misbehaving", "ignore_sigterm_forever")
        assert wait_dead(first)


def test_memory_bomb_is_a_memory_limit(submission):
    with Worker(submission, memory_mb=300, call_timeout=10) as worker:
        with pytest.raises(MemoryLimit, match="memory_bomb"):
            worker.call("misbehaving", "memory_bomb")
        with pytest.raises(MemoryLimit):  # at import time too
            worker.call("greedy", "anything")
        assert worker.call("basic", "add", 1, 2) == 3


def test_flooding_output_is_capped_and_the_call_still_answered(submission):
    with Worker(submission, max_output_bytes=1000) as worker:
        assert worker.call("misbehaving", "flood", 5_000_000) == "done"
        output = worker.last_output
        assert output.startswith("x" * 99 + "\n")
        assert len(output) < 1200
        dropped = 5_000_000 + len("raw stderr\n") - 1000
        assert f"[... {dropped} more bytes of output were dropped]" in output


@pytest.mark.parametrize("how", ["spawn_sleeper", "fork_sleeper"])
def test_children_that_outlive_the_call_are_killed_with_the_worker(submission, how):
    worker = Worker(submission)
    child = worker.call("misbehaving", how)
    assert alive(child)
    worker.close()
    assert wait_dead(child)


def test_children_ignoring_sigterm_are_killed_after_a_timeout(submission):
    with Worker(submission, call_timeout=1.0, term_grace=0.1) as worker:
        with pytest.raises(CallTimeout) as info:
            worker.call("misbehaving", "spawn_stubborn_then_hang")
        child = int(info.value.output.split()[0])
        assert wait_dead(child)


LIARS = {
    "lying_eq": "AlwaysEqual",
    "numberish": "Numberish",
    "ndarray_subclass": "subclass of numpy.ndarray",
    "float_subclass": "MyFloat",
    "object_array": "dtype object",
    "nested_liar": r"result\['b'\]\[1\]: an object of type .*AlwaysEqual",
    "matrix": "subclass of numpy.ndarray",
}


@pytest.mark.parametrize("function", LIARS)
def test_objects_that_are_not_plain_data_are_refused(worker, function):
    with pytest.raises(UnsupportedResult, match=LIARS[function]) as info:
        worker.call("lying", function)
    assert f"{function}() returned a value that cannot be graded" in str(info.value)
    assert worker.call("basic", "add", 1, 1) == 2  # no restart needed


def test_nan_and_inf_round_trip_as_data(worker):
    array, number, scalar = worker.call("lying", "special_values")
    np.testing.assert_array_equal(array, [np.nan, np.inf, -np.inf, 0.0])
    assert type(number) is float and np.isnan(number)
    assert type(scalar) is np.float32 and np.isinf(scalar)


def test_file_size_limit(submission):
    with Worker(submission, max_file_mb=1) as worker:
        assert worker.call("misbehaving", "write_file", 1000) == 1000
        with pytest.raises(StudentException, match="File too large"):
            worker.call("misbehaving", "write_file", 2 * 2**20)


def test_cpu_limit_is_a_backstop(submission):
    with Worker(submission, call_timeout=10.0, cpu_seconds=1) as worker:
        with pytest.raises(WorkerCrashed, match="CPU time limit of 1 s") as info:
            worker.call("misbehaving", "forever")
        assert info.value.signal == "SIGXCPU"


def test_result_too_large(submission):
    with Worker(submission, max_result_bytes=1_000_000) as worker:
        pid = worker.pid
        assert worker.call("misbehaving", "big", 1000).shape == (1000,)
        with pytest.raises(ResultTooLarge, match="1000000"):
            worker.call("misbehaving", "big", 1_000_000)
        assert worker.call("basic", "add", 1, 1) == 2
        assert worker.pid == pid


def test_total_time_budget(submission):
    with Worker(submission, call_timeout=5.0, total_timeout=1.0) as worker:
        assert worker.call("misbehaving", "sleep", 0.3) == 0.3
        start = time.monotonic()
        with pytest.raises(BudgetExhausted):
            worker.call("misbehaving", "forever")
        assert time.monotonic() - start < 2.5  # stopped by the budget, not call_timeout
        start = time.monotonic()
        with pytest.raises(BudgetExhausted, match="not run: the submission used its time budget"):
            worker.call("basic", "add", 1, 1)
        assert time.monotonic() - start < 0.1
        assert worker.spent >= 1.0


def test_closed_worker_refuses_calls(submission):
    worker = Worker(submission)
    pid = worker.start().pid
    worker.close()
    assert wait_dead(pid)
    with pytest.raises(WorkerError, match="closed"):
        worker.call("basic", "add", 1, 1)


def test_unknown_isolation_level_is_refused(submission):
    with pytest.raises(ValueError, match="process, landlock, uid, bwrap, auto"):
        Worker(submission, isolation="chroot")


@pytest.mark.parametrize("python", ["/nonexistent/python", "/bin/false"])
def test_a_worker_that_cannot_start_is_reported(submission, python):
    worker = Worker(submission, python=python)
    with pytest.raises(WorkerCrashed, match="could not be started"):
        worker.call("basic", "add", 1, 1)
    worker.close()
