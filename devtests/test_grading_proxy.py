"""The impl a graded test sees: the same answers through the worker as in-process."""

from __future__ import annotations

import numpy as np
import pytest

from autograder.grading.proxy import WorkerImplementation
from deepgrade.implementation import Implementation, SubmissionError

MUTATING = """
import numpy as np


def relu(x):
    x[x < 0] = 0  # modifies its input
    return x


def sigmoid(x):
    raise ValueError("sigmoid: x must be 2-D")


SCALE = np.array([1.0, 2.0])


def helper(x):
    return 2 * x
"""


@pytest.fixture(params=["worker", "in-process"])
def impl(request, tmp_path):
    folder = tmp_path / "sub"
    folder.mkdir()
    (folder / "activations.py").write_text(MUTATING)
    implementation = (
        WorkerImplementation(folder) if request.param == "worker" else Implementation(folder)
    )
    yield implementation
    if isinstance(implementation, WorkerImplementation):
        implementation.close()


def test_with_inputs_shows_an_input_modified_in_place(impl):
    x = np.array([-1.0, 2.0])
    result, (x_after,), kwargs = impl.with_inputs("relu")(x)
    np.testing.assert_array_equal(result, [0.0, 2.0])
    np.testing.assert_array_equal(x_after, [0.0, 2.0])
    assert kwargs == {}


def test_student_exceptions_arrive_as_the_same_builtin_type(impl):
    with pytest.raises(ValueError, match="sigmoid: x must be 2-D"):
        impl.sigmoid(np.ones(2))


def test_constants_provided_functions_and_missing_names(impl):
    np.testing.assert_array_equal(impl.SCALE, [1.0, 2.0])
    np.testing.assert_array_equal(impl.helper(np.ones(2)), [2.0, 2.0])
    with pytest.raises(SubmissionError, match="softmax"):
        impl.softmax(np.ones(2))
    with pytest.raises(SubmissionError, match="the submission has no convolution.py"):
        impl.conv2d(np.ones((2, 2)), np.ones((1, 1)))


def test_with_inputs_through_the_worker_accepts_a_function_argument(tmp_path):
    folder = tmp_path / "gd"
    folder.mkdir()
    (folder / "gradient_descent.py").write_text(
        "import numpy as np\n\n\ndef gradient_descent(gradient, w0, lr, steps):\n"
        "    return np.array([w0, w0 - lr * gradient(w0)])\n"
    )
    impl = WorkerImplementation(folder)
    try:
        result, args, _ = impl.with_inputs("gradient_descent")(lambda w: 2 * w, 1.0, 0.1, 1)
    finally:
        impl.close()
    np.testing.assert_allclose(result, [1.0, 0.8])
    assert args == (None, 1.0, 0.1, 1)  # the function stays on the grader's side


def test_a_module_that_kills_the_worker_on_import_is_reported_as_an_import_failure(tmp_path):
    folder = tmp_path / "dies"
    folder.mkdir()
    (folder / "activations.py").write_text("import os\nos._exit(0)\n")
    impl = WorkerImplementation(folder)
    try:
        with pytest.raises(SubmissionError, match="no topic module defines"):
            _ = impl.SOME_CONSTANT
    finally:
        impl.close()
    message = impl.failed_imports["activations"]
    assert message.startswith("activations.py could not be imported: ")
    assert "import of activations.py exited with code 0" in message


def test_numpy_warnings_in_the_worker_are_warned_again_here(tmp_path):
    folder = tmp_path / "naive"
    folder.mkdir()
    (folder / "activations.py").write_text(
        "import numpy as np\n\n\ndef sigmoid(x):\n    return 1 / (1 + np.exp(-x))\n"
    )
    for impl in (WorkerImplementation(folder), Implementation(folder)):
        with pytest.warns(RuntimeWarning, match="overflow encountered in exp"):
            impl.sigmoid(np.array([-1000.0]))
        if isinstance(impl, WorkerImplementation):
            impl.close()


def test_unknown_names_are_attribute_errors(impl):
    assert getattr(impl, "hypothesis_inner_test", None) is None
