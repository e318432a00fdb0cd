"""Hidden tests for topic 6: gradient descent, SGD steps, minibatches, training the digit net.

Beyond the public tests: whole skier paths from several starts and learning rates,
quadratics and a non-linear landscape on vector parameters (the gradient functions are
plain Python functions that run here, on the grader's side, when the submission calls
them), SGD on parameter dicts of any keys and shapes, minibatch partitions for many
(n, batch_size), the minibatch recipe and its use of the generator, and a small training
run compared with the reference recipe exactly. Expected values come from the reference
(``solutions.gradient_descent``); ``mistakes_gradient_descent`` names catalogued bugs.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograder.suites import mistakes_gradient_descent as mis
from autograder.suites.support import DETERMINISTIC as FAST
from autograder.suites.support import Cases, check_unchanged, fresh
from deepgrade.evidence import finding
from deepgrade.feedback import check_array
from solutions import gradient_descent as ref

# ---------------------------------------------------------------- 6.1 gradient_descent


def check_path(path, gradient, w0, lr, steps, *, what: str) -> None:
    shape = (steps + 1, *np.shape(w0))
    check_array(
        path, ref.gradient_descent(gradient, w0, lr, steps),
        what=what, shape_rule=f"(steps + 1, *w0.shape) = {shape}",
        mistakes=mis.gradient_descent_mistakes(gradient, w0, lr, steps),
    )  # fmt: skip


@pytest.mark.exercise("gradient_descent")
@pytest.mark.points(1)
@pytest.mark.parametrize(
    ("w0", "lr", "steps"), [(-1.9, 0.02, 40), (0.3, 0.03, 30), (2.2, 0.005, 25), (-0.5, 0.1, 3)]
)
def test_skier_whole_path(impl, w0, lr, steps):
    path = impl.gradient_descent(impl.skier_gradient, w0, lr, steps)
    what = f"the skier's path from w0 = {w0} (learning rate {lr}, {steps} steps)"
    check_path(path, ref.skier_gradient, w0, lr, steps, what=what)


@pytest.mark.exercise("gradient_descent")
@pytest.mark.points(1)
@pytest.mark.parametrize("lr", [0.1, 0.35])
def test_shifted_quadratic_path(impl, lr):
    # L(w) = 1.5 (w - 2)**2: the minimum is at 2, not 0, and the curvature is not 1.
    def gradient(w):
        return 3.0 * (np.asarray(w) - 2.0)

    path = impl.gradient_descent(gradient, -1.0, lr, 12)
    what = f"gradient descent on L = 1.5 (w - 2)**2 from w0 = -1 (learning rate {lr})"
    check_path(path, gradient, -1.0, lr, 12, what=what)


@pytest.mark.exercise("gradient_descent")
@pytest.mark.points(1.5)
def test_vector_parameter_on_a_non_linear_landscape(impl):
    # L(w) = sum(a (w - m)**2 / 2 + w**4 / 40): coordinates with their own curvature.
    rng = np.random.default_rng(6101)
    a, m = rng.uniform(0.5, 2.0, size=(2, 3)), rng.normal(size=(2, 3))
    w0 = rng.normal(scale=2.0, size=(2, 3))

    def gradient(w):
        w = np.asarray(w)
        return a * (w - m) + w**3 / 10.0

    path = impl.gradient_descent(gradient, w0.copy(), 0.2, 15)
    what = "gradient descent on a (2, 3) parameter (learning rate 0.2, 15 steps)"
    check_path(path, gradient, w0, 0.2, 15, what=what)


@pytest.mark.exercise("gradient_descent")
@pytest.mark.points(0.5)
def test_zero_and_one_step_on_a_vector(impl):
    w0 = np.array([1.0, -2.0, 0.5, 3.0])

    def gradient(w):
        return np.sin(np.asarray(w)) + 0.5

    for steps in (0, 1):
        path = impl.gradient_descent(gradient, w0.copy(), 0.3, steps)
        check_path(path, gradient, w0, 0.3, steps,
                   what=f"gradient descent with steps={steps} from a (4,) w0")  # fmt: skip


# ---------------------------------------------------------------- 6.2 sgd_step


def random_params(seed: int, shapes: dict) -> tuple[dict, dict]:
    rng = np.random.default_rng(seed)
    params = {k: rng.normal(size=s) for k, s in shapes.items()}
    grads = {k: rng.normal(scale=3.0, size=s) for k, s in shapes.items()}
    return params, grads


NETWORK_SHAPES = {"W1": (5, 4), "b1": (4,), "W2": (4, 3), "b2": (3,)}


def check_sgd(new, params, grads, lr, *, what: str) -> None:
    """``new`` against the reference; ``grads`` as sent (the reference looks keys up)."""
    assert isinstance(new, dict), f"{what}: sgd_step should return a dict, got {type(new).__name__}"
    assert set(new) == set(params), (
        f"{what}: sgd_step should return a dict with the keys of params, "
        f"{sorted(params)}; got {sorted(new)}"
    )
    expected = ref.sgd_step(params, grads, lr)
    cases = Cases()
    for key in params:
        cases.check(
            check_array, new[key], expected[key], what=f"{what}: the new {key!r}",
            mistakes=mis.sgd_step_mistakes(params, grads, lr, key),
        )  # fmt: skip
    cases.done()


@pytest.mark.exercise("sgd_step")
@pytest.mark.points(2)
def test_sgd_step_random_network_parameters(impl):
    params, grads = random_params(6201, NETWORK_SHAPES)
    new = impl.sgd_step(fresh(params), fresh(grads), 0.05)
    check_sgd(new, params, grads, 0.05, what="sgd_step on a 5-4-3 network (learning rate 0.05)")


@pytest.mark.exercise("sgd_step")
@pytest.mark.points(1)
def test_sgd_step_any_keys_and_shapes(impl):
    shapes = {"kernel": (2, 2, 3), "bias": (3,), "gamma": (1,), "z": (6,)}
    params, grads = random_params(6202, shapes)
    new = impl.sgd_step(fresh(params), fresh(grads), 0.3)
    what = "sgd_step on keys 'kernel' (2, 2, 3), 'bias' (3,), 'gamma' (1,) and 'z' (6,)"
    check_sgd(new, params, grads, 0.3, what=what)


@pytest.mark.exercise("sgd_step")
@pytest.mark.points(1)
def test_sgd_step_matches_gradients_by_key_not_by_order(impl):
    # grads lists the keys in another order than params: zip(params.values(), grads.values())
    # would subtract the wrong gradient (where the shapes agree, silently)
    params, grads = random_params(6205, {"W1": (3, 3), "b1": (3,), "W2": (3, 3), "b2": (3,)})
    shuffled = {key: grads[key] for key in ("b2", "W2", "b1", "W1")}
    new = impl.sgd_step(fresh(params), fresh(shuffled), 0.1)
    what = "sgd_step with grads whose keys come in another order than params'"
    check_sgd(new, params, shuffled, 0.1, what=what)


@pytest.mark.exercise("sgd_step")
@pytest.mark.points(1)
def test_sgd_step_uses_the_learning_rate(impl):
    params, grads = random_params(6203, NETWORK_SHAPES)
    for lr in (1e-3, 2.5):
        new = impl.sgd_step(fresh(params), fresh(grads), lr)
        check_sgd(new, params, grads, lr, what=f"sgd_step with learning rate {lr}")


@pytest.mark.exercise("sgd_step")
@pytest.mark.points(1)
def test_sgd_step_leaves_params_and_grads_unchanged(impl):
    params, grads = random_params(6204, NETWORK_SHAPES)
    new, after, _ = impl.with_inputs("sgd_step")(fresh(params), fresh(grads), 0.1)
    for name, original, now in (("params", params, after[0]), ("grads", grads, after[1])):
        assert isinstance(now, dict) and set(now) == set(original), (
            f"sgd_step changed the keys of its input {name}; leave the dict as it was"
        )
        keys = list(original)
        check_unchanged([now[k] for k in keys], [original[k] for k in keys],
                        [f"{name}[{k!r}]" for k in keys], "sgd_step")  # fmt: skip
    check_sgd(new, params, grads, 0.1, what="sgd_step (learning rate 0.1)")


# ---------------------------------------------------------------- 6.3 minibatches


def concatenated(batches, what: str) -> np.ndarray:
    assert isinstance(batches, list), (
        f"{what}: minibatches should return a list of index arrays, got {type(batches).__name__}"
    )
    arrays = [np.asarray(b) for b in batches]
    for b in arrays:
        assert b.ndim == 1 and np.issubdtype(b.dtype, np.integer), (
            f"{what}: each batch should be a 1-D array of integer indices; got one of shape "
            f"{b.shape} and dtype {b.dtype}"
        )
    return np.concatenate(arrays) if arrays else np.zeros(0, dtype=int)


def check_partition(batches, n: int, batch_size: int) -> None:
    """Every example exactly once, in ceil(n / batch_size) batches, the remainder last."""
    what = f"minibatches(n={n}, batch_size={batch_size})"
    order = concatenated(batches, what)
    count = np.bincount(order[(order >= 0) & (order < n)], minlength=n)
    assert order.size == 0 or (order.min() >= 0 and order.max() < n), (
        f"{what}: the indices must lie in 0..{n - 1}"
    )
    assert count.max(initial=0) <= 1, (
        f"{what}: some examples are in the epoch more than once and others never (sampling "
        "with replacement?); every example must appear exactly once: shuffle a permutation, "
        "order = rng.permutation(n), and cut it into pieces"
    )
    sizes = [len(b) for b in batches]
    want = [batch_size] * (n // batch_size) + ([n % batch_size] if n % batch_size else [])
    if n % batch_size and sum(sizes) == n - n % batch_size and sizes == want[:-1]:
        raise AssertionError(
            f"{what}: your batches hold {sum(sizes)} of the {n} examples: the last, smaller "
            f"batch of {n % batch_size} is missing; keep it, so every example is used"
        )
    assert count.min(initial=1) == 1, (
        f"{what}: your batches leave out {int((count == 0).sum())} of the {n} examples; "
        "every example must appear exactly once per epoch"
    )
    assert sizes == want, (
        f"{what}: batches of sizes {sizes}, expected {want} "
        f"(ceil(n / batch_size) = {math.ceil(n / batch_size)} batches, full ones first, the "
        "remainder last)"
    )


@pytest.mark.exercise("minibatches")
@pytest.mark.points(2)
def test_minibatches_partition_every_epoch(impl):
    @FAST
    @given(n=st.integers(1, 60), batch_size=st.integers(1, 70), seed=st.integers(0, 2**31))
    def run(n, batch_size, seed):
        check_partition(impl.minibatches(n, batch_size, np.random.default_rng(seed)), n, batch_size)

    run()


@pytest.mark.exercise("minibatches")
@pytest.mark.points(1)
@pytest.mark.parametrize(("n", "batch_size", "seed"), [(23, 5, 11), (40, 40, 12), (9, 2, 13)])
def test_minibatches_follow_the_recipe(impl, n, batch_size, seed):
    # order = rng.permutation(n), one call, cut into consecutive pieces: the same indices
    # in the same order as the reference, and the generator left in the same state.
    rng, ref_rng = np.random.default_rng(seed), np.random.default_rng(seed)
    what = f"minibatches(n={n}, batch_size={batch_size}) concatenated"
    order = concatenated(impl.minibatches(n, batch_size, rng), what)
    again = concatenated(impl.minibatches(n, batch_size, np.random.default_rng(seed)), what)
    if not np.array_equal(order, again):  # its numbers would differ from run to run
        raise finding(
            "a random source other than rng",
            f"{what}: two generators of the same seed gave different orders: draw only from "
            "the rng argument (not np.random's global state), so a seed reproduces the batches",
        )
    expected = ref.minibatches(n, batch_size, ref_rng)
    check_array(
        order, np.concatenate(expected), what=f"{what} (with order = rng.permutation(n))",
        mistakes=mis.minibatch_order_mistakes(n, seed),
    )  # fmt: skip
    assert rng.random() == ref_rng.random(), (
        f"minibatches(n={n}, batch_size={batch_size}) drew from rng more or less than the "
        "recipe: exactly one call, order = rng.permutation(n)"
    )


@pytest.mark.exercise("minibatches")
@pytest.mark.points(1)
def test_minibatches_draw_from_the_given_generator(impl):
    rng = np.random.default_rng(61)
    first = concatenated(impl.minibatches(30, 7, rng), "minibatches(30, 7)")
    second = concatenated(impl.minibatches(30, 7, rng), "minibatches(30, 7)")
    if np.array_equal(first, np.arange(30)):
        raise finding(
            "not shuffled",
            "minibatches(30, 7): the examples are not shuffled; shuffle with rng.permutation(n)",
        )
    if np.array_equal(first, second):
        raise finding(
            "a generator of your own",
            "two calls of minibatches(30, 7) with the same generator gave the same order: draw "
            "from the rng you are given (it advances), not from a generator you create yourself",
        )
    again = concatenated(impl.minibatches(30, 7, np.random.default_rng(61)), "minibatches(30, 7)")
    if not np.array_equal(first, again):
        raise finding(
            "a random source other than rng",
            "minibatches(30, 7) with two generators of the same seed gave different orders: "
            "draw only from the rng argument (not np.random's global state), so a seed "
            "reproduces the batches",
        )


# ---------------------------------------------------------------- 6.4 train_digit_network


def blobs(n: int, dim: int, classes: int, seed: int):
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % classes
    return 3.0 * np.eye(classes, dim)[labels] + rng.normal(size=(n, dim)), labels


# x (60, 16), four classes; positional args as train_digit_network takes them.
TRAIN_ARGS = dict(hidden=8, epochs=3, learning_rate=0.2, batch_size=16, seed=7)


def train_case():
    x, labels = blobs(60, 16, 4, seed=6401)
    return (x, labels, *TRAIN_ARGS.values())


def unpack(out, what: str):
    assert isinstance(out, tuple | list) and len(out) == 2, (
        f"{what}: train_digit_network should return a pair (params, losses), "
        f"got {type(out).__name__}"
    )
    params, losses = out
    assert isinstance(params, dict) and set(params) == {"W1", "b1", "W2", "b2"}, (
        f"{what}: params should be a dict with keys W1, b1, W2, b2; got "
        f"{sorted(params) if isinstance(params, dict) else type(params).__name__}"
    )
    return params, losses


@pytest.mark.exercise("train_digit_network")
@pytest.mark.points(2)
def test_training_losses_follow_the_recipe(impl):
    args = train_case()
    _, losses = unpack(impl.train_digit_network(*fresh(args)), "training")
    _, again = unpack(impl.train_digit_network(*fresh(args)), "training")
    if not (isinstance(losses, np.ndarray) and isinstance(again, np.ndarray)
            and losses.shape == again.shape and np.array_equal(losses, again)):  # fmt: skip
        raise finding(
            "a random source other than the seed",
            "two trainings with the same seed gave different losses: draw every random "
            "number from the seed (init_digit_network(..., seed) and rng = "
            "np.random.default_rng(seed)), never from np.random's global state",
        )
    check_array(
        losses, ref.train_digit_network(*args)[1],
        what="the mean minibatch loss of each epoch (60 examples of dimension 16, 4 classes, "
        "hidden=8, 3 epochs, batch_size=16, seed=7)",
        shape_rule="(epochs,) = (3,)",
        mistakes=mis.training_mistakes(args, {}, "losses"),
    )  # fmt: skip


@pytest.mark.exercise("train_digit_network")
@pytest.mark.points(1.5)
def test_trained_parameters_follow_the_recipe(impl):
    args = train_case()
    params, _ = unpack(impl.train_digit_network(*fresh(args)), "training")
    expected = ref.train_digit_network(*args)[0]
    cases = Cases()
    for key in ("b1", "b2", "W1", "W2"):
        cases.check(
            check_array, params[key], expected[key],
            what=f"the trained {key} (60 examples of dimension 16, 4 classes, hidden=8, "
            "3 epochs, batch_size=16, seed=7)",
            mistakes=mis.training_mistakes(args, {}, key),
        )  # fmt: skip
    cases.done()


@pytest.mark.exercise("train_digit_network")
@pytest.mark.points(1)
def test_training_loss_falls_with_extra_classes(impl):
    # Labels 0..2 but num_classes=5: the output layer has 5 neurons, two never seen.
    x, labels = blobs(48, 12, 3, seed=6402)
    args = (x, labels, 6, 4, 0.3, 10, 3)
    what = "training with num_classes=5 on labels 0..2 (48 examples of dimension 12, hidden=6)"
    params, losses = unpack(impl.train_digit_network(*fresh(args), num_classes=5), what)
    shapes = {k: np.shape(v) for k, v in params.items()}
    want = {"W1": (12, 6), "b1": (6,), "W2": (6, 5), "b2": (5,)}
    assert shapes == want, f"{what}: parameter shapes {shapes}, expected {want}"
    assert isinstance(losses, np.ndarray) and losses.shape == (4,), (
        f"{what}: losses should be an array of shape (epochs,) = (4,)"
    )
    assert np.all(np.isfinite(losses)) and losses[-1] < losses[0], (
        f"{what}: the loss should fall from the first epoch to the last"
    )
    check_array(
        losses, ref.train_digit_network(*args, num_classes=5)[1],
        what=f"{what}: the loss of each epoch",
        mistakes=mis.training_mistakes(args, {"num_classes": 5}, "losses"),
    )  # fmt: skip


@pytest.mark.exercise("train_digit_network")
@pytest.mark.points(0.5)
def test_training_leaves_its_inputs_unchanged(impl):
    x, labels = blobs(30, 8, 3, seed=6403)
    out, after, _ = impl.with_inputs("train_digit_network")(
        x.copy(), labels.copy(), 4, 2, 0.1, 8, 5
    )
    check_unchanged(after[:2], [x, labels], ["x", "labels"], "train_digit_network")
    _, losses = unpack(out, "training")
    args = (x, labels, 4, 2, 0.1, 8, 5)
    check_array(
        losses, ref.train_digit_network(*args)[1],
        what="the mean minibatch loss of each epoch (30 examples of dimension 8, 3 classes, "
        "hidden=4, 2 epochs, batch_size=8, seed=5)",
        shape_rule="(epochs,) = (2,)",
        mistakes=mis.training_mistakes(args, {}, "losses"),
    )  # fmt: skip
