"""The plugin hand-off is a declared pytest hook: a session that grades supplies the
implementation (and the error types it wants in one line) by implementing it."""

from __future__ import annotations

import textwrap
import uuid

import pytest

from deepgrade.implementation import Implementation


class _Supplier:
    def __init__(self, impl, errors=()):
        self.impl, self.errors = impl, errors

    def pytest_deepgrade_implementation(self, config):
        return self.impl

    def pytest_deepgrade_one_line_errors(self, config):
        return self.errors


class _Silent:
    def pytest_deepgrade_implementation(self, config):
        return None  # lets the next plugin, or --impl, decide


class _Boom(Exception):
    pass


def _run(tmp_path, source: str, *plugins, impl: str = "solutions") -> list:
    test = tmp_path / f"test_handoff_{uuid.uuid4().hex}.py"
    test.write_text(textwrap.dedent(source))
    reports = []

    class Reports:
        def pytest_runtest_logreport(self, report):
            if report.when == "call":
                reports.append(report)

    code = pytest.main(
        [str(test), "-q", "-p", "deepgrade.pytest_plugin", f"--impl={impl}", "-p",
         "no:cacheprovider", "--rootdir", str(tmp_path), "--import-mode=importlib"],
        plugins=[*plugins, Reports()],
    )  # fmt: skip
    assert code in (0, 1)
    return reports


def test_the_first_plugin_that_answers_supplies_the_implementation(tmp_path):
    supplied = Implementation("solutions")
    source = """
        def test_impl(impl):
            assert impl.relu([-1.0, 2.0]).tolist() == [0.0, 2.0]
    """
    (passed,) = _run(tmp_path, source, _Silent(), _Supplier(supplied), impl="exercises")
    assert passed.passed  # --impl=exercises would have failed on the stub
    (stub,) = _run(tmp_path, source, _Silent(), impl="exercises")  # no answer: --impl
    assert stub.failed and "NotImplementedError" in str(stub.longrepr)


def test_the_error_types_a_plugin_names_are_reported_in_one_line(tmp_path):
    source = f"""
        from {__name__} import _Boom

        def test_boom():
            raise _Boom("the worker stopped: budget used")
    """
    (plain,) = _run(tmp_path, source)
    assert "Traceback" in str(plain.longrepr) or "def test_boom" in str(plain.longrepr)
    (brief,) = _run(tmp_path, source, _Supplier(None, (_Boom,)))
    assert str(brief.longrepr) == "_Boom: the worker stopped: budget used"
