"""Mutants of solutions/pooling.py: realistic bugs in max pooling and the receptive field.

Each ``diagnosis`` is words the student's feedback for that exercise must contain: the
name of the catalogued Mistake (autograder/suites/mistakes_pooling.py) that recognises
the output, or the check's own words (dtype, inputs modified in place).
"""

POOL_OFFSETS = (
    "    lead = (slice(None),) * spatial\n"
    "    out = None\n"
    "    # One step per window offset (a, b): the pixels at that offset in every window.\n"
    "    for a in range(ph):\n"
    "        for b in range(pw):\n"
    "            rows = slice(a, a + sh * (out_h - 1) + 1, sh)\n"
    "            cols = slice(b, b + sw * (out_w - 1) + 1, sw)\n"
    "            part = x[lead + (rows, cols)]\n"
    "            out = part.copy() if out is None else np.maximum(out, part)\n"
    "    return out\n"
)
# max_pool2d as students often write it: a window per output pixel
POOL_LOOPS = (
    "    lead = (slice(None),) * spatial\n"
    "    shape = list(x.shape)\n"
    "    shape[spatial], shape[spatial + 1] = out_h, out_w\n"
    "    out = np.zeros(shape)\n"
    "    for i in range(out_h):\n"
    "        for j in range(out_w):\n"
    "            window = x[lead + (slice(i * sh, i * sh + ph), slice(j * sw, j * sw + pw))]\n"
    "            out[lead + (i, j)] = window.max(axis=(spatial, spatial + 1))\n"
    "    return out\n"
)

