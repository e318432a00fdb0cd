"""pytest plugin for the public tests: choose the implementation, tag tests by exercise.

- ``--impl solutions|exercises|PATH`` (or the environment variable ``DEEPGRADE_IMPL``)
  picks what the ``impl`` fixture returns; the header of every run says which one.
- ``@pytest.mark.exercise("conv2d")`` ties a test to a catalogue entry; ``--exercise
  conv2d`` (repeatable) runs only the tests of that exercise (one graded step per exercise
  in a student release's GitHub Classroom workflow).
- ``--deepgrade-report FILE`` writes each test's exercise, outcome and first failure
  message as JSON (what ``deepgrade check`` reads).
- A stub's ``NotImplementedError`` and a submission's missing module or function are
  reported in one line naming the exercise, not as a traceback through the test code; an
  error raised inside the submission comes with its hint (:mod:`deepgrade.hints`): the
  student's line, the call's arguments and what the docstring asks for.
- A failed check's evidence (:mod:`deepgrade.evidence`) goes into its test record, from
  which a report names the exercise's likely mistake.
"""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path

import pytest

from deepgrade import stub_digests
from deepgrade.catalog import BY_NAME, TOPICS, find
from deepgrade.evidence import evidence_of
from deepgrade.hints import HINT
from deepgrade.implementation import Implementation, SubmissionError
from deepgrade.paths import available_packages

DEFAULT_IMPL = "exercises"
_IMPL = pytest.StashKey[Implementation]()
EVIDENCE_PROPERTY = "deepgrade_evidence"  # a failed test's evidence, in its user_properties


def pytest_addhooks(pluginmanager: pytest.PytestPluginManager) -> None:
    """How a grading session supplies the implementation (:mod:`deepgrade.pytest_hooks`)."""
    from deepgrade import pytest_hooks

    pluginmanager.add_hookspecs(pytest_hooks)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--impl",
        default=os.environ.get("DEEPGRADE_IMPL", DEFAULT_IMPL),
        help="implementation the public tests run against: 'exercises' (your stubs, the "
        f"default), {_other_packages()}or a folder holding your copies of the exercise "
        "modules; the environment variable DEEPGRADE_IMPL sets the default",
    )
    parser.addoption(
        "--exercise",
        action="append",
        default=[],
        metavar="NAME",
        help="run only the tests of this exercise (its function's name, e.g. conv2d, or its "
        "number, e.g. 1.4); repeatable",
    )
    parser.addoption(
        "--deepgrade-report",
        default=None,
        metavar="FILE",
        help="write every test's exercise, outcome and failure message to FILE as JSON",
    )
    parser.addoption(
        "--deepgrade-skip-stubs",
        action="store_true",
        help="with --deepgrade-report (deepgrade check): an exercise still the release's stub "
        "is recorded as failed with its NotImplementedError, without running its tests",
    )


def _other_packages() -> str:
    """The packages besides the default, e.g. "'solutions', " (a student release has none)."""
    return "".join(f"'{name}', " for name in available_packages() if name != DEFAULT_IMPL)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "exercise(name): the exercise a test checks")
    config.addinivalue_line(
        "markers", "points(weight): the test's share of its exercise's points (default 1)"
    )
    unknown = [name for name in config.getoption("--exercise") if find(name) is None]
    if unknown:
        raise pytest.UsageError(
            f"--exercise: {', '.join(map(repr, unknown))} is not an exercise; "
            f"known: {', '.join(BY_NAME)} (or their numbers, e.g. 1.4)"
        )
    try:  # a wrong --impl stops the run at once, before any test reports a confusing error
        supplied = config.hook.pytest_deepgrade_implementation(config=config)
        config.stash[_IMPL] = (
            supplied if supplied is not None else Implementation(config.getoption("--impl"))
        )
    except SubmissionError as err:
        raise pytest.UsageError(f"--impl: {err}") from None
    path = config.getoption("--deepgrade-report")
    if path:
        report = _JsonReport(Path(path), skip_stubs=config.getoption("--deepgrade-skip-stubs"))
        config.pluginmanager.register(report, "deepgrade-json-report")


