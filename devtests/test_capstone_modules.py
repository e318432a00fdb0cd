"""The capstone modules: reference models of the right shapes that train, valid recipes,
a numpy-only deterministic ``augment``, and stubs that name their exercise.

Everything here imports Keras (the capstone modules do, at the top), so it is all marked
``tf``; the training tests are also ``slow`` and use tiny budgets.
"""

from __future__ import annotations

import importlib
import re

import numpy as np
import pytest

from deepgrade.capstones.validate import layer_names, validate_model_json, validate_recipe
from deepgrade.catalog import CAPSTONE_TOPICS, in_module

pytestmark = pytest.mark.tf

BUILDS = [
    # module, function, arguments, input shape of one example, output shape of one example
    ("capstone_digits", "build_digit_cnn", ((8, 8, 1), 10), (8, 8, 1), (10,)),
    ("capstone_digits", "build_digit_cnn", ((28, 28, 1), 10), (28, 28, 1), (10,)),
    ("capstone_sequences", "build_sequence_cnn", ((40, 1), 10), (40, 1), (10,)),
    ("capstone_sequences", "build_sequence_lstm", ((40, 1), 10), (40, 1), (10,)),
    ("capstone_small_data", "build_small_data_model", ((40, 1), 5), (40, 1), (5,)),
    ("capstone_sentiment", "build_sentiment_model", (1000, 50), (50,), (1,)),
    ("capstone_forecasting", "build_forecaster", ((20, 1), 3), (20, 1), (3,)),
]
FORECASTS = {"build_forecaster"}  # regression outputs: any real number
RECIPES = [
    ("capstone_digits", "digit_recipe", {}),
    ("capstone_small_data", "small_data_recipe", {"require_fine_tune": True}),
    ("capstone_sentiment", "sentiment_recipe", {"allow_augmentation": False}),
    ("capstone_forecasting", "forecasting_recipe", {"allow_augmentation": False}),
]


def reference(module: str, keras):
    return importlib.import_module(f"solutions.{module}")


def digits():
    from datasets import load

    return load("digits")


# ---------------------------------------------------------------------- shapes


@pytest.mark.parametrize(("module", "function", "args", "x_shape", "y_shape"), BUILDS)
def test_reference_models_have_the_right_shapes(keras, module, function, args, x_shape, y_shape):
    model = getattr(reference(module, keras), function)(*args)
    assert isinstance(model, keras.Model)
    assert tuple(model.inputs[0].shape[1:]) == x_shape
    assert tuple(model.outputs[0].shape[1:]) == y_shape
    x = np.zeros((3, *x_shape), dtype="int32" if len(x_shape) == 1 else "float32")
    probabilities = np.asarray(model.predict(x, verbose=0))
    assert probabilities.shape == (3, *y_shape)
    if function in FORECASTS:
        assert model.layers[-1].get_config()["activation"] == "linear"
    else:
        assert np.all((probabilities >= 0) & (probabilities <= 1))
    if y_shape != (1,) and function not in FORECASTS:  # softmax: one distribution per example
        np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)
    # the grader receives the model as JSON and accepts only standard layers
    validate_model_json(model.to_json(), what=function)


def test_reference_models_are_small(keras):
    sizes = {
        function: getattr(reference(module, keras), function)(*args).count_params()
        for module, function, args, _, _ in BUILDS
        if args[0] != (28, 28, 1)
    }
    assert sizes["build_digit_cnn"] < 10_000  # "a few thousand parameters"
    assert sizes["build_sequence_cnn"] < 20_000 and sizes["build_sequence_lstm"] < 20_000
    assert sizes["build_small_data_model"] < 50_000
    assert sizes["build_sentiment_model"] < 1000 * 32 + 20_000  # mostly the embedding
    assert sizes["build_forecaster"] < 10_000  # about 200 training windows


def test_digit_cnn_has_named_conv_and_pool_blocks(keras):
    model = reference("capstone_digits", keras).build_digit_cnn((8, 8, 1), 10)
    kinds = [type(layer).__name__ for layer in model.layers]
    assert kinds[:4] == ["Conv2D", "MaxPooling2D", "Conv2D", "MaxPooling2D"]
    assert kinds[-1] == "Dense" and model.layers[-1].get_config()["activation"] == "softmax"
    assert [layer.name for layer in model.layers][:2] == ["conv1", "pool1"]


