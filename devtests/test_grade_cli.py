"""``deepgrade grade``: exit codes, modes, isolation, determinism, and no TensorFlow.

Every test runs the command (or the engine) in a fresh process, as a grading server
would; the exit code is 0 whenever grading completed, whatever the score.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.grading.engine import SubmissionReport, grade
from autograder.paths import PROJECT_ROOT
from autograder.worker import sandbox
from deepgrade.catalog import TOTAL_POINTS
from devtests.commands import DEEPGRADE

SOLUTIONS = PROJECT_ROOT / "solutions"
STUBS = PROJECT_ROOT / "exercises"
ACTIVATIONS_SUITE = PROJECT_ROOT / "tests" / "test_activations.py"


def deepgrade(*args: str, module: bool = False, env=None) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "autograder"] if module else DEEPGRADE
    return subprocess.run(
        [*command, *args], capture_output=True, text=True, timeout=300, check=False,
        cwd=PROJECT_ROOT, env=env,
    )  # fmt: skip


def graded(tmp_path: Path, submission: Path, *flags: str, fmt: str = "gradescope") -> dict:
    out = tmp_path / f"{submission.name}.{fmt}.json"
    proc = deepgrade("grade", str(submission), "--format", fmt, "--output", str(out), *flags)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return json.loads(out.read_text(encoding="utf-8"))


def one_line(proc: subprocess.CompletedProcess) -> str:
    lines = (proc.stdout + proc.stderr).strip().splitlines()
    assert len(lines) == 1, lines
    return lines[0]


def require_bwrap() -> None:
    why = sandbox.bwrap_works(sys.executable)
    if why is not None:
        if os.environ.get("CI"):  # CI installs bubblewrap: there it must work
            pytest.fail(f"bubblewrap is required in CI: {why}")
        pytest.skip(f"bubblewrap is not usable here: {why}")


@pytest.mark.parametrize(("submission", "score"), [(SOLUTIONS, TOTAL_POINTS), (STUBS, 0)])
def test_grade_writes_gradescope_results_and_exits_0_whatever_the_score(
    tmp_path, submission, score
):
    results = graded(tmp_path, submission)
    assert results["score"] == score
    assert sum(t["max_score"] for t in results["tests"]) == TOTAL_POINTS
    assert "isolation: process" in results["output"] and "mode: worker" in results["output"]


def test_a_missing_path_fails_with_one_line(tmp_path):
    out = tmp_path / "results.json"
    proc = deepgrade("grade", str(tmp_path / "nobody"), "--output", str(out))
    assert proc.returncode != 0
    assert "nobody" in one_line(proc) and "not a folder" in one_line(proc)
    assert not out.exists()


def test_a_table_cannot_go_to_a_file(tmp_path):
    proc = deepgrade("grade", str(SOLUTIONS), "--format", "table", "--output", "x.txt")
    assert proc.returncode != 0 and "--format table" in one_line(proc)


@pytest.mark.parametrize(
    "bad",
    [
        [],  # no PATH
        ["SOL", "--format", "yaml"],
        ["SOL", "--isolation", "docker"],
        ["SOL", "--call-timeout", "soon"],
        ["SOL", "--call-timeout", "-1"],
        ["SOL", "--total-timeout", "0"],
        ["SOL", "--call-timeout", "nan"],
        ["SOL", "--memory-mb", "-5"],
        ["SOL", "--no-such-flag"],
    ],
)
def test_bad_arguments_fail_with_a_one_line_reason(bad):
    """argparse's usage lines, then exactly one ``error:`` line saying what is wrong."""
    proc = deepgrade("grade", *(str(SOLUTIONS) if a == "SOL" else a for a in bad))
    assert proc.returncode == 2
    assert proc.stdout == ""
    errors = [ln for ln in proc.stderr.splitlines() if "error:" in ln]
    assert len(errors) == 1 and proc.stderr.strip().splitlines()[-1] == errors[0], proc.stderr


def test_in_process_mode_grades_the_same(tmp_path):
    results = graded(tmp_path, SOLUTIONS, "--in-process")
    assert results["score"] == TOTAL_POINTS
    assert "mode: in-process" in results["output"]


def test_bwrap_isolation_is_named_in_the_report(tmp_path):
    require_bwrap()
    results = graded(tmp_path, SOLUTIONS, "--isolation", "bwrap")
    assert results["score"] == TOTAL_POINTS
    assert "isolation: bwrap" in results["output"]
    report = graded(tmp_path, STUBS, "--isolation", "bwrap", fmt="json")
    assert report["isolation"] == "bwrap" and report["score"] == 0


