"""The grader's diagnosis at home: mistake fingerprints on the public inputs, and the
student's loop around them (``deepgrade check NAMES``, ``pytest --exercise``, tracebacks).

The table is built here for one topic's public tests (the release builds it for all); the
release's own ``deepgrade check -v`` on the whole mutant catalogue is measured in
``devtests/test_release_local_check.py`` (slow).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from autograder.builders import leaks, mistake_fingerprints
from deepgrade import cli, evidence, fingerprints, stub_digests
from deepgrade.catalog import BY_NAME, EXERCISES, TOPICS
from deepgrade.check import CheckError, PublicTests, run_public_tests, targets
from deepgrade.implementation import Implementation
from deepgrade.paths import PROJECT_ROOT, PUBLIC_TESTS
from deepgrade.pytest_plugin import ResultCollector
from deepgrade.scoring import score
from devtests.local_diagnosis import headline
from devtests.test_mutants import MUTANTS, submission

MUTANT = {m["id"]: m for m in MUTANTS}


@pytest.fixture(scope="module")
def activations_table() -> str:
    return mistake_fingerprints.build(PROJECT_ROOT, PUBLIC_TESTS / "test_activations.py")


@pytest.fixture
def with_table(activations_table, tmp_path, monkeypatch):
    path = tmp_path / "mistake_fingerprints.json"
    path.write_text(activations_table, encoding="utf-8")
    monkeypatch.setattr(fingerprints, "TABLE_PATH", path)
    fingerprints.table.cache_clear()
    yield path
    fingerprints.table.cache_clear()


def _headline_in_process(folder, exercise: str) -> str:
    """The check table's headline of ``exercise``, its public tests run in this process."""
    collector = ResultCollector()
    code = pytest.main(
        [str(PUBLIC_TESTS / f"test_{BY_NAME[exercise].module}.py"), f"--impl={folder}", "-q",
         "-p", "no:cacheprovider", "-o", "addopts=", f"--exercise={exercise}"],
        plugins=[collector],
    )  # fmt: skip
    assert code == 1
    (result,) = [r for r in score(list(collector.records.values())) if r.exercise.name == exercise]
    return result.headline


def test_digests_ignore_float_noise_and_tell_values_apart():
    values = np.array([[0.1, -2.5], [3e-3, 7.0]])
    assert fingerprints.digest(values) == fingerprints.digest(values * (1 + 1e-13))
    assert fingerprints.digest(values) == fingerprints.digest(values.tolist())
    assert fingerprints.digest(values) != fingerprints.digest(values * (1 + 1e-6))
    assert fingerprints.digest(values) != fingerprints.digest(values.T)
    assert fingerprints.digest(values) != fingerprints.digest(values.reshape(4))
    assert fingerprints.digest(np.array([0.0, 1e-17])) == fingerprints.digest(np.array([-0.0, 0]))
    assert fingerprints.digest(np.array([np.nan, np.inf])) != fingerprints.digest([np.inf, np.nan])
    assert fingerprints.digest("not numbers") is None


def test_the_table_holds_digests_of_public_checks_only(activations_table):
    table = json.loads(activations_table)
    assert table["version"] == fingerprints.VERSION and len(table["checks"]) >= 5
    assert leaks._only_digests_and_words(table)
    names = {name for entry in table["checks"].values() for name in entry["tried"]}
    assert {"softmax over the wrong axis", "leaky ReLU", "sign flipped"} <= names
    # built twice, the same table: the leak check can re-derive it
    again = subprocess.run(
        [sys.executable, "-m", "autograder.builders.mistake_fingerprints", "/dev/stdout",
         str(PUBLIC_TESTS / "test_activations.py")],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=600, check=True,
    )  # fmt: skip
    assert activations_table in again.stdout


# the last four only since the values of a warning's check come first and relu's public
# inputs hold fractions (the slope and a cap at 1 agree on integers)
NAMED_AT_HOME = ["act-softmax-axis-0", "act-relu-leaky", "act-sigmoid-hard",
                 "act-sigmoid-naive-overflow", "act-softmax-no-max-shift",
                 "act-relu-returns-slope", "blind-relu-capped-at-1"]  # fmt: skip


