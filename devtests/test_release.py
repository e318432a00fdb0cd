"""``deepgrade release``: what the student release holds, and its leak check.

The release here is built once per module without its packages' check (a wheel and an
sdist take a few seconds each to build); devtests/test_release_install.py builds the full
release with the real command, installs it in a fresh venv and checks its packages.
"""

from __future__ import annotations

import ast
import io
import json
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import yaml

from autograder.builders import (
    actions_workflow,
    leaks,
    mistake_fingerprints,
    release,
    stubs,
    student_readme,
)
from autograder.paths import HIDDEN_SUITES, PROJECT_ROOT, SOLUTIONS_DIR
from deepgrade import stub_digests
from deepgrade.catalog import CAPSTONE_TOPICS, CAPSTONES, EXERCISES, TOPICS
from deepgrade.check import run_public_tests
from deepgrade.cli import points_markdown
from deepgrade.paths import PUBLIC_TESTS
from devtests.commands import DEEPGRADE

FAST_STEPS = tuple(step for step in release.STEPS if step is not release.check_packages)
STUDENT_SIDE = ("deepgrade", "tests", "datasets")


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    return release.build(tmp_path_factory.mktemp("built") / "release", steps=FAST_STEPS).root


@pytest.fixture(scope="module")
def prints() -> leaks.Fingerprints:
    return leaks.Fingerprints.of()


@pytest.fixture
def copy(built, tmp_path) -> Path:
    """A copy of the release to plant things in."""
    return Path(shutil.copytree(built, tmp_path / "release"))


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in leaks.release_files(root)}


def _solution_line(function: str) -> tuple[str, str]:
    """A fingerprinted line of ``function``'s solution region: (module, line)."""
    entry = stubs.BY_NAME[function]
    text = (SOLUTIONS_DIR / f"{entry.module}.py").read_text(encoding="utf-8")
    lines = text.splitlines()
    region = next(r for r in stubs.find_regions(text) if r.function == function)
    prints = leaks.Fingerprints.of()
    body = lines[region.begin : region.end - 1]
    return entry.module, next(line for line in body if leaks.normalise(line) in prints.code)


def _append(path: Path, text: str) -> int:
    """Append a line to a file; its line number."""
    before = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join([*before, text]) + "\n", encoding="utf-8")
    return len(before) + 1


# ------------------------------------------------------------------------- contents


def test_the_release_holds_the_student_side_and_nothing_else(built):
    assert sorted(p.name for p in built.iterdir()) == sorted(
        [".github", ".gitignore", "MANIFEST.in", "README.md", "conftest.py", "constraints.txt",
         "datasets", "deepgrade", "exercises", "notebooks", "pyproject.toml", "setup.cfg",
         "tests"]
    )  # fmt: skip
    names = set(_files(built))
    assert not [n for n in names if {"solutions", "autograder", "devtests"} & set(n.split("/"))]
    assert "deepgrade/capstones/settings.json" in names and "datasets/datasheets/digits.md" in names


def test_kit_public_tests_and_datasets_are_the_instructors_files(built):
    for folder in STUDENT_SIDE:
        shipped = _files(built / folder)
        if folder == "deepgrade":  # plus the three files the builder writes into the kit
            table = shipped.pop("mistake_fingerprints.json")
            assert table.decode() == mistake_fingerprints.build(PROJECT_ROOT)
            digests = json.loads(shipped.pop("stub_digests.json"))
            assert digests == stub_digests.of_stubs(stubs.build(PROJECT_ROOT / "solutions"))
            index = json.loads(shipped.pop("stub_modules.json"))
            records = run_public_tests("solutions")
            assert index == stub_digests.of_stub_modules(
                stubs.build(PROJECT_ROOT / "solutions"), records, PUBLIC_TESTS
            )
        assert shipped == _files(PROJECT_ROOT / folder), folder
    for name in ("conftest.py", "constraints.txt"):
        assert (built / name).read_bytes() == (PROJECT_ROOT / name).read_bytes()


def test_the_exercises_are_generated_from_the_solutions(built):
    generated = {name: text.encode() for name, text in stubs.build().items()}
    assert _files(built / "exercises") == generated


def test_the_notebooks_are_the_students_notebooks_with_their_pairs(built):
    from autograder.builders import nbgrader

    generated = {name: text.encode() for name, text in nbgrader.student_files().items()}
    assert _files(built / "notebooks") == generated
    for module in (*TOPICS, *CAPSTONE_TOPICS):
        assert {f"{module}.ipynb", f"{module}.py"} <= set(generated), module


