"""Fit an emotion CNN on FER2013 Training, choosing checkpoints on PublicTest.

A run lives in one folder and can always be resumed:

    out/config.json   the settings the run started with
    out/log.csv       one row per epoch (loss, accuracy, val_*, lr, seconds)
    out/last.keras    model + optimizer after the newest finished epoch
    out/best.keras    the epoch with the best PublicTest accuracy so far
    out/state.json    epochs done, best epoch and its PublicTest accuracy (and the
                      SHA-256 of the --init-weights file, so a model card can name it)
    out/epochs/       with ``--snapshots``: each epoch's weights, for weight averaging
    out/teacher_probs.npy  with ``--teacher``: the teacher's probabilities for Training
    out/photo_views.npy    with ``--photo-views``: each Training face as cropped from a photo

``--resume`` continues from ``last.keras`` (optimizer, learning-rate schedule
and epoch counter included); Ctrl-C stops cleanly and keeps the last finished
epoch. Checkpoints are written to a temporary name and renamed, so a kill
mid-write never leaves a broken file behind.
"""

from __future__ import annotations

import json
import logging
import sys
from dataclasses import asdict
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from model.labels import NUM_CLASSES
from training.architectures import build
from training.augment import augment_batch, mixup
from training.data import DatasetError, Split, load_fer2013
from training.distill import soft_targets
from training.duplicates import dedup_training
from training.ferplus import mix_votes, training_votes
from training.photo_views import cached_views
from training.runs import (
    AugmentConfig,
    FitConfig,
    RunCheckpoint,
    atomic_json,
    class_weights,
    compile_model,
    freeze_batch_norm,
    warm_start,
)

log = logging.getLogger(__name__)


def drop_blank(split: Split) -> Split:
    """Remove (near-)constant images: FER2013 Training holds all-black frames that teach nothing."""
    keep = split.images.reshape(len(split), -1).std(axis=1) >= 1.0
    if not keep.all():
        log.info("dropped %d blank training image(s)", int((~keep).sum()))
    return split.subset(keep)


def _inputs(split: Split) -> np.ndarray:
    return split.images.astype(np.float32)[..., None]


def train_dataset(split: Split, cfg: FitConfig, targets: np.ndarray | None = None,
                  views: np.ndarray | None = None) -> tf.data.Dataset:
    """Shuffled, augmented, weighted batches: (x, target y, sample weight); y is one-hot unless ``targets``.
    With ``views`` (each face's photo view, :mod:`training.photo_views`) a share ``cfg.photo_views`` of the faces
    of each batch is that view instead."""
    augment = AugmentConfig(degrade_probability=cfg.degrade)
    weights = class_weights(split.labels, cfg.class_weight_power)[split.labels].astype(np.float32)
    y = np.eye(NUM_CLASSES, dtype=np.float32)[split.labels] if targets is None else targets
    faces = split.images[..., None] if views is None else np.stack([split.images, views], axis=-1)
    ds = tf.data.Dataset.from_tensor_slices((faces, y, weights))
    ds = ds.shuffle(len(split), seed=cfg.seed, reshuffle_each_iteration=True)
    ds = ds.batch(cfg.batch_size, drop_remainder=True)
    # Each batch gets its own stateless seed from a seeded counter: reproducible and independent.
    seeds = tf.data.Dataset.random(seed=cfg.seed).batch(2)

    def prepare(batch: tuple[tf.Tensor, tf.Tensor, tf.Tensor], seed: tf.Tensor):
        faces = tf.cast(batch[0], tf.float32)
        if views is not None:
            pick = tf.random.stateless_uniform([tf.shape(faces)[0], 1, 1, 1],
                                               tf.random.experimental.stateless_fold_in(seed, 11)) < cfg.photo_views
            faces = tf.where(pick, faces[..., 1:], faces[..., :1])
        images = augment_batch(faces, seed, augment)
        if cfg.mixup > 0:
            return mixup(images, batch[1], batch[2], tf.random.experimental.stateless_fold_in(seed, 7), cfg.mixup)
        return images, batch[1], batch[2]

    ds = tf.data.Dataset.zip((ds, seeds)).map(prepare, num_parallel_calls=tf.data.AUTOTUNE)
    return ds.prefetch(tf.data.AUTOTUNE)


