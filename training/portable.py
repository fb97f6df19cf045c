"""Training on any Keras backend, in a fixed time: the path for a lent GPU (JAX or PyTorch, no TensorFlow).

The GPU machine has JAX and PyTorch but neither TensorFlow nor OpenCV, and runs
one command for at most 10 minutes. So this trainer uses only NumPy and Keras:

- the data is a pack of Training and PublicTest at 5 bits per pixel, 30 MB
  (``python -m training pack-data``; PrivateTest never leaves this machine),
  read with NumPy and the standard library's lzma;
- augmentation is Keras' own random layers (flip, rotation, zoom, shift,
  contrast) in front of the net, run on the device; mixup and class weights
  are applied to NumPy batches. (The TensorFlow trainer's camera degradation,
  blur, noise and JPEG, has no counterpart here.)
- a run is ``--minutes`` long: after each epoch it stops if the next would not
  fit, keeping that epoch; ``--resume`` continues the schedule in a later command.

The run folder is :mod:`training.fit`'s (``config.json``, ``log.csv``,
``state.json``, ``best.keras``, ``last.keras``); ``best.keras`` and ``last.keras``
are the plain net, without the augmentation layers, loadable anywhere
(``python -m training evaluate`` and ``export`` take them as they are);
``best.f16.npz`` is the best net in half the bytes, small enough to come back
from the GPU machine (``python -m training restore``); the trainer with its
optimiser state is ``trainer.keras``.

    KERAS_BACKEND=jax python -m training.portable --pack fer-train-public.npz --out runs/teacher-gpu \\
        --arch vgg_wide --epochs 120 --minutes 9 --mixup 0.3 [--resume]
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import lzma
import sys
import time
from dataclasses import asdict
from pathlib import Path

import keras
import numpy as np

from model.labels import INPUT_SIZE, NUM_CLASSES
from training.architectures import ARCHITECTURES, build
from training.compact import save_half
from training.runs import FitConfig, RunCheckpoint, atomic_json, atomic_save, class_weights, compile_model

log = logging.getLogger(__name__)
SPLITS = ("train", "public")
"""What a pack holds: Training and PublicTest. Never PrivateTest."""
PACK_BITS = 5
"""Grey levels kept per pixel in a pack: 5 bits carry FER2013 in 30 MB (see :func:`write_pack`)."""


def write_pack(splits: dict[str, tuple[np.ndarray, np.ndarray]], path: str | Path, bits: int = PACK_BITS) -> int:
    """Write {"train": (images, labels), "public": (...)} with ``bits`` per pixel, xz-compressed; its size in bytes.

    Sizes for FER2013's 28,697 + 3,589 faces (raw 74 MB): lossless 57 MB, 6 bits 39 MB, 5 bits 30 MB. The
    shipped model's PublicTest accuracy on faces so reduced: 69.21% as they are, 69.04% at 6 bits, 68.90% at 5.
    """
    if set(splits) != set(SPLITS):
        raise ValueError(f"a pack holds exactly {SPLITS}")
    arrays = {"bits": np.array(bits)}
    for name, (images, labels) in splits.items():
        arrays[f"{name}_images"] = (images.astype(np.uint8) >> (8 - bits)).astype(np.uint8)
        arrays[f"{name}_labels"] = labels.astype(np.uint8)
    raw = io.BytesIO()
    np.savez(raw, **arrays)  # type: ignore[arg-type]
    Path(path).write_bytes(lzma.compress(raw.getvalue(), preset=6))
    return Path(path).stat().st_size


def load_pack(path: str | Path) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """{"train": (images uint8 (N, 48, 48), labels), "public": (...)} from ``pack-data``'s file."""
    with np.load(io.BytesIO(lzma.decompress(Path(path).read_bytes()))) as pack:
        if any(f.startswith("private") for f in pack.files):
            raise ValueError(f"{path} holds PrivateTest: packs for other machines must not")
        step = 1 << (8 - int(pack["bits"]))
        return {s: ((pack[f"{s}_images"].astype(np.uint16) * step + step // 2).astype(np.uint8),
                    pack[f"{s}_labels"].astype(np.int64)) for s in SPLITS}


def augmenter(seed: int) -> keras.Sequential:
    """Random flip, rotation (±10°), zoom (±10%), shift (±10%) and contrast, active only while training."""
    return keras.Sequential([
        keras.layers.RandomFlip("horizontal", seed=seed),
        keras.layers.RandomRotation(10 / 360, fill_mode="reflect", seed=seed + 1),
        keras.layers.RandomZoom(0.1, fill_mode="reflect", seed=seed + 2),
        keras.layers.RandomTranslation(0.1, 0.1, fill_mode="reflect", seed=seed + 3),
        keras.layers.RandomContrast(0.2, seed=seed + 4),
    ], name="augment")


class Batches(keras.utils.PyDataset):
    """Shuffled batches of (faces, targets, sample weights); with ``mixup``, pairs of faces blended."""

    def __init__(self, images: np.ndarray, labels: np.ndarray, cfg: FitConfig, epoch: int):
        super().__init__()
        self.images = images.astype(np.float32)[..., None]
        self.targets = np.eye(NUM_CLASSES, dtype=np.float32)[labels]
        self.weights = class_weights(labels, cfg.class_weight_power)[labels].astype(np.float32)
        self.cfg, self.epoch = cfg, epoch
        self.order = np.arange(len(labels))
        self.on_epoch_end()

    def __len__(self) -> int:
        return len(self.order) // self.cfg.batch_size

    def on_epoch_end(self) -> None:
        """A new order each epoch, from the run's seed and the epoch number: a resumed run continues the sequence."""
        self.rng = np.random.default_rng([self.cfg.seed, self.epoch])
        self.order = self.rng.permutation(len(self.order))
        self.epoch += 1

    def __getitem__(self, index: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        pick = self.order[index * self.cfg.batch_size:(index + 1) * self.cfg.batch_size]
        x, y, w = self.images[pick], self.targets[pick], self.weights[pick]
        if self.cfg.mixup > 0:
            lam = self.rng.beta(self.cfg.mixup, self.cfg.mixup, (len(pick), 1)).astype(np.float32)
            lam = np.maximum(lam, 1 - lam)  # each face stays the larger part of its blend
            other = self.rng.permutation(len(pick))
            x = lam[..., None, None] * x + (1 - lam[..., None, None]) * x[other]
            y = lam * y + (1 - lam) * y[other]
            w = lam[:, 0] * w + (1 - lam[:, 0]) * w[other]
        return x, y, w


class Deadline(RunCheckpoint):
    """:class:`RunCheckpoint` for the trainer: the plain net as last/best (the best also in float16), the trainer
    with its optimiser as ``trainer.keras``; and a stop when the next epoch would not end within the budget."""

    def __init__(self, out: Path, net: keras.Model, state: dict, seconds: float):
        super().__init__(out, state, snapshots=False)
        self.net = net
        self.deadline = time.monotonic() + seconds

    def save_last(self, epoch: int) -> None:
        atomic_save(self.model, self.out / "trainer.keras")
        atomic_save(self.net, self.out / "last.keras")

    def save_best(self) -> None:
        atomic_save(self.net, self.out / "best.keras")
        save_half(self.net, self.out / "best.f16.npz")

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        logs = logs if logs is not None else {}
        super().on_epoch_end(epoch, logs)
        if time.monotonic() + 1.15 * logs["seconds"] > self.deadline:
            log.info("stopping after epoch %d: the next would not end within the time budget", epoch + 1)
            self.model.stop_training = True


def portable_fit(cfg: FitConfig, pack: str | Path, minutes: float, resume: bool = False) -> Path:
    """Train (or resume) within ``minutes``; return the best checkpoint of the plain net."""
    out = Path(cfg.out)
    out.mkdir(parents=True, exist_ok=True)
    keras.utils.set_random_seed(cfg.seed)
    data = load_pack(pack)
    (train_x, train_y), (val_x, val_y) = data["train"], data["public"]
    if cfg.limit:
        pick = np.random.default_rng(cfg.seed).permutation(len(train_y))[: cfg.limit]
        train_x, train_y = train_x[pick], train_y[pick]
    steps = len(train_y) // cfg.batch_size
    if steps == 0:
        raise ValueError(f"{len(train_y)} training images is less than one batch of {cfg.batch_size}")
    if resume and (out / "trainer.keras").exists():
        trainer = keras.models.load_model(out / "trainer.keras")
        state = json.loads((out / "state.json").read_text())
        log.info("resuming %s after epoch %d", out, state["epochs_done"])
    else:
        net = build(cfg.arch)
        trainer = keras.Sequential([keras.Input((INPUT_SIZE, INPUT_SIZE, 1)), augmenter(cfg.seed), net],
                                   name=f"{net.name}_trainer")
        compile_model(trainer, cfg, steps)
        state = {"epochs_done": 0, "best_val_accuracy": -1.0, "best_epoch": 0, "backend": keras.backend.backend()}
        atomic_json(asdict(cfg) | {"pack": str(pack)}, out / "config.json")
    if state["epochs_done"] >= cfg.epochs:
        return out / "best.keras"
    net = trainer.layers[-1]
    log.info("training %s (%d params) on %d images, %d steps/epoch, backend %s, for at most %g min",
             net.name, net.count_params(), len(train_y), steps, keras.backend.backend(), minutes)
    trainer.fit(
        Batches(train_x, train_y, cfg, state["epochs_done"]),
        epochs=cfg.epochs,
        initial_epoch=state["epochs_done"],
        validation_data=(val_x.astype(np.float32)[..., None], np.eye(NUM_CLASSES, dtype=np.float32)[val_y]),
        validation_batch_size=512,
        callbacks=[Deadline(out, net, state, minutes * 60),
                   keras.callbacks.CSVLogger(str(out / "log.csv"), append=state["epochs_done"] > 0)],
        verbose=2,
    )
    return out / "best.keras"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m training.portable", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--pack", help="Training + PublicTest pack from `python -m training pack-data`")
    p.add_argument("--out", required=True, help="run folder (resumable)")
    p.add_argument("--resume", action="store_true", help="continue the run in --out with its saved config")
    p.add_argument("--minutes", type=float, default=9.0, help="time budget of this command (default 9)")
    p.add_argument("--arch", choices=sorted(ARCHITECTURES), default="vgg_wide")
    p.add_argument("--epochs", type=int, default=60, help="total epochs of the schedule")
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--mixup", type=float, default=0.3)
    p.add_argument("--seed", type=int, default=7171)
    p.add_argument("--limit", type=int, help="only this many training faces (quick checks)")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    config = Path(args.out) / "config.json"
    if args.resume and config.exists():
        saved = json.loads(config.read_text())
        pack = saved.pop("pack")
        cfg = FitConfig(**saved)
    else:
        if not args.pack:
            p.error("--pack is required for a new run")
        pack = args.pack
        cfg = FitConfig(data=pack, out=args.out, arch=args.arch, epochs=args.epochs, batch_size=args.batch_size,
                        lr=args.lr, mixup=args.mixup, seed=args.seed, limit=args.limit)
    best = portable_fit(cfg, pack, args.minutes, resume=args.resume)
    state = json.loads((Path(cfg.out) / "state.json").read_text())
    print(f"{state['epochs_done']} of {cfg.epochs} epochs; best PublicTest {state['best_val_accuracy']:.4f} "
          f"(epoch {state['best_epoch']}): {best}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