def test_the_packaging_installs_the_kit_and_the_exercises_only(built):
    cfg = (built / "setup.cfg").read_text()
    packages = cfg.split("[options.packages.find]\ninclude =")[1].split("\n\n")[0].split()
    assert packages == ["deepgrade", "deepgrade.*", "exercises", "datasets"]
    assert "deepgrade = deepgrade.cli:main" in cfg and "autograder" not in cfg
    assert "capstones =\n    tensorflow" in cfg and "testpaths = tests\n" in cfg
    assert "build>=" not in cfg and "pyyaml" not in cfg  # the instructors' tools stay here
    assert (built / ".gitignore").read_text().splitlines()[0] == ".venv/"


def test_every_requirement_of_the_release_is_used_by_the_release(built):
    """A package installed but unused still costs: pytest loads an installed plugin (such
    as hypothesis's, which only the hidden suites use) in every plain `pytest` a student
    runs. Used: imported by a release file, or named as a module (``-p pytest_timeout``)."""
    cfg = (built / "setup.cfg").read_text()
    requires = cfg.split("install_requires =")[1].split("\n\n")[0].split()
    names = {re.match(r"[A-Za-z0-9._-]+", r)[0].lower().replace("-", "_") for r in requires}
    used = set()
    for path in built.rglob("*.py"):
        if ".venv" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                used |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                used.add(node.module.split(".")[0])
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                used.add(node.value)
    assert "numpy" in names and "hypothesis" not in names
    assert names <= used, f"installed by the release but used by none of its files: {names - used}"


def test_the_readme_says_what_to_do_and_that_hidden_tests_decide(built):
    readme = (built / "README.md").read_text()
    quickstart = readme.split("## Quickstart", 1)[1].split("```bash", 1)[1].split("```", 1)[0]
    commands = [line for line in quickstart.splitlines() if line and not line.startswith("#")]
    assert commands == list(student_readme.QUICKSTART)
    assert commands[0].endswith("deepgrade check") and commands[1].endswith("python -m pytest")
    assert points_markdown() in readme
    for entry in (*EXERCISES, *CAPSTONES):
        assert f"| {entry.number} | `{entry.name}` | " in readme, entry.label
    assert "Hidden tests decide" in readme or "hidden tests decide" in readme
    assert "an indication" in readme and "## Submitting" in readme
    assert "| 1.4 | `conv2d` | Convolve a single-channel image with one filter" in readme


# ------------------------------------------------------------------------- the workflow


def _workflow(built: Path) -> tuple[dict, list[dict]]:
    flow = yaml.safe_load((built / actions_workflow.PATH).read_text())
    return flow, flow["jobs"][actions_workflow.JOB]["steps"]


def test_the_workflow_is_plain_actions_with_one_step_per_exercise(built):
    flow, steps = _workflow(built)
    assert not (built / ".github/workflows/classroom.yml").exists()
    assert "classroom" not in actions_workflow.PATH.lower()
    assert "push" in flow["on"] and flow["permissions"] == {"contents": "read"}
    # no classroom service's actions: only GitHub's own checkout and setup-python
    assert {s["uses"].split("@")[0] for s in steps if "uses" in s} == {
        "actions/checkout",
        "actions/setup-python",
    }
    graded = [s for s in steps if s.get("id", "").startswith("exercise-")]
    assert [s["name"] for s in graded] == [f"{e.label} ({e.points} points)" for e in EXERCISES]
    assert [s["run"] for s in graded] == [
        f"python -m pytest tests --exercise {e.name}" for e in EXERCISES
    ]
    assert all(s["continue-on-error"] is True and s["timeout-minutes"] > 0 for s in graded)
    ids = [s["id"] for s in graded]
    assert len(set(ids)) == len(ids)
    install = next(s for s in steps if s.get("id") == "install")
    assert install["run"] == "python -m pip install -q -c constraints.txt -e ."
    assert steps.index(install) < steps.index(graded[0])
    summary, verdict = steps[-2:]
    assert '"$GITHUB_STEP_SUMMARY"' in summary["run"] and "deepgrade check" in summary["run"]
    assert summary["if"] == verdict["if"] == "${{ always() && steps.install.outcome == 'success' }}"
    assert verdict["env"]["OUTCOMES"].split() == [
        token for i in ids for token in ("${{", f"steps.{i}.outcome", "}}")
    ]


@pytest.mark.parametrize("bad", [(), ("failure",), ("failure", "cancelled")])
def test_the_workflow_fails_unless_every_exercise_step_passed(built, bad, tmp_path):
    _, steps = _workflow(built)
    ids = [s["id"] for s in steps if s.get("id", "").startswith("exercise-")]
    outcomes = [*bad, *["success"] * (len(ids) - len(bad))]
    env = {"OUTCOMES": " ".join(outcomes), "PATH": "/usr/bin:/bin"}
    ran = subprocess.run(["bash", "-e", "-c", steps[-1]["run"]], env=env, cwd=tmp_path,
                         capture_output=True, text=True, check=False)  # fmt: skip
    assert (ran.returncode == 0) == (not bad), ran.stdout + ran.stderr
    assert f"{len(bad)} of {len(ids)} exercise(s) do not pass" in ran.stdout


