"""Pictures of what a capstone model learned, as PNG files (matplotlib, Agg backend).

Used by ``deepgrade train``; each function writes one file and returns its path:

- :func:`plot_history`: training and validation loss and accuracy per epoch;
- :func:`plot_first_layer_filters`: the first convolution's learned filters;
- :func:`plot_feature_maps`: one example's feature maps after each conv/pool layer;
- :func:`plot_confusion_matrix`: which classes are mistaken for which;
- :func:`plot_forecasts`: a forecaster against the truth and the naive forecasts.

Importing this module imports neither TensorFlow nor pyplot; the model functions use
only the Keras API of the model they are given. Nothing is shown on screen.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

CONV_KINDS = ("Conv1D", "Conv2D", "SeparableConv1D", "SeparableConv2D", "DepthwiseConv2D")
POOL_KINDS = ("MaxPooling1D", "MaxPooling2D", "AveragePooling1D", "AveragePooling2D")
MAX_MAPS = 16  # feature maps shown per layer
LOWER_IS_BETTER = ("loss", "mae")


def _figure(*args, **kwargs):
    """A matplotlib Figure with an Agg canvas (no pyplot, no display, no global state)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(*args, **kwargs)
    FigureCanvasAgg(figure)
    return figure


def _save(figure, path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110, bbox_inches="tight", facecolor="white")
    return path


# ---------------------------------------------------------------------- curves


def plot_history(history: Mapping[str, Sequence[float]], path, *, title: str = "") -> Path:
    """Loss and accuracy (or mean absolute error) per epoch, training vs validation.

    ``history`` is Keras's ``History.history`` (or ``training.train``'s result):
    ``{"loss": [...], "val_loss": [...], "accuracy": [...], "val_accuracy": [...]}`` (a
    forecaster has ``"mae"`` in place of accuracy); any of them may be missing. The best
    validation epoch is marked.
    """
    metrics = [m for m in ("loss", "accuracy", "mae") if history.get(m) or history.get(f"val_{m}")]
    if not metrics:
        raise ValueError(f"the history has no loss or accuracy: keys {sorted(history)}")
    figure = _figure(figsize=(5.2 * len(metrics), 4))
    axes = figure.subplots(1, len(metrics), squeeze=False)[0]
    for ax, metric in zip(axes, metrics, strict=True):
        lower = metric in LOWER_IS_BETTER
        for key, label, style in (
            (metric, "training", {"color": "tab:blue"}),
            (f"val_{metric}", "validation", {"color": "tab:orange"}),
        ):
            values = list(history.get(key) or [])
            if values:
                epochs = np.arange(1, len(values) + 1)
                ax.plot(epochs, values, marker="o", markersize=3, label=label, **style)
        validation = list(history.get(f"val_{metric}") or [])
        if validation:
            best = int(np.argmin(validation) if lower else np.argmax(validation))
            ax.axvline(best + 1, color="grey", linestyle=":", linewidth=1)
            ax.annotate(
                f"best validation\n{validation[best]:.3f} (epoch {best + 1})",
                xy=(best + 1, validation[best]),
                xytext=(0.5, 0.5 if lower else 0.25),
                textcoords="axes fraction",
                ha="center",
                fontsize=9,
                arrowprops={"arrowstyle": "->", "color": "grey"},
            )
        ax.set_xlabel("epoch")
        ax.set_ylabel(metric)
        ax.set_title(f"{metric}: {'lower' if lower else 'higher'} is better")
        if metric == "accuracy":
            ax.set_ylim(0, 1.02)
        ax.grid(alpha=0.3)
        ax.legend(loc="best")
        ax.xaxis.get_major_locator().set_params(integer=True)
    figure.suptitle(
        title
        or "Training curves: a widening gap between training and validation means overfitting",
        fontsize=11,
    )
    return _save(figure, path)


# ---------------------------------------------------------------------- filters


def _layers_of(model, kinds: Sequence[str]) -> list:
    return [layer for layer in model.layers if type(layer).__name__ in kinds]


def first_conv_layer(model):
    """The model's first convolution layer, or None."""
    found = _layers_of(model, CONV_KINDS)
    return found[0] if found else None


def _grid(n: int, max_cols: int = 8) -> tuple[int, int]:
    cols = min(n, max_cols)
    return math.ceil(n / cols), cols


