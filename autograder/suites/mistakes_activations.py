"""Catalogued mistakes of topic 3 (activations): what each mistaken ReLU, sigmoid or softmax
would return for the same inputs, computed here on the trusted side, with the words that
tell the student what went wrong. Used as ``mistakes=`` of ``check_array``.
"""

from __future__ import annotations

import numpy as np

from autograder.suites.support import quiet
from deepgrade.feedback import Mistake
from solutions import activations as ref


def relu_mistakes(x) -> list[Mistake]:
    x = np.asarray(x, dtype=np.float64)
    return [
        Mistake(
            "np.max instead of np.maximum",
            "your output is np.max(x, 0), the largest value along axis 0 (a reduction that "
            "drops an axis); ReLU works elementwise: np.maximum(x, 0) keeps x's shape",
            lambda: np.max(x, 0),
        ),
        Mistake(
            "the slope instead of the value",
            "your output is 1 where x > 0 and 0 elsewhere: that is ReLU's slope (used by "
            "relu_backward), not ReLU itself; return max(0, x), i.e. x where it is positive",
            lambda: (x > 0).astype(np.float64),
        ),
        Mistake(
            "absolute value",
            "your output is |x|: negative inputs must become 0, not change sign",
            lambda: np.abs(x),
        ),
        Mistake(
            "min instead of max",
            "your output is min(0, x): it keeps the negative values; ReLU keeps the "
            "positive ones, max(0, x)",
            lambda: np.minimum(x, 0.0),
        ),
        *(
            Mistake(
                "ReLU capped",
                f"your output is capped at {cap:g} (np.clip(x, 0, {cap:g})): ReLU keeps every "
                "positive value as it is, max(0, x)",
                lambda cap=cap: np.clip(x, 0.0, cap),
            )
            for cap in (1.0, 6.0)
        ),
        *(
            Mistake(
                "leaky ReLU",
                f"your output is {slope:g} x for negative x (a leaky ReLU); ReLU sets every "
                "negative input to 0: max(0, x)",
                lambda slope=slope: np.where(x > 0, x, slope * x),
            )
            for slope in (0.01, 0.02, 0.05, 0.1, 0.2, 0.3)
        ),
    ]


def sigmoid_mistakes(x) -> list[Mistake]:
    x = np.asarray(x, dtype=np.float64)
    return [
        Mistake(
            "sign flipped",
            "your output is sigmoid(-x) = 1 / (1 + exp(x)): the sign in the exponent is "
            "flipped (or the two cases x >= 0 and x < 0 are swapped); sigmoid(x) = "
            "1 / (1 + exp(-x)) is above 1/2 for positive x",
            lambda: ref.sigmoid(-x),
        ),
        Mistake(
            "exp(x) / (1 + exp(x)) for every x",
            "your output is NaN where x is large: exp(x) / (1 + exp(x)) overflows to "
            "inf / inf there; use only exp(-|x|), which lies in (0, 1], as the docstring "
            "describes",
            quiet(lambda: np.exp(x) / (1.0 + np.exp(x))),
        ),
        Mistake(
            "exp(-|x|) without the case x < 0",
            "your output is 1 / (1 + exp(-|x|)) for every x, so it never goes below 1/2: "
            "for x < 0 the stable form is exp(x) / (1 + exp(x)) = e / (1 + e) with "
            "e = exp(-|x|)",
            lambda: 1.0 / (1.0 + np.exp(-np.abs(x))),
        ),
        Mistake(
            "tanh",
            "your output is tanh(x), which goes from -1 to 1; the logistic sigmoid "
            "1 / (1 + exp(-x)) goes from 0 to 1",
            lambda: np.tanh(x),
        ),
        Mistake(
            "1 - exp(-x) in the denominator",
            "your output is 1 / (1 - exp(-x)): the denominator is 1 + exp(-x), so that "
            "sigmoid stays between 0 and 1",
            quiet(lambda: 1.0 / (1.0 - np.exp(-x))),
        ),
        Mistake(
            "1 - exp(-x) in the denominator",
            "your output uses 1 - exp(-|x|) where the stable form has 1 + exp(-|x|): "
            "sigmoid(x) = 1 / (1 + e) for x >= 0 and e / (1 + e) below, with e = exp(-|x|)",
            quiet(lambda: np.where(x >= 0, 1.0, np.exp(-np.abs(x))) / (1.0 - np.exp(-np.abs(x)))),
        ),
        Mistake(
            "tanh(x) instead of tanh(x / 2)",
            "your output is (1 + tanh(x)) / 2; the identity is sigmoid(x) = (1 + tanh(x / 2)) "
            "/ 2, with half of x inside the tanh",
            lambda: 0.5 * (1.0 + np.tanh(x)),
        ),
        Mistake(
            "hard sigmoid",
            "your output is the 'hard sigmoid' clip(0.2 x + 0.5, 0, 1), a piecewise-linear "
            "approximation; compute the logistic sigmoid 1 / (1 + exp(-x)) itself",
            lambda: np.clip(0.2 * x + 0.5, 0.0, 1.0),
        ),
    ]