def use_implementation(config: pytest.Config, implementation) -> None:
    """Make ``implementation`` the one the ``impl`` fixture returns from now on (a grading
    process that collected the tests once sets each submission's before running them)."""
    config.stash[_IMPL] = implementation


def pytest_report_header(config: pytest.Config) -> str:
    impl = config.stash[_IMPL]
    return f"deepgrade: testing implementation '{impl.spec}' ({impl.origin}); choose with --impl"


def weight_of(item: pytest.Item) -> float:
    mark = item.get_closest_marker("points")
    return float(mark.args[0]) if mark else 1.0


@pytest.fixture(scope="session")
def impl(pytestconfig: pytest.Config) -> Implementation:
    """The implementation under test; call exercise functions as ``impl.conv2d(...)``."""
    return pytestconfig.stash[_IMPL]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        for mark in item.iter_markers("exercise"):
            if not mark.args or mark.args[0] not in BY_NAME:
                raise pytest.UsageError(
                    f"{item.nodeid}: @pytest.mark.exercise needs a catalogue name, "
                    f"got {mark.args!r}"
                )
    wanted = {find(name).name for name in config.getoption("--exercise")}
    if wanted:
        deselected = [item for item in items if exercise_of(item) not in wanted]
        if deselected:
            config.hook.pytest_deselected(items=deselected)
            items[:] = [item for item in items if exercise_of(item) in wanted]


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """With ``--exercise``, a topic's public tests (``test_<topic>.py``, whose tests are
    the topic's exercises) are not even imported unless an exercise named is the topic's:
    one exercise's run costs its own file, not all six."""
    wanted = config.getoption("--exercise")
    topic = collection_path.stem.removeprefix("test_")
    if not wanted or collection_path.suffix != ".py" or topic not in TOPICS:
        return None
    return topic not in {find(name).module for name in wanted} or None


def exercise_of(item: pytest.Item) -> str | None:
    mark = item.get_closest_marker("exercise")
    return mark.args[0] if mark else None


@pytest.hookimpl(tryfirst=True, specname="pytest_runtest_makereport")
def pytest_runtest_makereport_brief(
    item: pytest.Item, call: pytest.CallInfo
) -> pytest.TestReport | None:
    """The report of a failure shown in one line, without building pytest's traceback
    (which parses every source file it passes through: most of the time of a check on
    unfinished work). With ``--tb=no`` every failure is shown in one line."""
    excinfo = call.excinfo
    if excinfo is None or call.when != "call" or not isinstance(excinfo.value, Exception):
        return None  # a pass, a fixture's error, a skip or an xfail's outcome: pytest's own
    line = _one_line(excinfo.value, item.config)
    if line is None and item.config.getoption("tbstyle") == "no":
        line = excinfo.exconly(tryshort=True)  # what the traceback's crash line says
    if line is None:
        return None
    brief = copy.copy(call)
    brief.excinfo = line  # a text instead of the exception: pytest reports it as it is
    return pytest.TestReport.from_item_and_call(item, brief)


def _one_line(err: Exception, config: pytest.Config) -> str | None:
    """The one line a kit error is reported in, or None."""
    if isinstance(err, NotImplementedError):
        return f"NotImplementedError: {err}"
    if getattr(err, HINT, None):
        return f"{type(err).__name__}: {str(err).rstrip()}\n{getattr(err, HINT)}"
    if isinstance(err, (SubmissionError, *_one_line_errors(config))):
        return f"{type(err).__name__}: {err}"
    return None


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    outcome = yield
    report = outcome.get_result()
    if call.excinfo is None or report.passed:
        return
    err = call.excinfo.value
    evidence = evidence_of(err)
    if evidence:
        report.user_properties.append((EVIDENCE_PROPERTY, evidence))
    line = _one_line(err, item.config) if isinstance(err, Exception) else None
    if line is not None:  # a fixture's phase too (the brief report answers for the call)
        report.longrepr = line


