"""Public tests for topic 6: gradient descent, SGD steps, minibatches, training the digit net.

The skier landscape of the slides is ``L(w) = w**4 - 4*w**2 - w`` (provided as
``skier_loss`` and ``skier_gradient``): a local minimum at w = -1.3469974085277738, a hill
at w = -0.126 and the global minimum at w = 1.4729976011140300.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from deepgrade.feedback import (
    check_array,
    check_inputs_unchanged,
    check_scalar,
    expect_array,
    expect_items,
)

LOCAL_MINIMUM = -1.3469974085277738
GLOBAL_MINIMUM = 1.4729976011140300


# ---------------------------------------------------------------- 6.1 gradient_descent


def skier_path(impl, w0: float, lr: float, steps: int) -> np.ndarray:
    """The skier's path from a number: an array of steps + 1 points, w0 first."""
    path = impl.gradient_descent(impl.skier_gradient, w0, lr, steps)
    what = f"gradient_descent(skier_gradient, {w0}, {lr}, {steps}) (the path: w0 and {steps} steps)"
    return expect_array(path, what=what, shape=(steps + 1,))


def epochs_of(batches, n: int, what: str) -> np.ndarray:
    """The indices of one epoch's minibatches, in order: a list of 1-D integer arrays."""
    if not isinstance(batches, list):
        raise AssertionError(f"{what} should return a list, got {type(batches).__name__}")
    for batch in batches:
        expect_array(batch, what=f"each batch of {what}")
        assert batch.ndim == 1 and np.issubdtype(batch.dtype, np.integer), (
            f"each batch of {what} should be a 1-D array of integer indices; got one of shape "
            f"{batch.shape} and dtype {batch.dtype}"
        )
    return np.concatenate(batches) if batches else np.zeros(0, dtype=int)


@pytest.mark.exercise("gradient_descent")
def test_skier_left_of_the_hill_stops_in_the_local_minimum(impl):
    path = skier_path(impl, -2.0, 0.01, 100)
    check_array(path[:4], [-2.0, -1.83, -1.72126052, -1.6449756188845635],
                what="the skier's first steps from w0 = -2 (learning rate 0.01)")  # fmt: skip
    check_scalar(path[-1], LOCAL_MINIMUM, what="where the skier from w0 = -2 ends", atol=1e-6)


@pytest.mark.exercise("gradient_descent")
def test_skier_right_of_the_hill_reaches_the_global_minimum(impl):
    path = skier_path(impl, 0.5, 0.05, 100)
    check_array(path[:4], [0.5, 0.725, 0.988784375, 1.240952308016757],
                what="the skier's first steps from w0 = 0.5 (learning rate 0.05)")  # fmt: skip
    check_scalar(path[-1], GLOBAL_MINIMUM, what="where the skier from w0 = 0.5 ends", atol=1e-6)


@pytest.mark.exercise("gradient_descent")
@pytest.mark.parametrize(
    ("w0", "steps", "minimum"),
    [(-0.3, 300, LOCAL_MINIMUM), (0.0, 200, GLOBAL_MINIMUM), (2.5, 100, GLOBAL_MINIMUM)],
)
def test_the_start_decides_which_minimum_is_reached(impl, w0, steps, minimum):
    path = skier_path(impl, w0, 0.01, steps)
    check_scalar(path[-1], minimum, what=f"where the skier from w0 = {w0} ends", atol=1e-6)


@pytest.mark.exercise("gradient_descent")
@pytest.mark.parametrize("w0", [-2.0, 0.0, 0.5])
def test_the_skier_moves_against_a_negative_derivative(impl, w0):
    # At these points L'(w) < 0: "the skier should move rightward (positive direction)".
    path = skier_path(impl, w0, 0.01, 1)
    assert path[1] > path[0], (
        f"from w0 = {w0}, where the derivative is negative, the first step should move "
        f"right (w increases); got {path[0]} -> {path[1]}"
    )
    slope = 4 * w0**3 - 8 * w0 - 1  # L'(w) = 4 w**3 - 8 w - 1: and by exactly lr * |L'(w0)|
    check_array(path, [w0, w0 - 0.01 * slope], what=f"the skier's first step from w0 = {w0}")


@pytest.mark.exercise("gradient_descent")
def test_path_shape_and_start_for_a_number(impl):
    path = skier_path(impl, 1.0, 0.01, 7)
    # L'(1) = 4 - 8 - 1 = -5, so w1 = 1 - 0.01 * (-5) = 1.05
    check_array(path[:2], [1.0, 1.05], what="path[:2], which must be [w0, w0 - lr * L'(w0)]")
    check_array(impl.gradient_descent(impl.skier_gradient, 1.0, 0.01, 0), [1.0],
                what="gradient_descent with steps=0 (just w0)")  # fmt: skip


@pytest.mark.exercise("gradient_descent")
@pytest.mark.parametrize("lr", [0.1, 0.3, 0.75])
def test_quadratic_has_the_closed_form_path(impl, lr):
    # L(w) = w**2, L'(w) = 2 w: w_t = (1 - 2 lr)**t * w0.
    path = impl.gradient_descent(lambda w: 2.0 * w, 3.0, lr, 10)
    expected = [(1 - 2 * lr) ** t * 3.0 for t in range(11)]
    check_array(path, expected, what=f"gradient descent on L = w**2 with learning rate {lr}")


