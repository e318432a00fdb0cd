"""Mutants of solutions/convolution.py: realistic bugs in sizes, padding, conv2d and conv_layer.

Each ``diagnosis`` is words the student's feedback for that exercise must contain: the
name of the catalogued Mistake (autograder/suites/mistakes_convolution.py) that
recognises the output, or the check's own words (dtype, inputs modified in place).
"""

# conv2d as students often write it: a window per output pixel
CONV2D_LOOPS_OLD = (
    "    padded = zero_pad(image, pads)\n"
    "    kh, kw = kernel.shape\n"
    "    out_h = conv_output_size(padded.shape[0], kh, stride=stride)\n"
    "    out_w = conv_output_size(padded.shape[1], kw, stride=stride)\n"
    "    out = np.zeros((out_h, out_w))\n"
    "    # One step per kernel offset (a, b): add kernel[a, b] times the pixels it meets.\n"
    "    for a in range(kh):\n"
    "        for b in range(kw):\n"
    "            rows = slice(a, a + stride * (out_h - 1) + 1, stride)\n"
    "            cols = slice(b, b + stride * (out_w - 1) + 1, stride)\n"
    "            out += kernel[a, b] * padded[rows, cols]\n"
    "    return out\n"
)
CONV2D_LOOPS = (
    "    padded = zero_pad(image, pads)\n"
    "    kh, kw = kernel.shape\n"
    "    out_h = (padded.shape[0] - kh) // stride + 1\n"
    "    out_w = (padded.shape[1] - kw) // stride + 1\n"
    "    out = np.zeros((out_h, out_w))\n"
    "    for i in range(out_h):\n"
    "        for j in range(out_w):\n"
    "            window = padded[i * stride : i * stride + kh, j * stride : j * stride + kw]\n"
    "            out[i, j] = np.sum(window * kernel)\n"
    "    return out\n"
)

# conv_layer as a CS231n student wrote it (channels-last here): a window per output pixel
# and filter, window * kernel broadcast (a window cut short to one row still multiplies)
CONV_LAYER_SOLUTION_LOOPS = (
    "    out_h = conv_output_size(padded.shape[1], kh, stride=stride)\n"
    "    out_w = conv_output_size(padded.shape[2], kw, stride=stride)\n"
    "    out = np.zeros((batch.shape[0], out_h, out_w, k))\n"
    "    for a in range(kh):\n"
    "        for b in range(kw):\n"
    "            rows = slice(a, a + stride * (out_h - 1) + 1, stride)\n"
    "            cols = slice(b, b + stride * (out_w - 1) + 1, stride)\n"
    "            # (N, H', W', d) @ (d, k): the channel sum for all k filters at once.\n"
    "            out += padded[:, rows, cols, :] @ kernels[a, b]\n"
)
CONV_LAYER_PIXEL_LOOPS = (
    "    out_h = 1 + (padded.shape[1] - kh) // stride\n"
    "    out_w = 1 + (padded.shape[2] - kw) // stride\n"
    "    out = np.zeros((batch.shape[0], out_h, out_w, k))\n"
    "    for i in range(out_h):\n"
    "        for j in range(out_w):\n"
    "            window = padded[:, i * stride : i * stride + kh, j * stride : j * stride + kw]\n"
    "            for f in range(k):\n"
    "                out[:, i, j, f] = np.sum(window * kernels[:, :, :, f], axis=(1, 2, 3))\n"
)

