"""The student's loop in a built release (slow: a release and its fresh venv).

- The whole mutant catalogue through the release's own ``deepgrade check -v``: a mutant is
  named at home when its exercise's headline names the mistake the grader names (the
  grader's words read from its Gradescope output, graded in-process with the topic's
  suites as in ``devtests/test_mutants.py``). The rate is printed at the end of the run
  beside the grader's, and the run fails when it is below 80% (``devtests/conftest.py``); the
  leak check of that release is green.
- ``deepgrade check conv2d relu 1.4`` against ``pytest --exercise``, ``check --help``.
- The release's mistake fingerprints, edited, are refused by the leak check.
- An exercise still the release's stub is recorded without running its tests, as running
  them records it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.builders import leaks, student_readme
from autograder.grading.engine import grade
from autograder.grading.reports import gradescope
from deepgrade import fingerprints
from deepgrade.catalog import BY_NAME
from devtests.commands import DEEPGRADE
from devtests.local_diagnosis import check_mutant, headline, named
from devtests.test_mutants import MUTANTS, student_view, submission, summary_of, topic_suites

pytestmark = pytest.mark.slow


def _env(venv: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"VIRTUAL_ENV", "PYTHONPATH"}}
    env.pop("DEEPGRADE_IMPL", None)
    env.update(COLUMNS="250", PATH=f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}")
    return env


@pytest.fixture(scope="module")
def release(tmp_path_factory) -> Path:
    """A release built by the real command (its leak check included) and installed by the
    README's own command in a fresh venv."""
    root = tmp_path_factory.mktemp("release") / "release"
    built = subprocess.run([*DEEPGRADE, "release", "--output", str(root)],
                           capture_output=True, text=True, timeout=1800, check=False)  # fmt: skip
    assert built.returncode == 0, built.stdout + built.stderr
    assert "public checks fingerprinted" in built.stdout and "sdist and wheel are clean" in (
        built.stdout
    )
    install = student_readme.INSTALL.replace("python3 -m venv", f"{sys.executable} -m venv", 1)
    done = subprocess.run(install, shell=True, cwd=root, capture_output=True, text=True,
                          timeout=1800, check=False)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    return root


def _deepgrade(release: Path, *args: str, cwd: Path | None = None):
    venv = release / ".venv"
    return subprocess.run([str(venv / "bin" / "deepgrade"), *args], cwd=cwd or release,
                          env=_env(venv), capture_output=True, text=True, timeout=600,
                          check=False)  # fmt: skip


@pytest.mark.parametrize("mutant", MUTANTS, ids=[m["id"] for m in MUTANTS])
def test_the_release_names_at_home_what_the_grader_names(mutant, release, tmp_path,
                                                         record_property):  # fmt: skip
    venv = release / ".venv"
    local = check_mutant(mutant, [str(venv / "bin" / "deepgrade")], tmp_path, env=_env(venv))
    assert local["ran"], mutant["id"]
    folder = submission(mutant, tmp_path / "graded")
    topic = BY_NAME[mutant["exercise"]].module
    report = grade(folder, suites=topic_suites(topic), mode="in-process")
    graders = summary_of(student_view(gradescope(report), topic)[mutant["exercise"]]["output"])
    record_property(
        "local_check",
        {
            "id": mutant["id"],
            "grader_named": named(graders, mutant["diagnosis"]),
            "local_named": local["local_named"],
            "catalogued": local["catalogued"],
            "of": len(MUTANTS),  # the run measured the whole catalogue: its rate is gated
        },
    )  # summarised by conftest.py at the end of the run
    # a name at home is the mutant's own, never another mistake's
    told = local["local_headline"]
    wrong = told.startswith("Likely mistake (") and not local["local_named"]
    assert not wrong, f"{mutant['id']} is told at home {told!r}; the grader: {graders!r}"


