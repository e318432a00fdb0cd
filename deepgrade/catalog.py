"""The exercise catalogue: every exercise's number, function, topic module and points.

This is the one place that says which functions are exercises and what they are worth.
The public tests name their exercise with ``@pytest.mark.exercise("<function>")``, the
builder uses it to name stubs, and the docs' points table is generated from it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Exercise:
    number: str  # "1.4": topic number, then position within the topic
    name: str  # the function the student writes
    module: str  # the topic module that holds it, e.g. "convolution"
    points: int

    @property
    def label(self) -> str:
        return f"Exercise {self.number} ({self.name})"

    @property
    def not_implemented(self) -> str:
        """The message of this exercise's stub (its ``NotImplementedError``)."""
        return f"{self.label} is not implemented yet: replace this raise with your code"


# Topic modules in teaching order, with their titles.
TOPICS: dict[str, str] = {
    "convolution": "Convolution",
    "pooling": "Pooling",
    "activations": "Activations",
    "backprop": "Backpropagation",
    "recurrent": "Recurrent cells",
    "gradient_descent": "Gradient descent",
}

_TABLE: dict[str, list[tuple[str, int]]] = {
    "convolution": [
        ("conv_output_size", 2),
        ("same_padding", 2),
        ("zero_pad", 2),
        ("conv2d", 7),
        ("conv_layer", 6),
    ],
    "pooling": [("max_pool2d", 6), ("receptive_field", 3)],
    "activations": [("relu", 2), ("sigmoid", 3), ("softmax", 4)],
    "backprop": [
        ("numerical_gradient", 3),
        ("dense_forward", 2),
        ("dense_backward", 5),
        ("relu_backward", 3),
        ("softmax_cross_entropy", 5),
        ("conv_layer_backward", 7),
        ("max_pool2d_backward", 5),
        ("digit_network", 5),
    ],
    "recurrent": [("simple_rnn_cell", 3), ("simple_rnn", 2), ("lstm_cell", 6), ("lstm", 4)],
    "gradient_descent": [
        ("gradient_descent", 3),
        ("sgd_step", 2),
        ("minibatches", 3),
        ("train_digit_network", 5),
    ],
}

EXERCISES: tuple[Exercise, ...] = tuple(
    Exercise(f"{t}.{i}", name, module, points)
    for t, module in enumerate(TOPICS, start=1)
    for i, (name, points) in enumerate(_TABLE[module], start=1)
)
TOTAL_POINTS: int = sum(e.points for e in EXERCISES)

# The Keras capstones: graded apart from the numpy exercises (they need TensorFlow, and
# the trusted side trains the student's model), numbered C1, C2, ...
CAPSTONE_TOPICS: dict[str, str] = {
    "capstone_digits": "Capstone: a CNN for handwritten digits",
    "capstone_sequences": "Capstone: 1-D CNN vs LSTM on MNIST-1D",
    "capstone_small_data": "Capstone: augmentation and fine-tuning on small data",
    "capstone_sentiment": "Capstone: Embedding + LSTM for sentiment (optional)",
    "capstone_forecasting": "Capstone: forecasting sunspots with an LSTM",
}
_CAPSTONE_TABLE: dict[str, list[tuple[str, int]]] = {
    "capstone_digits": [("build_digit_cnn", 7), ("digit_recipe", 3)],
    "capstone_sequences": [
        ("build_sequence_cnn", 4),
        ("build_sequence_lstm", 4),
        ("sequence_findings", 2),
    ],
    "capstone_small_data": [
        ("augment", 3),
        ("build_small_data_model", 4),
        ("small_data_recipe", 3),
    ],
    "capstone_sentiment": [("build_sentiment_model", 4), ("sentiment_recipe", 1)],
    "capstone_forecasting": [
        ("make_windows", 3),
        ("build_forecaster", 5),
        ("forecasting_recipe", 2),
    ],
}
CAPSTONES: tuple[Exercise, ...] = tuple(
    Exercise(f"C{t}.{i}", name, module, points)
    for t, module in enumerate(CAPSTONE_TOPICS, start=1)
    for i, (name, points) in enumerate(_CAPSTONE_TABLE[module], start=1)
)
CAPSTONE_POINTS: int = sum(e.points for e in CAPSTONES)
ALL_TOPICS: dict[str, str] = {**TOPICS, **CAPSTONE_TOPICS}
BY_NAME: dict[str, Exercise] = {e.name: e for e in (*EXERCISES, *CAPSTONES)}


def exercise(name: str) -> Exercise:
    """The catalogue entry for a function name, with a clear error for unknown names."""
    try:
        return BY_NAME[name]
    except KeyError:
        raise KeyError(f"{name!r} is not an exercise; known: {', '.join(BY_NAME)}") from None


def find(token: str) -> Exercise | None:
    """The exercise a student names on a command line: its function ("conv2d") or its
    number ("1.4"); None for anything else."""
    return BY_NAME.get(token) or next(
        (e for e in (*EXERCISES, *CAPSTONES) if e.number == token), None
    )


def in_module(module: str) -> list[Exercise]:
    return [e for e in (*EXERCISES, *CAPSTONES) if e.module == module]
