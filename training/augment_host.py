"""The TensorFlow-free twin of :mod:`training.augment` for :mod:`training.portable`: NumPy and OpenCV on the host.

A GPU machine without TensorFlow augments each batch here, as the TensorFlow
trainer does in its pipeline: one affine warp per face (flip, rotation, zoom and
shift in one matrix, edges repeated), random erasing and, for a share of
faces, blur, sensor noise and JPEG. Keras' own random image layers are no
substitute: on JAX on an H200 a training step with them took 479 ms against
the net's 4.1 ms alone (EXPERIMENTS.md, 2026-11-26).
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from training.runs import AugmentConfig


def augment_faces(images: np.ndarray, rng: np.random.Generator, cfg: AugmentConfig) -> np.ndarray:
    """A new (N, H, W, 1) float32 batch: every face warped, some erased, some degraded."""
    n, size = images.shape[0], images.shape[1]
    angle = rng.uniform(-1, 1, n) * math.radians(cfg.max_rotation_deg)
    scale = 1 + rng.uniform(-cfg.max_zoom, cfg.max_zoom, n)
    shift = rng.uniform(-cfg.max_shift, cfg.max_shift, (n, 2)) * size
    flip = np.where(rng.random(n) < 0.5, -1.0, 1.0)
    cos, sin = np.cos(angle) / scale, np.sin(angle) / scale
    centre = np.full(2, (size - 1) / 2)
    out = np.empty_like(images)
    for i in range(n):
        # Maps each output pixel to where it is read in the input, as ImageProjectiveTransformV3 does.
        linear = np.array([[cos[i] * flip[i], -sin[i]], [sin[i] * flip[i], cos[i]]])
        matrix = np.hstack([linear, (centre - linear @ centre + shift[i])[:, None]])
        out[i, ..., 0] = cv2.warpAffine(images[i, ..., 0], matrix, (size, size),
                                        flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP, borderMode=cv2.BORDER_REPLICATE)
    _erase(out, rng, cfg)
    if cfg.degrade_probability > 0:
        _degrade(out, rng, cfg)
    return out


def _erase(images: np.ndarray, rng: np.random.Generator, cfg: AugmentConfig) -> None:
    """Replace a random rectangle of some faces by their mean grey level, in place."""
    n, h, w = images.shape[:3]
    area = rng.uniform(*cfg.erase_area, n) * h * w
    ratio = np.exp(rng.uniform(math.log(0.5), math.log(2.0), n))
    eh = np.clip(np.sqrt(area * ratio), 1.0, h - 1.0)
    ew = np.clip(np.sqrt(area / ratio), 1.0, w - 1.0)
    y0, x0 = rng.random(n) * (h - eh), rng.random(n) * (w - ew)
    ys, xs = np.arange(h), np.arange(w)
    for i in np.flatnonzero(rng.random(n) < cfg.erase_probability):
        rows = (ys >= y0[i]) & (ys < y0[i] + eh[i])
        cols = (xs >= x0[i]) & (xs < x0[i] + ew[i])
        images[i, rows[:, None] & cols[None, :], 0] = images[i].mean()


def _degrade(images: np.ndarray, rng: np.random.Generator, cfg: AugmentConfig) -> None:
    """Blur (a random blend towards a ``cfg.blur_sigma`` blur), noise and JPEG on a random share of the faces, in
    place."""
    for i in np.flatnonzero(rng.random(len(images)) < cfg.degrade_probability):
        face = images[i, ..., 0]
        blurred = cv2.GaussianBlur(face, (7, 7), cfg.blur_sigma, borderType=cv2.BORDER_REFLECT)
        soft = face + rng.random() * (blurred - face)
        noisy = np.clip(soft + rng.uniform(0, cfg.max_noise) * rng.standard_normal(face.shape), 0, 255)
        quality = int(rng.integers(*cfg.jpeg_quality))
        _, jpeg = cv2.imencode(".jpg", noisy.astype(np.uint8), [cv2.IMWRITE_JPEG_QUALITY, quality])
        images[i, ..., 0] = cv2.imdecode(jpeg, cv2.IMREAD_GRAYSCALE)
