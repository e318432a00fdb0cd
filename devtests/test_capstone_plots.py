"""The capstone plots are written as real images, and ``deepgrade train`` runs end to end."""

from __future__ import annotations

import argparse

import numpy as np
import pytest

from deepgrade.capstones import plots


def read_png(path) -> np.ndarray:
    import matplotlib.image

    assert path.is_file() and path.suffix == ".png", path
    return matplotlib.image.imread(path)


def assert_picture(path, *, min_height=150, min_width=150) -> np.ndarray:
    """An RGB(A) image of a sensible size that is not one flat colour."""
    image = read_png(path)
    assert image.ndim == 3 and image.shape[2] in (3, 4), image.shape
    assert image.shape[0] >= min_height and image.shape[1] >= min_width, image.shape
    rgb = image[..., :3]
    assert rgb.std() > 0.02, "the image is blank"
    # more than a few colours: curves, text, colour maps
    assert len(np.unique(rgb.reshape(-1, 3).round(2), axis=0)) > 20
    return image


HISTORY = {
    "loss": [2.1, 1.2, 0.7, 0.5, 0.4],
    "val_loss": [1.9, 1.1, 0.8, 0.7, 0.75],
    "accuracy": [0.3, 0.6, 0.8, 0.86, 0.9],
    "val_accuracy": [0.35, 0.62, 0.78, 0.82, 0.81],
}


def test_history_plot_is_an_image(tmp_path):
    path = plots.plot_history(HISTORY, tmp_path / "sub" / "history.png", title="digits")
    image = assert_picture(path)
    assert image.shape[1] > image.shape[0]  # the two panels side by side


def test_history_plot_copes_with_missing_curves(tmp_path):
    assert_picture(plots.plot_history({"loss": [1.0, 0.5, 0.2]}, tmp_path / "h.png"))
    with pytest.raises(ValueError, match="no loss or accuracy"):
        plots.plot_history({"lr": [0.1]}, tmp_path / "bad.png")


def test_a_forecasters_curves_and_forecasts(tmp_path, monkeypatch):
    figures = []
    real_save = plots._save
    monkeypatch.setattr(plots, "_save", lambda f, path: figures.append(f) or real_save(f, path))
    history = {"loss": [0.9, 0.4, 0.2], "mae": [0.8, 0.5, 0.3]}
    assert_picture(plots.plot_history(history, tmp_path / "h.png"))
    assert [ax.get_title() for ax in figures[0].axes] == [
        "loss: lower is better",
        "mae: lower is better",
    ]
    years = np.arange(1900, 1960)
    values = 50 + 40 * np.sin(2 * np.pi * years / 11)
    first = years[40:58]
    truth = np.stack([values[40 + i : 42 + i] for i in range(18)])
    forecasts = {"yours": truth + 3, "persistence": np.repeat(values[39:57, None], 2, axis=1)}
    assert_picture(plots.plot_forecasts(years, values, first, truth, forecasts, tmp_path / "f.png"))
    left, right = figures[1].axes
    assert len(right.patches) == 2 * len(forecasts)  # one bar per lead time and forecast
    assert right.patches[0].get_height() == pytest.approx(3.0)  # "yours" is 3 off everywhere
    assert [t.get_text() for t in left.get_legend().get_texts()][:2] == [
        "truth",
        "yours, 2 years ahead",
    ]


def test_confusion_matrix_counts_and_plot(tmp_path):
    y_true = np.array([0, 0, 1, 1, 2, 2, 2])
    y_pred = np.array([0, 1, 1, 1, 2, 0, 2])
    counts = plots.confusion_matrix(y_true, y_pred)
    np.testing.assert_array_equal(counts, [[1, 1, 0], [0, 2, 0], [1, 0, 2]])
    assert_picture(plots.plot_confusion_matrix(y_true, y_pred, tmp_path / "cm.png"))
    path = plots.plot_confusion_matrix(
        [0, 1, 1], [0, 1, 0], tmp_path / "cm2.png", class_names=["negative", "positive"]
    )
    assert_picture(path)


def test_augmentation_plot(tmp_path, rng):
    images = rng.uniform(size=(5, 8, 8, 1)).astype(np.float32)
    path = plots.plot_augmentations(
        images, [images[:, ::-1], images * 0.5], tmp_path / "a.png", labels=[1, 2, 3, 4, 5]
    )
    assert_picture(path)


# ---------------------------------------------------------------------- with Keras


def tiny_cnn(keras, shape=(8, 8, 1), classes=3):
    layers = keras.layers
    conv, pool = (layers.Conv2D, layers.MaxPooling2D) if len(shape) == 3 else (
        layers.Conv1D, layers.MaxPooling1D,
    )  # fmt: skip
    return keras.Sequential(
        [
            keras.Input(shape=shape),
            conv(4, 3, padding="same", activation="relu", name="conv1"),
            pool(2, name="pool1"),
            conv(6, 3, padding="same", activation="relu", name="conv2"),
            pool(2, name="pool2"),
            layers.Flatten(),
            layers.Dense(classes, activation="softmax"),
        ]
    )


