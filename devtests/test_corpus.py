"""The hostile and broken submission corpora (``devtests/corpus/``), graded end to end.

Each folder under ``corpus/hostile`` is a submission that attacks the grader (its module
docstring says how, and what the grader must do); each folder under ``corpus/broken`` is
a submission with an honest mistake. Most are a copy of the reference ``activations.py``
with one or two functions replaced, so the tests can check that ONLY the attacked or
broken part loses points: attacked exercises score 0 (what an honest stub scores), the
other exercises score what the reference scores, the failure text names the limit or
problem, and nothing is left running afterwards.

Isolation levels: every level of ``sandbox.LEVELS`` (process, landlock, uid, bwrap), each
skipped with the host's reason where it cannot be had (never in CI). Some attacks work
at the plain ``process`` level by design (the worker runs as the grader's user: reading
the reference by path or through package metadata, writing the grader's files, the
network); there they are asserted to WORK, which shows that each attack is real, and
at every other level to gain nothing. The attack on the grader's own files runs only
against a copy of the project mounted over the checkout (``devtests/levels.py``).

Run with ``pytest -s devtests/test_corpus.py`` to see one summary line per corpus entry.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from autograder.grading.engine import Limits, SubmissionReport, grade
from autograder.grading.reports import gradescope
from autograder.worker import confine
from deepgrade.catalog import BY_NAME, in_module
from devtests.levels import (
    LEVEL_PARAMS,
    at_level,
    checkout_guarded,
    copy_project,
    run_over_copy,
    snapshot,
)

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="Linux worker processes and /proc")

PROJECT = Path(__file__).resolve().parents[1]
CORPUS = Path(__file__).resolve().parent / "corpus"
HOSTILE, BROKEN = CORPUS / "hostile", CORPUS / "broken"
ACTIVATIONS = PROJECT / "tests" / "test_activations.py"
RECURRENT = PROJECT / "tests" / "test_recurrent.py"
# Generous next to what the reference needs (milliseconds per call), so that no verdict
# depends on the machine's load; a hang fails its function fast, so it costs one timeout.
LIMITS = Limits(call_seconds=5, total_seconds=300, memory_mb=512)

ALL_ACTIVATIONS = tuple(e.name for e in in_module("activations"))
ALL_RECURRENT = tuple(e.name for e in in_module("recurrent"))

LEVELS = LEVEL_PARAMS  # every level; skipped with the reason where this host lacks it


@dataclass(frozen=True)
class Case:
    """What grading one corpus folder must show."""

    attacked: tuple[str, ...]  # exercises that must score 0; all others score as the reference
    says: tuple[str, ...] = ()  # text the attacked exercises' failures must contain
    suites: tuple[Path, ...] = (ACTIVATIONS,)
    call_seconds: float = LIMITS.call_seconds
    memory_mb: int = LIMITS.memory_mb
    marker: str | None = None  # on the command line of processes it leaves (none may remain)
    works_in_process_level: bool = False  # a documented weakness of the plain-process level:
    # there the attacked exercises earn their full points


HOSTILE_CASES = {
    "stack_frames": Case(("relu",), ("found no expected values in",)),
    "patch_numpy": Case(("relu",), ("differs from the expected values", "got 42.0")),
    "patch_pytest": Case(("relu",), ("differs from the expected values", "got 42.0")),
    "sys_exit_at_import": Case(ALL_ACTIVATIONS, ("could not be imported", "sys.exit(0)")),
    "os_exit_at_import": Case(ALL_ACTIVATIONS, ("could not be imported", "exited with code 0")),
    "sys_exit_mid_call": Case(("relu",), ("SystemExit", "sys.exit(0)")),
    "os_exit_mid_call": Case(("relu",), ("WorkerCrashed", "exited with code 0")),
    "import_solutions": Case(("relu",), ("could not import the reference", "'solutions'")),
    "read_solutions_by_path": Case(
        ("relu",), ("found no solutions/",), works_in_process_level=True
    ),
    "metadata_solutions": Case(
        ("relu",), ("metadata attack read no solutions/",), works_in_process_level=True
    ),
    "lying_objects": Case(("relu", "sigmoid"), ("cannot be graded", "AlwaysEqual", "Numberish")),
    "ndarray_subclass": Case(
        ("relu", "sigmoid"), ("cannot be graded", "subclass of numpy.ndarray", "MaskedArray")
    ),
    "nan_inf": Case(("relu", "sigmoid"), ("got nan", "got inf", "values are NaN or inf")),
    "infinite_loop": Case(("relu",), ("CallTimeout", "did not finish within 5 s")),
    "memory_bomb": Case(("relu", "sigmoid"), ("MemoryLimit", "ran out of memory"), memory_mb=300),
    "flood_output": Case(("sigmoid",), ("flood_output: sigmoid gave up",)),
    "orphan_children": Case(("relu",), ("got 42.0",), marker="deepgrade-hostile-orphan-children"),
    "ignore_sigterm": Case(("relu",), ("CallTimeout",), marker="deepgrade-hostile-ignore-sigterm"),
}
# graded by their own tests below (they need a listener, or the command line)
SPECIAL_HOSTILE = ("fake_results_file", "network", "tamper_grader")

_BOTH = (ACTIVATIONS, RECURRENT)
BROKEN_CASES = {
    "syntax_error": Case(ALL_RECURRENT, ("SyntaxError", "recurrent.py line {line}"), _BOTH),
    "import_error": Case(
        ALL_RECURRENT,
        ("ModuleNotFoundError", "deepgrade_corpus_no_such_package", "recurrent.py line {line}"),
        _BOTH,
    ),
    "raises_at_import": Case(
        ALL_RECURRENT,
        ("could not be imported", "FileNotFoundError", "recurrent.py line {line}"),
        _BOTH,
    ),
    "missing_function": Case(("relu",), ("activations.py has no function relu",)),
    "wrong_type_list": Case(("relu",), ("should be a numpy array", "got list")),
    "wrong_type_tuple_none": Case(
        ("sigmoid", "softmax"), ("should be a numpy array", "got tuple", "got NoneType")
    ),
    "wrong_shape": Case(("relu",), ("has shape (25,), expected (5, 5)",)),
}


# ------------------------------------------------------------------------- helpers


@functools.cache
def graded(folder: Path, suites: tuple[Path, ...] | None, mode: str, level: str):
    """One grading, shared by the tests that need it (full suites get the default limits)."""
    limits = LIMITS if suites else Limits()
    with at_level(level):
        return grade(folder, suites=list(suites) if suites else None, mode=mode,
                     isolation=level, limits=limits)  # fmt: skip


def scores(report: SubmissionReport) -> dict[str, float]:
    """Score per exercise, for the exercises whose tests ran."""
    return {row["name"]: row["score"] for row in report.exercises if row["total"]}


def reference_scores(suites: tuple[Path, ...]) -> dict[str, float]:
    """What the reference earns on these suites: full marks, checked here."""
    report = graded(PROJECT / "solutions", suites, "worker", "process")
    got = scores(report)
    assert got and all(got[name] == BY_NAME[name].points for name in got), got
    return got


def failure_text(report: SubmissionReport, exercises) -> str:
    return "\n".join(
        f for row in report.exercises if row["name"] in exercises for f in row["failures"]
    )


def marked_processes(marker: str | None) -> dict[int, str]:
    """Processes (other than this one) with ``marker`` on their command line (/proc)."""
    if not marker:
        return {}
    found = {}
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) == os.getpid():
            continue
        try:
            with open(f"/proc/{name}/cmdline", "rb") as f:
                cmdline = f.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if marker in cmdline:
            found[int(name)] = cmdline
    return found


def assert_no_process_left(marker: str | None, before: dict[int, str]) -> None:
    """Wait briefly for killed processes to go, then fail (killing them) if any remain."""
    for _ in range(50):
        left = {p: c for p, c in marked_processes(marker).items() if p not in before}
        if not left:
            return
        time.sleep(0.05)
    for pid in left:  # clean up what the grader missed, by pid, then report it
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    raise AssertionError(f"processes left behind by the submission: {left}")


def check_scores(report: SubmissionReport, case: Case, level: str, reference: dict) -> None:
    """Attacked exercises 0 (unless a documented weakness); all others the reference's."""
    got = scores(report)
    assert set(got) == set(reference), f"exercises graded: {sorted(got)}"
    for exercise, full in reference.items():
        if exercise not in case.attacked:
            assert got[exercise] == full, (
                f"{exercise} is the reference code here and should score {full}, got "
                f"{got[exercise]} (if solutions/ changed, refresh the corpus copy):\n"
                + failure_text(report, [exercise])[:2000]
            )
        elif level == "process" and case.works_in_process_level:  # the attack is real
            assert got[exercise] == full, f"the attack on {exercise} did not work at all"
        else:
            assert got[exercise] == 0, f"the attack on {exercise} earned {got[exercise]} points"