def test_check_of_exercises_agrees_with_pytest_exercise_in_the_release(release, tmp_path):
    check = _deepgrade(release, "check", "conv2d", "relu", "1.4", "-v")
    report = tmp_path / "report.json"
    plain = subprocess.run(
        [str(release / ".venv" / "bin" / "python"), "-m", "pytest", "-q", "--exercise",
         "conv2d", "--exercise", "relu", f"--deepgrade-report={report}"],
        cwd=release, env=_env(release / ".venv"), capture_output=True, text=True, timeout=600,
        check=False,
    )  # fmt: skip
    assert check.returncode == plain.returncode == 1
    records = json.loads(report.read_text())
    assert {r["exercise"] for r in records} == {"conv2d", "relu"}
    shown = [line for line in check.stdout.splitlines() if line.startswith("FAILED ")]
    assert len(shown) == len(records)  # the fresh stubs fail every test
    assert headline(check.stdout, "conv2d") == "not implemented yet"
    assert "(conv_layer)" not in check.stdout


def test_the_releases_check_help_offers_what_a_release_has(release):
    helped = _deepgrade(release, "check", "--help")
    assert helped.returncode == 0 and "'exercises'" in helped.stdout
    assert "solutions" not in helped.stdout
    tests_help = subprocess.run(
        [str(release / ".venv" / "bin" / "python"), "-m", "pytest", "--help"],
        cwd=release, env=_env(release / ".venv"), capture_output=True, text=True, timeout=600,
        check=False,
    )  # fmt: skip
    assert "--impl" in tests_help.stdout and "'solutions'" not in tests_help.stdout


def test_the_leak_check_refuses_an_edited_table_in_the_release(release, tmp_path):
    table_path = release / fingerprints.TABLE_NAME
    table = json.loads(table_path.read_text(encoding="utf-8"))
    prints = leaks.Fingerprints.of()
    assert leaks.check_folder(release, prints) == []
    key = next(iter(table["checks"]))
    table["checks"][key]["outputs"]["0" * 16] = [["values", [0.5, 0.5]]]
    original = table_path.read_text(encoding="utf-8")
    try:
        table_path.write_text(json.dumps(table), encoding="utf-8")
        found = leaks.check_folder(release, prints)
    finally:
        table_path.write_text(original, encoding="utf-8")
    assert [leak.where for leak in found] == [fingerprints.TABLE_NAME]


def test_an_exercise_not_yet_begun_is_reported_without_running_its_tests(release, tmp_path):
    """What the check records for the fresh stubs is what running their tests gives; an
    edited exercise (relu, done) is run."""
    exercises = tmp_path / "work"
    shutil.copytree(release / "exercises", exercises)
    relu = exercises / "activations.py"
    stub = BY_NAME["relu"].not_implemented
    text = relu.read_text(encoding="utf-8")
    relu.write_text(text.replace(f'raise NotImplementedError(\n        "{stub}"\n    )',
                                 "return np.maximum(x, 0.0)"), encoding="utf-8")  # fmt: skip

    def records(name: str, *options: str) -> dict[str, dict]:
        report = tmp_path / f"{name}.json"
        ran = subprocess.run(
            [str(release / ".venv" / "bin" / "python"), "-m", "pytest", "-q", "--tb=no",
             f"--impl={exercises}", f"--deepgrade-report={report}", *options],
            cwd=release, env=_env(release / ".venv"), capture_output=True, text=True,
            timeout=600, check=False,
        )  # fmt: skip
        assert ran.returncode == 1, ran.stdout  # tests failed, skipped or not
        return {r["nodeid"]: r for r in json.loads(report.read_text(encoding="utf-8"))}

    skipped = records("skipped", "--deepgrade-skip-stubs")  # as deepgrade check runs them
    ran = records("ran")
    assert skipped.keys() == ran.keys()
    for nodeid, record in ran.items():
        assert (skipped[nodeid]["outcome"], skipped[nodeid]["message"]) == (
            record["outcome"], record["message"]
        ), nodeid  # fmt: skip
    relu_tests = {n for n, r in ran.items() if r["exercise"] == "relu"}
    assert relu_tests and all(ran[n]["outcome"] == "passed" for n in relu_tests)
    not_run = {n for n, r in skipped.items() if r["seconds"] == 0.0}
    assert not_run == {n for n, r in ran.items() if r["exercise"] != "relu"}
    assert all(r["seconds"] > 0.0 for r in ran.values())  # without the option, all run
