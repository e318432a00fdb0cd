"""What catalogued mistakes in gradient descent and SGD training would output (trusted side).

Each factory returns :class:`~deepgrade.feedback.Mistake` objects for one checked value;
their outputs come from small re-implementations with one thing done wrong (built on the
reference solutions), computed only when a check fails.
"""

from __future__ import annotations

import numpy as np

from deepgrade.feedback import Mistake
from solutions import backprop as ref_backprop
from solutions import gradient_descent as ref

# ---------------------------------------------------------------- gradient_descent


def descent_path(gradient, w0, learning_rate, steps, *, sign=-1.0, use_lr=True, with_w0=True,
                 at_start=False, in_place=False, extra_steps=0, moves=True):  # fmt: skip
    """The path of gradient descent with the given deviations (``gradient`` is trusted)."""
    w0 = np.asarray(w0, dtype=np.float64)
    lr = learning_rate if use_lr else 1.0
    w, path = w0.copy(), [w0.copy()]
    with np.errstate(all="ignore"):
        for _ in range(steps + extra_steps):
            g = np.asarray(gradient(w0 if at_start else w), dtype=np.float64)
            w = w + sign * lr * g if moves else w
            path.append(w)
    if in_place:  # every entry of the list is the one array, left at the last point
        path = [w] * len(path)
    if not with_w0:
        path = path[1:]
    return np.array(path, dtype=np.float64)


def _shifted(path: np.ndarray) -> np.ndarray:
    """w0, then the path without its last point (each point appended before its update)."""
    if len(path) < 2:
        raise ValueError("no step to shift")
    return np.concatenate([path[:1], path[:-1]])


def gradient_descent_mistakes(gradient, w0, learning_rate, steps) -> list[Mistake]:
    """For the path returned by ``gradient_descent``."""

    def path(**kw):
        return lambda: descent_path(gradient, w0, learning_rate, steps, **kw)

    mistakes = [
        Mistake(
            "gradient descent ascending",
            "your path moves along the gradient, uphill (w + learning_rate * gradient(w)); "
            "gradient descent moves against it: w - learning_rate * gradient(w)",
            path(sign=1.0),
        ),
        Mistake(
            "learning rate ignored",
            "your path takes full gradient steps, w - gradient(w), as if the learning rate "
            "were 1; each step is w - learning_rate * gradient(w)",
            path(use_lr=False),
        ),
        Mistake(
            "gradient at the start",
            "each of your steps uses the gradient at w0; evaluate the gradient at the current "
            "point: w_{t+1} = w_t - learning_rate * gradient(w_t)",
            path(at_start=True),
        ),
        Mistake(
            "path without w0",
            "your path leaves out the starting point; path[0] must be w0, so the path holds "
            "steps + 1 points",
            path(with_w0=False),
        ),
        Mistake(
            "one step too many",
            "your path makes one update more than `steps`; it holds w0 and then exactly "
            "`steps` updates",
            path(extra_steps=1),
        ),
        Mistake(
            "every point is the last one",
            "every entry of your path is the final point: you update w in place (w -= ...) "
            "and append the same array each time; build a new array each step "
            "(w = w - learning_rate * gradient(w))",
            path(in_place=True),
        ),
        Mistake(
            "path shifted by one step",
            "your path holds w0 twice and stops one step early: each point is appended before "
            "its update; append w after w = w - learning_rate * gradient(w)",
            lambda: _shifted(descent_path(gradient, w0, learning_rate, steps)),
        ),
        Mistake(
            "w never updated",
            "every point of your path is w0: the step w - learning_rate * gradient(w) is "
            "computed but never stored; write w = w - learning_rate * gradient(w)",
            path(moves=False),
        ),
        Mistake(
            "only the final point",
            "you return only where the skier ends up; return the whole path, shape "
            "(steps + 1, *w0.shape)",
            lambda: descent_path(gradient, w0, learning_rate, steps)[-1],
        ),
    ]
    if steps > 1:
        mistakes.append(
            Mistake(
                "one step too few",
                "your path makes one update fewer than `steps`; it holds w0 and then "
                "exactly `steps` updates",
                path(extra_steps=-1),
            )
        )
    return mistakes