@pytest.mark.parametrize("mutant", NAMED_AT_HOME)
def test_a_catalogued_mistake_is_named_at_home(mutant, with_table, tmp_path):
    folder = submission(MUTANT[mutant], tmp_path)
    told = _headline_in_process(folder, MUTANT[mutant]["exercise"])
    assert told.startswith("Likely mistake (") and MUTANT[mutant]["diagnosis"] in told, told


def test_without_the_table_the_same_mistake_is_not_named(tmp_path, monkeypatch):
    monkeypatch.setattr(fingerprints, "TABLE_PATH", tmp_path / "none.json")
    fingerprints.table.cache_clear()
    folder = submission(MUTANT["act-softmax-axis-0"], tmp_path)
    told = _headline_in_process(folder, "softmax")
    fingerprints.table.cache_clear()
    assert "softmax over the wrong axis" not in told


def test_one_public_check_names_a_mistake_only_when_its_output_is_no_coincidence():
    generic = np.array([[0.4581453, -1.2], [0.0, 2.0]])
    right = np.array([[0.5, -1.2], [0.3, 2.0]])
    assert fingerprints.decisive(generic, right) is False  # one value differs
    assert fingerprints.decisive(generic * 1.5, right)  # 0.687..., -1.8, 3: generic values
    assert not fingerprints.decisive(4, 5) and not fingerprints.decisive((1, 1), (1, 2))
    assert not fingerprints.decisive(np.ones(6), np.zeros(6))  # one 0/1 value, many times
    assert fingerprints.decisive(np.arange(6.0) + 1, np.zeros(6))  # six distinct integers
    assert fingerprints.decisive(np.arange(6.0).reshape(2, 3), np.zeros((3, 2)))  # shapes differ

    def vote(decisive: bool, name: str = "eps ignored") -> dict:
        item = {"kind": "compared", "input": "a", "matched": [[name, "why"]], "ruled_out": []}
        return {**item, "decisive": True} if decisive else item

    assert evidence.likely_mistake([vote(True)]) == "Likely mistake (eps ignored): why"
    assert evidence.likely_mistake([vote(False)]) == ""  # one ordinary input is not enough
    ruled_out = {"kind": "compared", "input": "b", "matched": [], "ruled_out": ["eps ignored"]}
    assert evidence.likely_mistake([vote(True), ruled_out]) == ""
    # the kit's own comparison and the table's, on one check: one input, never two votes
    kit = {**vote(False), "input": "k"}
    table = {**vote(False), "input": "t", "ruled_out": ["sign flipped"]}
    both = evidence.joined(kit, table)
    assert both["input"] == "k" and both["ruled_out"] == ["sign flipped"]
    assert evidence.likely_mistake([both]) == ""
    assert evidence.joined(kit, vote(True))["decisive"] is True
    two = evidence.joined({**kit, "matched": [["sign flipped", "w"]]}, vote(True))
    assert "decisive" not in two  # two mistakes reproduce it: no vote at all


def test_a_whole_catalogue_below_the_local_goal_fails_the_run(monkeypatch):
    from devtests import conftest

    def outcomes(named_at_home: int, of: int = 10) -> dict:
        return {
            str(i): {"grader_named": True, "local_named": i < named_at_home, "of": of}
            for i in range(10)
        }

    monkeypatch.setattr(conftest, "_LOCAL", outcomes(7))
    assert conftest._local_shortfall() == "the local diagnosis names 7/10, below 80%"
    monkeypatch.setattr(conftest, "_LOCAL", outcomes(8))
    assert conftest._local_shortfall() == ""
    monkeypatch.setattr(conftest, "_LOCAL", outcomes(1, of=245))  # part of it: no rate
    assert conftest._local_shortfall() == ""


def _planted(text: str, plant) -> str:
    table = json.loads(text)
    plant(table)
    return json.dumps(table)


