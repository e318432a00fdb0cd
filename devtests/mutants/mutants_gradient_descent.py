"""Mutants of solutions/gradient_descent.py: realistic bugs in descent, SGD and training."""

TRAIN_LOOP = (
    "    losses = np.empty(epochs)\n"
    "    for epoch in range(epochs):\n"
    "        epoch_losses = []\n"
    "        for idx in minibatches(x.shape[0], batch_size, rng):\n"
    "            loss, grads = digit_network(params, x[idx], labels[idx])\n"
    "            params = sgd_step(params, grads, learning_rate)\n"
    "            epoch_losses.append(loss)\n"
    "        losses[epoch] = np.mean(epoch_losses)\n"
    "    return params, losses\n"
)

MUTANTS = [
    # ------------------------------------------------------------ gradient_descent
    dict(
        id="gd-ascending",
        exercise="gradient_descent",
        old="w = w - learning_rate * gradient(w)",
        new="w = w + learning_rate * gradient(w)",
        diagnosis="gradient descent ascending",
    ),
    dict(
        id="gd-learning-rate-ignored",
        exercise="gradient_descent",
        old="w = w - learning_rate * gradient(w)",
        new="w = w - gradient(w)",
        diagnosis="learning rate ignored",
    ),
    dict(
        id="gd-gradient-at-the-start",
        exercise="gradient_descent",
        old="w = w - learning_rate * gradient(w)",
        new="w = w - learning_rate * gradient(w0)",
        diagnosis="gradient at the start",
    ),
    dict(
        id="gd-path-without-w0",
        exercise="gradient_descent",
        old="path = [w0]",
        new="path = []",
        diagnosis="path without w0",
    ),
    dict(
        id="gd-in-place-update",
        exercise="gradient_descent",
        old="w = w - learning_rate * gradient(w)",
        new="w -= learning_rate * gradient(w)",
        diagnosis="every point is the last one",
    ),
    dict(
        id="gd-one-step-too-few",
        exercise="gradient_descent",
        old="    for _ in range(steps):\n        w = w - learning_rate",
        new="    for _ in range(steps - 1):\n        w = w - learning_rate",
        diagnosis="one step too few",
    ),
    # ------------------------------------------------------------ sgd_step
    dict(
        id="sgd-weights-but-not-biases",
        exercise="sgd_step",
        old="return {key: p - learning_rate * grads[key] for key, p in params.items()}",
        new="return {key: p - learning_rate * grads[key] if key.startswith('W') else p "
        "for key, p in params.items()}",
        diagnosis="biases not updated",
    ),
    dict(
        id="sgd-ascending",
        exercise="sgd_step",
        old="return {key: p - learning_rate * grads[key] for key, p in params.items()}",
        new="return {key: p + learning_rate * grads[key] for key, p in params.items()}",
        diagnosis="gradient descent ascending",
    ),
    dict(
        id="sgd-learning-rate-ignored",
        exercise="sgd_step",
        old="return {key: p - learning_rate * grads[key] for key, p in params.items()}",
        new="return {key: p - grads[key] for key, p in params.items()}",
        diagnosis="learning rate ignored",
    ),
    dict(
        id="sgd-in-place",
        exercise="sgd_step",
        old="return {key: p - learning_rate * grads[key] for key, p in params.items()}",
        new="for key, p in params.items():\n"
        "        p -= learning_rate * grads[key]\n"
        "    return params",
        diagnosis="modified its input params",
    ),
    # ------------------------------------------------------------ minibatches
    dict(
        id="minibatches-with-replacement",
        exercise="minibatches",
        old="order = rng.permutation(n)\n    return",
        new="order = rng.choice(n, size=n)\n    return",
        diagnosis="with replacement",
    ),
    dict(
        id="minibatches-drop-last",
        exercise="minibatches",
        old="for start in range(0, n, batch_size)]",
        new="for start in range(0, n - batch_size + 1, batch_size)]",
        diagnosis="smaller batch",
    ),
    dict(
        id="minibatches-not-shuffled",
        exercise="minibatches",
        old="order = rng.permutation(n)\n    return",
        new="order = np.arange(n)\n    return",
        diagnosis="not shuffled",
    ),
    dict(
        id="minibatches-own-generator",
        exercise="minibatches",
        old="order = rng.permutation(n)\n    return",
        new="order = np.random.default_rng(0).permutation(n)\n    return",
        diagnosis="not from a generator you create yourself",
    ),
    dict(
        id="minibatches-global-random-state",
        exercise="minibatches",
        old="order = rng.permutation(n)\n    return",
        new="order = np.random.permutation(n)\n    return",
        diagnosis="not np.random's global state",
        random=True,  # its numbers differ from run to run: only its scores are compared
    ),
    # ------------------------------------------------------------ train_digit_network
    dict(
        id="train-last-minibatch-loss",
        exercise="train_digit_network",
        old="losses[epoch] = np.mean(epoch_losses)",
        new="losses[epoch] = epoch_losses[-1]",
        diagnosis="last minibatch loss",
    ),
    dict(
        id="train-summed-losses",
        exercise="train_digit_network",
        old="losses[epoch] = np.mean(epoch_losses)",
        new="losses[epoch] = np.sum(epoch_losses)",
        diagnosis="summed minibatch losses",
    ),
    dict(
        id="train-rng-per-epoch",
        exercise="train_digit_network",
        old="for idx in minibatches(x.shape[0], batch_size, rng):",
        new="for idx in minibatches(x.shape[0], batch_size, np.random.default_rng(seed)):",
        diagnosis="same shuffle every epoch",
    ),
    dict(
        id="train-params-not-updated",
        exercise="train_digit_network",
        old="params = sgd_step(params, grads, learning_rate)\n            epoch_losses",
        new="sgd_step(params, grads, learning_rate)\n            epoch_losses",
        diagnosis="parameters never updated",
    ),
    dict(
        id="train-init-seed-ignored",
        exercise="train_digit_network",
        old="params = init_digit_network((x.shape[1], hidden, num_classes), seed)",
        new="params = init_digit_network((x.shape[1], hidden, num_classes))",
        diagnosis="initial weights ignore the seed",
    ),
    # ------------------------------------------------------------ issue #12: more of what
    # students write (course forums, the classes of the issue)
    dict(
        id="gd-only-final-point",
        exercise="gradient_descent",
        old="    return np.array(path, dtype=np.float64)\n",
        new="    return np.array(w, dtype=np.float64)\n",
        diagnosis="only the final point",
    ),
    dict(
        id="gd-never-updated",
        exercise="gradient_descent",
        old="        w = w - learning_rate * gradient(w)\n",
        new="        w - learning_rate * gradient(w)\n",
        diagnosis="w never updated",
    ),
    dict(
        id="gd-returns-list",
        exercise="gradient_descent",
        old="    return np.array(path, dtype=np.float64)\n",
        new="    return path\n",
        diagnosis="should be a numpy array",
    ),
    dict(
        id="sgd-zip-order",
        exercise="sgd_step",
        old="    return {key: p - learning_rate * grads[key] for key, p in params.items()}\n",
        new=(
            "    return {key: p - learning_rate * g\n"
            "            for (key, p), g in zip(params.items(), grads.values())}\n"
        ),
        diagnosis="by key",
    ),
    dict(
        id="sgd-weights-only",
        exercise="sgd_step",
        old="    return {key: p - learning_rate * grads[key] for key, p in params.items()}\n",
        new=(
            "    new = dict(params)\n"
            "    for key in params:\n"
            "        if key.startswith('W'):\n"
            "            new[key] = params[key] - learning_rate * grads[key]\n"
            "    return new\n"
        ),
        diagnosis="biases not updated",
    ),
    dict(
        id="minibatches-permutation-per-batch",
        exercise="minibatches",
        old=(
            "    order = rng.permutation(n)\n"
            "    return [order[start : start + batch_size] for start in range(0, n, batch_size)]\n"
        ),
        new="    return [rng.permutation(n)[:batch_size] for _ in range(0, n, batch_size)]\n",
        diagnosis="more than once",
    ),
    dict(
        id="minibatches-one-array",
        exercise="minibatches",
        old="    return [order[start : start + batch_size] for start in range(0, n, batch_size)]\n",
        new="    return np.array_split(order, -(-n // batch_size))\n",
        diagnosis="batches of sizes",
    ),
    dict(
        id="train-loss-sum-over-batches",
        exercise="train_digit_network",
        old="        losses[epoch] = np.mean(epoch_losses)\n",
        new="        losses[epoch] = sum(epoch_losses)\n",
        diagnosis="summed minibatch losses",
    ),
    dict(
        id="train-rng-recreated-each-epoch",
        exercise="train_digit_network",
        old="    for epoch in range(epochs):\n        epoch_losses = []\n",
        new=(
            "    for epoch in range(epochs):\n"
            "        rng = np.random.default_rng(seed)\n"
            "        epoch_losses = []\n"
        ),
        diagnosis="same shuffle every epoch",
    ),
    dict(
        id="train-learning-rate-ignored",
        exercise="train_digit_network",
        old="            params = sgd_step(params, grads, learning_rate)\n            epoch_losses",
        new="            params = sgd_step(params, grads, 0.1)\n            epoch_losses",
        diagnosis="learning rate",
    ),
    # ------------------------------------------------------------ issue #12, blind batch
    dict(
        id="blind-gd-append-before-update",
        exercise="gradient_descent",
        old=(
            "    path = [w0]\n"
            "    w = w0\n"
            "    for _ in range(steps):\n"
            "        w = w - learning_rate * gradient(w)\n"
            "        path.append(w)\n"
        ),
        new=(
            "    path = [w0]\n"
            "    w = w0\n"
            "    for _ in range(steps):\n"
            "        path.append(w)\n"
            "        w = w - learning_rate * gradient(w)\n"
        ),
        diagnosis="path shifted by one step",
        blind=True,
    ),
    dict(
        id="blind-sgd-in-place",
        exercise="sgd_step",
        old="    return {key: p - learning_rate * grads[key] for key, p in params.items()}\n",
        new=(
            "    for key in params:\n"
            "        params[key] -= learning_rate * grads[key]\n"
            "    return params\n"
        ),
        diagnosis="modified its input params",
        blind=True,
    ),
    dict(
        id="blind-minibatches-split-count",
        exercise="minibatches",
        old="    return [order[start : start + batch_size] for start in range(0, n, batch_size)]\n",
        new="    return np.array_split(order, batch_size)\n",
        diagnosis="gave batches of sizes",
        blind=True,
    ),
    dict(
        id="blind-train-loss-per-batch",
        exercise="train_digit_network",
        old=TRAIN_LOOP,
        new=TRAIN_LOOP.replace(
            "    losses = np.empty(epochs)\n",
            "    losses = np.empty(epochs)\n    all_losses = []\n",
        )
        .replace(
            "            epoch_losses.append(loss)\n",
            "            all_losses.append(loss)\n            epoch_losses.append(loss)\n",
        )
        .replace("    return params, losses\n", "    return params, np.array(all_losses)\n"),
        diagnosis="one mean loss per epoch",
        blind=True,
    ),
]