# ---------------------------------------------------------------- sgd_step


def _is_bias(key: str) -> bool:
    return key.startswith("b") or "bias" in key.lower()


def sgd_step_mistakes(params, grads, learning_rate, key) -> list[Mistake]:
    """For ``sgd_step(params, grads, learning_rate)[key]``, ``grads`` in the order sent."""
    p, g = np.asarray(params[key], np.float64), np.asarray(grads[key], np.float64)
    by_position = list(grads.values())[list(params).index(key)]
    not_updated = (
        ("biases not updated", f"your {key!r} came back unchanged: sgd_step must update every "
         "parameter, the biases as well as the weights")
        if _is_bias(key)
        else ("parameter not updated", f"your {key!r} came back unchanged: sgd_step must "
              "update every parameter in the dict, whatever its name")
    )  # fmt: skip
    return [
        Mistake(*not_updated, lambda: p),
        Mistake(
            "gradient descent ascending",
            "your update adds the gradient (params + learning_rate * grads); gradient "
            "descent subtracts it: params[k] - learning_rate * grads[k]",
            lambda: p + learning_rate * g,
        ),
        Mistake(
            "learning rate ignored",
            "your update subtracts the whole gradient, as if the learning rate were 1; "
            "it is params[k] - learning_rate * grads[k]",
            lambda: p - g,
        ),
        Mistake(
            "gradients matched by position",
            f"your new {key!r} subtracts the gradient at the same position in grads, not "
            f"grads[{key!r}]: the two dicts need not list their keys in the same order "
            "(zip(params.values(), grads.values()) pairs them by position); look each "
            "gradient up by key: params[k] - learning_rate * grads[k]",
            lambda: p - learning_rate * np.asarray(by_position, np.float64),
        ),
        Mistake(
            "learning rate divides",
            "your update divides the gradient by the learning rate; multiply: "
            "params[k] - learning_rate * grads[k]",
            lambda: p - g / learning_rate,
        ),
    ]


# ---------------------------------------------------------------- minibatches


def minibatch_order_mistakes(n: int, seed: int) -> list[Mistake]:
    """For the concatenated batches of ``minibatches(n, batch_size, default_rng(seed))``."""

    def drawn(method):
        return lambda: method(np.random.default_rng(seed))

    return [
        Mistake(
            "sampling with replacement",
            "your batches draw indices with replacement (rng.choice(n, n) or rng.integers), "
            "so some examples come more than once and others never; shuffle a permutation: "
            "order = rng.permutation(n)",
            drawn(lambda rng: rng.choice(n, size=n)),
        ),
        Mistake(
            "sampling with replacement",
            "your batches draw indices with replacement (rng.integers(0, n, n)), so some "
            "examples come more than once and others never; shuffle a permutation: "
            "order = rng.permutation(n)",
            drawn(lambda rng: rng.integers(0, n, size=n)),
        ),
        Mistake(
            "not shuffled",
            "your batches are not shuffled (0, 1, 2, ... in order); shuffle first with "
            "order = rng.permutation(n)",
            lambda: np.arange(n),
        ),
        Mistake(
            "shuffled with rng.choice",
            "you shuffle with rng.choice(n, n, replace=False); that is a permutation too, but "
            "the recipe (and the reproducible training) uses order = rng.permutation(n)",
            drawn(lambda rng: rng.choice(n, size=n, replace=False)),
        ),
    ]


# ---------------------------------------------------------------- train_digit_network


