"""Topic 4: backpropagation, layer by layer, and the slides' handwritten digit network.

Learning a deep net means gradient descent on the loss L(theta), and the gradient comes
from the chain rule applied layer by layer, from the loss back to the input: the
back-propagation algorithm. Every layer here has a *forward* pass (its output from its
input) and a *backward* pass: given ``dout = dL/d(output)`` (same shape as the output),
return ``dL/d(input)`` and ``dL/d(parameters)``, each with the shape of what it is the
gradient of. Check every backward pass with :func:`numerical_gradient` first.

Shapes are channels-last as in Keras: images ``(H, W, d)`` or ``(N, H, W, d)``, conv
kernels ``(kh, kw, d, k)``, dense weights ``(D, M)``. Inputs are never modified.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Mapping

import numpy as np
from numpy.typing import ArrayLike

from ._validate import (
    as_float_array,
    class_labels,
    non_negative_int,
    positive_int,
)

ANY_RANK = tuple(range(0, 33))  # numpy supports arrays of up to 32 dimensions
BATCHED = tuple(range(2, 33))  # (N, ...): one example per row, of any shape


def _dense_inputs(x, W, fn: str) -> tuple[np.ndarray, np.ndarray]:
    """x (N, ...) and W (D, M) as float64, with D the number of values in one example."""
    x = as_float_array(x, "x", fn, ndim=BATCHED, layout="(N, ...), one example per row")
    W = as_float_array(W, "W", fn, ndim=2, layout="(D, M)")
    d = int(np.prod(x.shape[1:]))
    if W.shape[0] != d:
        raise ValueError(
            f"{fn}: each example of x (shape {x.shape}) has {d} values, but W (shape "
            f"{W.shape}) has {W.shape[0]} rows; W must be (D, M) with D = {d}"
        )
    return x, W


def _bias(b, M: int, name: str, fn: str) -> np.ndarray:
    """A bias vector of length M (one entry per output neuron)."""
    b = as_float_array(b, name, fn, ndim=1, layout="(M,)")
    if b.shape != (M,):
        raise ValueError(f"{fn}: {name} must have shape ({M},), one per output; got {b.shape}")
    return b


def numerical_gradient(
    f: Callable[[np.ndarray], float], x: ArrayLike, eps: float = 1e-6
) -> np.ndarray:
    """The gradient of a scalar function ``f`` at ``x`` by centred differences.

    For every element ``x_i`` (``e_i`` is 1 at position i and 0 elsewhere)::

        df/dx_i  ~=  (f(x + eps * e_i) - f(x - eps * e_i)) / (2 * eps)

    The error of this estimate shrinks like ``eps**2``. It costs two calls of ``f`` per
    element, far too slow for training, but ideal to check a backward pass on a small
    input: the two must agree to about 1e-6 relative error.

    Perturb a *copy* of ``x`` (one element at a time, restoring it afterwards): the
    caller's array must be unchanged when this function returns.

    Args:
        f: function from an array of the shape of ``x`` to a single number.
        x: the point, an array of any shape.
        eps: the step, a positive number.

    Returns:
        A new float64 array of the shape of ``x``.

    Raises:
        TypeError: if ``f`` is not callable or ``x`` / ``eps`` are not numbers.
        ValueError: if ``eps`` is not positive and finite.

    Example (``f(x) = sum(x**2)`` has gradient ``2x``):
        >>> x = np.array([[1.0, -2.0], [0.5, 3.0]])
        >>> print(numerical_gradient(lambda v: np.sum(v ** 2), x).round(6))
        [[ 2. -4.]
         [ 1.  6.]]
        >>> print(x)  # unchanged
        [[ 1.  -2. ]
         [ 0.5  3. ]]
    """
    if not callable(f):
        raise TypeError(f"numerical_gradient: f must be a function, got {type(f).__name__}")
    x = as_float_array(x, "x", "numerical_gradient", ndim=ANY_RANK, layout="of any shape")
    if isinstance(eps, bool) or not isinstance(eps, numbers.Real):
        raise TypeError(f"numerical_gradient: eps must be a number, got {eps!r}")
    if not (np.isfinite(eps) and eps > 0):
        raise ValueError(f"numerical_gradient: eps must be positive and finite, got {eps}")
    raise NotImplementedError(
        "Exercise 4.1 (numerical_gradient) is not implemented yet: replace this raise with your code"
    )


def dense_forward(x: ArrayLike, W: ArrayLike, b: ArrayLike) -> np.ndarray:
    """A dense (fully connected) layer: ``out = x_flat @ W + b``.

    Each example is first flattened to a vector, as the slides' digit network turns a
    28x28 image into a "length 784 vector": ``x`` of shape ``(N, 28, 28)`` becomes
    ``x_flat`` of shape ``(N, 784)``. Then every output neuron m computes
    ``out[n, m] = sum_j x_flat[n, j] * W[j, m] + b[m]``. (The activation is a separate
    function: :func:`relu`, or softmax inside :func:`softmax_cross_entropy`.)

    Args:
        x: ``(N, ...)``, N examples of D values each (any shape per example).
        W: ``(D, M)`` weights, one column per output neuron.
        b: ``(M,)`` biases.

    Returns:
        A new float64 array of shape ``(N, M)``.

    Raises:
        ValueError: if ``x`` has fewer than 2 axes, W is not ``(D, M)`` with D the number
            of values per example, or b is not ``(M,)``.

    Example (N=2 examples, D=2 inputs, M=3 neurons):
        >>> x = np.array([[1.0, 2.0], [3.0, 4.0]])
        >>> W = np.array([[1.0, 0.0, -1.0], [0.5, 1.0, 2.0]])
        >>> b = np.array([0.0, 1.0, -1.0])
        >>> print(dense_forward(x, W, b))
        [[2. 3. 2.]
         [5. 5. 4.]]
    """
    x, W = _dense_inputs(x, W, "dense_forward")
    b = _bias(b, W.shape[1], "b", "dense_forward")
    raise NotImplementedError(
        "Exercise 4.2 (dense_forward) is not implemented yet: replace this raise with your code"
    )


def dense_backward(
    dout: ArrayLike, x: ArrayLike, W: ArrayLike
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Backward pass of :func:`dense_forward` (``out = x_flat @ W + b``).

    Given ``dout = dL/d(out)`` of shape ``(N, M)``, the chain rule gives::

        dx_flat = dout @ W.T           (N, D), then reshaped to x's shape
        dW      = x_flat.T @ dout      (D, M)
        db      = sum of dout over the batch (axis 0)    (M,)

    ``dx`` must have the *same shape as x*, e.g. ``(N, 28, 28)`` for images, so that it
    can be passed on to the layer that produced x. ``b`` is not needed: the gradients
    do not depend on it.

    Args:
        dout: ``(N, M)`` gradient of the loss with respect to the layer's output.
        x: ``(N, ...)`` the forward input.
        W: ``(D, M)`` the weights.

    Returns:
        ``(dx, dW, db)``: new float64 arrays of shapes ``x.shape``, ``(D, M)``, ``(M,)``.

    Raises:
        ValueError: if the shapes do not fit together as in :func:`dense_forward`, or
            dout is not ``(N, M)``.

    Example (the layer of :func:`dense_forward`'s example, ``dout`` all ones):
        >>> x = np.array([[1.0, 2.0], [3.0, 4.0]])
        >>> W = np.array([[1.0, 0.0, -1.0], [0.5, 1.0, 2.0]])
        >>> dx, dW, db = dense_backward(np.ones((2, 3)), x, W)
        >>> print(dx)
        [[0.  3.5]
         [0.  3.5]]
        >>> print(dW)
        [[4. 4. 4.]
         [6. 6. 6.]]
        >>> print(db)
        [2. 2. 2.]
    """
    x, W = _dense_inputs(x, W, "dense_backward")
    dout = as_float_array(dout, "dout", "dense_backward", ndim=2, layout="(N, M)")
    if dout.shape != (x.shape[0], W.shape[1]):
        raise ValueError(
            f"dense_backward: dout must have the layer output's shape (N, M) = "
            f"{(x.shape[0], W.shape[1])}; got {dout.shape}"
        )
    raise NotImplementedError(
        "Exercise 4.3 (dense_backward) is not implemented yet: replace this raise with your code"
    )


