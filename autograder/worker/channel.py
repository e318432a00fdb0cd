"""One worker process seen from the grader: started, talked to over pipes, stopped.

A :class:`Channel` opens three pipes (requests, replies, and the worker's stdout and
stderr together), starts the worker from a :class:`~autograder.worker.launch.Launch` in
its own session, sends one request frame and collects the reply frame while it drains
what the worker prints into an :class:`Output` (capped), and stops the worker with its
whole process group. A round trip that gets no reply raises :class:`ReplyTimeout` or
:class:`WorkerGone`; the client turns them into its errors.
"""

from __future__ import annotations

import math
import os
import select
import signal
import subprocess
import time
from typing import Any

from autograder.worker.decoding import decode
from autograder.worker.encoding import encode
from autograder.worker.errors import ProtocolError, ReplyTimeout, WorkerCrashed, WorkerGone
from autograder.worker.frames import PREFIX_SIZE, frame_length
from autograder.worker.launch import Launch
from autograder.worker.processes import kill_group

TAIL_BYTES = 4000  # the end of a call's output kept for crash reports


class Output:
    """One call's output: the first ``cap`` bytes, a count of the rest, and the tail."""

    def __init__(self, cap: int):
        self.cap = cap
        self.reset()

    def reset(self) -> None:
        self.head = bytearray()
        self.tail = bytearray()
        self.dropped = 0

    def add(self, data: bytes) -> None:
        room = self.cap - len(self.head)
        if room > 0:
            self.head += data[:room]
        self.dropped += max(0, len(data) - max(room, 0))
        self.tail += data[-TAIL_BYTES:]
        del self.tail[:-TAIL_BYTES]

    def text(self) -> str:
        text = self.head.decode("utf-8", errors="replace")
        if self.dropped:
            text += f"\n[... {self.dropped} more bytes of output were dropped]"
        return text

    def last_lines(self, n: int = 20) -> str:
        lines = self.tail.decode("utf-8", errors="replace").splitlines()
        return "\n".join(lines[-n:])


