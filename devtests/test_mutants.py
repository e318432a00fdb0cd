"""The mutant catalogue: realistic buggy submissions, graded the way a student's submission is.

Each mutant is the reference with a small patch, catalogued in
``devtests/mutants/mutants_<topic>.py`` as ``MUTANTS = [dict(...), ...]`` with keys ``id``,
``exercise``, ``old`` (text of solutions/<module>.py that occurs exactly once), ``new``
and ``diagnosis`` (words the student's feedback for that exercise must contain; ``None``
when nothing is catalogued for it); ``random=True`` marks a mutant that draws from
numpy's global random state, whose numbers (and so feedback) differ from run to run;
``elsewhere`` is the name the exercises that call the mutated one may give instead.
Every mutant is graded through the worker, and what is checked is what a student reads:
the Gradescope ``output`` of each exercise. It must

- lose points in its own exercise, and only in exercises whose code runs the mutated
  function;
- show its diagnosis in that output, and never a wrong name: a "Likely mistake" line is
  allowed only when it holds the mutant's own diagnosis;
- read exactly the same in-process (``--in-process``, for debugging) as through the worker;
- show headlines that hold: each headline's claim is re-checked on the raw output of every
  check it is drawn from (a catalogued mistake reproduces it; an observation's predicate,
  with the headline's parameters, is true of it).

Speed: a mutant changes one topic module, and a topic's suites reach only the names of
its own module and of the modules it imports (:func:`test_suites_reach_only_their_topic`),
so a mutant is graded with the suites of its topic and of the topics that import it
(backprop imports activations, gradient_descent imports backprop), not all twelve;
:func:`test_topic_suites_give_what_the_full_grading_gives` checks on one mutant per topic
that the full ``deepgrade grade``, at the isolation ``auto`` picks, gives the same output.
"""

from __future__ import annotations

import ast
import json
import runpy
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from autograder.grading.engine import grade
from autograder.grading.reports import gradescope
from autograder.paths import HIDDEN_SUITES, PUBLIC_TESTS
from deepgrade import evidence, feedback
from deepgrade.catalog import BY_NAME, EXERCISES, TOPICS
from deepgrade.evidence import agree, as_numbers, fingerprint, headline
from deepgrade.observations import holds
from devtests.commands import DEEPGRADE

PROJECT = Path(__file__).resolve().parents[1]
SOLUTIONS = PROJECT / "solutions"
LABELS = {e.label: e.name for e in EXERCISES}
# the line under "N/M checks passed" that names an exercise's mistake: inferred from the
# catalogue ("Likely mistake (...)") or observed by a check ("Mistake (...)")
INFERRED, OBSERVED = "Likely mistake (", "Mistake ("


def load_catalogue() -> list[dict]:
    mutants = []
    for path in sorted((Path(__file__).parent / "mutants").glob("mutants_*.py")):
        for mutant in runpy.run_path(str(path))["MUTANTS"]:
            mutants.append({**mutant, "source": path.name})
    return mutants


MUTANTS = load_catalogue()


def callers() -> dict[str, set[str]]:
    """For each exercise, the exercises whose reference code runs it (transitively)."""
    calls: dict[str, set[str]] = {}
    for topic in TOPICS:
        tree = ast.parse((SOLUTIONS / f"{topic}.py").read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef):
                names = {
                    n.id if isinstance(n, ast.Name) else n.attr
                    for n in ast.walk(node)
                    if isinstance(n, ast.Name | ast.Attribute)
                }
                calls[node.name] = names - {node.name}
    users: dict[str, set[str]] = {name: set() for name in calls}
    for caller, names in calls.items():
        for name in names & set(calls):
            users[name].add(caller)
    closure: dict[str, set[str]] = {}
    for name in BY_NAME:
        seen, todo = set(), [name]
        while todo:
            for user in users.get(todo.pop(), ()):
                if user not in seen:
                    seen.add(user)
                    todo.append(user)
        closure[name] = {n for n in seen if n in BY_NAME}
    return closure


CALLERS = callers()


def apply(mutant: dict, folder: Path) -> None:
    module = BY_NAME[mutant["exercise"]].module
    path = folder / f"{module}.py"
    source = path.read_text()
    assert source.count(mutant["old"]) == 1, (
        f"{mutant['id']}: 'old' must occur exactly once in solutions/{module}.py"
    )
    assert mutant["new"] != mutant["old"]
    path.write_text(source.replace(mutant["old"], mutant["new"]))


def submission(mutant: dict, root: Path) -> Path:
    folder = root / mutant["id"]
    shutil.copytree(SOLUTIONS, folder, ignore=shutil.ignore_patterns("__pycache__"))
    apply(mutant, folder)
    return folder