MUTANTS = [
    # ------------------------------------------------------------ conv_output_size
    dict(
        id="conv-output-size-off-by-one",
        exercise="conv_output_size",
        old="return (n - k + 2 * padding) // stride + 1",
        new="return (n - k + 2 * padding) // stride",
        diagnosis="output size off by one",
    ),
    dict(
        id="conv-output-size-padding-once",
        exercise="conv_output_size",
        old="return (n - k + 2 * padding) // stride + 1",
        new="return (n - k + padding) // stride + 1",
        diagnosis="padding counted on one side only",
    ),
    dict(
        id="conv-output-size-rounded-up",
        exercise="conv_output_size",
        old="return (n - k + 2 * padding) // stride + 1",
        new="return int(np.ceil((n - k + 2 * padding) / stride)) + 1",
        diagnosis="rounded instead of rounded down",
    ),
    # ------------------------------------------------------------ same_padding
    dict(
        id="conv-same-padding-wrong-side",
        exercise="same_padding",
        old="return before, total - before",
        new="return total - before, before",
        diagnosis="extra zero on the wrong side",
        elsewhere="same padding on the wrong side",  # conv2d, conv_layer call it
    ),
    dict(
        id="conv-same-padding-stride-ignored",
        exercise="same_padding",
        old="total = max((out - 1) * stride + k - n, 0)",
        new="total = k - 1",
        diagnosis="stride ignored",
    ),
    dict(
        id="conv-same-padding-not-clamped",
        exercise="same_padding",
        old="total = max((out - 1) * stride + k - n, 0)",
        new="total = (out - 1) * stride + k - n",
        diagnosis="negative padding",
    ),
    # ------------------------------------------------------------ zero_pad
    dict(
        id="conv-zero-pad-every-axis",
        exercise="zero_pad",
        old="    widths = [(0, 0)] * x.ndim\n",
        new=(
            "    if isinstance(padding, numbers.Integral):\n"
            "        return np.pad(x, padding)  # pads N and d too\n"
            "    widths = [(0, 0)] * x.ndim\n"
        ),
        diagnosis="every axis padded",
    ),
    dict(
        id="conv-zero-pad-channels-last-3d-as-batch",
        exercise="zero_pad",
        old="spatial = 1 if x.ndim == 4 else 0",
        new="spatial = 1 if x.ndim >= 3 else 0",
        diagnosis="padding on the wrong axes",
    ),
    dict(
        id="conv-zero-pad-height-width-swapped",
        exercise="zero_pad",
        old="    widths[spatial] = (top, bottom)\n    widths[spatial + 1] = (left, right)\n",
        new="    widths[spatial] = (left, right)\n    widths[spatial + 1] = (top, bottom)\n",
        diagnosis="height and width padding swapped",
    ),
    dict(
        id="conv-zero-pad-int-output",
        exercise="zero_pad",
        old=(
            'x = as_float_array(x, "x", fn, ndim=(2, 3, 4), '
            'layout="(H, W), (H, W, d) or (N, H, W, d)")'
        ),
        new="x = np.asarray(x)",
        diagnosis="should be a float array (float64)",
    ),
    # ------------------------------------------------------------ conv2d
    dict(
        id="conv-conv2d-flipped-kernel",
        exercise="conv2d",
        old="out += kernel[a, b] * padded[rows, cols]",
        new="out += kernel[kh - 1 - a, kw - 1 - b] * padded[rows, cols]",
        diagnosis="flipped kernel",
    ),
    dict(
        id="conv-conv2d-same-wrong-side",
        exercise="conv2d",
        old="same_padding(n, k, stride) for n, k in zip(image.shape, kernel.shape, strict=True)",
        new=(
            "same_padding(n, k, stride)[::-1] "
            "for n, k in zip(image.shape, kernel.shape, strict=True)"
        ),
        diagnosis="same padding on the wrong side",
    ),
    dict(
        id="conv-conv2d-same-split-evenly",
        exercise="conv2d",
        old="same_padding(n, k, stride) for n, k in zip(image.shape, kernel.shape, strict=True)",
        new="((k - 1) // 2, (k - 1) // 2) for k in kernel.shape",
        diagnosis="same padding split evenly",
    ),
    dict(
        id="conv-conv2d-output-off-by-one",
        exercise="conv2d",
        old=(
            "out_h = conv_output_size(padded.shape[0], kh, stride=stride)\n"
            "    out_w = conv_output_size(padded.shape[1], kw, stride=stride)"
        ),
        new=(
            "out_h = (padded.shape[0] - kh) // stride\n    out_w = (padded.shape[1] - kw) // stride"
        ),
        diagnosis="output size off by one",
    ),
    dict(
        id="conv-conv2d-stride-ignored-on-window",
        exercise="conv2d",
        old=(
            "            rows = slice(a, a + stride * (out_h - 1) + 1, stride)\n"
            "            cols = slice(b, b + stride * (out_w - 1) + 1, stride)\n"
            "            out += kernel[a, b] * padded[rows, cols]"
        ),
        new=(
            "            rows = slice(a, a + out_h)\n"
            "            cols = slice(b, b + out_w)\n"
            "            out += kernel[a, b] * padded[rows, cols]"
        ),
        diagnosis="stride ignored on the input window",
    ),
    dict(
        id="conv-conv2d-height-width-swapped",
        exercise="conv2d",
        old=(
            "    kh, kw = kernel.shape\n"
            "    out_h = conv_output_size(padded.shape[0], kh, stride=stride)\n"
            "    out_w = conv_output_size(padded.shape[1], kw, stride=stride)\n"
            "    out = np.zeros((out_h, out_w))\n"
            "    # One step per kernel offset (a, b): add kernel[a, b] times the pixels it meets.\n"
            "    for a in range(kh):\n"
            "        for b in range(kw):\n"
            "            rows = slice(a, a + stride * (out_h - 1) + 1, stride)\n"
            "            cols = slice(b, b + stride * (out_w - 1) + 1, stride)\n"
            "            out += kernel[a, b] * padded[rows, cols]"
        ),
        new=(
            "    kw, kh = kernel.shape  # (width, height)\n"
            "    out_h = conv_output_size(padded.shape[0], kh, stride=stride)\n"
            "    out_w = conv_output_size(padded.shape[1], kw, stride=stride)\n"
            "    out = np.zeros((out_h, out_w))\n"
            "    for a in range(kh):\n"
            "        for b in range(kw):\n"
            "            rows = slice(a, a + stride * (out_h - 1) + 1, stride)\n"
            "            cols = slice(b, b + stride * (out_w - 1) + 1, stride)\n"
            "            out += kernel[b, a] * padded[rows, cols]"
        ),
        diagnosis="kernel height and width swapped",
    ),
    dict(
        id="conv-conv2d-padding-ignored",
        exercise="conv2d",
        old="padded = zero_pad(image, pads)",
        new="padded = image",
        diagnosis="padding ignored",
    ),
    # ------------------------------------------------------------ conv_layer
    dict(
        id="conv-layer-bias-missing",
        exercise="conv_layer",
        old="    out += bias\n",
        new="",
        diagnosis="bias missing",
    ),
    dict(
        id="conv-layer-bias-wrong-axis",
        exercise="conv_layer",
        old="    out += bias\n",
        new="    out += bias[:, np.newaxis, np.newaxis]  # one bias per channel, channels first\n",
        diagnosis="bias on the wrong axis",
    ),
    dict(
        id="conv-layer-one-input-channel",
        exercise="conv_layer",
        old="out += padded[:, rows, cols, :] @ kernels[a, b]",
        new="out += padded[:, rows, cols, -1:] @ kernels[a, b, -1:]",
        diagnosis="only one input channel summed",
    ),
    dict(
        id="conv-layer-kernel-layout-k-d-kh-kw",
        exercise="conv_layer",
        old="out += padded[:, rows, cols, :] @ kernels[a, b]",
        new="out += padded[:, rows, cols, :] @ kernels[:, :, a, b].T",
        diagnosis="kernel layout confused",
    ),
    dict(
        id="conv-layer-flipped-kernel",
        exercise="conv_layer",
        old="out += padded[:, rows, cols, :] @ kernels[a, b]",
        new="out += padded[:, rows, cols, :] @ kernels[kh - 1 - a, kw - 1 - b]",
        diagnosis="flipped kernel",
    ),
    dict(
        id="conv-layer-height-width-swapped",
        exercise="conv_layer",
        old=(
            "    kh, kw, _, k = kernels.shape\n"
            "    out_h = conv_output_size(padded.shape[1], kh, stride=stride)\n"
            "    out_w = conv_output_size(padded.shape[2], kw, stride=stride)\n"
            "    out = np.zeros((batch.shape[0], out_h, out_w, k))\n"
            "    for a in range(kh):\n"
            "        for b in range(kw):\n"
            "            rows = slice(a, a + stride * (out_h - 1) + 1, stride)\n"
            "            cols = slice(b, b + stride * (out_w - 1) + 1, stride)\n"
            "            # (N, H', W', d) @ (d, k): the channel sum for all k filters at once.\n"
            "            out += padded[:, rows, cols, :] @ kernels[a, b]"
        ),
        new=(
            "    kw, kh, _, k = kernels.shape  # (width, height, d, k)\n"
            "    out_h = conv_output_size(padded.shape[1], kh, stride=stride)\n"
            "    out_w = conv_output_size(padded.shape[2], kw, stride=stride)\n"
            "    out = np.zeros((batch.shape[0], out_h, out_w, k))\n"
            "    for a in range(kh):\n"
            "        for b in range(kw):\n"
            "            rows = slice(a, a + stride * (out_h - 1) + 1, stride)\n"
            "            cols = slice(b, b + stride * (out_w - 1) + 1, stride)\n"
            "            out += padded[:, rows, cols, :] @ kernels[b, a]"
        ),
        diagnosis="kernel height and width swapped",
    ),
    dict(
        id="conv-layer-same-wrong-side",
        exercise="conv_layer",
        old="same_padding(n, k, stride) for n, k in zip(hw, kernels.shape[:2], strict=True)",
        new="same_padding(n, k, stride)[::-1] for n, k in zip(hw, kernels.shape[:2], strict=True)",
        diagnosis="same padding on the wrong side",
    ),
    dict(
        id="conv-layer-stride-ignored-on-window",
        exercise="conv_layer",
        old=(
            "            rows = slice(a, a + stride * (out_h - 1) + 1, stride)\n"
            "            cols = slice(b, b + stride * (out_w - 1) + 1, stride)\n"
            "            # (N, H', W', d) @ (d, k)"
        ),
        new=(
            "            rows = slice(a, a + out_h)\n"
            "            cols = slice(b, b + out_w)\n"
            "            # (N, H', W', d) @ (d, k)"
        ),
        diagnosis="stride ignored on the input window",
    ),
    dict(
        id="conv-conv2d-modifies-input",
        exercise="conv2d",
        old=(
            "    padded = zero_pad(image, pads)\n"
            "    kh, kw = kernel.shape\n"
            "    out_h = conv_output_size(padded.shape[0], kh, stride=stride)\n"
            "    out_w = conv_output_size(padded.shape[1], kw, stride=stride)\n"
            "    out = np.zeros((out_h, out_w))\n"
            "    # One step per kernel offset (a, b): add kernel[a, b] times the pixels it meets.\n"
            "    for a in range(kh):\n"
            "        for b in range(kw):\n"
            "            rows = slice(a, a + stride * (out_h - 1) + 1, stride)\n"
            "            cols = slice(b, b + stride * (out_w - 1) + 1, stride)\n"
            "            out += kernel[a, b] * padded[rows, cols]"
        ),
        new=(
            "    padded = image if pads == ((0, 0), (0, 0)) else zero_pad(image, pads)\n"
            "    kh, kw = kernel.shape\n"
            "    out_h = conv_output_size(padded.shape[0], kh, stride=stride)\n"
            "    out_w = conv_output_size(padded.shape[1], kw, stride=stride)\n"
            "    out = None\n"
            "    for a in range(kh):\n"
            "        for b in range(kw):\n"
            "            rows = slice(a, a + stride * (out_h - 1) + 1, stride)\n"
            "            cols = slice(b, b + stride * (out_w - 1) + 1, stride)\n"
            "            if out is None:  # start from the first term, in place (a view!)\n"
            "                out = padded[rows, cols]\n"
            "                out *= kernel[a, b]\n"
            "            else:\n"
            "                out += kernel[a, b] * padded[rows, cols]"
        ),
        diagnosis="modified its input image in place",
    ),
    # ------------------------------------------------------------ issue #12: more of what
    # students write (course forums, the classes of the issue), in the loops they write
    dict(
        id="conv-output-size-true-division",
        exercise="conv_output_size",
        old="return (n - k + 2 * padding) // stride + 1",
        new="return (n - k + 2 * padding) / stride + 1",
        diagnosis="should return an int",
    ),
    dict(
        id="conv-output-size-padding-after-division",
        exercise="conv_output_size",
        old="return (n - k + 2 * padding) // stride + 1",
        new="return (n - k) // stride + 1 + 2 * padding",
        diagnosis="padding added after dividing by the stride",
    ),
    dict(
        id="conv-output-size-round",
        exercise="conv_output_size",
        old="return (n - k + 2 * padding) // stride + 1",
        new="return int(round((n - k + 2 * padding) / stride)) + 1",
        diagnosis="rounded instead of rounded down",
    ),
    dict(
        id="conv-same-padding-true-division",
        exercise="same_padding",
        old="    before = total // 2\n",
        new="    before = total / 2\n",
        diagnosis="should return two ints",
    ),
    dict(
        id="conv-same-padding-odd-zero-dropped",
        exercise="same_padding",
        old="    return before, total - before\n",
        new="    return before, before\n",
        diagnosis="extra zero dropped",
    ),
    dict(
        id="conv-same-padding-ceil-before",
        exercise="same_padding",
        old="    before = total // 2\n",
        new="    before = -(-total // 2)\n",
        diagnosis="extra zero on the wrong side",
        elsewhere="same padding on the wrong side",
    ),
    dict(
        id="conv-zero-pad-minus-slicing",
        exercise="zero_pad",
        old="    widths = [(0, 0)] * x.ndim\n",
        new=(
            "    if x.ndim == 2:\n"
            "        out = np.zeros((x.shape[0] + top + bottom, x.shape[1] + left + right))\n"
            "        out[top:-bottom, left:-right] = x\n"
            "        return out\n"
            "    widths = [(0, 0)] * x.ndim\n"
        ),
        diagnosis="[p:-p]",
    ),
    dict(
        id="conv-zero-pad-top-left-twice",
        exercise="zero_pad",
        old="    widths[spatial] = (top, bottom)\n    widths[spatial + 1] = (left, right)\n",
        new="    widths[spatial] = (top, top)\n    widths[spatial + 1] = (left, left)\n",
        diagnosis="bottom and right",
    ),
    dict(
        id="conv-conv2d-loop-dot",
        exercise="conv2d",
        old=CONV2D_LOOPS_OLD,
        new=CONV2D_LOOPS.replace("np.sum(window * kernel)", "np.sum(np.dot(window, kernel))"),
        diagnosis="matrix product",
    ),
    dict(
        id="conv-conv2d-loop-last-row-missed",
        exercise="conv2d",
        old=CONV2D_LOOPS_OLD,
        new=CONV2D_LOOPS.replace("range(out_h)", "range(out_h - 1)").replace(
            "range(out_w)", "range(out_w - 1)"
        ),
        diagnosis="last row and column",
    ),
    dict(
        id="conv-conv2d-loop-window-from-unpadded-image",
        exercise="conv2d",
        old=CONV2D_LOOPS_OLD,
        new=CONV2D_LOOPS.replace("window = padded[", "window = image["),
        diagnosis="cuts it short",
    ),
    dict(
        id="conv-conv2d-loop-size-without-padding",
        exercise="conv2d",
        old=CONV2D_LOOPS_OLD,
        new=CONV2D_LOOPS.replace("(padded.shape[0] - kh)", "(image.shape[0] - kh)").replace(
            "(padded.shape[1] - kw)", "(image.shape[1] - kw)"
        ),
        diagnosis="output size without the padding",
    ),
    dict(
        id="conv-layer-bias-per-kernel-weight",
        exercise="conv_layer",
        old="            out += padded[:, rows, cols, :] @ kernels[a, b]\n    out += bias\n",
        new="            out += padded[:, rows, cols, :] @ kernels[a, b] + bias\n",
        diagnosis="bias added kh * kw times",
    ),
    dict(
        id="conv-layer-relu-applied",
        exercise="conv_layer",
        old="    out += bias\n    return out if x.ndim == 4 else out[0]\n",
        new="    out = np.maximum(out + bias, 0.0)\n    return out if x.ndim == 4 else out[0]\n",
        diagnosis="ReLU applied",
    ),
    dict(
        id="conv-layer-first-filter-for-all",
        exercise="conv_layer",
        old="            out += padded[:, rows, cols, :] @ kernels[a, b]\n",
        new="            out += (padded[:, rows, cols, :] @ kernels[a, b][:, :1]) * np.ones(k)\n",
        diagnosis="first filter",
    ),
    dict(
        id="conv-layer-window-mean",
        exercise="conv_layer",
        old="    out += bias\n    return out if x.ndim == 4 else out[0]\n",
        new=(
            "    out = out / (kh * kw * kernels.shape[2]) + bias\n"
            "    return out if x.ndim == 4 else out[0]\n"
        ),
        diagnosis="average",
    ),
    # ------------------------------------------------------------ issue #12, blind batch:
    # written and measured before the catalogue was tuned for them
    dict(
        id="blind-conv-output-size-padding-once-after",
        exercise="conv_output_size",
        old="return (n - k + 2 * padding) // stride + 1",
        new="return (n - k) // stride + 1 + padding",
        diagnosis="padding counted once, after the division",
        blind=True,
    ),
    dict(
        id="blind-same-padding-k-minus-stride",
        exercise="same_padding",
        old="    total = max((out - 1) * stride + k - n, 0)\n",
        new="    total = max(k - stride, 0)\n",
        diagnosis="the total k - s",
        blind=True,
    ),
    dict(
        id="blind-zero-pad-channels-assumed",
        exercise="zero_pad",
        old="    widths = [(0, 0)] * x.ndim\n",
        new=(
            "    return np.pad(x, ((top, bottom), (left, right), (0, 0)))\n"
            "    widths = [(0, 0)] * x.ndim\n"
        ),
        diagnosis="one pair per axis",
        blind=True,
    ),
    dict(
        id="blind-zero-pad-pairs-mixed",
        exercise="zero_pad",
        old="    widths[spatial] = (top, bottom)\n    widths[spatial + 1] = (left, right)\n",
        new="    widths[spatial] = (top, left)\n    widths[spatial + 1] = (bottom, right)\n",
        diagnosis="padding pairs mixed up",
        blind=True,
    ),
    dict(
        id="blind-conv2d-stride-rows-only",
        exercise="conv2d",
        old=CONV2D_LOOPS_OLD,
        new=CONV2D_LOOPS.replace("j * stride : j * stride + kw", "j : j + kw"),
        diagnosis="stride ignored on the input window",
        blind=True,
    ),
    dict(
        id="blind-conv2d-out-w-from-kh",
        exercise="conv2d",
        old=CONV2D_LOOPS_OLD,
        new=CONV2D_LOOPS.replace("(padded.shape[1] - kw)", "(padded.shape[1] - kh)"),
        diagnosis="output width from the kernel's height",
        blind=True,
    ),
    dict(
        id="blind-conv2d-mean",
        exercise="conv2d",
        old=CONV2D_LOOPS_OLD,
        new=CONV2D_LOOPS.replace("np.sum(window * kernel)", "np.mean(window * kernel)"),
        diagnosis="times the expected one",
        blind=True,
    ),
    dict(
        id="blind-conv-layer-first-bias-for-all",
        exercise="conv_layer",
        old="    out += bias\n    return out if x.ndim == 4 else out[0]\n",
        new="    out += bias[0]\n    return out if x.ndim == 4 else out[0]\n",
        diagnosis="first bias for every filter",
        blind=True,
    ),
    # ------------------------------------------------------------ seen in real students' code
    dict(  # CS231n: H_out = round(1 + (H + 2 * pad - HH) / stride)
        id="real-conv-layer-size-rounded",
        exercise="conv_layer",
        old=CONV_LAYER_SOLUTION_LOOPS,
        new=CONV_LAYER_PIXEL_LOOPS.replace(
            "1 + (padded.shape[1] - kh) // stride", "round(1 + (padded.shape[1] - kh) / stride)"
        ).replace(
            "1 + (padded.shape[2] - kw) // stride", "round(1 + (padded.shape[2] - kw) / stride)"
        ),
        diagnosis="output size rounded, not floored",
    ),
    dict(  # CS231n: W' = 1 + (W + 2 * pad - HH) / stride
        id="real-conv-layer-width-from-kernel-height",
        exercise="conv_layer",
        old=CONV_LAYER_SOLUTION_LOOPS,
        new=CONV_LAYER_PIXEL_LOOPS.replace(
            "(padded.shape[2] - kw) // stride", "(padded.shape[2] - kh) // stride"
        ),
        diagnosis="output width from the kernel's height",
    ),
]
