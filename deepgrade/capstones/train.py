"""``deepgrade train CAPSTONE``: train a capstone on your machine and look at what it learned.

    deepgrade train digits                    # your exercises/, Keras's progress bar, plots
    deepgrade train sequences --epochs 5      # a quicker look
    deepgrade train digits --impl solutions   # the reference
    deepgrade train small_data --impl path/to/folder --out plots/

The capstone module is imported in this process (your own code, on your own machine),
the model built and trained with the same trainer as the grader
(:func:`deepgrade.capstones.training.train`), evaluated on the test split, and PNGs
written to ``--out`` (default ``./deepgrade-plots/<capstone>``): training curves, the
first convolution's filters, one example's feature maps after each conv/pool layer and
a confusion matrix. The score printed is only an indication: the grader trains again in
a clean process on one core, with seed 0.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

from deepgrade.capstones import settings
from deepgrade.catalog import CAPSTONE_TOPICS, in_module
from deepgrade.extras import require

SHORT = {name.removeprefix("capstone_"): name for name in CAPSTONE_TOPICS}
# also accepted by --dataset (the default is the one the grader uses here, settings.json)
OTHER_DATASETS = {"capstone_digits": ("mnist",), "capstone_sentiment": ("imdb", "rotten_tomatoes")}


class TrainError(Exception):
    """Training cannot go on; the message is for the student (no traceback)."""


def add_train_arguments(parser: argparse.ArgumentParser) -> None:
    """``deepgrade train CAPSTONE [--impl ...] [--out DIR] [--epochs N] [--seed N] ...``."""
    parser.add_argument(
        "capstone",
        choices=sorted({*SHORT, *CAPSTONE_TOPICS}),
        metavar="CAPSTONE",
        help=", ".join(SHORT),
    )
    parser.add_argument(
        "--impl",
        default="exercises",
        help="exercises (default), solutions, or a folder holding your capstone_*.py",
    )
    parser.add_argument(
        "--out", type=Path, help="folder for the plots (default ./deepgrade-plots/<capstone>)"
    )
    parser.add_argument(
        "--epochs", type=int, help="train at most this many epochs (a quicker look)"
    )
    parser.add_argument("--seed", type=int, default=0, help="training seed (default 0)")
    parser.add_argument(
        "--dataset",
        help="digits: 'mnist' trains on 28x28 MNIST when it is cached; sentiment: 'imdb' or "
        "'rotten_tomatoes' (default: IMDB when cached, else the Rotten Tomatoes snippets)",
    )
    parser.add_argument("--cache-dir", help="data cache (default $DEEPGRADE_CACHE or ~/.cache)")
    parser.add_argument(
        "--quiet",
        action="store_true",
        help="no progress bars (when the output is not a terminal: one line per epoch)",
    )


def main_train(args: argparse.Namespace) -> int:
    """Run ``deepgrade train``: 0 when trained and plotted, 1 when it could not be."""
    name = SHORT.get(args.capstone, args.capstone)
    out = Path(args.out) if args.out else Path("deepgrade-plots") / name.removeprefix("capstone_")
    if args.epochs is not None and args.epochs < 1:
        print("deepgrade train: --epochs must be at least 1", file=sys.stderr)
        return 2
    require("capstones", "deepgrade train", ("keras", "matplotlib"))
    started = time.monotonic()
    try:
        written = TRAINERS[name](_Run(name, args, out))
    except TrainError as err:
        print(f"deepgrade train {name.removeprefix('capstone_')}: {err}", file=sys.stderr)
        return 1
    print(f"\nPlots ({time.monotonic() - started:.0f} s in all), in {out}:")
    for path in written:
        print(f"  {path}")
    return 0


class _Run:
    """What one ``deepgrade train`` call needs: the module, the data, the trainer."""

    def __init__(self, name: str, args: argparse.Namespace, out: Path):
        from deepgrade.capstones import training

        training.quiet_tensorflow()  # before the capstone module imports keras
        from datasets import missing

        self.name, self.args, self.out = name, args, out
        self.training = training
        # Keras's progress bar redraws its line with escape codes: only on a terminal;
        # elsewhere (CI logs, Gradescope, a pipe) one plain line per epoch
        terminal = sys.stdout.isatty()
        self.verbose = 1 if terminal and not args.quiet else 0
        self.epoch_lines = not terminal and not args.quiet
        self.module = _load_module(name, args.impl)
        entry = settings.load()[name]
        # the grader's choice of data set on this machine (sentiment: IMDB, else a fallback)
        self.config = settings.resolve(entry, missing)[0] or entry

    def call(self, function: str, *args):
        """The student's function, with a clear message for a stub or a crash."""
        entry = next(e for e in in_module(self.name) if e.name == function)
        found = getattr(self.module, function, None)
        if found is None:
            raise TrainError(f"{entry.label}: {self.name}.py has no function {function}")
        try:
            return found(*args)
        except NotImplementedError as err:
            raise TrainError(str(err) or entry.not_implemented) from None
        except Exception as err:
            raise TrainError(f"{entry.label} raised {type(err).__name__}: {err}") from err

    def dataset(self, fixed: str | None = None):
        from datasets import DatasetUnavailable, load

        default = self.config["dataset"]
        wanted = fixed or self.args.dataset or default
        allowed = tuple(dict.fromkeys((default, *OTHER_DATASETS.get(self.name, ()))))
        if fixed is None and wanted not in allowed:
            raise TrainError(f"--dataset must be one of {', '.join(allowed)} for this capstone")
        options = self.config.get("dataset_options", {}) if wanted == default else {}
        try:
            data = load(wanted, cache_dir=self.args.cache_dir, **options)
        except DatasetUnavailable as err:
            raise TrainError(str(err)) from None
        print(f"Data: {data!r}")
        if data.notes:
            print(f"Note: {data.notes}")
        return data

    def build(self, function: str, *args):
        model = self.call(function, *args)
        import keras

        if not isinstance(model, keras.Model):
            raise TrainError(f"{function} must return a keras Model, got {type(model).__name__}")
        _warn_if_refused(model, function)
        if not self.args.quiet:
            model.summary()
        return model

    def recipe(self, function: str, **rules) -> dict:
        from deepgrade.capstones.validate import ValidationError, validate_recipe

        recipe = self.call(function)
        try:
            return validate_recipe(recipe, what=f"{function}()", **rules)
        except ValidationError as err:
            raise TrainError(f"the grader would refuse this recipe: {err}") from None

    def train(self, model, recipe: dict, data, title: str, **options) -> dict:
        epochs = min(int(options.get("epochs") or recipe["epochs"]), self.args.epochs or 10**6)
        plural = "s" * (epochs != 1)
        how = _describe(recipe, options)
        print(f"\n{title}: {epochs} epoch{plural}, {recipe['optimizer']}, {how}")
        callbacks = [_epoch_lines(epochs)] if self.epoch_lines else []
        return self.training.train(
            model,
            recipe,
            data,
            seed=self.args.seed,
            epochs_cap=self.args.epochs,
            verbose=self.verbose,
            callbacks=callbacks,
            **options,
        )

    def test(self, model, x, y, what: str, key: str = "") -> tuple[float, np.ndarray]:
        predicted = _predict_classes(model, x)
        accuracy = float(np.mean(predicted == np.asarray(y).reshape(-1)))
        bounds = self.config.get("scored", {}).get(key) if key else None
        target = f" (the grader's full-points target: {bounds['target']:.2f})" if bounds else ""
        print(f"{what}: test accuracy {accuracy:.3f} on {len(y)} examples{target}")
        return accuracy, predicted

    def seed(self, offset: int = 0) -> None:
        """Seed Python, numpy and TensorFlow before building a model (as the grader does)."""
        self.training.configure(self.args.seed + offset)


