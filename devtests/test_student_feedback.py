"""What a student reads in a graded report, produced the way grading produces it.

The exercise's named mistake comes first, raw errors from the student's own line come
with a hint, the numpy version is in every report, the texts are the same through the
worker and in-process, and grading leaves nothing behind. (The mutant catalogue,
devtests/test_mutants.py, checks the names on 240 realistic mistakes.)
"""

from __future__ import annotations

import importlib
import json
import shutil
import subprocess

import numpy as np
import pytest

from autograder.grading.engine import grade
from autograder.grading.reports import MAX_FEEDBACK_LINES, gradescope, junit, summary
from autograder.paths import PROJECT_ROOT
from deepgrade.catalog import BY_NAME
from devtests.commands import DEEPGRADE

SOLUTIONS = PROJECT_ROOT / "solutions"
ACTIVATIONS = [PROJECT_ROOT / "tests" / "test_activations.py",
               PROJECT_ROOT / "autograder" / "suites" / "test_activations_hidden.py"]  # fmt: skip


def submission(tmp_path, old: str, new: str, module: str = "activations"):
    folder = tmp_path / "student"
    shutil.copytree(SOLUTIONS, folder, ignore=shutil.ignore_patterns("__pycache__"))
    path = folder / f"{module}.py"
    source = path.read_text()
    assert source.count(old) == 1
    path.write_text(source.replace(old, new))
    return folder


def outputs(report) -> dict[str, str]:
    return {t["name"]: t["output"] for t in gradescope(report)["tests"]}


@pytest.fixture(scope="module")
def builtin_max(tmp_path_factory):
    """relu written with Python's max: numpy's 'truth value ... is ambiguous'."""
    folder = submission(
        tmp_path_factory.mktemp("max"),
        "    return np.maximum(x, 0.0)\n",
        "    return max(x, 0.0)\n",
    )
    return {mode: grade(folder, suites=ACTIVATIONS, mode=mode) for mode in ("worker", "in-process")}


def test_a_raw_numpy_error_names_the_line_the_call_and_what_it_means(builtin_max):
    text = outputs(builtin_max["worker"])[BY_NAME["relu"].label]
    first = text.split("\n\n")[1].splitlines()
    assert first[0].startswith("test_relu_slide_edge_map: ValueError: The truth value of an array")
    assert first[1].startswith("raised by your code at activations.py line ")
    assert first[1].endswith("in relu: return max(x, 0.0)")
    assert first[2].startswith("the call: relu(x array (5, 5)); the docstring: x: ")
    assert "np.maximum(a, b)" in first[3]
    assert len(first) <= MAX_FEEDBACK_LINES


def test_the_same_words_in_process_and_through_the_worker(builtin_max):
    assert outputs(builtin_max["worker"]) == outputs(builtin_max["in-process"])


def test_the_named_mistake_comes_first_then_the_failed_checks(tmp_path):
    folder = submission(
        tmp_path,
        "    return np.maximum(x, 0.0)\n",
        "    return np.where(x > 0, x, 0.01 * x)\n",  # a leaky ReLU
    )
    text = outputs(grade(folder, suites=ACTIVATIONS))[BY_NAME["relu"].label]
    head, named, *checks = text.split("\n")[:3]
    assert head.endswith("checks passed")
    assert named.startswith("Likely mistake (leaky ReLU): your output is 0.01 x for negative x")
    assert text.index("test_relu_slide_edge_map:") > text.index("Likely mistake")


def test_every_report_says_which_numpy_graded_it():
    for mode in ("worker", "in-process"):
        report = grade(SOLUTIONS, suites=ACTIVATIONS[:1], mode=mode)
        assert report.numpy == np.__version__
        assert f"numpy {np.__version__}" in summary(report).splitlines()[1]
        assert f"numpy {np.__version__}" in gradescope(report)["output"]
        assert f'<property name="numpy" value="{np.__version__}"' in junit(report)


