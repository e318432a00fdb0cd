"""The clean training job: rebuild models from JSON, train, evaluate, write metrics.

Run by the grader (``jobs.py``) as a fresh process that holds no student code::

    python -I -c "<put the project root on sys.path>; autograder.capstones.job.main()" SPEC

(``python -I -m autograder.capstones.job SPEC`` where deepgrade is installed.) ``SPEC``
is a JSON file written by the grader::

    {"capstone": "capstone_digits", "dataset": "digits", "cache_dir": null, "seed": 0,
     "epochs_cap": null, "max_params": 500000, "output": "/tmp/.../metrics.json",
     "dataset_options": {},
     "runs": [{"name": "model", "kind": "classify", "model": "<model.to_json()>",
               "recipe": {...}}]}

``kind`` is ``"classify"`` (train on the train split, validation split for the curves,
accuracy on the test split), ``"forecast"`` (the same for a windowed series, scored by
mean absolute error against the naive forecasts on the held-out tail) or
``"fine_tune"`` (pretrain on ``pretrain_classes``, fine-tune a new head on ``shots``
examples per class of the other classes with the recipe's ``fine_tune`` entry, and train
the same architecture from scratch on the same examples, for comparison; repeated on
``draws`` few-shot draws, one pretraining).
Each model is validated again here (the same whitelist as
the grader) and rebuilt with Keras's safe-mode deserializer: no Lambda, no custom
objects, no ``module`` outside Keras is ever imported. The only code that runs is
this package's, Keras's and the data loaders'.

The metrics file (written atomically) is ``{"ok": bool, "error": str | null, "runs":
{name: {...}}, "environment": {...}}``; a run that fails has ``{"error": "..."}``.
The grader reads nothing else from this process (its stdout/stderr, where TensorFlow
writes its chatter, go to a log file that is not part of any report).
"""

from __future__ import annotations

import gc
import json
import os
import sys
import time
import traceback
from pathlib import Path

from deepgrade.capstones import training
from deepgrade.capstones.validate import ValidationError, validate_model_json

ERROR_CHARS = 600


class JobError(Exception):
    """A run cannot be graded (wrong input shape, too many parameters...): message shown."""


def rebuild(text: str, *, input_shape: tuple, max_params: int | None):
    """The model described by ``text`` (validated, safe-mode deserialized, built)."""
    keras = training._keras()
    config = validate_model_json(text)
    model = keras.saving.deserialize_keras_object(config, safe_mode=True)
    if not isinstance(model, keras.Model):
        raise JobError(f"the JSON describes a {type(model).__name__}, not a keras Model")
    if not model.built:
        try:
            model.build((None, *input_shape))
        except Exception as err:
            raise JobError(f"the model cannot be built for inputs {input_shape}: {err}") from None
    got = tuple(model.inputs[0].shape[1:]) if model.inputs else None
    if len(model.inputs) != 1 or len(model.outputs) != 1:
        raise JobError("the model must have exactly one input and one output")
    if got != tuple(input_shape):
        raise JobError(
            f"the model expects inputs of shape {got}, the data's examples have shape "
            f"{tuple(input_shape)}"
        )
    params = int(model.count_params())
    if max_params is not None and params > max_params:
        raise JobError(
            f"the model has {params:,} parameters; the limit for this capstone is {max_params:,}"
        )
    return model


def _check_output(model, num_classes: int) -> None:
    units = model.outputs[0].shape[-1]
    wanted = 1 if num_classes == 2 and units == 1 else num_classes
    if units != wanted or len(model.outputs[0].shape) != 2:
        raise JobError(
            f"the model's output has shape {tuple(model.outputs[0].shape)[1:]}; "
            f"{num_classes} classes need ({wanted},)"
        )


def run_classify(run: dict, data, spec: dict) -> dict:
    started = time.monotonic()
    model = rebuild(run["model"], input_shape=data.input_shape, max_params=spec.get("max_params"))
    _check_output(model, data.num_classes)
    seed = int(spec["seed"])
    history = training.train(
        model, run["recipe"], data, seed=seed, epochs_cap=spec.get("epochs_cap")
    )
    test = training.evaluate(model, data.x_test, data.y_test)
    val = training.evaluate(model, data.x_val, data.y_val)
    return {
        "test_accuracy": test["accuracy"],
        "val_accuracy": val["accuracy"],
        "finite": test["finite"],
        "params": int(model.count_params()),
        "epochs": len(history.get("loss", [])),
        "history": history,
        "seconds": round(time.monotonic() - started, 3),
    }


