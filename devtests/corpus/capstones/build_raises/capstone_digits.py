def build_digit_cnn(input_shape, num_classes):
    raise RuntimeError("not finished yet")


def digit_recipe():
    return {"optimizer": "adam", "learning_rate": 0.005, "epochs": 15, "batch_size": 32}
