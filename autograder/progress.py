"""Progress of a long instructor command: a rich bar on a terminal, plain lines off one.

A log file or a CI job gets no bar redrawn in place (rich draws nothing there until the
end): off a terminal, each step is one plain line, ``[3/8] grading: alice (graded,
73.5/100)``, flushed as it happens, so a long run can be followed with ``tail -f``.
"""

from __future__ import annotations

from types import TracebackType

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn


class Steps:
    """``with Steps(console, "grading", total) as steps: ... steps.advance("alice")``."""

    def __init__(self, console: Console, title: str, total: int, done: int = 0):
        self.console, self.title, self.total, self.done = console, title, total, done
        self._bar: Progress | None = None
        if console.is_terminal:
            self._bar = Progress(
                TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                TextColumn("{task.fields[last]}"), TimeElapsedColumn(), console=console,
            )  # fmt: skip
            self._task = self._bar.add_task(title, total=total, completed=done, last="")

    def __enter__(self) -> Steps:
        if self._bar is not None:
            self._bar.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, err: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._bar is not None:
            self._bar.stop()

    def advance(self, what: str) -> None:
        """One step done: ``what`` names it (a student, a file, a capstone)."""
        self.done += 1
        if self._bar is not None:
            self._bar.update(self._task, advance=1, last=what)
        else:
            self.console.print(f"[{self.done}/{self.total}] {self.title}: {what}", markup=False,
                               highlight=False, soft_wrap=True)  # fmt: skip
            self.console.file.flush()