def _one_line_errors(config: pytest.Config) -> tuple[type, ...]:
    """Exception types every plugin wants reported in one line (see deepgrade.pytest_hooks)."""
    answers = config.hook.pytest_deepgrade_one_line_errors(config=config)
    return tuple(kind for answer in answers for kind in answer)


def _stubbed_exercises(implementation, names: set[str | None]) -> set[str]:
    """The exercises among ``names`` whose function is still the release's stub."""
    stubbed = set()
    for name in names - {None}:
        try:
            function = getattr(implementation, name)
        except Exception:  # a missing module or function: its tests say so when they run
            continue
        if stub_digests.untouched(function, BY_NAME[name]):
            stubbed.add(name)
    return stubbed


def failure_message(report: pytest.TestReport) -> str:
    """The exception's own message: what a student should read first, without the traceback."""
    longrepr = report.longrepr
    crash = getattr(longrepr, "reprcrash", None)
    if crash is not None:
        return crash.message
    if isinstance(longrepr, tuple):  # a skip: (file, line, reason)
        return str(longrepr[2])
    return str(longrepr)


class ResultCollector:
    """One record per test (its worst phase): nodeid, exercise, weight, outcome, message,
    and the evidence its failure carried."""

    def __init__(self) -> None:
        self.records: dict[str, dict] = {}
        self.exercises: dict[str, str | None] = {}
        self.weights: dict[str, float] = {}

    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        self.exercises = {item.nodeid: exercise_of(item) for item in items}
        self.weights = {item.nodeid: weight_of(item) for item in items}

    def record(self, nodeid: str) -> dict:
        """The test's record, a passed one until a report says otherwise."""
        return self.records.setdefault(
            nodeid,
            {
                "nodeid": nodeid,
                "exercise": self.exercises.get(nodeid),
                "weight": self.weights.get(nodeid, 1.0),
                "outcome": "passed",
                "seconds": 0.0,
                "message": "",
                "evidence": [],
            },
        )

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        record = self.record(report.nodeid)
        record["seconds"] += report.duration
        if report.failed or (report.skipped and record["outcome"] == "passed"):
            record["outcome"] = "failed" if report.failed else "skipped"
            if not record["message"]:
                record["message"] = failure_message(report)
            for name, value in report.user_properties:
                if name == EVIDENCE_PROPERTY:
                    record["evidence"].extend(value)


class _JsonReport(ResultCollector):
    """The records, written as JSON when the run ends (read by ``deepgrade check``).

    With ``skip_stubs`` (``deepgrade check``), an exercise whose function is still the
    release's stub is not run: each of its tests is recorded as failed with the stub's own
    ``NotImplementedError``, which is what running it gives (:mod:`deepgrade.stub_digests`),
    without pytest's cost per test; the run's exit status stays that of failed tests."""

    def __init__(self, path: Path, skip_stubs: bool = False):
        super().__init__()
        self.path = path
        self.skip_stubs = skip_stubs
        self.skipped = False

    @pytest.hookimpl(trylast=True)  # after --exercise has chosen the tests
    def pytest_collection_modifyitems(self, config: pytest.Config, items: list[pytest.Item]):
        super().pytest_collection_modifyitems(items)
        if not self.skip_stubs:
            return
        stubbed = _stubbed_exercises(config.stash[_IMPL], {exercise_of(i) for i in items})
        skipped = [item for item in items if exercise_of(item) in stubbed]
        for item in skipped:
            message = f"NotImplementedError: {BY_NAME[exercise_of(item)].not_implemented}"
            self.record(item.nodeid).update(outcome="failed", message=message)
        if skipped:
            self.skipped = True
            config.hook.pytest_deselected(items=skipped)
            items[:] = [item for item in items if exercise_of(item) not in stubbed]

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        self.path.write_text(json.dumps(list(self.records.values()), indent=1), encoding="utf-8")
        if self.skipped and session.exitstatus in (
            pytest.ExitCode.OK,
            pytest.ExitCode.NO_TESTS_COLLECTED,
        ):
            session.exitstatus = pytest.ExitCode.TESTS_FAILED  # the stubs' tests fail
