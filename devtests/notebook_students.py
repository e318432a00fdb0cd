"""Students who work in notebooks, for the nbgrader tests and the benchmark.

A notebook student starts from a released notebook and writes code into its answer
cells; :func:`from_module` does that with the functions of a topic module (the
reference, a mutant, a corpus submission), so the same code can be graded as notebooks
and as modules. The module's other top-level code (imports, helpers, statements) goes
into one cell the student adds after the setup cell.
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from pathlib import Path

from autograder.builders.nbgrader import split_module
from deepgrade.notebooks import ANSWER_PREFIX, SETUP, grade_id, to_notebook_imports

PROJECT = Path(__file__).resolve().parents[1]


def from_module(released: dict, module_source: str, topic: str) -> dict:
    """The released notebook with the module's functions in its answer cells."""
    notebook = copy.deepcopy(released)
    _, pieces = split_module(module_source, topic)
    functions = {p.name: p.text for p in pieces if p.kind == "exercise"}
    others = [  # the setup cell has the __future__ import, which must come first in a module
        "\n".join(x for x in p.text.splitlines() if not x.startswith("from __future__"))
        for p in pieces
        if p.kind != "exercise"
    ]
    for cell in notebook["cells"]:
        name = grade_id(cell).removeprefix(ANSWER_PREFIX)
        if grade_id(cell).startswith(ANSWER_PREFIX) and name in functions:
            cell["source"] = to_notebook_imports(functions[name])
    added = {
        "cell_type": "code",
        "execution_count": None,
        "id": "student-code",
        "metadata": {},
        "outputs": [],
        "source": to_notebook_imports("\n\n\n".join(others)),
    }
    at = next(i for i, c in enumerate(notebook["cells"]) if grade_id(c) == SETUP)
    notebook["cells"].insert(at + 1, added)
    return notebook


def mutant_source(topic: str, mutant_id: str) -> str:
    """``solutions/<topic>.py`` with one catalogued mutant's patch applied."""
    import importlib

    mutants = importlib.import_module(f"devtests.mutants.mutants_{topic}").MUTANTS
    mutant = next(m for m in mutants if m["id"] == mutant_id)
    source = (PROJECT / "solutions" / f"{topic}.py").read_text(encoding="utf-8")
    assert mutant["old"] in source, f"{mutant_id}: its patch no longer applies"
    return source.replace(mutant["old"], mutant["new"], 1)


def read(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def write(path: Path, notebook: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(notebook, indent=1), encoding="utf-8")


def nbgrader(course: Path, *args: str) -> subprocess.CompletedProcess:
    """nbgrader of this environment (its Gradebook runs ``alembic`` from PATH)."""
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    proc = subprocess.run(
        [sys.executable, "-m", "nbgrader", *args],
        cwd=course, env=env, capture_output=True, text=True, timeout=900, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, f"nbgrader {' '.join(args)}:\n{proc.stdout}\n{proc.stderr}"
    return proc


def gradebook_scores(course: Path, assignment: str, students, exercises) -> dict:
    """``{student: {exercise: autograded score}}`` from nbgrader's gradebook."""
    from nbgrader.api import Gradebook

    scores: dict[str, dict[str, float]] = {}
    path = os.environ["PATH"]
    os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{path}"  # alembic
    try:
        with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
            for student in students:
                scores[student] = {
                    e.name: gb.find_grade(f"test_{e.name}", e.module, assignment, student).score
                    for e in exercises
                }
    finally:
        os.environ["PATH"] = path
    return scores
