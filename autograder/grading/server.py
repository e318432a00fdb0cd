"""A grading process for many submissions: pytest collects the suites once, and every
submission is graded in a child forked from it.

Grading one submission alone (``deepgrade grade``) pays Python's start, pytest's start
and the collection of the ~316 checks before its first check runs. A batch pays that
once per grading process: the server collects, then for each job forks a child that
grades one submission exactly as ``grade`` does (a fresh worker at the batch's isolation
level, the same tests, the same report) and exits. Every child is a copy of the server
as it was before any submission ran, so nothing of one student's run (fixtures, module
state, hypothesis, the worker, the grader's own memory) reaches the next student's; a
child that crashes or hangs costs only its student (the server stops a child after
``total_seconds + BACKSTOP_SECONDS``; the driver stops a server that stops answering).

The driver side is :class:`GradingProcess`; the protocol is JSON lines. On its original
stdout the server first says ``{"ready": N}`` (N checks collected) or ``{"error": why}``,
then, for each job ``{"id", "folder", "student", "output"}`` read from stdin, writes the
report (JSON) to ``output`` and answers ``{"id": id, "ok": true}`` or
``{"id": id, "error": why, "log": tail}``. End of stdin (the driver is gone) ends it,
and the child it is waiting for. Start: ``python -m autograder.grading.server CONFIG``,
``CONFIG = {"isolation": level, "limits": {...}, "backstop": seconds, "suites": [paths]
| null}``.
"""

from __future__ import annotations

import gc
import io
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from dataclasses import asdict
from pathlib import Path
from types import SimpleNamespace

import pytest

from autograder.grading.engine import (
    GradingSession,
    Limits,
    SubmissionReport,
    build_report,
    run_pytest,
)
from autograder.paths import PROJECT_ROOT
from autograder.worker import sandbox
from autograder.worker.processes import kill_group
from deepgrade.pytest_plugin import use_implementation

BACKSTOP_SECONDS = 120.0  # beyond the submission's own time budget: the grader's own work
START_SECONDS = 300.0  # for the server to start and collect the suites
START_TRIES = 3  # failed starts in a row before every further job fails at once
LOG_TAIL = 4000  # characters of a failed child's log kept in the answer


class GradingFailed(Exception):
    """Grading a submission did not produce a report (``status``: crashed or timed out)."""

    def __init__(self, status: str, message: str, log: str = ""):
        self.status, self.log = status, log
        super().__init__(message)


# ------------------------------------------------------------------------- server side


