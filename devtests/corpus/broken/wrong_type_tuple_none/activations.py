"""BROKEN (wrong return type: tuple, None): sigmoid returns a tuple of the right values
and softmax forgets its return statement (None).

The grader must say the output "should be a numpy array" (and for None name
NoneType) and give sigmoid and softmax 0; relu (reference code) keeps its points.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from ._validate import as_float_array

ANY_RANK = tuple(range(0, 33))  # numpy supports arrays of up to 32 dimensions


def relu(x: ArrayLike) -> np.ndarray:
    """ReLU, applied elementwise: ``relu(x) = max(0, x)``.

    The slides apply it to the horizontal-edge output before max pooling: negative
    responses become 0.

    Args:
        x: array of any shape.

    Returns:
        A new float64 array of the same shape; ``x`` is not modified.

    Raises:
        TypeError: if ``x`` does not hold real numbers.

    Example (the slides' horizontal-edge map; only its third row has negatives):
        >>> edges = np.array([[0, 1, 3, 1, 0],
        ...                   [1, 1, 1, 3, 3],
        ...                   [0, 0, -2, -4, -4],
        ...                   [1, 1, 1, 3, 3],
        ...                   [0, 1, 3, 1, 0]])
        >>> print(relu(edges))
        [[0. 1. 3. 1. 0.]
         [1. 1. 1. 3. 3.]
         [0. 0. 0. 0. 0.]
         [1. 1. 1. 3. 3.]
         [0. 1. 3. 1. 0.]]
    """
    x = as_float_array(x, "x", "relu", ndim=ANY_RANK, layout="of any shape")
    ### BEGIN SOLUTION
    return np.maximum(x, 0.0)
    ### END SOLUTION


def sigmoid(x):
    """Right values, wrong type."""
    x = np.asarray(x, dtype=np.float64)
    return tuple(1.0 / (1.0 + np.exp(-x)))


def softmax(logits, axis=-1):
    """Computes the answer and forgets to return it."""
    logits = np.asarray(logits, dtype=np.float64)
    e = np.exp(logits - logits.max(axis=axis, keepdims=True))
    e / e.sum(axis=axis, keepdims=True)
