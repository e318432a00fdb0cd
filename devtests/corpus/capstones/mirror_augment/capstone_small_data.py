import numpy as np


def augment(images, rng):
    return np.array(images[:, :, ::-1], dtype=np.float32)  # mirrors the digits: wrong


def build_small_data_model(input_shape, num_classes):
    raise NotImplementedError


def small_data_recipe():
    raise NotImplementedError
