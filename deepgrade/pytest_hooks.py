"""The hooks deepgrade's pytest plugin declares: how a session that grades (the grading
engine, a notebook's checks cell, the fingerprint builder) hands it what to test.

A plugin passed to ``pytest.main(plugins=[...])`` implements them as methods; the kit's
plugin (:mod:`deepgrade.pytest_plugin`) adds these specifications in ``pytest_addhooks``
and calls them.
"""

from __future__ import annotations

from typing import Any

import pytest


@pytest.hookspec(firstresult=True)
def pytest_deepgrade_implementation(config: pytest.Config) -> Any | None:
    """The implementation the ``impl`` fixture returns (the submission behind its worker, a
    notebook's namespace...), replacing ``--impl``; None lets the next plugin answer, and
    without an answer ``--impl`` decides. Called once, at ``pytest_configure``."""


@pytest.hookspec
def pytest_deepgrade_one_line_errors(config: pytest.Config) -> tuple[type, ...]:
    """Exception types a failed test reports in one line, like a stub's
    NotImplementedError (the worker's errors: their message says it all, a traceback
    through the grader's own code would only hide it). The answers of all plugins add up."""
