"""Readers for FER2013 in the two layouts users actually have.

1. The challenge CSV (``emotion,pixels,Usage``), plain or gzip-compressed.
2. The image-folder mirrors: ``train/<class>/*.png|jpg`` and ``test/<class>/...``
   (Kaggle "msambare" layout, test files named ``PublicTest_*``/``PrivateTest_*``),
   or ``Training/``, ``PublicTest/``, ``PrivateTest/`` folders.

Both give a :class:`Fer2013` with the three standard splits: fit on Training,
choose checkpoints on PublicTest, report on PrivateTest.
"""

from __future__ import annotations

import csv
import gzip
import io
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import cv2
import numpy as np

from model.labels import EMOTIONS, NUM_CLASSES, emotion_index
from model.preprocess import INPUT_SIZE, face_to_input

log = logging.getLogger(__name__)

PIXELS = INPUT_SIZE * INPUT_SIZE
SPLITS = ("Training", "PublicTest", "PrivateTest")
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".webp"}
BadRowPolicy = Literal["error", "skip"]


class DatasetError(ValueError):
    """The dataset cannot be read; the message names the file and line."""


@dataclass(frozen=True)
class Split:
    """Images (N, 48, 48) uint8 and labels (N,) int64 of one split."""

    images: np.ndarray
    labels: np.ndarray
    rows: np.ndarray | None = None
    """Each image's position among its split's rows in the source file (what lines FER+ votes up with)."""

    def __len__(self) -> int:
        return len(self.labels)

    def subset(self, pick: np.ndarray) -> Split:
        """The images a boolean mask or index array picks, with their labels and row positions."""
        return Split(self.images[pick], self.labels[pick], None if self.rows is None else self.rows[pick])

    def class_counts(self) -> np.ndarray:
        return np.bincount(self.labels, minlength=NUM_CLASSES)


@dataclass(frozen=True)
class Fer2013:
    """The three standard splits plus how many bad rows were skipped."""

    train: Split
    public_test: Split
    private_test: Split
    skipped: int = 0

    def split(self, name: str) -> Split:
        return {"Training": self.train, "PublicTest": self.public_test, "PrivateTest": self.private_test}[name]


def load_fer2013(path: str | Path, on_bad_row: BadRowPolicy = "error") -> Fer2013:
    """Load FER2013 from a challenge CSV (``.csv``/``.csv.gz``) or an image-folder tree."""
    path = Path(path)
    if path.is_dir():
        return _load_folders(path, on_bad_row)
    if not path.exists():
        raise DatasetError(f"{path}: no such file or folder")
    return _load_csv(path, on_bad_row)


def _open_text(path: Path) -> io.TextIOBase:
    with open(path, "rb") as probe:
        magic = probe.read(2)
    if magic == b"\x1f\x8b":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8", newline="")
    return open(path, encoding="utf-8", newline="")


def _parse_row(row: dict[str, str]) -> tuple[int, np.ndarray, str]:
    """Validate one CSV row; raise ValueError saying what is wrong with it."""
    raw_label = (row.get("emotion") or "").strip()
    if not raw_label.isdigit() or int(raw_label) >= NUM_CLASSES:
        raise ValueError(f"unknown emotion label {raw_label!r} (expected 0-{NUM_CLASSES - 1})")
    usage = (row.get("Usage") or "").strip()
    if usage not in SPLITS:
        raise ValueError(f"unknown Usage {usage!r} (expected one of {', '.join(SPLITS)})")
    fields = (row.get("pixels") or "").split()
    if len(fields) != PIXELS:
        raise ValueError(f"expected {PIXELS} pixel values, found {len(fields)}")
    try:
        values = np.array(fields, dtype=np.int32)
    except ValueError:
        raise ValueError("pixel values are not all integers") from None
    if values.min() < 0 or values.max() > 255:
        raise ValueError("pixel values outside 0-255")
    return int(raw_label), values.astype(np.uint8).reshape(INPUT_SIZE, INPUT_SIZE), usage


