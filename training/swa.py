"""Stochastic weight averaging: one network whose weights are the mean of several checkpoints.

Checkpoints late in one run (``fit --snapshots``), or successive warm restarts
of one lineage, sit in the same basin of the loss; their weight average lies
nearer its flat centre and tends to generalise better than any one of them
(Izmailov et al. 2018; measured in EXPERIMENTS.md). Unlike `training ensemble`
the result costs exactly one network at inference.

Averaged batch-norm statistics do not describe the averaged network, so they
are re-estimated afterwards with one pass over the Training images, as the
network saw them in training (same augmentation).
"""

from __future__ import annotations

import logging
from pathlib import Path

import keras
import numpy as np

from training.data import Split
from training.fit import FitConfig, drop_blank, train_dataset

log = logging.getLogger(__name__)


def average_weights(models: list[keras.Model]) -> list[np.ndarray]:
    """Element-wise mean of the models' weights (they must share one architecture)."""
    weights = [m.get_weights() for m in models]
    shapes = [[w.shape for w in ws] for ws in weights]
    if any(s != shapes[0] for s in shapes):
        raise ValueError("weight averaging needs models of one architecture")
    return [np.mean(ws, axis=0) for ws in zip(*weights)]


def _batch_norms(layer: keras.layers.Layer):
    """Every BatchNormalization layer inside ``layer``, nested models included."""
    for sub in getattr(layer, "layers", []):
        if isinstance(sub, keras.layers.BatchNormalization):
            yield sub
        else:
            yield from _batch_norms(sub)


def reestimate_batchnorm(model: keras.Model, batches) -> int:
    """Set every BatchNormalization layer's moving statistics to their mean over ``batches``.

    The layer updates ``moving = moving * momentum + batch * (1 - momentum)``;
    with momentum k / (k + 1) at the k-th batch that is the exact running mean.
    Returns the number of batches seen.
    """
    norms = list(_batch_norms(model))
    kept = [layer.momentum for layer in norms]
    seen = 0
    try:
        for x, *_ in batches:
            for layer in norms:
                layer.momentum = seen / (seen + 1)
            model(x, training=True)  # eager: each call reads the momentum just set
            seen += 1
    finally:
        for layer, momentum in zip(norms, kept):
            layer.momentum = momentum
    return seen


def swa(model_paths: list[str | Path], train: Split, out: str | Path, degrade: float = 0.0,
        seed: int = 1337) -> Path:
    """Average the weights of ``model_paths``, re-estimate batch norm on ``train``, save to ``out``."""
    if len(model_paths) < 2:
        raise ValueError("weight averaging needs at least two models")
    models = [keras.models.load_model(p, compile=False) for p in model_paths]
    model = models[0]
    model.set_weights(average_weights(models))
    train = drop_blank(train)
    cfg = FitConfig(data="", out=str(out), degrade=degrade, seed=seed, batch_size=min(256, len(train)))
    batches = train_dataset(train, cfg)
    log.info("re-estimating batch norm over %d batches", batches.cardinality())
    reestimate_batchnorm(model, batches)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    model.save(out)
    return out
