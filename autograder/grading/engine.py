"""Grade one submission: the suites run here (trusted); the submission runs in its worker.

``grade(folder)`` runs pytest in this process on the suites, with a plugin that makes
the tests' ``impl`` the submission behind a :class:`~autograder.worker.Worker` (or, with
``mode="in-process"``, imported here for debugging), collects one record per test and
turns them into a :class:`SubmissionReport`. Comparison, scoring and report writing
never leave this process.
"""

from __future__ import annotations

import contextlib
import io
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy
import pytest
from hypothesis.configuration import set_hypothesis_home_dir

from autograder.paths import HIDDEN_SUITES, PROJECT_ROOT, PUBLIC_TESTS
from autograder.worker import sandbox
from autograder.worker.errors import WorkerError
from deepgrade.catalog import TOPICS, TOTAL_POINTS
from deepgrade.dependencies import exercise_calls
from deepgrade.implementation import Implementation, SubmissionError
from deepgrade.pytest_plugin import ResultCollector
from deepgrade.scoring import ExerciseResult, score, total

MODES = ("worker", "in-process")
STATUSES = ("graded", "timed out", "crashed", "could not import")


def default_suites() -> list[Path]:
    """The public tests, and the hidden suites where this installation has them."""
    hidden = [HIDDEN_SUITES] if any(HIDDEN_SUITES.glob("test_*.py")) else []
    return [PUBLIC_TESTS, *hidden]


@dataclass
class Limits:
    """Per submission: seconds per call and in total, memory, what may come back."""

    # 25 times the slowest check of the reference (0.2 s on a 2-core machine): a function
    # that hangs costs this once, then its remaining checks fail at once (proxy.py)
    call_seconds: float = 5.0
    total_seconds: float = 300.0
    # the whole submission's budget for calls that hang or flood their output: five such
    # calls (125 times the reference's slowest check), then every remaining check fails at
    # once. The reference never stalls, so a loaded machine cannot use this up: it bounds
    # what any pattern of hangs costs (26 hanging functions: 25 s, not 26 x 5 s)
    stall_seconds: float = 25.0
    memory_mb: int = 1024
    max_output_bytes: int = 10_000
    max_result_bytes: int = 64 * 2**20

    def worker_options(self) -> dict:
        return {
            "call_timeout": self.call_seconds,
            "total_timeout": self.total_seconds,
            "stall_timeout": self.stall_seconds,
            "memory_mb": self.memory_mb,
            "max_output_bytes": self.max_output_bytes,
            "max_result_bytes": self.max_result_bytes,
        }


@dataclass
class SubmissionReport:
    """Everything the reports are written from (all plain data, JSON-ready)."""

    student: str
    status: str
    isolation: str
    mode: str
    execution_time: float
    score: float
    max_score: int
    exercises: list[dict] = field(default_factory=list)
    tests: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    numpy: str = ""  # the version the submission ran with (the worker's, in worker mode)
    graded: dict[str, str] = field(default_factory=dict)  # topic -> the upload's file, why

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> SubmissionReport:
        return cls(**data)


class GradingSession(ResultCollector):
    """The pytest plugin that supplies ``impl`` and collects the records."""

    def __init__(self, submission: Path, mode: str, isolation: str, limits: Limits):
        super().__init__()
        self.submission, self.mode, self.isolation_wanted = submission, mode, isolation
        self.limits = limits
        self.impl = None

    def pytest_deepgrade_one_line_errors(self, config: pytest.Config) -> tuple[type, ...]:
        return (WorkerError,)  # their message says it all

    def pytest_deepgrade_implementation(self, config: pytest.Config):
        return self.implementation()

    def implementation(self):
        """The submission, behind its worker (or in this process for debugging)."""
        if self.mode == "in-process":
            self.impl = Implementation(self.submission)
        else:
            from autograder.grading.proxy import WorkerImplementation

            self.impl = WorkerImplementation(
                self.submission, isolation=self.isolation_wanted, **self.limits.worker_options()
            )
        return self.impl

    def pytest_unconfigure(self, config: pytest.Config) -> None:
        close = getattr(type(self.impl), "close", None)  # in-process has nothing to close
        if close is not None:
            close(self.impl)