@pytest.mark.exercise("gradient_descent")
def test_vector_parameters_follow_the_gradient_per_coordinate(impl):
    # L(w) = sum(a * w**2) with a per-coordinate curvature a: w_t = (1 - 2 lr a)**t * w0.
    a = np.array([[1.0, 2.0], [0.5, 0.25]])
    w0 = np.array([[1.0, -1.0], [2.0, 4.0]])
    path = impl.gradient_descent(lambda w: 2.0 * a * w, w0, 0.2, 5)
    expected = np.stack([(1 - 0.4 * a) ** t * w0 for t in range(6)])
    check_array(path, expected, what="gradient descent on a (2, 2) parameter",
                shape_rule="(steps + 1, *w0.shape) = (6, 2, 2)")  # fmt: skip


# ---------------------------------------------------------------- 6.2 sgd_step


def _params():
    return {"W1": np.array([[1.0, 2.0], [3.0, 4.0]]), "b1": np.array([0.5, -0.5]),
            "W2": np.array([[1.0], [-1.0]]), "b2": np.array([2.0])}  # fmt: skip


def _grads():
    return {"W1": np.array([[10.0, 0.0], [-10.0, 5.0]]), "b1": np.array([1.0, 2.0]),
            "W2": np.array([[0.0], [4.0]]), "b2": np.array([-3.0])}  # fmt: skip


@pytest.mark.exercise("sgd_step")
def test_sgd_step_updates_every_parameter(impl):
    new = impl.sgd_step(_params(), _grads(), 0.1)
    assert isinstance(new, dict) and set(new) == {"W1", "b1", "W2", "b2"}, (
        f"sgd_step should return a dict with the keys of params, got {new!r}"
    )
    check_array(new["W1"], [[0.0, 2.0], [4.0, 3.5]], what="sgd_step's W1")
    check_array(new["W2"], [[1.0], [-1.4]], what="sgd_step's W2")
    check_array(new["b1"], [0.4, -0.7], what="sgd_step's b1 (biases are parameters too)")
    check_array(new["b2"], [2.3], what="sgd_step's b2 (biases are parameters too)")


@pytest.mark.exercise("sgd_step")
def test_sgd_step_returns_new_arrays_and_leaves_its_inputs_alone(impl):
    new = check_inputs_unchanged(
        impl, "sgd_step", _params(), _grads(), 0.5, names=("params", "grads", "learning_rate")
    )
    check_array(new["b1"], [0.0, -1.5], what="sgd_step's b1 with learning rate 0.5")


@pytest.mark.exercise("sgd_step")
def test_sgd_step_scales_with_the_learning_rate(impl):
    new = impl.sgd_step({"w": np.array([1.0, 1.0])}, {"w": np.array([1.0, -2.0])}, 0.25)
    check_array(new["w"], [0.75, 1.5], what="sgd_step with learning rate 0.25")


# ---------------------------------------------------------------- 6.3 minibatches


@pytest.mark.exercise("minibatches")
@pytest.mark.parametrize(("n", "batch_size", "sizes"), [(10, 4, [4, 4, 2]), (12, 3, [3] * 4),
                                                       (5, 8, [5]), (7, 1, [1] * 7)])  # fmt: skip
def test_minibatches_cover_every_example_once(impl, n, batch_size, sizes):
    batches = impl.minibatches(n, batch_size, np.random.default_rng(0))
    everything = epochs_of(batches, n, f"minibatches({n}, {batch_size})")
    got_sizes = [len(b) for b in batches]
    assert got_sizes == sizes, (
        f"minibatches({n}, {batch_size}) gave batches of sizes {got_sizes}, expected {sizes} "
        "(full batches first, the remainder last)"
    )
    assert sorted(everything.tolist()) == list(range(n)), (
        f"the batches together should hold each of 0..{n - 1} exactly once; "
        f"got {sorted(everything.tolist())}"
    )


@pytest.mark.exercise("minibatches")
def test_minibatches_are_shuffled_and_differ_between_epochs(impl):
    rng = np.random.default_rng(1)
    first = epochs_of(impl.minibatches(50, 10, rng), 50, "minibatches(50, 10)")
    second = epochs_of(impl.minibatches(50, 10, rng), 50, "minibatches(50, 10)")
    check_array(np.sort(first), np.arange(50), what="the sorted indices of one epoch (each once)")
    assert not np.array_equal(first, np.arange(50)), "the examples should be shuffled"
    assert not np.array_equal(first, second), (
        "two epochs drawn from the same rng should be shuffled differently"
    )


@pytest.mark.exercise("minibatches")
def test_minibatches_depend_on_the_seed_only(impl):
    a, b, c = (
        epochs_of(impl.minibatches(50, 10, np.random.default_rng(seed)), 50, "minibatches(50, 10)")
        for seed in (3, 3, 4)
    )
    assert np.array_equal(a, b), "the same seed should give the same minibatches"
    assert not np.array_equal(a, c), "different seeds should give different minibatches"