MUTANTS = [
    # ------------------------------------------------------------ max_pool2d
    dict(
        id="pool-stride-assumed-equal-to-window",
        exercise="max_pool2d",
        old='sh, sw = (ph, pw) if stride is None else _pair(stride, "stride", fn)',
        new="sh, sw = ph, pw",
        diagnosis="stride assumed equal to the window",
    ),
    dict(
        id="pool-max-across-channels",
        exercise="max_pool2d",
        old="            part = x[lead + (rows, cols)]\n",
        new=(
            "            part = x[lead + (rows, cols)]\n"
            "            if x.ndim > 2:  # the largest value in the window, over all channels\n"
            "                part = np.broadcast_to(part.max(axis=-1, keepdims=True), part.shape)\n"
        ),
        diagnosis="max taken across channels",
    ),
    dict(
        id="pool-modifies-input",
        exercise="max_pool2d",
        old="out = part.copy() if out is None else np.maximum(out, part)",
        new="out = part if out is None else np.maximum(out, part, out=out)",
        diagnosis="modified its input x in place",
    ),
    dict(
        id="pool-int-output",
        exercise="max_pool2d",
        old=(
            'x = as_float_array(x, "x", fn, ndim=(2, 3, 4), '
            'layout="(H, W), (H, W, d) or (N, H, W, d)")'
        ),
        new="x = np.asarray(x)",
        diagnosis="should be a float array (float64)",
    ),
    dict(
        id="pool-max-started-from-zero",
        exercise="max_pool2d",
        old="out = part.copy() if out is None else np.maximum(out, part)",
        new="out = np.maximum(np.zeros_like(part), part) if out is None else np.maximum(out, part)",
        diagnosis="maximum started from 0",
    ),
    dict(
        id="pool-height-width-swapped",
        exercise="max_pool2d",
        old='ph, pw = _pair(size, "size", fn)',
        new='pw, ph = _pair(size, "size", fn)',
        diagnosis="height and width swapped",
    ),
    dict(
        id="pool-stride-ignored-on-window",
        exercise="max_pool2d",
        old=(
            "            rows = slice(a, a + sh * (out_h - 1) + 1, sh)\n"
            "            cols = slice(b, b + sw * (out_w - 1) + 1, sw)\n"
        ),
        new="            rows = slice(a, a + out_h)\n            cols = slice(b, b + out_w)\n",
        diagnosis="stride ignored on the input window",
    ),
    dict(
        id="pool-output-off-by-one",
        exercise="max_pool2d",
        old="    out_h = (h - ph) // sh + 1\n    out_w = (w - pw) // sw + 1\n",
        new="    out_h = (h - ph) // sh\n    out_w = (w - pw) // sw\n",
        diagnosis="output size off by one",
    ),
    dict(
        id="pool-ceil-mode",
        exercise="max_pool2d",
        old="    out_h = (h - ph) // sh + 1\n    out_w = (w - pw) // sw + 1\n",
        new="    out_h = -(-(h - ph) // sh) + 1\n    out_w = -(-(w - pw) // sw) + 1\n",
        diagnosis=None,  # partial windows make numpy raise: caught, nothing to diagnose
    ),
    # ------------------------------------------------------------ receptive_field
    dict(
        id="pool-receptive-field-jump-ignored",
        exercise="receptive_field",
        old="r += (k - 1) * jump",
        new="r += k - 1",
        diagnosis="jump never updated",
    ),
    dict(
        id="pool-receptive-field-jump-updated-first",
        exercise="receptive_field",
        old="        r += (k - 1) * jump\n        jump *= s\n",
        new="        jump *= s\n        r += (k - 1) * jump\n",
        diagnosis="jump updated too early",
    ),
    dict(
        id="pool-receptive-field-pooling-skipped",
        exercise="receptive_field",
        old="    for _, k, s in layers:\n",
        new=(
            "    for kind, k, s in layers:\n"
            '        if kind == "pool":  # pooling has no weights\n'
            "            continue\n"
        ),
        diagnosis="pooling layers skipped",
    ),
    # ------------------------------------------------------------ issue #12: more of what
    # students write (course forums, the classes of the issue)
    dict(
        id="pool-loop-max-of-whole-window",
        exercise="max_pool2d",
        old=POOL_OFFSETS,
        new=POOL_LOOPS.replace("window.max(axis=(spatial, spatial + 1))", "window.max()"),
        diagnosis="max taken across channels",
    ),
    dict(
        id="pool-loop-mean",
        exercise="max_pool2d",
        old=POOL_OFFSETS,
        new=POOL_LOOPS.replace("window.max(", "window.mean("),
        diagnosis="average instead of max",
    ),
    dict(
        id="pool-loop-stride-one",
        exercise="max_pool2d",
        old=POOL_OFFSETS,
        new=POOL_LOOPS.replace("i * sh", "i").replace("j * sw", "j"),
        diagnosis="stride ignored on the input window",
    ),
    dict(
        id="pool-receptive-field-reversed",
        exercise="receptive_field",
        old="    for _, k, s in layers:\n",
        new="    for _, k, s in reversed(layers):\n",
        diagnosis="layers taken in reverse order",
    ),
    dict(
        id="pool-receptive-field-k-not-k-minus-1",
        exercise="receptive_field",
        old="        r += (k - 1) * jump\n",
        new="        r += k * jump\n",
        diagnosis="k instead of k - 1",
    ),
    dict(
        id="pool-receptive-field-starts-at-0",
        exercise="receptive_field",
        old="    r, jump = 1, 1\n",
        new="    r, jump = 0, 1\n",
        diagnosis="started from 0",
    ),
    dict(
        id="pool-receptive-field-float",
        exercise="receptive_field",
        old="        jump *= s\n",
        new="        jump = jump * s / 1\n",
        diagnosis="should return an int",
    ),
    # ------------------------------------------------------------ issue #12, blind batch
    dict(
        id="blind-pool-window-height-uses-pw",
        exercise="max_pool2d",
        old=POOL_OFFSETS,
        new=POOL_LOOPS.replace("slice(i * sh, i * sh + ph)", "slice(i * sh, i * sh + pw)"),
        diagnosis="window size confused",
        blind=True,
    ),
    dict(
        id="blind-pool-axes-0-1",
        exercise="max_pool2d",
        old=POOL_OFFSETS,
        new=POOL_LOOPS.replace(
            "window.max(axis=(spatial, spatial + 1))", "window.max(axis=(0, 1))"
        ),
        diagnosis=None,
        blind=True,
    ),
    dict(
        id="blind-receptive-field-own-stride",
        exercise="receptive_field",
        old="        r += (k - 1) * jump\n",
        new="        r += (k - 1) * s\n",
        diagnosis="(k - 1) * s instead of (k - 1) * jump",
        blind=True,
    ),
    dict(
        id="blind-receptive-field-jump-added",
        exercise="receptive_field",
        old="        jump *= s\n",
        new="        jump += s - 1\n",
        diagnosis="strides added instead of multiplied",
        blind=True,
    ),
    # ------------------------------------------------------------ seen in real students' code
    dict(  # CS231n: H_out = round(1 + (H - pool_height) / stride), the last window cut short
        id="real-pool-size-rounded",
        exercise="max_pool2d",
        old="    out_h = (h - ph) // sh + 1\n    out_w = (w - pw) // sw + 1\n" + POOL_OFFSETS,
        new="    out_h = round(1 + (h - ph) / sh)\n    out_w = round(1 + (w - pw) / sw)\n"
        + POOL_LOOPS,
        diagnosis="windows past the edge kept",
    ),
    dict(  # CS231n: out_col.reshape(N, C, out_h, out_h), a square output assumed
        id="real-pool-square-output",
        exercise="max_pool2d",
        old=POOL_OFFSETS,
        new=POOL_LOOPS.replace(
            "shape[spatial], shape[spatial + 1] = out_h, out_w",
            "shape[spatial], shape[spatial + 1] = out_h, out_h",
        ).replace("for j in range(out_w)", "for j in range(out_h)"),
        diagnosis="output width set to its height",
    ),
    dict(  # deeplearning.ai: every output pixel is A_prev[i, :, :, c].max()
        id="real-pool-max-of-the-whole-image",
        exercise="max_pool2d",
        old=POOL_OFFSETS,
        new=POOL_LOOPS.replace(
            "x[lead + (slice(i * sh, i * sh + ph), slice(j * sw, j * sw + pw))]",
            "x[lead + (slice(None), slice(None))]",
        ),
        diagnosis="max over the whole image",
    ),
    dict(  # deeplearning.ai: n_W = int((n_C_prev - f) / stride) + 1
        id="real-pool-width-from-the-channels",
        exercise="max_pool2d",
        old="    out_h = (h - ph) // sh + 1\n    out_w = (w - pw) // sw + 1\n" + POOL_OFFSETS,
        new="    out_h = (h - ph) // sh + 1\n    out_w = (x.shape[-1] - pw) // sw + 1\n"
        + POOL_LOOPS,
        diagnosis="output width from the channel count",
    ),
]