def _with_votes(cfg: FitConfig, train: Split, whole: Split, targets: np.ndarray | None) -> np.ndarray:
    """The run's targets (one-hot unless distilling) moved toward FER+'s votes for the same rows."""
    assert cfg.ferplus is not None
    votes = training_votes(cfg.ferplus)
    if len(votes) != len(whole) or train.rows is None:
        raise DatasetError(f"{cfg.ferplus} has {len(votes)} Training rows against the data's {len(whole)}: FER+ "
                           "lines up only with the complete FER2013 CSV")
    base = np.eye(NUM_CLASSES, dtype=np.float32)[train.labels] if targets is None else targets
    return mix_votes(base, votes[train.rows], cfg.ferplus_weight)


def fit(cfg: FitConfig, resume: bool = False) -> Path:
    """Run (or resume) training; return the path of the best checkpoint."""
    out = Path(cfg.out)
    out.mkdir(parents=True, exist_ok=True)
    keras.utils.set_random_seed(cfg.seed)

    data = load_fer2013(cfg.data, on_bad_row=cfg.on_bad_row)
    train = data.train
    if cfg.dedup:
        train, dropped = dedup_training(data)
        log.info("dropped %d duplicate training image(s) (copies of test images, conflicting labels, repeats)",
                 dropped)
    train = drop_blank(train)
    if cfg.limit:
        pick = np.random.default_rng(cfg.seed).permutation(len(train))[: cfg.limit]
        train = train.subset(pick)
    val = data.public_test
    steps = len(train) // cfg.batch_size
    if steps == 0:
        raise ValueError(f"{len(train)} training images is less than one batch of {cfg.batch_size}")

    state_path = out / "state.json"
    if resume and (out / "last.keras").exists():
        model = keras.models.load_model(out / "last.keras")
        state = json.loads(state_path.read_text())
        log.info("resuming %s after epoch %d", out, state["epochs_done"])
    else:
        if resume:
            log.warning("nothing to resume in %s; starting a new run", out)
        model = build(cfg.arch)
        state = {"epochs_done": 0, "best_val_accuracy": -1.0, "best_epoch": 0}
        if cfg.init_weights:
            state["init_weights_sha256"] = warm_start(model, cfg.init_weights)
            log.info("warm start from %s", cfg.init_weights)
            if cfg.freeze_bn:
                log.info("holding %d batch norm layer(s) at their warm-start state", freeze_batch_norm(model))
        compile_model(model, cfg, steps)
        atomic_json(asdict(cfg), out / "config.json")
    if state["epochs_done"] >= cfg.epochs:
        log.info("run already has %d of %d epochs", state["epochs_done"], cfg.epochs)
        return out / "best.keras"

    targets = None
    if cfg.teacher:
        targets, state["teacher_sha256"] = soft_targets(cfg, train.images, train.labels, out)
    if cfg.ferplus:
        targets = _with_votes(cfg, train, data.train, targets)
    views = cached_views(train.images, cfg.seed, out) if cfg.photo_views else None
    log.info("training %s (%d params) on %d images, %d steps/epoch%s", model.name, model.count_params(), len(train),
             steps, (f", distilling {cfg.teacher}" if cfg.teacher else "")
             + (f", {cfg.ferplus_weight:g} toward FER+ votes" if cfg.ferplus else "")
             + (f", {cfg.photo_views:g} of the faces as photo views" if cfg.photo_views else ""))
    callbacks = [
        RunCheckpoint(out, state, cfg.snapshots),
        keras.callbacks.CSVLogger(str(out / "log.csv"), append=state["epochs_done"] > 0),
    ]
    try:
        model.fit(
            train_dataset(train, cfg, targets, views),
            epochs=cfg.epochs,
            initial_epoch=state["epochs_done"],
            validation_data=(_inputs(val), np.eye(NUM_CLASSES, dtype=np.float32)[val.labels]),
            validation_batch_size=256,
            callbacks=callbacks,
            shuffle=False,  # the dataset shuffles itself, every epoch
            verbose=1 if sys.stdout.isatty() else 2,
        )
    except KeyboardInterrupt:
        log.warning("interrupted; %s holds epoch %d, continue with --resume",
                    out / "last.keras", state["epochs_done"])
        raise
    return out / "best.keras"