def test_the_leak_check_refuses_a_planted_table(activations_table):
    prints = leaks.Fingerprints({}, {}, mistake_table=activations_table)
    name = fingerprints.TABLE_NAME
    assert leaks.check_file(name, activations_table.encode(), prints) == []
    key = next(iter(json.loads(activations_table)["checks"]))

    def values(table):  # the expected output of an input, stored as numbers
        table["checks"][key]["outputs"]["0" * 16] = [[0.25, 0.75]]

    def new_check(table):  # a well-formed entry for a check the public tests do not make
        table["checks"]["f" * 16] = {"tried": ["leaky ReLU"], "outputs": {"e" * 16: []},
                                     "decisive": []}  # fmt: skip

    def numbers_as_decisive(table):
        table["checks"][key]["decisive"] = [0.25, 0.75]

    def other_words(table):
        table["checks"][key]["tried"].append("a hint about a hidden test")

    for plant in (values, new_check, numbers_as_decisive, other_words):
        found = leaks.check_file(name, _planted(activations_table, plant).encode(), prints)
        assert [leak.where for leak in found] == [name], plant.__name__
        assert "mistake fingerprints" in found[0].what
    # the same table under another name is a data file like any other
    assert leaks.check_file("deepgrade/table.json", activations_table.encode(), prints)


# ---------------------------------------------------------------- one exercise, by name or number


def test_check_targets_are_an_implementation_and_exercises():
    assert targets([]) == ("exercises", [])
    assert targets(["conv2d", "relu", "1.4"]) == ("exercises", ["conv2d", "relu"])
    assert targets(["my_work", "3.3"]) == ("my_work", ["softmax"])
    with pytest.raises(CheckError, match="one implementation at a time"):
        targets(["conv3d", "my_work"])
    with pytest.raises(CheckError, match="capstone"):
        targets(["build_digit_cnn"])


def test_check_of_some_exercises_agrees_with_pytest_exercise(tmp_path):
    folder = submission(MUTANT["act-softmax-axis-0"], tmp_path)
    env = {"COLUMNS": "250", "PATH": "/usr/bin:/bin"}
    check = subprocess.run(
        [sys.executable, "-m", "deepgrade", "check", str(folder), "relu", "3.3", "-v"],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    report = tmp_path / "report.json"
    plain = subprocess.run(
        [sys.executable, "-m", "pytest", str(PUBLIC_TESTS), f"--impl={folder}", "-q",
         "-p", "no:cacheprovider", "--exercise", "relu", "--exercise", "3.3",
         f"--deepgrade-report={report}"],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert check.returncode == plain.returncode == 1, check.stdout + plain.stdout
    records = json.loads(report.read_text())
    assert {r["exercise"] for r in records} == {"relu", "softmax"}
    failed = sorted(r["nodeid"] for r in records if r["outcome"] == "failed")
    shown = sorted(line.split(" ", 1)[1].split(": ", 1)[0]
                   for line in check.stdout.splitlines() if line.startswith("FAILED "))  # fmt: skip
    assert failed and shown == failed
    rows = [line for line in check.stdout.splitlines() if line.startswith("│ Exercise")]
    assert [row.split("(")[1].split(")")[0] for row in rows] == ["relu", "softmax"]
    assert headline(check.stdout, "softmax")  # -v: the exercise's headline, then its failures
    assert "Exercise 3.2" not in check.stdout


def test_check_help_offers_only_the_packages_installed(monkeypatch, capsys):
    monkeypatch.setattr("deepgrade.paths.available_packages", lambda: ("exercises",))
    with pytest.raises(SystemExit):
        cli.main(["check", "--help"])
    assert "solutions" not in capsys.readouterr().out
    monkeypatch.setattr("deepgrade.paths.available_packages", lambda: ("solutions", "exercises"))
    with pytest.raises(SystemExit):
        cli.main(["check", "--help"])
    assert "'solutions'" in capsys.readouterr().out


# ---------------------------------------------------------------- tracebacks stop at the student


def test_a_failure_shows_the_students_line_and_the_message_not_the_kits(tmp_path):
    folder = submission(MUTANT["act-softmax-axis-0"], tmp_path)
    source = folder / "activations.py"
    source.write_text(
        source.read_text().replace(
            "def relu(x: ArrayLike) -> np.ndarray:",
            "def relu(x: ArrayLike) -> np.ndarray:\n    raise ValueError('my own bug')",
        )
    )
    ran = subprocess.run(
        [sys.executable, "-m", "pytest", str(PUBLIC_TESTS / "test_activations.py"),
         f"--impl={folder}", "-p", "no:cacheprovider", "--tb=long", "-l"],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    out = ran.stdout
    assert ran.returncode == 1 and "softmax(" in out and "my own bug" in out
    assert "activations.py:" in out  # the student's own frame
    for kit in ("deepgrade/feedback.py", "deepgrade/implementation.py", "_fail(", "mistakes ="):
        assert kit not in out, kit


# ---------------------------------------------------------------- said in words when not named


def test_an_output_normalised_along_another_axis_is_described():
    from deepgrade.observations import of_values

    e = np.exp(np.array([[1.0, 2.0, 3.0], [0.5, 0.1, 4.0]]))
    softmax = e / e.sum(axis=1, keepdims=True)
    seen = of_values(e / e.sum(axis=0, keepdims=True), softmax, np.ones(softmax.shape, bool))
    assert seen["name"] == "sums along an axis"
    assert "summed over axis 1 gives 1.239 to 1.761" in seen["explanation"]
    assert "the expected output gives 1 everywhere" in seen["explanation"]
    rows_of_2_5 = softmax + np.array([[1.5, 0.0, 0.0], [0.0, 1.5, 0.0]])
    seen = of_values(rows_of_2_5, softmax, np.ones(softmax.shape, bool))
    assert "gives 2.5 everywhere" in seen["explanation"]
    varied = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 7.0]])  # no axis sums alike: nothing said
    assert (
        of_values(varied + np.array([[1.0, 0, 0], [0, 0, 0]]), varied, np.ones((2, 3), bool))
        is None
    )


