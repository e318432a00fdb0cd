"""The grading engine's reports: Gradescope results.json, JUnit XML, JSON and the table.

Three submissions are graded once each (worker mode, the default suites): the reference
(full marks), the untouched stubs (zero) and the reference with one exercise broken
(exactly that exercise's lost points, shared by checks passed). Every report is read back
with an independent reader: a JSON Schema (jsonschema), junitparser and xml.etree.
"""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import jsonschema
import pytest
from junitparser import Failure, JUnitXml, Skipped
from rich.console import Console

from autograder.grading import reports
from autograder.grading.engine import SubmissionReport, grade
from autograder.paths import PROJECT_ROOT
from deepgrade.catalog import BY_NAME, EXERCISES, TOTAL_POINTS

SOLUTIONS = PROJECT_ROOT / "solutions"
STUBS = PROJECT_ROOT / "exercises"
BROKEN = "softmax"  # the exercise the partial submission gets wrong

# Gradescope's results.json (https://gradescope-autograders.readthedocs.io/en/latest/specs/),
# restricted to the keys Gradescope knows so that a misspelt key fails here.
VISIBILITY = {"enum": ["visible", "hidden", "after_due_date", "after_published"]}
GRADESCOPE_SCHEMA = {
    "type": "object",
    "required": ["score", "execution_time", "output", "tests"],
    "additionalProperties": False,
    "properties": {
        "score": {"type": "number"},
        "execution_time": {"type": "number", "minimum": 0},
        "output": {"type": "string"},
        "output_format": {"enum": ["text", "html", "simple_format", "md", "ansi"]},
        "visibility": VISIBILITY,
        "stdout_visibility": VISIBILITY,
        "extra_data": {"type": "object"},
        "leaderboard": {"type": "array"},
        "tests": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["name", "score", "max_score", "status", "output", "visibility"],
                "additionalProperties": False,
                "properties": {
                    "name": {"type": "string", "minLength": 1},
                    "number": {"type": "string"},
                    "score": {"type": "number", "minimum": 0},
                    "max_score": {"type": "number", "exclusiveMinimum": 0},
                    "status": {"enum": ["passed", "failed"]},
                    "output": {"type": "string"},
                    "output_format": {"enum": ["text", "html", "simple_format", "md", "ansi"]},
                    "tags": {"type": "array", "items": {"type": "string"}},
                    "visibility": VISIBILITY,
                    "extra_data": {"type": "object"},
                },
            },
        },
    },
}

# Appended to a copy of the reference: softmax without the max shift. It validates its
# input like the reference (same errors), and is right for small logits, NaN for large.
UNSTABLE_SOFTMAX = """

_reference_softmax = softmax


def softmax(logits, axis=-1):
    _reference_softmax(logits, axis=axis)  # the reference's input checks
    with np.errstate(all="ignore"):
        e = np.exp(np.asarray(logits, dtype=np.float64))
        return e / e.sum(axis=axis, keepdims=True)
"""


def copy_submission(source: Path, target: Path) -> Path:
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
    return target


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> dict[str, SubmissionReport]:
    partial = copy_submission(SOLUTIONS, tmp_path_factory.mktemp("partial") / "partial")
    with (partial / "activations.py").open("a", encoding="utf-8") as f:
        f.write(UNSTABLE_SOFTMAX)
    return {
        "reference": grade(SOLUTIONS, student="reference"),
        "stubs": grade(STUBS, student="stubs"),
        "partial": grade(partial, student="partial"),
    }


KINDS = ["reference", "stubs", "partial"]


def exercise_rows(results: dict) -> dict[str, dict]:
    return {t["name"]: t for t in results["tests"]}


# ------------------------------------------------------------ Gradescope results.json


@pytest.mark.parametrize("kind", KINDS)
def test_gradescope_results_match_the_schema_and_add_up(graded, kind):
    results = json.loads(reports.render(graded[kind], "gradescope"))
    jsonschema.validate(results, GRADESCOPE_SCHEMA)
    tests = results["tests"]
    assert [t["name"] for t in tests] == [e.label for e in EXERCISES]
    assert sum(t["max_score"] for t in tests) == TOTAL_POINTS == 100
    assert results["score"] == pytest.approx(sum(t["score"] for t in tests), abs=1e-3)
    for t in tests:
        assert 0 <= t["score"] <= t["max_score"]
        assert (t["status"] == "passed") == (t["score"] == t["max_score"]), t["name"]
    assert f"{graded[kind].status}" in results["output"]
    assert "isolation: process" in results["output"]


