"""Topic 6: gradient descent, from the slides' skier to training the digit network.

The slides: suppose the network has a single real parameter ``w`` and a loss ``L(w)``.
The skier wants to get to the lowest point. Where the derivative at the skier's position
is negative, the skier should move rightward: *in general the skier should move in the
opposite direction of the derivative*. In higher dimensions this is **gradient descent**.
The landscape is not known in advance: a skier who starts left of the hill stops in
the valley there and "wouldn't know there's a better solution beyond the hill".

Provided here: the skier's landscape (:func:`skier_loss`, :func:`skier_gradient`).
You write :func:`gradient_descent`, :func:`sgd_step`, :func:`minibatches` and
:func:`train_digit_network`, which trains the digit network of topic 4 with *your*
backpropagation (``backprop.digit_network``) and *your* SGD.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike

from ._validate import as_float_array, class_labels, non_negative_int, positive_int

_ANY_RANK = tuple(range(0, 33))

# The skier landscape's critical points (roots of 4w^3 - 8w - 1), to float64 precision.
SKIER_LOCAL_MINIMUM = -1.3469974085277738  # the valley left of the hill, L = -2.6186
SKIER_HILLTOP = -0.1260001925862561  # the hill between the two valleys, L = 0.0627
SKIER_GLOBAL_MINIMUM = 1.4729976011140300  # the lowest point, L = -5.4442


def skier_loss(w: ArrayLike) -> float | np.ndarray:
    """The skier's landscape: ``L(w) = w**4 - 4*w**2 - w`` (provided).

    Two valleys separated by a hill at w ≈ -0.126: a local minimum at w ≈ -1.347
    (L ≈ -2.619) and the global minimum at w ≈ 1.473 (L ≈ -5.444).

    Args:
        w: a number or an array of any shape (elementwise).

    Returns:
        A float64 number for a number, else a new float64 array of the same shape.

    Example:
        >>> print(round(float(skier_loss(SKIER_GLOBAL_MINIMUM)), 4), skier_loss([0.0, 1.0]))
        -5.4442 [ 0. -4.]
    """
    w = as_float_array(w, "w", "skier_loss", ndim=_ANY_RANK, layout="of any shape")
    return (w**4 - 4.0 * w**2 - w)[()]


def skier_gradient(w: ArrayLike) -> float | np.ndarray:
    """The derivative of :func:`skier_loss`: ``L'(w) = 4*w**3 - 8*w - 1`` (provided).

    Negative left of each valley's bottom (the skier should move right), positive right
    of it.

    Args:
        w: a number or an array of any shape (elementwise).

    Returns:
        A float64 number for a number, else a new float64 array of the same shape.

    Example:
        >>> print(skier_gradient([-2.0, 0.0, 2.0]))
        [-17.  -1.  15.]
    """
    w = as_float_array(w, "w", "skier_gradient", ndim=_ANY_RANK, layout="of any shape")
    return (4.0 * w**3 - 8.0 * w - 1.0)[()]


def _learning_rate(value, fn: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{fn}: learning_rate must be a positive number, got {value!r}")
    if not (np.isfinite(value) and value > 0):
        raise ValueError(f"{fn}: learning_rate must be a positive finite number, got {value}")
    return float(value)


def _checked_gradient(gradient, shape: tuple[int, ...], fn: str) -> Callable:
    """``gradient`` wrapped so that what it returns is float64 with the shape of ``w``."""
    if not callable(gradient):
        raise TypeError(f"{fn}: gradient must be a function of w, got {type(gradient).__name__}")

    def checked(w):
        g = as_float_array(gradient(w), "gradient(w)", fn, ndim=_ANY_RANK, layout="like w")
        if g.shape != shape:
            raise ValueError(f"{fn}: gradient(w) must have the shape of w0, {shape}; got {g.shape}")
        return g

    return checked


def gradient_descent(
    gradient: Callable[[np.ndarray], ArrayLike], w0: ArrayLike, learning_rate: float, steps: int
) -> np.ndarray:
    """Plain gradient descent: move against the derivative, ``steps`` times.

    ::

        w_{t+1} = w_t - learning_rate * gradient(w_t),   t = 0 .. steps - 1

    Args:
        gradient: a function returning the gradient of the loss at ``w`` (same shape as
            ``w``), e.g. :func:`skier_gradient`.
        w0: the starting point (the skier's "initial guess"): a number or an array.
        learning_rate: the step size, a positive number.
        steps: how many updates to make (0 or more).

    Returns:
        The whole path as a new float64 array: shape (steps + 1,) for a number ``w0``,
        (steps + 1, *w0.shape) for an array; ``path[0]`` equals ``w0`` and ``path[-1]``
        is where the skier ends up.

    Raises:
        TypeError: ``gradient`` not callable; non-numeric ``w0`` or learning rate.
        ValueError: a learning rate that is not positive, negative ``steps``, or a
            gradient whose shape differs from ``w0``'s.

    Example (the slides' skier: from w0 = -2 the derivative is negative, so the first
    step goes right; but the skier stops in the valley left of the hill, the local
    minimum; from w0 = 0.5, right of the hill, the skier reaches the global minimum):
        >>> path = gradient_descent(skier_gradient, -2.0, learning_rate=0.01, steps=100)
        >>> print(path.shape, path[0], round(float(path[1]), 2), round(float(path[-1]), 4))
        (101,) -2.0 -1.83 -1.347
        >>> print(round(float(gradient_descent(skier_gradient, 0.5, 0.01, 100)[-1]), 4))
        1.473

    On ``L(w) = w**2`` (gradient ``2 w``) each step multiplies w by ``1 - 2 * lr``:
        >>> print(gradient_descent(lambda w: 2 * w, np.array([1.0, -2.0]), 0.25, 2))
        [[ 1.   -2.  ]
         [ 0.5  -1.  ]
         [ 0.25 -0.5 ]]
    """
    fn = "gradient_descent"
    w0 = as_float_array(w0, "w0", fn, ndim=_ANY_RANK, layout="(a number or an array)")
    learning_rate = _learning_rate(learning_rate, fn)
    steps = non_negative_int(steps, "steps", fn)
    gradient = _checked_gradient(gradient, w0.shape, fn)
    ### BEGIN SOLUTION
    path = [w0]
    w = w0
    for _ in range(steps):
        w = w - learning_rate * gradient(w)
        path.append(w)
    return np.array(path, dtype=np.float64)
    ### END SOLUTION


def _param_dict(value, name: str, fn: str) -> dict[str, np.ndarray]:
    """A new dict with the same keys and float64 arrays; the caller's dict is untouched."""
    if not isinstance(value, dict):
        raise TypeError(f"{fn}: {name} must be a dict of arrays, got {type(value).__name__}")
    return {
        key: as_float_array(arr, f"{name}[{key!r}]", fn, ndim=_ANY_RANK, layout="(any shape)")
        for key, arr in value.items()
    }


def sgd_step(
    params: dict[str, np.ndarray], grads: dict[str, np.ndarray], learning_rate: float
) -> dict[str, np.ndarray]:
    """One (stochastic) gradient descent update of every parameter::

        new[k] = params[k] - learning_rate * grads[k]      for every key k

    Weights *and* biases are updated. ``grads`` is what backpropagation returns for
    the current minibatch, keyed like ``params``.

    Args:
        params: parameter name -> array, e.g. {"W1": (784, 512), "b1": (512,), ...}.
        grads: the gradient of the loss for each parameter, same keys and shapes.
        learning_rate: the step size, a positive number.

    Returns:
        A new dict with the same keys holding NEW float64 arrays; ``params`` and
        ``grads`` (dicts and arrays) are not modified.

    Raises:
        TypeError: not dicts, non-numeric arrays or learning rate.
        ValueError: the two dicts have different keys or an array's shapes differ;
            a learning rate that is not positive.

    Example:
        >>> new = sgd_step({"W": np.array([[1.0, 2.0]]), "b": np.array([0.5])},
        ...                {"W": np.array([[10.0, -10.0]]), "b": np.array([1.0])}, 0.1)
        >>> print(new["W"], new["b"])
        [[0. 3.]] [0.4]
    """
    fn = "sgd_step"
    params = _param_dict(params, "params", fn)
    grads = _param_dict(grads, "grads", fn)
    if params.keys() != grads.keys():
        raise ValueError(
            f"{fn}: params and grads must have the same keys; params has {sorted(params)}, "
            f"grads has {sorted(grads)}"
        )
    for key, p in params.items():
        if grads[key].shape != p.shape:
            raise ValueError(
                f"{fn}: grads[{key!r}] has shape {grads[key].shape} but params[{key!r}] "
                f"has shape {p.shape}"
            )
    learning_rate = _learning_rate(learning_rate, fn)
    ### BEGIN SOLUTION
    return {key: p - learning_rate * grads[key] for key, p in params.items()}
    ### END SOLUTION


def minibatches(n: int, batch_size: int, rng: np.random.Generator) -> list[np.ndarray]:
    """The minibatches of one epoch: shuffle ``range(n)`` and cut it into consecutive pieces.

    Shuffle with ``order = rng.permutation(n)`` (exactly one call, so results are
    reproducible from a seed), then take ``order[0:batch_size]``,
    ``order[batch_size:2*batch_size]``, ...; the last batch holds what is left and may
    be smaller. Every example appears exactly once per epoch. Calling again with the
    same ``rng`` gives the next epoch's (different) shuffle.

    Args:
        n: the number of training examples, at least 1.
        batch_size: examples per batch, at least 1.
        rng: a ``np.random.Generator`` such as ``np.random.default_rng(seed)``.

    Returns:
        A list of ``ceil(n / batch_size)`` integer index arrays, together a permutation
        of ``range(n)``.

    Raises:
        TypeError: ``rng`` is not a numpy Generator, or non-integer sizes.
        ValueError: sizes below 1.

    Example:
        >>> batches = minibatches(10, 4, np.random.default_rng(0))
        >>> print([len(b) for b in batches], sorted(np.concatenate(batches).tolist()))
        [4, 4, 2] [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]
    """
    fn = "minibatches"
    n = positive_int(n, "n", fn)
    batch_size = positive_int(batch_size, "batch_size", fn)
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            f"{fn}: rng must be a numpy Generator (np.random.default_rng(seed)), "
            f"got {type(rng).__name__}"
        )
    ### BEGIN SOLUTION
    order = rng.permutation(n)
    return [order[start : start + batch_size] for start in range(0, n, batch_size)]
    ### END SOLUTION