# ---------------------------------------------------------------- stubs not yet begun


@pytest.fixture
def stub_table(tmp_path, monkeypatch):
    from autograder.builders import stubs

    digests = stub_digests.of_stubs(stubs.build(PROJECT_ROOT / "solutions"))
    path = tmp_path / "stub_digests.json"
    path.write_text(json.dumps(digests), encoding="utf-8")
    monkeypatch.setattr(stub_digests, "TABLE_PATH", path)
    stub_digests.table.cache_clear()
    yield digests
    stub_digests.table.cache_clear()


def test_a_stub_is_untouched_until_any_edit(stub_table, tmp_path):
    assert set(stub_table) == {exercise.name for exercise in EXERCISES}
    relu = BY_NAME["relu"]
    assert stub_digests.untouched(Implementation("exercises").relu, relu)
    assert not stub_digests.untouched(Implementation("solutions").relu, relu)
    assert not stub_digests.untouched(Implementation("exercises").sigmoid, relu)
    work = tmp_path / "work"
    shutil.copytree(PROJECT_ROOT / "exercises", work, ignore=shutil.ignore_patterns("__pycache__"))
    module = work / "activations.py"
    # a return above the raise (the raise left as dead code): an edit, run as usual
    module.write_text(module.read_text(encoding="utf-8").replace(
        '    raise NotImplementedError(\n        "Exercise 3.1', '    return x\n'
        '    raise NotImplementedError(\n        "Exercise 3.1'), encoding="utf-8")  # fmt: skip
    assert not stub_digests.untouched(Implementation(str(work)).relu, relu)
    assert stub_digests.untouched(Implementation(str(work)).sigmoid, BY_NAME["sigmoid"])


def test_the_leak_check_refuses_planted_stub_digests(stub_table):
    prints = leaks.Fingerprints({}, {}, PROJECT_ROOT)
    name = stub_digests.TABLE_NAME
    assert leaks.check_file(name, json.dumps(stub_table).encode(), prints) == []
    planted = {**stub_table, "relu": "0" * 16}
    found = leaks.check_file(name, json.dumps(planted).encode(), prints)
    assert [leak.what for leak in found] == [
        "the stub digests differ from those of the released stubs"
    ]