class Channel:
    """A worker process and its three pipes; the grader's ends do not block."""

    def __init__(self, output: Output, max_result_bytes: int):
        self.output = output
        self.max_result_bytes = max_result_bytes
        req_r, req_w = os.pipe()
        resp_r, resp_w = os.pipe()
        out_r, out_w = os.pipe()
        self.fds = {"request": req_w, "reply": resp_r, "output": out_r}
        self._worker_ends = (req_r, resp_w, out_w)
        # the runner's config names the pipes the worker inherits
        self.worker_fds = {"request_fd": req_r, "response_fd": resp_w}
        self.proc: subprocess.Popen | None = None
        self.pidfd: int | None = None
        self.tag: str | None = None  # environment entry of the worker's processes (stop)

    @property
    def pid(self) -> int:
        return self.proc.pid

    @property
    def returncode(self) -> int | None:
        return self.proc.returncode

    def start(self, launch: Launch, workdir: str) -> None:
        """Start the worker as ``launch`` says; WorkerCrashed if it cannot be started."""
        req_r, resp_w, out_w = self._worker_ends
        # outside bwrap (no PID namespace) the worker's TMPDIR is in its own folder: its
        # descendants inherit it, so stop finds those that left the process group
        tmpdir = launch.env.get("TMPDIR", "")
        self.tag = f"TMPDIR={tmpdir}" if tmpdir.startswith(workdir) else None
        try:
            self.proc = subprocess.Popen(
                launch.argv,
                stdin=subprocess.DEVNULL,
                stdout=out_w,
                stderr=out_w,
                cwd=launch.cwd,
                env=launch.env,
                pass_fds=(req_r, resp_w),
                close_fds=True,
                user=launch.user,
                group=launch.group,
                extra_groups=[] if launch.user is not None else None,
                start_new_session=True,  # its own process group, killed as a whole
            )
        except OSError as err:
            self.close_fds()
            raise WorkerCrashed(f"the worker could not be started: {err}") from None
        finally:
            for fd in (req_r, resp_w, out_w):
                os.close(fd)
        for fd in self.fds.values():
            os.set_blocking(fd, False)
        _grow_pipe(self.fds["request"])
        _grow_pipe(self.fds["reply"])
        try:
            self.pidfd = os.pidfd_open(self.proc.pid)
        except (AttributeError, OSError):
            self.pidfd = None

    def roundtrip(self, frame: bytes, deadline: float) -> Any:
        """Send one request frame, collect the reply frame, draining output meanwhile."""
        fds = self.fds
        view, sent = memoryview(frame), 0
        reply = bytearray()
        size: int | None = None
        limit = self.max_result_bytes + 65536
        poller = select.poll()
        poller.register(fds["reply"], select.POLLIN)
        poller.register(fds["output"], select.POLLIN)
        if self.pidfd is not None:
            poller.register(self.pidfd, select.POLLIN)
        writing = True
        poller.register(fds["request"], select.POLLOUT)

        def read_reply() -> bytes | None:
            nonlocal size
            while True:
                try:
                    chunk = os.read(fds["reply"], 1 << 20)
                except BlockingIOError:
                    return None
                if not chunk:
                    raise WorkerGone
                reply.extend(chunk)
                if size is None and len(reply) >= PREFIX_SIZE:
                    size = frame_length(reply, limit)
                if size is not None and len(reply) >= size:
                    if len(reply) > size:
                        raise ProtocolError("the worker sent more than one reply")
                    return bytes(reply)

        while True:
            timeout = deadline - time.monotonic()
            if timeout <= 0:
                raise ReplyTimeout
            wait_ms = math.ceil(timeout * 1000) if self.pidfd is not None else 20
            events = dict(poller.poll(min(wait_ms, math.ceil(timeout * 1000))))
            if fds["output"] in events and not self.drain_output():
                poller.unregister(fds["output"])  # closed by the worker: stop polling it
                fds = {**fds, "output": -1}
            if writing and fds["request"] in events:
                if events[fds["request"]] & (select.POLLERR | select.POLLHUP):
                    raise WorkerGone
                try:
                    sent += os.write(fds["request"], view[sent : sent + (1 << 20)])
                except BlockingIOError:
                    pass
                except (BrokenPipeError, ConnectionResetError):
                    raise WorkerGone from None
                if sent == len(view):
                    writing = False
                    poller.unregister(fds["request"])
            if fds["reply"] in events:
                done = read_reply()
                if done is not None:
                    self.drain_output()
                    return decode(done, max_bytes=limit, path="reply")
            exited = (
                self.pidfd in events if self.pidfd is not None else self.proc.poll() is not None
            )
            if exited:
                self.drain_output()
                done = read_reply()  # a reply written just before the exit still counts
                if done is not None:
                    return decode(done, max_bytes=limit, path="reply")
                raise WorkerGone

    def drain_output(self) -> bool:
        """Read what the worker printed so far; False once no process can write any more."""
        fd = self.fds.get("output")
        if fd is None:
            return False
        while True:
            try:
                chunk = os.read(fd, 1 << 16)
            except BlockingIOError:
                return True
            except OSError:
                return False
            if not chunk:
                return False
            self.output.add(chunk)

    def wait_exit(self, timeout: float) -> bool:
        """Wait until the worker exits, without reaping it (its pid stays reserved)."""
        proc = self.proc
        if proc is None or proc.returncode is not None:
            return True
        if self.pidfd is not None:
            poller = select.poll()
            poller.register(self.pidfd, select.POLLIN)
            return bool(poller.poll(max(0, int(timeout * 1000))))
        end = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                return True
            if time.monotonic() >= end:
                return False
            time.sleep(0.01)

    def stop(self, graceful: bool, term_grace: float) -> None:
        """Stop the worker and every process left in its group, then close the pipes."""
        proc = self.proc
        if graceful and "request" in self.fds:
            try:  # "bye", then end of input: the worker leaves its loop
                os.write(self.fds["request"], encode({"op": "bye"}))
            except OSError:
                pass
            os.close(self.fds.pop("request"))
            self.wait_exit(1.0)
        if not self.wait_exit(0):
            kill_group(proc.pid, signal.SIGTERM)
            self.wait_exit(term_grace)
        # SIGKILL the whole group before reaping the leader, so its pid cannot be reused:
        # this also ends children that outlived it, or that ignore SIGTERM.
        kill_group(proc.pid, signal.SIGKILL)
        if self.tag:
            _kill_tagged(self.tag)
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:  # pragma: no cover - unkillable (D state)
            pass
        self.drain_output()
        self.close_fds()

    def close_fds(self) -> None:
        for fd in self.fds.values():
            try:
                os.close(fd)
            except OSError:
                pass
        self.fds = {}
        if self.pidfd is not None:
            os.close(self.pidfd)
            self.pidfd = None


def _kill_tagged(tag: str) -> None:
    """SIGKILL every process whose environment holds ``tag`` (Linux /proc; else nothing).

    The process-group kill misses descendants that started their own session; they keep
    the worker's environment unless they clear it on purpose (the bwrap level's PID
    namespace ends those too). Repeated until none is left, in case one forked meanwhile.
    """
    entry = tag.encode()
    for _ in range(10):
        try:
            pids = [int(name) for name in os.listdir("/proc") if name.isdigit()]
        except OSError:
            return
        found = []
        for pid in pids:
            try:
                with open(f"/proc/{pid}/environ", "rb") as environ:
                    if entry in environ.read().split(b"\0"):
                        found.append(pid)
            except OSError:
                continue
        if not found:
            return
        for pid in found:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        time.sleep(0.01)


def _grow_pipe(fd: int) -> None:
    """Use 1 MiB pipe buffers where Linux allows it (faster transfer of large arrays)."""
    try:
        import fcntl

        fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, 1 << 20)
    except (ImportError, AttributeError, OSError):
        pass