def test_an_exercise_without_public_tests_stops_the_build(tmp_path):
    shutil.copytree(PROJECT_ROOT / "tests", tmp_path / "tests")
    (tmp_path / "tests" / "test_pooling.py").unlink()
    with pytest.raises(release.ReleaseError, match=r"no public test for Exercise 2\.1"):
        release.write_actions_workflow(release.Release(tmp_path, PROJECT_ROOT))


# ------------------------------------------------------------------------- the leak check


def test_a_fresh_release_has_no_leaks(built, prints):
    assert leaks.check_folder(built, prints) == []


def test_fingerprints_cover_every_solution_and_hidden_suite(prints):
    origins = " ".join(prints.code.values())
    for entry in (*EXERCISES, *CAPSTONES):
        assert f"solution of {entry.name} " in origins, entry.label
    for suite in sorted(HIDDEN_SUITES.glob("*.py")):
        if suite.name != "__init__.py":
            assert f"autograder/suites/{suite.name}:" in origins, suite.name
    # hidden test names also used by a public test reveal nothing and are not fingerprints
    assert "test_max_pool2d_slide_example" not in prints.test_names
    assert len(prints.test_names) > 100


@pytest.mark.parametrize(
    "target",
    ["exercises/convolution.py", "tests/test_pooling.py", "deepgrade/feedback.py", "README.md"],
)
def test_a_planted_solution_line_is_found_with_its_file_and_line(copy, prints, target):
    module, line = _solution_line("conv2d")
    # re-indented, re-spaced and commented: still the same normalised line
    planted = "        " + line.strip().replace(" ", "  ") + "  # my own idea"
    lineno = _append(copy / target, planted)
    found = leaks.check_folder(copy, prints)
    assert [(leak.where, leak.line) for leak in found] == [(target, lineno)]
    assert f"solution of conv2d (solutions/{module}.py:" in found[0].what


def test_trivial_lines_of_a_solution_are_not_leaks(copy, prints):
    for trivial in ("    return out", "    else:", "        pass", "    )", "    ],"):
        _append(copy / "exercises" / "pooling.py", trivial)
    assert leaks.check_folder(copy, prints) == []


def test_a_planted_hidden_test_name_is_found(copy, prints):
    name, suite = sorted(prints.test_names.items())[0]
    lineno = _append(copy / "tests" / "test_activations.py", f"# like {name} in the grader")
    found = leaks.check_folder(copy, prints)
    assert [(leak.where, leak.line) for leak in found] == [("tests/test_activations.py", lineno)]
    assert found[0].what == f"hidden test {name} ({suite})"


def _npz() -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, expected=np.arange(6.0))
    return buffer.getvalue()


PLANTED = {
    "solutions/convolution.py": "x = 1\n",
    "exercises/solutions.py": "x = 1\n",
    "autograder/__init__.py": "",
    "tests/test_pooling_hidden.py": "x = 1\n",
    "datasets/mistakes_pooling.py": "x = 1\n",
    "deepgrade/capstones/calibration.json": "{}\n",
    "datasets/reference_outputs.npz": _npz(),
    "tests/expected.json": '{"conv2d": [[1, 2], [3, 4]]}\n',
    "exercises/helper.py": "from solutions import convolution\n",
}


@pytest.mark.parametrize("name", sorted(PLANTED))
def test_instructor_files_and_data_files_are_refused(copy, prints, name):
    data = PLANTED[name]
    (copy / name).parent.mkdir(parents=True, exist_ok=True)
    (copy / name).write_bytes(data if isinstance(data, bytes) else data.encode())
    found = leaks.check_folder(copy, prints)
    assert found and {leak.where for leak in found} == {name}, found


def test_a_mistake_catalogue_under_another_name_is_found_by_its_lines(copy, prints):
    shutil.copy(HIDDEN_SUITES / "mistakes_convolution.py", copy / "deepgrade" / "hints.py")
    found = leaks.check_folder(copy, prints)
    assert len(found) > 10 and {leak.where for leak in found} == {"deepgrade/hints.py"}
    assert any("imports the instructor side" in leak.what for leak in found)
    assert any("autograder/suites/mistakes_convolution.py:" in leak.what for leak in found)