def test_the_schema_rejects_what_gradescope_would(graded):
    """The schema is strict enough to fail: a wrong status, visibility or missing key."""
    good = reports.gradescope(graded["reference"])
    for spoil in (
        lambda r: r["tests"][0].update(status="ok"),
        lambda r: r["tests"][0].update(visibility="public"),
        lambda r: r["tests"][0].pop("max_score"),
        lambda r: r.update(score="100"),
        lambda r: r.pop("execution_time"),
    ):
        bad = json.loads(json.dumps(good))
        spoil(bad)
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(bad, GRADESCOPE_SCHEMA)


def test_reference_scores_full_marks(graded):
    results = reports.gradescope(graded["reference"])
    assert results["score"] == TOTAL_POINTS
    assert all(t["status"] == "passed" for t in results["tests"])
    assert graded["reference"].status == "graded"


def test_stubs_score_zero_with_not_implemented_feedback(graded):
    results = reports.gradescope(graded["stubs"])
    assert results["score"] == 0
    assert graded["stubs"].status == "graded"  # the stubs import fine; they just raise
    for t in results["tests"]:
        assert t["status"] == "failed" and t["score"] == 0, t["name"]
        assert "not implemented yet" in t["output"], t["output"]


def test_one_broken_exercise_loses_exactly_its_points_in_proportion(graded):
    report = graded["partial"]
    rows = exercise_rows(reports.gradescope(report))
    broken = BY_NAME[BROKEN]
    for exercise in EXERCISES:
        if exercise is not broken:
            assert rows[exercise.label]["score"] == exercise.points, exercise.label
    records = [r for r in report.tests if r["exercise"] == BROKEN]
    passed = [r for r in records if r["outcome"] == "passed"]
    assert 0 < len(passed) < len(records), "the unstable softmax passes some checks, not all"
    share = sum(r["weight"] for r in passed) / sum(r["weight"] for r in records)
    row = rows[broken.label]
    assert row["status"] == "failed"
    assert row["score"] == pytest.approx(broken.points * share, abs=1e-3)
    assert 0 < row["score"] < broken.points
    assert report.score == pytest.approx(TOTAL_POINTS - broken.points + row["score"], abs=1e-3)
    assert row["output"].startswith(f"{len(passed)}/{len(records)} checks passed")
    failed_names = [r["nodeid"].rpartition("::")[2] for r in records if r not in passed]
    assert failed_names[0] in row["output"]


@pytest.mark.parametrize("kind", KINDS)
def test_gradescope_output_shows_no_test_code(graded, kind):
    results = reports.gradescope(graded[kind])
    for text in [results["output"], *(t["output"] for t in results["tests"])]:
        assert "def test_" not in text
        assert "assert " not in text
        assert "tests/test_" not in text  # test names only, never the suite's file


HIDDEN_SUITE = """
import numpy as np
import pytest

SECRET_EXPECTED = np.array([31415.9265, 0.0, 27182.8182])


@pytest.mark.exercise("relu")
def test_hidden_relu_against_a_constant(impl):
    got = impl.relu(np.array([31415.9265, -1.0, 27182.8182]))
    assert np.array_equal(got, SECRET_EXPECTED * 2)


@pytest.mark.exercise("relu")
def test_hidden_relu_bare_assert(impl):
    got = impl.relu(np.array([-5.0, 5.0]))
    assert got.tolist() == [0.0, 5.0] and got.sum() == -987654.321
"""


