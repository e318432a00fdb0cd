"""The student release end to end, as a course uses it (slow: fresh venvs, built packages).

The main story is one test, so that it builds and installs one release (a module fixture
would be built again by every xdist worker that runs one of its tests): the release is
built with the real command (its leak check of the folder, sdist and wheel included),
installed in a fresh venv by the README's own quickstart command, checked at 0 points,
completed with the reference regions (pasted back by the builder's own markers) and
checked at full points; then a partly solved copy is run through the Actions
workflow's steps (each exercise's, the points table, the verdict) and compared with
``deepgrade check``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml

from autograder.builders import actions_workflow, leaks, release, stubs, student_readme
from autograder.paths import HIDDEN_SUITES, PROJECT_ROOT, SOLUTIONS_DIR
from deepgrade.catalog import ALL_TOPICS, BY_NAME, EXERCISES, TOTAL_POINTS
from deepgrade.check import run_public_tests
from deepgrade.cli import points_markdown
from devtests.commands import DEEPGRADE

pytestmark = pytest.mark.slow

FAST_STEPS = tuple(step for step in release.STEPS if step is not release.check_packages)
# `deepgrade check`'s table, one row per exercise when the terminal is wide enough
ROW = re.compile(
    r"│ (?P<label>Exercise \S+ \((?P<name>\w+)\))\s*│\s*(?P<passed>\d+)/(?P<total>\d+)\s*│"
    r"\s*(?P<score>[\d.]+)/(?P<points>\d+)\s*│\s*(?P<headline>[^│]*?)\s*│"
)


def _env(venv: Path | None = None) -> dict[str, str]:
    """This environment's variables, wide enough for the check table, without our venv."""
    env = {k: v for k, v in os.environ.items() if k not in {"VIRTUAL_ENV", "PYTHONPATH"}}
    env.pop("DEEPGRADE_IMPL", None)
    env["COLUMNS"] = "250"
    if venv is not None:
        env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    return env


def _run(cmd, cwd: Path | None = None, env=None, timeout: float = 900):
    shell = isinstance(cmd, str)
    return subprocess.run(
        cmd, cwd=cwd, env=env or _env(), shell=shell, executable="/bin/bash" if shell else None,
        capture_output=True, text=True, timeout=timeout, check=False,
    )  # fmt: skip


def _table(output: str) -> dict[str, dict]:
    rows = {m["name"]: m.groupdict() for m in ROW.finditer(output)}
    assert list(rows) == [e.name for e in EXERCISES], output[-3000:]
    return rows


def _quickstart(root: Path) -> list[str]:
    readme = (root / "README.md").read_text(encoding="utf-8")
    block = readme.split("## Quickstart", 1)[1].split("```bash", 1)[1].split("```", 1)[0]
    commands = [line for line in block.splitlines() if line and not line.startswith("#")]
    assert commands == list(student_readme.QUICKSTART)
    # the venv is made by the interpreter under test, not by whatever python3 PATH finds
    return [c.replace("python3 -m venv", f"{sys.executable} -m venv", 1) for c in commands]


def _paste_references(root: Path, only: dict[str, set[str]] | None = None, edit=None) -> None:
    """The reference regions back into the release's stubs (all, or ``only`` some)."""
    for module in ALL_TOPICS:
        target = root / "exercises" / f"{module}.py"
        solution = (SOLUTIONS_DIR / f"{module}.py").read_text(encoding="utf-8")
        if edit:
            solution = edit(module, solution)
        names = None if only is None else only.get(module, set())
        stub = target.read_text(encoding="utf-8")
        target.write_text(stubs.restore_solutions(stub, solution, target.name, names))


def _naive_sigmoid(module: str, solution: str) -> str:
    """sigmoid as 1 / (1 + exp(-x)): right values, but it overflows at x = -1000."""
    if module != "activations":
        return solution
    stable = re.search(r"    e = np\.exp\(-np\.abs\(x\)\).*\n    return np\.where\(.*\n", solution)
    assert stable, "the reference sigmoid changed: update this test's naive version"
    return solution.replace(stable[0], "    return 1.0 / (1.0 + np.exp(-x))\n")


