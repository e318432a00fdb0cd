"""``deepgrade grade-batch``: a class graded in parallel, read back, re-run, and broken.

One class of six submissions is graded once by the command (two workers, small limits):
the reference, the stubs, a half-done one (with an awkward folder name), one with a
syntax error in every module, an empty folder and one whose ``recurrent.py`` never
finishes importing. The gradebook is read back with the csv module, every
``results.json`` is checked, and a copy of the class is re-graded to test skipping.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from rich.console import Console

from autograder.grading import batch, jobs
from autograder.grading.engine import Limits
from autograder.paths import PROJECT_ROOT
from autograder.worker import sandbox
from deepgrade.catalog import EXERCISES, TOTAL_POINTS
from devtests.commands import DEEPGRADE
from devtests.grading_helpers import when_grading

SOLUTIONS = PROJECT_ROOT / "solutions"
STUBS = PROJECT_ROOT / "exercises"
TOPICS = ("convolution", "pooling", "activations", "backprop", "recurrent", "gradient_descent")
HALF_DONE = ("convolution", "pooling", "activations")  # solved; the other topics are stubs
HANGING = "recurrent"  # no other module imports it, so only its exercises are lost
HALF = 'half-done Zoë O\'Brien, "late" (v2)'  # commas, quotes, spaces, non-ASCII
STUDENTS = ["empty", HALF, "hostile", "reference", "stubs", "syntax"]
RERUN = ["reference", "stubs", "syntax"]  # re-graded by the re-run test
# The hanging import costs one call timeout; the total budget is far beyond what grading
# needs even on a loaded machine, so no status depends on the load.
LIMIT_FLAGS = ["--call-timeout", "5", "--total-timeout", "600"]
NUMBERS = [e.number for e in EXERCISES]

RESULTS_SCHEMA = {
    "type": "object",
    "required": ["score", "execution_time", "output", "tests"],
    "properties": {
        "score": {"type": "number"},
        "execution_time": {"type": "number"},
        "output": {"type": "string"},
        "tests": {
            "type": "array",
            "minItems": len(EXERCISES),
            "maxItems": len(EXERCISES),
            "items": {
                "type": "object",
                "required": ["name", "score", "max_score", "status", "output", "visibility"],
                "properties": {
                    "name": {"type": "string"},
                    "score": {"type": "number"},
                    "max_score": {"type": "number"},
                    "status": {"enum": ["passed", "failed"]},
                    "output": {"type": "string"},
                    "visibility": {
                        "enum": ["visible", "hidden", "after_due_date", "after_published"]
                    },
                },
            },
        },
    },
}


def points(*topics: str) -> dict[str, float]:
    """Each exercise's expected column: full points for ``topics``, 0 for the others."""
    return {e.number: float(e.points if e.module in topics else 0) for e in EXERCISES}


def copy_modules(source: Path, target: Path, topics=TOPICS) -> None:
    target.mkdir(parents=True, exist_ok=True)
    for name in (*topics, "_validate"):
        if (source / f"{name}.py").is_file():
            shutil.copy(source / f"{name}.py", target / f"{name}.py")


def make_class(root: Path) -> Path:
    copy_modules(SOLUTIONS, root / "reference")
    copy_modules(STUBS, root / "stubs")
    copy_modules(SOLUTIONS, root / HALF, HALF_DONE)
    copy_modules(STUBS, root / HALF, [t for t in TOPICS if t not in HALF_DONE])
    (root / "syntax").mkdir()
    for topic in TOPICS:
        (root / "syntax" / f"{topic}.py").write_text("def oops(:\n    return 1\n")
    (root / "empty").mkdir()
    copy_modules(SOLUTIONS, root / "hostile")
    with (root / "hostile" / f"{HANGING}.py").open("a") as f:
        f.write("\nwhile True:  # never finishes importing\n    pass\n")
    (root / ".hidden-not-a-student").mkdir()
    return root


def run_batch(root: Path, out: Path, *extra: str, env=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*DEEPGRADE, "grade-batch", str(root), "--output-dir", str(out), "--workers", "2",
         *LIMIT_FLAGS, *extra],
        capture_output=True, text=True, timeout=300, check=False, env=env,
    )  # fmt: skip


def read_gradebook(out: Path) -> dict[str, dict]:
    with (out / "gradebook.csv").open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        assert reader.fieldnames == ["student", "status", *NUMBERS, "total", "isolation"]
        rows = list(reader)
    assert [r["student"] for r in rows] == sorted(r["student"] for r in rows)
    return {r["student"]: r for r in rows}


