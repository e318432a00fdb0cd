"""A missing optional dependency is one line naming the extra that brings it.

Which extra holds which package is read from the installed project's metadata, so the
same line is right in the instructors' repository and in a student release. The slow
tests run every command that needs an extra in a fresh venv with the core install only
(the Quickstart's), and the release there, which needs none.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.paths import SOLUTIONS_DIR
from deepgrade import extras
from deepgrade.cli import Command, main


@pytest.mark.parametrize(
    ("module", "extra"),
    [
        ("nbgrader.preprocessors", "notebooks"),
        ("nbconvert", "notebooks"),
        ("nbclient", "jupyter"),
        ("sklearn", "capstones"),
        ("statsmodels.api", "capstones"),
        ("keras", "tf"),  # the smallest extra that brings it
        ("distributed", "cluster"),
        ("dask", "cluster"),
    ],
)
def test_each_optional_package_maps_to_its_smallest_extra(module, extra):
    assert extras.extra_for(module) == extra


def test_a_module_of_no_extra_is_not_explained():
    assert extras.extra_for("no_such_package_here") is None
    assert extras.explain(ModuleNotFoundError("x", name="no_such_package_here"), "it") is None


def raising(name: str) -> Command:
    def run(args, console) -> int:
        raise ModuleNotFoundError(f"No module named {name!r}", name=name)

    return Command("build-thing", "a command whose extra is missing", lambda p: None, run)


def test_main_turns_a_missing_module_into_one_line_and_exit_code_2(capsys):
    assert main(["build-thing"], [raising("nbgrader.converters")]) == 2
    out = capsys.readouterr()
    lines = (out.out + out.err).strip().splitlines()
    assert lines == [
        "deepgrade build-thing needs nbgrader, from the 'notebooks' extra, which is not "
        "installed here: pip install -c constraints.txt -e '.[notebooks]' (in the project's "
        "folder)"
    ]


def test_main_lets_an_unknown_missing_module_through_with_its_traceback():
    with pytest.raises(ModuleNotFoundError):
        main(["build-thing"], [raising("no_such_package_here")])


def test_require_names_every_missing_module():
    extras.require("capstones", "x", ("numpy",))  # present: nothing happens
    with pytest.raises(extras.MissingExtra) as info:
        extras.require("capstones", "grading the capstones", ("numpy", "nope_a", "nope_b"))
    assert str(info.value).startswith("grading the capstones needs nope_a, nope_b, from the "
                                      "'capstones' extra")  # fmt: skip
    assert "pip install -c constraints.txt -e '.[capstones]'" in str(info.value)


# ------------------------------------------------------------ a venv without any extra


def run(venv: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    return subprocess.run([str(venv / "bin" / "deepgrade"), *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=1800, check=False)  # fmt: skip


@pytest.mark.slow
@pytest.mark.parametrize(
    ("args", "extra"),
    [
        (["grade-capstones", str(SOLUTIONS_DIR)], "capstones"),
        (["train", "digits"], "capstones"),
        (["grade-batch", ".", "--output-dir", "out", "--scheduler", "tcp://127.0.0.1:9"],
         "cluster"),
    ],
)  # fmt: skip
def test_a_command_whose_extra_is_missing_says_which_in_one_line(core_venv, tmp_path, args, extra):
    (tmp_path / "alice").mkdir()
    proc = run(core_venv, *args, cwd=tmp_path)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    lines = (proc.stdout + proc.stderr).strip().splitlines()
    assert len(lines) == 1, lines
    assert f"pip install -c constraints.txt -e '.[{extra}]'" in lines[0]
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
def test_the_quickstart_install_builds_the_release_and_the_notebooks(core_venv, tmp_path):
    built = run(core_venv, "release", "--output", str(tmp_path / "release"), cwd=tmp_path)
    assert built.returncode == 0, built.stdout + built.stderr
    assert (tmp_path / "release" / "notebooks" / "activations.ipynb").is_file()
    for command in (["build-notebooks", "--output", "nb"], ["build-nbgrader", "--course", "c"]):
        proc = run(core_venv, *command, cwd=tmp_path)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert proc.stdout.startswith("wrote ")


def test_check_of_a_notebook_needs_no_jupyter_extra(monkeypatch, capsys, tmp_path):
    """A student release installed without '.[jupyter]' still checks its notebooks: an
    .ipynb is read as JSON, so neither jupytext nor nbformat is imported."""
    from autograder.builders import nbgrader

    notebook = tmp_path / "activations.ipynb"
    notebook.write_text(nbgrader.student_files()["activations.ipynb"], encoding="utf-8")
    for name in ("jupytext", "nbformat"):
        monkeypatch.setitem(sys.modules, name, None)  # any import of them fails
    assert main(["check", str(notebook)]) == 1  # the stubs fail their checks
    out = capsys.readouterr()
    assert "not implemented yet" in out.out
    assert "extra" not in out.out + out.err
