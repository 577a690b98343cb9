"""The thesis's four CNNs and ferapp's own, as Keras functional models.

Every model takes raw 0..255 grayscale faces: the pixel scaling is a ``Rescaling``
layer inside the graph, so a model file needs no outside knowledge to be used.
Parameter counts against the thesis's table 4.1 (48x48x1 input, 7 classes):

* ``thesis1``: 493,063 vs 329,031. The nine 3x3 convolutions described (3x32, 3x64,
  3x128) hold 480,192 parameters by themselves, more than the thesis's total, so the
  table cannot match the description. We use unpadded convolutions, which shrink
  the last map to 1x1x128 and make the dense head as small as the text allows.
* ``thesis2``: 102,055 vs 101,735 (LeNet-like, Dachapally 2016): conv32-pool-conv32-
  pool-conv64-pool, dense 32, softmax. The paper's filter sizes are not given in the
  thesis; these 3x3 choices come within 0.3 %.
* ``thesis3``: 1,485,831, exact: the five convolutions, max-pooling after the 1st,
  3rd and 5th, global average pooling, two dense 1024 with dropout 0.2, softmax.
* ``mini_xception``: 58,423 with 1,472 non-trainable, exact (Arriaga et al. 2017).
* ``fernet``: ours, see :func:`fernet`.
"""

from __future__ import annotations

from collections.abc import Callable

import keras
from keras import layers

INPUT_SHAPE = (48, 48, 1)
NUM_CLASSES = 7


def _input(input_shape: tuple[int, int, int]) -> tuple[keras.KerasTensor, keras.KerasTensor]:
    inputs = keras.Input(input_shape, name="face")
    return inputs, layers.Rescaling(1.0 / 255.0, name="scale_0_1")(inputs)


def thesis1(input_shape=INPUT_SHAPE, num_classes=NUM_CLASSES) -> keras.Model:
    """Thesis architecture 1: 3x conv32, pool, 3x conv64, pool, 3x conv128, pool, 2x dense64."""
    inputs, x = _input(input_shape)
    for filters in (32, 64, 128):
        for _ in range(3):
            x = layers.Conv2D(filters, 3, activation="relu")(x)
        x = layers.MaxPooling2D(2, padding="same")(x)
    x = layers.Flatten()(x)
    for _ in range(2):
        x = layers.Dense(64, activation="relu")(x)
        x = layers.Dropout(0.2)(x)
    outputs = layers.Dense(num_classes, activation="softmax", name="emotion")(x)
    return keras.Model(inputs, outputs, name="thesis1")


def thesis2(input_shape=INPUT_SHAPE, num_classes=NUM_CLASSES) -> keras.Model:
    """Thesis architecture 2: LeNet-like, 3 conv + 3 pool + 2 dense."""
    inputs, x = _input(input_shape)
    for filters in (32, 32, 64):
        x = layers.Conv2D(filters, 3, padding="same", activation="relu")(x)
        x = layers.MaxPooling2D(2)(x)
    x = layers.Flatten()(x)
    x = layers.Dense(32, activation="relu")(x)
    outputs = layers.Dense(num_classes, activation="softmax", name="emotion")(x)
    return keras.Model(inputs, outputs, name="thesis2")


def thesis3(input_shape=INPUT_SHAPE, num_classes=NUM_CLASSES) -> keras.Model:
    """Thesis architecture 3 (Raghuvanshi & Choksi 2016): five convolutions, 2x dense1024."""
    inputs, x = _input(input_shape)
    x = layers.Conv2D(64, 5, padding="same", activation="relu")(x)
    x = layers.MaxPooling2D(2)(x)
    x = layers.Conv2D(64, 3, padding="same", activation="relu")(x)
    x = layers.Conv2D(64, 3, padding="same", activation="relu")(x)
    x = layers.MaxPooling2D(2)(x)
    x = layers.Conv2D(128, 3, padding="same", activation="relu")(x)
    x = layers.Conv2D(128, 3, padding="same", activation="relu")(x)
    x = layers.MaxPooling2D(2)(x)
    x = layers.GlobalAveragePooling2D()(x)
    for _ in range(2):
        x = layers.Dense(1024, activation="relu")(x)
        x = layers.Dropout(0.2)(x)
    outputs = layers.Dense(num_classes, activation="softmax", name="emotion")(x)
    return keras.Model(inputs, outputs, name="thesis3")


def mini_xception(
    input_shape=INPUT_SHAPE, num_classes=NUM_CLASSES, l2: float = 0.01
) -> keras.Model:
    """Thesis architecture 4: the mini-Xception of Arriaga et al. (58,423 parameters)."""
    reg = keras.regularizers.L2(l2)
    inputs, x = _input(input_shape)
    for _ in range(2):
        x = layers.Conv2D(8, 3, use_bias=False, kernel_regularizer=reg)(x)
        x = layers.BatchNormalization()(x)
        x = layers.Activation("relu")(x)
    for filters in (16, 32, 64, 128):
        residual = layers.Conv2D(filters, 1, strides=2, padding="same", use_bias=False)(x)
        residual = layers.BatchNormalization()(residual)
        x = layers.SeparableConv2D(
            filters,
            3,
            padding="same",
            use_bias=False,
            depthwise_regularizer=reg,
            pointwise_regularizer=reg,
        )(x)
        x = layers.BatchNormalization()(x)
        x = layers.Activation("relu")(x)
        x = layers.SeparableConv2D(
            filters,
            3,
            padding="same",
            use_bias=False,
            depthwise_regularizer=reg,
            pointwise_regularizer=reg,
        )(x)
        x = layers.BatchNormalization()(x)
        x = layers.MaxPooling2D(3, strides=2, padding="same")(x)
        x = layers.Add()([x, residual])
    x = layers.Conv2D(num_classes, 3, padding="same")(x)
    x = layers.GlobalAveragePooling2D()(x)
    outputs = layers.Activation("softmax", name="emotion")(x)
    return keras.Model(inputs, outputs, name="mini_xception")