def snapshot(out: Path, students) -> dict[str, tuple[int, bytes]]:
    """Each student's results.json: modification time (ns) and content."""
    return {
        student: ((out / student / "results.json").stat().st_mtime_ns,
                  (out / student / "results.json").read_bytes())
        for student in students
    }  # fmt: skip


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory):
    base = tmp_path_factory.mktemp("class")
    root, out = make_class(base / "submissions"), base / "out"
    version = batch.grader_version()
    proc = run_batch(root, out)
    return root, out, proc, version


def test_the_batch_completes_with_exit_code_0_and_a_summary(graded_class):
    _, out, proc, _ = graded_class
    assert proc.returncode == 0, proc.stdout + proc.stderr
    summary = proc.stdout.strip().splitlines()[-1]
    assert summary.startswith(f"{len(STUDENTS)} submission(s)"), summary
    assert "0 unchanged" in summary
    assert sorted(p.name for p in out.iterdir() if p.is_dir()) == sorted(STUDENTS)


def test_gradebook_has_one_row_per_student_and_the_right_columns(graded_class):
    _, out, _, _ = graded_class
    rows = read_gradebook(out)
    assert sorted(rows) == sorted(STUDENTS)
    expected = {
        "reference": ("graded", points(*TOPICS)),
        "stubs": ("graded", points()),
        HALF: ("graded", points(*HALF_DONE)),
        "syntax": ("could not import", points()),
        "empty": ("could not import", points()),
        "hostile": ("graded", points(*(t for t in TOPICS if t != HANGING))),
    }
    isolations = {row["isolation"] for row in rows.values()}
    assert isolations == {sandbox.resolve("auto")}  # resolved once: the strongest level here
    for student, (status, columns) in expected.items():
        row = rows[student]
        assert row["status"] == status, student
        assert {n: float(row[n]) for n in NUMBERS} == columns, student
        assert float(row["total"]) == pytest.approx(sum(columns.values()), abs=1e-3), student
    assert float(rows["reference"]["total"]) == TOTAL_POINTS


def test_every_results_json_is_valid_and_agrees_with_the_gradebook(graded_class):
    _, out, _, _ = graded_class
    rows = read_gradebook(out)
    for student in STUDENTS:
        results = json.loads((out / student / "results.json").read_text(encoding="utf-8"))
        jsonschema.validate(results, RESULTS_SCHEMA)
        assert sum(t["max_score"] for t in results["tests"]) == TOTAL_POINTS
        assert results["score"] == pytest.approx(sum(t["score"] for t in results["tests"]))
        assert results["score"] == pytest.approx(float(rows[student]["total"]), abs=1e-3)
        assert f"({rows[student]['status']})" in results["output"], student
        assert f"isolation: {rows[student]['isolation']}" in results["output"]


def test_feedback_names_the_limit_or_the_import_failure(graded_class):
    _, out, _, _ = graded_class

    def outputs(student: str, topic: str) -> list[str]:
        results = json.loads((out / student / "results.json").read_text(encoding="utf-8"))
        names = {e.label for e in EXERCISES if e.module == topic}
        return [t["output"] for t in results["tests"] if t["name"] in names]

    for text in outputs("hostile", HANGING):
        assert f"{HANGING}.py could not be imported" in text and "within 5 s" in text, text
    for text in outputs("syntax", "convolution"):
        assert "could not be imported" in text and "SyntaxError" in text, text
    for text in outputs("empty", "pooling"):
        assert "no pooling.py" in text, text