def line_marked(folder: Path, module: str = "recurrent.py") -> int | None:
    path = folder / module
    if not path.is_file():
        return None
    lines = path.read_text().splitlines()
    return next((i for i, s in enumerate(lines, 1) if "deepgrade-corpus: error here" in s), None)


def summary(kind: str, name: str, level: str, report: SubmissionReport, case: Case) -> str:
    got = scores(report)
    attacked = ", ".join(f"{e}={got.get(e, 0):g}" for e in case.attacked)
    first = failure_text(report, case.attacked).split("\n", 1)[0].partition(": ")[2][:110]
    return (
        f"corpus {kind}/{name} [{level}]: {sum(got.values()):g}/"
        f"{sum(BY_NAME[e].points for e in got)} ({report.status}); {attacked}; {first}"
    )


# ------------------------------------------------------------------------- hostile


def test_every_corpus_folder_is_graded_and_documented():
    hostile = {p.name for p in HOSTILE.iterdir() if p.is_dir()}
    broken = {p.name for p in BROKEN.iterdir() if p.is_dir()}
    assert hostile == set(HOSTILE_CASES) | set(SPECIAL_HOSTILE)
    assert broken == set(BROKEN_CASES)
    assert len(hostile) >= 15
    for kind, folder in [("HOSTILE", HOSTILE), ("BROKEN", BROKEN)]:
        for module in folder.glob("*/*.py"):
            assert module.read_text().startswith(f'"""{kind} ('), f"{module}: docstring"


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("name", sorted(HOSTILE_CASES))
def test_hostile_submission_gains_nothing(name, level):
    case = HOSTILE_CASES[name]
    reference = reference_scores(case.suites)
    before = marked_processes(case.marker)
    limits = replace(LIMITS, call_seconds=case.call_seconds, memory_mb=case.memory_mb)
    with at_level(level):
        report = grade(HOSTILE / name, suites=list(case.suites), isolation=level, limits=limits)
    print(summary("hostile", name, level, report, case))
    assert report.isolation == level
    assert report.status == "graded" and report.tests, report.notes
    check_scores(report, case, level, reference)
    if not (level == "process" and case.works_in_process_level):
        text = failure_text(report, case.attacked)
        for expected in case.says:
            assert expected in text, f"{expected!r} not in the failures:\n{text[:3000]}"
    assert_no_process_left(case.marker, before)


