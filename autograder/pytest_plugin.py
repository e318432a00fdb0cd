"""pytest plugin for the public tests: choose the implementation, tag tests by exercise.

- ``--impl solutions|exercises|PATH`` (or the environment variable ``DEEPGRADE_IMPL``)
  picks what the ``impl`` fixture returns; the header of every run says which one.
- ``@pytest.mark.exercise("conv2d")`` ties a test to a catalogue entry.
- A stub's ``NotImplementedError`` and a submission's missing module or function are
  reported in one line naming the exercise, not as a traceback through the test code.
"""

from __future__ import annotations

import os

import pytest

from autograder.catalog import BY_NAME
from autograder.implementation import Implementation, SubmissionError

DEFAULT_IMPL = "exercises"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--impl",
        default=os.environ.get("DEEPGRADE_IMPL", DEFAULT_IMPL),
        help="implementation the public tests run against: 'exercises' (your stubs, the "
        "default), 'solutions', or a folder holding your copies of the exercise modules; "
        "the environment variable DEEPGRADE_IMPL sets the default",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "exercise(name): the exercise a test checks")


def pytest_report_header(config: pytest.Config) -> str:
    spec = config.getoption("--impl")
    try:
        where = Implementation(spec).origin
    except SubmissionError as err:
        return f"deepgrade: {err}"
    return f"deepgrade: testing implementation '{spec}' ({where}); choose with --impl"


@pytest.fixture(scope="session")
def impl(pytestconfig: pytest.Config) -> Implementation:
    """The implementation under test; call exercise functions as ``impl.conv2d(...)``."""
    try:
        return Implementation(pytestconfig.getoption("--impl"))
    except SubmissionError as err:
        raise pytest.UsageError(str(err)) from None


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        for mark in item.iter_markers("exercise"):
            if not mark.args or mark.args[0] not in BY_NAME:
                raise pytest.UsageError(
                    f"{item.nodeid}: @pytest.mark.exercise needs a catalogue name, "
                    f"got {mark.args!r}"
                )


def exercise_of(item: pytest.Item) -> str | None:
    mark = item.get_closest_marker("exercise")
    return mark.args[0] if mark else None


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    outcome = yield
    report = outcome.get_result()
    if call.excinfo is None or report.passed:
        return
    err = call.excinfo.value
    if isinstance(err, NotImplementedError):
        report.longrepr = f"NotImplementedError: {err}"
    elif isinstance(err, SubmissionError):
        report.longrepr = f"SubmissionError: {err}"