def test_a_one_line_failure_builds_no_traceback_and_reads_the_same(tmp_path):
    """pytest's traceback (it parses every source file it passes through) is not built for
    a failure shown in one line: the stubs' NotImplementedError, and every failure under
    --tb=no (deepgrade check); the records read exactly as with the traceback."""
    folder = submission(MUTANT["act-relu-returns-slope"], tmp_path)  # activations: see below
    (folder / "activations.py").write_text(
        (PROJECT_ROOT / "exercises" / "activations.py").read_text(encoding="utf-8").replace(
            "def relu(", "def relu_unused("
        ) + "\n\ndef relu(x):  # wrong, and sigmoid and softmax are stubs\n"
        "    return np.minimum(np.abs(x), 1.0)\n",
        encoding="utf-8",
    )  # fmt: skip

    class Reports:
        def __init__(self):
            self.longreprs: dict[str, object] = {}

        def pytest_runtest_logreport(self, report):
            if report.when == "call" and report.failed:
                self.longreprs[report.nodeid] = report.longrepr

    runs = {}
    for tb in ("no", "short"):
        reports, collector = Reports(), ResultCollector()
        pytest.main([str(PUBLIC_TESTS / "test_activations.py"), f"--impl={folder}", "-q",
                     "-p", "no:cacheprovider", "-o", "addopts=", f"--tb={tb}"],
                    plugins=[reports, collector])  # fmt: skip
        runs[tb] = reports.longreprs, collector.records
    brief, full = runs["no"][0], runs["short"][0]
    assert brief.keys() == full.keys() and brief
    assert all(isinstance(r, str) for r in brief.values())
    stubs = {n for n, r in full.items() if str(r).startswith("NotImplementedError")}
    assert stubs and all(isinstance(full[n], str) for n in stubs)  # sigmoid, softmax
    assert any(not isinstance(r, str) for r in full.values())  # relu's traceback, with --tb
    for nodeid, record in runs["short"][1].items():
        seen = runs["no"][1][nodeid]
        assert (seen["outcome"], seen["message"]) == (record["outcome"], record["message"])


# ---------------------------------------------------------------- whole stub modules


@pytest.fixture
def stub_folder(tmp_path, monkeypatch):
    """The released stubs in a folder, and the release's index of them (as the builder
    writes it) in place of the instructors' (none)."""
    from autograder.builders import stubs

    folder = tmp_path / "work"
    folder.mkdir()
    modules = stubs.build(PROJECT_ROOT / "solutions")
    for name, text in modules.items():
        (folder / name).write_text(text, encoding="utf-8")
    records = run_public_tests("solutions")
    index = stub_digests.of_stub_modules(modules, records, PUBLIC_TESTS)
    path = tmp_path / "stub_modules.json"
    path.write_text(json.dumps(index), encoding="utf-8")
    monkeypatch.setattr(stub_digests, "MODULES_PATH", path)
    stub_digests.module_table.cache_clear()
    yield folder
    stub_digests.module_table.cache_clear()


def _ran(folder, monkeypatch) -> dict[str, tuple]:
    """What running every public test records, without the index."""
    with monkeypatch.context() as patch:
        patch.setattr(stub_digests, "module_table", lambda: {})
        records = run_public_tests(str(folder))
    return {r["nodeid"]: (r["exercise"], r["weight"], r["outcome"], r["message"]) for r in records}


def _known(run: PublicTests) -> dict[str, tuple]:
    return {
        r["nodeid"]: (r["exercise"], r["weight"], r["outcome"], r["message"]) for r in run.known
    }


def test_the_fresh_stubs_start_no_pytest_and_record_what_running_records(stub_folder, monkeypatch):
    ran = _ran(stub_folder, monkeypatch)
    with monkeypatch.context() as patch:
        patch.setattr("subprocess.Popen", lambda *a, **k: pytest.fail("a pytest was started"))
        with PublicTests(str(stub_folder)) as run:
            records = run.records()
        assert run.paths == [] and len(records) == len(ran)
        with PublicTests(str(stub_folder), exercises=["conv2d", "relu"]) as run:
            assert {r["exercise"] for r in run.records()} == {"conv2d", "relu"}
    assert _known(run) == {n: r for n, r in ran.items() if r[0] in ("conv2d", "relu")}
    assert {r["nodeid"]: (r["exercise"], r["weight"], r["outcome"], r["message"])
            for r in records} == ran  # fmt: skip


