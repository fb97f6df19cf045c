"""Soft targets from a teacher, for distilling a larger net into the shipped architecture.

Offline distillation: the teacher reads every Training face once (with the
bot's flip TTA), its probabilities are softened by a temperature and blended
with the true label, and the student then trains on those targets instead of
one-hot labels, under the same augmentation, mixup and class weights as any
run. One teacher pass costs about what one training epoch does, where a
teacher forward pass on every batch would slow each epoch by half or more.

The teacher's probabilities are cached in the run folder (``teacher_probs.npy``,
with the teacher file's SHA-256 in ``state.json``), so a resumed run reuses them.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

import keras
import numpy as np

from model.labels import NUM_CLASSES
from training.data import Split
from training.evaluate import predict_probs

log = logging.getLogger(__name__)
CACHE = "teacher_probs.npy"


def soften(probs: np.ndarray, temperature: float) -> np.ndarray:
    """Probabilities as the softmax of the logits divided by ``temperature`` (> 1 flattens, < 1 sharpens)."""
    logits = np.log(np.clip(probs, 1e-7, 1.0)) / temperature
    logits -= logits.max(axis=1, keepdims=True)
    out = np.exp(logits)
    return (out / out.sum(axis=1, keepdims=True)).astype(np.float32)


def blend(labels: np.ndarray, teacher: np.ndarray, weight: float, temperature: float) -> np.ndarray:
    """``weight`` of the softened teacher plus ``1 - weight`` of the one-hot label, per row."""
    onehot = np.eye(NUM_CLASSES, dtype=np.float32)[labels]
    return weight * soften(teacher, temperature) + (1.0 - weight) * onehot


def teacher_probs(teacher: str | Path, train: Split, out: Path) -> tuple[np.ndarray, str]:
    """The teacher's flip-TTA probabilities for ``train`` (cached in ``out``), and the teacher's SHA-256."""
    digest = hashlib.sha256(Path(teacher).read_bytes()).hexdigest()
    cache, stamp = out / CACHE, out / (CACHE + ".sha256")
    if cache.exists() and stamp.exists() and stamp.read_text() == digest:
        probs = np.load(cache)
        if len(probs) == len(train):
            return probs.astype(np.float32), digest
    log.info("teacher %s reading %d training faces", teacher, len(train))
    model = keras.models.load_model(teacher, compile=False)
    probs = predict_probs(model, train.images, "flip").astype(np.float32)
    np.save(cache, probs.astype(np.float16))
    stamp.write_text(digest)
    agreement = float((probs.argmax(1) == train.labels).mean())
    log.info("teacher agrees with %.1f%% of the training labels", agreement * 100)
    return probs, digest
