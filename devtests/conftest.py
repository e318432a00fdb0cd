"""Fixtures for the project's own tests (instructors only; not shipped to students)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest


@pytest.fixture(scope="session")
def tf():
    """TensorFlow, imported once and only by the tests marked ``tf``."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if os.environ.get("CI"):  # CI installs the tf extra: a missing TensorFlow is a failure there
        import tensorflow

        return tensorflow
    return pytest.importorskip(
        "tensorflow", reason="TensorFlow is not installed: pip install -e '.[tf]'"
    )


@pytest.fixture(scope="session")
def keras(tf):
    import keras as keras_module

    return keras_module


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20261126)


_MUTANTS: dict[str, dict] = {}  # mutant id -> outcome, from the tests' user properties
_LOCAL: dict[str, dict] = {}  # mutant id -> named by the grader / by the release's check


def pytest_runtest_logreport(report) -> None:
    # collected from the reports (not the test modules), so it also works under xdist
    for name, value in getattr(report, "user_properties", ()):
        if name == "mutant":
            _MUTANTS[value["id"]] = value
        if name == "local_check":
            _LOCAL[value["id"]] = value


def pytest_terminal_summary(terminalreporter) -> None:
    """The mutant catalogue's rates, as a student sees them through the worker, and the
    share of the mistakes the grader names that the release's own check names at home."""
    _local_rate(terminalreporter)
    if not _MUTANTS:
        return
    outcomes = list(_MUTANTS.values())
    detected = sum(o["detected"] for o in outcomes)
    catalogued = [o for o in outcomes if o["catalogued"]]
    diagnosed = sum(o["diagnosed"] for o in catalogued)
    named = sum(o["named"] for o in catalogued)
    parity = sum(o["parity"] for o in outcomes)
    terminalreporter.write_sep("=", "mutant catalogue")
    terminalreporter.write_line(
        f"detected {detected}/{len(outcomes)} mutants (each loses points in its exercise); "
        f"diagnosed {diagnosed}/{len(catalogued)} in the Gradescope output a student sees "
        f"through the worker, {named} of them named on its first line; the same feedback "
        f"in-process for {parity}/{len(outcomes)}"
    )


@pytest.fixture(scope="session")
def core_venv(tmp_path_factory) -> Path:
    """A fresh venv with the core install only (no extra), built once per session (slow)."""
    venv = tmp_path_factory.mktemp("core") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=600)
    root = Path(__file__).resolve().parents[1]
    subprocess.run(
        [str(venv / "bin" / "pip"), "install", "-q", "-c", str(root / "constraints.txt"),
         "-e", str(root)],
        check=True, capture_output=True, timeout=1800,
    )  # fmt: skip
    return venv


LOCAL_GOAL = 0.8  # of the mistakes the grader names, the share named at home (issue 18)


def _local_shortfall() -> str:
    """Why the whole catalogue's local diagnosis misses its goal, or '' (also when only part
    of the catalogue was measured: a -k run, an xdist worker)."""
    outcomes = list(_LOCAL.values())
    if not outcomes or len(outcomes) < outcomes[0]["of"]:
        return ""
    by_grader = [o for o in outcomes if o["grader_named"]]
    both = sum(o["local_named"] for o in by_grader)
    if by_grader and both / len(by_grader) < LOCAL_GOAL:
        return f"the local diagnosis names {both}/{len(by_grader)}, below {LOCAL_GOAL:.0%}"
    return ""


def pytest_sessionfinish(session) -> None:
    if _local_shortfall():  # a rate, not a test: it fails the run as a failed test would
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def _local_rate(terminalreporter) -> None:
    if not _LOCAL:
        return
    outcomes = list(_LOCAL.values())
    by_grader = [o for o in outcomes if o["grader_named"]]
    both = sum(o["local_named"] for o in by_grader)
    anywhere = sum(o["local_named"] for o in outcomes)
    catalogued = sum(o["catalogued"] for o in outcomes)
    share = f" ({100 * both / len(by_grader):.0f}%)" if by_grader else ""
    terminalreporter.write_sep("=", "local diagnosis")
    terminalreporter.write_line(
        f"the release's deepgrade check -v names {both}/{len(by_grader)}{share} of the mutants "
        f"the grader names, as its headline; {anywhere}/{catalogued} catalogued mutants in all "
        f"(goal: {LOCAL_GOAL:.0%})"
    )
    if _local_shortfall():
        terminalreporter.write_line(f"FAILED: {_local_shortfall()}", red=True, bold=True)