def _load_csv(path: Path, on_bad_row: BadRowPolicy) -> Fer2013:
    images: dict[str, list[np.ndarray]] = {s: [] for s in SPLITS}
    labels: dict[str, list[int]] = {s: [] for s in SPLITS}
    skipped = 0
    try:
        with _open_text(path) as handle:
            reader = csv.DictReader(handle)
            missing = {"emotion", "pixels", "Usage"} - set(reader.fieldnames or [])
            if missing:
                raise DatasetError(f"{path}: header lacks column(s) {', '.join(sorted(missing))}")
            for row in reader:
                try:
                    label, image, usage = _parse_row(row)
                except ValueError as exc:
                    if on_bad_row == "error":
                        raise DatasetError(f"{path}, line {reader.line_num}: {exc}") from None
                    skipped += 1
                    continue
                images[usage].append(image)
                labels[usage].append(label)
    except (UnicodeDecodeError, gzip.BadGzipFile, EOFError, csv.Error) as exc:
        raise DatasetError(f"{path}: not a readable FER2013 CSV ({exc})") from None
    if skipped:
        log.warning("%s: skipped %d bad row(s)", path, skipped)
    return _splits(images, labels, skipped)


def _as_split(images: list[np.ndarray], labels: list[int]) -> Split:
    if not images:
        return Split(np.zeros((0, INPUT_SIZE, INPUT_SIZE), np.uint8), np.zeros(0, np.int64))
    return Split(np.stack(images), np.asarray(labels, np.int64), np.arange(len(labels)))


def _splits(images: dict[str, list[np.ndarray]], labels: dict[str, list[int]], skipped: int) -> Fer2013:
    train, public, private = (_as_split(images[s], labels[s]) for s in SPLITS)
    return Fer2013(train, public, private, skipped)


def _class_of(folder: Path) -> int:
    name = folder.name
    return int(name) if name.isdigit() and int(name) < NUM_CLASSES else emotion_index(name)


def _load_folders(root: Path, on_bad_row: BadRowPolicy) -> Fer2013:
    """Read ``train|Training``, ``test`` or ``PublicTest``/``PrivateTest`` folders of class folders."""
    found = {p.name.lower(): p for p in root.iterdir() if p.is_dir()}
    images: dict[str, list[np.ndarray]] = {s: [] for s in SPLITS}
    labels: dict[str, list[int]] = {s: [] for s in SPLITS}
    skipped = 0
    sources: list[tuple[Path, str | None]] = []
    for key, split in (("train", "Training"), ("training", "Training"),
                       ("publictest", "PublicTest"), ("privatetest", "PrivateTest"), ("test", None)):
        if key in found:
            sources.append((found[key], split))
    if not any(split == "Training" for _, split in sources):
        raise DatasetError(f"{root}: no train/ or Training/ folder; expected the FER2013 image-folder layout")
    for folder, split in sources:
        for class_dir in sorted(p for p in folder.iterdir() if p.is_dir()):
            try:
                label = _class_of(class_dir)
            except ValueError as exc:
                raise DatasetError(f"{class_dir}: {exc}") from None
            for file in sorted(class_dir.iterdir()):
                if file.suffix.lower() not in IMAGE_SUFFIXES:
                    continue
                pixels = cv2.imread(str(file), cv2.IMREAD_GRAYSCALE)
                if pixels is None:
                    if on_bad_row == "error":
                        raise DatasetError(f"{file}: not a readable image")
                    skipped += 1
                    continue
                target = split or ("PrivateTest" if file.name.startswith("PrivateTest") else "PublicTest")
                images[target].append(face_to_input(pixels).round().astype(np.uint8))
                labels[target].append(label)
    if skipped:
        log.warning("%s: skipped %d unreadable image(s)", root, skipped)
    return _splits(images, labels, skipped)


def describe(data: Fer2013) -> str:
    """A small table of class counts per split, for logs and reports."""
    lines = ["split        " + " ".join(f"{e[:8]:>8}" for e in EMOTIONS) + "    total"]
    for name in SPLITS:
        counts = data.split(name).class_counts()
        lines.append(f"{name:<12} " + " ".join(f"{c:>8}" for c in counts) + f" {counts.sum():>8}")
    return "\n".join(lines)