class _Server(GradingSession):
    """The pytest plugin of a grading server: collect once, then grade one child per job."""

    def __init__(
        self, isolation: str, limits: Limits, backstop: float, requests: int, replies: int
    ):
        super().__init__(None, "worker", isolation, limits)
        self.backstop = limits.total_seconds + backstop
        self.requests, self.replies = requests, replies
        self.pending = b""
        self.said_anything = False

    def implementation(self):
        if self.submission is None:  # while pytest configures the server: no submission yet
            return SimpleNamespace(spec="(one per job)", origin="(one per job)")
        return super().implementation()

    def send(self, message: dict) -> None:
        os.write(self.replies, (json.dumps(message) + "\n").encode())
        self.said_anything = True

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtestloop(self, session: pytest.Session) -> bool:
        if session.testsfailed:
            self.send({"error": f"{session.testsfailed} error(s) while collecting the suites"})
            return True
        try:  # the isolation check and bwrap's options, found once here, not in every child
            sandbox.resolve(self.isolation_wanted)
        except Exception as err:
            self.send({"error": f"isolation {self.isolation_wanted}: {err}"})
            return True
        self.send({"ready": len(session.items)})
        gc.freeze()  # the collector never touches what the children share: fewer pages copied
        while (job := self.next_job()) is not None:
            self.send(self.run_child(session, job))
        return True

    def next_job(self) -> dict | None:
        """The next job line on stdin; None at its end."""
        while b"\n" not in self.pending:
            chunk = os.read(self.requests, 1 << 16)
            if not chunk:
                return None
            self.pending += chunk
        line, _, self.pending = self.pending.partition(b"\n")
        return json.loads(line)

    def run_child(self, session: pytest.Session, job: dict) -> dict:
        log = Path(job["output"] + ".log")
        pid = os.fork()
        # the child grades, writes the report and leaves without cleaning up; it stays in
        # the server's process group, so it ends with the server
        if pid == 0:
            code = 1
            gc.disable()  # one submission, then os._exit: collecting cycles only costs time
            try:
                self.grade(session, job)
                code = 0
            except BaseException:
                log.write_text(traceback.format_exc(), encoding="utf-8")
            finally:
                os._exit(code)
        outcome = self.wait(pid)
        answer = {"id": job["id"]}
        if outcome == 0 and Path(job["output"]).is_file():
            return answer | {"ok": True}
        tail = (
            log.read_text(encoding="utf-8", errors="replace")[-LOG_TAIL:] if log.is_file() else ""
        )
        log.unlink(missing_ok=True)
        return answer | {"error": outcome if isinstance(outcome, str) else
                         f"the grading process ended with code {outcome}", "log": tail}  # fmt: skip

    def wait(self, pid: int) -> int | str:
        """The child's exit code (-N: signal N); a message if it was stopped."""
        deadline = time.monotonic() + self.backstop
        # a pidfd says when the child ends (Linux); elsewhere, look every 50 ms
        pidfd = os.pidfd_open(pid) if hasattr(os, "pidfd_open") else None
        poller = select.poll()
        poller.register(self.requests, select.POLLIN)
        if pidfd is not None:
            poller.register(pidfd, select.POLLIN)
        status = None
        try:
            while status is None:
                left = deadline - time.monotonic()
                if left <= 0:
                    os.kill(pid, signal.SIGKILL)
                    os.waitpid(pid, 0)
                    return f"grading took over {self.backstop:g} s"
                wait_ms = int(left * 1000) + 1 if pidfd is not None else 50
                events = dict(poller.poll(min(wait_ms, int(left * 1000) + 1)))
                if self.requests in events:  # a line (kept), or the end: the driver is gone
                    chunk = os.read(self.requests, 1 << 16)
                    if not chunk:
                        os.kill(pid, signal.SIGKILL)
                        os.waitpid(pid, 0)
                        os._exit(0)
                    self.pending += chunk
                if pidfd is None or pidfd in events:
                    done, code = os.waitpid(pid, os.WNOHANG)
                    status = code if done == pid else None
        finally:
            if pidfd is not None:
                os.close(pidfd)
        return os.waitstatus_to_exitcode(status)

    def grade(self, session: pytest.Session, job: dict) -> None:
        """In the child: run every collected check on this job's submission, write the report."""
        self.submission = Path(job["folder"])
        started = time.monotonic()
        use_implementation(session.config, self.implementation())
        items = session.items
        for i, item in enumerate(items):
            nextitem = items[i + 1] if i + 1 < len(items) else None
            item.config.hook.pytest_runtest_protocol(item=item, nextitem=nextitem)
        elapsed = time.monotonic() - started
        self.impl.close()
        records = list(self.records.values())
        report = build_report(job["student"], self, records, "worker", elapsed, [])
        output = Path(job["output"])
        partial = output.with_name(output.name + ".part")
        partial.write_text(json.dumps(report.to_dict(), indent=1), encoding="utf-8")
        partial.rename(output)


def serve(config: dict) -> int:
    """Run a grading server on this process's stdin and stdout (see the module's docstring)."""
    # pytest's capturing puts /dev/null and temporary files on fds 0-2: keep the originals
    requests, replies = os.dup(0), os.dup(1)
    limits = Limits(**config["limits"])
    suites = [Path(s) for s in config["suites"]] if config.get("suites") else None
    server = _Server(config["isolation"], limits, config["backstop"], requests, replies)
    console = io.StringIO()
    code = run_pytest(suites, server, console)
    if not server.said_anything:  # pytest stopped before the loop (a usage error...)
        lines = console.getvalue().strip().splitlines() or ["no output"]
        why = [line for line in lines if "error" in line.lower()] or lines  # the last says why
        why = why[-1].strip()
        server.send({"error": f"pytest could not start (exit code {int(code)}): {why}"})
    return 0


# ------------------------------------------------------------------------- driver side