# ---------------------------------------------------------------- 6.4 train_digit_network


def _blobs(n=150, dim=64, classes=3, seed=0):
    """Well separated clusters: class k is centred on 4 * e_k, with unit Gaussian noise."""
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % classes
    return 4.0 * np.eye(classes, dim)[labels] + rng.normal(size=(n, dim)), labels


def trained(impl, x, labels, *, classes: int = 3, **kwargs) -> tuple[dict, np.ndarray]:
    """train_digit_network's (params, losses), after checking their types and shapes."""
    what = "train_digit_network"
    params, losses = expect_items(
        impl.train_digit_network(x, labels, **kwargs), 2, what=what, kind="a pair (params, losses)"
    )
    d, hidden = int(np.prod(x.shape[1:])), kwargs["hidden"]
    shapes = {"W1": (d, hidden), "b1": (hidden,), "W2": (hidden, classes), "b2": (classes,)}
    if not isinstance(params, dict) or sorted(params) != sorted(shapes):
        got = sorted(params) if isinstance(params, dict) else type(params).__name__
        raise AssertionError(
            f"{what}'s params should be a dict with keys {sorted(shapes)}; got {got}"
        )
    for key, shape in shapes.items():
        expect_array(params[key], what=f"{what}'s params[{key!r}]", shape=shape)
    epochs = kwargs.get("epochs", 5)
    expect_array(losses, what=f"{what}'s losses (one mean loss per epoch)", shape=(epochs,))
    return params, losses


@pytest.mark.exercise("train_digit_network")
def test_training_loss_falls(impl):
    x, labels = _blobs()
    _, losses = trained(impl, x, labels, hidden=32, epochs=4, learning_rate=0.1, batch_size=16)
    assert losses[-1] < 0.5 * losses[0], f"the loss should fall during training; got {losses}"
    assert losses[-1] < math.log(3), f"the last epoch's loss should be below log(3); got {losses}"


@pytest.mark.exercise("train_digit_network")
def test_epoch_loss_is_the_mean_of_the_minibatch_losses(impl):
    # With a negligible learning rate the parameters stay at their initial values, so the
    # mean over 4 equal minibatches is the mean cross entropy of the initial network on all
    # 60 examples (init_digit_network is provided in backprop.py).
    x, labels = _blobs(n=60, dim=16)
    _, losses = trained(impl, x, labels, hidden=8, epochs=2, learning_rate=1e-12, batch_size=15,
                        seed=4)  # fmt: skip
    p = impl.init_digit_network((16, 8, 3), 4)
    scores = np.maximum(x @ p["W1"] + p["b1"], 0.0) @ p["W2"] + p["b2"]
    log_norm = scores.max(axis=1) + np.log(
        np.exp(scores - scores.max(axis=1, keepdims=True)).sum(1)
    )
    initial_loss = np.mean(log_norm - scores[np.arange(60), labels])
    what = "mean minibatch loss per epoch with learning_rate=1e-12 (the initial network)"
    check_array(losses, [initial_loss, initial_loss], what=what)


@pytest.mark.exercise("train_digit_network")
def test_trained_network_classifies_the_training_blobs(impl):
    x, labels = _blobs()
    params, _ = trained(impl, x, labels, hidden=32, epochs=4, batch_size=16)
    hidden = np.maximum(x @ params["W1"] + params["b1"], 0.0)
    accuracy = np.mean(np.argmax(hidden @ params["W2"] + params["b2"], axis=1) == labels)
    assert accuracy > 0.95, f"training accuracy on well separated blobs is only {accuracy:.2f}"


@pytest.mark.exercise("train_digit_network")
def test_training_is_reproducible_from_the_seed(impl):
    x, labels = _blobs(n=60, dim=16)
    a, b, c = (trained(impl, x, labels, hidden=8, epochs=2, seed=s)[1] for s in (3, 3, 4))
    assert np.array_equal(a, b), (
        "two runs with the same seed gave different losses: draw every random number from the "
        "seed (init_digit_network(..., seed), np.random.default_rng(seed)), never from "
        "np.random's global state"
    )
    assert not np.allclose(a, c), (
        f"runs with seeds 3 and 4 should differ (initial weights, shuffling); both gave {a}"
    )
    assert 0 < a[1] < a[0], f"the loss should be positive and fall over the epochs; got {a}"


@pytest.mark.exercise("train_digit_network")
def test_training_on_images_flattens_them(impl):
    x, labels = _blobs(n=60, dim=16)
    params, losses = trained(impl, x.reshape(60, 4, 4), labels, hidden=8, epochs=2)
    flat_params, flat_losses = trained(impl, x, labels, hidden=8, epochs=2)
    check_array(losses, flat_losses, what="losses on (N, 4, 4) images (as on the flat (N, 16))")
    check_array(params["W1"], flat_params["W1"], what="W1 trained on (N, 4, 4) images")
    assert 0 < losses[1] < losses[0], f"the loss should be positive and fall; got {losses}"