def run_fine_tune(run: dict, data, spec: dict) -> dict:
    """Pretrain on some classes once, then for each of ``draws`` few-shot draws of the
    other classes fine-tune the pretrained model (a new head) and train the same
    architecture from scratch on the same examples; accuracies on the others' test rows,
    per draw and averaged over the draws."""
    started = time.monotonic()
    seed = int(spec["seed"])
    recipe = run["recipe"]
    fine = recipe["fine_tune"]
    pre_classes = list(run.get("pretrain_classes", range(5)))
    new_classes = [c for c in range(data.num_classes) if c not in pre_classes]
    if len(new_classes) != len(pre_classes):
        raise JobError("pretraining and fine-tuning need the same number of classes")
    shots = int(run.get("shots", 10))
    draws = int(run.get("draws", 1))
    if not 1 <= draws <= 10:
        raise JobError(f"draws must be 1..10, got {draws}")
    cap = spec.get("epochs_cap")
    params = spec.get("max_params")

    x_pre, y_pre = training.class_subset(data.x_train, data.y_train, pre_classes)
    xv_pre, yv_pre = training.class_subset(data.x_val, data.y_val, pre_classes)
    x_new, y_new = training.class_subset(data.x_train, data.y_train, new_classes)
    xv_new, yv_new = training.class_subset(data.x_val, data.y_val, new_classes)
    xt_new, yt_new = training.class_subset(data.x_test, data.y_test, new_classes)

    model = rebuild(run["model"], input_shape=data.input_shape, max_params=params)
    _check_output(model, len(pre_classes))
    pre_history = training.train(
        model,
        recipe,
        data,
        seed=seed,
        epochs_cap=cap,
        x_train=x_pre,
        y_train=y_pre,
        validation=(xv_pre, yv_pre),
    )
    pre_test = training.evaluate(
        model, *training.class_subset(data.x_test, data.y_test, pre_classes)
    )
    pretrained = model.get_weights()
    missing = training.freeze_layers(model, fine["freeze"])
    if missing:
        raise JobError(f"fine_tune freezes layers the model does not have: {missing}")
    ft_epochs = int(fine["epochs"])
    tuned_acc, scratch_acc, finite = [], [], True
    ft_history = scratch_history = {}
    for draw in range(draws):
        # draw 0 uses the job's seed itself; each draw has its own examples and seeds,
        # shared by the fine-tuned and the from-scratch model
        draw_seed = seed + 1000 * draw
        x_few, y_few = training.few_shot_split(x_new, y_new, shots, draw_seed)
        if draw:
            # a fresh Keras session per draw: the previous draw's models and compiled
            # functions would otherwise stay in memory (about 20 MB a draw)
            del model
            training._keras().backend.clear_session()
            gc.collect()
            model = rebuild(run["model"], input_shape=data.input_shape, max_params=params)
            model.set_weights(pretrained)
            training.freeze_layers(model, fine["freeze"])
        head = training.reset_head(model, draw_seed + 1)
        if head in fine["freeze"]:
            raise JobError(f"fine_tune freezes the head {head!r}, which must be trained")
        ft_history = training.train(
            model,
            recipe,
            data,
            seed=draw_seed + 1,
            epochs_cap=cap,
            epochs=ft_epochs,
            learning_rate=fine["learning_rate"],
            x_train=x_few,
            y_train=y_few,
            validation=(xv_new, yv_new),
        )
        fine_tuned = training.evaluate(model, xt_new, yt_new)
        finite = finite and fine_tuned["finite"]
        tuned_acc.append(fine_tuned["accuracy"])

        # the baseline: the same architecture from a fresh start (nothing frozen), trained
        # on the same few examples with the fine-tuning's optimizer, learning rate, epochs
        # and augmentation: the only difference is the pretrained starting point
        scratch_model = rebuild(run["model"], input_shape=data.input_shape, max_params=params)
        scratch_history = training.train(
            scratch_model, recipe, data, seed=draw_seed + 2, epochs_cap=cap, epochs=ft_epochs,
            learning_rate=fine["learning_rate"], x_train=x_few, y_train=y_few,
            validation=(xv_new, yv_new),
        )  # fmt: skip
        scratch_acc.append(training.evaluate(scratch_model, xt_new, yt_new)["accuracy"])
        params_count = int(model.count_params())
        del scratch_model
    return {
        "fine_tuned_accuracy": sum(tuned_acc) / draws,
        "scratch_accuracy": sum(scratch_acc) / draws,
        "fine_tuned_per_draw": tuned_acc,
        "scratch_per_draw": scratch_acc,
        "pretrain_accuracy": pre_test["accuracy"],
        "finite": finite,
        "head": head,
        "shots": shots,
        "draws": draws,
        "pretrain_classes": pre_classes,
        "params": params_count,
        # the curves of the last draw
        "history": {"pretrain": pre_history, "fine_tune": ft_history, "scratch": scratch_history},
        "seconds": round(time.monotonic() - started, 3),
    }