def _epoch_lines(epochs: int):
    """A Keras callback printing one plain line per epoch (logs, CI, Gradescope)."""
    import keras

    def line(epoch: int, logs: dict | None) -> None:
        shown = ", ".join(f"{key} {value:.4f}" for key, value in sorted((logs or {}).items()))
        print(f"epoch {epoch + 1}/{epochs}: {shown}", flush=True)

    return keras.callbacks.LambdaCallback(on_epoch_end=line)


def _load_module(name: str, spec: str):
    from deepgrade.implementation import Implementation, SubmissionError

    try:
        return Implementation(spec).module(name)
    except SubmissionError as err:
        raise TrainError(str(err)) from None


def _warn_if_refused(model, function: str) -> None:
    """Say now, before training, if the grader would refuse this architecture."""
    from deepgrade.capstones.validate import ValidationError, validate_model_json

    try:
        text = model.to_json()
    except Exception as err:
        raise TrainError(
            f"{function}()'s model cannot be written as JSON, which is how the grader receives "
            f"it: {type(err).__name__}: {err}"
        ) from None
    try:
        validate_model_json(text, what=f"{function}()'s model")
    except ValidationError as err:
        raise TrainError(f"the grader would refuse this model: {err}") from None


def _describe(recipe: dict, options: dict) -> str:
    parts = [
        f"learning rate {options.get('learning_rate') or recipe['learning_rate']}",
        f"batches of {recipe['batch_size']}",
    ]
    augmentation = {k: v for k, v in (recipe.get("augmentation") or {}).items() if v}
    if augmentation:
        parts.append("augmentation " + ", ".join(f"{k} {v}" for k, v in augmentation.items()))
    if options.get("x_train") is not None:
        parts.append(f"{len(options['x_train'])} training examples")
    return ", ".join(parts)