def train(x, labels, hidden, epochs, learning_rate, batch_size, seed, num_classes=None, *,
          record="mean", reseed_each_epoch=False, update_biases=True, init_seed=None,
          update=True, shuffle_seed=None, default_rate=False):  # fmt: skip
    """The reference recipe with one deviation; returns ``(params, losses)``."""
    x = np.asarray(x, dtype=np.float64).reshape(len(x), -1)
    labels = np.asarray(labels)
    classes = int(labels.max()) + 1 if num_classes is None else num_classes
    params = ref_backprop.init_digit_network(
        (x.shape[1], hidden, classes), seed if init_seed is None else init_seed
    )
    rng_seed = seed if shuffle_seed is None else shuffle_seed
    if default_rate:  # the function's default, whatever the caller passed
        learning_rate = 0.1
    rng = np.random.default_rng(rng_seed)
    losses = []
    for _ in range(epochs):
        if reseed_each_epoch:
            rng = np.random.default_rng(rng_seed)
        epoch_losses, sizes = [], []
        for idx in ref.minibatches(x.shape[0], batch_size, rng):
            loss, grads = ref_backprop.digit_network(params, x[idx], labels[idx])
            if update:
                new = ref.sgd_step(params, grads, learning_rate)
                if not update_biases:
                    new = {k: (params[k] if k.startswith("b") else v) for k, v in new.items()}
                params = new
            epoch_losses.append(loss)
            sizes.append(len(idx))
        summary = {
            "mean": lambda e=epoch_losses: np.mean(e),
            "last": lambda e=epoch_losses: e[-1],
            "sum": lambda e=epoch_losses: np.sum(e),
            "weighted": lambda e=epoch_losses, s=sizes: np.average(e, weights=s),
        }[record]
        losses.append(summary())
    return params, np.array(losses)


TRAINING_VARIANTS: list[tuple[str, str, dict]] = [
    (
        "biases not updated",
        "your biases b1 and b2 never change during training: the SGD step must update "
        "every parameter, the biases as well as the weights",
        {"update_biases": False},
    ),
    (
        "parameters never updated",
        "your parameters never change: keep what sgd_step returns "
        "(params = sgd_step(params, grads, learning_rate))",
        {"update": False},
    ),
    (
        "last minibatch loss",
        "you record the loss of the epoch's last minibatch; record the mean of all the "
        "epoch's minibatch losses",
        {"record": "last"},
    ),
    (
        "summed minibatch losses",
        "you record the sum of the epoch's minibatch losses; record their mean",
        {"record": "sum"},
    ),
    (
        "mean over examples",
        "you weight each minibatch's loss by its size (the mean over examples); the recipe "
        "records the plain mean of the minibatch losses, the last smaller batch counting "
        "as much as the others",
        {"record": "weighted"},
    ),
    (
        "same shuffle every epoch",
        "you create the random generator again each epoch, so every epoch has the same "
        "minibatches; create rng = np.random.default_rng(seed) once, before the epochs",
        {"reseed_each_epoch": True},
    ),
    (
        "learning rate ignored",
        "your training uses the default learning rate 0.1, not the learning_rate passed: "
        "pass it on, sgd_step(params, grads, learning_rate)",
        {"default_rate": True},
    ),
    (
        "initial weights ignore the seed",
        "your initial weights do not come from init_digit_network((D, hidden, num_classes), "
        "seed) with the given seed",
        {"init_seed": 0},
    ),
    (
        "shuffling ignores the seed",
        "your minibatches do not come from rng = np.random.default_rng(seed) with the given seed",
        {"shuffle_seed": 0},
    ),
]


def training_mistakes(args: tuple, kwargs: dict, part: str) -> list[Mistake]:
    """For ``train_digit_network(*args, **kwargs)``'s ``losses`` (``part="losses"``) or
    one parameter (``part`` one of W1, b1, W2, b2). ``args`` are all seven positionals."""
    return [
        Mistake(name, explanation, lambda kw=kw: _part(train(*args, **kwargs, **kw), part))
        for name, explanation, kw in TRAINING_VARIANTS
    ]


def _part(result, part: str):
    params, losses = result
    return losses if part == "losses" else params[part]