def imports(topic: str) -> set[str]:
    """The topic modules solutions/<topic>.py imports (relative imports, nested ones too)."""
    tree = ast.parse((SOLUTIONS / f"{topic}.py").read_text())
    found = {
        node.module
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.level > 0 and node.module in TOPICS
    }
    for module in set(found):
        found |= imports(module)
    return found


def affected(topic: str) -> list[str]:
    """The topics whose code runs ``topic``'s: itself and the topics importing it."""
    return [t for t in TOPICS if t == topic or topic in imports(t)]


def topic_suites(topic: str) -> list[Path]:
    """The suites that can reach a mutant of ``topic``."""
    return [
        suite
        for t in affected(topic)
        for suite in (PUBLIC_TESTS / f"test_{t}.py", HIDDEN_SUITES / f"test_{t}_hidden.py")
    ]


def student_view(results: dict, topic: str | None = None) -> dict[str, dict]:
    """What a student reads in a Gradescope results.json, by exercise name (of the topics
    a mutant of ``topic`` can affect)."""
    topics = TOPICS if topic is None else affected(topic)
    return {
        LABELS[test["name"]]: {k: test[k] for k in ("score", "max_score", "output")}
        for test in results["tests"]
        if BY_NAME[LABELS[test["name"]]].module in topics
    }


def scores(view: dict[str, dict]) -> dict[str, float]:
    return {name: row["score"] for name, row in view.items()}


def summary_of(output: str) -> str:
    """The exercise's named mistake (the line after 'N/M checks passed'), or ''."""
    lines = output.splitlines()
    return lines[1] if len(lines) > 1 and lines[1].startswith((INFERRED, OBSERVED)) else ""


def wrong_name(summary: str, diagnosis: str | None) -> bool:
    """A catalogued name that is not the mutant's own (an observation is never wrong)."""
    return summary.startswith(INFERRED) and (diagnosis is None or diagnosis not in summary)


def _reproduces(mistake, got, expected, rtol, atol) -> bool:
    """Whether a catalogued mistake gives ``got``: its values, or for a size rule its shape
    (not the expected one)."""
    wrong = mistake.produce()
    if wrong is None:
        return False
    if mistake.shape_only:
        return wrong.shape == np.shape(got) != np.shape(expected)
    return agree(got, wrong, rtol, atol)


def test_catalogue_is_large_and_well_formed():
    ids = [m["id"] for m in MUTANTS]
    assert len(ids) == len(set(ids)), "mutant ids must be unique"
    assert len(MUTANTS) >= 35
    for mutant in MUTANTS:
        assert mutant["exercise"] in BY_NAME, mutant["id"]
        assert set(mutant) >= {"id", "exercise", "old", "new", "diagnosis"}, mutant["id"]