def test_a_failing_plain_assert_in_a_hidden_test_shows_none_of_its_code(tmp_path):
    """pytest's assertion rewriting would print the expression and its values (the
    expected array, the secret constant); the student must see only that it failed."""
    suite = tmp_path / "hidden"
    suite.mkdir()
    (suite / "conftest.py").write_text('pytest_plugins = ("deepgrade.pytest_plugin",)\n')
    (suite / "test_hidden_relu.py").write_text(HIDDEN_SUITE)
    # In a fresh process: this pytest session's own rewriting hook would rewrite the suite.
    script = (
        "import json, sys; from autograder.grading.engine import grade; "
        "print(json.dumps(grade(sys.argv[1], suites=[sys.argv[2]]).to_dict()))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script, str(SOLUTIONS), str(suite / "test_hidden_relu.py")],
        capture_output=True, text=True, cwd=PROJECT_ROOT, check=True, timeout=120,
    )  # fmt: skip
    report = SubmissionReport.from_dict(json.loads(proc.stdout))
    relu = BY_NAME["relu"]
    assert [r["outcome"] for r in report.tests] == ["failed", "failed"]
    results = reports.gradescope(report)
    row = exercise_rows(results)[relu.label]
    assert row["score"] == 0 and row["output"].startswith("0/2 checks passed")
    assert "test_hidden_relu_against_a_constant" in row["output"]
    for text in [results["output"], *(t["output"] for t in results["tests"])]:
        for leak in ("assert ", "SECRET", "987654", "62831", "array_equal", "where "):
            assert leak not in text, f"{leak!r} leaked into the feedback:\n{text}"


# ------------------------------------------------------------------------- JUnit XML


@pytest.mark.parametrize("kind", KINDS)
def test_junit_read_back_with_junitparser(graded, kind):
    report = graded[kind]
    failed = [r for r in report.tests if r["outcome"] == "failed"]
    xml = JUnitXml.fromstring(reports.render(report, "junit"))
    suites = list(xml)
    assert sum(s.tests for s in suites) == len(report.tests)
    assert sum(s.failures for s in suites) == len(failed)
    cases = [case for s in suites for case in s]
    assert len(cases) == len(report.tests)
    failures = [r for case in cases for r in case.result if isinstance(r, Failure)]
    assert len(failures) == len(failed)
    assert all(f.message for f in failures), "every failure carries a message"
    assert not [r for case in cases for r in case.result if isinstance(r, Skipped)]
    exercise_names = {s.name for s in suites}
    assert exercise_names == {r["exercise"] for r in report.tests}
    if kind == "stubs":
        assert all("NotImplementedError" in f.message for f in failures)
    if kind == "partial":
        assert {s.name for s in suites if s.failures} == {BROKEN}


@pytest.mark.parametrize("kind", KINDS)
def test_junit_read_back_with_element_tree(graded, kind):
    report = graded[kind]
    # a multiset: a public and a hidden test may share a name
    failed = Counter(
        r["nodeid"].partition("::")[2] for r in report.tests if r["outcome"] == "failed"
    )
    root = ET.fromstring(reports.render(report, "junit").encode())
    assert root.tag == "testsuites"
    assert int(root.get("tests")) == len(report.tests) == len(root.findall(".//testcase"))
    assert int(root.get("failures")) == failed.total() == len(root.findall(".//failure"))
    for suite in root.iter("testsuite"):
        assert int(suite.get("tests")) == len(suite.findall("testcase"))
        assert int(suite.get("failures")) == len(suite.findall("testcase/failure"))
    got_failed = Counter(
        c.get("name") for c in root.iter("testcase") if c.find("failure") is not None
    )
    assert got_failed == failed
    for failure in root.iter("failure"):
        assert failure.get("message") and failure.text


# ------------------------------------------------------------------ JSON and the table


@pytest.mark.parametrize("kind", KINDS)
def test_json_round_trips_into_a_submission_report(graded, kind):
    text = reports.render(graded[kind], "json")
    again = SubmissionReport.from_dict(json.loads(text))
    assert again == graded[kind]
    assert reports.render(again, "json") == text


@pytest.mark.parametrize("kind", KINDS)
def test_table_prints_every_exercise_and_the_total(graded, kind):
    report = graded[kind]
    out = io.StringIO()
    reports.table(report, Console(file=out, width=250, color_system=None))
    lines = out.getvalue().splitlines()
    for row in report.exercises:
        line = next((ln for ln in lines if row["label"] in ln), None)
        assert line is not None, f"no row for {row['label']}"
        assert f"{row['passed']}/{row['total']}" in line
        assert f"{row['score']:g}/{row['max_score']}" in line
    total = next(ln for ln in lines if ln.strip("│┃ ").startswith("total"))
    assert f"{report.score:g}/{TOTAL_POINTS}" in total
    assert "isolation: process" in out.getvalue()


def test_unknown_format_is_refused(graded):
    with pytest.raises(ValueError, match="unknown format"):
        reports.render(graded["reference"], "yaml")