def train_digit_network(
    x: ArrayLike,
    labels: ArrayLike,
    hidden: int = 512,
    epochs: int = 5,
    learning_rate: float = 0.1,
    batch_size: int = 32,
    seed: int = 0,
    *,
    num_classes: int | None = None,
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Train the slides' digit network (input -> dense ReLU -> dense softmax) with SGD.

    The slides' network is 784-512-10: a flattened 28x28 image, a dense layer with 512
    ReLU neurons, a dense softmax layer with one neuron per digit. Training repeats:
    compute the loss and its gradient on a minibatch (backpropagation), step against
    the gradient (gradient descent). The recipe, which makes results reproducible::

        params = init_digit_network((D, hidden, num_classes), seed)
        rng = np.random.default_rng(seed)
        for each epoch:
            for idx in minibatches(N, batch_size, rng):
                loss, grads = digit_network(params, x[idx], labels[idx])
                params = sgd_step(params, grads, learning_rate)
            record the mean of this epoch's minibatch losses

    Args:
        x: N training examples, shape (N, D), or images (N, H, W) that are flattened to
            (N, H * W) first (D = 784 for 28x28 digits).
        labels: integer class ids, shape (N,).
        hidden: neurons in the hidden ReLU layer (512 in the slides).
        epochs: passes over the training set.
        learning_rate: the SGD step size.
        batch_size: examples per minibatch (the last one of an epoch may be smaller).
        seed: seeds both the initial weights and the shuffling.
        num_classes: outputs of the network; by default ``labels.max() + 1``. Give it
            when some class may be missing from ``labels``.

    Returns:
        ``(params, losses)``: the trained parameters {"W1": (D, hidden), "b1":
        (hidden,), "W2": (hidden, num_classes), "b2": (num_classes,)} and the mean
        minibatch loss of each epoch, a float64 array of shape (epochs,).

    Raises:
        ValueError: wrong ranks, no examples, labels that do not match x or are out of
            range, sizes below 1, a learning rate that is not positive.
        TypeError: non-numeric x, non-integer labels or sizes.

    Example (three well separated blobs in 8 dimensions: the loss falls well below
    log(3) = 1.0986, the loss of a network that guesses uniformly):
        >>> rng = np.random.default_rng(1)
        >>> labels = np.arange(60) % 3
        >>> x = 3.0 * np.eye(3, 8)[labels] + rng.normal(size=(60, 8))
        >>> params, losses = train_digit_network(x, labels, hidden=16, epochs=5)
        >>> print(params["W1"].shape, params["b2"].shape, losses.shape)
        (8, 16) (3,) (5,)
        >>> print(bool(losses[-1] < 0.5 * losses[0]), bool(losses[-1] < np.log(3)))
        True True
    """
    # Imported here, not at the top, so that a broken backprop.py costs only this exercise.
    from .backprop import digit_network, init_digit_network

    fn = "train_digit_network"
    x = as_float_array(x, "x", fn, ndim=(2, 3), layout="(N, D) or (N, H, W)")
    if x.shape[0] == 0:
        raise ValueError(f"{fn}: x must hold at least one example; got shape {x.shape}")
    x = x.reshape(x.shape[0], -1)
    hidden = positive_int(hidden, "hidden", fn)
    epochs = positive_int(epochs, "epochs", fn)
    learning_rate = _learning_rate(learning_rate, fn)
    batch_size = positive_int(batch_size, "batch_size", fn)
    seed = non_negative_int(seed, "seed", fn)
    if num_classes is None:
        # Validate as ids first (integers, >= 0), then size the output layer from them.
        num_classes = int(class_labels(labels, x.shape[0], None, fn).max()) + 1
    num_classes = positive_int(num_classes, "num_classes", fn)
    labels = class_labels(labels, x.shape[0], num_classes, fn)
    ### BEGIN SOLUTION
    params = init_digit_network((x.shape[1], hidden, num_classes), seed)
    rng = np.random.default_rng(seed)
    losses = np.empty(epochs)
    for epoch in range(epochs):
        epoch_losses = []
        for idx in minibatches(x.shape[0], batch_size, rng):
            loss, grads = digit_network(params, x[idx], labels[idx])
            params = sgd_step(params, grads, learning_rate)
            epoch_losses.append(loss)
        losses[epoch] = np.mean(epoch_losses)
    return params, losses
    ### END SOLUTION
