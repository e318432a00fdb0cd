import keras
from keras import layers


def build_digit_cnn(input_shape, num_classes):
    # one 1x1 filter, pooled to a single number: a 1-unit bottleneck before the softmax
    return keras.Sequential(
        [
            keras.Input(shape=tuple(input_shape)),
            layers.Conv2D(1, 1, name="one_filter"),
            layers.GlobalAveragePooling2D(name="squash"),
            layers.Dense(num_classes, activation="softmax", name="probabilities"),
        ]
    )


def digit_recipe():
    return {"optimizer": "adam", "learning_rate": 0.005, "epochs": 15, "batch_size": 32}