def test_a_release_installs_with_its_own_command_and_scores_0_then_100(tmp_path):
    root = tmp_path / "release"
    built = _run([*DEEPGRADE, "release", "--output", str(root)])
    assert built.returncode == 0, built.stdout + built.stderr
    assert "its sdist and wheel are clean" in built.stdout

    # a fresh venv, installed by the release's own quickstart command: all "not implemented"
    install_and_check, install_and_test = _quickstart(root)
    fresh = _run(install_and_check, cwd=root)
    venv = root / ".venv"
    assert fresh.returncode == 1, fresh.stdout[-3000:] + fresh.stderr[-3000:]
    for row in _table(fresh.stdout).values():
        assert row["passed"] == "0" and row["score"] == "0.0", row
        assert row["headline"] == "not implemented yet", row
    assert re.search(rf"│ total\s*│\s*│ 0\.0/{TOTAL_POINTS} │", fresh.stdout)

    # only the kit's commands, nothing of the instructor side in the venv
    usage = _run([str(venv / "bin" / "deepgrade"), "--help"], env=_env(venv))
    assert re.findall(r"^    (\w+) ", usage.stdout, re.M) == ["check", "train", "points"]
    points = _run([str(venv / "bin" / "deepgrade"), "points"], env=_env(venv))
    assert points.stdout.strip() == points_markdown()
    reference = _run([str(venv / "bin" / "deepgrade"), "check", "solutions"], root, _env(venv))
    assert reference.returncode == 2 and "there is no 'solutions' package here" in reference.stdout
    for package in ("solutions", "autograder"):
        probe = _run([str(venv / "bin" / "python"), "-c", f"import {package}"], cwd=tmp_path)
        assert probe.returncode != 0 and "ModuleNotFoundError" in probe.stderr, package

    # the release's second command: its tests, every one failing on the stubs
    tests = _run(install_and_test, cwd=root)
    assert tests.returncode == 1
    assert re.search(rf"\b{len(run_public_tests('exercises'))} failed\b", tests.stdout)
    assert " passed" not in tests.stdout.splitlines()[-1]

    # the reference regions pasted back by the builder's markers: full points
    _paste_references(root)
    solved = _run([str(venv / "bin" / "deepgrade"), "check"], cwd=root, env=_env(venv))
    assert solved.returncode == 0, solved.stdout[-3000:]
    for row in _table(solved.stdout).values():
        assert row["passed"] == row["total"] and row["score"] == f"{int(row['points'])}.0", row
    assert re.search(rf"│ total\s*│\s*│ {TOTAL_POINTS}\.0/{TOTAL_POINTS} │", solved.stdout)

    # a partly solved copy: the workflow's steps against `deepgrade check`
    (root / "exercises" / "activations.py").write_text(stubs.build()["activations.py"])
    _paste_references(root, only={"activations": {"relu", "sigmoid"}}, edit=_naive_sigmoid)
    mixed = _table(
        _run([str(venv / "bin" / "deepgrade"), "check"], cwd=root, env=_env(venv)).stdout
    )
    flow = yaml.safe_load((root / actions_workflow.PATH).read_text(encoding="utf-8"))
    steps = flow["jobs"][actions_workflow.JOB]["steps"]
    graded = [s for s in steps if s.get("id", "").startswith("exercise-")]
    assert len(graded) == len(EXERCISES)
    workflow_points, outcomes = 0, {}
    for step in graded:
        name = step["run"].rsplit(" ", 1)[1]
        ran = _run(step["run"], cwd=root, env=_env(venv))
        assert ran.returncode in (0, 1), ran.stdout[-2000:] + ran.stderr[-2000:]
        row, passed = mixed[name], ran.returncode == 0
        outcomes[step["id"]] = "success" if passed else "failure"
        assert passed == (row["passed"] == row["total"]), (name, row, ran.stdout[-1500:])
        assert step["name"] == f"{BY_NAME[name].label} ({int(row['points'])} points)"
        if passed:
            assert float(row["score"]) == BY_NAME[name].points
            workflow_points += BY_NAME[name].points
    # the summary step: deepgrade check's table in the job summary, as Actions shows it
    summary_file = root.parent / "step-summary.md"
    summary, verdict = steps[-2:]
    env = {**_env(venv), "GITHUB_STEP_SUMMARY": str(summary_file)}
    assert _run(summary["run"], cwd=root, env=env).returncode == 0
    page = summary_file.read_text(encoding="utf-8")
    assert f"out of {TOTAL_POINTS}" in page and page.count("```") == 2
    points = lambda table: {n: (r["passed"], r["total"], r["score"]) for n, r in table.items()}  # noqa: E731
    assert points(_table(page)) == points(mixed)
    # the verdict: red, since sigmoid and softmax fail their public tests
    expanded = verdict["env"]["OUTCOMES"]
    for step_id, outcome in outcomes.items():
        expanded = expanded.replace(f"${{{{ steps.{step_id}.outcome }}}}", outcome)
    ran = _run(verdict["run"], cwd=root, env={**_env(venv), "OUTCOMES": expanded})
    assert ran.returncode == 1 and f"2 of {len(EXERCISES)} exercise(s)" in ran.stdout
    # relu solved, sigmoid partly (check shares its points, the step gives none), softmax not
    assert mixed["relu"]["passed"] == mixed["relu"]["total"]
    assert 0 < float(mixed["sigmoid"]["score"]) < 3 and mixed["softmax"]["score"] == "0.0"
    assert workflow_points == TOTAL_POINTS - BY_NAME["sigmoid"].points - BY_NAME["softmax"].points