def relu_backward(dout: ArrayLike, x: ArrayLike) -> np.ndarray:
    """Backward pass of :func:`relu`: ``dx = dout`` where ``x > 0``, else 0.

    ReLU passes positive inputs through unchanged (slope 1) and sets the others to 0
    (slope 0), so the gradient flows back only where the forward *input* ``x`` was
    positive. At exactly ``x = 0`` we use slope 0, as TensorFlow does.

    Args:
        dout: gradient with respect to ``relu(x)``, any shape.
        x: the forward input, same shape as ``dout``.

    Returns:
        A new float64 array of that shape; ``dout`` and ``x`` are not modified.

    Raises:
        ValueError: if the shapes differ.

    Example:
        >>> print(relu_backward(np.array([5.0, 5.0, 5.0, -3.0]), np.array([-1.0, 0.0, 2.0, 7.0])))
        [ 0.  0.  5. -3.]
    """
    dout = as_float_array(dout, "dout", "relu_backward", ndim=ANY_RANK, layout="of any shape")
    x = as_float_array(x, "x", "relu_backward", ndim=ANY_RANK, layout="of any shape")
    if dout.shape != x.shape:
        raise ValueError(
            f"relu_backward: dout and x must have the same shape; got {dout.shape} and {x.shape}"
        )
    raise NotImplementedError(
        "Exercise 4.4 (relu_backward) is not implemented yet: replace this raise with your code"
    )