class GradingProcess:
    """A grading server for one caller at a time: started when first needed, started
    again after it fails; :meth:`grade` grades one submission folder."""

    def __init__(
        self,
        isolation: str,
        limits: Limits,
        suites: list[Path] | None = None,
        backstop: float = BACKSTOP_SECONDS,
    ):
        self.isolation, self.limits, self.suites = isolation, limits, suites
        self.backstop = backstop
        self.proc: subprocess.Popen | None = None
        self.stderr = None
        self.pending = b""
        self.workdir = Path(tempfile.mkdtemp(prefix="deepgrade-grading-"))
        self.next_id = 0
        self.lock = threading.Lock()
        self.closed = False
        self.start_failures: list[GradingFailed] = []  # in a row; after 3, no more tries

    def grade(self, folder: Path, student: str) -> SubmissionReport:
        """The report of ``folder``; raises GradingFailed when grading did not complete."""
        with self.lock:
            self.next_id += 1
            output = self.workdir / f"report-{self.next_id}.json"
            job = {"id": self.next_id, "folder": str(folder), "student": student,
                   "output": str(output)}  # fmt: skip
            backstop = self.limits.total_seconds + self.backstop + 60
            try:
                self._start()
                os.write(self.proc.stdin.fileno(), (json.dumps(job) + "\n").encode())
                answer = self._answer(backstop)
            except (OSError, GradingFailed) as err:  # the server itself failed: a new one next
                log = self._stop()
                if isinstance(err, GradingFailed):
                    raise GradingFailed(err.status, str(err), err.log or log) from None
                raise GradingFailed("crashed", f"the grading process failed: {err}", log) from None
            if answer.get("id") != job["id"]:
                self._stop()
                raise GradingFailed("crashed", f"the grading process answered {answer!r:.200}")
            if "ok" not in answer:
                error = str(answer.get("error", "no report"))
                status = "timed out" if error.startswith("grading took over") else "crashed"
                raise GradingFailed(status, error, str(answer.get("log", "")))
            try:
                return SubmissionReport.from_dict(json.loads(output.read_text(encoding="utf-8")))
            finally:
                output.unlink(missing_ok=True)

    def _start(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            return
        self._stop()
        if len(self.start_failures) >= START_TRIES:  # a setup problem: fail at once
            raise self.start_failures[-1]
        config = {"isolation": self.isolation, "limits": asdict(self.limits),
                  "backstop": self.backstop,
                  "suites": [str(s) for s in self.suites] if self.suites else None}  # fmt: skip
        self.stderr = tempfile.TemporaryFile(dir=self.workdir)
        self.proc = subprocess.Popen(
            [sys.executable, "-B", "-m", "autograder.grading.server", json.dumps(config)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.stderr,
            cwd=PROJECT_ROOT,
            start_new_session=True,
        )
        try:
            answer = self._answer(START_SECONDS)
            if "ready" not in answer:
                raise GradingFailed(
                    "crashed", f"the grading process could not start: {answer.get('error')}"
                )
        except GradingFailed as err:
            self.start_failures.append(GradingFailed(err.status, str(err), self._stop()))
            raise self.start_failures[-1] from None
        self.start_failures.clear()

    def _answer(self, seconds: float) -> dict:
        """The server's next line, within ``seconds``."""
        stdout = self.proc.stdout.fileno()
        deadline = time.monotonic() + seconds
        while b"\n" not in self.pending:
            ready, _, _ = select.select([stdout], [], [], max(0.0, deadline - time.monotonic()))
            if not ready:
                raise GradingFailed(
                    "timed out", f"the grading process did not answer in {seconds:g} s"
                )
            chunk = os.read(stdout, 1 << 16)
            if not chunk:
                raise GradingFailed("crashed", "the grading process ended unexpectedly")
            self.pending += chunk
        line, _, self.pending = self.pending.partition(b"\n")
        return json.loads(line)

    def _stop(self) -> str:
        """Stop the server (and whatever it started); what it printed, for the log."""
        log = ""
        if self.proc is not None:
            kill_group(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
            for pipe in (self.proc.stdin, self.proc.stdout):
                pipe.close()
            self.proc = None
            self.pending = b""
        if self.stderr is not None:
            self.stderr.seek(0)
            log = self.stderr.read().decode("utf-8", "replace")[-LOG_TAIL:]
            self.stderr.close()
            self.stderr = None
        return log

    def kill(self) -> None:
        """Kill the server and its child now (no lock: a job under way fails at once)."""
        proc = self.proc
        if proc is not None:
            kill_group(proc.pid, signal.SIGKILL)

    def close(self) -> None:
        with self.lock:
            self.closed = True
            if self.proc is not None and self.proc.poll() is None:
                self.proc.stdin.close()  # end of input: the server leaves its loop
                try:
                    self.proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    pass
            self._stop()
            shutil.rmtree(self.workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(serve(json.loads(sys.argv[1])))
