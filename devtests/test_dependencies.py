"""A failing exercise that calls another failing exercise says so: fix that one first.

The calls are read from the submission's source (``deepgrade.dependencies``), so the line
is the same through the worker, in-process and in ``deepgrade check``; graded here the way
grading grades (the worker at the level ``auto`` picks, the public and hidden suites).
"""

from __future__ import annotations

import shutil

import pytest

from autograder.grading.engine import grade
from autograder.grading.reports import gradescope
from autograder.paths import HIDDEN_SUITES, PUBLIC_TESTS, SOLUTIONS_DIR
from deepgrade.catalog import BY_NAME
from deepgrade.dependencies import exercise_calls

BACKPROP = [PUBLIC_TESTS / "test_activations.py", PUBLIC_TESTS / "test_backprop.py",
            HIDDEN_SUITES / "test_activations_hidden.py",
            HIDDEN_SUITES / "test_backprop_hidden.py"]  # fmt: skip


def test_the_calls_are_read_from_the_source_through_helpers(tmp_path):
    calls = exercise_calls(SOLUTIONS_DIR)
    assert {"relu", "dense_forward", "softmax_cross_entropy"} <= calls["digit_network"]
    assert {"digit_network", "sgd_step", "minibatches"} <= calls["train_digit_network"]
    assert calls["relu"] == set()
    (tmp_path / "backprop.py").write_text(
        "from .activations import relu\n\n\ndef _hidden(x):\n    return relu(x)\n\n\n"
        "def dense_forward(x, w, b):\n    return _hidden(x @ w + b)\n"
    )
    (tmp_path / "activations.py").write_text("def relu(x):\n    return x\n\ndef sigmoid(:\n")
    assert exercise_calls(tmp_path)["dense_forward"] == {"relu"}  # through the helper


@pytest.fixture(scope="module")
def leaky_relu(tmp_path_factory):
    folder = tmp_path_factory.mktemp("leaky") / "student"
    shutil.copytree(SOLUTIONS_DIR, folder, ignore=shutil.ignore_patterns("__pycache__"))
    path = folder / "activations.py"
    source = path.read_text()
    assert source.count("    return np.maximum(x, 0.0)\n") == 1
    path.write_text(source.replace("    return np.maximum(x, 0.0)\n",
                                   "    return np.where(x > 0, x, 0.01 * x)\n"))  # fmt: skip
    return grade(folder, suites=BACKPROP, isolation="auto")


def test_a_caller_of_a_failing_exercise_names_it_first(leaky_relu):
    tests = {t["name"]: t for t in gradescope(leaky_relu)["tests"]}
    network = tests[BY_NAME["digit_network"].label]
    assert network["score"] < network["max_score"]
    second = network["output"].splitlines()[1]  # right under "k/n checks passed"
    assert second.startswith("Likely cause: digit_network calls your relu (Exercise 3.1)"), second
    relu = tests[BY_NAME["relu"].label]["output"].splitlines()[1]
    assert relu.startswith("Likely mistake (leaky ReLU)"), relu  # its own name, not a cause


def test_passing_exercises_and_the_reference_get_no_cause(leaky_relu):
    for test in gradescope(leaky_relu)["tests"]:
        if test["score"] == test["max_score"]:
            assert "Likely cause" not in test["output"], test["name"]
    reference = grade(SOLUTIONS_DIR, suites=BACKPROP, mode="in-process")
    assert not any("Likely cause" in t["output"] for t in gradescope(reference)["tests"])