def test_python_dash_m_autograder_grade_works(tmp_path):
    out = tmp_path / "report.json"
    args = ("grade", str(SOLUTIONS), "--format", "json", "--output", str(out))
    proc = deepgrade(*args, "--student", "ada", module=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    report = SubmissionReport.from_dict(json.loads(out.read_text(encoding="utf-8")))
    assert report.student == "ada" and report.score == TOTAL_POINTS
    assert report.status == "graded" and report.mode == "worker"


def test_junit_goes_to_standard_output_without_output(tmp_path):
    proc = deepgrade("grade", str(STUBS), "--format", "junit")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("<?xml") and "<failure" in proc.stdout


# A submission that is right in some checks and wrong in others, and whose wrong answers
# depend on the inputs: the same verdicts every time prove the inputs are seeded.
WRONG_ACTIVATIONS = """

def sigmoid(x):
    x = np.asarray(x, dtype=np.float64)
    return np.where(np.abs(x) < 0.7, 0.5 + x / 4, np.exp(-np.logaddexp(0.0, -x)))


def softmax(logits, axis=-1):
    with np.errstate(all="ignore"):  # no numpy warning: see the warning test below
        e = np.exp(np.asarray(logits, dtype=np.float64))
        return e / e.sum(axis=axis, keepdims=True)
"""


@pytest.fixture(scope="module")
def partly_wrong(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("partly") / "partly_wrong"
    shutil.copytree(SOLUTIONS, folder, ignore=shutil.ignore_patterns("__pycache__"))
    with (folder / "activations.py").open("a", encoding="utf-8") as f:
        f.write(WRONG_ACTIVATIONS)
    return folder


def verdicts(report: SubmissionReport) -> dict[str, str]:
    return {r["nodeid"]: r["outcome"] for r in report.tests}


def test_grading_twice_gives_identical_scores_and_outcomes(partly_wrong, tmp_path):
    first = graded(tmp_path, partly_wrong, fmt="json")
    second = graded(tmp_path, partly_wrong, fmt="json")
    assert 0 < first["score"] < TOTAL_POINTS
    assert first["score"] == second["score"]
    assert first["exercises"] == second["exercises"]
    assert [(r["nodeid"], r["outcome"], r["message"]) for r in first["tests"]] == [
        (r["nodeid"], r["outcome"], r["message"]) for r in second["tests"]
    ]


def test_worker_and_in_process_agree_on_every_verdict(partly_wrong):
    suites = [ACTIVATIONS_SUITE]
    worker = grade(partly_wrong, suites=suites)
    local = grade(partly_wrong, suites=suites, mode="in-process")
    assert set(verdicts(worker).values()) == {"passed", "failed"}
    assert verdicts(worker) == verdicts(local)
    assert worker.score == local.score


NAIVE_SIGMOID = """

def sigmoid(x):  # right values, but exp(1000) overflows with a RuntimeWarning
    x = as_float_array(x, "x", "sigmoid", ndim=ANY_RANK, layout="of any shape")
    return 1.0 / (1.0 + np.exp(-x))
"""


def test_worker_and_in_process_agree_on_a_numpy_warning(tmp_path):
    folder = tmp_path / "naive"
    shutil.copytree(SOLUTIONS, folder, ignore=shutil.ignore_patterns("__pycache__"))
    with (folder / "activations.py").open("a", encoding="utf-8") as f:
        f.write(NAIVE_SIGMOID)
    worker = grade(folder, suites=[ACTIVATIONS_SUITE])
    local = grade(folder, suites=[ACTIVATIONS_SUITE], mode="in-process")
    assert "failed" in verdicts(local).values()
    assert verdicts(worker) == verdicts(local)


@pytest.mark.parametrize("mode", ["in-process", "worker"])
def test_grading_the_numpy_exercises_never_imports_tensorflow(mode):
    script = (
        "import sys\n"
        "from autograder.grading.engine import grade\n"
        f"report = grade('solutions', mode={mode!r})\n"
        "assert report.score == 100, report.score\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'keras'))\n"
        "assert not loaded, loaded\n"
        "print('ok')\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=300,
        cwd=PROJECT_ROOT, check=False,
    )  # fmt: skip
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stdout + proc.stderr