def _predict_classes(model, x) -> np.ndarray:
    scores = np.asarray(model.predict(x, batch_size=256, verbose=0), dtype=np.float64)
    if scores.ndim == 2 and scores.shape[1] > 1:
        return scores.argmax(axis=1)
    from deepgrade.capstones.training import output_activation

    threshold = 0.5 if output_activation(model) == "sigmoid" else 0.0
    return (scores.reshape(-1) > threshold).astype(np.int64)


def _vision_plots(
    model,
    history,
    x_test,
    y_test,
    predicted,
    out: Path,
    prefix: str = "",
    class_names=None,
    title: str = "",
) -> list[Path]:
    from deepgrade.capstones import plots

    written = [plots.plot_history(history, out / f"{prefix}history.png", title=title)]
    if plots.first_conv_layer(model) is not None:
        written.append(plots.plot_first_layer_filters(model, out / f"{prefix}filters.png"))
        example, label = x_test[0], str(int(y_test[0]))
        if class_names is not None:
            label = class_names[int(y_test[0])]
        written.append(
            plots.plot_feature_maps(model, example, out / f"{prefix}feature_maps.png", label=label)
        )
    written.append(
        plots.plot_confusion_matrix(
            y_test,
            predicted,
            out / f"{prefix}confusion_matrix.png",
            class_names=class_names,
            title=title,
        )
    )
    return written


# ---------------------------------------------------------------------- the capstones


def train_digits(run: _Run) -> list[Path]:
    data = run.dataset()
    run.seed()
    model = run.build("build_digit_cnn", data.input_shape, data.num_classes)
    recipe = run.recipe("digit_recipe")
    history = run.train(model, recipe, data, "Training the digit CNN")
    accuracy, predicted = run.test(model, data.x_test, data.y_test, "Digit CNN", "test_accuracy")
    return _vision_plots(
        model,
        history,
        data.x_test,
        data.y_test,
        predicted,
        run.out,
        title=f"Digit CNN on {data.name}: test accuracy {accuracy:.3f}",
    )


def train_sequences(run: _Run) -> list[Path]:
    data = run.dataset()
    recipe = dict(run.config["recipe"])
    written: list[Path] = []
    scores = {}
    for kind, function in (("cnn", "build_sequence_cnn"), ("lstm", "build_sequence_lstm")):
        run.seed()
        model = run.build(function, data.input_shape, data.num_classes)
        history = run.train(model, recipe, data, f"Training the {kind.upper()}")
        scores[kind], predicted = run.test(model, data.x_test, data.y_test, kind.upper(), kind)
        written += _vision_plots(
            model,
            history,
            data.x_test,
            data.y_test,
            predicted,
            run.out,
            prefix=f"{kind}_",
            title=f"{kind.upper()} on MNIST-1D: test accuracy {scores[kind]:.3f}",
        )
    winner = max(scores, key=scores.get)
    print(f"\nMeasured: CNN {scores['cnn']:.3f}, LSTM {scores['lstm']:.3f}: the {winner} wins.")
    try:
        findings = run.call("sequence_findings")
        print(f"Your findings: {findings}")
        if isinstance(findings, dict) and findings.get("winner") not in (None, winner):
            print(f"  (they name {findings.get('winner')!r}; this run measured {winner!r})")
    except TrainError as err:
        print(f"Your findings: {err}")
    return written


