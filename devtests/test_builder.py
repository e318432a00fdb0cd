"""The single-source builder: solutions/ -> exercises/."""

from __future__ import annotations

import textwrap

import pytest

from autograder.builders import stubs

MARKERS = (stubs.BEGIN, stubs.END)

GOOD = textwrap.dedent(
    '''
    import numpy as np


    def helper(x):
        return x


    def relu(x):
        """ReLU."""
        x = np.asarray(x)
        ### BEGIN SOLUTION
        return np.maximum(x, 0)
        ### END SOLUTION
    '''
)


def test_exercises_folder_matches_what_the_builder_writes():
    changed = stubs.drift()
    assert changed == [], (
        f"exercises/ drifted from solutions/ in {changed}: run `deepgrade build-exercises`"
    )


def test_regions_are_found_with_their_function():
    regions = stubs.find_regions(GOOD)
    assert [(r.function, r.begin, r.end) for r in regions] == [("relu", 12, 14)]


def test_a_topic_missing_one_of_its_exercises_is_refused():
    # GOOD holds relu only; the activations topic also has sigmoid and softmax.
    with pytest.raises(stubs.BuildError, match="no solution region for sigmoid, softmax"):
        stubs.stub_source(GOOD, "activations")


def test_stub_text_keeps_everything_outside_the_region(monkeypatch):
    monkeypatch.setattr(stubs, "in_module", lambda module: [stubs.BY_NAME["relu"]])
    out = stubs.stub_source(GOOD, "activations")
    assert "np.maximum" not in out and "BEGIN SOLUTION" not in out
    assert (
        '    raise NotImplementedError(\n        "Exercise 3.1 (relu) is not implemented yet' in out
    )
    assert "def helper(x):\n    return x" in out
    assert '"""ReLU."""\n    x = np.asarray(x)\n    raise' in out
    compile(out, "stub.py", "exec")


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("def relu(x):\n    ### BEGIN SOLUTION\n    return x\n", "never closed"),
        ("def relu(x):\n    return x\n    ### END SOLUTION\n", "without a"),
        (
            "def relu(x):\n    ### BEGIN SOLUTION\n    ### BEGIN SOLUTION\n    return x\n"
            "    ### END SOLUTION\n",
            "inside the region",
        ),
        ("### BEGIN SOLUTION\nx = 1\n### END SOLUTION\n", "outside any function"),
        (
            "def relu(x):\n    ### BEGIN SOLUTION\n    return x\n  ### END SOLUTION\n",
            "indented differently",
        ),
        ("def relu(x):\n    return x  ### BEGIN SOLUTION\n", "alone on its line"),
    ],
)
def test_malformed_markers_are_refused(source, message):
    with pytest.raises(stubs.BuildError, match=message):
        stubs.find_regions(source)


def test_region_in_a_function_that_is_not_an_exercise_is_refused():
    source = "def helper(x):\n    ### BEGIN SOLUTION\n    return x\n    ### END SOLUTION\n"
    with pytest.raises(stubs.BuildError, match="helper has a solution region but is not"):
        stubs.stub_source(source, "activations")


def test_two_regions_in_one_exercise_are_refused(monkeypatch):
    monkeypatch.setattr(stubs, "in_module", lambda module: [stubs.BY_NAME["relu"]])
    body = "    ### BEGIN SOLUTION\n    y = x\n    ### END SOLUTION\n"
    with pytest.raises(stubs.BuildError, match="second solution region"):
        stubs.stub_source("def relu(x):\n" + body + body, "activations")


def test_write_creates_and_then_reports_nothing_to_do(tmp_path):
    out = tmp_path / "exercises"
    written = stubs.write(out)
    assert "convolution.py" in written and "__init__.py" in written
    assert stubs.drift(out) == []
    (out / "stale.py").write_text("x = 1\n")
    (out / "pooling.py").write_text("# edited by hand\n")
    assert stubs.drift(out) == ["pooling.py", "stale.py"]
    assert stubs.write(out) == ["pooling.py", "stale.py"]
    assert not (out / "stale.py").exists() and stubs.drift(out) == []


def test_every_exercise_has_a_stub_raising_not_implemented():
    import importlib

    from deepgrade.catalog import EXERCISES

    for entry in EXERCISES:
        module = importlib.import_module(f"exercises.{entry.module}")
        source = (stubs.EXERCISES_DIR / f"{entry.module}.py").read_text()
        assert callable(getattr(module, entry.name)), entry.label
        assert (
            f'raise NotImplementedError(\n        "{entry.label} is not implemented yet' in source
        )
    for path in stubs.EXERCISES_DIR.glob("*.py"):
        assert "SOLUTION" not in path.read_text(), f"{path.name} leaks a solution marker"


def test_restoring_the_solutions_undoes_the_stubs():
    for path in sorted(stubs.SOLUTIONS_DIR.glob("*.py")):
        solution = path.read_text(encoding="utf-8")
        if not stubs.find_regions(solution):
            continue
        stub = stubs.stub_source(solution, path.stem)
        restored = stubs.restore_solutions(stub, solution, path.name)
        without_markers = "".join(
            line for line in solution.splitlines(keepends=True) if line.strip() not in MARKERS
        )
        assert restored == without_markers, path.name


def test_restoring_only_some_exercises_leaves_the_other_stubs():
    solution = (stubs.SOLUTIONS_DIR / "activations.py").read_text(encoding="utf-8")
    stub = stubs.stub_source(solution, "activations")
    restored = stubs.restore_solutions(stub, solution, only={"relu"})
    assert "np.maximum(x, 0.0)" in restored
    assert "Exercise 3.1 (relu) is not implemented" not in restored
    assert "Exercise 3.2 (sigmoid) is not implemented" in restored
    assert "Exercise 3.3 (softmax) is not implemented" in restored


def test_restoring_into_a_file_without_the_stub_block_is_refused():
    solution = (stubs.SOLUTIONS_DIR / "activations.py").read_text(encoding="utf-8")
    with pytest.raises(stubs.BuildError, match="no single stub block for relu"):
        stubs.restore_solutions(solution, solution, "activations.py")