@pytest.mark.parametrize(("module", "function", "rules"), RECIPES)
def test_reference_recipes_are_valid(keras, module, function, rules):
    recipe = getattr(reference(module, keras), function)()
    layers = None
    if module == "capstone_small_data":
        model = reference(module, keras).build_small_data_model((40, 1), 5)
        layers = layer_names(validate_model_json(model.to_json()))
    clean = validate_recipe(recipe, what=function, layers=layers, **rules)
    assert clean["epochs"] >= 1
    if module == "capstone_small_data":
        assert set(recipe["fine_tune"]["freeze"]) <= set(layers)
        assert recipe["fine_tune"]["learning_rate"] <= recipe["learning_rate"]
        # the fine-tuning runs on 1-D MNIST-1D signals: image augmentation does not apply
        assert "augmentation" not in recipe
        assert recipe["fine_tune"]["freeze"] == []  # frozen convolutions lose to scratch


def test_sequence_findings_name_the_cnn_with_a_reason(keras):
    findings = reference("capstone_sequences", keras).sequence_findings()
    assert set(findings) == {"winner", "reason"}
    assert findings["winner"] == "cnn"  # measured: about 0.93 against 0.7
    assert isinstance(findings["reason"], str) and len(findings["reason"].split()) >= 10
    assert "global" in findings["reason"] or "local" in findings["reason"]


def test_sequence_recipe_matches_the_graders(keras):
    from deepgrade.capstones import settings

    configured = settings.load()["capstone_sequences"]["recipe"]
    assert reference("capstone_sequences", keras).RECIPE == configured


# ---------------------------------------------------------------------- augment


@pytest.fixture(scope="module")
def augment(keras):
    return reference("capstone_small_data", keras).augment


def test_augment_keeps_shape_dtype_and_input(augment):
    images = digits().x_train[:40]
    before = images.copy()
    out = augment(images, np.random.default_rng(0))
    assert out.shape == images.shape and out.dtype == images.dtype
    np.testing.assert_array_equal(images, before)  # the input is not modified
    assert np.isfinite(out).all() and out.min() >= 0 and out.max() <= 1.0 + 1e-6
    flat = augment(images[..., 0], np.random.default_rng(0))  # (N, H, W) too
    assert flat.shape == images.shape[:3]
    np.testing.assert_allclose(flat, out[..., 0], atol=1e-6)


def test_augment_is_deterministic_given_the_generator(augment):
    images = digits().x_train[:40]
    first = augment(images, np.random.default_rng(7))
    np.testing.assert_array_equal(first, augment(images, np.random.default_rng(7)))
    other = augment(images, np.random.default_rng(8))
    changed = np.abs(first - other).reshape(len(images), -1).max(axis=1) > 1e-3
    assert changed.mean() > 0.8
    moved = np.abs(first - images).reshape(len(images), -1).max(axis=1) > 1e-3
    assert moved.mean() > 0.8  # almost every image is perturbed


def test_augment_uses_only_the_given_generator(augment):
    images = digits().x_train[:10]
    np.random.seed(0)
    first = augment(images, np.random.default_rng(3))
    np.random.seed(1)
    np.testing.assert_array_equal(first, augment(images, np.random.default_rng(3)))


def test_augmented_digits_keep_their_labels_and_are_not_mirrored(augment):
    from sklearn.neighbors import KNeighborsClassifier

    from deepgrade.capstones.training import augment_images

    data = digits()
    # a judge that knows digits in every small shift and rotation (the trainer's own
    # augmentation, up to 2 pixels and 20 degrees), as the grader's check does
    rng = np.random.default_rng(99)
    known = [data.x_train] + [augment_images(data.x_train, rng, shift=2, rotate=20) for _ in "1234"]
    judge = KNeighborsClassifier(1).fit(
        np.concatenate(known).reshape(-1, 64), np.tile(data.y_train, len(known))
    )
    images, labels = data.x_test, data.y_test
    plain = judge.score(images.reshape(len(images), -1), labels)
    mirrored = judge.score(images[:, :, ::-1].reshape(len(images), -1), labels)
    assert mirrored < 0.6 * plain  # the judge does notice a label-changing perturbation
    for seed in range(3):
        out = augment(images, np.random.default_rng(seed))
        kept = judge.score(out.reshape(len(out), -1), labels)
        assert kept > 0.85 * plain, (seed, kept, plain)  # the grader asks for 0.8


def test_augment_rotates_about_the_centre(augment):
    """A single bright pixel at the centre of a 9x9 image stays near the centre."""
    image = np.zeros((50, 9, 9, 1), dtype=np.float32)
    image[:, 4, 4, 0] = 1.0
    out = augment(image, np.random.default_rng(0))[..., 0]
    rows, cols = np.indices((9, 9))
    mass = out.sum(axis=(1, 2))
    assert np.all(mass > 0.5)
    centre_r = (out * rows).sum(axis=(1, 2)) / mass
    centre_c = (out * cols).sum(axis=(1, 2)) / mass
    assert np.all(np.abs(centre_r - 4) <= 1.01) and np.all(np.abs(centre_c - 4) <= 1.01)
    assert {-1, 0, 1} <= set(np.round(centre_r - 4).astype(int))  # shifts both ways