def softmax_cross_entropy(logits: ArrayLike, labels: ArrayLike) -> tuple[float, np.ndarray]:
    """Softmax followed by categorical cross entropy, averaged over the examples.

    The slides' loss for the digit network: with ``p = softmax(logits[n])`` and the true
    class ``y = labels[n]``, the error of example n is ``log(1 / p[y])`` (for the
    training label 6: ``log 1/Pr(digit 6)``), and "error is averaged across training
    examples"::

        loss = (1/N) * sum_n log(1 / p_n[y_n])
        dL/dlogits[n] = (p_n - onehot(y_n)) / N

    Compute it stably with log-sum-exp: ``log p_n[y] = z[y] - m - log(sum_j exp(z_j - m))``
    where ``m = max_j z_j``; logits like +-1000 must give a finite loss and gradient.

    Args:
        logits: ``(N, C)`` scores, one row per example, one column per class.
        labels: ``(N,)`` integer class ids in ``0..C-1``.

    Returns:
        ``(loss, dlogits)``: the mean loss as a float, and a new float64 array ``(N, C)``.

    Raises:
        ValueError: if ``logits`` is not 2-D with N >= 1 and C >= 1, or labels are not
            N class ids in range.
        TypeError: if labels are not integers.

    Example (the slides: training label 6, and the net gives Pr(digit 6) = 0.5):
        >>> probs = np.full(10, 0.5 / 9)
        >>> probs[6] = 0.5
        >>> loss, dlogits = softmax_cross_entropy(np.log(probs)[None, :], np.array([6]))
        >>> round(loss, 6)  # log(1 / 0.5) = log 2
        0.693147
        >>> print(dlogits.round(3))
        [[ 0.056  0.056  0.056  0.056  0.056  0.056 -0.5    0.056  0.056  0.056]]
    """
    logits = as_float_array(logits, "logits", "softmax_cross_entropy", ndim=2, layout="(N, C)")
    n, c = logits.shape
    if n == 0 or c == 0:
        raise ValueError(
            f"softmax_cross_entropy: logits need at least one example and one class; "
            f"got shape {logits.shape}"
        )
    labels = class_labels(labels, n, c, "softmax_cross_entropy")
    raise NotImplementedError(
        "Exercise 4.5 (softmax_cross_entropy) is not implemented yet: replace this raise with your code"
    )


def _padding_pairs(padding, fn: str) -> tuple[tuple[int, int], tuple[int, int]]:
    """Zero padding as ``((top, bottom), (left, right))`` from an int, "valid" or such pairs."""
    if isinstance(padding, str):
        if padding.lower() == "valid":
            return (0, 0), (0, 0)
        if padding.lower() == "same":
            raise ValueError(
                f'{fn}: padding "same" is not accepted here; pass the amounts the forward '
                "pass used, ((top, bottom), (left, right)), e.g. from same_padding of topic 1 "
                "for each axis"
            )
        raise ValueError(
            f'{fn}: padding must be an int, "valid" or ((top, bottom), (left, right)), '
            f"got {padding!r}"
        )
    if isinstance(padding, numbers.Integral) and not isinstance(padding, bool):
        p = non_negative_int(padding, "padding", fn)
        return (p, p), (p, p)
    try:
        (top, bottom), (left, right) = padding
    except (TypeError, ValueError):
        raise TypeError(
            f'{fn}: padding must be a non-negative int, "valid" or ((top, bottom), '
            f"(left, right)), got {padding!r}"
        ) from None
    amounts = [non_negative_int(v, "padding", fn) for v in (top, bottom, left, right)]
    return (amounts[0], amounts[1]), (amounts[2], amounts[3])


