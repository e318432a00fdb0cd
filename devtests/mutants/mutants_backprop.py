"""Mutants of topic 4 (backpropagation): realistic buggy backward passes and digit networks.

Each is ``solutions/backprop.py`` with one small patch (``old`` -> ``new``), the exercise it
breaks, and the words its feedback must contain (see devtests/test_mutants.py).
"""

CENTRED = (
    "        point[i] = old + eps\n"
    "        f_plus = float(f(point))\n"
    "        point[i] = old - eps\n"
    "        f_minus = float(f(point))\n"
    "        point[i] = old\n"
    "        grad[i] = (f_plus - f_minus) / (2 * eps)\n"
)
POOL_ROUTE = "dx[window_offset(i, j)] += np.where(first_max == k, g4, 0.0)"
CONV_DX = "dxp[:, rows, cols, :] += gb @ kernels[i, j].T"
SCE_LOSS = (
    "    loss = 0.0 - log_probs[rows, labels].mean()  # not -mean: with one class that is -0.0\n"
)

MUTANTS = [
    # ---------------------------------------------------------------- numerical_gradient
    dict(
        id="bp-numgrad-forward-difference",
        exercise="numerical_gradient",
        old=CENTRED,
        new=(
            "        f_0 = float(f(point))\n"
            "        point[i] = old + eps\n"
            "        f_plus = float(f(point))\n"
            "        point[i] = old\n"
            "        grad[i] = (f_plus - f_0) / eps\n"
        ),
        diagnosis="forward differences",
    ),
    dict(
        id="bp-numgrad-not-restored",
        exercise="numerical_gradient",
        old="        point[i] = old\n        grad[i]",
        new="        grad[i]",
        diagnosis="perturbation not restored",
    ),
    dict(
        id="bp-numgrad-divided-by-eps",
        exercise="numerical_gradient",
        old="(f_plus - f_minus) / (2 * eps)",
        new="(f_plus - f_minus) / eps",
        diagnosis="divided by eps instead of 2 eps",
    ),
    dict(
        id="bp-numgrad-eps-ignored",
        exercise="numerical_gradient",
        old=CENTRED,
        new=CENTRED.replace("eps", "1e-5"),
        diagnosis="eps ignored",
    ),
    dict(
        id="bp-numgrad-sign-flipped",
        exercise="numerical_gradient",
        old="(f_plus - f_minus) / (2 * eps)",
        new="(f_minus - f_plus) / (2 * eps)",
        diagnosis="sign flipped",
    ),
    # ---------------------------------------------------------------- dense_forward
    dict(
        id="bp-dense-forward-no-bias",
        exercise="dense_forward",
        old="    return x.reshape(x.shape[0], W.shape[0]) @ W + b\n",
        new="    return x.reshape(x.shape[0], W.shape[0]) @ W\n",
        diagnosis="bias missing",
    ),
    dict(
        id="bp-dense-forward-bias-per-example",
        exercise="dense_forward",
        old="    return x.reshape(x.shape[0], W.shape[0]) @ W + b\n",
        new="    return x.reshape(x.shape[0], W.shape[0]) @ W + b[:, None]\n",
        diagnosis="bias added per example",
    ),
    # ---------------------------------------------------------------- dense_backward
    dict(
        id="bp-dense-backward-dx-not-reshaped",
        exercise="dense_backward",
        old="    dx = (dout @ W.T).reshape(x.shape)\n",
        new="    dx = dout @ W.T\n",
        diagnosis="dx not reshaped",
    ),
    dict(
        id="bp-dense-backward-db-one-row",
        exercise="dense_backward",
        old="    db = dout.sum(axis=0)\n",
        new="    db = dout[0]\n",
        diagnosis="db from one row",
    ),
    dict(
        id="bp-dense-backward-db-mean",
        exercise="dense_backward",
        old="    db = dout.sum(axis=0)\n",
        new="    db = dout.mean(axis=0)\n",
        diagnosis="db averaged",
    ),
    dict(
        id="bp-dense-backward-dW-sign-flipped",
        exercise="dense_backward",
        old="    dW = x_flat.T @ dout\n",
        new="    dW = -x_flat.T @ dout\n",
        diagnosis="sign flipped",
    ),
    dict(
        id="bp-dense-backward-dW-transposed",
        exercise="dense_backward",
        old="    dW = x_flat.T @ dout\n",
        new="    dW = dout.T @ x_flat\n",
        diagnosis="dW transposed",
    ),
    dict(
        id="bp-dense-backward-dW-averaged",
        exercise="dense_backward",
        old="    dW = x_flat.T @ dout\n",
        new="    dW = x_flat.T @ dout / x.shape[0]\n",
        diagnosis="dW averaged over the batch",
    ),
    # ---------------------------------------------------------------- relu_backward
    dict(
        id="bp-relu-backward-mask-on-dout",
        exercise="relu_backward",
        old="    return np.where(x > 0, dout, 0.0)\n",
        new="    return np.where(dout > 0, dout, 0.0)\n",
        diagnosis="ReLU backward masked on the upstream gradient",
    ),
    dict(
        id="bp-relu-backward-dout-in-place",
        exercise="relu_backward",
        old="    return np.where(x > 0, dout, 0.0)\n",
        new="    dout[x <= 0] = 0.0\n    return dout\n",
        diagnosis="upstream gradient modified in place",
    ),
    dict(
        id="bp-relu-backward-slope-at-zero",
        exercise="relu_backward",
        old="    return np.where(x > 0, dout, 0.0)\n",
        new="    return np.where(x >= 0, dout, 0.0)\n",
        diagnosis="slope 1 at x = 0",
    ),
    # ---------------------------------------------------------------- softmax_cross_entropy
    dict(
        id="bp-sce-no-max-shift",
        exercise="softmax_cross_entropy",
        old="    shifted = logits - logits.max(axis=1, keepdims=True)  # every exp is at most 1\n",
        new="    shifted = logits\n",
        diagnosis="no max shift",
    ),
    dict(
        id="bp-sce-loss-summed",
        exercise="softmax_cross_entropy",
        old="loss = 0.0 - log_probs[rows, labels].mean()",
        new="loss = 0.0 - log_probs[rows, labels].sum()",
        diagnosis="loss summed instead of averaged",
    ),
    dict(
        id="bp-sce-gradient-not-averaged",
        exercise="softmax_cross_entropy",
        old="    return float(loss), dlogits / n\n",
        new="    return float(loss), dlogits\n",
        diagnosis="gradient not averaged",
        elsewhere="gradients N times too large",  # digit_network calls it
    ),
    dict(
        id="bp-sce-gradient-sign-flipped",
        exercise="softmax_cross_entropy",
        old="    return float(loss), dlogits / n\n",
        new="    return float(loss), -dlogits / n\n",
        diagnosis="gradient sign flipped",
    ),
    dict(
        id="bp-sce-softmax-wrong-axis",
        exercise="softmax_cross_entropy",
        old=(
            "    shifted = logits - logits.max(axis=1, keepdims=True)  # every exp is at most 1\n"
            "    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))\n"
        ),
        new=(
            "    shifted = logits - logits.max(axis=0, keepdims=True)\n"
            "    log_probs = shifted - np.log(np.exp(shifted).sum(axis=0, keepdims=True))\n"
        ),
        diagnosis="softmax over the wrong axis",
    ),
    dict(
        id="bp-sce-one-subtracted-in-every-row",
        exercise="softmax_cross_entropy",
        old="    dlogits[rows, labels] -= 1.0\n",
        new="    dlogits[:, labels] -= 1.0\n",
        diagnosis="1 subtracted in every row",
    ),
    # ---------------------------------------------------------------- conv_layer_backward
    dict(
        id="bp-conv-backward-overlaps-overwritten",
        exercise="conv_layer_backward",
        old=CONV_DX,
        new=CONV_DX.replace("+=", "="),
        diagnosis="overlapping windows overwritten instead of accumulated",
    ),
    dict(
        id="bp-conv-backward-dx-flipped-kernel",
        exercise="conv_layer_backward",
        old=CONV_DX,
        new="dxp[:, rows, cols, :] += gb @ kernels[kh - 1 - i, kw - 1 - j].T",
        diagnosis="flipped kernel",
    ),
    dict(
        id="bp-conv-backward-dkernels-flipped",
        exercise="conv_layer_backward",
        old="            dkernels[i, j] = np.tensordot(",
        new="            dkernels[kh - 1 - i, kw - 1 - j] = np.tensordot(",
        diagnosis="flipped kernel gradient",
    ),
    dict(
        id="bp-conv-backward-crop-wrong-side",
        exercise="conv_layer_backward",
        old="    dx = dxp[:, top : top + xb.shape[1], left : left + xb.shape[2], :]\n",
        new="    dx = dxp[:, : xb.shape[1], : xb.shape[2], :]\n",
        diagnosis="padding cropped from the wrong side",
    ),
    dict(
        id="bp-conv-backward-dbias-first-example",
        exercise="conv_layer_backward",
        old="    dbias = gb.sum(axis=(0, 1, 2))\n",
        new="    dbias = gb[0].sum(axis=(0, 1))\n",
        diagnosis="dbias from one example",
    ),
    dict(
        id="bp-conv-backward-dkernels-last-example",
        exercise="conv_layer_backward",
        old="np.tensordot(patch, gb, axes=([0, 1, 2], [0, 1, 2]))",
        new="np.tensordot(patch[-1], gb[-1], axes=([0, 1], [0, 1]))",
        diagnosis="dkernels from one example",
    ),
    dict(
        id="bp-conv-backward-stride-ignored",
        exercise="conv_layer_backward",
        old=(
            "        rows = slice(i, i + stride * (out_h - 1) + 1, stride)\n"
            "        for j in range(kw):\n"
            "            cols = slice(j, j + stride * (out_w - 1) + 1, stride)\n"
        ),
        new=(
            "        rows = slice(i, i + out_h)\n"
            "        for j in range(kw):\n"
            "            cols = slice(j, j + out_w)\n"
        ),
        diagnosis="stride ignored",
    ),
    # ---------------------------------------------------------------- max_pool2d_backward
    dict(
        id="bp-pool-backward-spread-to-window",
        exercise="max_pool2d_backward",
        old=POOL_ROUTE,
        new="dx[window_offset(i, j)] += g4",
        diagnosis="gradient spread to every element of the window",
    ),
    dict(
        id="bp-pool-backward-all-ties",
        exercise="max_pool2d_backward",
        old=POOL_ROUTE,
        new="dx[window_offset(i, j)] += np.where(windows[..., k] == windows.max(axis=-1), g4, 0.0)",
        diagnosis="gradient given to all ties",
    ),
    dict(
        id="bp-pool-backward-overlaps-overwritten",
        exercise="max_pool2d_backward",
        old=POOL_ROUTE,
        new=POOL_ROUTE.replace("+=", "="),
        diagnosis="overlapping windows overwritten instead of accumulated",
    ),
    dict(
        id="bp-pool-backward-last-tie",
        exercise="max_pool2d_backward",
        old="    first_max = windows.argmax(axis=-1)  # argmax returns the first maximum\n",
        new="    first_max = len(offsets) - 1 - windows[..., ::-1].argmax(axis=-1)\n",
        diagnosis="ties sent to the last maximum",
    ),
    dict(
        id="bp-pool-backward-average",
        exercise="max_pool2d_backward",
        old=POOL_ROUTE,
        new="dx[window_offset(i, j)] += g4 / (ph * pw)",
        diagnosis="gradient averaged over the window",
    ),
    # ---------------------------------------------------------------- digit_network
    dict(
        id="bp-digit-no-relu-backward",
        exercise="digit_network",
        old="    dh_pre = relu_backward(dh, h_pre)\n",
        new="    dh_pre = dh\n",
        diagnosis="gradient not passed through ReLU",
    ),
    dict(
        id="bp-digit-relu-backward-mask-on-upstream",
        exercise="digit_network",
        old="    dh_pre = relu_backward(dh, h_pre)\n",
        new="    dh_pre = relu_backward(dh, dh)\n",
        diagnosis="ReLU backward masked on the upstream gradient",
    ),
    dict(
        id="bp-digit-dW2-from-pre-activation",
        exercise="digit_network",
        old='dense_backward(dscores, h, p["W2"])',
        new='dense_backward(dscores, h_pre, p["W2"])',
        diagnosis="dW2 from the pre-activation",
    ),
    dict(
        id="bp-digit-relu-missing",
        exercise="digit_network",
        old="    h = relu(h_pre)\n",
        new="    h = h_pre\n",
        diagnosis="ReLU missing",
    ),
    # ------------------------------------------------------------ issue #12: more of what
    # students write (course forums, the classes of the issue)
    dict(
        id="bp-numgrad-all-at-once",
        exercise="numerical_gradient",
        old=(
            "    point = x.copy()  # perturbed in place; the caller's x is never touched\n"
            "    grad = np.empty_like(point)\n"
            "    for i in np.ndindex(point.shape):\n"
            "        old = point[i]\n" + CENTRED
        ),
        new=(
            "    grad = np.empty_like(x)\n"
            "    for i in np.ndindex(x.shape):\n"
            "        grad[i] = (float(f(x + eps)) - float(f(x - eps))) / (2 * eps)\n"
        ),
        diagnosis="every element perturbed at once",
    ),
    dict(
        id="bp-numgrad-int-steps",
        exercise="numerical_gradient",
        old="        grad[i] = (f_plus - f_minus) / (2 * eps)\n",
        new="        grad[i] = (f_plus - f_minus) / 2 * eps\n",
        diagnosis="/ 2 * eps",
    ),
    dict(
        id="bp-dense-forward-no-flatten",
        exercise="dense_forward",
        old="    return x.reshape(x.shape[0], W.shape[0]) @ W + b\n",
        new="    return x @ W + b\n",
        diagnosis="flattened to (N, D)",
    ),
    dict(
        id="bp-dense-forward-relu",
        exercise="dense_forward",
        old="    return x.reshape(x.shape[0], W.shape[0]) @ W + b\n",
        new="    return np.maximum(x.reshape(x.shape[0], W.shape[0]) @ W + b, 0.0)\n",
        diagnosis="activation applied",
    ),
    dict(
        id="bp-dense-forward-wrong-flatten-order",
        exercise="dense_forward",
        old="    return x.reshape(x.shape[0], W.shape[0]) @ W + b\n",
        new="    return x.reshape(W.shape[0], x.shape[0]).T @ W + b\n",
        diagnosis="flattened in the wrong order",
    ),
    dict(
        id="bp-dense-backward-dx-without-transpose",
        exercise="dense_backward",
        old="    dx = (dout @ W.T).reshape(x.shape)\n",
        new="    dx = (dout @ W).reshape(x.shape)\n",
        diagnosis="W.T",
    ),
    dict(
        id="bp-dense-backward-db-keepdims",
        exercise="dense_backward",
        old="    db = dout.sum(axis=0)\n",
        new="    db = dout.sum(axis=0, keepdims=True)\n",
        diagnosis="keepdims",
    ),
    dict(
        id="bp-dense-backward-dw-with-unflattened-x",
        exercise="dense_backward",
        old="    dW = x_flat.T @ dout\n",
        new="    dW = x.T @ dout\n",
        diagnosis="x_flat",
    ),
    dict(
        id="bp-relu-backward-half-at-zero",
        exercise="relu_backward",
        old="    return np.where(x > 0, dout, 0.0)\n",
        new="    return dout * np.heaviside(x, 0.5)\n",
        diagnosis="slope 1/2 at x = 0",
    ),
    dict(
        id="bp-relu-backward-int-mask-loop",
        exercise="relu_backward",
        old="    return np.where(x > 0, dout, 0.0)\n",
        new=(
            "    dx = np.zeros_like(dout)\n"
            "    for i in np.ndindex(x.shape):\n"
            "        if x[i] > 0:\n"
            "            dx[i] = 1\n"
            "    return dx\n"
        ),
        diagnosis="the mask without dout",
    ),
    dict(
        id="bp-sce-every-label-column",
        exercise="softmax_cross_entropy",
        old=SCE_LOSS,
        new="    loss = -log_probs[:, labels].mean()\n",
        diagnosis="every example's row",
    ),
    dict(
        id="bp-sce-log-eps",
        exercise="softmax_cross_entropy",
        old=SCE_LOSS,
        new="    loss = -np.log(np.exp(log_probs[rows, labels]) + 1e-7).mean()\n",
        diagnosis="added inside the log",
    ),
    # seen in students' code: the probabilities first, then a clamped or bare log of them
    dict(
        id="bp-sce-probs-then-log-plus-1e-16",
        exercise="softmax_cross_entropy",
        old="    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))\n",
        new=(
            "    probs = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)\n"
            "    log_probs = np.log(probs + 1e-16)\n"
        ),
        diagnosis="added inside the log",
    ),
    dict(
        id="bp-sce-probs-clipped-before-the-log",
        exercise="softmax_cross_entropy",
        old="    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))\n",
        new=(
            "    probs = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)\n"
            "    log_probs = np.log(np.clip(probs, 1e-15, 1.0))\n"
        ),
        diagnosis="added inside the log",
    ),
    dict(  # seen in students' code: a stable loss, and a gradient that recomputes softmax
        id="bp-sce-gradient-recomputes-softmax-without-the-shift",
        exercise="softmax_cross_entropy",
        old="    dlogits = np.exp(log_probs)\n",
        new="    dlogits = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)\n",
        diagnosis="subtract the maximum first",
    ),
    dict(  # seen in students' code: the padding cropped off with -pad, empty at pad 0
        id="bp-conv-backward-crop-with-minus-pad",
        exercise="conv_layer_backward",
        old="    dx = dxp[:, top : top + xb.shape[1], left : left + xb.shape[2], :]\n",
        new="    dx = dxp[:, top:-top, left:-left, :]\n",
        diagnosis="empty when p is 0",
    ),
    dict(
        id="bp-sce-log-of-an-underflowed-probability",
        exercise="softmax_cross_entropy",
        old="    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))\n",
        new=(
            "    probs = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)\n"
            "    log_probs = np.log(probs)\n"
        ),
        diagnosis="log got 0",
    ),
    dict(
        id="bp-sce-no-softmax",
        exercise="softmax_cross_entropy",
        old=(
            "    shifted = logits - logits.max(axis=1, keepdims=True)  # every exp is at most 1\n"
            "    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))\n"
        ),
        new="    log_probs = np.log(logits)  # the logits taken for probabilities\n",
        diagnosis="softmax missing",
    ),
    dict(
        id="bp-sce-softmax-twice",
        exercise="softmax_cross_entropy",
        old="    shifted = logits - logits.max(axis=1, keepdims=True)  # every exp is at most 1\n",
        new=(
            "    p = np.exp(logits - logits.max(axis=1, keepdims=True))\n"
            "    logits = p / p.sum(axis=1, keepdims=True)\n"
            "    shifted = logits - logits.max(axis=1, keepdims=True)\n"
        ),
        diagnosis="softmax applied twice",
    ),
    dict(
        id="bp-conv-backward-crop-minus-pad",
        exercise="conv_layer_backward",
        old="    dx = dxp[:, top : top + xb.shape[1], left : left + xb.shape[2], :]\n",
        new="    dx = dxp[:, top:-bottom, left:-right, :]\n",
        diagnosis="[p:-p]",
    ),
    dict(
        id="bp-conv-backward-kernel-not-transposed",
        exercise="conv_layer_backward",
        old=CONV_DX,
        new="dxp[:, rows, cols, :] += gb @ kernels[i, j]",
        diagnosis="kernels not transposed",
    ),
    dict(
        id="bp-conv-backward-dbias-per-pixel-mean",
        exercise="conv_layer_backward",
        old="    dbias = gb.sum(axis=(0, 1, 2))\n",
        new="    dbias = gb.mean(axis=(0, 1, 2))\n",
        diagnosis="dbias averaged",
    ),
    dict(
        id="bp-pool-backward-stride-ignored",
        exercise="max_pool2d_backward",
        old=(
            "        rows = slice(i, i + sh * (out_h - 1) + 1, sh)\n"
            "        cols = slice(j, j + sw * (out_w - 1) + 1, sw)\n"
        ),
        new=(
            "        rows = slice(i, i + ph * (out_h - 1) + 1, ph)\n"
            "        cols = slice(j, j + pw * (out_w - 1) + 1, pw)\n"
        ),
        diagnosis="stride ignored",
    ),
    dict(
        id="bp-pool-backward-loop-mask-no-dout",
        exercise="max_pool2d_backward",
        old=POOL_ROUTE,
        new="dx[window_offset(i, j)] += np.where(first_max == k, 1.0, 0.0)",
        diagnosis="mask without dout",
    ),
    dict(
        id="bp-digit-relu-on-scores",
        exercise="digit_network",
        old=(
            '    scores = dense_forward(h, p["W2"], p["b2"])\n'
            "    loss, dscores = softmax_cross_entropy(scores, labels)\n"
        ),
        new=(
            '    scores_pre = dense_forward(h, p["W2"], p["b2"])\n'
            "    scores = relu(scores_pre)\n"
            "    loss, dscores = softmax_cross_entropy(scores, labels)\n"
            "    dscores = relu_backward(dscores, scores_pre)\n"
        ),
        diagnosis="ReLU on the class scores",
    ),
    dict(
        id="bp-digit-softmax-before-loss",
        exercise="digit_network",
        old="    loss, dscores = softmax_cross_entropy(scores, labels)\n",
        new=(
            "    e = np.exp(scores - scores.max(axis=1, keepdims=True))\n"
            "    loss, dscores = softmax_cross_entropy(e / e.sum(axis=1, keepdims=True), labels)\n"
        ),
        diagnosis="softmax applied twice",
    ),
    dict(
        id="bp-digit-relu-backward-on-h",
        exercise="digit_network",
        old="    dh_pre = relu_backward(dh, h_pre)\n",
        new="    dh_pre = relu_backward(dh, h) * h\n",
        diagnosis="gradients of W1 and b1",
    ),
    dict(
        id="bp-digit-grads-swapped-biases",
        exercise="digit_network",
        old='    return loss, {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}\n',
        new='    return loss, {"W1": dW1, "b1": db2, "W2": dW2, "b2": db1}\n',
        diagnosis="grads['b1'] has shape",
    ),
    # ------------------------------------------------------------ issue #12, blind batch
    dict(
        id="blind-numgrad-int-grad",
        exercise="numerical_gradient",
        old="    grad = np.empty_like(point)\n",
        new="    grad = np.zeros(point.shape, dtype=int)\n",
        diagnosis="should be a float array (float64)",
        blind=True,
    ),
    dict(
        id="blind-dense-forward-w-transposed",
        exercise="dense_forward",
        old="    return x.reshape(x.shape[0], W.shape[0]) @ W + b\n",
        new="    return x.reshape(x.shape[0], -1) @ W.T + b\n",
        diagnosis="(W.T)",
        blind=True,
    ),
    dict(
        id="blind-dense-backward-db-over-neurons",
        exercise="dense_backward",
        old="    db = dout.sum(axis=0)\n",
        new="    db = dout.sum(axis=0) / dout.shape[1]\n",
        diagnosis="times the expected one",
        blind=True,
    ),
    dict(
        id="blind-relu-backward-in-place-ge",
        exercise="relu_backward",
        old="    return np.where(x > 0, dout, 0.0)\n",
        new="    dout[x < 0] = 0\n    return dout\n",
        diagnosis="slope 1 at x = 0",
        blind=True,
    ),
    dict(
        id="blind-sce-dlogits-over-classes",
        exercise="softmax_cross_entropy",
        old="    return float(loss), dlogits / n\n",
        new="    return float(loss), dlogits / logits.shape[1]\n",
        diagnosis="times the expected one",
        blind=True,
    ),
    dict(
        id="blind-sce-loss-over-classes",
        exercise="softmax_cross_entropy",
        old=SCE_LOSS,
        new="    loss = -log_probs[rows, labels].sum() / c\n",
        diagnosis=None,
        blind=True,
    ),
    dict(
        id="blind-conv-backward-dbias-per-example",
        exercise="conv_layer_backward",
        old="    dbias = gb.sum(axis=(0, 1, 2))\n",
        new="    dbias = gb.sum(axis=(1, 2))\n",
        diagnosis="dbias has shape",
        blind=True,
    ),
    dict(
        id="blind-pool-backward-dout-transposed",
        exercise="max_pool2d_backward",
        old=POOL_ROUTE,
        new="dx[window_offset(i, j)] += np.where(first_max == k, g4.swapaxes(1, 2), 0.0)",
        diagnosis="values in the wrong places",
        blind=True,
    ),
    dict(
        id="blind-digit-db1-mean",
        exercise="digit_network",
        old='    return loss, {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}\n',
        new='    return loss, {"W1": dW1, "b1": db1 / x.shape[0], "W2": dW2, "b2": db2}\n',
        diagnosis="times the expected one",
        blind=True,
    ),
    dict(  # CMU 11-785: dLdA[:, :, pad:dLdA.shape[-1]-pad, pad:dLdA.shape[-1]-pad]
        id="real-conv-backward-rows-cropped-with-the-width",
        exercise="conv_layer_backward",
        old="    dx = dxp[:, top : top + xb.shape[1], left : left + xb.shape[2], :]\n",
        new="    dx = dxp[:, top : dxp.shape[2] - bottom, left : dxp.shape[2] - right, :]\n",
        diagnosis="dx height cropped with the width",
    ),
    dict(  # deeplearning.ai: dA_prev[i, :, :, :] = da_prev_pad[pad:-pad, pad:-pad, :]
        id="real-conv-backward-crop-assigned-per-example",
        exercise="conv_layer_backward",
        old="    dx = dxp[:, top : top + xb.shape[1], left : left + xb.shape[2], :]\n",
        new=(
            "    dx = np.zeros(xb.shape)\n"
            "    for n in range(xb.shape[0]):\n"
            "        dx[n] = dxp[n, top:-bottom, left:-right, :]\n"
        ),
        diagnosis="x[p:-p] is empty when p is 0",
    ),
]
