import keras
from keras import layers


def build_digit_cnn(input_shape, num_classes):
    return keras.Sequential(
        [
            keras.Input(shape=tuple(input_shape)),
            layers.Conv2D(8, 3, padding="same", activation="relu", name="conv1"),
            layers.MaxPooling2D(2, name="pool1"),
            layers.Flatten(name="flatten"),
            layers.Dense(32, activation="relu", name="dense"),
            layers.Dense(num_classes, activation="softmax", name="probabilities"),
        ]
    )


def digit_recipe():
    return {"optimizer": "adam", "learning_rate": 50.0, "epochs": 10000, "batch_size": 32}