def run_forecast(run: dict, data, spec: dict) -> dict:
    """Train a forecaster on the training years of a windowed series (the validation years
    for the curves only) and score its forecasts of the held-out tail against the naive
    forecasts. The test windows are used only after training, to score."""
    started = time.monotonic()
    model = rebuild(run["model"], input_shape=data.input_shape, max_params=spec.get("max_params"))
    horizon = int(data.meta["horizon"])
    if tuple(model.outputs[0].shape[1:]) != (horizon,):
        raise JobError(
            f"the model's output has shape {tuple(model.outputs[0].shape)[1:]}; a forecast of "
            f"{horizon} years needs ({horizon},)"
        )
    history = training.train(
        model, run["recipe"], data, seed=int(spec["seed"]), epochs_cap=spec.get("epochs_cap")
    )
    test = training.forecast_scores(model, data, "test")
    return {
        **test,
        "params": int(model.count_params()),
        "epochs": len(history.get("loss", [])),
        "history": history,
        "test_years": [int(y) for y in data.meta["years"]["test"]],
        "seconds": round(time.monotonic() - started, 3),
    }


RUNNERS = {"classify": run_classify, "fine_tune": run_fine_tune, "forecast": run_forecast}


def _message(err: BaseException) -> str:
    text = (
        str(err) if isinstance(err, (JobError, ValidationError)) else f"{type(err).__name__}: {err}"
    )
    text = " ".join(text.split())
    return text if len(text) <= ERROR_CHARS else text[:ERROR_CHARS] + " ..."


# Packages that Keras and TensorFlow import at their own import when installed, for
# features a training job never uses (DataFrame inputs, scikit-learn wrappers, plots,
# image files, HDF5 saving): about 130 MB of resident memory. Keras is imported without
# them (it checks for each and goes on without it); they stay importable afterwards.
OPTIONAL_IMPORTS = ("pandas", "matplotlib", "sklearn", "h5py", "PIL")


def import_keras_without_extras() -> None:
    """Import Keras (and TensorFlow) while the :data:`OPTIONAL_IMPORTS` that are not
    imported yet cannot be (``sys.modules[name] = None``), then make them importable."""
    left_out = [name for name in OPTIONAL_IMPORTS if name not in sys.modules]
    for name in left_out:
        sys.modules[name] = None
    try:
        training._keras()
    finally:
        for name in left_out:
            if sys.modules.get(name, False) is None:
                del sys.modules[name]


def execute(spec: dict) -> dict:
    """Run every run of ``spec`` in this process; the metrics dict."""
    result: dict = {"ok": False, "error": None, "runs": {}, "environment": _environment()}
    training.quiet_tensorflow()
    import_keras_without_extras()
    training.configure(int(spec["seed"]), threads=int(spec.get("threads", 1)))
    from datasets import load

    data = load(spec["dataset"], cache_dir=spec.get("cache_dir"), **spec.get("dataset_options", {}))
    result["dataset"] = {"name": data.name, "sizes": data.sizes, "notes": data.notes}
    for run in spec["runs"]:
        try:
            training.configure(int(spec["seed"]))  # each run starts from the same seeds
            result["runs"][run["name"]] = RUNNERS[run.get("kind", "classify")](run, data, spec)
        except (JobError, ValidationError) as err:
            result["runs"][run["name"]] = {"error": _message(err)}
        except Exception as err:  # Keras refused the model, a shape mismatch in fit...
            traceback.print_exc()  # to the log, for the instructor
            result["runs"][run["name"]] = {"error": _message(err)}
    result["ok"] = True
    return result


def _environment() -> dict:
    return {
        "pid": os.getpid(),
        "sys_path": list(sys.path),
        "cwd": os.getcwd(),
        "python": sys.version.split()[0],
    }


def _write(path: str, data: dict) -> None:
    tmp = f"{path}.tmp"
    with open(tmp, "w") as f:
        json.dump(data, f)
    os.replace(tmp, path)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        print("usage: python -I -m autograder.capstones.job SPEC.json", file=sys.stderr)
        return 2
    spec = json.loads(Path(argv[0]).read_text())
    try:
        result = execute(spec)
    except BaseException as err:  # the data could not be loaded, TF failed to start...
        traceback.print_exc()
        result = {"ok": False, "error": _message(err), "runs": {}, "environment": _environment()}
    keras = sys.modules.get("keras")
    result["environment"]["keras"] = getattr(keras, "__version__", None)
    _write(spec["output"], result)
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