class Comparisons:
    """The raw outputs of every failed comparison of a grading, by the fingerprint its
    evidence carries: what headlines are re-checked on."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.raw: dict[str, tuple] = {}
        original = evidence.compared

        def recording(got, expected, mistakes, rtol, atol, what):
            mistakes = list(mistakes)
            key = fingerprint(what, as_numbers(expected), as_numbers(got))
            self.raw[key] = (as_numbers(got), as_numbers(expected), mistakes, rtol, atol)
            return original(got, expected, mistakes, rtol, atol, what)

        # every failed comparison's evidence comes from the kit's compared() (same_padding's
        # pairs too, through the kit's check_pair)
        monkeypatch.setattr(feedback, "compared", recording)

    def check_headlines(self, report, shown: dict[str, dict]) -> int:
        """Assert that each shown headline's claim holds on every check it is drawn from;
        the number of (headline, check) pairs re-checked."""
        checked = 0
        for name, row in shown.items():
            items = [i for t in report.tests if t["exercise"] == name for i in t["evidence"]]
            line = headline(items)
            if line is None or summary_of(row["output"]) != line.text:
                continue
            assert line.tier == "found" or len(line.inputs) >= 2, line
            for key in line.inputs:
                got, expected, mistakes, rtol, atol = self.raw[key]
                if line.tier == "observed":
                    assert holds(line.name, line.claim, got, expected), (
                        f"{name}: {line.text!r} does not hold on one of its checks"
                    )
                else:
                    assert any(
                        _reproduces(m, got, expected, rtol, atol)
                        for m in mistakes
                        if m.name == line.name
                    ), f"{name}: {line.name!r} does not reproduce one of its checks"
                checked += 1
        return checked


@pytest.mark.parametrize("mutant", MUTANTS, ids=[m["id"] for m in MUTANTS])
def test_mutant_is_told_what_it_did(mutant, tmp_path, record_property, monkeypatch):
    folder = submission(mutant, tmp_path)
    topic = BY_NAME[mutant["exercise"]].module
    suites = topic_suites(topic)
    comparisons = Comparisons(monkeypatch)
    report = grade(folder, suites=suites, isolation="process")
    seen = student_view(gradescope(report), topic)
    comparisons.check_headlines(report, seen)
    debug = student_view(gradescope(grade(folder, suites=suites, mode="in-process")), topic)
    lost = {name for name, row in seen.items() if row["score"] < row["max_score"]}
    own = seen[mutant["exercise"]]["output"]
    named = summary_of(own)
    diagnosis = mutant["diagnosis"]
    record_property(
        "mutant",
        {
            "id": mutant["id"],
            "detected": mutant["exercise"] in lost,
            "catalogued": diagnosis is not None,
            "diagnosed": diagnosis is not None and diagnosis in own,
            "named": diagnosis is not None and diagnosis in named,
            "parity": seen == debug or bool(mutant.get("random") and scores(seen) == scores(debug)),
        },
    )  # summarised by conftest.py at the end of the run
    assert mutant["exercise"] in lost, f"{mutant['id']} keeps full marks in {mutant['exercise']}"
    allowed = {mutant["exercise"]} | CALLERS[mutant["exercise"]]
    assert lost <= allowed, f"{mutant['id']} also loses points in {sorted(lost - allowed)}"
    assert not wrong_name(named, diagnosis), (
        f"{mutant['id']} is told a wrong name: {named!r} (its diagnosis: {diagnosis!r})"
    )
    if diagnosis is not None:
        assert diagnosis in own, f"{mutant['id']}: the output lacks {diagnosis!r}; it says:\n{own}"
    for name in lost - {mutant["exercise"]}:  # a caller's name must be this mutant's too
        other = summary_of(seen[name]["output"])
        told = wrong_name(other, diagnosis) and wrong_name(other, mutant.get("elsewhere"))
        assert not told, f"{mutant['id']}: {name} is told {other!r}"
    if mutant.get("random"):
        assert scores(seen) == scores(debug)
    else:
        assert seen == debug, f"{mutant['id']}: in-process feedback differs from the worker's"


@pytest.mark.parametrize("implementation", ["solutions", "exercises"])
def test_no_mistake_is_named_for_the_reference_or_the_stubs(implementation):
    results = gradescope(grade(PROJECT / implementation, isolation="process"))
    for name, row in student_view(results).items():
        assert not summary_of(row["output"]), f"{implementation}: {name}: {row['output']}"
        if implementation == "solutions":
            assert row["score"] == row["max_score"], f"{name}: {row['output']}"


def _impl_names(path: Path) -> set[str]:
    """The submission's names a test file reaches: impl.<name>, with_inputs("<name>")..."""
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            if node.value.id == "impl" and node.attr != "with_inputs":
                names.add(node.attr)
        if isinstance(node, ast.Constant) and node.value in BY_NAME:
            names.add(node.value)
    return names


def _defined(topic: str) -> set[str]:
    module = ast.parse((SOLUTIONS / f"{topic}.py").read_text())
    names = {n.name for n in module.body if isinstance(n, ast.FunctionDef)}
    for node in module.body:
        targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
        names |= {t.id for t in targets if isinstance(t, ast.Name)}
    return names


@pytest.mark.parametrize("topic", TOPICS)
def test_suites_reach_only_their_topic(topic):
    """What lets a mutant be graded with the suites of the topics it can affect only."""
    reachable = set().union(*(_defined(t) for t in {topic} | imports(topic)))
    for suite in (PUBLIC_TESTS / f"test_{topic}.py", HIDDEN_SUITES / f"test_{topic}_hidden.py"):
        foreign = _impl_names(suite) - reachable
        assert not foreign, f"{suite.name} reaches {sorted(foreign)}, not in {topic}'s modules"


def _first_mutant_per_topic() -> list[dict]:
    firsts: dict[str, dict] = {}
    for mutant in MUTANTS:
        firsts.setdefault(BY_NAME[mutant["exercise"]].module, mutant)
    return list(firsts.values())


@pytest.mark.slow
@pytest.mark.parametrize("mutant", _first_mutant_per_topic(), ids=lambda m: m["id"])
def test_topic_suites_give_what_the_full_grading_gives(mutant, tmp_path):
    folder = submission(mutant, tmp_path)
    output = tmp_path / "results.json"
    cli = [*DEEPGRADE, "grade", str(folder), "--isolation", "auto", "--format", "gradescope"]
    subprocess.run([*cli, "--output", str(output)], check=True, capture_output=True, cwd=tmp_path)
    topic = BY_NAME[mutant["exercise"]].module
    full = student_view(json.loads(output.read_text()), topic)
    alone = student_view(gradescope(grade(folder, suites=topic_suites(topic))), topic)
    for name, row in alone.items():
        # `deepgrade grade` reads an upload and names the file it graded; grade() does not
        graded = f"graded: {BY_NAME[name].module}.py\n"
        mine = {**full[name], "output": full[name]["output"].removeprefix(graded)}
        assert mine == row, f"{name}: the full grading says\n{full[name]['output']}"