@pytest.mark.parametrize("level", LEVELS)
def test_importing_the_reference_fails_at_every_level(level):
    """``import solutions`` is refused by name everywhere (the isolated levels cannot even
    read it); reading it by path is asserted by the hostile cases above."""
    by_name = graded(HOSTILE / "import_solutions", (ACTIVATIONS,), "worker", level)
    assert scores(by_name)["relu"] == 0
    text = failure_text(by_name, ["relu"])
    assert "a submission may not import the grader's package 'solutions'" in text or (
        level != "process" and "could not import the reference" in text
    ), text


@pytest.mark.parametrize("level", LEVELS)
def test_network_is_unreachable_in_the_isolated_level(level, tmp_path):
    listener = socket.create_server(("127.0.0.1", 0))
    listener.setblocking(False)
    port = listener.getsockname()[1]
    folder = tmp_path / "network"
    shutil.copytree(HOSTILE / "network", folder)
    module = folder / "activations.py"
    source = module.read_text()
    assert "PORT = 0" in source
    module.write_text(source.replace("PORT = 0", f"PORT = {port}", 1))
    case = Case(("relu",), ("network attack:",))
    with listener, at_level(level):
        report = grade(folder, suites=[ACTIVATIONS], isolation=level, limits=LIMITS)
        try:
            connection, _ = listener.accept()
            connection.close()
            reached = True
        except BlockingIOError:
            reached = False
    print(summary("hostile", "network", level, report, case))
    check_scores(report, case, level, reference_scores((ACTIVATIONS,)))
    text = failure_text(report, ["relu"])
    assert "network attack:" in text
    if level != "process" and (level != "uid" or confine.landlock_abi() >= 4):
        assert not reached, "the isolated worker connected to the grader's host"
        assert f"127.0.0.1:{port} blocked" in text and "connected" not in text, text
    else:  # no network restriction in the plain-process level (documented)
        assert reached and f"127.0.0.1:{port} connected" in text


