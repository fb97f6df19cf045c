"""Soft targets from a teacher, for distilling a larger net into the shipped architecture.

Offline distillation: the teacher reads every Training face once (with the
bot's flip TTA; several teachers are averaged, an ensemble acting as one
teacher), its probabilities are softened by a temperature and blended
with the true label, and the student then trains on those targets instead of
one-hot labels, under the same augmentation, mixup and class weights as any
run. One teacher pass costs about what one training epoch does, where a
teacher forward pass on every batch would slow each epoch by half or more.

The teachers' probabilities are cached in the run folder (``teacher_probs.npy``,
with the teachers' SHA-256 in ``state.json``), so a resumed run reuses them.
``python -m training teacher-probs`` writes them to a small file that can
stand in for the teachers where their files cannot travel.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from pathlib import Path

import keras
import numpy as np

from model.labels import NUM_CLASSES
from training.evaluate import predict_probs
from training.runs import FitConfig

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


def teacher_probs(teachers: Sequence[str | Path], images: np.ndarray, labels: np.ndarray,
                  out: Path) -> tuple[np.ndarray, str]:
    """The :func:`mean_probs` of ``teachers`` for ``images`` (cached in ``out``), and their SHA-256: the file's own
    for one teacher, else that of the files' digests one per line."""
    digests = [hashlib.sha256(Path(t).read_bytes()).hexdigest() for t in teachers]
    digest = digests[0] if len(digests) == 1 else hashlib.sha256("\n".join(digests).encode()).hexdigest()
    cache, stamp = out / CACHE, out / (CACHE + ".sha256")
    if cache.exists() and stamp.exists() and stamp.read_text() == digest:
        probs = np.load(cache)
        if len(probs) == len(images):
            return probs.astype(np.float32), digest
    probs = mean_probs(teachers, images, labels)
    np.save(cache, probs.astype(np.float16))
    stamp.write_text(digest)
    return probs, digest


def mean_probs(teachers: Sequence[str | Path], images: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """The teachers' mean flip-TTA probabilities for ``images``: a .keras teacher reads the faces now, a .npz of
    :func:`save_probs` brings what its teachers read before (for these very faces, checked by their labels)."""
    probs = np.zeros((len(images), NUM_CLASSES), np.float32)
    for teacher in teachers:
        if is_probs_file(teacher):
            probs += read_probs(teacher, labels) / len(teachers)
            continue
        log.info("teacher %s reading %d training faces", teacher, len(images))
        probs += predict_probs(keras.models.load_model(teacher, compile=False), images, "flip") / len(teachers)
    log.info("the teachers agree with %.1f%% of the training labels", float((probs.argmax(1) == labels).mean()) * 100)
    return probs


def save_probs(teachers: Sequence[str | Path], images: np.ndarray, labels: np.ndarray, path: str | Path) -> None:
    """The teachers' :func:`mean_probs` in one small file (float16, with the labels they were read for and the
    teachers' names), so that a student can be distilled where the teacher files are not: three vgg_wide teachers
    are 48 MB, too much to copy to a GPU machine beside the pack; their probabilities are 0.4 MB."""
    probs = mean_probs(teachers, images, labels)
    with open(path, "wb") as f:
        np.savez_compressed(f, probs=probs.astype(np.float16), labels=labels.astype(np.uint8),
                            teachers=np.array([str(t) for t in teachers]))


def read_probs(path: str | Path, labels: np.ndarray) -> np.ndarray:
    """The probabilities a :func:`save_probs` file holds, refused unless they were read for faces with ``labels``."""
    with np.load(path) as stored:
        if not np.array_equal(stored["labels"], labels):
            raise ValueError(f"{path} holds probabilities for other faces than these {len(labels)}")
        return stored["probs"].astype(np.float32)


def is_probs_file(teacher: str | Path) -> bool:
    """Whether a ``--teacher`` names a :func:`save_probs` file rather than a .keras model."""
    return Path(teacher).suffix == ".npz"


def teacher_models(spec: str) -> list[str]:
    """The .keras teachers behind a run's ``teacher`` setting: a :func:`save_probs` file stands for the teachers
    it was made from (itself when it is no longer here to say)."""
    models = []
    for teacher in teachers_of(spec):
        if is_probs_file(teacher) and Path(teacher).is_file():
            with np.load(teacher) as stored:
                models += [str(t) for t in stored["teachers"]]
        else:
            models.append(teacher)
    return models


def soft_targets(cfg: FitConfig, images: np.ndarray, labels: np.ndarray, out: Path) -> tuple[np.ndarray, str]:
    """The run's training targets from its teachers (:func:`teacher_probs` blended as ``cfg`` says), and the
    teachers' SHA-256 for state.json."""
    assert cfg.teacher is not None
    probs, digest = teacher_probs(teachers_of(cfg.teacher), images, labels, out)
    return blend(labels, probs, cfg.distill_weight, cfg.temperature), digest


def teachers_of(spec: str) -> list[str]:
    """The teacher files of a run's ``teacher`` setting: one path, or several joined by commas."""
    return [path for path in spec.split(",") if path]
