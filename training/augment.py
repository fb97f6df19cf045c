"""Training-time augmentation for 48x48 face crops.

Kept out of the saved model on purpose: the shipped network carries only what
inference needs. Geometry is ONE random affine warp per image (flip, rotation,
zoom and shift composed into a single matrix): chaining Keras' separate
RandomRotation/RandomZoom/RandomTranslation layers resamples a 48-pixel face
three times and blurs it visibly, so the net would train on softer faces than
it is tested on. Then random erasing (a grey patch, as a hand or glasses would
hide part of the face). Brightness and contrast jitter would be wasted: the
model standardises every image itself.

Optionally (``degrade_probability`` > 0) some faces then get what a phone
photo does to a face before the bot crops it: softening (resampling, focus),
sensor noise and JPEG loss. FER2013 crops are clean; the robustness
evaluation (:mod:`training.robustness`) showed the same faces lose accuracy
once they pass through a camera-like rendering.
"""

from __future__ import annotations

import math

import numpy as np
import tensorflow as tf

from training.runs import AugmentConfig


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


def _gaussian(sigma: float, radius: int = 3) -> np.ndarray:
    taps = np.exp(-np.arange(-radius, radius + 1) ** 2 / (2 * sigma ** 2))
    return taps / taps.sum()



def _degrade(images: tf.Tensor, cfg: AugmentConfig, seed: tf.Tensor) -> tf.Tensor:
    """Blur (a random blend towards a ``cfg.blur_sigma`` blur), noise and JPEG on a random share of the batch."""
    n = tf.shape(images)[0]
    seeds = tf.random.experimental.stateless_split(seed, 5)
    taps = tf.constant(_gaussian(cfg.blur_sigma), tf.float32)
    kernel = taps[:, None, None, None] * taps[None, :, None, None]
    r = taps.shape[0] // 2
    blurred = tf.nn.conv2d(tf.pad(images, [[0, 0], [r, r], [r, r], [0, 0]], mode="SYMMETRIC"),
                           kernel, strides=1, padding="VALID")
    amount = tf.random.stateless_uniform([n, 1, 1, 1], seeds[0])
    soft = images + amount * (blurred - images)
    sigma = tf.random.stateless_uniform([n, 1, 1, 1], seeds[1], 0.0, cfg.max_noise)
    noisy = tf.clip_by_value(soft + sigma * tf.random.stateless_normal(tf.shape(images), seeds[2]), 0.0, 255.0)
    jpeg_seeds = tf.random.experimental.stateless_split(seeds[3], n)
    lossy = tf.map_fn(
        lambda args: tf.image.stateless_random_jpeg_quality(args[0] / 255.0, *cfg.jpeg_quality, args[1]) * 255.0,
        (noisy, jpeg_seeds), fn_output_signature=tf.float32)
    apply = tf.random.stateless_uniform([n, 1, 1, 1], seeds[4]) < cfg.degrade_probability
    return tf.where(apply, lossy, images)


def augment_batch(images: tf.Tensor, seed: tf.Tensor, cfg: AugmentConfig | None = None) -> tf.Tensor:
    """Augment a (N, H, W, 1) float32 batch with a stateless seed (shape [2] int) for reproducibility."""
    cfg = cfg or AugmentConfig()
    n, size = tf.shape(images)[0], images.shape[1]
    geo_seed, erase_seed = tf.unstack(tf.random.experimental.stateless_split(seed, 2))
    warped = tf.raw_ops.ImageProjectiveTransformV3(
        images=images, transforms=_affine(n, size, cfg, geo_seed), output_shape=tf.shape(images)[1:3],
        fill_value=0.0, interpolation="BILINEAR", fill_mode="NEAREST")
    erased = _erase(warped, cfg, erase_seed)
    if cfg.degrade_probability == 0:
        return erased
    return _degrade(erased, cfg, tf.random.experimental.stateless_fold_in(seed, 3))


def mixup(images: tf.Tensor, labels: tf.Tensor, weights: tf.Tensor, seed: tf.Tensor,
          alpha: float) -> tuple[tf.Tensor, tf.Tensor, tf.Tensor]:
    """Blend each face with its mirror partner in the batch (mixup, Zhang et al. 2018).

    One Beta(alpha, alpha) weight per face; labels and sample weights blend with
    the same weight. The partner is the batch reversed, so no second shuffle is needed.
    """
    seeds = tf.random.experimental.stateless_split(seed, 2)
    n = tf.shape(images)[0]
    a = tf.random.stateless_gamma([n], seeds[0], alpha=alpha)
    b = tf.random.stateless_gamma([n], seeds[1], alpha=alpha)
    lam = a / (a + b)
    mix_images = lam[:, None, None, None] * images + (1 - lam[:, None, None, None]) * tf.reverse(images, [0])
    mix_labels = lam[:, None] * labels + (1 - lam[:, None]) * tf.reverse(labels, [0])
    mix_weights = lam * weights + (1 - lam) * tf.reverse(weights, [0])
    return mix_images, mix_labels, mix_weights