def _pair(value, name: str, fn: str) -> tuple[int, int]:
    """An int ``v`` as ``(v, v)``, or a pair ``(h, w)`` of ints, each at least 1."""
    if isinstance(value, numbers.Integral):
        v = positive_int(value, name, fn)
        return v, v
    try:
        first, second = value
    except (TypeError, ValueError):
        raise TypeError(
            f"{fn}: {name} must be a positive int or a pair (h, w) of them, got {value!r}"
        ) from None
    return positive_int(first, name, fn), positive_int(second, name, fn)


def conv_layer_backward(
    dout: ArrayLike,
    x: ArrayLike,
    kernels: ArrayLike,
    padding: int | str | tuple[tuple[int, int], tuple[int, int]] = 0,
    stride: int = 1,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Backward pass of a convolution layer (before its activation).

    Forward (channels-last, cross-correlation, no kernel flip): ``xp`` is ``x`` with
    zero padding ``(top, bottom)`` rows and ``(left, right)`` columns, and for output
    pixel ``(r, c)`` and filter ``q``::

        y[r, c, q] = bias[q] + sum_{i, j, ch} xp[r*s + i, c*s + j, ch] * kernels[i, j, ch, q]

    of shape ``(H', W', k)`` with ``H' = (H + top + bottom - kh) // s + 1`` (same for W').
    This is the conv layer's output before its ReLU; chain :func:`relu_backward` for it.

    Backward, with ``dout = dL/dy`` (shape of y): every output pixel used one window of
    ``xp``, so it sends gradient back to that window:

    - ``dkernels[i, j, ch, q] = sum_{r, c} xp[r*s + i, c*s + j, ch] * dout[r, c, q]``
    - ``dxp[r*s + i, c*s + j, ch] += sum_q kernels[i, j, ch, q] * dout[r, c, q]``;
      windows overlap, so contributions *accumulate*; then crop the padding off ``dxp``.
    - ``dbias[q] = sum of dout[..., q]`` over all pixels (and examples).

    With a batch ``(N, H, W, d)`` the same holds per example; dkernels and dbias sum over
    the batch.

    Args:
        dout: ``(H', W', k)`` or, with a batch, ``(N, H', W', k)``.
        x: the forward input ``(H, W, d)`` or ``(N, H, W, d)``.
        kernels: ``(kh, kw, d, k)``, k filters of size kh x kw x d.
        padding: the zeros the forward pass added: an int p on every side, ``"valid"``
            (none), or ``((top, bottom), (left, right))``. For ``"same"`` pass the pairs
            the forward pass used: ``(same_padding(H, kh, s), same_padding(W, kw, s))``
            with :func:`same_padding` of topic 1.
        stride: step s between windows, a positive int.

    Returns:
        ``(dx, dkernels, dbias)``: new float64 arrays of shapes ``x.shape``,
        ``kernels.shape`` and ``(k,)``.

    Raises:
        ValueError: wrong ranks, kernel depth different from the input's channels, kernel
            larger than the padded input, negative padding, non-positive stride, or dout
            not of the forward output's shape.
        TypeError: padding or stride of the wrong type.
        ValueError: padding ``"same"`` (give its pairs instead) or another string.

    Example (the slides' 7x7 image, the 3x3 all-ones filter, ``dout`` all ones): each
    input pixel gets one unit of gradient per window that covers it, and each kernel
    weight the sum of the input pixels it touched:
        >>> image = np.array([[0, 0, 0, 0, 0, 0, 0],
        ...                   [0, 0, 1, 1, 1, 0, 0],
        ...                   [0, 1, 1, 1, 1, 1, 0],
        ...                   [0, 1, 1, 1, 0, 0, 0],
        ...                   [0, 1, 1, 1, 1, 1, 0],
        ...                   [0, 0, 1, 1, 1, 0, 0],
        ...                   [0, 0, 0, 0, 0, 0, 0]])[:, :, None]
        >>> dx, dk, db = conv_layer_backward(np.ones((5, 5, 1)), image, np.ones((3, 3, 1, 1)))
        >>> print(dx[:, :, 0])
        [[1. 2. 3. 3. 3. 2. 1.]
         [2. 4. 6. 6. 6. 4. 2.]
         [3. 6. 9. 9. 9. 6. 3.]
         [3. 6. 9. 9. 9. 6. 3.]
         [3. 6. 9. 9. 9. 6. 3.]
         [2. 4. 6. 6. 6. 4. 2.]
         [1. 2. 3. 3. 3. 2. 1.]]
        >>> print(dk[:, :, 0, 0])
        [[14. 16. 13.]
         [17. 19. 16.]
         [14. 16. 13.]]
        >>> print(db)
        [25.]
    """
    fn = "conv_layer_backward"
    x = as_float_array(x, "x", fn, ndim=(3, 4), layout="(H, W, d) or (N, H, W, d)")
    kernels = as_float_array(kernels, "kernels", fn, ndim=4, layout="(kh, kw, d, k)")
    dout = as_float_array(
        dout,
        "dout",
        fn,
        ndim=x.ndim,
        layout="like the forward output, (H', W', k) or (N, H', W', k)",
    )
    (top, bottom), (left, right) = _padding_pairs(padding, fn)
    stride = positive_int(stride, "stride", fn)
    kh, kw, depth, k = kernels.shape
    if 0 in kernels.shape:
        raise ValueError(f"{fn}: kernels must not have an axis of length 0; got {kernels.shape}")
    if depth != x.shape[-1]:
        raise ValueError(
            f"{fn}: kernels have depth {depth} but x has {x.shape[-1]} channels; "
            f"kernels are (kh, kw, d, k), so d = kernels.shape[2] must be x.shape[-1] = "
            f"{x.shape[-1]}; got kernels of shape {kernels.shape}"
        )
    height, width = x.shape[-3] + top + bottom, x.shape[-2] + left + right
    if kh > height or kw > width:
        raise ValueError(f"{fn}: kernel {kh}x{kw} is larger than the padded input {height}x{width}")
    out_hw = ((height - kh) // stride + 1, (width - kw) // stride + 1)
    expected = x.shape[:-3] + out_hw + (k,)
    if dout.shape != expected:
        raise ValueError(
            f"{fn}: dout must have the forward output's shape {expected} "
            f"((n + pads - kernel) // stride + 1 = {out_hw[0]} rows, {out_hw[1]} columns, "
            f"{k} filters); got {dout.shape}"
        )
    raise NotImplementedError(
        "Exercise 4.6 (conv_layer_backward) is not implemented yet: replace this raise with your code"
    )


def max_pool2d_backward(
    dout: ArrayLike,
    x: ArrayLike,
    size: int | tuple[int, int] = 2,
    stride: int | tuple[int, int] | None = None,
) -> np.ndarray:
    """Backward pass of max pooling (``ph`` x ``pw`` windows, floor mode).

    Forward (as ``max_pool2d`` of topic 2): output pixel ``(r, c)`` is the maximum of the
    window ``x[r*sh : r*sh + ph, c*sw : c*sw + pw]`` (per channel), with ``(ph, pw) =
    size`` and ``(sh, sw) = stride`` (default: ``size``, so windows do not overlap).
    Windows that would run past the border are dropped: ``H' = (H - ph) // sh + 1``,
    likewise ``W' = (W - pw) // sw + 1``.

    Backward: the maximum is the only input that influenced the output, so each window
    sends its upstream gradient ``dout[r, c]`` to ONE position, the maximum of its
    window; every other input of the window gets nothing from it.

    - Ties: if several inputs share the maximum, the gradient goes to the *first* one in
      row-major order within the window (smallest row, then smallest column), as
      ``np.argmax`` on the flattened window picks it. TensorFlow's CPU gradient of
      ``tf.nn.max_pool2d`` does the same.
    - With a stride smaller than the window, windows overlap and an input can be the
      maximum of several windows: its gradients *accumulate* (+=).
    - Inputs dropped by the floor rule, and channels and examples, are independent; a
      dropped input gets gradient 0.

    Args:
        dout: gradient with respect to the pooled output: ``(H', W')``, ``(H', W', d)``
            or ``(N, H', W', d)``, the same layout as ``x``.
        x: the forward input ``(H, W)``, ``(H, W, d)`` or ``(N, H, W, d)``.
        size: the window, an int (square) or ``(ph, pw)``.
        stride: step between windows, an int for both axes or ``(sh, sw)``; ``None``
            means ``size``.

    Returns:
        A new float64 array of the shape of ``x``.

    Raises:
        ValueError: wrong ranks, window larger than the image, non-positive size or
            stride, or dout not of the pooled output's shape.
        TypeError: size or stride not an int or a pair of ints.

    Example (the slides' ReLU output, 2x2 max pooling gives [[1, 3], [1, 3]]; ties go to
    the first maximum in each window; the last row and column are dropped):
        >>> after_relu = np.array([[0, 1, 3, 1, 0],
        ...                        [1, 1, 1, 3, 3],
        ...                        [0, 0, 0, 0, 0],
        ...                        [1, 1, 1, 3, 3],
        ...                        [0, 1, 3, 1, 0]])
        >>> print(max_pool2d_backward(np.array([[10, 20], [30, 40]]), after_relu))
        [[ 0. 10. 20.  0.  0.]
         [ 0.  0.  0.  0.  0.]
         [ 0.  0.  0.  0.  0.]
         [30.  0.  0. 40.  0.]
         [ 0.  0.  0.  0.  0.]]
    """
    fn = "max_pool2d_backward"
    x = as_float_array(x, "x", fn, ndim=(2, 3, 4), layout="(H, W), (H, W, d) or (N, H, W, d)")
    dout = as_float_array(dout, "dout", fn, ndim=x.ndim, layout="of the pooled output, like x")
    ph, pw = _pair(size, "size", fn)
    sh, sw = (ph, pw) if stride is None else _pair(stride, "stride", fn)
    h_axis = 1 if x.ndim == 4 else 0
    height, width = x.shape[h_axis], x.shape[h_axis + 1]
    if ph > height or pw > width:
        raise ValueError(f"{fn}: window {ph}x{pw} is larger than the image {height}x{width}")
    out_hw = ((height - ph) // sh + 1, (width - pw) // sw + 1)
    expected = x.shape[:h_axis] + out_hw + x.shape[h_axis + 2 :]
    if dout.shape != expected:
        raise ValueError(
            f"{fn}: dout must have the pooled output's shape {expected} "
            f"((n - size) // stride + 1 = {out_hw[0]} rows, {out_hw[1]} columns); "
            f"got {dout.shape}"
        )
    raise NotImplementedError(
        "Exercise 4.7 (max_pool2d_backward) is not implemented yet: replace this raise with your code"
    )


def init_digit_network(
    sizes: tuple[int, int, int] = (784, 512, 10), seed: int = 0
) -> dict[str, np.ndarray]:
    """Random initial parameters for the digit network (provided; not an exercise).

    ``sizes = (D, H, C)``: D inputs (784 = 28x28 pixels), H hidden ReLU neurons (512),
    C classes (10 digits). Weights are random so that the neurons differ from each
    other; biases start at 0.

    - ``W1`` ``(D, H)``: He normal, standard deviation ``sqrt(2 / D)``, which keeps the
      scale of the signal through a ReLU layer.
    - ``W2`` ``(H, C)``: Glorot uniform on ``[-a, a]`` with ``a = sqrt(6 / (H + C))``
      (Keras's default for Dense layers).
    - ``b1`` ``(H,)`` and ``b2`` ``(C,)``: zeros.

    Args:
        sizes: ``(D, H, C)``, three positive ints.
        seed: seed of ``np.random.default_rng``; the same seed gives the same parameters.

    Returns:
        ``{"W1": (D, H), "b1": (H,), "W2": (H, C), "b2": (C,)}``, float64 arrays.

    Example:
        >>> params = init_digit_network()
        >>> {name: p.shape for name, p in params.items()}
        {'W1': (784, 512), 'b1': (512,), 'W2': (512, 10), 'b2': (10,)}
    """
    try:
        d, h, c = sizes
    except (TypeError, ValueError):
        raise TypeError(
            f"init_digit_network: sizes must be three positive ints (D, H, C), got {sizes!r}"
        ) from None
    d, h, c = (positive_int(v, "each of sizes", "init_digit_network") for v in (d, h, c))
    seed = non_negative_int(seed, "seed", "init_digit_network")
    rng = np.random.default_rng(seed)
    limit = np.sqrt(6.0 / (h + c))
    return {
        "W1": rng.normal(0.0, np.sqrt(2.0 / d), size=(d, h)),
        "b1": np.zeros(h),
        "W2": rng.uniform(-limit, limit, size=(h, c)),
        "b2": np.zeros(c),
    }


PARAM_NAMES = ("W1", "b1", "W2", "b2")


def _digit_params(params, fn: str) -> dict[str, np.ndarray]:
    """The four parameters as float64 arrays, with shapes that fit together."""
    if not isinstance(params, Mapping):
        raise TypeError(f"{fn}: params must be a dict with keys {PARAM_NAMES}, got {params!r}")
    missing = [name for name in PARAM_NAMES if name not in params]
    if missing:
        raise ValueError(f"{fn}: params is missing {missing}; it needs keys {PARAM_NAMES}")
    W1 = as_float_array(params["W1"], "W1", fn, ndim=2, layout="(D, H)")
    W2 = as_float_array(params["W2"], "W2", fn, ndim=2, layout="(H, C)")
    if W2.shape[0] != W1.shape[1]:
        raise ValueError(
            f"{fn}: W1 {W1.shape} has {W1.shape[1]} hidden neurons but W2 {W2.shape} has "
            f"{W2.shape[0]} rows; W2 must be (H, C) with H = {W1.shape[1]}"
        )
    b1 = _bias(params["b1"], W1.shape[1], "b1", fn)
    b2 = _bias(params["b2"], W2.shape[1], "b2", fn)
    return {"W1": W1, "b1": b1, "W2": W2, "b2": b2}


def digit_network(
    params: Mapping[str, np.ndarray], x: ArrayLike, labels: ArrayLike
) -> tuple[float, dict[str, np.ndarray]]:
    """Loss and gradients of the slides' handwritten digit network.

    The network (slides, "Handwritten Digit Recognition"): each 28x28 image becomes a
    length 784 vector; a dense layer of 512 neurons with ReLU activation; a dense layer
    of 10 neurons with softmax activation; categorical cross entropy, averaged over the
    examples. Sizes come from the parameters' shapes, so a small net works too.

    The forward pass is four steps, each one of this module's functions (ReLU from
    topic 3)::

        x (N, D) -> dense W1, b1 -> (N, H) -> ReLU -> (N, H) -> dense W2, b2 -> (N, C)
          -> softmax + cross entropy -> loss

    Keep each step's input: the backward pass visits the same steps in reverse order,
    each backward function taking the gradient produced by the step after it and the
    input its forward step saw. The parameters' gradients fall out on the way.

    Args:
        params: ``{"W1": (D, H), "b1": (H,), "W2": (H, C), "b2": (C,)}``, e.g. from
            :func:`init_digit_network`.
        x: ``(N, D)`` or ``(N, 28, 28)`` images (anything with D values per example).
        labels: ``(N,)`` integer class ids in ``0..C-1``.

    Returns:
        ``(loss, grads)``: the mean loss as a float, and ``grads`` with the same keys and
        shapes as ``params`` (new float64 arrays).

    Raises:
        ValueError / TypeError: missing parameters, shapes that do not fit together, or
            labels that are not N class ids in range.

    Example (all weights 0: every class gets probability 1/10, so the loss is log 10):
        >>> params = {name: np.zeros_like(p) for name, p in init_digit_network().items()}
        >>> loss, grads = digit_network(params, np.ones((2, 28, 28)), np.array([6, 1]))
        >>> round(loss, 4)
        2.3026
        >>> {name: g.shape for name, g in grads.items()}
        {'W1': (784, 512), 'b1': (512,), 'W2': (512, 10), 'b2': (10,)}
    """
    # Imported here, not at the top, so that a broken activations.py costs only this exercise.
    from .activations import relu  # noqa: F401 (for your code below; unused in the stub)

    p = _digit_params(params, "digit_network")
    x, _ = _dense_inputs(x, p["W1"], "digit_network")
    if x.shape[0] == 0:
        raise ValueError("digit_network: x must hold at least one example")
    labels = class_labels(labels, x.shape[0], p["W2"].shape[1], "digit_network")
    raise NotImplementedError(
        "Exercise 4.8 (digit_network) is not implemented yet: replace this raise with your code"
    )
