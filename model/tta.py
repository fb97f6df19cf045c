"""Test-time augmentation: classify several views of a face and average.

Evaluation (``training``) and inference (``model.classifier``) both use these
two functions, so the accuracy in the model card is the accuracy the bot gets.
"""

from __future__ import annotations

import numpy as np

TTA_MODES = ("none", "flip", "flip-shift")
"""``none``: the image as is. ``flip``: plus its mirror image (2 views).
``flip-shift``: image and mirror, each also shifted 2 px in the four directions (10 views)."""

_SHIFTS = ((0, 0), (-2, 0), (2, 0), (0, -2), (0, 2))


def _shift(x: np.ndarray, dy: int, dx: int) -> np.ndarray:
    """Shift a (N, H, W, C) batch, repeating the edge pixels into the gap."""
    if dy == 0 and dx == 0:
        return x
    h, w = x.shape[1:3]
    pad = np.pad(x, ((0, 0), (2, 2), (2, 2), (0, 0)), mode="edge")
    return pad[:, 2 - dy:2 - dy + h, 2 - dx:2 - dx + w]


def tta_views(x: np.ndarray, mode: str) -> np.ndarray:
    """Return the views of batch ``x`` (N, 48, 48, 1) stacked view-major: (V*N, 48, 48, 1)."""
    if mode not in TTA_MODES:
        raise ValueError(f"unknown TTA mode {mode!r}; choose from {', '.join(TTA_MODES)}")
    if mode == "none":
        return x
    flipped = x[:, :, ::-1]
    if mode == "flip":
        return np.concatenate([x, flipped])
    return np.concatenate([_shift(v, dy, dx) for v in (x, flipped) for dy, dx in _SHIFTS])


def merge_views(probs: np.ndarray, n: int) -> np.ndarray:
    """Average the per-view probabilities of :func:`tta_views` back to (N, 7)."""
    return probs.reshape(-1, n, probs.shape[-1]).mean(axis=0)
