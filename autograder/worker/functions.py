"""The worker's registry of named functions: what a ``FunctionRef`` can name.

Functions cannot cross the boundary, so an argument may instead name a function from
:data:`FUNCTIONS` (a ``FunctionRef(name, args)`` on the grader side, see
``protocol.py``). To add one, register a plain function of the call arguments followed by
the bound ``args``::

    @register("shifted_square_sum")
    def _shifted_square_sum(x, center):
        return np.sum((np.asarray(x, dtype=float) - center) ** 2)

Keep these functions generic: this file is visible to the code under test and ships
with student releases, so it must never contain an exercise's solution. Standalone
(stdlib, and numpy once a function runs), loaded by the worker script from its own folder.
"""

from __future__ import annotations

FUNCTIONS: dict = {}


def register(name: str):
    """Add a function to :data:`FUNCTIONS` under ``name``."""

    def add(function):
        FUNCTIONS[name] = function
        return function

    return add


def _np():
    import numpy

    return numpy


@register("square_sum")
def _square_sum(x):
    """f(x) = sum(x**2); its gradient is 2x."""
    np = _np()
    return np.sum(np.asarray(x, dtype=np.float64) ** 2)


@register("quadratic_gradient")
def _quadratic_gradient(w):
    """g(w) = 2w, the gradient of w**2 (a number stays a number)."""
    np = _np()
    return (2.0 * np.asarray(w, dtype=np.float64))[()]


@register("skier_loss")
def _skier_loss(w):
    """The slides' skier landscape L(w) = w**4 - 4w**2 - w (elementwise)."""
    np = _np()
    w = np.asarray(w, dtype=np.float64)
    return (w**4 - 4.0 * w**2 - w)[()]


@register("skier_gradient")
def _skier_gradient(w):
    """L'(w) = 4w**3 - 8w - 1 (elementwise)."""
    np = _np()
    w = np.asarray(w, dtype=np.float64)
    return (4.0 * w**3 - 8.0 * w - 1.0)[()]


@register("weighted_sum")
def _weighted_sum(x, weights):
    """f(x) = sum(weights * x), bound to ``weights``; its gradient is ``weights``."""
    np = _np()
    return np.sum(np.asarray(weights, dtype=np.float64) * np.asarray(x, dtype=np.float64))


@register("shifted_square_sum")
def _shifted_square_sum(x, center):
    """f(x) = sum((x - center)**2), bound to ``center``; its gradient is 2(x - center)."""
    np = _np()
    return np.sum((np.asarray(x, dtype=np.float64) - np.asarray(center, dtype=np.float64)) ** 2)