@contextlib.contextmanager
def _plain_asserts(suites: list[Path]):
    """The suites' asserts as the command line runs them, also under an outer pytest.

    A pytest that is already running in this process (the project's own tests) rewrites
    the asserts of every test module imported meanwhile, and its messages then show the
    test's expressions and object addresses: what a student reads would depend on who
    called grade(). Its import hook is set aside while grading, and suite modules it
    already rewrote are imported again.
    """
    roots = [str(Path(s).resolve()) for s in suites]
    for name, module in list(sys.modules.items()):
        where = str(getattr(module, "__file__", "") or "")
        if "@py_builtins" in vars(module) and any(where.startswith(r) for r in roots):
            del sys.modules[name]
    hooks = [h for h in sys.meta_path if type(h).__name__ == "AssertionRewritingHook"]
    for hook in hooks:
        sys.meta_path.remove(hook)
    try:
        yield
    finally:
        sys.meta_path[:0] = hooks


def grade(
    submission: str | Path,
    *,
    suites: list[Path] | None = None,
    mode: str = "worker",
    isolation: str = "process",
    limits: Limits | None = None,
    student: str | None = None,
) -> SubmissionReport:
    """Grade the folder ``submission``; raises SubmissionError only if it is not a folder."""
    folder = Path(submission).expanduser().resolve()
    if not folder.is_dir():
        raise SubmissionError(f"{submission} is not a folder")
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
    limits = limits or Limits()
    if mode == "worker":  # a level this host cannot provide fails here, before any grading
        isolation = sandbox.resolve(isolation)
    session = GradingSession(folder, mode, isolation, limits)
    started = time.monotonic()
    exit_code = run_pytest(suites, session)
    elapsed = time.monotonic() - started
    records = list(session.records.values())
    notes = []
    if exit_code not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED):
        notes.append(f"the test run ended with pytest exit code {int(exit_code)}")
    return build_report(student or folder.name, session, records, mode, elapsed, notes)


def run_pytest(
    suites: list[Path] | None, plugin: object, console: io.StringIO | None = None
) -> int | pytest.ExitCode:
    """pytest on the suites with ``plugin`` (one submission's session, or a grading server);
    what pytest prints goes to ``console``, never into a report."""
    args = [
        *(str(s) for s in (suites or default_suites())),
        f"--rootdir={PROJECT_ROOT}", "-o", "addopts=", "-p", "no:cacheprovider",
        "--import-mode=importlib", "-q", "--tb=native", "-p", "no:xdist", "-p", "no:benchmark",
        "--assert=plain",  # rewritten asserts would show the hidden test's code and values
    ]  # fmt: skip
    console = console or io.StringIO()
    with (
        tempfile.TemporaryDirectory(prefix="deepgrade-grading-") as scratch,
        _plain_asserts(suites or default_suites()),
        contextlib.redirect_stdout(console),
        contextlib.redirect_stderr(console),
    ):
        # hypothesis keeps caches in ./.hypothesis: here in a folder of this run instead,
        # so grading leaves nothing in the caller's folder or the checkout
        set_hypothesis_home_dir(scratch)
        try:
            return pytest.main(args, plugins=[plugin])
        finally:
            set_hypothesis_home_dir(None)


def build_report(
    student: str,
    session: GradingSession,
    records: list,
    mode: str,
    elapsed: float,
    notes: list[str],
) -> SubmissionReport:
    """One submission's report from the records its grading session collected."""
    results: list[ExerciseResult] = score(records, exercise_calls(session.submission))
    impl = session.impl
    status = "graded"
    if impl is not None and impl.budget_exhausted:
        status = "timed out"
        notes.append(
            "the submission used its time budget; its remaining checks were not run and scored 0"
        )
    notes.extend(getattr(impl, "fail_fast_notes", ()))  # in-process: nothing fails fast
    failed = impl.failed_imports if impl is not None else {}
    if failed and set(failed) >= set(TOPICS):
        status = "could not import"
    if not records:
        status = "crashed"
        notes.append("no test ran")
    worker = getattr(impl, "worker", None)
    info = getattr(worker, "info", None) or {}
    return SubmissionReport(
        numpy=str(info.get("numpy", numpy.__version__)),
        student=student,
        status=status,
        isolation=impl.isolation if impl is not None else "none",
        mode=mode,
        execution_time=round(elapsed, 3),
        score=total(results),
        max_score=TOTAL_POINTS,
        exercises=[
            {
                "number": r.exercise.number,
                "name": r.exercise.name,
                "label": r.exercise.label,
                "score": r.score,
                "max_score": r.max_score,
                "passed": r.passed,
                "total": r.total,
                "failures": r.failures,
                "likely_mistake": r.likely_mistake,
            }
            for r in results
        ],
        tests=records,
        notes=notes,
    )