def test_notebooks_are_checked_cell_by_cell_and_must_have_no_outputs(copy, prints):
    _, line = _solution_line("max_pool2d")
    notebook = {
        "cells": [
            {"cell_type": "markdown", "source": ["# Pooling\n"]},
            {"cell_type": "code", "source": ["x = 1\n", line + "\n"], "outputs": []},
            {"cell_type": "code", "source": "print(2)", "outputs": [{"text": "2"}]},
        ]
    }
    (copy / "pooling.ipynb").write_text(json.dumps(notebook))
    found = leaks.check_folder(copy, prints)
    assert [(leak.where, leak.line) for leak in found] == [
        ("pooling.ipynb (cell 2)", 2),
        ("pooling.ipynb (cell 3)", None),
    ]
    assert "solution of max_pool2d" in found[0].what and "stored outputs" in found[1].what


def test_what_a_working_copy_makes_is_not_scanned(copy, prints):
    _, line = _solution_line("relu")
    for local in (".venv/lib/site.py", "deepgrade-plots/x.png", "exercises/__pycache__/a.pyc"):
        (copy / local).parent.mkdir(parents=True, exist_ok=True)
        (copy / local).write_text(line)
    assert leaks.check_folder(copy, prints) == []


def test_the_leak_check_command_fails_loudly_naming_file_and_line(copy):
    _, line = _solution_line("lstm_cell")
    lineno = _append(copy / "exercises" / "recurrent.py", line)
    proc = subprocess.run(
        [*DEEPGRADE, "release", "--check-leaks", str(copy)],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert f"exercises/recurrent.py:{lineno}: a line of the solution of lstm_cell" in proc.stdout


# ------------------------------------------------------------------------- building


def _plant_in_pooling(found: release.Release) -> None:
    _append(found.root / "exercises" / "pooling.py", _solution_line("max_pool2d")[1])


def test_a_leaky_build_fails_and_leaves_no_release_behind(tmp_path):
    steps = list(FAST_STEPS)
    steps.insert(steps.index(release.check_leaks), _plant_in_pooling)
    with pytest.raises(leaks.LeakError, match=r"exercises/pooling\.py:\d+: a line of the solution"):
        release.build(tmp_path / "out", steps=steps)
    assert list(tmp_path.iterdir()) == []  # neither the output nor the staging folder


def test_a_non_empty_output_needs_force_and_keeps_its_git_folder(tmp_path):
    out = tmp_path / "out"
    (out / ".git").mkdir(parents=True)
    (out / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (out / "stale.py").write_text("x = 1\n")
    with pytest.raises(release.ReleaseError, match="is not empty; pass --force"):
        release.build(out, steps=FAST_STEPS)
    assert (out / "stale.py").is_file()
    release.build(out, steps=FAST_STEPS, force=True)
    assert not (out / "stale.py").exists()
    assert (out / ".git" / "HEAD").read_text() == "ref: refs/heads/main\n"
    assert (out / "exercises" / "convolution.py").is_file()


@pytest.mark.parametrize(
    ("where", "message"),
    [
        (PROJECT_ROOT, "holds the instructors' repository"),
        (PROJECT_ROOT.parent, "holds the instructors' repository"),
        (PROJECT_ROOT / "exercises" / "release", "is inside the instructors' repository"),
        (PROJECT_ROOT / "tests", "is inside the instructors' repository"),
    ],
)
def test_the_release_never_overwrites_the_instructors_repository(where, message):
    with pytest.raises(release.ReleaseError, match=message):
        release.build(where, steps=FAST_STEPS, force=True)
    assert (PROJECT_ROOT / "tests" / "test_pooling.py").is_file()


def test_the_command_refuses_a_non_empty_output_in_one_line(tmp_path):
    (tmp_path / "notes.txt").write_text("mine\n")
    proc = subprocess.run(
        [*DEEPGRADE, "release", "--output", str(tmp_path)],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert proc.returncode == 2
    assert proc.stdout.strip().splitlines() == [
        f"deepgrade: {tmp_path} is not empty; pass --force to replace its contents (a .git "
        "folder is kept)"
    ]
    assert (tmp_path / "notes.txt").read_text() == "mine\n"


def test_building_twice_gives_the_same_files(built, tmp_path):
    again = release.build(tmp_path / "again", steps=FAST_STEPS).root
    assert _files(again) == _files(built)


def test_the_leak_check_command_wants_a_release_folder(tmp_path):
    proc = subprocess.run(
        [*DEEPGRADE, "release", "--check-leaks", str(tmp_path)],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert proc.returncode == 2
    assert (
        proc.stdout.strip()
        == f"deepgrade: {tmp_path} is not a student release (it has no setup.cfg)"
    )


def test_a_release_may_be_built_under_the_repositorys_build_folder(tmp_path):
    source = tmp_path / "repo"
    release._check_output(source / "build" / "release", source, force=False)  # no error
    with pytest.raises(release.ReleaseError, match="inside the instructors' repository"):
        release._check_output(source / "notes" / "release", source, force=False)