def test_grading_leaves_nothing_behind_in_the_working_directory(tmp_path):
    where = tmp_path / "cwd"
    where.mkdir()
    command = [*DEEPGRADE, "grade", str(SOLUTIONS), "--format", "gradescope"]
    subprocess.run([*command, "--output", "results.json"], cwd=where, check=True,
                   capture_output=True, timeout=600)  # fmt: skip
    assert sorted(p.name for p in where.iterdir()) == ["results.json"]  # no .hypothesis/
    assert json.loads((where / "results.json").read_text())["score"] == 100


def test_hidden_examples_do_not_depend_on_the_modules_loaded(tmp_path, monkeypatch):
    """hypothesis draws examples from the literals of loaded 'local' modules; the hidden
    suites switch that off, so a submission's own source cannot steer them."""
    from hypothesis import given
    from hypothesis import strategies as st

    from autograder.suites.support import DETERMINISTIC

    def examples() -> list:
        seen = []

        @DETERMINISTIC
        @given(st.integers(0, 10**6), st.floats(-1e6, 1e6))
        def search(n, x):
            seen.append((n, x))

        search()
        return seen

    before = examples()
    literals = ", ".join(str(v) for v in range(424242, 424342))
    (tmp_path / "steering.py").write_text(f"VALUES = [{literals}, 31337.25]\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.import_module("steering")
    assert examples() == before


def test_check_warns_when_the_numpy_differs_from_the_graders(tmp_path, monkeypatch, capsys):
    import deepgrade.check as check
    from deepgrade.cli import main

    pinned = tmp_path / "constraints.txt"
    pinned.write_text("numpy==1.26.4  # the grading environment\npytest==9.2.0\n")
    assert "your numpy is 2.0.1, the grader's is 1.26.4" in check.numpy_mismatch(pinned, "2.0.1")
    assert check.numpy_mismatch(pinned, "1.26.0") == ""  # a patch release changes nothing
    monkeypatch.setattr(check, "CONSTRAINTS", pinned)
    monkeypatch.setattr(check.PublicTests, "records", lambda run: [])
    assert main(["check", "solutions"]) == 0
    assert "warning: your numpy is" in " ".join(capsys.readouterr().out.split())


def test_the_pinned_numpy_is_the_one_installed_here():
    """CI installs with constraints.txt: no warning for the grading environment itself."""
    from deepgrade.check import numpy_mismatch

    assert numpy_mismatch() == ""


def test_a_hint_points_at_the_callers_line_when_a_helper_raised():
    from deepgrade.hints import hint

    frames = [
        "recurrent.py line 80, in lstm: h, c = lstm_cell(x[t], h, c, kernel, rec, bias)",
        "recurrent.py line 59, in _state: raise ValueError(",
    ]
    text = hint("lstm", "ValueError", "lstm_cell: h_prev must have shape (N, H)", frames,
                (np.zeros((2, 3, 4)),), {"return_sequences": True})  # fmt: skip
    assert text.splitlines()[0] == (
        "raised by your code at recurrent.py line 59, in _state: raise ValueError(, called from "
        "recurrent.py line 80, in lstm: h, c = lstm_cell(x[t], h, c, kernel, rec, bias)"
    )
    assert "the call: lstm(x array (2, 3, 4), return_sequences=True)" in text


@pytest.mark.parametrize(
    ("message", "words"),
    [
        ("operands could not be broadcast together with shapes (2,3) (2,) ", "keepdims=True"),
        ("operands could not be broadcast together with shapes (2,2) (3,3) ", "cuts it short"),
        ("matmul: Input operand 1 has a mismatch in its core dimension 0, with gufunc "
         "signature (n?,k),(k,m?)->(n?,m?) (size 3 is different from 2)", "(W.T)"),
        ("could not broadcast input array from shape (7,7) into shape (7,0)", "x[p:-p]"),
        ("could not broadcast input array from shape (0,0,1) into shape (7,7,1)", "x[p:-p]"),
        ("could not broadcast input array from shape (2,3,4,3) into shape (2,3,3,4)",
         "the same sizes in another order: two axes swapped"),
        ("could not broadcast input array from shape (3,1,2) into shape (1,3,2)", "a .T reverses"),
        ("could not broadcast input array from shape (3,4) into shape (3,5)", "slice bounds"),
        ("operands could not be broadcast together with remapped shapes [original->remapped]: "
         "(3,2)  and requested shape (2,2)", "np.pad got 3 (before, after) pairs"),
        ("index 5 is out of bounds for axis 0 with size 5", "index 5 does not exist on axis 0"),
        ("'NoneType' object is not subscriptable", "without a return statement"),
        ("only 0-dimensional arrays can be converted to Python scalars", "b.item()"),
        ("setting an array element with a sequence.", "value.item()"),
        ("cannot reshape array of size 72 into shape (3,2,4,4)",
         "your target (3, 2, 4, 4) holds 96: check each size"),
        ("cannot reshape array of size 5 into shape (2,newaxis)", "(5 here): check each size"),
        ("cannot access local variable 'x_pad' where it is not associated with a value",
         "x_pad is assigned only on some paths"),
    ],
)  # fmt: skip
def test_numpy_errors_are_explained(message, words):
    from deepgrade.hints import explain

    assert words in explain("ValueError", message)


def test_an_error_message_in_the_failure_text_fits_the_line_limit(builtin_max):
    text = outputs(builtin_max["worker"])[BY_NAME["relu"].label]
    for failure in text.split("\n\n")[1:]:
        assert len(failure.splitlines()) <= MAX_FEEDBACK_LINES + 1  # + the "..." line


def test_a_stub_gets_no_hint():
    report = grade(PROJECT_ROOT / "exercises", suites=ACTIVATIONS[:1])
    for row in report.exercises:
        for failure in row["failures"]:
            assert "NotImplementedError" in failure and "raised by your code" not in failure


def test_a_hidden_check_forbids_warnings_with_its_own_message(tmp_path):
    folder = submission(
        tmp_path,
        "    e = np.exp(-np.abs(x))  # in (0, 1]: never overflows\n"
        "    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))\n",
        "    return np.where(x >= 0, 1 / (1 + np.exp(-x)), np.exp(x) / (1 + np.exp(x)))\n",
    )
    report = grade(folder, suites=ACTIVATIONS[1:])  # the hidden suite alone
    (row,) = [r for r in report.exercises if r["name"] == "sigmoid"]
    assert row["score"] < row["max_score"]  # the values are right: only the warning costs
    assert any("raised a warning (RuntimeWarning: overflow encountered in exp)" in f
               for f in row["failures"])  # fmt: skip


def test_a_warning_names_the_students_line_in_both_modes(tmp_path):
    """Where the warning came from says which expression to fix: the log of an
    underflowed probability, not the exp the advice for an overflow would point at."""
    folder = submission(
        tmp_path,
        "    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))\n",
        "    probs = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)\n"
        "    log_probs = np.log(probs)\n",
        module="backprop",
    )
    suites = [PROJECT_ROOT / "autograder" / "suites" / "test_backprop_hidden.py"]
    label = BY_NAME["softmax_cross_entropy"].label
    texts = {
        mode: outputs(grade(folder, suites=suites, mode=mode))[label]
        for mode in ("worker", "in-process")
    }
    assert texts["worker"] == texts["in-process"]
    line = next(
        n
        for n, code in enumerate((folder / "backprop.py").read_text().splitlines(), 1)
        if code == "    log_probs = np.log(probs)"
    )
    headline = texts["worker"].splitlines()[1]
    assert headline.startswith("Mistake (numpy warning): ")
    assert (
        "(RuntimeWarning: divide by zero encountered in log) at backprop.py line "
        f"{line}: log_probs = np.log(probs); the docstring asks for none: log got 0"
    ) in headline
