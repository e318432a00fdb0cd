"""Validate what a capstone submission sends back: a model as JSON and a recipe dict.

Both arrive as plain data from the worker (``model.to_json()`` and a dict). Nothing here
imports TensorFlow: the JSON is parsed with :mod:`json` and walked. Every object in it
(``{"module", "class_name", "config", "registered_name"}``) must be a standard Keras one
from the whitelists below; anything else (``Lambda``, a custom ``Layer`` subclass, a
function passed as an activation, a module outside Keras...) is refused *before* Keras
ever sees it, because Keras's deserializer imports the ``module`` a config names.
Messages name the offending layer.

>>> validate_recipe({"optimizer": "adam", "learning_rate": 1e-3, "epochs": 10, "batch_size": 32})
{'optimizer': 'adam', 'learning_rate': 0.001, 'epochs': 10, 'batch_size': 32}
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

__all__ = [
    "ValidationError",
    "LAYERS",
    "ACTIVATIONS",
    "validate_model_json",
    "validate_recipe",
    "layer_names",
    "DEFAULT_RECIPE",
]


class ValidationError(ValueError):
    """The submission's model or recipe is refused; the message says why (for the student)."""


# ---------------------------------------------------------------------------- whitelists

LAYERS: frozenset[str] = frozenset(
    """
    InputLayer Conv1D Conv2D SeparableConv1D SeparableConv2D DepthwiseConv2D
    MaxPooling1D MaxPooling2D AveragePooling1D AveragePooling2D
    GlobalAveragePooling1D GlobalAveragePooling2D GlobalMaxPooling1D GlobalMaxPooling2D
    Flatten Dense Dropout SpatialDropout1D SpatialDropout2D GaussianNoise
    BatchNormalization LayerNormalization
    Activation ReLU LeakyReLU ELU Softmax
    SimpleRNN LSTM GRU Bidirectional Embedding
    Reshape Permute RepeatVector ZeroPadding1D ZeroPadding2D Cropping1D Cropping2D
    Add Concatenate Average Maximum Multiply
    RandomTranslation RandomRotation RandomZoom RandomFlip
    """.split()
)
MODELS: frozenset[str] = frozenset({"Sequential", "Functional", "Model"})
MODEL_MODULES = frozenset(
    {
        "keras",
        "keras.models",
        "keras.src.models.functional",
        "keras.src.models.sequential",
        "keras.src.models.model",
    }
)
INITIALIZERS = frozenset(
    """
    GlorotUniform GlorotNormal HeNormal HeUniform LecunNormal LecunUniform Zeros Ones
    Constant RandomNormal RandomUniform TruncatedNormal Orthogonal VarianceScaling Identity
    """.split()
)
REGULARIZERS = frozenset({"L1", "L2", "L1L2", "OrthogonalRegularizer"})
CONSTRAINTS = frozenset({"MaxNorm", "MinMaxNorm", "NonNeg", "UnitNorm"})
ALLOWED: dict[str, frozenset[str]] = {
    "keras.layers": LAYERS,
    "keras.initializers": INITIALIZERS,
    "keras.regularizers": REGULARIZERS,
    "keras.constraints": CONSTRAINTS,
}
ACTIVATIONS = frozenset(
    """
    linear relu relu6 leaky_relu elu selu gelu silu swish mish sigmoid hard_sigmoid
    hard_silu hard_swish tanh softmax log_softmax softplus softsign exponential
    """.split()
)
# strings Keras accepts for initializers/regularizers/constraints in place of a dict
NAMED = frozenset(
    """
    glorot_uniform glorot_normal he_normal he_uniform lecun_normal lecun_uniform zeros ones
    random_normal random_uniform truncated_normal orthogonal variance_scaling identity
    l1 l2 l1l2 max_norm min_max_norm non_neg unit_norm
    """.split()
)
SPECIAL = frozenset({"__keras_tensor__", "__tuple__"})  # graph plumbing in functional models
DTYPES = frozenset({"float32", "int32", "int64"})
ACTIVATION_KEYS = ("activation", "recurrent_activation")
OBJECT_KEYS = tuple(
    f"{what}_{kind}"
    for what in ("kernel", "bias", "recurrent", "depthwise", "pointwise", "embeddings",
                 "gamma", "beta", "moving_mean", "moving_variance", "activity", "alpha")
    for kind in ("initializer", "regularizer", "constraint")
)  # fmt: skip

# sizes: generous for the course's data sets, small enough for one core in 5 minutes
MAX_JSON_CHARS = 1_000_000
MAX_DEPTH = 40
MAX_LAYERS = 64
MAX_SIZE = {
    "units": 2048,
    "filters": 512,
    "output_dim": 1024,
    "input_dim": 100_000,
}
MAX_KERNEL = 15

