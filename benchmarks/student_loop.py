"""The student's loop, timed where students run it: a built release in its own venv.

Every state of the work a student checks, as the median wall time of ``--repeat`` runs
and as a ratio to ``python -c "import numpy"`` measured in the same run (the floor of any
numpy program on this machine):

- ``deepgrade check`` on the fresh stubs, partly done (the first two topics solved), with
  many mistakes (one catalogued mutant in every topic) and complete;
- one exercise: ``deepgrade check conv2d`` and ``pytest --exercise conv2d``, on the fresh
  stubs and with its topic done (then its tests run);
- a notebook: ``deepgrade check notebooks/activations.ipynb``.

Targets (issue 18): one exercise <= 0.7 s, the whole check <= 1.5 s in every state, a
notebook <= 1.5 s, on an idle 2-core machine. Run from the instructors' repository:
``python benchmarks/student_loop.py`` (builds a release and its venv in a temporary
folder, a few minutes) or ``--release DIR`` to reuse one whose ``.venv`` is installed.
``PYTHONDONTWRITEBYTECODE`` is unset for the runs, as on a student's machine (Python
then caches the compiled tests and kit after the first run).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from autograder.builders import stubs, student_readme  # noqa: E402
from autograder.paths import SOLUTIONS_DIR  # noqa: E402
from deepgrade.catalog import BY_NAME, TOPICS  # noqa: E402
from devtests.test_mutants import MUTANTS, apply  # noqa: E402

PARTLY_DONE = ("convolution", "pooling")


def _solve(exercises: Path, topics) -> None:
    """The reference modules of ``topics`` in place of the stubs."""
    for topic in topics:
        shutil.copyfile(SOLUTIONS_DIR / f"{topic}.py", exercises / f"{topic}.py")


def _stubs(exercises: Path) -> None:
    for name, text in stubs.build(SOLUTIONS_DIR).items():
        (exercises / name).write_text(text, encoding="utf-8")


def _many_mistakes(exercises: Path) -> None:
    """Every topic solved but for its first catalogued mutant."""
    _solve(exercises, TOPICS)
    done = set()
    for mutant in MUTANTS:
        topic = BY_NAME[mutant["exercise"]].module
        if topic not in done:
            apply(mutant, exercises)
            done.add(topic)


def build_release(where: Path) -> Path:
    """A release and its venv, made by the release's own quickstart install command."""
    root = where / "release"
    subprocess.run([sys.executable, "-m", "autograder", "release", "--output", str(root)],
                   check=True, capture_output=True)  # fmt: skip
    install = student_readme.INSTALL.replace("python3 -m venv", f"{sys.executable} -m venv", 1)
    subprocess.run(install, shell=True, cwd=root, check=True, capture_output=True)
    return root


def timed(command: list[str], cwd: Path, env: dict, repeat: int) -> float:
    """The median wall time of ``command`` (after one unmeasured warm-up run)."""
    times = []
    for run in range(repeat + 1):
        start = time.perf_counter()
        subprocess.run(command, cwd=cwd, env=env, capture_output=True, check=False)
        if run:
            times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--release", type=Path, help="a built release with its .venv")
    parser.add_argument("--repeat", type=int, default=5)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="deepgrade-student-loop-") as tmp:
        root = options.release.resolve() if options.release else build_release(Path(tmp))
        bin_ = root / ".venv" / "bin"
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE",)}
        env.update(PATH=f"{bin_}{os.pathsep}{env.get('PATH', '')}", COLUMNS="120")
        exercises = root / "exercises"
        check = [str(bin_ / "deepgrade"), "check"]
        states: list[tuple[str, Callable[[], None], list[str]]] = [
            ("python -c 'import numpy' (baseline)", lambda: None,
             [str(bin_ / "python"), "-c", "import numpy"]),
            ("check, fresh stubs", lambda: _stubs(exercises), check),
            ("check conv2d, fresh stubs", lambda: None, [*check, "conv2d"]),
            ("pytest --exercise conv2d, fresh stubs", lambda: None,
             [str(bin_ / "python"), "-m", "pytest", "-q", "--exercise", "conv2d"]),
            ("check notebooks/activations.ipynb", lambda: None,
             [*check, "notebooks/activations.ipynb"]),
            ("check, partly done", lambda: _solve(exercises, PARTLY_DONE), check),
            ("check conv2d, partly done (its tests run)", lambda: None, [*check, "conv2d"]),
            ("pytest --exercise conv2d, partly done", lambda: None,
             [str(bin_ / "python"), "-m", "pytest", "-q", "--exercise", "conv2d"]),
            ("check, many mistakes", lambda: _many_mistakes(exercises), check),
            ("check, complete", lambda: _solve(exercises, TOPICS), check),
        ]  # fmt: skip
        rows = []
        for name, prepare, command in states:
            prepare()
            rows.append((name, timed(command, root, env, options.repeat)))
        _stubs(exercises)
    baseline = rows[0][1]
    width = max(len(name) for name, _ in rows)
    print(f"{'state':<{width}}  median s  x import numpy")
    for name, seconds in rows:
        print(f"{name:<{width}}  {seconds:8.2f}  {seconds / baseline:13.1f}")


if __name__ == "__main__":
    main()
