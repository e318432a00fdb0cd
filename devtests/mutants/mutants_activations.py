"""Mutants of topic 3 (activations): realistic buggy ReLU, sigmoid and softmax submissions.

Each is ``solutions/activations.py`` with one small patch (``old`` -> ``new``), the
exercise it breaks, and the words its feedback must contain (see devtests/test_mutants.py).
"""

RELU = "    return np.maximum(x, 0.0)\n"
SIGMOID = (
    "    e = np.exp(-np.abs(x))  # in (0, 1]: never overflows\n"
    "    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))\n"
)
SHIFT = "    shifted = logits - logits.max(axis=axis, keepdims=True)\n"
NORMALISE = "    return e / e.sum(axis=axis, keepdims=True)\n"

MUTANTS = [
    # ---------------------------------------------------------------- relu
    dict(
        id="act-relu-np-max",
        exercise="relu",
        old=RELU,
        new="    return np.max(x, 0)\n",
        diagnosis="np.max instead of np.maximum",
    ),
    dict(
        id="act-relu-returns-slope",
        exercise="relu",
        old=RELU,
        new="    return (x > 0).astype(np.float64)\n",
        diagnosis="the slope instead of the value",
    ),
    dict(
        id="act-relu-abs",
        exercise="relu",
        old=RELU,
        new="    return np.abs(x)\n",
        diagnosis="absolute value",
    ),
    dict(
        id="act-relu-in-place",
        exercise="relu",
        old=RELU,
        new="    np.maximum(x, 0.0, out=x)\n    return x\n",
        diagnosis="modified its input x in place",
    ),
    # ---------------------------------------------------------------- sigmoid
    dict(
        id="act-sigmoid-sign-flipped",
        exercise="sigmoid",
        old="np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))",
        new="np.where(x >= 0, e / (1.0 + e), 1.0 / (1.0 + e))",
        diagnosis="sign flipped",
    ),
    dict(
        id="act-sigmoid-naive-overflow",
        exercise="sigmoid",
        old=SIGMOID,
        new="    return np.exp(x) / (1.0 + np.exp(x))\n",
        diagnosis="exp(x) / (1 + exp(x)) for every x",
    ),
    dict(
        id="act-sigmoid-abs-both-branches",
        exercise="sigmoid",
        old="np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))",
        new="1.0 / (1.0 + e)",
        diagnosis="exp(-|x|) without the case x < 0",
    ),
    dict(
        id="act-sigmoid-tanh",
        exercise="sigmoid",
        old=SIGMOID,
        new="    return np.tanh(x)\n",
        diagnosis="Likely mistake (tanh)",
    ),
    dict(
        id="act-sigmoid-hard",
        exercise="sigmoid",
        old=SIGMOID,
        new="    return np.clip(0.2 * x + 0.5, 0.0, 1.0)\n",
        diagnosis="hard sigmoid",
    ),
    # ---------------------------------------------------------------- softmax
    dict(
        id="act-softmax-no-max-shift",
        exercise="softmax",
        old=SHIFT,
        new="    shifted = logits\n",
        diagnosis="no max shift",
    ),
    dict(
        id="act-softmax-axis-0",
        exercise="softmax",
        old=SHIFT + "    e = np.exp(shifted)\n" + NORMALISE,
        new=(
            "    shifted = logits - logits.max(axis=0, keepdims=True)\n"
            "    e = np.exp(shifted)\n"
            "    return e / e.sum(axis=0, keepdims=True)\n"
        ),
        diagnosis="softmax over the wrong axis",
    ),
    dict(
        id="act-softmax-ignores-axis",
        exercise="softmax",
        old=SHIFT + "    e = np.exp(shifted)\n" + NORMALISE,
        new=(
            "    shifted = logits - logits.max(axis=-1, keepdims=True)\n"
            "    e = np.exp(shifted)\n"
            "    return e / e.sum(axis=-1, keepdims=True)\n"
        ),
        diagnosis="softmax over the wrong axis",
    ),
    dict(
        id="act-softmax-normalised-over-all",
        exercise="softmax",
        old=NORMALISE,
        new="    return e / e.sum()\n",
        diagnosis="normalised over the whole array",
    ),
    dict(
        id="act-softmax-overall-max",
        exercise="softmax",
        old=SHIFT,
        new="    shifted = logits - logits.max()\n",
        diagnosis="shifted by the overall maximum",
    ),
    dict(
        id="act-softmax-no-keepdims",
        exercise="softmax",
        old=SHIFT,
        new="    shifted = logits - logits.max(axis=axis)\n",
        diagnosis="keepdims=True",
    ),
    dict(
        id="act-softmax-in-place",
        exercise="softmax",
        old=SHIFT,
        new="    logits -= logits.max(axis=axis, keepdims=True)\n    shifted = logits\n",
        diagnosis="modified its input logits in place",
    ),
    # ------------------------------------------------------------ issue #12: more of what
    # students write (course forums, the classes of the issue), each diagnosis by what a
    # student sees through the worker
    dict(
        id="act-relu-leaky",
        exercise="relu",
        old=RELU,
        new="    return np.where(x > 0, x, 0.01 * x)\n",
        diagnosis="leaky ReLU",
    ),
    dict(
        id="act-relu-builtin-max",
        exercise="relu",
        old=RELU,
        new="    return max(x, 0.0)\n",
        diagnosis="np.maximum(a, b)",
    ),
    dict(
        id="act-relu-loop-int-zeros",
        exercise="relu",
        old=RELU,
        new=(
            "    out = np.zeros(x.shape, dtype=int)\n"
            "    for i in np.ndindex(x.shape):\n"
            "        out[i] = x[i] if x[i] > 0 else 0\n"
            "    return out\n"
        ),
        diagnosis="should be a float array (float64)",
    ),
    dict(
        id="act-relu-float32",
        exercise="relu",
        old=RELU,
        new="    return np.maximum(x.astype(np.float32), 0)\n",
        diagnosis="float32",
    ),
    dict(
        id="act-sigmoid-denominator-minus",
        exercise="sigmoid",
        old=SIGMOID,
        new=(
            "    e = np.exp(-np.abs(x))\n"
            "    return np.where(x >= 0, 1.0 / (1.0 - e), e / (1.0 - e))\n"
        ),
        diagnosis="1 - exp(-x) in the denominator",
    ),
    dict(
        id="act-sigmoid-tanh-without-half",
        exercise="sigmoid",
        old=SIGMOID,
        new="    return 0.5 * (1.0 + np.tanh(x))\n",
        diagnosis="tanh(x) instead of tanh(x / 2)",
    ),
    dict(
        id="act-sigmoid-branch-if",
        exercise="sigmoid",
        old=SIGMOID,
        new=(
            "    if x >= 0:\n"
            "        return 1.0 / (1.0 + np.exp(-x))\n"
            "    return np.exp(x) / (1.0 + np.exp(x))\n"
        ),
        diagnosis="np.where(condition, a, b)",
    ),
    dict(
        id="act-softmax-divide-by-max",
        exercise="softmax",
        old=NORMALISE,
        new="    return e / e.max(axis=axis, keepdims=True)\n",
        diagnosis="not divided by the sum",
    ),
    dict(
        id="act-softmax-not-normalised",
        exercise="softmax",
        old=NORMALISE,
        new="    return e\n",
        diagnosis="not divided by the sum",
    ),
    dict(
        id="act-softmax-sum-axis-0-no-keepdims",
        exercise="softmax",
        old=NORMALISE,
        new="    return e / np.sum(e, axis=0)\n",
        diagnosis="softmax over the wrong axis",
    ),
    dict(
        id="act-softmax-shift-by-min",
        exercise="softmax",
        old=SHIFT,
        new="    shifted = logits - logits.min(axis=axis, keepdims=True)\n",
        diagnosis="minimum",
    ),
    # ------------------------------------------------------------ issue #12, blind batch
    dict(
        id="blind-relu-capped-at-1",
        exercise="relu",
        old=RELU,
        new="    return np.clip(x, 0.0, 1.0)\n",
        diagnosis="ReLU capped",
        blind=True,
    ),
    dict(
        id="blind-sigmoid-naive",
        exercise="sigmoid",
        old=SIGMOID,
        new="    return 1.0 / (1.0 + np.exp(-x))\n",
        diagnosis="raised a warning",
        blind=True,
    ),
    dict(
        id="blind-sigmoid-where-both-branches",
        exercise="sigmoid",
        old=SIGMOID,
        new="    return np.where(x >= 0, 1 / (1 + np.exp(-x)), np.exp(x) / (1 + np.exp(x)))\n",
        diagnosis="raised a warning",
        blind=True,
    ),
    dict(
        id="blind-softmax-sum-last-axis-index",
        exercise="softmax",
        old=NORMALISE,
        new="    return e / e.sum(axis=axis)[..., None]\n",
        diagnosis=None,
        blind=True,
    ),
]
