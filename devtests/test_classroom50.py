"""The Classroom 50 route, walked as a course walks it.

``deepgrade build-classroom50`` writes the autograder into a classroom50 repository;
each student's checkout is a copy of the built student release, edited as a student
edits it (the builder's markers paste reference code back into the stubs); the bundle's
``autograder.py`` is run as Classroom 50's runner runs it (``[python, autograder.py]``,
the checkout as working directory, the runner's environment variables); every
``result.json`` is validated against the ``classroom50/result/v1`` contract (a JSON
schema written from the Advanced-Autograding wiki page, with the runner's own checks
that JSON Schema cannot say), and its points are checked against ``deepgrade grade`` on
the same modules. The grading environment is the one under test (``DEEPGRADE_PYTHON``).
"""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograder.builders import release, stubs
from autograder.paths import PROJECT_ROOT, SOLUTIONS_DIR
from autograder.routes.classroom50.run import whole_points
from deepgrade.catalog import EXERCISES, TOPICS, TOTAL_POINTS
from devtests.commands import DEEPGRADE

CLASSROOM, ASSIGNMENT = "cs-dl-2026", "numpy-exercises"
TAG = "submit/2026-12-07T12-00-00Z-a1b2c3d"
REPO = "https://github.com/dl-course/cs-dl-2026-numpy-exercises-alice"
RUNNER_ENV = {
    "CLASSROOM": CLASSROOM,
    "ASSIGNMENT": ASSIGNMENT,
    "SUBMISSION_TAG": TAG,
    "COMMIT_URL": f"{REPO}/commit/0123456789abcdef",
    "RELEASE_URL": f"{REPO}/releases/tag/submit%2F2026-12-07T12-00-00Z-a1b2c3d",
    "REVIEW_URL": f"{REPO}/compare/fedcba...0123456789abcdef",
    "USERNAME": "alice",
    "OWNER": "alice",
    "ASSIGNMENT_TYPE": "individual",
    "GITHUB_ACTIONS": "true",
}
STAMP = r"^\d{4}-\d{2}-\d{2}T([01]\d|2[0-3]):[0-5]\d:[0-5]\dZ$"
WHOLE = {"type": "integer", "minimum": 0}
# classroom50/result/v1 as the wiki's table gives it. The runner stamps owner,
# assignment_type, graded_at and submitted_by itself (so an autograder may leave them
# out); nothing else may be at the top; a test may carry extra fields.
RESULT_V1 = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "additionalProperties": False,
    "required": [
        "schema",
        "classroom",
        "assignment",
        "submission",
        "commit",
        "release",
        "review",
        "datetime",
        "score",
        "max-score",
        "tests",
    ],
    "properties": {
        "schema": {"const": "classroom50/result/v1"},
        "classroom": {"type": "string", "minLength": 1},
        "assignment": {"type": "string", "minLength": 1},
        "assignment_type": {"enum": ["individual", "group"]},
        "owner": {"type": "string", "minLength": 1},
        "submission": {"type": "string", "pattern": "^submit/"},
        "commit": {"type": "string", "minLength": 1},
        "release": {"type": "string", "minLength": 1},
        "review": {"type": "string", "minLength": 1},
        "datetime": {"type": "string", "pattern": STAMP},
        "graded_at": {"type": "string", "pattern": STAMP},
        "score": WHOLE,
        "max-score": WHOLE,
        "tests": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["test-name", "passed", "score", "max-score"],
                "properties": {
                    "test-name": {"type": "string", "minLength": 1},
                    "passed": {"type": "boolean"},
                    "score": WHOLE,
                    "max-score": WHOLE,
                },
            },
        },
        "submitted_by": {"type": "object", "required": ["username"]},
    },
}


