"""Reaching into a running grading process from a test: its children, broken on purpose."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

from autograder.grading.server import GradingProcess


def children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def grading_children(pid: int) -> list[int]:
    """The children of the server ``pid`` grading a submission: forks of it (same command
    line) that have started their worker (not a program it runs, nor one about to)."""
    try:
        own = Path(f"/proc/{pid}/cmdline").read_bytes()
        forks = [c for c in children(pid) if Path(f"/proc/{c}/cmdline").read_bytes() == own]
    except OSError:
        return []
    return [c for c in forks if children(c)]


def when_grading(process: GradingProcess, act: Callable[[int, int], None]) -> threading.Thread:
    """In a thread: once the server has a child grading a submission, act(server, child)."""

    def watch() -> None:
        for _ in range(6000):
            proc = process.proc
            found = grading_children(proc.pid) if proc is not None else []
            if found:
                act(proc.pid, found[0])
                return
            time.sleep(0.01)

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    return thread
