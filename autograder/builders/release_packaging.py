"""The packaging files of a student release, derived from the instructors' own.

``pip install -c constraints.txt -e .`` in a release installs the student kit (``deepgrade``
with the kit's commands check/train/points), the exercises and the data loaders, with the
same dependencies, extras and pins as grading; nothing of ``solutions/`` or ``autograder/``.
"""

from __future__ import annotations

import configparser
import json
import re
import tomllib
from pathlib import Path

from autograder.builders.leaks import LOCAL_ONLY

DIST_NAME = "deepgrade-student"
PACKAGES = ("deepgrade", "deepgrade.*", "exercises", "datasets")
# in our install_requires for `deepgrade release` only (students' notebooks: the jupyter
# extra), and hypothesis for the hidden suites only: installed in a release, its pytest
# plugin would load in every plain `pytest` a student runs (half a second each)
INSTRUCTOR_TOOLS = ("build", "pyyaml", "nbformat", "jupytext", "hypothesis")
# TensorFlow and friends for `deepgrade train`; the notebook tools for the notebooks
EXTRAS = ("capstones", "jupyter")
MARKERS = ("exercise", "slow")  # the markers the public tests and the root conftest use


def _ours(source: Path) -> configparser.ConfigParser:
    config = configparser.ConfigParser(interpolation=None)
    config.read(source / "setup.cfg", encoding="utf-8")
    return config


def _lines(value: str) -> str:
    """A multi-line setup.cfg value, one entry per indented line (comments dropped)."""
    entries = [line.strip() for line in value.strip().splitlines()]
    return "".join(f"\n    {entry}" for entry in entries if entry and not entry.startswith("#"))


def _requirements(value: str) -> str:
    """Our install_requires without the instructors' and the grader's own tools."""
    kept = [
        line
        for line in value.strip().splitlines()
        if re.match(r"\s*([A-Za-z0-9._-]+)", line)[1].lower() not in INSTRUCTOR_TOOLS
    ]
    return _lines("\n".join(kept))


def python_version(source: Path) -> str:
    """The oldest Python the project supports (``python_requires = >=3.11`` -> ``3.11``)."""
    return _ours(source)["options"]["python_requires"].strip().removeprefix(">=")


def setup_cfg(source: Path) -> str:
    ours = _ours(source)
    meta, options = ours["metadata"], ours["options"]
    package_data = "".join(
        f"\n{package} = {files}"
        for package, files in ours["options.package_data"].items()
        if package.split(".")[0] in {p.split(".")[0] for p in PACKAGES}
    )
    extras = "".join(f"\n{name} ={_lines(ours['options.extras_require'][name])}" for name in EXTRAS)
    markers = [
        line
        for line in ours["tool:pytest"]["markers"].strip().splitlines()
        if line.split("(")[0].split(":")[0].strip() in MARKERS
    ]
    return f"""\
# The student release's packaging, written by `deepgrade release` from the instructors'
# setup.cfg. `pip install -c constraints.txt -e .` installs the kit (the `deepgrade`
# command: check, train, points), the exercises and the data loaders.
[metadata]
name = {DIST_NAME}
version = {meta["version"]}
description = {meta["description"]} (student release)
long_description = file: README.md
long_description_content_type = text/markdown
license = {meta["license"]}

[options]
python_requires = {options["python_requires"]}
packages = find:
install_requires ={_requirements(options["install_requires"])}

[options.packages.find]
include ={_lines(chr(10).join(PACKAGES))}

[options.package_data]{package_data}

[options.extras_require]{extras}

[options.entry_points]
console_scripts =
    deepgrade = deepgrade.cli:main

[tool:pytest]
testpaths = tests
pythonpath = .
addopts = -p no:cacheprovider --import-mode=importlib
timeout = {ours["tool:pytest"]["timeout"]}
markers ={_lines(chr(10).join(markers))}
"""


def pyproject_toml(source: Path) -> str:
    system = tomllib.loads((source / "pyproject.toml").read_text(encoding="utf-8"))
    system = system["build-system"]
    return (
        "[build-system]\n"
        f"requires = {json.dumps(system['requires'])}\n"
        f"build-backend = {json.dumps(system['build-backend'])}\n"
    )


# The sdist holds the whole release (tests, workflow, pins), so checking it checks all.
MANIFEST_IN = """\
include conftest.py constraints.txt README.md .gitignore
graft tests
graft datasets
graft .github
global-exclude __pycache__ *.py[cod]
"""

GITIGNORE = "".join(f"{pattern}/\n" for pattern in LOCAL_ONLY if pattern != ".git")