def plot_first_layer_filters(model, path, *, title: str = "") -> Path:
    """The first convolution's filters: one small picture per filter.

    A 2-D filter ``(kh, kw)`` is shown as an image (red positive weights, blue negative,
    the same colour scale for all, input channels averaged); a 1-D filter ``(k,)`` as a
    bar chart of its weights along time. Raises ValueError for a model without one.
    """
    layer = first_conv_layer(model)
    if layer is None:
        raise ValueError("the model has no convolution layer whose filters could be shown")
    kernel = np.asarray(layer.get_weights()[0], dtype=np.float64)
    one_d = kernel.ndim == 3  # (k, channels_in, filters)
    if type(layer).__name__ == "DepthwiseConv2D":  # (kh, kw, channels_in, multiplier)
        kernel = kernel.reshape(*kernel.shape[:2], 1, -1)
    filters = kernel.mean(axis=-2)  # average over input channels: (kh, kw, k) or (k, n)
    count = filters.shape[-1]
    rows, cols = _grid(count)
    figure = _figure(figsize=(1.5 * cols + 1.2, 1.5 * rows + 0.9))
    axes = figure.subplots(rows, cols, squeeze=False)
    limit = float(np.abs(filters).max()) or 1.0
    image = None
    for index, ax in enumerate(axes.flat):
        if index >= count:
            ax.axis("off")
            continue
        weights = filters[..., index]
        if one_d:
            colours = ["tab:red" if w >= 0 else "tab:blue" for w in weights]
            ax.bar(np.arange(len(weights)), weights, color=colours)
            ax.set_ylim(-limit, limit)
            ax.axhline(0, color="black", linewidth=0.5)
            ax.set_xticks([])
            ax.set_yticks([])
        else:
            image = ax.imshow(weights, cmap="RdBu_r", vmin=-limit, vmax=limit)
            ax.set_xticks([])
            ax.set_yticks([])
        ax.set_title(f"filter {index + 1}", fontsize=8)
    if image is not None:
        figure.colorbar(image, ax=axes.ravel().tolist(), shrink=0.8, label="weight")
    shape = "x".join(str(s) for s in kernel.shape[:-2])
    figure.suptitle(
        title
        or f"What the first layer looks for: the {count} learned {shape} filters of "
        f"'{layer.name}'\n(red: weights that respond to ink, blue: to its absence)",
        fontsize=11,
    )
    return _save(figure, path)


# ---------------------------------------------------------------------- feature maps


def feature_layers(model) -> list:
    """The conv and pool layers whose outputs :func:`plot_feature_maps` shows, in order."""
    return _layers_of(model, CONV_KINDS + POOL_KINDS)


def feature_maps(model, example: np.ndarray) -> list[tuple[str, np.ndarray]]:
    """``[(layer name, output for one example)]`` for each conv/pool layer of ``model``."""
    import keras

    chosen = feature_layers(model)
    if not chosen:
        raise ValueError("the model has no convolution or pooling layer to show")
    probe = keras.Model(inputs=model.inputs, outputs=[layer.output for layer in chosen])
    outputs = probe.predict(np.asarray(example)[np.newaxis], verbose=0)
    if not isinstance(outputs, list | tuple):
        outputs = [outputs]
    return [(layer.name, np.asarray(out)[0]) for layer, out in zip(chosen, outputs, strict=True)]