# ---------------------------------------------------------------------------- the model


def validate_model_json(text: Any, *, what: str = "the model") -> dict:
    """Parse and check ``model.to_json()``; return the parsed config or raise ValidationError.

    ``what`` names the model in messages (e.g. "build_digit_cnn()'s model").
    """
    if type(text) is not str:
        raise ValidationError(
            f"{what} must be sent as model.to_json() (a str), got {type(text).__name__}"
        )
    if len(text) > MAX_JSON_CHARS:
        raise ValidationError(f"{what}'s JSON is larger than {MAX_JSON_CHARS} characters")
    try:
        config = json.loads(text, parse_constant=_no_constant)
    except (ValueError, RecursionError) as err:
        raise ValidationError(f"{what} is not valid JSON ({err})") from None
    if type(config) is not dict or config.get("class_name") not in MODELS:
        got = config.get("class_name") if type(config) is dict else type(config).__name__
        raise ValidationError(f"{what} must be a keras Sequential or functional Model, got {got!r}")
    checker = _Checker(what)
    checker.walk(config, "", 0)
    if checker.layers == 0:
        raise ValidationError(f"{what} has no layers")
    return config


def _no_constant(name: str):
    raise ValueError(f"{name} is not allowed in the model's JSON")


class _Checker:
    def __init__(self, what: str):
        self.what = what
        self.layers = 0

    def fail(self, where: str, message: str):
        raise ValidationError(
            f"{self.what}: {where}: {message}" if where else f"{self.what}: {message}"
        )

    def walk(self, node: Any, where: str, depth: int) -> None:
        if depth > MAX_DEPTH:
            self.fail(where, "the configuration is nested too deeply")
        if type(node) is list:
            for item in node:
                self.walk(item, where, depth + 1)
            return
        if type(node) is not dict:
            if type(node) is str and node.startswith("__") and node.endswith("__"):
                self.fail(where, f"{node!r} is not allowed")
            return
        if "class_name" in node:
            where = self.object(node, where)
        for key, value in node.items():
            if type(key) is not str:
                self.fail(where, "a key that is not a string")
            if key == "function" or key.endswith("_fn"):
                self.fail(where, "functions cannot be part of a graded model")
            self.walk(value, where, depth + 1)

    def object(self, node: dict, where: str) -> str:
        """Check one serialized object; return how messages inside it name their place."""
        name, module = node.get("class_name"), node.get("module")
        registered = node.get("registered_name")
        config = node.get("config")
        if type(name) is not str:
            self.fail(where, "an object without a class name")
        if name in SPECIAL:
            return where
        if name.startswith("__"):
            kind = "a Python lambda" if name == "__lambda__" else f"{name!r}"
            self.fail(where, f"{kind} cannot be part of a graded model")
        if registered is not None and registered != name:
            self.fail(
                where,
                f"{name!r} is registered as {registered!r}: custom (registered) classes are "
                "not allowed, use the standard Keras layers",
            )
        if name in MODELS and module in MODEL_MODULES:
            return where
        label = config.get("name") if type(config) is dict else None
        if type(label) is str and module not in ALLOWED and name != "DTypePolicy":
            where = f"layer {label!r} ({name})"  # a custom layer: name it like a layer
        if name == "DTypePolicy" and module == "keras":
            policy = config.get("name") if type(config) is dict else None
            if policy != "float32":
                self.fail(where, f"dtype policy {policy!r} is not allowed (use float32)")
            return where
        if module == "keras.layers":
            layer = config.get("name") if type(config) is dict else None
            where = f"layer {layer!r} ({name})" if type(layer) is str else f"a {name} layer"
            if name not in LAYERS:
                self.fail(where, self.refusal(name))
            self.layers += 1
            if self.layers > MAX_LAYERS:
                self.fail(where, f"more than {MAX_LAYERS} layers")
            if type(config) is not dict:
                self.fail(where, "its config is not a dict")
            self.layer_config(name, config, where)
            return where
        if module in ALLOWED:
            if name not in ALLOWED[module]:
                kind = module.rpartition(".")[2][:-1]
                self.fail(where, f"{kind} {name!r} is not a standard Keras {kind}")
            return where
        if module is None or type(module) is not str:
            self.fail(where, f"{name!r} does not come from keras")
        if name == "function" or registered == "function":
            self.fail(
                where,
                f"a Python function ({config!r:.60}) is used where Keras expects a name; "
                "pass activations as strings such as 'relu'",
            )
        shown = module.removeprefix("_deepgrade_submission.")
        self.fail(
            where,
            f"{name!r} from module {shown!r} is not a standard Keras layer: custom classes "
            "and code from outside keras are not allowed",
        )
        return where  # pragma: no cover

    @staticmethod
    def refusal(name: str) -> str:
        if name in ("Lambda", "TFOpLambda"):
            return (
                f"{name} layers run arbitrary code and are not allowed; use standard layers "
                "(Activation, Reshape, ...) instead"
            )
        return f"{name!r} is not one of the allowed Keras layers ({', '.join(sorted(LAYERS))})"

    def layer_config(self, name: str, config: dict, where: str) -> None:
        for key in ACTIVATION_KEYS:
            if key in config:
                value = config[key]
                if type(value) is not str:
                    self.fail(where, f"{key} must be the name of a Keras activation, e.g. 'relu'")
                if value not in ACTIVATIONS:
                    self.fail(
                        where,
                        f"unknown {key} {value!r} (allowed: {', '.join(sorted(ACTIVATIONS))})",
                    )
        for key in OBJECT_KEYS:
            value = config.get(key)
            if type(value) is str and value.lower() not in NAMED:
                self.fail(where, f"unknown {key.replace('_', ' ')} {value!r}")
            if value is not None and type(value) not in (str, dict):
                self.fail(where, f"{key} must be a standard Keras object")
        if config.get("dtype") is not None and type(config["dtype"]) is str:
            if config["dtype"] not in DTYPES:
                self.fail(where, f"dtype {config['dtype']!r} is not allowed")
        if config.get("quantization_config") is not None:
            self.fail(where, "quantized layers are not allowed")
        for key, cap in MAX_SIZE.items():
            value = config.get(key)
            if value is None:
                continue
            if type(value) is not int or not 1 <= value <= cap:
                self.fail(where, f"{key}={value!r} is out of range (1..{cap})")
        kernel = config.get("kernel_size")
        if kernel is not None:
            sizes = kernel if type(kernel) is list else [kernel]
            if not sizes or any(type(k) is not int or not 1 <= k <= MAX_KERNEL for k in sizes):
                self.fail(where, f"kernel_size={kernel!r} is out of range (1..{MAX_KERNEL})")
        if name == "Dropout" or "dropout" in config:
            for key in ("rate", "dropout", "recurrent_dropout"):
                rate = config.get(key)
                if rate is not None and not (_number(rate) and 0 <= rate < 1):
                    self.fail(where, f"{key}={rate!r} must be in [0, 1)")