def _pip_wheel(project: Path, out: Path) -> tuple[list[str], str]:
    """``pip wheel`` of a project: the wheel's file names and its entry_points.txt."""
    made = _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out),
                 str(project)])  # fmt: skip
    assert made.returncode == 0, made.stdout[-2000:] + made.stderr[-2000:]
    (wheel,) = out.glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
        return names, archive.read(entry_points).decode()


def test_the_instructors_wheel_still_holds_everything(tmp_path):
    # pip builds in the source tree: build a copy, so the repository stays as it is
    copy = Path(shutil.copytree(PROJECT_ROOT, tmp_path / "repo",
                                ignore=shutil.ignore_patterns(*leaks.LOCAL_ONLY)))  # fmt: skip
    names, entry_points = _pip_wheel(copy, tmp_path / "dist")
    for suite in sorted(HIDDEN_SUITES.glob("*.py")):
        assert f"autograder/suites/{suite.name}" in names
    for path in sorted(SOLUTIONS_DIR.glob("*.py")):
        assert f"solutions/{path.name}" in names
    for kit in ("deepgrade/cli.py", "deepgrade/capstones/train.py",
                "deepgrade/capstones/settings.json", "autograder/capstones/calibration.json",
                "autograder/builders/release.py", "exercises/convolution.py",
                "datasets/datasheets/digits.md"):  # fmt: skip
        assert kit in names, kit
    assert "deepgrade = autograder.cli:main" in entry_points


def test_the_releases_wheel_holds_no_solutions_or_hidden_suites(tmp_path):
    root = release.build(tmp_path / "release", steps=FAST_STEPS).root
    names, entry_points = _pip_wheel(root, tmp_path / "dist")
    tops = {name.split("/")[0] for name in names if ".dist-info/" not in name}
    assert tops == {"deepgrade", "exercises", "datasets"}
    assert not [n for n in names if "solutions" in n or "autograder" in n or "hidden" in n]
    assert not [n for n in names if "mistakes_" in n]
    for kit in ("deepgrade/cli.py", "deepgrade/pytest_plugin.py", "deepgrade/capstones/train.py",
                "deepgrade/capstones/settings.json", "exercises/convolution.py",
                "exercises/_validate.py", "datasets/datasheets/digits.md"):  # fmt: skip
        assert kit in names, kit
    assert "deepgrade = deepgrade.cli:main" in entry_points


def test_the_leak_check_reads_the_releases_sdist_and_wheel(tmp_path):
    root = release.build(tmp_path / "release", steps=FAST_STEPS).root
    clean = _run([*DEEPGRADE, "release", "--check-leaks", str(root)])
    assert (
        clean.returncode == 0 and "no leaks in the folder, its sdist or its wheel" in clean.stdout
    )

    solution = (SOLUTIONS_DIR / "convolution.py").read_text(encoding="utf-8")
    prints = leaks.Fingerprints.of()
    line = next(line for line in solution.splitlines() if leaks.normalise(line) in prints.code)
    target = root / "exercises" / "convolution.py"
    lineno = len(target.read_text().splitlines()) + 1
    target.write_text(target.read_text() + line + "\n")
    name = sorted(prints.test_names)[-1]
    test_file = root / "tests" / "test_pooling.py"
    test_file.write_text(test_file.read_text() + f"# {name}\n")

    found = {(leak.where, leak.line) for leak in leaks.check_packages(root, prints)}
    dist = f"deepgrade_student-{_version(root)}"
    assert (f"{dist}.tar.gz!{dist}/exercises/convolution.py", lineno) in found
    assert (f"{dist}-py3-none-any.whl!exercises/convolution.py", lineno) in found
    assert any(where == f"{dist}.tar.gz!{dist}/tests/test_pooling.py" for where, _ in found)


def _version(root: Path) -> str:
    return re.search(r"^version = (\S+)$", (root / "setup.cfg").read_text(), re.M)[1]