def plot_feature_maps(model, example: np.ndarray, path, *, label=None, title: str = "") -> Path:
    """One example, then its feature maps after each conv/pool layer, one row per layer.

    ``example`` is one input without the batch axis: an image ``(H, W, C)`` (each row
    shows up to 16 channels of a layer's ``(H', W', k)`` output as small images) or a
    sequence ``(T, C)`` (each row shows a layer's ``(T', k)`` output as a heat map,
    channels against time).
    """
    example = np.asarray(example, dtype=np.float32)
    maps = feature_maps(model, example)
    image_like = example.ndim == 3
    if image_like:
        cols = 1 + min(MAX_MAPS, max(m.shape[-1] for _, m in maps))
        figure = _figure(figsize=(1.25 * cols, 1.35 * (len(maps) + 1) + 0.6))
        axes = figure.subplots(len(maps) + 1, cols, squeeze=False)
        for ax in axes.flat:
            ax.set_xticks([])
            ax.set_yticks([])
            ax.axis("off")
        axes[0, 0].axis("on")
        axes[0, 0].imshow(example.mean(axis=-1), cmap="gray_r")
        axes[0, 0].set_title("input" + (f" ({label})" if label is not None else ""), fontsize=9)
        for row, (name, out) in enumerate(maps, start=1):
            axes[row, 0].text(
                0.5,
                0.5,
                f"{name}\n{'x'.join(map(str, out.shape))}",
                ha="center",
                va="center",
                fontsize=9,
                transform=axes[row, 0].transAxes,
            )
            low, high = float(out.min()), float(out.max())
            for channel in range(min(MAX_MAPS, out.shape[-1])):
                ax = axes[row, channel + 1]
                ax.axis("on")
                ax.imshow(out[..., channel], cmap="viridis", vmin=low, vmax=high or 1.0)
                if row == 1:
                    ax.set_title(f"ch {channel + 1}", fontsize=8)
    else:
        figure = _figure(figsize=(8, 1.9 * (len(maps) + 1) + 0.6))
        axes = figure.subplots(len(maps) + 1, 1, squeeze=False, gridspec_kw={"hspace": 0.7})
        axes = axes[:, 0]
        axes[0].plot(example.mean(axis=-1), color="black")
        axes[0].set_title("input" + (f" ({label})" if label is not None else ""), fontsize=9)
        axes[0].set_xlim(-0.5, len(example) - 0.5)
        for ax, (name, out) in zip(axes[1:], maps, strict=True):
            ax.imshow(out.T, aspect="auto", cmap="viridis", interpolation="nearest")
            ax.set_ylabel("channel", fontsize=8)
            ax.set_title(f"{name}: {out.shape[0]} steps x {out.shape[1]} channels", fontsize=9)
        axes[-1].set_xlabel("time step (of that layer)")
    figure.suptitle(
        title
        or "What the network sees: one example after each conv and pool layer\n"
        "(bright: strong response, one colour scale per layer, dark maps: nothing found there;\n"
        "pooling keeps the strongest response in each window)",
        fontsize=11,
    )
    return _save(figure, path)


# ---------------------------------------------------------------------- confusion


def confusion_matrix(y_true, y_pred, num_classes: int | None = None) -> np.ndarray:
    """``counts[i, j]`` = how many examples of class ``i`` were predicted as ``j``."""
    y_true = np.asarray(y_true, dtype=np.int64).reshape(-1)
    y_pred = np.asarray(y_pred, dtype=np.int64).reshape(-1)
    n = num_classes or int(max(y_true.max(initial=0), y_pred.max(initial=0)) + 1)
    counts = np.zeros((n, n), dtype=np.int64)
    np.add.at(counts, (y_true, y_pred), 1)
    return counts


def plot_confusion_matrix(
    y_true, y_pred, path, *, class_names: Sequence[str] | None = None, title: str = ""
) -> Path:
    """The confusion matrix as a heat map with the counts written in each cell.

    Rows are the true classes, columns the predicted ones; the diagonal is what was
    right. Colours are row shares (so rare classes are as visible as common ones).
    """
    n = len(class_names) if class_names is not None else None
    counts = confusion_matrix(y_true, y_pred, n)
    n = counts.shape[0]
    names = list(class_names) if class_names is not None else [str(i) for i in range(n)]
    share = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
    accuracy = np.trace(counts) / max(counts.sum(), 1)
    size = max(4.0, 0.55 * n + 2.5)
    figure = _figure(figsize=(size + 1, size))
    ax = figure.subplots()
    image = ax.imshow(share, cmap="Blues", vmin=0, vmax=1)
    for i in range(n):
        for j in range(n):
            if counts[i, j]:
                ax.text(
                    j,
                    i,
                    str(counts[i, j]),
                    ha="center",
                    va="center",
                    fontsize=9,
                    color="white" if share[i, j] > 0.5 else "black",
                )
    ax.set_xticks(range(n), names)
    ax.set_yticks(range(n), names)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    figure.colorbar(image, ax=ax, shrink=0.8, label="share of the true class")
    worst = ""
    off = counts.copy()
    np.fill_diagonal(off, 0)
    if off.any():
        i, j = np.unravel_index(np.argmax(off), off.shape)
        worst = f"; most common mistake: {names[i]} taken for {names[j]} ({off[i, j]}x)"
    ax.set_title(
        (title + "\n" if title else "")
        + f"Confusion matrix: accuracy {accuracy:.3f} on {counts.sum()} examples{worst}",
        fontsize=10,
    )
    return _save(figure, path)


