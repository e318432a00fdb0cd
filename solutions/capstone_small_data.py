"""Capstone 3: dealing with a small data set, by augmentation and by fine-tuning.

The slides' two remedies when there are few labelled examples:

- **Data augmentation**: "generate perturbed versions of your training data (e.g., for
  images, add mirrored versions of images, rotated versions, etc) to get a larger
  training dataset". The perturbation must not change what the label means. You write
  ``augment`` for the 8x8 digits (``datasets.load("digits")``).
- **Fine-tuning**: "is there an existing pre-trained neural net on a similar task? If
  so, reuse the pre-trained model and modify the neural net slightly and train (using
  existing weights as initialization)". You build the network and choose the recipe;
  the experiment runs on MNIST-1D (``datasets.load("mnist1d")``: 1-D signals of shape
  ``(40, 1)``, ten classes), the data set of capstone 2.

The fine-tuning experiment, as the grader runs it:

1. *pretrain* your model on the MNIST-1D classes 0-4 (all their training examples,
   about 1750, relabelled 0..4) with your recipe;
2. *fine-tune* it on the classes 5-9 (relabelled 0..4) from only **20 examples per
   class**: the output layer is re-initialised (a new head for new classes), the layers
   your recipe names in ``fine_tune["freeze"]`` are frozen (their weights stay as
   pretrained), and the rest trains with ``fine_tune``'s epochs and learning rate;
3. *from scratch*: the same architecture, freshly initialised, trained on the same 100
   examples exactly as the fine-tuning is (your optimizer and batch size, ``fine_tune``'s
   epochs and learning rate): only the starting weights differ.

Steps 2 and 3 are repeated on 3 draws of the 100 examples (one pretraining); both are
scored on the test examples of the classes 5-9 (500), averaged over the draws. **What
is checked**: that fine-tuning beats training from scratch by more than 0.01 (fine-tuned
mean > scratch mean + 0.01).

Measured with this reference (one core, one draw of 20 per class, seeds 0-4, pretrained
with a batch of 64), fine-tuning with nothing frozen won on every seed: fine-tuned vs
scratch 0.938/0.866, 0.938/0.868, 0.940/0.912, 0.930/0.896, 0.942/0.888 (worst margin
+0.028). A new head on frozen convolutions lost every time (0.72-0.83 against 0.87-0.91
from scratch): the features learned for five classes are a good *starting point* for
the other five, not good enough to keep as they are. Why MNIST-1D and not the 8x8
digits: there, fine-tuning only tied scratch (features learned for the digits 0-4
transfer poorly to 5-9 at that size, and augmentation already takes scratch training a
long way), so the lesson "fine-tuning beats scratch" could not be checked fairly.

Run the experiment yourself with ``deepgrade train small_data``.
"""

from __future__ import annotations

import os

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # keep TensorFlow's start-up chatter quiet

import keras  # noqa: E402
from keras import layers  # noqa: E402