def validate(data: dict) -> None:
    """The schema, and the runner's cross-field checks (runner.py's validate_result)."""
    jsonschema.validate(data, RESULT_V1)
    assert data["classroom"] == CLASSROOM and data["assignment"] == ASSIGNMENT
    assert data["submission"] == TAG and data["commit"] == RUNNER_ENV["COMMIT_URL"]
    assert data["release"] == RUNNER_ENV["RELEASE_URL"]
    assert data["review"] == RUNNER_ENV["REVIEW_URL"]
    assert not any(isinstance(data[k], bool) for k in ("score", "max-score"))
    assert data["score"] <= data["max-score"] == TOTAL_POINTS
    assert data["score"] == sum(t["score"] for t in data["tests"])
    assert data["max-score"] == sum(t["max-score"] for t in data["tests"])
    assert [t["test-name"] for t in data["tests"]] == [e.label for e in EXERCISES]
    for test, exercise in zip(data["tests"], EXERCISES, strict=True):
        assert test["score"] <= test["max-score"] == exercise.points
        assert abs(test["score"] - test["points"]) < 1
        assert test["passed"] == (test["points"] == exercise.points)
        assert isinstance(test["feedback"], str) and test["feedback"]
        if not test["passed"]:
            assert test["score"] < test["max-score"]


# ------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> Path:
    """The classroom50 repository, with the autograder the command wrote."""
    return build_repo(tmp_path_factory.mktemp("classroom50"))


