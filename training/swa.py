"""Stochastic weight averaging: one network whose weights are the mean of several checkpoints.

Checkpoints late in one run (``fit --snapshots``), or successive warm restarts
of one lineage, sit in the same basin of the loss; their weight average lies
nearer its flat centre and tends to generalise better than any one of them
(Izmailov et al. 2018; measured in EXPERIMENTS.md). Unlike `training ensemble`
the result costs exactly one network at inference.

Averaged batch-norm statistics do not describe the averaged network, so they
are re-estimated afterwards with one pass over the Training images, as the
network saw them in training (same augmentation). Fine-tunes of one model that
held batch norm (``fit --freeze-bn``) share it exactly; averaged with their
start they keep it (``keep_batch_norm``): re-estimating on plain faces would
undo the batch norm the fine-tune was trained under (measured in EXPERIMENTS.md).
"""

from __future__ import annotations

import logging
from pathlib import Path

import keras
import numpy as np

from training.data import Split
from training.fit import FitConfig, drop_blank, train_dataset
from training.runs import batch_norms

log = logging.getLogger(__name__)


def average_weights(models: list[keras.Model]) -> list[np.ndarray]:
    """Element-wise mean of the models' weights (they must share one architecture)."""
    weights = [m.get_weights() for m in models]
    shapes = [[w.shape for w in ws] for ws in weights]
    if any(s != shapes[0] for s in shapes):
        raise ValueError("weight averaging needs models of one architecture")
    return [np.mean(ws, axis=0) for ws in zip(*weights)]


def reestimate_batchnorm(model: keras.Model, batches) -> int:
    """Set every BatchNormalization layer's moving statistics to their mean over ``batches``.

    The layer updates ``moving = moving * momentum + batch * (1 - momentum)``;
    with momentum k / (k + 1) at the k-th batch that is the exact running mean.
    Returns the number of batches seen.
    """
    norms = list(batch_norms(model))
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


def _one_batch_norm(models: list[keras.Model]) -> bool:
    """Whether every model's batch norm layers hold the same weights and statistics."""
    first = [w for layer in batch_norms(models[0]) for w in layer.get_weights()]
    return all(len(first) == len(other) and all(np.array_equal(a, b) for a, b in zip(first, other))
               for other in ([w for layer in batch_norms(m) for w in layer.get_weights()] for m in models[1:]))


def swa(model_paths: list[str | Path], train: Split | None, out: str | Path, degrade: float = 0.0,
        seed: int = 1337) -> Path:
    """Average the weights of ``model_paths``, re-estimate batch norm on ``train``, save to ``out``.

    ``train`` None keeps the members' batch norm instead, which they must share (see the module's docstring).
    """
    if len(model_paths) < 2:
        raise ValueError("weight averaging needs at least two models")
    models = [keras.models.load_model(p, compile=False) for p in model_paths]
    if train is None and not _one_batch_norm(models):
        raise ValueError("keeping batch norm needs members that share it: fine-tunes of one model with "
                         "--freeze-bn, and that model")
    model = models[0]
    model.set_weights(average_weights(models))
    if train is not None:
        train = drop_blank(train)
        cfg = FitConfig(data="", out=str(out), degrade=degrade, seed=seed, batch_size=min(256, len(train)))
        batches = train_dataset(train, cfg)
        log.info("re-estimating batch norm over %d batches", batches.cardinality())
        reestimate_batchnorm(model, batches)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    model.save(out)
    return out