# ---------------------------------------------------------------------- training


def train_briefly(keras, model, data, *, epochs: int, batch_size: int = 32, lr: float = 0.01):
    from deepgrade.capstones import training

    recipe = {"optimizer": "adam", "learning_rate": lr, "epochs": epochs, "batch_size": batch_size}
    history = training.train(model, recipe, data, seed=0)
    accuracy = training.evaluate(model, data.x_test, data.y_test)["accuracy"]
    return history, accuracy


@pytest.mark.slow
def test_reference_digit_cnn_trains_well_above_chance(keras):
    keras.utils.set_random_seed(0)
    data = digits()
    model = reference("capstone_digits", keras).build_digit_cnn(data.input_shape, 10)
    history, accuracy = train_briefly(keras, model, data, epochs=3)
    assert history["loss"][-1] < history["loss"][0]
    assert accuracy > 0.5  # chance is 0.1; the full recipe reaches about 0.97


@pytest.mark.slow
def test_reference_sequence_models_train_above_chance_and_the_cnn_wins(keras, tmp_path):
    from datasets import load

    data = load("mnist1d", cache_dir=tmp_path)
    module = reference("capstone_sequences", keras)
    scores = {}
    for kind in ("cnn", "lstm"):
        keras.utils.set_random_seed(0)
        model = getattr(module, f"build_sequence_{kind}")(data.input_shape, 10)
        _, scores[kind] = train_briefly(keras, model, data, epochs=5, batch_size=64, lr=0.003)
    assert scores["lstm"] > 0.15, scores  # chance is 0.1
    assert scores["cnn"] > 0.6, scores
    assert scores["cnn"] > scores["lstm"] + 0.2, scores


@pytest.mark.slow
def test_reference_small_data_model_trains_above_chance(keras):
    from datasets import load
    from deepgrade.capstones import training

    data = load("mnist1d")
    x, y = training.class_subset(data.x_train, data.y_train, [5, 6, 7, 8, 9])
    xt, yt = training.class_subset(data.x_test, data.y_test, [5, 6, 7, 8, 9])
    keras.utils.set_random_seed(0)
    model = reference("capstone_small_data", keras).build_small_data_model(data.input_shape, 5)
    recipe = {**reference("capstone_small_data", keras).small_data_recipe(), "epochs": 5}
    training.train(model, recipe, data, seed=0, x_train=x, y_train=y, validation=(xt, yt))
    assert training.evaluate(model, xt, yt)["accuracy"] > 0.6  # chance is 0.2


@pytest.mark.slow
def test_reference_sentiment_model_learns_a_keyword_rule(keras):
    """No IMDB here: reviews of random words, positive when word 3 occurs more than word 4."""
    from datasets import Dataset

    rng = np.random.default_rng(0)

    def reviews(n):
        x = rng.integers(5, 200, size=(n, 30)).astype(np.int32)
        for row in x:
            good, bad = rng.integers(0, 4, size=2)
            spots = rng.choice(30, size=good + bad, replace=False)
            row[spots[:good]], row[spots[good:]] = 3, 4
        y = ((x == 3).sum(axis=1) > (x == 4).sum(axis=1)).astype(np.int64)
        return x, y

    (xa, ya), (xb, yb), (xc, yc) = reviews(2000), reviews(300), reviews(500)
    data = Dataset("keywords", xa, ya, xb, yb, xc, yc, num_classes=2)
    keras.utils.set_random_seed(0)
    model = reference("capstone_sentiment", keras).build_sentiment_model(200, 30)
    _, accuracy = train_briefly(keras, model, data, epochs=4, batch_size=32, lr=0.005)
    majority = max(yc.mean(), 1 - yc.mean())
    assert accuracy > majority + 0.1, (accuracy, majority)


# ---------------------------------------------------------------------- stubs


@pytest.mark.parametrize("module", list(CAPSTONE_TOPICS))
def test_stubs_raise_not_implemented_naming_the_exercise(keras, module):
    stub = importlib.import_module(f"exercises.{module}")
    arguments = {
        "build_digit_cnn": ((8, 8, 1), 10),
        "build_sequence_cnn": ((40, 1), 10),
        "build_sequence_lstm": ((40, 1), 10),
        "augment": (np.zeros((2, 8, 8, 1), np.float32), np.random.default_rng(0)),
        "build_small_data_model": ((40, 1), 5),
        "build_sentiment_model": (1000, 50),
        "make_windows": (np.arange(10.0), 3, 2),
        "build_forecaster": ((20, 1), 3),
    }
    for exercise in in_module(module):
        expected = re.escape(exercise.label) + ".* not implemented"
        with pytest.raises(NotImplementedError, match=expected):
            getattr(stub, exercise.name)(*arguments.get(exercise.name, ()))