def test_rerun_skips_unchanged_regrades_changed_and_force_regrades_all(graded_class, tmp_path):
    """On a copy of three of the graded students (submissions and results), to stay quick."""
    root, out, _, version = graded_class
    root2, out2 = tmp_path / "submissions", tmp_path / "out"
    for student in RERUN:
        shutil.copytree(root / student, root2 / student)
        shutil.copytree(out / student, out2 / student)  # copy2: modification times are kept
    before = snapshot(out2, RERUN)

    again = run_batch(root2, out2)
    assert again.returncode == 0, again.stdout + again.stderr
    if batch.grader_version() != version:  # only while someone edits autograder/ or tests/
        pytest.skip("the grader's files changed during this test: everything is re-graded")
    assert f"{len(RERUN)} unchanged" in again.stdout
    assert snapshot(out2, RERUN) == before, "an unchanged submission's results were rewritten"
    rows = read_gradebook(out2)
    assert rows == {s: r for s, r in read_gradebook(out).items() if s in RERUN}

    with (root2 / "stubs" / "activations.py").open("a") as f:
        f.write("\n# a late change\n")
    changed = run_batch(root2, out2)
    assert changed.returncode == 0, changed.stdout + changed.stderr
    assert f"{len(RERUN) - 1} unchanged" in changed.stdout
    after = snapshot(out2, RERUN)
    assert after["stubs"][0] != before["stubs"][0], "the changed submission was not re-graded"
    assert {s: after[s] for s in RERUN if s != "stubs"} == {
        s: before[s] for s in RERUN if s != "stubs"
    }

    forced = run_batch(root2, out2, "--force")
    assert forced.returncode == 0, forced.stdout + forced.stderr
    assert "0 unchanged" in forced.stdout
    final = snapshot(out2, RERUN)
    assert all(final[s][0] != after[s][0] for s in RERUN), "--force skipped someone"
    assert read_gradebook(out2) == rows


def test_a_crashing_grading_process_or_grader_error_costs_only_that_student(tmp_path, monkeypatch):
    root = tmp_path / "submissions"
    for student in ("bystander", "killed", "unlucky"):
        copy_modules(SOLUTIONS, root / student)
    real_process = jobs.grading_process

    class KillsOne:  # the child grading "killed" dies by SIGKILL mid-grading
        def __init__(self, process):
            self.process = process

        def grade(self, folder, student):
            if student == "killed":
                when_grading(self.process, lambda server, child: os.kill(child, signal.SIGKILL))
            return self.process.grade(folder, student)

    real_prepare = batch.prepare_submission

    def prepare_submission(upload, scratch):  # the grader itself fails for "unlucky"
        if upload.name == "unlucky":
            raise OSError("disk on fire")
        return real_prepare(upload, scratch)

    monkeypatch.setattr(jobs, "grading_process", lambda *a: KillsOne(real_process(*a)))
    monkeypatch.setattr(batch, "prepare_submission", prepare_submission)
    out = tmp_path / "out"
    outcomes = batch.grade_batch(
        root,
        out,
        workers=2,
        isolation="auto",
        limits=Limits(call_seconds=5, total_seconds=300),
        console=Console(file=open(os.devnull, "w")),  # noqa: SIM115
    )
    by_student = {o.student: o.report for o in outcomes}
    assert sorted(by_student) == ["bystander", "killed", "unlucky"]
    assert by_student["bystander"].status == "graded"
    assert by_student["bystander"].score == TOTAL_POINTS
    for student in ("killed", "unlucky"):
        assert by_student[student].status == "crashed"
        assert by_student[student].score == 0
    assert "disk on fire" in by_student["unlucky"].notes[0]
    assert "ended with code -9" in by_student["killed"].notes[0]
    assert "ended with code -9" in (out / "killed" / "log.txt").read_text(encoding="utf-8")
    results = json.loads((out / "killed" / "results.json").read_text(encoding="utf-8"))
    jsonschema.validate(results, RESULTS_SCHEMA)
    assert "crashed" in results["output"]
    rows = read_gradebook(out)
    assert {s: r["status"] for s, r in rows.items()} == {
        "bystander": "graded",
        "killed": "crashed",
        "unlucky": "crashed",
    }
    assert float(rows["bystander"]["total"]) == TOTAL_POINTS


def test_each_report_is_the_one_grading_that_submission_alone_gives(graded_class, tmp_path):
    """The batch's grading processes (collect once, a child per student) change nothing: every
    student's report equals ``deepgrade grade`` of that folder alone, apart from times."""
    root, out, _, _ = graded_class
    isolation = read_gradebook(out)["reference"]["isolation"]
    for student in STUDENTS:
        alone = tmp_path / f"{STUDENTS.index(student)}.json"
        proc = subprocess.run(
            [*DEEPGRADE, "grade", str(root / student), "--format", "json", "--output",
             str(alone), "--isolation", isolation, *LIMIT_FLAGS],
            capture_output=True, text=True, timeout=300, check=False,
        )  # fmt: skip
        assert proc.returncode == 0, proc.stdout + proc.stderr
        batch_report = json.loads((out / student / "report.json").read_text(encoding="utf-8"))
        assert without_times(batch_report["report"]) == without_times(json.loads(alone.read_text()))


