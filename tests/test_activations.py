"""Public tests for topic 3 (activations): ReLU, sigmoid and softmax.

Run against your stubs with ``pytest tests/test_activations.py`` (or ``--impl`` for
another implementation). Each test names the exercise it checks.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from deepgrade.feedback import (
    call_without_warnings,
    check_array,
    check_inputs_unchanged,
    check_scalar,
    expect_array,
)
from deepgrade.slides import HORIZONTAL_EDGE_OUT, RELU_EDGES

# The slides' horizontal-edge map (7x7 image * [[-1,-1,-1],[2,2,2],[-1,-1,-1]]) is
# HORIZONTAL_EDGE_OUT, and their "output image after ReLU" of it (the negative third row
# becomes zeros) is RELU_EDGES.


# ---------------------------------------------------------------- 3.1 relu


@pytest.mark.exercise("relu")
def test_relu_slide_edge_map(impl):
    got = impl.relu(HORIZONTAL_EDGE_OUT)
    check_array(got, RELU_EDGES, what="relu(the slides' edge map)")


@pytest.mark.exercise("relu")
def test_relu_int_input_gives_float(impl):
    got = impl.relu(HORIZONTAL_EDGE_OUT.astype(np.int64))
    check_array(got, RELU_EDGES, what="relu(integer edge map)")
    assert got.dtype == np.float64, f"relu should return float64, got {got.dtype}"


@pytest.mark.exercise("relu")
def test_relu_leaves_a_float_input_unchanged(impl):
    got = check_inputs_unchanged(
        impl, "relu", np.array(HORIZONTAL_EDGE_OUT, dtype=float), names=("x",)
    )
    check_array(got, RELU_EDGES, what="relu(the slides' edge map)")


@pytest.mark.exercise("relu")
def test_relu_of_fractions(impl):
    # -1, -0.5, ..., 2.5 in two rows: values below and above 1, in a shape to keep
    x = np.linspace(-1.0, 2.5, 8).reshape(2, 4)
    check_array(impl.relu(x), np.maximum(x, 0.0), what="relu(-1, -0.5, ..., 2.5 in 2 rows)")


@pytest.mark.exercise("relu")
def test_relu_keeps_any_shape(impl):
    x = np.array([-1.5, 0.0, 2.5, 0.5]).reshape(4, 1, 1)
    check_array(impl.relu(x), np.array([0.0, 0.0, 2.5, 0.5]).reshape(4, 1, 1), what="relu(x)")


# ---------------------------------------------------------------- 3.2 sigmoid


@pytest.mark.exercise("sigmoid")
def test_sigmoid_of_zero_is_one_half_and_of_log_3_three_quarters(impl):
    check_array(impl.sigmoid(np.zeros(3)), np.full(3, 0.5), what="sigmoid(0)")
    # 1 / (1 + exp(-log 3)) = 1 / (1 + 1/3) = 3/4
    check_array(impl.sigmoid(np.log([3.0, 1 / 3])), [0.75, 0.25], what="sigmoid(±log 3)")


@pytest.mark.exercise("sigmoid")
def test_sigmoid_values(impl):
    x = np.array([[-2.0, -1.0], [1.0, 2.0]])
    check_array(impl.sigmoid(x), 1.0 / (1.0 + np.exp(-x)), what="sigmoid(x)")


@pytest.mark.exercise("sigmoid")
def test_sigmoid_is_stable_at_plus_minus_1000(impl):
    # the values first (they can show the mistake), then the warning
    call_without_warnings(impl.sigmoid, np.array([-1000.0, 1000.0]), what="sigmoid([-1000, 1000])",
                          check=lambda got: check_array(got, np.array([0.0, 1.0]),
                                                        what="sigmoid([-1000, 1000])"))  # fmt: skip


@pytest.mark.exercise("sigmoid")
def test_sigmoid_is_symmetric(impl):
    x = np.linspace(-30.0, 30.0, 13)
    got = expect_array(impl.sigmoid(x), what="sigmoid(x) for x of shape (13,)", shape=(13,))
    check_array(impl.sigmoid(-x), 1.0 - got, what="sigmoid(-x) (should be 1 - sigmoid(x))")
    check_array(got[[0, 6, 12]], [1 / (1 + math.exp(30.0)), 0.5, 1 / (1 + math.exp(-30.0))],
                what="sigmoid([-30, 0, 30])", rtol=1e-12)  # fmt: skip


@pytest.mark.exercise("sigmoid")
def test_sigmoid_leaves_a_float_input_unchanged(impl):
    x = np.array([[-1000.0, -2.0, 0.0], [0.5, 3.0, 1000.0]])
    got = check_inputs_unchanged(impl, "sigmoid", x, names=("x",))
    check_array(got, [[0.0, 1 / (1 + math.exp(2.0)), 0.5], [1 / (1 + math.exp(-0.5)),
                1 / (1 + math.exp(-3.0)), 1.0]], what="sigmoid(x)")  # fmt: skip


# ---------------------------------------------------------------- 3.3 softmax


@pytest.mark.exercise("softmax")
def test_softmax_small_example(impl):
    logits = np.log(np.array([[1.0, 1.0, 2.0], [1.0, 3.0, 4.0]]))
    expected = np.array([[0.25, 0.25, 0.5], [0.125, 0.375, 0.5]])
    check_array(impl.softmax(logits), expected, what="softmax(log([[1, 1, 2], [1, 3, 4]]))")


@pytest.mark.exercise("softmax")
def test_softmax_ten_digit_classes_rows_sum_to_one(impl):
    # The digit net's last layer: 10 neurons with softmax activation, for 4 images.
    logits = np.linspace(-3.0, 5.0, 40).reshape(4, 10)
    probs = expect_array(impl.softmax(logits), what="softmax(logits (4, 10))", shape=(4, 10))
    check_array(probs.sum(axis=-1), np.ones(4), what="softmax(logits).sum(axis=-1)")
    assert (probs > 0).all(), "softmax probabilities must be positive"
    assert (np.argmax(probs, axis=-1) == 9).all(), "the largest logit must get the largest Pr"


@pytest.mark.exercise("softmax")
def test_softmax_is_stable_for_large_logits(impl):
    logits = np.array([[1000.0, 1000.0], [-1000.0, 0.0], [1000.0, -1000.0]])
    expected = np.array([[0.5, 0.5], [0.0, 1.0], [1.0, 0.0]])
    call_without_warnings(  # the values first (they can show the mistake), then the warning
        impl.softmax, logits, what="softmax(±1000)",
        check=lambda got: check_array(got, expected, what="softmax(±1000)"),
    )  # fmt: skip


@pytest.mark.exercise("softmax")
def test_softmax_other_axis(impl):
    logits = np.log(np.array([[1.0, 1.0], [3.0, 1.0]]))
    got = impl.softmax(logits, axis=0)
    check_array(got, np.array([[0.25, 0.5], [0.75, 0.5]]), what="softmax(logits, axis=0)")


@pytest.mark.exercise("softmax")
def test_softmax_one_dimensional_and_3d(impl):
    check_array(impl.softmax(np.zeros(4)), np.full(4, 0.25), what="softmax(zeros(4))")
    got = impl.softmax(np.log([1.0, 1.0, 2.0, 4.0]))
    check_array(got, [0.125, 0.125, 0.25, 0.5], what="softmax(log([1, 1, 2, 4]))")
    # 6 rows of 5 classes; row r holds log([1, 1, 1, 1, r + 1]): Pr(last) = (r + 1) / (r + 5)
    logits = np.zeros((2, 3, 5))
    logits[..., 4] = np.log(np.arange(1.0, 7.0)).reshape(2, 3)
    expected = np.ones((2, 3, 5))
    expected[..., 4] = np.arange(1.0, 7.0).reshape(2, 3)
    got = impl.softmax(logits)
    check_array(got, expected / expected.sum(axis=-1, keepdims=True),
                what="softmax(logits of shape (2, 3, 5)) (over the last axis)")  # fmt: skip
    check_scalar(float(got.sum()), 6.0, what="sum of softmax over 6 rows")


@pytest.mark.exercise("softmax")
def test_softmax_leaves_a_float_input_unchanged(impl):
    logits = np.log(np.array([[1.0, 3.0, 4.0], [3.0, 1.0, 4.0]])) + 1000.0
    got = check_inputs_unchanged(impl, "softmax", logits.copy(), names=("logits",))
    check_array(got, [[0.125, 0.375, 0.5], [0.375, 0.125, 0.5]], what="softmax(logits)")
    got = check_inputs_unchanged(impl, "softmax", logits.copy(), names=("logits",), axis=0)
    check_array(got, [[0.25, 0.75, 0.5], [0.75, 0.25, 0.5]], what="softmax(logits, axis=0)")
