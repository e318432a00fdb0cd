"""Project tests of solutions/gradient_descent.py: bad input, no mutation, exact recipes."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograder.builders.stubs import SOLUTIONS_DIR
from deepgrade.feedback import check_array, check_scalar
from deepgrade.implementation import Implementation
from solutions import backprop, gradient_descent
from solutions.gradient_descent import (
    gradient_descent as descend,
)
from solutions.gradient_descent import (
    minibatches,
    sgd_step,
    skier_gradient,
    skier_loss,
    train_digit_network,
)

# ------------------------------------------------------------------ the skier landscape


def test_skier_critical_points():
    for w in (gradient_descent.SKIER_LOCAL_MINIMUM, gradient_descent.SKIER_HILLTOP,
              gradient_descent.SKIER_GLOBAL_MINIMUM):  # fmt: skip
        assert abs(skier_gradient(w)) < 1e-12
    assert 12 * gradient_descent.SKIER_LOCAL_MINIMUM**2 - 8 > 0  # L'' > 0: minima
    assert 12 * gradient_descent.SKIER_HILLTOP**2 - 8 < 0  # L'' < 0: the hill
    assert skier_loss(gradient_descent.SKIER_GLOBAL_MINIMUM) < skier_loss(
        gradient_descent.SKIER_LOCAL_MINIMUM
    )
    check_scalar(skier_loss(gradient_descent.SKIER_LOCAL_MINIMUM), -2.618555980765248)
    check_scalar(skier_loss(gradient_descent.SKIER_GLOBAL_MINIMUM), -5.444192066610897)


def test_skier_gradient_is_the_numerical_derivative_of_the_loss():
    w = np.linspace(-2.5, 2.5, 41)
    eps = 1e-6
    numerical = (skier_loss(w + eps) - skier_loss(w - eps)) / (2 * eps)
    check_array(skier_gradient(w), numerical, what="skier_gradient", rtol=1e-6, atol=1e-6)


def test_skier_functions_take_numbers_and_arrays():
    assert isinstance(skier_loss(1.0), float) and skier_loss(1.0) == -4.0
    assert isinstance(skier_gradient(2), float) and skier_gradient(2) == 15.0
    w = np.array([[0.0, 1.0], [2.0, -1.0]])
    check_array(skier_loss(w), [[0.0, -4.0], [-2.0, -2.0]], what="skier_loss on a (2, 2) array")
    check_array(skier_gradient([-2.0, 0.0]), [-17.0, -1.0], what="skier_gradient on a list")
    np.testing.assert_array_equal(w, [[0.0, 1.0], [2.0, -1.0]])
    with pytest.raises(TypeError, match="skier_loss: w must hold numbers"):
        skier_loss("left")


# ------------------------------------------------------------------ 6.1 gradient_descent


def test_gradient_descent_pins_the_path_exactly():
    # ascent (+), a missing learning rate, or an off-by-one in the steps all change these
    path = descend(lambda w: 2.0 * w, 1.0, 0.25, 3)
    np.testing.assert_array_equal(path, [1.0, 0.5, 0.25, 0.125])
    path = descend(skier_gradient, -2.0, 0.01, 2)
    np.testing.assert_allclose(path, [-2.0, -1.83, -1.72126052], rtol=1e-15)


@settings(derandomize=True, deadline=None, max_examples=40)
@given(
    w0=st.floats(-10, 10), lr=st.floats(0.001, 0.9), steps=st.integers(0, 20),
)  # fmt: skip
def test_gradient_descent_closed_form_on_a_quadratic(w0, lr, steps):
    path = descend(lambda w: 2.0 * w, w0, lr, steps)
    expected = w0 * (1.0 - 2.0 * lr) ** np.arange(steps + 1)
    np.testing.assert_allclose(path, expected, rtol=1e-12, atol=1e-300)


def test_gradient_descent_does_not_modify_w0_and_returns_float64():
    w0 = np.array([1.0, -2.0])
    path = descend(lambda w: 2.0 * w, w0, 0.1, 3)
    np.testing.assert_array_equal(w0, [1.0, -2.0])
    path[0, 0] = 99.0  # the path is a new array, not a view of w0
    np.testing.assert_array_equal(w0, [1.0, -2.0])
    ints = descend(lambda w: 2 * w, np.array([1, 2]), 0.5, 1)
    assert ints.dtype == np.float64
    np.testing.assert_array_equal(ints, [[1.0, 2.0], [0.0, 0.0]])


def test_gradient_descent_accepts_a_gradient_returning_a_list():
    path = descend(lambda w: [2.0 * w[0], 0.0], [1.0, 1.0], 0.25, 1)
    np.testing.assert_array_equal(path, [[1.0, 1.0], [0.5, 1.0]])


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"gradient": 3.0}, TypeError, "gradient_descent: gradient must be a function of w"),
        ({"learning_rate": 0.0}, ValueError, "gradient_descent: learning_rate must be a positive"),
        ({"learning_rate": -0.1}, ValueError, "gradient_descent: learning_rate must be a positive"),
        ({"learning_rate": float("nan")}, ValueError, "learning_rate must be a positive finite"),
        ({"learning_rate": True}, TypeError, "gradient_descent: learning_rate must be a positive"),
        ({"learning_rate": "0.1"}, TypeError, "gradient_descent: learning_rate must be a positive"),
        ({"steps": -1}, ValueError, "gradient_descent: steps must be a non-negative integer"),
        ({"steps": 2.5}, TypeError, "gradient_descent: steps must be a non-negative integer"),
        ({"w0": "start"}, TypeError, "gradient_descent: w0 must hold numbers"),
        ({"gradient": lambda w: np.zeros(3)}, ValueError,
         r"gradient_descent: gradient\(w\) must have the shape of w0, \(\); got \(3,\)"),
        ({"gradient": lambda w: "down"}, TypeError,
         r"gradient_descent: gradient\(w\) must hold numbers"),
    ],
)  # fmt: skip
def test_gradient_descent_rejects_bad_input(kwargs, error, match):
    args = {"gradient": skier_gradient, "w0": 0.5, "learning_rate": 0.1, "steps": 3} | kwargs
    with pytest.raises(error, match=match):
        descend(**args)


# ------------------------------------------------------------------ 6.2 sgd_step


def test_sgd_step_leaves_inputs_alone_and_converts_ints():
    params = {"W": np.array([[1, 2]]), "b": np.array([3.0])}
    grads = {"W": np.array([[2, 2]]), "b": np.array([1.0])}
    new = sgd_step(params, grads, 0.5)
    assert new["W"].dtype == np.float64
    np.testing.assert_array_equal(new["W"], [[0.0, 1.0]])
    np.testing.assert_array_equal(new["b"], [2.5])
    assert new is not params and new["b"] is not params["b"]
    np.testing.assert_array_equal(params["b"], [3.0])
    assert list(new) == ["W", "b"]


@pytest.mark.parametrize(
    ("params", "grads", "lr", "error", "match"),
    [
        ([1.0], {"w": 1.0}, 0.1, TypeError, "sgd_step: params must be a dict of arrays, got list"),
        ({"w": np.zeros(2)}, {"v": np.zeros(2)}, 0.1, ValueError,
         r"sgd_step: params and grads must have the same keys; "
         r"params has \['w'\], grads has \['v'\]"),
        ({"w": np.zeros(2), "b": np.zeros(1)}, {"w": np.zeros(2)}, 0.1, ValueError, "same keys"),
        ({"w": np.zeros(2)}, {"w": np.zeros(3)}, 0.1, ValueError,
         r"sgd_step: grads\['w'\] has shape \(3,\) but params\['w'\] has shape \(2,\)"),
        ({"w": np.zeros(2)}, {"w": np.zeros(2)}, -1.0, ValueError, "sgd_step: learning_rate"),
        ({"w": np.zeros(2)}, {"w": ["a", "b"]}, 0.1, TypeError,
         r"sgd_step: grads\['w'\] must hold numbers"),
    ],
)  # fmt: skip
def test_sgd_step_rejects_bad_input(params, grads, lr, error, match):
    with pytest.raises(error, match=match):
        sgd_step(params, grads, lr)


@pytest.mark.tf
def test_sgd_step_matches_keras_sgd(keras):
    rng = np.random.default_rng(0)
    params = {"W": rng.normal(size=(3, 2)), "b": rng.normal(size=2)}
    grads = {"W": rng.normal(size=(3, 2)), "b": rng.normal(size=2)}
    variables = [keras.Variable(params[k], dtype="float64") for k in params]
    # Keras keeps the learning rate as a float32 variable: use one that float32 holds exactly.
    keras.optimizers.SGD(learning_rate=0.25).apply_gradients(
        [(keras.ops.convert_to_tensor(grads[k]), v) for k, v in zip(params, variables, strict=True)]
    )
    new = sgd_step(params, grads, 0.25)
    for key, var in zip(params, variables, strict=True):
        check_array(new[key], np.asarray(var), what=f"sgd_step[{key!r}] vs keras SGD")


# ------------------------------------------------------------------ 6.3 minibatches


def test_minibatches_use_one_permutation_from_the_rng():
    batches = minibatches(10, 4, np.random.default_rng(7))
    order = np.random.default_rng(7).permutation(10)
    assert [b.tolist() for b in batches] == [
        order[:4].tolist(),
        order[4:8].tolist(),
        order[8:].tolist(),
    ]


@settings(derandomize=True, deadline=None, max_examples=50)
@given(n=st.integers(1, 200), batch_size=st.integers(1, 64), seed=st.integers(0, 2**16))
def test_minibatches_partition_range_n(n, batch_size, seed):
    batches = minibatches(n, batch_size, np.random.default_rng(seed))
    assert len(batches) == -(-n // batch_size)
    assert all(len(b) == batch_size for b in batches[:-1]) and 1 <= len(batches[-1]) <= batch_size
    np.testing.assert_array_equal(np.sort(np.concatenate(batches)), np.arange(n))


GEN = np.random.default_rng(0)


@pytest.mark.parametrize(
    ("args", "error", "match"),
    [
        ((0, 4, GEN), ValueError, "minibatches: n must be a positive integer"),
        ((10, 0, GEN), ValueError, "minibatches: batch_size must be a positive"),
        ((10.0, 4, GEN), TypeError, "minibatches: n must be a positive integer"),
        ((10, 4, 0), TypeError, "minibatches: rng must be a numpy Generator .* got int"),
        ((10, 4, np.random.RandomState(0)), TypeError,
         "minibatches: rng must be a numpy Generator .* got RandomState"),
    ],
)  # fmt: skip
def test_minibatches_reject_bad_input(args, error, match):
    with pytest.raises(error, match=match):
        minibatches(*args)


# ------------------------------------------------------------------ 6.4 train_digit_network


def _blobs(n=60, dim=12, classes=3, seed=0):
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % classes
    return 4.0 * np.eye(classes, dim)[labels] + rng.normal(size=(n, dim)), labels


def test_training_follows_the_documented_recipe_exactly():
    x, labels = _blobs()
    params, losses = train_digit_network(x, labels, hidden=8, epochs=3, learning_rate=0.05,
                                         batch_size=16, seed=2)  # fmt: skip
    expected_params = backprop.init_digit_network((12, 8, 3), 2)
    rng = np.random.default_rng(2)
    expected_losses = []
    for _ in range(3):
        order = rng.permutation(60)
        epoch = []
        for start in range(0, 60, 16):
            idx = order[start : start + 16]
            loss, grads = backprop.digit_network(expected_params, x[idx], labels[idx])
            expected_params = {k: p - 0.05 * grads[k] for k, p in expected_params.items()}
            epoch.append(loss)
        expected_losses.append(np.mean(epoch))
    np.testing.assert_allclose(losses, expected_losses, rtol=1e-13)
    assert losses.dtype == np.float64
    for key, value in expected_params.items():
        np.testing.assert_allclose(params[key], value, rtol=1e-13, atol=1e-15)


def test_training_does_not_modify_its_inputs_and_takes_int_images():
    x, labels = _blobs()
    x_copy, labels_copy = x.copy(), labels.copy()
    train_digit_network(x, labels, hidden=4, epochs=1)
    np.testing.assert_array_equal(x, x_copy)
    np.testing.assert_array_equal(labels, labels_copy)
    images = np.random.default_rng(0).integers(0, 255, size=(20, 3, 3))
    params, losses = train_digit_network(images / 255, np.arange(20) % 2, hidden=4, epochs=1)
    assert params["W1"].shape == (9, 4) and losses.shape == (1,)
    params, _ = train_digit_network(images, (np.arange(20) % 2).astype(float), hidden=4, epochs=1)
    assert params["W1"].dtype == np.float64


def test_num_classes_sizes_the_output_layer():
    x, labels = _blobs()
    params, losses = train_digit_network(x, labels, hidden=4, epochs=2, num_classes=5)
    assert params["W2"].shape == (4, 5) and params["b2"].shape == (5,)
    with pytest.raises(
        ValueError, match=r"train_digit_network: labels must be class ids in 0\.\.1"
    ):
        train_digit_network(x, labels, hidden=4, epochs=1, num_classes=2)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"x": np.zeros(60)}, ValueError,
         r"train_digit_network: x must be 2-D or 3-D \(N, D\) or \(N, H, W\)"),
        ({"x": np.zeros((0, 12)), "labels": np.zeros(0, dtype=int)}, ValueError,
         "train_digit_network: x must hold at least one example"),
        ({"labels": np.zeros(59, dtype=int)}, ValueError,
         r"train_digit_network: labels must have shape \(60,\)"),
        ({"labels": np.full(60, 0.5)}, TypeError,
         "train_digit_network: labels must be integer class ids"),
        ({"labels": np.full(60, -1)}, ValueError,
         r"^train_digit_network: labels must be non-negative class ids \(0, 1, 2, \.\.\.\); "
         r"got -1 at index 0$"),
        ({"labels": np.arange(60) - 1}, ValueError,
         "train_digit_network: labels must be non-negative class ids"),
        ({"labels": np.full(60, -1), "num_classes": 3}, ValueError,
         r"train_digit_network: labels must be class ids in 0\.\.2; got values from -1 to -1"),
        ({"epochs": 0}, ValueError, "train_digit_network: epochs must be a positive integer"),
        ({"hidden": 2.0}, TypeError, "train_digit_network: hidden must be a positive integer"),
        ({"batch_size": 0}, ValueError, "train_digit_network: batch_size must be a positive"),
        ({"learning_rate": 0}, ValueError, "train_digit_network: learning_rate must be a positive"),
        ({"seed": -1}, ValueError, "train_digit_network: seed must be a non-negative integer"),
        ({"num_classes": 0}, ValueError, "train_digit_network: num_classes must be a positive"),
    ],
)  # fmt: skip
def test_training_rejects_bad_input(kwargs, error, match):
    x, labels = _blobs()
    args = {"x": x, "labels": labels, "hidden": 4, "epochs": 1} | kwargs
    with pytest.raises(error, match=match):
        train_digit_network(**args)


def test_a_broken_backprop_costs_only_the_training_exercise(tmp_path):
    shutil.copytree(SOLUTIONS_DIR, tmp_path / "carol", ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "carol" / "backprop.py").write_text("def digit_network(:\n")
    impl = Implementation(tmp_path / "carol")
    np.testing.assert_array_equal(impl.gradient_descent(lambda w: 2 * w, 1.0, 0.25, 1), [1.0, 0.5])
    assert len(impl.minibatches(5, 2, np.random.default_rng(0))) == 3
    with pytest.raises(SyntaxError):
        impl.train_digit_network(*_blobs(), hidden=4, epochs=1)
