import keras
from keras import layers


def build_digit_cnn(input_shape, num_classes):
    return keras.Sequential(
        [
            keras.Input(shape=tuple(input_shape)),
            layers.Lambda(lambda x: x * 2.0, name="double_it"),
            layers.Flatten(),
            layers.Dense(num_classes, activation="softmax"),
        ]
    )


def digit_recipe():
    return {"optimizer": "adam", "learning_rate": 0.005, "epochs": 15, "batch_size": 32}