FAKE_MARKER = "deepgrade-hostile-fake-results"
GUESSED = [Path("/tmp/results.json"), Path("/tmp/out/results.json")]


def _deepgrade(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    limits = ["--call-timeout", "5", "--total-timeout", "300", "--memory-mb", "512"]
    return subprocess.run(
        [sys.executable, "-m", "autograder", "grade", *args, *limits],
        cwd=cwd, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip


def _files(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file()}


@pytest.mark.parametrize("level", LEVELS)
def test_a_fake_results_file_or_score_never_replaces_the_report(level, tmp_path):
    """Through the command line, as on Gradescope: --output and stdout hold our report."""
    folder = HOSTILE / "fake_results_file"
    cwd, out = tmp_path / "cwd", tmp_path / "out" / "results.json"
    cwd.mkdir()
    out.parent.mkdir()
    existed = {p for p in GUESSED if p.exists()}
    out_dir_existed = Path("/tmp/out").exists()
    before = marked_processes(FAKE_MARKER)
    expected = sum(BY_NAME[e].points for e in ("sigmoid", "softmax"))
    try:
        with at_level(level):
            run = _deepgrade([str(folder), "--format", "gradescope", "--output", str(out),
                              "--isolation", level], cwd)  # fmt: skip
        assert run.returncode == 0, run.stderr
        time.sleep(1.0)  # give a process left behind time to rewrite the output
        text = out.read_text()
        assert FAKE_MARKER not in text
        results = json.loads(text)
        assert results["score"] == expected, results["output"]
        relu = next(t for t in results["tests"] if t["name"] == BY_NAME["relu"].label)
        assert relu["score"] == 0 and "fake_results_file wrote" in relu["output"]
        assert FAKE_MARKER not in run.stdout  # nothing of the worker reaches our stdout
        stray = _files(tmp_path) - {out}
        written = {p for p in GUESSED if p.exists()} - existed
        if level != "process" and (level != "uid" or confine.landlock_abi() >= 1):
            # what the attack says it wrote (the files themselves may come from a
            # process-level run of this test in parallel); bwrap's /tmp is its own
            said = relu["output"].split("fake_results_file wrote", 1)[1]
            targets = [out, cwd / "results.json", *(GUESSED if level != "bwrap" else [])]
            reached = [str(p) for p in targets if f"'{p}'" in said]
            assert not stray and not reached, f"written outside the worker: {stray} {reached}"
            written = set()

        if level == "process":  # the report on stdout: one JSON document, ours
            run = _deepgrade([str(folder), "--format", "gradescope", "--isolation", level], cwd)
            assert run.returncode == 0, run.stderr
            results = json.loads(run.stdout)
            assert results["score"] == expected and FAKE_MARKER not in run.stdout
        print(
            f"corpus hostile/fake_results_file [{level}]: {results['score']:g} (reference "
            f"work {expected}); files the worker wrote outside its folder: "
            f"{sorted(map(str, stray | written)) or 'none'}"
        )
        assert_no_process_left(FAKE_MARKER, before)
    finally:  # the plain-process level may write these (documented): remove them
        for path in set(GUESSED) - existed:
            if path.is_file() and FAKE_MARKER in path.read_text(errors="replace"):
                path.unlink()
        if not out_dir_existed and Path("/tmp/out").is_dir():
            try:
                Path("/tmp/out").rmdir()
            except OSError:
                pass


TAMPER_MARKER = "# deepgrade-hostile-tamper"


@pytest.mark.slow
@pytest.mark.parametrize("level", LEVELS)
def test_appending_to_the_graders_files_changes_nothing_and_grading_writes_nothing(level, tmp_path):
    """The tamper attack, graded through the command line with a COPY of the project
    mounted over the checkout: at every isolated level not one file of the copy changes,
    and no level leaves a file behind (bytecode, .hypothesis) in the checkout or the
    caller's folder. At the plain process level the attack does reach the copy's files."""
    copy = copy_project(tmp_path / "project")
    cwd, out = tmp_path / "cwd", tmp_path / "report.json"
    cwd.mkdir()
    before = snapshot(copy)
    limits = ["--call-timeout", "5", "--total-timeout", "120", "--memory-mb", "512"]
    argv = [sys.executable, "-m", "autograder", "grade", str(HOSTILE / "tamper_grader"),
            "--isolation", level, "--format", "json", "--output", str(out), *limits]  # fmt: skip
    with checkout_guarded(), at_level(level) as env:
        env["PYTHONDONTWRITEBYTECODE"] = "1"  # the grader's own imports (documented)
        run = run_over_copy(copy, argv, cwd=str(cwd), env=env, capture_output=True, text=True,
                            timeout=600, check=False)  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    report = json.loads(out.read_text())
    assert report["isolation"] == level and report["status"] == "graded"
    relu = next(row for row in report["exercises"] if row["name"] == "relu")
    assert relu["score"] == 0
    after = snapshot(copy)
    assert set(after) == set(before), f"files written: {sorted(set(after) ^ set(before))}"
    assert not list(cwd.iterdir()), "grading left files in the caller's folder"
    changed = sorted(k for k in before if after[k] != before[k])
    text = "\n".join(relu["failures"])
    print(f"corpus hostile/tamper_grader [{level}]: {len(changed)} grader files changed; "
          + text.split("PermissionError: ")[-1][:100])  # fmt: skip
    if level == "process":  # the documented weakness: the worker writes what the grader can
        assert changed and all(TAMPER_MARKER in (copy / k).read_text() for k in changed), (
            "the attack did not work at all"
        )
        assert "tamper attack changed" in text
    else:
        assert not changed, f"changed at level {level}: {changed[:5]}"
        assert "tamper attack changed 0 grader files" in text, text


# ------------------------------------------------------------------------- broken


@pytest.mark.parametrize("name", sorted(BROKEN_CASES))
def test_broken_submission_gets_one_clear_line_and_loses_only_that_part(name):
    case = BROKEN_CASES[name]
    folder = BROKEN / name
    report = graded(folder, case.suites, "worker", "process")
    print(summary("broken", name, "process", report, case))
    assert report.status == "graded" and report.tests
    check_scores(report, case, "process", reference_scores(case.suites))
    line = line_marked(folder)
    says = [s.format(line=line) for s in case.says]
    outputs = {t["name"]: t["output"] for t in gradescope(report)["tests"]}
    shown = "\n".join(outputs[BY_NAME[e].label] for e in case.attacked)
    for expected in says:
        assert expected in shown, f"{expected!r} not in what the student sees:\n{shown[:3000]}"
    for exercise in case.attacked:  # the first line of each failure names the problem
        first = outputs[BY_NAME[exercise].label].split("\n\n")[1]
        assert says[0] in first.splitlines()[0], first


# ------------------------------------------------------------------------- reference


@pytest.mark.parametrize("level", LEVELS)
def test_reference_scores_full_marks_and_stubs_zero(level):
    reference = graded(PROJECT / "solutions", None, "worker", level)
    stubs = graded(PROJECT / "exercises", None, "worker", level)
    print(f"corpus reference [{level}]: {reference.score:g}/{reference.max_score}; "
          f"stubs {stubs.score:g}/{stubs.max_score}")  # fmt: skip
    assert reference.isolation == stubs.isolation == level
    assert reference.score == reference.max_score, [
        f for row in reference.exercises for f in row["failures"]
    ][:5]
    assert all(row["total"] for row in reference.exercises), "an exercise without checks"
    assert stubs.score == 0 and stubs.status == "graded"


AGREEMENT = {
    "solutions": (PROJECT / "solutions", None),
    "exercises": (PROJECT / "exercises", None),
    **{
        f"broken/{name}": (BROKEN / name, BROKEN_CASES[name].suites)
        for name in ("syntax_error", "missing_function", "wrong_type_list", "wrong_shape")
    },
}


@pytest.mark.parametrize("name", list(AGREEMENT))
def test_in_process_debug_mode_and_worker_agree_on_every_verdict(name):
    folder, suites = AGREEMENT[name]
    worker = graded(folder, suites, "worker", "process")
    local = graded(folder, suites, "in-process", "process")
    assert local.isolation.startswith("none")

    def verdicts(report):
        return {t["nodeid"]: t["outcome"] for t in report.tests}

    assert verdicts(worker) and verdicts(worker) == verdicts(local)
    assert scores(worker) == scores(local)
