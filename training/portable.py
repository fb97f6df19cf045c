"""Training on any Keras backend, in a fixed time: the path for a machine with a GPU (PyTorch or JAX).

Such a machine often has JAX or PyTorch but not TensorFlow, and GPU time is
usually counted in minutes. So this trainer uses only Keras, NumPy and OpenCV:

- the data is a pack of Training and PublicTest at 5 bits per pixel, 27 MB
  (python -m training pack-data; PrivateTest is never packed, so it stays unseen),
  read with NumPy and the standard library's lzma; each training face gets
  uniform noise of one grey-level step, so the net sees a continuous range of
  levels, as it will on full-precision faces, not only the 32 a pack holds;
- each batch is augmented on the host as the TensorFlow trainer augments
  (training.augment_host), mixup and class weights included;
- a run is --minutes long: after each epoch it stops if the next would not
  fit, keeping that epoch; --resume continues the schedule in a later run.
  With --fit-budget the schedule is the budget itself: the learning rate
  follows a cosine over the minutes, whatever an epoch costs on the machine at
  hand, so one call is one whole run.

The run folder is training.fit's (config.json, log.csv,
state.json, best.keras, last.keras), loadable anywhere
(python -m training evaluate and export take them as they are);
best.f16.npz is the best net in half the bytes, small enough to come back
from the GPU machine (python -m training restore).

    KERAS_BACKEND=jax python -m training.portable --pack fer-train-public.xz --out runs/teacher-gpu \\
        --arch vgg_wide --fit-budget --epochs 400 --minutes 8 --mixup 0.3
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import lzma
import math
import sys
import time
from dataclasses import asdict
from pathlib import Path

import cv2
import keras
import numpy as np

from model.labels import NUM_CLASSES
from training.architectures import ARCHITECTURES, build
from training.augment_host import augment_faces
from training.compact import save_half
from training.distill import soft_targets
from training.runs import AugmentConfig, FitConfig, RunCheckpoint, atomic_json, class_weights, compile_model, warm_start

log = logging.getLogger(__name__)
SPLITS = ("train", "public")
"""What a pack holds: Training and PublicTest. Never PrivateTest."""
PACK_BITS = 5
"""Grey levels kept per pixel in a pack: 5 bits carry FER2013 in 27 MB (see :func:`write_pack`)."""


def write_pack(splits: dict[str, tuple[np.ndarray, np.ndarray]], path: str | Path, bits: int = PACK_BITS) -> int:
    """Write {"train": (images, labels), "public": (...)} with ``bits`` per pixel, xz-compressed; its size in bytes.

    Sizes for FER2013's 28,697 + 3,589 faces (raw 74 MB): lossless 57 MB, 6 bits 39 MB, 5 bits 30 MB, 5 bits
    stored as :func:`_residuals` 27 MB. The shipped model's PublicTest accuracy on faces so reduced: 69.21% as
    they are, 69.04% at 6 bits, 68.90% at 5 (the vgg shipped on 2026-11-25).
    """
    if set(splits) != set(SPLITS):
        raise ValueError(f"a pack holds exactly {SPLITS}")
    arrays = {"bits": np.array(bits), "residuals": np.array(True)}
    for name, (images, labels) in splits.items():
        arrays[f"{name}_images"] = _residuals(images.astype(np.uint8) >> (8 - bits), bits)
        arrays[f"{name}_labels"] = labels.astype(np.uint8)
    raw = io.BytesIO()
    np.savez(raw, **arrays)  # type: ignore[arg-type]
    Path(path).write_bytes(lzma.compress(raw.getvalue(), preset=6))
    return Path(path).stat().st_size


def _gradient(left: np.ndarray, up: np.ndarray, corner: np.ndarray, top: int) -> np.ndarray:
    """Each pixel's guess from its neighbours: left + up - upper left, kept in range, 0 outside the image
    (lossless JPEG's fourth predictor)."""
    return np.clip(left.astype(np.int16) + up - corner, 0, top)


def _residuals(codes: np.ndarray, bits: int) -> np.ndarray:
    """Grey codes (N, H, W) as their differences from :func:`_gradient`'s guess, modulo 2**bits: small numbers
    that xz packs 9% tighter than the codes themselves."""
    c = np.pad(codes.astype(np.int16), ((0, 0), (1, 0), (1, 0)))
    guess = _gradient(c[:, 1:, :-1], c[:, :-1, 1:], c[:, :-1, :-1], (1 << bits) - 1)
    return ((codes - guess) % (1 << bits)).astype(np.uint8)


def _codes(residuals: np.ndarray, bits: int) -> np.ndarray:
    """The inverse of :func:`_residuals`: pixel by pixel, each guessed from those already decoded, over all
    images at once."""
    n, h, w = residuals.shape
    c = np.zeros((n, h + 1, w + 1), np.int16)
    for y in range(1, h + 1):
        for x in range(1, w + 1):
            guess = _gradient(c[:, y, x - 1], c[:, y - 1, x], c[:, y - 1, x - 1], (1 << bits) - 1)
            c[:, y, x] = (residuals[:, y - 1, x - 1] + guess) % (1 << bits)
    return c[:, 1:, 1:].astype(np.uint8)


def load_pack(path: str | Path) -> tuple[dict[str, tuple[np.ndarray, np.ndarray]], int]:
    """{"train": (images uint8 (N, 48, 48), labels), "public": (...)} from ``pack-data``'s file, and its grey-level
    step (8 at 5 bits): each pixel stands for the middle of a step."""
    with np.load(io.BytesIO(lzma.decompress(Path(path).read_bytes()))) as pack:
        if any(f.startswith("private") for f in pack.files):
            raise ValueError(f"{path} holds PrivateTest: packs for other machines must not")
        bits = int(pack["bits"])
        stored = {s: pack[f"{s}_images"] for s in SPLITS}
        codes = {s: _codes(v, bits) for s, v in stored.items()} if "residuals" in pack.files else stored
        step = 1 << (8 - bits)
        return {s: ((codes[s].astype(np.uint16) * step + step // 2).astype(np.uint8),
                    pack[f"{s}_labels"].astype(np.int64)) for s in SPLITS}, step


def device_name() -> str:
    """What this run computes on, for the model card: the accelerator the backend uses, else the CPU."""
    backend = keras.backend.backend()
    if backend == "jax":
        import jax

        device = jax.devices()[0]
        return f"{device.device_kind if device.platform != 'cpu' else 'CPU'} (JAX)"
    if backend == "torch":
        import torch

        return f"{torch.cuda.get_device_name() if torch.cuda.is_available() else 'CPU'} (PyTorch)"
    import tensorflow as tf

    return f"{'GPU' if tf.config.list_physical_devices('GPU') else 'CPU'} (TensorFlow)"


class Batches(keras.utils.PyDataset):
    """Shuffled, augmented batches of (faces, targets, sample weights): each pixel spread uniformly over its pack's
    grey-level ``step``; with ``mixup``, pairs of faces blended. Made by ``workers`` threads, so that the host
    keeps up with a GPU; each batch draws from its own generator (run seed, epoch, index), so the threads'
    order does not change what is drawn. OpenCV's own thread pool is switched off: the batches are already
    made in parallel, and a pool per thread per run oversubscribes the host when several runs share it."""

    def __init__(self, images: np.ndarray, labels: np.ndarray, cfg: FitConfig, epoch: int, step: int = 1,
                 targets: np.ndarray | None = None, workers: int = 4):
        super().__init__(workers=workers)
        cv2.setNumThreads(1)
        self.images = images.astype(np.float32)[..., None]
        self.targets = np.eye(NUM_CLASSES, dtype=np.float32)[labels] if targets is None else targets
        self.weights = class_weights(labels, cfg.class_weight_power)[labels].astype(np.float32)
        self.cfg, self.epoch, self.step = cfg, epoch, step
        self.augment = AugmentConfig(degrade_probability=cfg.degrade)
        self.order = np.arange(len(labels))
        self.on_epoch_end()

    def __len__(self) -> int:
        return len(self.order) // self.cfg.batch_size

    def on_epoch_end(self) -> None:
        """A new order each epoch, from the run's seed and the epoch number: a resumed run continues the sequence."""
        self.order = np.random.default_rng([self.cfg.seed, self.epoch]).permutation(len(self.order))
        self.epoch += 1

    def __getitem__(self, index: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        rng = np.random.default_rng([self.cfg.seed, self.epoch, index])
        pick = self.order[index * self.cfg.batch_size:(index + 1) * self.cfg.batch_size]
        x, y, w = self.images[pick], self.targets[pick], self.weights[pick]
        if self.step > 1:
            x = x + rng.uniform(-self.step / 2, self.step / 2, x.shape).astype(np.float32)
        x = augment_faces(x, rng, self.augment)
        if self.cfg.mixup > 0:
            lam = rng.beta(self.cfg.mixup, self.cfg.mixup, (len(pick), 1)).astype(np.float32)
            lam = np.maximum(lam, 1 - lam)  # each face stays the larger part of its blend
            other = rng.permutation(len(pick))
            x = lam[..., None, None] * x + (1 - lam[..., None, None]) * x[other]
            y = lam * y + (1 - lam) * y[other]
            w = lam[:, 0] * w + (1 - lam[:, 0]) * w[other]
        return x, y, w


class Deadline(RunCheckpoint):
    """:class:`RunCheckpoint` that also keeps the best net in float16, and stops the run when the next epoch would
    not end before ``deadline`` (a :func:`time.monotonic` time)."""

    def __init__(self, out: Path, state: dict, deadline: float):
        super().__init__(out, state, snapshots=False)
        self.deadline = deadline

    def save_best(self) -> None:
        super().save_best()
        save_half(self.model, self.out / "best.f16.npz")

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        logs = logs if logs is not None else {}
        super().on_epoch_end(epoch, logs)
        if time.monotonic() + 1.15 * logs["seconds"] > self.deadline:
            log.info("stopping after epoch %d: the next would not end within the time budget", epoch + 1)
            self.model.stop_training = True


class BudgetCosine(keras.callbacks.Callback):
    """The learning rate for each epoch from the share of the time budget already spent: the first epoch (which
    also compiles) at a tenth of ``peak``, then a cosine that reaches zero as the budget ends."""

    def __init__(self, peak: float, deadline: float):
        super().__init__()
        self.peak, self.deadline = peak, deadline
        self.start = time.monotonic()

    def on_train_begin(self, logs: dict | None = None) -> None:
        self.start = time.monotonic()

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        now = time.monotonic()
        spent = min(1.0, (now - self.start) / max(self.deadline - self.start, 1e-9))
        lr = self.peak / 10 if epoch == 0 else self.peak * 0.5 * (1 + math.cos(math.pi * spent))
        self.model.optimizer.learning_rate = lr


def portable_fit(cfg: FitConfig, pack: str | Path, minutes: float, resume: bool = False,
                 fit_budget: bool = False) -> Path:
    """Train (or resume) within ``minutes``; return the best checkpoint. With ``fit_budget`` the
    learning rate follows the budget (:class:`BudgetCosine`) and ``cfg.epochs`` is only a ceiling."""
    out = Path(cfg.out)
    out.mkdir(parents=True, exist_ok=True)
    keras.utils.set_random_seed(cfg.seed)
    deadline = time.monotonic() + minutes * 60
    data, step = load_pack(pack)
    (train_x, train_y), (val_x, val_y) = data["train"], data["public"]
    if cfg.limit:
        pick = np.random.default_rng(cfg.seed).permutation(len(train_y))[: cfg.limit]
        train_x, train_y = train_x[pick], train_y[pick]
    steps = len(train_y) // cfg.batch_size
    if steps == 0:
        raise ValueError(f"{len(train_y)} training images is less than one batch of {cfg.batch_size}")
    if resume and (out / "last.keras").exists():
        net = keras.models.load_model(out / "last.keras")
        state = json.loads((out / "state.json").read_text())
        log.info("resuming %s after epoch %d", out, state["epochs_done"])
    else:
        net = build(cfg.arch)
        state = {"epochs_done": 0, "best_val_accuracy": -1.0, "best_epoch": 0, "backend": keras.backend.backend(),
                 "device": device_name()}
        if cfg.init_weights:
            state["init_weights_sha256"] = warm_start(net, cfg.init_weights)
        compile_model(net, cfg, steps, schedule=not fit_budget)
        atomic_json(asdict(cfg) | {"pack": str(pack), "fit_budget": fit_budget}, out / "config.json")
    if state["epochs_done"] >= cfg.epochs:
        return out / "best.keras"
    targets = None
    if cfg.teacher:
        targets, state["teacher_sha256"] = soft_targets(cfg, train_x, train_y, out)
    log.info("training %s (%d params) on %d images, %d steps/epoch, backend %s, for at most %g min%s",
             net.name, net.count_params(), len(train_y), steps, keras.backend.backend(), minutes,
             f", distilling {cfg.teacher}" if cfg.teacher else "")
    callbacks: list[keras.callbacks.Callback] = [
        Deadline(out, state, deadline),
        keras.callbacks.CSVLogger(str(out / "log.csv"), append=state["epochs_done"] > 0)]
    if fit_budget:
        callbacks.insert(0, BudgetCosine(cfg.lr, deadline))
    net.fit(
        Batches(train_x, train_y, cfg, state["epochs_done"], step, targets),
        epochs=cfg.epochs,
        initial_epoch=state["epochs_done"],
        validation_data=(val_x.astype(np.float32)[..., None], np.eye(NUM_CLASSES, dtype=np.float32)[val_y]),
        validation_batch_size=512,
        callbacks=callbacks,
        verbose=2,
    )
    return out / "best.keras"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m training.portable", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--pack", help="Training + PublicTest pack from python -m training pack-data")
    p.add_argument("--out", required=True, help="run folder (resumable)")
    p.add_argument("--resume", action="store_true", help="continue the run in --out with its saved config")
    p.add_argument("--minutes", type=float, default=9.0, help="time budget of this command (default 9)")
    p.add_argument("--fit-budget", action="store_true",
                   help="the learning-rate schedule spans --minutes (one command, one run); --epochs is a ceiling")
    p.add_argument("--arch", choices=sorted(ARCHITECTURES), default="vgg_wide")
    p.add_argument("--epochs", type=int, default=60, help="total epochs of the schedule")
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--mixup", type=float, default=0.3)
    p.add_argument("--degrade", type=float, default=0.0, help="share of faces given camera blur, noise and JPEG")
    p.add_argument("--seed", type=int, default=7171)
    p.add_argument("--limit", type=int, help="only this many training faces (quick checks)")
    p.add_argument("--init-weights", help="start from this trained .keras model of the same architecture")
    p.add_argument("--teacher", nargs="+", help="distil these trained .keras models or teacher-probs files (their "
                   "mean flip-TTA probabilities, training.distill)")
    p.add_argument("--distill-weight", type=float, default=0.7, help="share of the teachers in each target (0.7)")
    p.add_argument("--temperature", type=float, default=2.0, help="softens the teachers' probabilities (2)")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    config = Path(args.out) / "config.json"
    if args.resume and config.exists():
        saved = json.loads(config.read_text())
        pack = saved.pop("pack")
        if saved.pop("fit_budget", False):
            p.error(f"{args.out} followed a time budget: it ended with its command and cannot be resumed")
        cfg = FitConfig(**saved)
    else:
        if not args.pack:
            p.error("--pack is required for a new run")
        pack = args.pack
        cfg = FitConfig(data=pack, out=args.out, arch=args.arch, epochs=args.epochs, batch_size=args.batch_size,
                        lr=args.lr, mixup=args.mixup, degrade=args.degrade, seed=args.seed, limit=args.limit,
                        init_weights=args.init_weights, teacher=",".join(args.teacher) if args.teacher else None,
                        distill_weight=args.distill_weight, temperature=args.temperature)
    best = portable_fit(cfg, pack, args.minutes, resume=args.resume, fit_budget=args.fit_budget)
    state = json.loads((Path(cfg.out) / "state.json").read_text())
    print(f"{state['epochs_done']} of {cfg.epochs} epochs; best PublicTest {state['best_val_accuracy']:.4f} "
          f"(epoch {state['best_epoch']}): {best}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
