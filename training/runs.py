"""What every training run shares, whatever feeds it: its settings, the optimiser and the checkpoints.

Kept free of TensorFlow so that the backend-agnostic trainer (:mod:`training.portable`) can use it on a
machine that has only JAX or PyTorch.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import keras
import numpy as np

from model.labels import NUM_CLASSES

if TYPE_CHECKING:
    from training.data import BadRowPolicy  # training.data needs OpenCV, which a GPU machine may lack


@dataclass
class FitConfig:
    """Every knob of a training run; saved as config.json in the run folder."""

    data: str
    out: str
    arch: str = "vgg"
    epochs: int = 30
    batch_size: int = 64
    lr: float = 2e-3
    weight_decay: float = 0.05
    label_smoothing: float = 0.1
    class_weight_power: float = 0.5
    seed: int = 1337
    init_weights: str | None = None
    limit: int | None = None
    on_bad_row: BadRowPolicy = "error"
    dedup: bool = False
    """Drop duplicate Training images (see :mod:`training.duplicates`)."""
    degrade: float = 0.0
    """Share of training faces given camera blur, noise and JPEG (see :mod:`training.augment`)."""
    snapshots: bool = False
    """Keep every epoch's checkpoint (21 MB each, optimizer state included) for `python -m training swa`."""
    mixup: float = 0.0
    """Beta(alpha, alpha) of mixup between faces of a batch; 0 turns it off."""
    teacher: str | None = None
    """Trained .keras models, joined by commas, whose mean soft targets the run learns from
    (:mod:`training.distill`)."""
    distill_weight: float = 0.7
    """Share of the teacher in each target; the rest is the true label."""
    temperature: float = 2.0
    """Softens the teacher's probabilities before blending (1: as they are)."""
    ferplus: str | None = None
    """FER+ votes file (``ferplus_fer2013new.csv.gz``), lined up with a FER2013 CSV (see :mod:`training.ferplus`)."""
    ferplus_weight: float = 0.3
    """How far each Training target moves toward its FER+ vote shares."""
    photo_views: float = 0.0
    """Share of faces replaced, each epoch anew, by the pipeline's crop of them from a photo
    (:mod:`training.photo_views`)."""
    freeze_bn: bool = False
    """Batch norm keeps the warm start's statistics, scale and shift (only with ``init_weights``)."""


@dataclass(frozen=True)
class AugmentConfig:
    """How training faces are varied: in TensorFlow (:mod:`training.augment`) or on the host
    (:mod:`training.augment_host`)."""

    max_rotation_deg: float = 10.0
    max_zoom: float = 0.1
    max_shift: float = 0.08
    """Fraction of the image side."""
    erase_probability: float = 0.25
    erase_area: tuple[float, float] = (0.02, 0.12)
    degrade_probability: float = 0.0
    """Share of faces given blur, noise and JPEG loss; 0 keeps the clean FER2013 pixels."""
    blur_sigma: float = 1.2
    """Of the blur a degraded face is blended towards, in pixels: about as soft as a small, slightly out-of-focus
    face gets once cropped to 48 px."""
    max_noise: float = 8.0
    """Standard deviation of the Gaussian sensor noise, in grey levels (0-255)."""
    jpeg_quality: tuple[int, int] = (30, 95)


def class_weights(labels: np.ndarray, power: float) -> np.ndarray:
    """Per-class weights (N / (K * n_k)) ** power, normalised to a mean sample weight of 1.

    ``power`` 0 ignores imbalance, 1 fully rebalances; 0.5 lifts disgust
    (436 of 28,709 images) without sacrificing the frequent classes.
    """
    counts = np.maximum(np.bincount(labels, minlength=NUM_CLASSES), 1)
    weights = (len(labels) / (NUM_CLASSES * counts)) ** power
    return weights / (weights[labels].mean())


def compile_model(model: keras.Model, cfg: FitConfig, steps_per_epoch: int, schedule: bool = True) -> None:
    """AdamW with one warm-up epoch then cosine decay to zero over the whole run; without ``schedule``, a plain
    learning rate for a callback to set (see :class:`training.portable.BudgetCosine`)."""
    learning_rate: float | keras.optimizers.schedules.LearningRateSchedule = cfg.lr / 10
    if schedule:
        learning_rate = keras.optimizers.schedules.CosineDecay(
            initial_learning_rate=cfg.lr / 10,
            decay_steps=max(1, steps_per_epoch * (cfg.epochs - 1)),
            warmup_target=cfg.lr,
            warmup_steps=steps_per_epoch,
        )
    model.compile(
        optimizer=keras.optimizers.AdamW(learning_rate=learning_rate, weight_decay=cfg.weight_decay),
        loss=keras.losses.CategoricalCrossentropy(label_smoothing=cfg.label_smoothing),
        metrics=["accuracy"],
    )


def warm_start(model: keras.Model, path: str) -> str:
    """Give ``model`` the weights of the trained model at ``path``; that file's SHA-256, for the model card."""
    model.set_weights(keras.models.load_model(path, compile=False).get_weights())
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def batch_norms(layer: keras.layers.Layer) -> Iterator[keras.layers.BatchNormalization]:
    """Every BatchNormalization layer inside ``layer``, nested models included."""
    for sub in getattr(layer, "layers", []):
        if isinstance(sub, keras.layers.BatchNormalization):
            yield sub
        else:
            yield from batch_norms(sub)


def freeze_batch_norm(model: keras.Model) -> int:
    """Hold every batch norm layer at its warm-start state; the number of layers held.

    A fine-tune on a new mix of faces (photo views) then shares batch norm exactly with the net it started
    from, so the two can be weight-averaged as they are (``swa --keep-batch-norm``), and the average keeps
    what the fine-tune learnt (EXPERIMENTS.md, 2026-11-26). A non-trainable BatchNormalization also
    normalises with its running statistics while training.
    """
    held = list(batch_norms(model))
    for layer in held:
        layer.trainable = False
    return len(held)


def atomic_save(model: keras.Model, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.stem + ".tmp.keras")
    model.save(tmp)
    os.replace(tmp, path)


def atomic_json(data: dict, path: Path) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=2))
    os.replace(tmp, path)


class RunCheckpoint(keras.callbacks.Callback):
    """After each epoch: add lr and seconds to the logs, save last/best, update state.json.

    ``save_best`` says what a new best epoch writes; :mod:`training.portable` adds a float16 copy.
    """

    def __init__(self, out: Path, state: dict, snapshots: bool):
        super().__init__()
        self.out, self.state, self.snapshots = out, state, snapshots
        self._start = 0.0

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self._start = time.monotonic()

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        logs = logs if logs is not None else {}
        logs["seconds"] = round(time.monotonic() - self._start, 1)
        opt = self.model.optimizer
        logs["lr"] = float(keras.ops.convert_to_numpy(opt.learning_rate))
        atomic_save(self.model, self.out / "last.keras")
        if self.snapshots:
            atomic_save(self.model, self.out / "epochs" / f"epoch-{epoch + 1:03d}.keras")
        val = float(logs.get("val_accuracy", 0.0))
        if val > self.state.get("best_val_accuracy", -1.0):
            self.save_best()
            self.state.update(best_val_accuracy=val, best_epoch=epoch + 1)
        self.state["epochs_done"] = epoch + 1
        atomic_json(self.state, self.out / "state.json")

    def save_best(self) -> None:
        atomic_save(self.model, self.out / "best.keras")