def _naive_softmax(z: np.ndarray, axis: int) -> np.ndarray:
    e = np.exp(z)
    return e / e.sum(axis=axis, keepdims=True)


def _normalised(shifted: np.ndarray, axis: int) -> np.ndarray:
    e = np.exp(shifted)
    return e / e.sum(axis=axis, keepdims=True)


def _whole_sum(shifted: np.ndarray) -> np.ndarray:
    e = np.exp(shifted)
    return e / e.sum()


def softmax_mistakes(logits, axis: int = -1) -> list[Mistake]:
    z = np.asarray(logits, dtype=np.float64)
    axis = axis % z.ndim
    found = [
        Mistake(
            "no max shift",
            "your output has NaN/inf (or 0/0) where logits are large: exp(1000) overflows. "
            "Subtract the maximum along the axis before exp; softmax does not change when "
            "the same number is subtracted from every entry",
            quiet(lambda: _naive_softmax(z, axis)),
        ),
    ]
    for other in range(z.ndim):
        if other != axis:
            wrong_axis = (
                f"your output is normalised along axis {other}, but softmax is taken along "
                f"axis {axis} (the classes), so that each row of probabilities sums to 1 "
                "there; pass axis to both max and sum (with keepdims=True)"
            )
            found += [
                Mistake(
                    "softmax over the wrong axis",
                    wrong_axis,
                    lambda other=other: ref.softmax(z, axis=other),
                ),
                Mistake(  # shifted along the right axis, summed along another
                    "softmax over the wrong axis",
                    wrong_axis,
                    quiet(
                        lambda other=other: _normalised(z - z.max(axis=axis, keepdims=True), other)
                    ),
                ),
            ]
    found += [
        Mistake(
            "normalised over the whole array",
            "your output is divided by the sum over the whole array (e.sum() without an "
            "axis); divide by the sum along the class axis, e.sum(axis=axis, keepdims=True), "
            "so that each row sums to 1",
            quiet(lambda: _whole_sum(z - z.max(axis=axis, keepdims=True))),
        ),
        Mistake(
            "normalised over the whole array",
            "your output is divided by the sum over the whole array, so all entries "
            "together sum to 1; divide by the sum along the class axis "
            "(e.sum(axis=axis, keepdims=True))",
            quiet(lambda: _whole_sum(z - z.max())),
        ),
        Mistake(
            "shifted by the overall maximum",
            "you subtracted the maximum of the whole array instead of the maximum along "
            "the class axis: rows whose logits all lie far below it underflow to 0 / 0 = "
            "NaN; use z.max(axis=axis, keepdims=True)",
            quiet(lambda: _naive_softmax(z - z.max(), axis)),
        ),
        Mistake(
            "not divided by the sum",
            "your output is exp(z - max), not divided by the sum of the exps along the axis "
            "(or divided by their largest, which is 1): softmax divides by "
            "e.sum(axis=axis, keepdims=True), so that each row sums to 1",
            quiet(lambda: np.exp(z - z.max(axis=axis, keepdims=True))),
        ),
        Mistake(
            "shifted by the minimum",
            "you subtracted the minimum instead of the maximum: exp of the largest logits "
            "still overflows (NaN/inf); subtract z.max(axis=axis, keepdims=True), so every "
            "exp is at most 1",
            quiet(lambda: _naive_softmax(z - z.min(axis=axis, keepdims=True), axis)),
        ),
        Mistake(
            "log-probabilities",
            "your output is log(softmax), the log-probabilities; softmax itself is "
            "exp(z - max) divided by its sum",
            lambda: np.log(ref.softmax(z, axis=axis)),
        ),
    ]
    for other in range(z.ndim):
        if other != axis:
            found.append(
                Mistake(
                    "max shift along the wrong axis",
                    f"you subtracted the maximum along axis {other} instead of along axis "
                    f"{axis} (the classes): where a row's logits lie far below that "
                    "maximum, every exp underflows to 0 and you divide 0 by 0",
                    quiet(
                        lambda other=other: _naive_softmax(
                            z - z.max(axis=other, keepdims=True), axis
                        )
                    ),
                )
            )
    return found
