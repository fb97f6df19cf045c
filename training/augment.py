"""Training-time augmentation for 48x48 face crops.

Kept out of the saved model on purpose: the shipped network carries only what
inference needs. Geometry is ONE random affine warp per image (flip, rotation,
zoom and shift composed into a single matrix): chaining Keras' separate
RandomRotation/RandomZoom/RandomTranslation layers resamples a 48-pixel face
three times and blurs it visibly, so the net would train on softer faces than
it is tested on. Then random erasing (a grey patch, as a hand or glasses would
hide part of the face). Brightness and contrast jitter would be wasted: the
model standardises every image itself.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import tensorflow as tf


@dataclass(frozen=True)
class AugmentConfig:
    max_rotation_deg: float = 10.0
    max_zoom: float = 0.1
    max_shift: float = 0.08
    """Fraction of the image side."""
    erase_probability: float = 0.25
    erase_area: tuple[float, float] = (0.02, 0.12)


def _affine(batch: int, size: int, cfg: AugmentConfig, seed: tf.Tensor) -> tf.Tensor:
    """(N, 8) projective transforms mapping output pixels to input pixels."""
    seeds = tf.random.experimental.stateless_split(seed, 5)
    angle = tf.random.stateless_uniform([batch], seeds[0], -1.0, 1.0) * math.radians(cfg.max_rotation_deg)
    scale = 1.0 + tf.random.stateless_uniform([batch], seeds[1], -cfg.max_zoom, cfg.max_zoom)
    shift = tf.random.stateless_uniform([batch, 2], seeds[2], -cfg.max_shift, cfg.max_shift) * size
    flip = tf.where(tf.random.stateless_uniform([batch], seeds[3]) < 0.5, -1.0, 1.0)
    cos, sin = tf.cos(angle) / scale, tf.sin(angle) / scale
    a00, a01, a10, a11 = cos * flip, -sin, sin * flip, cos
    c = (size - 1) / 2.0
    a2 = c - a00 * c - a01 * c + shift[:, 0]
    b2 = c - a10 * c - a11 * c + shift[:, 1]
    zeros = tf.zeros([batch])
    return tf.stack([a00, a01, a2, a10, a11, b2, zeros, zeros], axis=1)


def _erase(images: tf.Tensor, cfg: AugmentConfig, seed: tf.Tensor) -> tf.Tensor:
    """Replace a random rectangle of some images by their mean grey level."""
    n, h, w = tf.shape(images)[0], images.shape[1], images.shape[2]
    seeds = tf.random.experimental.stateless_split(seed, 5)
    area = tf.random.stateless_uniform([n], seeds[0], *cfg.erase_area) * h * w
    ratio = tf.exp(tf.random.stateless_uniform([n], seeds[1], math.log(0.5), math.log(2.0)))
    eh = tf.clip_by_value(tf.sqrt(area * ratio), 1.0, h - 1.0)
    ew = tf.clip_by_value(tf.sqrt(area / ratio), 1.0, w - 1.0)
    y0 = tf.random.stateless_uniform([n], seeds[2]) * (h - eh)
    x0 = tf.random.stateless_uniform([n], seeds[3]) * (w - ew)
    apply = tf.random.stateless_uniform([n], seeds[4]) < cfg.erase_probability
    ys = tf.range(h, dtype=tf.float32)[None, :, None]
    xs = tf.range(w, dtype=tf.float32)[None, None, :]
    inside = ((ys >= y0[:, None, None]) & (ys < (y0 + eh)[:, None, None])
              & (xs >= x0[:, None, None]) & (xs < (x0 + ew)[:, None, None]) & apply[:, None, None])
    mean = tf.reduce_mean(images, axis=[1, 2, 3], keepdims=True)
    return tf.where(inside[..., None], mean, images)


def augment_batch(images: tf.Tensor, seed: tf.Tensor, cfg: AugmentConfig = AugmentConfig()) -> tf.Tensor:
    """Augment a (N, H, W, 1) float32 batch with a stateless seed (shape [2] int) for reproducibility."""
    n, size = tf.shape(images)[0], images.shape[1]
    geo_seed, erase_seed = tf.unstack(tf.random.experimental.stateless_split(seed, 2))
    warped = tf.raw_ops.ImageProjectiveTransformV3(
        images=images, transforms=_affine(n, size, cfg, geo_seed), output_shape=tf.shape(images)[1:3],
        fill_value=0.0, interpolation="BILINEAR", fill_mode="NEAREST")
    return _erase(warped, cfg, erase_seed)
