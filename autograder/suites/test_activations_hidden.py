"""Hidden suite for topic 3 (activations): ReLU, sigmoid and softmax.

Expected values come from the reference (``solutions.activations``) on the trusted side;
``mistakes_activations`` names the catalogued mistakes. Stability is checked twice: by the
values at logits like +-1000 (NaN/inf where a formula overflows), and by a check that no
warning is raised, as the docstrings ask (the worker raises the call's numpy warnings
again on the grader's side, so the check works through the worker too).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from autograder.suites import mistakes_activations as mk
from autograder.suites import support
from autograder.suites.support import DETERMINISTIC as FAST
from autograder.suites.support import Cases
from deepgrade.feedback import call_without_warnings, check_array
from solutions import activations as ref


def _shape(a) -> str:
    return str(tuple(np.shape(a)))


def check_unchanged(name: str, sent: dict, after: tuple, hint: str) -> None:
    """Fail if the call changed an array argument: ``sent`` maps argument position to
    (argument name, original array); ``after`` are the arguments as the call left them."""
    positions = list(sent)
    support.check_unchanged(
        [after[p] for p in positions], [sent[p][1] for p in positions],
        [sent[p][0] for p in positions], name, hint,
    )  # fmt: skip


# ---------------------------------------------------------------- 3.1 relu


@pytest.mark.exercise("relu")
@pytest.mark.points(2)
def test_relu_random_4d_batch(impl):
    x = np.random.default_rng(301).normal(scale=3.0, size=(2, 3, 4, 5))
    x[0, 0, 0, :2] = 0.0
    check_array(
        impl.relu(x.copy()),
        ref.relu(x),
        what="relu(x) for x of shape (2, 3, 4, 5)",
        mistakes=mk.relu_mistakes(x),
    )


@pytest.mark.exercise("relu")
@pytest.mark.points(1)
def test_relu_any_shape(impl):
    @FAST
    @given(
        x=hnp.arrays(
            np.float64,
            hnp.array_shapes(min_dims=1, max_dims=4, max_side=5),
            elements=st.floats(-1e3, 1e3, allow_subnormal=False),
        )
    )
    def run(x):
        check_array(
            impl.relu(x.copy()),
            ref.relu(x),
            what=f"relu(x) for x of shape {_shape(x)}",
            mistakes=mk.relu_mistakes(x),
        )

    run()


@pytest.mark.exercise("relu")
@pytest.mark.points(1)
def test_relu_extreme_values_and_integers(impl):
    cases = Cases()
    x = np.array([[-1000.0, 1000.0, -1e-300, 1e-300], [0.0, -0.0, 1e300, -1e300]])
    what = "relu of values from -1e300 to 1e300"
    cases.check(check_array, impl.relu(x.copy()), ref.relu(x), what=what,
                mistakes=mk.relu_mistakes(x))  # fmt: skip
    ints = np.arange(-6, 6, dtype=np.int32).reshape(3, 4)
    what = "relu of an int32 array of shape (3, 4)"
    cases.check(check_array, impl.relu(ints.copy()), ref.relu(ints), what=what,
                mistakes=mk.relu_mistakes(ints))  # fmt: skip
    cases.done()


@pytest.mark.exercise("relu")
@pytest.mark.points(1)
def test_relu_leaves_its_input_unchanged(impl):
    x = np.random.default_rng(302).normal(size=(3, 4, 2))
    got, after, _ = impl.with_inputs("relu")(x.copy())
    check_unchanged("relu", {0: ("x", x)}, after, " (e.g. x[x < 0] = 0 or np.maximum(x, 0, out=x))")
    check_array(
        got, ref.relu(x), what="relu(x) for x of shape (3, 4, 2)", mistakes=mk.relu_mistakes(x)
    )


# ---------------------------------------------------------------- 3.2 sigmoid


@pytest.mark.exercise("sigmoid")
@pytest.mark.points(2)
def test_sigmoid_random_values(impl):
    x = np.random.default_rng(311).uniform(-40.0, 40.0, size=(6, 5))
    x[0, :3] = [0.0, 1e-8, -1e-8]
    check_array(
        impl.sigmoid(x.copy()),
        ref.sigmoid(x),
        what="sigmoid(x) for x of shape (6, 5)",
        mistakes=mk.sigmoid_mistakes(x),
    )


@pytest.mark.exercise("sigmoid")
@pytest.mark.points(2)
def test_sigmoid_extreme_values_are_finite_and_exact(impl):
    x = np.array([[-1000.0, -745.0, -710.0, -40.0], [1000.0, 745.0, 710.0, 40.0]])
    check_array(
        impl.sigmoid(x.copy()),
        ref.sigmoid(x),
        what="sigmoid of values between -1000 and 1000",
        mistakes=mk.sigmoid_mistakes(x),
    )


@pytest.mark.exercise("sigmoid")
@pytest.mark.points(1)
def test_sigmoid_raises_no_warning(impl):
    # the docstring: "no warning may be raised", also where exp(-x) would overflow
    x = np.array([[-800.0, -50.0, 0.0], [50.0, 800.0, 1e308]])
    what = "sigmoid of values between -800 and 1e308"
    got = call_without_warnings(impl.sigmoid, x.copy(), what=what)
    check_array(got, ref.sigmoid(x), what=what, mistakes=mk.sigmoid_mistakes(x))


@pytest.mark.exercise("sigmoid")
@pytest.mark.points(1)
def test_sigmoid_is_symmetric_and_in_0_1(impl):
    @FAST
    @given(
        x=hnp.arrays(
            np.float64,
            hnp.array_shapes(min_dims=1, max_dims=3, max_side=4),
            elements=st.floats(-800.0, 800.0, allow_subnormal=False),
        )
    )
    def run(x):
        both = np.stack([x, -x])
        got = impl.sigmoid(both.copy())
        what = f"sigmoid of x of shape {_shape(both)} holding values and their negatives"
        check_array(got, ref.sigmoid(both), what=what, mistakes=mk.sigmoid_mistakes(both))
        assert ((got >= 0) & (got <= 1)).all(), "sigmoid values must lie in [0, 1]"

    run()


@pytest.mark.exercise("sigmoid")
@pytest.mark.points(1)
def test_sigmoid_leaves_its_input_unchanged_and_returns_float64(impl):
    x = np.random.default_rng(312).normal(scale=5.0, size=(4, 3))
    got, after, _ = impl.with_inputs("sigmoid")(x.copy())
    check_unchanged("sigmoid", {0: ("x", x)}, after, "")
    check_array(
        got,
        ref.sigmoid(x),
        what="sigmoid(x) for x of shape (4, 3)",
        mistakes=mk.sigmoid_mistakes(x),
    )
    ints = np.array([[-3, 0, 2]], dtype=np.int64)
    got = impl.sigmoid(ints.copy())
    check_array(got, ref.sigmoid(ints), what="sigmoid of an int64 array of shape (1, 3)")
    assert got.dtype == np.float64, f"sigmoid should return float64, got {got.dtype}"


# ---------------------------------------------------------------- 3.3 softmax


def call_softmax(impl, logits: np.ndarray, **kwargs) -> np.ndarray:
    """impl.softmax, turning the broadcasting error of a forgotten keepdims into advice."""
    try:
        return impl.softmax(logits.copy(), **kwargs)
    except ValueError as err:
        if "broadcast" not in str(err):
            raise
        raise AssertionError(
            f"softmax on logits of shape {logits.shape} raised ValueError ({err}); "
            "the max and the sum along the axis must keep that axis "
            "(keepdims=True) so that they broadcast against the logits"
        ) from None


@pytest.mark.exercise("softmax")
@pytest.mark.points(2)
def test_softmax_batch_size_differs_from_classes(impl):
    logits = np.random.default_rng(321).normal(scale=4.0, size=(7, 4))
    got = call_softmax(impl, logits)
    check_array(
        got,
        ref.softmax(logits),
        what="softmax of logits of shape (7, 4) (N=7, C=4)",
        mistakes=mk.softmax_mistakes(logits),
    )


@pytest.mark.exercise("softmax")
@pytest.mark.points(2)
def test_softmax_logits_around_plus_minus_1000(impl):
    logits = np.array(
        [
            [1000.0, 999.0, -1000.0, 998.5, 0.0],
            [-1000.0, -1001.0, -999.0, -1000.0, -1002.0],  # all far below the overall max
            [-1000.0, 1000.0, 0.0, 500.0, -500.0],
        ]
    )
    got = call_softmax(impl, logits)
    what = "softmax of logits of shape (3, 5) between -1002 and 1000"
    check_array(got, ref.softmax(logits), what=what, mistakes=mk.softmax_mistakes(logits))
    shifted = np.random.default_rng(322).normal(size=(2, 6))
    got = call_softmax(impl, shifted + 1000.0)
    check_array(
        got,
        ref.softmax(shifted),
        what="softmax(z + 1000) for z of shape (2, 6) (must equal softmax(z))",
        mistakes=mk.softmax_mistakes(shifted + 1000.0),
    )


@pytest.mark.exercise("softmax")
@pytest.mark.points(1)
def test_softmax_rows_sum_to_one(impl):
    @FAST
    @given(
        shape=st.tuples(st.integers(1, 6), st.integers(1, 6)),
        scale=st.sampled_from([1.0, 30.0, 1000.0]),
        offset=st.sampled_from([0.0, -1000.0, 1000.0]),
        seed=st.integers(0, 2**16),
    )
    def run(shape, scale, offset, seed):
        logits = np.random.default_rng(seed).normal(scale=scale, size=shape) + offset
        got = call_softmax(impl, logits)
        what = f"softmax of logits of shape {shape}"
        if isinstance(got, np.ndarray) and got.shape == logits.shape and np.isfinite(got).all():
            check_array(got.sum(axis=-1), np.ones(shape[0]), what=f"the row sums of {what}")
        check_array(got, ref.softmax(logits), what=what, mistakes=mk.softmax_mistakes(logits))

    run()


@pytest.mark.exercise("softmax")
@pytest.mark.points(1)
def test_softmax_along_a_given_axis_of_3d_logits(impl):
    logits = np.random.default_rng(323).normal(scale=3.0, size=(2, 5, 3))
    cases = Cases()
    for axis in (1, -3, 2):
        got = call_softmax(impl, logits, axis=axis)
        cases.check(
            check_array,
            got,
            ref.softmax(logits, axis=axis),
            what=f"softmax(logits of shape (2, 5, 3), axis={axis})",
            mistakes=mk.softmax_mistakes(logits, axis),
        )
    cases.done()


@pytest.mark.exercise("softmax")
@pytest.mark.points(1)
def test_softmax_raises_no_warning(impl):
    # the docstring: logits like 1000 must not overflow, and no warning may be raised
    logits = np.array([[1000.0, -1000.0, 0.0], [-1e4, 1e4, 5.0], [-800.0, -801.0, -799.0]])
    what = "softmax of logits between -1e4 and 1e4"
    got = call_without_warnings(call_softmax, impl, logits, what=what)
    check_array(got, ref.softmax(logits), what=what, mistakes=mk.softmax_mistakes(logits))


@pytest.mark.exercise("softmax")
@pytest.mark.points(1)
def test_softmax_leaves_its_input_unchanged(impl):
    logits = np.random.default_rng(324).normal(scale=2.0, size=(3, 4)) + 1000.0
    got, after, _ = impl.with_inputs("softmax")(logits.copy())
    check_unchanged(
        "softmax",
        {0: ("logits", logits)},
        after,
        " (e.g. logits -= logits.max(...) or np.exp(logits, out=logits))",
    )
    check_array(
        got,
        ref.softmax(logits),
        what="softmax of logits of shape (3, 4)",
        mistakes=mk.softmax_mistakes(logits),
    )