def without_times(report: dict) -> dict:
    tests = [{k: v for k, v in t.items() if k != "seconds"} for t in report["tests"]]
    return {**report, "execution_time": None, "tests": tests}


def test_relative_paths_from_any_folder_grade_the_class_there(tmp_path):
    """As a new user types it: relative paths, from the folder holding the class."""
    copy_modules(SOLUTIONS, tmp_path / "subs" / "reference")
    copy_modules(STUBS, tmp_path / "subs" / "stubs")
    proc = subprocess.run(
        [*DEEPGRADE, "grade-batch", "subs", "--output-dir", "out", *LIMIT_FLAGS],
        capture_output=True, text=True, timeout=300, check=False, cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    rows = read_gradebook(tmp_path / "out")
    assert {s: (r["status"], float(r["total"])) for s, r in rows.items()} == {
        "reference": ("graded", TOTAL_POINTS),
        "stubs": ("graded", 0.0),
    }
    assert str(tmp_path / "out" / "gradebook.csv") in proc.stdout


def test_most_of_a_class_failing_the_same_way_is_loud_and_exits_non_zero(tmp_path):
    """Submissions holding no exercise module (the course's collection script took the
    wrong files): nobody's modules are found. A setup mistake, not grades; the gradebook
    is still written for inspection."""
    for student in ("ann", "bob", "cy"):
        (tmp_path / "subs" / student).mkdir(parents=True)
        (tmp_path / "subs" / student / "README.md").write_text("# my homework\n")
    proc = run_batch(tmp_path / "subs", tmp_path / "out")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "3 of 3 submissions could not import (e.g. ann:" in proc.stderr
    assert "setup problem, not grades" in proc.stderr
    rows = read_gradebook(tmp_path / "out")
    assert {r["status"] for r in rows.values()} == {"could not import"}


def test_a_broken_grader_crashes_everyone_loudly_and_a_re_run_grades_them(tmp_path):
    """A grader that cannot start (here: a bad PYTEST_ADDOPTS) is never recorded as grades,
    and its 'crashed' results are not kept as final: the next run grades everyone."""
    copy_modules(SOLUTIONS, tmp_path / "subs" / "reference")
    copy_modules(STUBS, tmp_path / "subs" / "stubs")
    broken = {**os.environ, "PYTEST_ADDOPTS": "--no-such-option-here"}
    proc = run_batch(tmp_path / "subs", tmp_path / "out", env=broken)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "2 of 2 submissions crashed" in proc.stderr and "--no-such-option-here" in proc.stderr
    assert (tmp_path / "out" / "reference" / "log.txt").is_file()
    again = run_batch(tmp_path / "subs", tmp_path / "out")
    assert again.returncode == 0, again.stdout + again.stderr
    assert "0 unchanged" in again.stdout
    rows = read_gradebook(tmp_path / "out")
    assert {s: float(r["total"]) for s, r in rows.items()} == {
        "reference": TOTAL_POINTS,
        "stubs": 0.0,
    }
    assert not (tmp_path / "out" / "reference" / "log.txt").exists()


def test_a_missing_root_fails_with_one_line(tmp_path):
    proc = run_batch(tmp_path / "no-such-class", tmp_path / "out")
    assert proc.returncode != 0
    lines = (proc.stdout + proc.stderr).strip().splitlines()
    assert len(lines) == 1 and "no-such-class" in lines[0], lines
    assert not (tmp_path / "out").exists()


def test_unavailable_bwrap_fails_with_one_line_before_grading(tmp_path):
    root = tmp_path / "submissions"
    copy_modules(SOLUTIONS, root / "reference")
    no_bwrap = tmp_path / "bin"  # a PATH on which no bwrap can be found
    no_bwrap.mkdir()
    env = {**os.environ, "PATH": str(no_bwrap)}
    cmd = [sys.executable, "-m", "autograder", "grade-batch", str(root)]
    proc = subprocess.run(
        [*cmd, "--output-dir", str(tmp_path / "out"), "--isolation", "bwrap"],
        capture_output=True, text=True, timeout=120, check=False, env=env, cwd=PROJECT_ROOT,
    )  # fmt: skip
    assert proc.returncode != 0
    lines = (proc.stdout + proc.stderr).strip().splitlines()
    assert len(lines) == 1 and "bubblewrap" in lines[0], lines
    assert not (tmp_path / "out" / "gradebook.csv").exists()