def _number(x: Any) -> bool:
    return type(x) in (int, float) and math.isfinite(x)


def layer_names(config: dict) -> list[str]:
    """The names of the model's layers, in order (top level; nested models by their name)."""
    layers = config.get("config", {}).get("layers", [])
    names = []
    for layer in layers:
        if type(layer) is dict:
            name = (layer.get("config") or {}).get("name") or layer.get("name")
            if type(name) is str:
                names.append(name)
    return names


# ---------------------------------------------------------------------------- the recipe

OPTIMIZERS = ("adam", "sgd", "rmsprop")
LIMITS = {
    "learning_rate": (1e-5, 1.0),
    "epochs": (1, 100),
    "batch_size": (4, 1024),
    "momentum": (0.0, 0.99),
}
AUGMENTATION = {"shift": (0, 3), "rotate": (0, 30)}
FINE_TUNE_EPOCHS = (1, 100)
DEFAULT_RECIPE = {"optimizer": "adam", "learning_rate": 1e-3, "epochs": 20, "batch_size": 32}
# keys that would choose the training data or move the split: the grader's alone
DATA_KEYS = re.compile(r"split|valid|test|train|data|year|window|horizon|shuffle|sample")


def validate_recipe(
    recipe: Any,
    *,
    what: str = "the recipe",
    allow_augmentation: bool = True,
    allow_fine_tune: bool = False,
    require_fine_tune: bool = False,
    layers: list[str] | None = None,
) -> dict:
    """Check a training recipe; return a clean copy (plain types) or raise ValidationError.

    ``{"optimizer": "adam" | "sgd" | "rmsprop", "learning_rate": float, "epochs": int,
    "batch_size": int}``, optionally ``"momentum"`` (sgd), ``"augmentation": {"shift":
    pixels 0..3, "rotate": degrees 0..30}`` and ``"fine_tune": {"freeze": [layer names],
    "epochs": int, "learning_rate": float}`` (the names must be layers of the model when
    ``layers`` is given).
    """
    if type(recipe) is not dict:
        raise ValidationError(f"{what} must be a dict, got {type(recipe).__name__}")
    allowed = {"optimizer", "learning_rate", "epochs", "batch_size", "momentum"}
    allowed |= {"augmentation"} if allow_augmentation else set()
    allowed |= {"fine_tune"} if allow_fine_tune or require_fine_tune else set()
    unknown = sorted(set(map(str, recipe)) - allowed)
    chooses_data = [key for key in unknown if DATA_KEYS.search(key.lower())]
    if chooses_data:
        raise ValidationError(
            f"{what} cannot choose the training data or the split "
            f"({', '.join(map(repr, chooses_data))}): the grader trains on its fixed training "
            "split and scores on held-out data your code never sees"
        )
    if unknown:
        raise ValidationError(
            f"{what} has unknown key(s) {', '.join(map(repr, unknown))}; "
            f"allowed: {', '.join(sorted(allowed))}"
        )
    missing = [k for k in ("optimizer", "learning_rate", "epochs", "batch_size") if k not in recipe]
    if missing:
        raise ValidationError(f"{what} is missing {', '.join(map(repr, missing))}")
    clean: dict = {}
    optimizer = recipe["optimizer"]
    if type(optimizer) is not str or optimizer.lower() not in OPTIMIZERS:
        raise ValidationError(
            f"{what}: optimizer {optimizer!r} is not one of {', '.join(OPTIMIZERS)}"
        )
    clean["optimizer"] = optimizer.lower()
    for key in ("learning_rate", "epochs", "batch_size", "momentum"):
        if key not in recipe:
            continue
        clean[key] = _ranged(
            what, key, recipe[key], *LIMITS[key], integer=key in ("epochs", "batch_size")
        )
    if "momentum" in clean and clean["optimizer"] != "sgd":
        raise ValidationError(f"{what}: momentum only applies to the sgd optimizer")
    if recipe.get("augmentation") is not None and "augmentation" in allowed:
        augmentation = recipe["augmentation"]
        if type(augmentation) is not dict:
            raise ValidationError(f"{what}: augmentation must be a dict like {{'shift': 1}}")
        extra = sorted(set(map(str, augmentation)) - set(AUGMENTATION))
        if extra:
            raise ValidationError(
                f"{what}: unknown augmentation {', '.join(map(repr, extra))}; allowed: "
                f"{', '.join(AUGMENTATION)} (mirroring does not fit digits)"
            )
        clean["augmentation"] = {
            key: _ranged(what, f"augmentation {key}", value, *AUGMENTATION[key],
                         integer=key == "shift")
            for key, value in augmentation.items()
        }  # fmt: skip
    if require_fine_tune and "fine_tune" not in recipe:
        raise ValidationError(f"{what} needs a 'fine_tune' entry")
    if "fine_tune" in recipe and "fine_tune" in allowed:
        clean["fine_tune"] = _fine_tune(what, recipe["fine_tune"], layers)
    return clean