def test_an_edited_module_and_the_modules_importing_it_run(stub_folder, monkeypatch):
    module = stub_folder / "activations.py"
    stub = BY_NAME["relu"].not_implemented
    module.write_text(module.read_text(encoding="utf-8").replace(
        f'raise NotImplementedError(\n        "{stub}"\n    )', "return np.maximum(x, 0.0)"),
        encoding="utf-8")  # fmt: skip
    (stub_folder / "pooling.py").write_text(
        "# a comment changes no syntax tree\n" + (stub_folder / "pooling.py").read_text()
    )
    modules = stub_digests.module_table()["modules"]
    importing, grown = set(), True
    while grown:  # the modules importing activations, directly or through another
        found = {
            t for t, entry in modules.items() if {"activations", *importing} & set(entry["imports"])
        }
        grown, importing = found > importing, importing | found
    with PublicTests(str(stub_folder)) as run:
        records = {r["nodeid"]: r for r in run.records()}
    run_topics = {Path(p).stem.removeprefix("test_") for p in run.paths}
    assert run_topics == {"activations", *importing}
    assert {BY_NAME[r[0]].module for r in _known(run).values()} == set(TOPICS) - run_topics
    ran = _ran(stub_folder, monkeypatch)
    assert {n: (r["exercise"], r["weight"], r["outcome"], r["message"])
            for n, r in records.items()} == ran  # fmt: skip
    assert any(r[2] == "passed" for r in ran.values())


def test_edited_public_tests_are_all_run(stub_folder, tmp_path):
    tests = tmp_path / "tests"
    shutil.copytree(PUBLIC_TESTS, tests, ignore=shutil.ignore_patterns("__pycache__"))
    assert PublicTests(str(stub_folder), tests).known  # the released tests, copied: known
    with (tests / "test_pooling.py").open("a", encoding="utf-8") as out:
        out.write("\n\ndef test_mine():\n    pass\n")
    run = PublicTests(str(stub_folder), tests)
    assert run.known == [] and run.paths == [str(tests)]


def test_the_leak_check_refuses_a_planted_stub_module_index(stub_folder):
    prints = leaks.Fingerprints({}, {}, PROJECT_ROOT)
    name = stub_digests.MODULES_NAME
    index = stub_digests.module_table()
    assert leaks.check_file(name, json.dumps(index).encode(), prints) == []
    planted = json.loads(json.dumps(index))
    planted["records"]["relu"].append(["tests/test_activations.py::test_hidden_relu_case", 1.0])
    moved = json.loads(json.dumps(index))
    moved["modules"]["activations"]["digest"] = "0" * 16
    found = [leaks.check_file(name, json.dumps(t).encode(), prints) for t in (planted, moved)]
    assert [[leak.what for leak in leaks_] for leaks_ in found] == [
        ["'tests/test_activations.py::test_hidden_relu_case' is not a public test of 'relu'"],
        ["the stub module digests differ from the released stubs'"],
    ]


def test_two_cores_share_the_test_files_and_record_what_one_records(
    stub_folder, monkeypatch, tmp_path
):
    from deepgrade import check

    folder = submission(MUTANTS[0], tmp_path)  # the reference with one mistake
    files = [str(PUBLIC_TESTS / f"test_{topic}.py") for topic in TOPICS]
    monkeypatch.setattr("os.sched_getaffinity", lambda pid: {0})
    assert check._shares(files) == [files] and check._shares([]) == []
    one = {r["nodeid"]: (r["outcome"], r["message"]) for r in run_public_tests(str(folder))}
    monkeypatch.setattr("os.sched_getaffinity", lambda pid: {0, 1})
    shares = check._shares(files)
    assert len(shares) == 2 and sorted(shares[0] + shares[1]) == sorted(files)
    with PublicTests(str(folder)) as run:
        two = {r["nodeid"]: (r["outcome"], r["message"]) for r in run.records()}
    assert len(run._children) == 2 and two == one
    assert {"passed", "failed"} <= {outcome for outcome, _ in one.values()}