def _conv_bn(x, filters: int, kernel: int = 3):
    x = layers.Conv2D(filters, kernel, padding="same", use_bias=False)(x)
    x = layers.BatchNormalization()(x)
    return layers.Activation("relu")(x)


def fernet(
    input_shape=INPUT_SHAPE, num_classes=NUM_CLASSES, width: int = 24, dropout: float = 0.4
) -> keras.Model:
    """ferapp's network: a compact residual VGG, chosen for accuracy per CPU millisecond.

    Full 3x3 convolutions (which oneDNN runs far better per FLOP than depthwise ones
    on a CPU) in four stages at 48, 24, 12 and 6 pixels with ``width`` x (1, 2, 4, 8)
    channels; each stage after the first adds a residual pair of convolutions.
    Downsampling is max-pooling, never a stride-2 convolution (see the oneDNN
    guard in ``trainer/__init__``). Global average pooling and dropout feed the
    classifier, so there is no large dense layer.
    """
    inputs, x = _input(input_shape)
    x = _conv_bn(x, width)
    for stage, mult in enumerate((2, 4, 8)):
        x = layers.MaxPooling2D(2, name=f"pool{stage + 1}")(x)
        x = _conv_bn(x, width * mult)
        shortcut = x
        y = _conv_bn(x, width * mult)
        y = layers.Conv2D(width * mult, 3, padding="same", use_bias=False)(y)
        y = layers.BatchNormalization()(y)
        x = layers.Activation("relu")(layers.Add()([shortcut, y]))
    x = layers.GlobalAveragePooling2D()(x)
    x = layers.Dropout(dropout)(x)
    outputs = layers.Dense(num_classes, activation="softmax", name="emotion")(x)
    return keras.Model(inputs, outputs, name="fernet")


def fernet_wide(input_shape=INPUT_SHAPE, num_classes=NUM_CLASSES) -> keras.Model:
    """``fernet`` at width 28 (28-56-112-224 channels): 1.36x the parameters and about 1.4x
    the default model's time per face with flip averaging, over the default's speed
    budget (1.18x); for what width is worth, and as a teacher (docs/training.md,
    "Towards a better default model")."""
    model = fernet(input_shape, num_classes, width=28)
    return keras.Model(model.inputs, model.outputs, name="fernet_wide")


ARCHITECTURES: dict[str, Callable[..., keras.Model]] = {
    "thesis1": thesis1,
    "thesis2": thesis2,
    "thesis3": thesis3,
    "mini_xception": mini_xception,
    "fernet": fernet,
    "fernet_wide": fernet_wide,
}
THESIS_PARAMETERS = {
    "thesis1": 329_031,
    "thesis2": 101_735,
    "thesis3": 1_485_831,
    "mini_xception": 58_423,
}


MIXED_BFLOAT16 = "mixed_bfloat16"


def build(
    name: str, input_shape=INPUT_SHAPE, num_classes=NUM_CLASSES, precision: str = "float32"
) -> keras.Model:
    """Build an architecture by name (see ARCHITECTURES), for training in ``precision``."""
    try:
        builder = ARCHITECTURES[name]
    except KeyError:
        raise ValueError(
            f"unknown architecture {name!r}; choose from {', '.join(ARCHITECTURES)}"
        ) from None
    model = builder(input_shape=input_shape, num_classes=num_classes)
    return with_dtype_policy(model, MIXED_BFLOAT16) if precision == "bfloat16" else model


def with_dtype_policy(model: keras.Model, policy: str) -> keras.Model:
    """A copy of a functional ``model`` whose layers compute in ``policy``, same weights.

    The last layer (the softmax) stays float32 under a mixed policy, as Keras advises
    for numerical stability. Variables are float32 under every policy used here, so
    the weights carry over unchanged; ``with_dtype_policy(mixed, "float32")`` is how a
    model trained in bfloat16 is saved for use.
    """
    config = model.get_config()
    last = model.layers[-1].name
    for layer in config["layers"]:
        if layer["class_name"] != "InputLayer":
            layer["config"]["dtype"] = "float32" if layer["name"] == last else policy
    # from_config, not clone_model: a clone of a compiled model comes back compiled, and
    # its optimizer state would triple the size of a saved file.
    copy = keras.Model.from_config(config)
    copy.set_weights(model.get_weights())
    return copy


def has_strided_convolution(model: keras.Model) -> bool:
    """True if a convolution moves more than one pixel at a time (see GUARDED_ARCHITECTURES)."""
    convolutions = (keras.layers.Conv2D, keras.layers.SeparableConv2D, keras.layers.DepthwiseConv2D)
    return any(isinstance(layer, convolutions) and max(layer.strides) > 1 for layer in model.layers)