def _ranged(what: str, key: str, value: Any, low, high, *, integer: bool):
    if integer:
        ok = type(value) is int
    else:
        ok = type(value) in (int, float) and math.isfinite(value)
    if not ok:
        kind = "an int" if integer else "a finite number"
        raise ValidationError(f"{what}: {key} must be {kind}, got {value!r}")
    if not low <= value <= high:
        raise ValidationError(f"{what}: {key}={value!r} is out of range [{low}, {high}]")
    return int(value) if integer else float(value)


def _fine_tune(what: str, fine_tune: Any, layers: list[str] | None) -> dict:
    if type(fine_tune) is not dict:
        raise ValidationError(f"{what}: fine_tune must be a dict")
    extra = sorted(set(map(str, fine_tune)) - {"freeze", "epochs", "learning_rate"})
    if extra:
        raise ValidationError(f"{what}: unknown fine_tune key(s) {', '.join(map(repr, extra))}")
    freeze = fine_tune.get("freeze", [])
    if type(freeze) not in (list, tuple) or not all(type(n) is str for n in freeze):
        raise ValidationError(f"{what}: fine_tune freeze must be a list of layer names")
    if layers is not None:
        unknown = [n for n in freeze if n not in layers]
        if unknown:
            raise ValidationError(
                f"{what}: fine_tune freezes {', '.join(map(repr, unknown))}, which the model "
                f"does not have (its layers: {', '.join(layers)})"
            )
        if layers and layers[-1] in freeze:
            raise ValidationError(
                f"{what}: fine_tune cannot freeze the output layer {layers[-1]!r}: it is "
                "replaced by a new head"
            )
    clean = {"freeze": list(freeze)}
    clean["epochs"] = _ranged(
        what, "fine_tune epochs", fine_tune.get("epochs", 10), *FINE_TUNE_EPOCHS, integer=True
    )
    clean["learning_rate"] = _ranged(
        what,
        "fine_tune learning_rate",
        fine_tune.get("learning_rate", 1e-3),
        *LIMITS["learning_rate"],
        integer=False,
    )
    return clean
