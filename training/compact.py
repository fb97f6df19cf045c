"""A run in one small file, and back: what another machine (or a later start) needs to continue a long run.

Long runs (a teacher takes tens of CPU hours) are often stopped and continued
elsewhere, so a run must fit in a file small enough to copy or archive.
``last.keras`` of the 4 M-parameter teacher is 48 MB; the pack is about a
quarter of that:

* every model variable (weights and batch-norm statistics) in float16;
* Adam's second moments in 8 bits on a log scale (one range per tensor): they
  span five orders of magnitude, which a log scale keeps to a few percent;
* Adam's first moments are left out. They rebuild within about ten steps
  (beta1 = 0.9), and starting them at zero only makes the first steps
  smaller, never larger;
* the step counter (so the learning-rate schedule goes on where it was),
  config.json, state.json and log.csv.

``unpack`` rebuilds the run folder (``last.keras`` with its optimizer at the
same step), so ``fit --resume`` continues. The pack holds the newest epoch
only: after unpacking, ``best.keras`` is that epoch and the state's best
PublicTest accuracy is its own.
"""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path
from typing import Any

import keras
import numpy as np

from training.architectures import build
from training.runs import FitConfig, atomic_save, compile_model

_LEVELS = 255


def _log8(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """uint8 codes of log(values) over their own range, and that range."""
    logs = np.log(np.maximum(values, 1e-30)).astype(np.float32)
    lo, hi = float(logs.min()), float(logs.max())
    scale = (hi - lo) or 1.0
    return np.round((logs - lo) / scale * _LEVELS).astype(np.uint8), np.array([lo, hi], np.float32)


def _unlog8(codes: np.ndarray, bounds: np.ndarray) -> np.ndarray:
    lo, hi = float(bounds[0]), float(bounds[1])
    return np.exp(lo + codes.astype(np.float32) / _LEVELS * ((hi - lo) or 1.0)).astype(np.float32)


def pack(run: Path, out: Path) -> Path:
    """Write the newest epoch of ``run`` to ``out`` (an .npz file, replaced atomically)."""
    model = keras.models.load_model(run / "last.keras")
    optimizer = model.optimizer
    state = json.loads((run / "state.json").read_text())
    iterations = int(keras.ops.convert_to_numpy(optimizer.iterations))
    meta = {"config": json.loads((run / "config.json").read_text()), "state": state,
            "log": (run / "log.csv").read_text(), "iterations": iterations,
            "steps_per_epoch": iterations // max(1, state["epochs_done"])}
    arrays: dict[str, Any] = {"meta": np.frombuffer(json.dumps(meta).encode(), np.uint8)}
    for i, variable in enumerate(model.weights):
        arrays[f"w{i}"] = keras.ops.convert_to_numpy(variable).astype(np.float16)
    for i, velocity in enumerate(optimizer._velocities):
        arrays[f"v{i}"], arrays[f"v{i}_range"] = _log8(keras.ops.convert_to_numpy(velocity))
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.stem + ".tmp.npz")
    np.savez_compressed(tmp, **arrays)
    os.replace(tmp, out)
    return out


def unpack(packed: Path, run: Path) -> Path:
    """Rebuild a resumable run folder from a pack; returns ``run``."""
    with np.load(packed) as data:
        meta = json.loads(bytes(data["meta"]).decode())
        cfg = FitConfig(**{**meta["config"], "out": str(run)})
        model = build(cfg.arch)
        compile_model(model, cfg, meta["steps_per_epoch"])
        for i, variable in enumerate(model.weights):
            variable.assign(data[f"w{i}"].astype(np.float32))
        optimizer = model.optimizer
        optimizer.build(model.trainable_variables)
        optimizer.iterations.assign(meta["iterations"])
        for i, velocity in enumerate(optimizer._velocities):
            velocity.assign(_unlog8(data[f"v{i}"], data[f"v{i}_range"]))
    run.mkdir(parents=True, exist_ok=True)
    atomic_save(model, run / "last.keras")
    atomic_save(model, run / "best.keras")
    state = meta["state"]
    newest = list(csv.DictReader(io.StringIO(meta["log"])))[-1]
    state.update(best_epoch=state["epochs_done"], best_val_accuracy=float(newest["val_accuracy"]))
    (run / "state.json").write_text(json.dumps(state, indent=2))
    (run / "config.json").write_text(json.dumps(meta["config"] | {"out": str(run)}, indent=2))
    (run / "log.csv").write_text(meta["log"])
    return run


def save_half(model: keras.Model, path: Path) -> Path:
    """The net alone, every variable in float16 (``vgg_wide``: 8 MB against 16): to come back from another machine."""
    arrays: dict[str, Any] = {"arch": np.frombuffer(model.name.encode(), np.uint8)}
    for i, variable in enumerate(model.weights):
        arrays[f"w{i}"] = keras.ops.convert_to_numpy(variable).astype(np.float16)
    tmp = path.with_name(path.stem + ".tmp.npz")
    np.savez_compressed(tmp, **arrays)
    os.replace(tmp, path)
    return path


def restore_half(packed: Path) -> keras.Model:
    """The net :func:`save_half` wrote, rebuilt in float32 (to evaluate, export or distil from)."""
    with np.load(packed) as data:
        model = build(bytes(data["arch"]).decode())
        for i, variable in enumerate(model.weights):
            variable.assign(data[f"w{i}"].astype(np.float32))
    return model
