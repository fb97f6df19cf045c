"""Emotion CNN architectures, selectable by name.

Each builder returns a plain ``keras.Model`` that takes raw 48x48 grayscale
pixels (float32, 0-255) and outputs 7 softmax probabilities. Normalisation is
the model's first layer, built from stock Keras layers only, so the saved
``.keras`` file loads with plain ``keras.models.load_model`` and no project code.
"""

from __future__ import annotations

from collections.abc import Callable

import keras
from keras import layers

from model.labels import INPUT_SIZE, NUM_CLASSES


def _input() -> tuple[keras.KerasTensor, keras.KerasTensor]:
    """Input plus per-image standardisation (zero mean, unit variance per face).

    Per-image standardisation makes the net indifferent to a photo's overall
    brightness and contrast, which vary far more in selfies than in FER2013.
    LayerNormalization over (H, W, C) without centre/scale parameters is
    exactly that, as a built-in layer. ``epsilon`` is in squared grey levels,
    so an all-black image maps to zeros instead of dividing by zero.
    """
    inputs = keras.Input((INPUT_SIZE, INPUT_SIZE, 1), name="pixels")
    x = layers.LayerNormalization(axis=[1, 2, 3], center=False, scale=False, epsilon=1.0,
                                  name="standardise")(inputs)
    return inputs, x


def _conv_bn_relu(x: keras.KerasTensor, filters: int) -> keras.KerasTensor:
    x = layers.Conv2D(filters, 3, padding="same", use_bias=False, kernel_initializer="he_normal")(x)
    x = layers.BatchNormalization()(x)
    return layers.ReLU()(x)


def vgg(widths: tuple[int, ...] = (32, 64, 128, 256), dense: int = 256, dropout: float = 0.4,
        name: str = "vgg") -> keras.Model:
    """VGG-style net: per stage two 3x3 conv+BN+ReLU, then 2x2 max-pool.

    Four stages take 48 -> 3 pixels; a small dense head keeps the spatial
    layout (where the mouth and eyes are), which matters more for expressions
    than global pooling would allow. About 1.8 M parameters, ~117 M MACs.
    """
    inputs, x = _input()
    for i, filters in enumerate(widths):
        x = _conv_bn_relu(x, filters)
        x = _conv_bn_relu(x, filters)
        x = layers.MaxPooling2D()(x)
        x = layers.Dropout(0.1 + 0.05 * i)(x)
    x = layers.Flatten()(x)
    x = layers.Dense(dense, use_bias=False)(x)
    x = layers.BatchNormalization()(x)
    x = layers.ReLU()(x)
    x = layers.Dropout(dropout)(x)
    outputs = layers.Dense(NUM_CLASSES, activation="softmax", name="probs")(x)
    return keras.Model(inputs, outputs, name=name)


def vgg_wide() -> keras.Model:
    """The teacher: the shipped VGG at 1.5x width (48-96-192-384, dense 384), about 4 M parameters.

    Trained from scratch with mixup on a long schedule, then distilled into
    ``vgg``; on a 2-core AMD EPYC a step costs 1.8x the shipped net's.
    """
    return vgg(widths=(48, 96, 192, 384), dense=384, name="vgg_wide")


def mini_xception() -> keras.Model:
    """Mini-Xception (Arriaga et al. 2017), the `fer` package's network: fast, ~60 k parameters."""
    inputs, x = _input()
    x = _conv_bn_relu(x, 8)
    x = _conv_bn_relu(x, 8)
    for filters in (16, 32, 64, 128):
        residual = layers.Conv2D(filters, 1, strides=2, padding="same", use_bias=False)(x)
        residual = layers.BatchNormalization()(residual)
        x = layers.SeparableConv2D(filters, 3, padding="same", use_bias=False)(x)
        x = layers.BatchNormalization()(x)
        x = layers.ReLU()(x)
        x = layers.SeparableConv2D(filters, 3, padding="same", use_bias=False)(x)
        x = layers.BatchNormalization()(x)
        x = layers.MaxPooling2D(3, strides=2, padding="same")(x)
        x = layers.Add()([x, residual])
    x = layers.Conv2D(NUM_CLASSES, 3, padding="same")(x)
    x = layers.GlobalAveragePooling2D()(x)
    outputs = layers.Softmax(name="probs")(x)
    return keras.Model(inputs, outputs, name="mini_xception")


def tiny() -> keras.Model:
    """A few-thousand-parameter net for smoke tests and CI; not for real use."""
    inputs, x = _input()
    x = layers.Conv2D(8, 3, strides=2, activation="relu")(x)
    x = layers.Conv2D(16, 3, strides=2, activation="relu")(x)
    x = layers.GlobalAveragePooling2D()(x)
    outputs = layers.Dense(NUM_CLASSES, activation="softmax", name="probs")(x)
    return keras.Model(inputs, outputs, name="tiny")


ARCHITECTURES: dict[str, Callable[[], keras.Model]] = {
    "vgg": vgg,
    "vgg_wide": vgg_wide,
    "mini_xception": mini_xception,
    "tiny": tiny,
}


def build(name: str) -> keras.Model:
    """Build an architecture by name; the error lists the known names."""
    if name not in ARCHITECTURES:
        raise ValueError(f"unknown architecture {name!r}; choose from {', '.join(ARCHITECTURES)}")
    return ARCHITECTURES[name]()