def train_small_data(run: _Run) -> list[Path]:
    from deepgrade.capstones import plots

    t = run.training
    digits = run.dataset("digits")  # augment is for the 8x8 digits
    shots, seed = int(run.config["shots"]), run.args.seed
    written: list[Path] = []

    # the student's augment, on a few training digits
    sample = digits.x_train[:8]
    augmented = [run.call("augment", sample, np.random.default_rng([seed, k])) for k in range(3)]
    for out in augmented:
        if not isinstance(out, np.ndarray) or out.shape != sample.shape:
            raise TrainError(
                f"augment must return an array of shape {sample.shape}, "
                f"got {getattr(out, 'shape', type(out).__name__)}"
            )
    written.append(
        plots.plot_augmentations(sample, augmented, run.out / "augment.png", labels=digits.y_train)
    )

    # the fine-tuning experiment, on MNIST-1D (as the grader runs it, one draw)
    data = run.dataset()
    pre_classes = [int(c) for c in run.config["pretrain_classes"]]
    new_classes = [c for c in range(data.num_classes) if c not in pre_classes]

    recipe = run.recipe("small_data_recipe", require_fine_tune=True)
    fine = recipe["fine_tune"]
    x_pre, y_pre = t.class_subset(data.x_train, data.y_train, pre_classes)
    val_pre = t.class_subset(data.x_val, data.y_val, pre_classes)
    x_new, y_new = t.class_subset(data.x_train, data.y_train, new_classes)
    x_few, y_few = t.few_shot_split(x_new, y_new, shots, seed)
    val_new = t.class_subset(data.x_val, data.y_val, new_classes)
    xt_new, yt_new = t.class_subset(data.x_test, data.y_test, new_classes)
    new_names = [str(c) for c in new_classes]

    run.seed()
    model = run.build("build_small_data_model", data.input_shape, len(pre_classes))
    pre_history = run.train(
        model,
        recipe,
        data,
        f"1. Pretraining on the classes {pre_classes}",
        x_train=x_pre,
        y_train=y_pre,
        validation=val_pre,
    )
    run.test(model, *t.class_subset(data.x_test, data.y_test, pre_classes), "Pretrained")
    written.append(
        plots.plot_history(
            pre_history,
            run.out / "pretrain_history.png",
            title=f"Pretraining on the classes {pre_classes}",
        )
    )
    missing = t.freeze_layers(model, fine["freeze"])
    if missing:
        raise TrainError(f"fine_tune freezes layers the model does not have: {missing}")
    head = t.reset_head(model, seed + 1)
    if head in fine["freeze"]:
        raise TrainError(f"fine_tune freezes the head {head!r}, which must be trained")
    frozen = ", ".join(fine["freeze"]) or "nothing"
    ft_history = run.train(
        model,
        recipe,
        data,
        f"2. Fine-tuning on {shots} examples of each of the classes {new_classes} "
        f"(new head {head!r}, frozen: {frozen})",
        x_train=x_few,
        y_train=y_few,
        validation=val_new,
        epochs=fine["epochs"],
        learning_rate=fine["learning_rate"],
    )
    tuned, predicted = run.test(model, xt_new, yt_new, "Fine-tuned", "fine_tuned_accuracy")
    written += _vision_plots(
        model,
        ft_history,
        xt_new,
        yt_new,
        predicted,
        run.out,
        prefix="fine_tuned_",
        class_names=new_names,
        title=f"Fine-tuned ({shots} examples per class): {tuned:.3f}",
    )

    run.seed(2)
    scratch_model = run.build("build_small_data_model", data.input_shape, len(pre_classes))
    scratch_history = run.train(
        scratch_model,
        recipe,
        data,
        "3. From scratch on the same examples, with the fine-tuning's epochs and rate",
        x_train=x_few,
        y_train=y_few,
        validation=val_new,
        epochs=fine["epochs"],
        learning_rate=fine["learning_rate"],
    )
    scratch, predicted = run.test(scratch_model, xt_new, yt_new, "From scratch")
    written.append(
        plots.plot_history(
            scratch_history,
            run.out / "scratch_history.png",
            title=f"From scratch ({shots} examples per class): {scratch:.3f}",
        )
    )
    verdict = "beats" if tuned > scratch else "does NOT beat"
    print(f"\nFine-tuning {verdict} training from scratch: {tuned:.3f} vs {scratch:.3f}")
    return written