def augment(images: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Perturbed copies of digit images: a small random rotation and shift of each one.

    For each image draw, from ``rng`` only (so the same generator state gives the same
    result, and a different state different perturbations):

    - an angle ``a`` uniformly in [-15, 15] degrees and rotate the image by it about its
      centre: output pixel ``(i, j)`` takes the input's value at the point
      ``(ci + cos(a)(i - ci) - sin(a)(j - cj), cj + sin(a)(i - ci) + cos(a)(j - cj))``
      (``(ci, cj) = ((H - 1) / 2, (W - 1) / 2)``), interpolated bilinearly from the four
      nearest pixels; points outside the image count as 0 (background);
    - a shift ``(dy, dx)``, integers in {-1, 0, 1}, moving the content down/right by
      that many pixels, with zeros filling the uncovered border.

    **Why no mirroring**, although the slides mention it: a mirrored 2 is not a 2 (it
    looks more like a 5 drawn backwards), a mirrored 3 is not a digit at all, and a
    flipped 6 turned upside down is a 9. For natural photos (a cat is a cat in a mirror)
    mirroring is the first thing to try; for digits it changes what the label means.
    For the same reason rotations stay small (a 6 rotated by 180 degrees is a 9), and
    shifts stay at one pixel: one pixel is already an eighth of an 8x8 image.

    Args:
        images: ``(N, H, W, C)`` channels-last images (``(N, 8, 8, 1)`` float32 in
            [0, 1] for the digits); ``(N, H, W)`` is accepted too. Not modified.
        rng: a numpy ``Generator``, the only source of randomness.

    Returns:
        A new array of the same shape and dtype: image ``n`` perturbed. The labels are
        unchanged (each image still shows the same digit), so ``y_train`` goes with
        the result as it is.

    Use numpy only (no Keras, no scipy). Hint: build the grid of output coordinates
    with ``np.meshgrid``, map it back to input coordinates, and gather with fancy
    indexing for all images at once; the grader also checks that a model trained on
    your augmented images is not worse than one trained without them.
    """
    ### BEGIN SOLUTION
    rng = np.random.default_rng(rng)
    x = np.asarray(images)
    squeeze = x.ndim == 3
    if squeeze:
        x = x[..., np.newaxis]
    if x.ndim != 4:
        raise ValueError(f"augment: images must be (N, H, W, C) or (N, H, W), got {x.shape}")
    n, h, w, _ = x.shape
    angles = np.deg2rad(rng.uniform(-15.0, 15.0, size=n))
    shifts = rng.integers(-1, 2, size=(n, 2))

    ci, cj = (h - 1) / 2, (w - 1) / 2
    ii, jj = np.meshgrid(np.arange(h), np.arange(w), indexing="ij")  # (h, w)
    # output pixel (i, j) comes from the shifted-back, rotated-back point of the input
    di = ii[None] - shifts[:, 0, None, None] - ci  # (n, h, w)
    dj = jj[None] - shifts[:, 1, None, None] - cj
    cos, sin = np.cos(angles)[:, None, None], np.sin(angles)[:, None, None]
    src_i = ci + cos * di - sin * dj
    src_j = cj + sin * di + cos * dj

    i0, j0 = np.floor(src_i).astype(np.int64), np.floor(src_j).astype(np.int64)
    fi, fj = src_i - i0, src_j - j0
    batch = np.arange(n)[:, None, None]
    out = np.zeros(x.shape, dtype=np.float64)
    for oi, oj, weight in (
        (0, 0, (1 - fi) * (1 - fj)),
        (0, 1, (1 - fi) * fj),
        (1, 0, fi * (1 - fj)),
        (1, 1, fi * fj),
    ):
        r, c = i0 + oi, j0 + oj
        inside = (r >= 0) & (r < h) & (c >= 0) & (c < w)
        values = x[batch, np.clip(r, 0, h - 1), np.clip(c, 0, w - 1)]  # (n, h, w, C)
        out += (weight * inside)[..., None] * values
    out = out.astype(x.dtype, copy=False)
    return out[..., 0] if squeeze else out
    ### END SOLUTION


def build_small_data_model(input_shape: tuple, num_classes: int) -> keras.Model:
    """A 1-D CNN for MNIST-1D meant for reuse: general feature layers, then a small head.

    The shape of capstone 2's 1-D CNN (convolution/pool blocks, a global pool, a softmax
    output), built so that fine-tuning can refer to its parts by name::

        keras.Input(shape=input_shape)                               (40, 1)
        Conv1D(k1, 5, padding="same", activation="relu", name="conv1")
        MaxPooling1D(2, name="pool1")
        Conv1D(k2, 3, padding="same", activation="relu", name="conv2")
        MaxPooling1D(2, name="pool2")
        Conv1D(k3, 3, padding="same", activation="relu", name="conv3")
        GlobalMaxPooling1D(name="global_pool")
        Dense(num_classes, activation="softmax", name="probabilities")   the head

    The grader calls it with ``input_shape = (40, 1)`` and ``num_classes = 5`` (five
    MNIST-1D classes at a time); the head is the last layer, re-initialised before
    fine-tuning, so it cannot be frozen.

    Args:
        input_shape: ``(40, 1)``.
        num_classes: 5.

    Returns:
        An uncompiled ``keras.Model``: ``(N, *input_shape)`` -> ``(N, num_classes)``
        probabilities.

    Hint: the convolutions are the reusable part (bumps, edges and slopes look the same
    in every class of signal); 32 filters each are plenty.
    """
    ### BEGIN SOLUTION
    return keras.Sequential(
        [
            keras.Input(shape=tuple(input_shape), name="signal"),
            layers.Conv1D(32, 5, padding="same", activation="relu", name="conv1"),
            layers.MaxPooling1D(2, name="pool1"),
            layers.Conv1D(32, 3, padding="same", activation="relu", name="conv2"),
            layers.MaxPooling1D(2, name="pool2"),
            layers.Conv1D(32, 3, padding="same", activation="relu", name="conv3"),
            layers.GlobalMaxPooling1D(name="global_pool"),
            layers.Dense(num_classes, activation="softmax", name="probabilities"),
        ],
        name="small_data_cnn",
    )
    ### END SOLUTION


def small_data_recipe() -> dict:
    """The recipe for pretraining and fine-tuning on MNIST-1D, as plain data.

    Return::

        {"optimizer": "adam", "learning_rate": ..., "epochs": ..., "batch_size": ...,
         "fine_tune": {"freeze": [...], "epochs": ..., "learning_rate": ...}}

    - ``optimizer``, ``learning_rate``, ``epochs``, ``batch_size``: pretraining on the
      MNIST-1D classes 0-4, as in capstone 2. The optimizer and the batch size are also
      used for fine-tuning and for the from-scratch baseline: with 100 examples and a
      batch of ``batch_size``, one fine-tuning epoch is only ``ceil(100 / batch_size)``
      steps, so choose a small batch (16) and count the steps.
    - ``fine_tune``: ``freeze`` lists the layer names whose pretrained weights stay
      fixed; ``epochs`` and ``learning_rate`` are for training the rest on the 100 new
      examples (and for the from-scratch baseline on the same examples).
    - An ``"augmentation"`` entry (``{"shift": ..., "rotate": ...}``) is accepted but
      only perturbs images: it is ignored for these 1-D signals, so leave it out.

    What to freeze is the real question. Freeze everything but the head and the new
    classes must be told apart by features learned for the old ones; freeze nothing and
    the pretrained weights are only the starting point ("using existing weights as
    initialization"). Measure both (``deepgrade train small_data`` prints fine-tuned vs
    from scratch). The grader checks that fine-tuning beats training from scratch by
    more than 0.01 (mean over 3 draws of the examples); freezing every convolution
    does not.
    """
    ### BEGIN SOLUTION
    return {
        "optimizer": "adam",
        "learning_rate": 0.003,
        "epochs": 15,
        "batch_size": 16,
        "fine_tune": {"freeze": [], "epochs": 60, "learning_rate": 0.003},
    }
    ### END SOLUTION