def build_repo(repo: Path) -> Path:
    """``deepgrade build-classroom50`` into ``repo``, checked; returns ``repo``."""
    proc = subprocess.run(
        [
            *DEEPGRADE,
            "build-classroom50",
            "--output",
            str(repo),
            "--classroom",
            CLASSROOM,
            "--assignment",
            ASSIGNMENT,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert str(repo / CLASSROOM / "autograders" / ASSIGNMENT / "autograder.py") in proc.stdout
    return repo


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """The assignment's template: the student release, as the course publishes it."""
    steps = tuple(s for s in release.STEPS if s is not release.check_packages)
    return release.build(tmp_path_factory.mktemp("release") / "template", steps=steps).root


def checkout(template: Path, where: Path, solved: dict[str, set[str] | None]) -> Path:
    """A student's checkout: the template, with the reference pasted into ``solved``
    (topic -> the functions, or None for all of them), the rest left as stubs."""
    root = Path(shutil.copytree(template, where))
    for topic, names in solved.items():
        target = root / "exercises" / f"{topic}.py"
        solution = (SOLUTIONS_DIR / f"{topic}.py").read_text(encoding="utf-8")
        target.write_text(
            stubs.restore_solutions(
                target.read_text(encoding="utf-8"), solution, target.name, names
            )
        )
    return root


def run_autograder(repo: Path, work: Path, **extra: str) -> subprocess.CompletedProcess:
    """As Classroom 50's runner does: the bundle somewhere of its own, then
    ``[python, autograder.py]`` in the student's checkout."""
    bundle = work.parent / f"{work.name}-runtime" / ASSIGNMENT
    if not bundle.exists():
        shutil.copytree(repo / CLASSROOM / "autograders" / ASSIGNMENT, bundle)
    env = {
        **os.environ,
        **RUNNER_ENV,
        "CLASSROOM50_BUNDLE_DIR": str(bundle),
        "DEEPGRADE_PYTHON": sys.executable,
        **extra,
    }
    return subprocess.run(
        [sys.executable, str(bundle / "autograder.py")],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


def graded(repo: Path, work: Path) -> tuple[dict, str, str]:
    proc = run_autograder(repo, work)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    data = json.loads((work / "result.json").read_text(encoding="utf-8"))
    validate(data)
    return data, (work / "release-body.md").read_text(encoding="utf-8"), proc.stdout


def deepgrade_grade(folder: Path) -> dict:
    proc = subprocess.run(
        [*DEEPGRADE, "grade", str(folder), "--format", "json", "--isolation", "auto"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    return json.loads(proc.stdout)


def same_as_deepgrade_grade(data: dict, folder: Path) -> None:
    report = deepgrade_grade(folder)
    points = {row["label"]: row["score"] for row in report["exercises"]}
    assert {t["test-name"]: t["points"] for t in data["tests"]} == points
    assert math.isclose(sum(t["points"] for t in data["tests"]), report["score"], abs_tol=1e-6)
    assert data["score"] == math.floor(report["score"] + 0.5)


# ------------------------------------------------------------------------- the bundle


def test_the_bundle_holds_the_launcher_and_the_grader_beside_it(repo):
    folder = repo / CLASSROOM / "autograders" / ASSIGNMENT
    for needed in (
        "autograder.py",
        "grader/constraints.txt",
        "grader/setup.cfg",
        "grader/solutions/convolution.py",
        "grader/exercises/_validate.py",
        "grader/autograder/routes/classroom50/run.py",
        "grader/tests/test_convolution.py",
    ):
        assert (folder / needed).is_file(), needed
    assert {p.name for p in (folder / "grader/autograder/suites").glob("test_*_hidden.py")} == {
        f"test_{t}_hidden.py" for t in TOPICS
    }
    assert not list(folder.rglob("__pycache__")) and not (folder / "grader" / "devtests").exists()
    launcher = (folder / "autograder.py").read_text(encoding="utf-8")
    compile(launcher, "autograder.py", "exec")
    assert "import autograder" not in launcher and "import deepgrade" not in launcher
    runtime = json.loads((repo / "deepgrade-runtime.json").read_text(encoding="utf-8"))
    assert runtime["python"] and "bubblewrap" in runtime["apt"]
    total = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
    assert total < 10 * 2**20  # the runner fetches at most 10 MB of bundle


def test_a_name_that_is_not_a_short_name_is_refused(tmp_path):
    proc = subprocess.run(
        [*DEEPGRADE, "build-classroom50", "--output", str(tmp_path), "--assignment", "../escape"],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2 and "is not a Classroom 50 short name" in proc.stdout
    assert "Traceback" not in proc.stdout + proc.stderr and not list(tmp_path.iterdir())


# ------------------------------------------------------------------------- students


def test_the_reference_gets_every_point_and_the_same_as_deepgrade_grade(repo, template, tmp_path):
    work = checkout(template, tmp_path / "alice", dict.fromkeys(TOPICS))
    data, body, stdout = graded(repo, work)
    assert data["score"] == TOTAL_POINTS and all(t["passed"] for t in data["tests"])
    same_as_deepgrade_grade(data, work / "exercises")
    assert f"deepgrade: {TOTAL_POINTS:g}/{TOTAL_POINTS} points" in body
    assert "isolation: " in body and "<details>" not in body  # nothing failed
    assert all(line.startswith("deepgrade: ") for line in stdout.splitlines())


def test_the_stubs_get_nothing_and_say_not_implemented(repo, template, tmp_path):
    work = checkout(template, tmp_path / "bob", {})
    data, body, _ = graded(repo, work)
    assert data["score"] == 0 and not any(t["passed"] for t in data["tests"])
    assert body.count("<details>") == len(EXERCISES) and "NotImplementedError" in body


def test_a_partial_student_gets_whole_points_from_the_exact_ones(repo, template, tmp_path):
    # two topics solved, and part of a third: relu only of the activations
    solved = {"convolution": None, "pooling": None, "activations": {"relu"}}
    work = checkout(template, tmp_path / "carol", solved)
    data, body, _ = graded(repo, work)
    same_as_deepgrade_grade(data, work / "exercises")
    by_name = {t["test-name"]: t for t in data["tests"]}
    for exercise in EXERCISES:
        test = by_name[exercise.label]
        done = exercise.module in ("convolution", "pooling") or exercise.name == "relu"
        assert test["passed"] == done, exercise.label
    assert 0 < data["score"] < TOTAL_POINTS
    assert "sigmoid" in body and "<details>" in body


def test_a_hostile_student_gains_nothing_and_the_result_is_ours(repo, template, tmp_path):
    work = checkout(template, tmp_path / "mallory", dict.fromkeys(TOPICS))
    # relu writes a fake 100-point results file wherever it can, then raises
    corpus = PROJECT_ROOT / "devtests" / "corpus" / "hostile" / "fake_results_file"
    shutil.copyfile(corpus / "activations.py", work / "exercises" / "activations.py")
    # a committed result.json claiming full marks, and a release body linking elsewhere
    fake = {"schema": "classroom50/result/v1", "score": TOTAL_POINTS, "tests": []}
    (work / "result.json").write_text(json.dumps(fake), encoding="utf-8")
    outside = tmp_path / "not-the-students.txt"
    outside.write_text("untouched\n", encoding="utf-8")
    (work / "release-body.md").symlink_to(outside)
    # a notebook named like a workflow command
    (work / "notebooks" / "::error::pwned.ipynb").write_text("{not json", encoding="utf-8")
    data, body, stdout = graded(repo, work)
    assert not data["tests"][[e.name for e in EXERCISES].index("relu")]["passed"]
    assert data["score"] < TOTAL_POINTS
    assert outside.read_text(encoding="utf-8") == "untouched\n"
    assert not (work / "release-body.md").is_symlink()
    assert all(line.startswith("deepgrade: ") for line in stdout.splitlines())


def test_a_broken_checkout_still_gets_a_valid_result(repo, tmp_path):
    work = tmp_path / "empty"
    (work / "exercises").mkdir(parents=True)
    (work / "exercises" / "convolution.py").write_text("def conv2d(:\n", encoding="utf-8")
    (work / "exercises" / "pooling.py").write_bytes(b"\xff\xfe\x00 not text")
    data, body, _ = graded(repo, work)
    assert data["score"] == 0 and "deepgrade: 0/" in body


def test_without_the_runners_variables_it_says_which_and_writes_nothing(repo, tmp_path):
    work = tmp_path / "no-env"
    work.mkdir()
    proc = run_autograder(repo, work, SUBMISSION_TAG="", COMMIT_URL="")
    assert proc.returncode == 1
    assert "SUBMISSION_TAG, COMMIT_URL not set" in proc.stderr
    assert not (work / "result.json").exists()


# ------------------------------------------------------------------------- whole points

ROWS = [(e.points, e.points) for e in EXERCISES]


@given(st.lists(st.tuples(st.integers(1, 10), st.floats(0, 1)), min_size=1, max_size=30))
def test_whole_points_stay_within_a_point_and_add_up(cases):
    rows = [{"score": round(points * share, 4), "max_score": points} for points, share in cases]
    whole = whole_points(rows)
    exact = [row["score"] for row in rows]
    for w, row in zip(whole, rows, strict=True):
        assert abs(w - row["score"]) < 1 and 0 <= w <= row["max_score"]
        if row["score"] < row["max_score"]:
            assert w < row["max_score"]  # a failing exercise never shows full marks
    assert sum(whole) <= math.floor(sum(exact) + 0.5)
    # short of the rounded total only where the rule against full marks forbids it
    capped = sum(
        1 for w, r in zip(whole, rows, strict=True) if w + 1 >= r["max_score"] > r["score"]
    )
    assert sum(whole) >= math.floor(sum(exact) + 0.5) - capped


def test_whole_points_examples():
    rows = [{"score": s, "max_score": m} for s, m in ((2.6667, 4), (1.3333, 4), (4, 4), (0.5, 3))]
    assert whole_points(rows) == [3, 1, 4, 1]  # 8.5 exact -> 9 whole: .6667 and .5 go up
    assert whole_points([{"score": 3.9, "max_score": 4}]) == [3]  # never full marks


@pytest.mark.slow
def test_the_launcher_builds_the_pinned_environment_itself(repo, template, tmp_path):
    """As on a hosted runner: no DEEPGRADE_PYTHON, so autograder.py builds the grading
    environment from the bundle's pins in RUNNER_TEMP, then grades with it."""
    work = checkout(template, tmp_path / "dave", {"pooling": None})
    runner_temp = tmp_path / "runner-temp"
    runner_temp.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in {"VIRTUAL_ENV", "PYTHONPATH"}}
    bundle = tmp_path / "runtime" / ASSIGNMENT
    shutil.copytree(repo / CLASSROOM / "autograders" / ASSIGNMENT, bundle)
    env.update(RUNNER_ENV, RUNNER_TEMP=str(runner_temp), CLASSROOM50_BUNDLE_DIR=str(bundle))
    proc = subprocess.run([sys.executable, str(bundle / "autograder.py")], cwd=work, env=env,
                          capture_output=True, text=True, timeout=1800, check=False)  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert f"building the grading environment in {runner_temp / 'deepgrade-venv'}" in proc.stdout
    data = json.loads((work / "result.json").read_text(encoding="utf-8"))
    validate(data)
    assert data["score"] == sum(e.points for e in EXERCISES if e.module == "pooling")