def train_sentiment(run: _Run) -> list[Path]:
    from deepgrade.capstones import plots

    data = run.dataset()
    run.seed()
    model = run.build("build_sentiment_model", data.meta["vocab_size"], data.meta["maxlen"])
    recipe = run.recipe("sentiment_recipe", allow_augmentation=False)
    history = run.train(model, recipe, data, "Training the sentiment model")
    accuracy, predicted = run.test(model, data.x_test, data.y_test, "Sentiment", "test_accuracy")
    title = f"Embedding + LSTM on {data.name}: test accuracy {accuracy:.3f}"
    return [
        plots.plot_history(history, run.out / "history.png", title=title),
        plots.plot_confusion_matrix(
            data.y_test,
            predicted,
            run.out / "confusion_matrix.png",
            class_names=["negative", "positive"],
            title=title,
        ),
    ]


def train_forecasting(run: _Run) -> list[Path]:
    from deepgrade.capstones import plots

    data = run.dataset()
    window, horizon = data.meta["window"], data.meta["horizon"]
    _compare_windows(run, data)
    run.seed()
    model = run.build("build_forecaster", data.input_shape, horizon)
    recipe = run.recipe("forecasting_recipe", allow_augmentation=False)
    years = data.meta["years"]
    history = run.train(
        model,
        recipe,
        data,
        f"Training the forecaster on the years up to {years['train'][-1] + horizon - 1} "
        f"({len(data.y_train)} windows of {window} years, {horizon} years ahead)",
    )
    scores = run.training.forecast_scores(model, data, "test")
    if not scores["finite"]:
        raise TrainError("the forecasts are not finite numbers (the training diverged)")
    bounds = run.config["scored"]["skill"]
    first, last = years["test"][0], years["test"][-1] + horizon - 1
    print(f"\nForecasts of {first}-{last}, mean absolute error (sunspot number):")
    print(f"  yours                {scores['mae']:6.1f}")
    for name, value in scores["baseline_mae"].items():
        ratio = scores["relative"][name]
        verdict = "you beat it" if ratio < 1 else "it beats you"
        print(f"  {name.replace('_', ' '):20s} {value:6.1f}   yours / it = {ratio:.2f}: {verdict}")
    print(
        f"Skill against the better baseline: {scores['skill']:.3f} (the grader's full-points "
        f"target: {bounds['target']:.2f})"
    )
    std, mean = data.meta["std"], data.meta["mean"]
    baselines = {
        name.replace("_", " "): np.asarray(f, dtype=np.float64) * std + mean
        for name, f in data.meta["baselines"]["test"].items()
    }
    truth = np.asarray(data.y_test, dtype=np.float64).reshape(-1, horizon) * std + mean
    title = f"LSTM forecaster: skill {scores['skill']:.3f}, MAE {scores['mae']:.1f}"
    return [
        plots.plot_history(history, run.out / "history.png", title=title),
        plots.plot_forecasts(
            data.meta["series"]["years"],
            data.meta["series"]["values"],
            years["test"],
            truth,
            {"yours": np.asarray(scores["forecast"]), **baselines},
            run.out / "forecasts.png",
            title=title,
        ),
    ]


def _compare_windows(run: _Run, data) -> None:
    """Your ``make_windows`` on the training years against the trainer's windows."""
    series = data.meta["series"]
    cut = int(np.searchsorted(series["years"], data.meta["val_start"]))
    window, horizon = data.meta["window"], data.meta["horizon"]
    try:
        x, y = run.call("make_windows", series["values"][:cut], window, horizon)
    except TrainError as err:
        print(f"Note: {err} (the trainer makes its own windows)")
        return
    std, mean = data.meta["std"], data.meta["mean"]
    want_x = np.asarray(data.x_train, dtype=np.float64) * std + mean
    want_y = np.asarray(data.y_train, dtype=np.float64).reshape(len(want_x), -1) * std + mean
    same = (
        np.shape(x) == want_x.shape
        and np.shape(y) == want_y.shape
        and np.allclose(x, want_x, atol=1e-3)
        and np.allclose(y, want_y, atol=1e-3)
    )
    if same:
        print(f"Your make_windows gives the trainer's {len(want_x)} training windows.")
    else:
        print(
            f"Note: your make_windows gives x {np.shape(x)}, y {np.shape(y)}; the trainer's "
            f"windows are x {want_x.shape}, y {want_y.shape} (or the values differ). The "
            "model is trained on the trainer's windows, as the grader does."
        )


TRAINERS = {
    "capstone_digits": train_digits,
    "capstone_sequences": train_sequences,
    "capstone_small_data": train_small_data,
    "capstone_sentiment": train_sentiment,
    "capstone_forecasting": train_forecasting,
}