# ---------------------------------------------------------------------- augmentation


def plot_augmentations(
    images: np.ndarray, augmented: Sequence[np.ndarray], path, *, labels=None, title: str = ""
) -> Path:
    """Each image (top row) above its augmented copies (one row per call of ``augment``)."""
    images = np.asarray(images)
    rows = [images, *(np.asarray(a) for a in augmented)]
    cols = len(images)
    figure = _figure(figsize=(1.2 * cols + 1.4, 1.25 * len(rows) + 0.8))
    axes = figure.subplots(len(rows), cols, squeeze=False)
    for r, batch in enumerate(rows):
        for c in range(cols):
            ax = axes[r, c]
            picture = batch[c]
            ax.imshow(picture.mean(axis=-1) if picture.ndim == 3 else picture, cmap="gray_r")
            ax.set_xticks([])
            ax.set_yticks([])
            if r == 0 and labels is not None:
                ax.set_title(f"label {int(labels[c])}", fontsize=9)
        axes[r, 0].set_ylabel("original" if r == 0 else f"augmented {r}", fontsize=9)
    figure.suptitle(
        title or "Your augment: each column must still show the same digit", fontsize=11
    )
    return _save(figure, path)


# ---------------------------------------------------------------------- forecasts


def plot_forecasts(
    years: np.ndarray,
    values: np.ndarray,
    first_years: np.ndarray,
    truth: np.ndarray,
    forecasts: Mapping[str, np.ndarray],
    path,
    *,
    title: str = "",
    context: int = 25,
) -> Path:
    """Forecasts of a held-out tail against the truth, and their error per lead time.

    ``years``/``values``: the whole series; ``first_years`` ``(N,)``: the first target
    year of each forecast; ``truth`` and each of ``forecasts`` (``{"yours": ...,
    "persistence": ..., ...}``, the first one is the model's): ``(N, h)``, in the
    series' units. Left: the series (``context`` years before the tail too) and the
    forecasts made ``h`` years ahead (and the model's 1 year ahead); right: the mean
    absolute error of each forecast at each lead time 1..h.
    """
    first_years = np.asarray(first_years)
    truth = np.asarray(truth, dtype=np.float64).reshape(len(first_years), -1)
    horizon = truth.shape[1]
    figure = _figure(figsize=(12, 4.2))
    left, right = figure.subplots(1, 2, gridspec_kw={"width_ratios": [2.2, 1]})
    shown = years >= first_years[0] - context
    left.plot(years[shown], values[shown], color="black", linewidth=1.5, label="truth")
    left.axvspan(first_years[0] - 0.5, years[-1] + 0.5, color="grey", alpha=0.12)
    left.annotate("held-out tail", xy=(first_years[0], 0.95), xycoords=("data", "axes fraction"),
                  fontsize=9, color="grey")  # fmt: skip
    styles = ["-", "--", ":", "-."]
    names = list(forecasts)
    for i, name in enumerate(names):
        ahead = np.asarray(forecasts[name], dtype=np.float64).reshape(truth.shape)
        left.plot(first_years + horizon - 1, ahead[:, -1], styles[i % 4], linewidth=1.3,
                  label=f"{name}, {horizon} years ahead")  # fmt: skip
        if i == 0 and horizon > 1:
            left.plot(first_years, ahead[:, 0], styles[0], linewidth=0.8, alpha=0.6,
                      label=f"{name}, 1 year ahead")  # fmt: skip
    left.set_xlabel("year")
    left.set_ylabel("sunspot number")
    left.legend(fontsize=8, loc="upper left")
    lead = np.arange(1, horizon + 1)
    width = 0.8 / len(names)
    for i, name in enumerate(names):
        ahead = np.asarray(forecasts[name], dtype=np.float64).reshape(truth.shape)
        error = np.abs(ahead - truth).mean(axis=0)
        right.bar(lead + (i - (len(names) - 1) / 2) * width, error, width, label=name)
    right.set_xticks(lead)
    right.set_xlabel("lead time (years ahead)")
    right.set_ylabel("mean absolute error")
    right.legend(fontsize=8)
    figure.suptitle(title or "Forecasts of the held-out tail", fontsize=11)
    return _save(figure, path)