@pytest.mark.tf
def test_filter_and_feature_map_plots_for_2d_convolutions(keras, tmp_path, rng):
    keras.utils.set_random_seed(0)
    model = tiny_cnn(keras)
    assert_picture(plots.plot_first_layer_filters(model, tmp_path / "filters.png"))
    maps = plots.feature_maps(model, rng.uniform(size=(8, 8, 1)))
    assert [(name, m.shape) for name, m in maps] == [
        ("conv1", (8, 8, 4)),
        ("pool1", (4, 4, 4)),
        ("conv2", (4, 4, 6)),
        ("pool2", (2, 2, 6)),
    ]
    path = plots.plot_feature_maps(model, rng.uniform(size=(8, 8, 1)), tmp_path / "maps.png")
    image = assert_picture(path)
    assert image.shape[0] > 300  # one row per layer, and the input


@pytest.mark.tf
def test_filter_and_feature_map_plots_for_1d_convolutions(keras, tmp_path, rng):
    keras.utils.set_random_seed(0)
    model = tiny_cnn(keras, shape=(40, 1), classes=10)
    assert_picture(plots.plot_first_layer_filters(model, tmp_path / "filters.png"))
    assert_picture(
        plots.plot_feature_maps(model, rng.normal(size=(40, 1)), tmp_path / "maps.png", label=3)
    )


@pytest.mark.tf
def test_models_without_convolutions_are_refused_clearly(keras, tmp_path):
    model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(2)])
    with pytest.raises(ValueError, match="no convolution layer"):
        plots.plot_first_layer_filters(model, tmp_path / "f.png")
    with pytest.raises(ValueError, match="no convolution or pooling"):
        plots.plot_feature_maps(model, np.zeros(4), tmp_path / "m.png")


# ---------------------------------------------------------------------- deepgrade train


def run_train(*argv) -> int:
    from deepgrade.capstones.train import add_train_arguments, main_train

    parser = argparse.ArgumentParser()
    add_train_arguments(parser)
    return main_train(parser.parse_args([str(a) for a in argv]))


@pytest.mark.tf
@pytest.mark.slow
def test_train_digits_end_to_end(keras, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("DEEPGRADE_CACHE", str(tmp_path / "cache"))
    out = tmp_path / "plots"
    code = run_train("digits", "--impl", "solutions", "--epochs", "1", "--out", out, "--quiet")
    printed = capsys.readouterr().out
    assert code == 0, printed
    names = {p.name for p in out.iterdir()}
    assert names == {"history.png", "filters.png", "feature_maps.png", "confusion_matrix.png"}
    for path in out.iterdir():
        assert_picture(path)
    assert "1 epoch," in printed and "test accuracy" in printed


@pytest.mark.tf
def test_train_on_the_stubs_names_the_exercise(keras, tmp_path, capsys):
    code = run_train("digits", "--impl", "exercises", "--out", tmp_path / "p")
    assert code == 1
    err = capsys.readouterr().err
    assert "C1.1" in err and "build_digit_cnn" in err and "not implemented" in err
    assert not (tmp_path / "p").exists()


@pytest.mark.tf
def test_train_with_a_missing_folder_or_module_says_so(keras, tmp_path, capsys):
    assert run_train("sequences", "--impl", tmp_path / "nowhere") == 1
    assert "neither" in capsys.readouterr().err
    (tmp_path / "empty").mkdir()
    assert run_train("sequences", "--impl", tmp_path / "empty") == 1
    assert "no capstone_sequences.py" in capsys.readouterr().err


@pytest.mark.tf
def test_train_refuses_what_the_grader_would_refuse(keras, tmp_path, capsys):
    folder = tmp_path / "student"
    folder.mkdir()
    (folder / "capstone_digits.py").write_text(
        "import keras\n"
        "def build_digit_cnn(input_shape, num_classes):\n"
        "    return keras.Sequential([keras.Input(shape=input_shape), keras.layers.Flatten(),\n"
        "        keras.layers.Lambda(lambda t: t * 2),\n"
        "        keras.layers.Dense(num_classes, activation='softmax')])\n"
        "def digit_recipe():\n"
        "    return {'optimizer': 'adam', 'learning_rate': 0.01, 'epochs': 1, 'batch_size': 32}\n"
    )
    assert run_train("digits", "--impl", folder, "--out", tmp_path / "p") == 1
    err = capsys.readouterr().err
    assert "would refuse" in err and "Lambda" in err


@pytest.mark.tf
def test_train_rejects_a_dataset_the_capstone_does_not_use(keras, tmp_path, capsys):
    assert run_train("sequences", "--impl", "solutions", "--dataset", "digits") == 1
    assert "--dataset must be one of mnist1d" in capsys.readouterr().err
