"""Files a watch writes only when asked: one JSON line per analysed frame, the annotated video.

Both are opened before the first frame, so a path that cannot be written fails
the command at once instead of after an hour of watching.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from bot.live import TrackedFace
from bot.watch.source import Frame
from model import EMOTIONS
from model.annotate import draw_face

Overlay = tuple[tuple[tuple[int, int, int, int], str, str], ...]
"""(box, emotion, text) per face: what is drawn on a frame, replaced whole (never edited) between frames."""


def overlay(faces: list[TrackedFace]) -> Overlay:
    return tuple((f.box, f.label, f"#{f.id} {f.label} {f.confidence:.0%}") for f in faces)


def draw(image: np.ndarray, shown: Overlay) -> np.ndarray:
    out = image.copy()
    for box, emotion, text in shown:
        draw_face(out, box, emotion, text)
    return out


def face_record(face: TrackedFace) -> dict[str, Any]:
    """A face as the JSONL and the preview page show it."""
    return {"id": face.id, "box": list(face.box), "label": face.label, "confidence": round(face.confidence, 4),
            "probs": {e: round(float(p), 4) for e, p in zip(EMOTIONS, face.probs)},
            "raw": {e: round(float(p), 4) for e, p in zip(EMOTIONS, face.raw)}}


class JsonLines:
    """``--jsonl FILE``: a line per analysed frame, flushed as written (readable while the watch runs)."""

    def __init__(self, path: Path):
        self._file = path.open("w", encoding="utf-8")

    def write(self, record: dict[str, Any]) -> None:
        self._file.write(json.dumps(record, separators=(",", ":")) + "\n")
        self._file.flush()

    def close(self) -> None:
        self._file.close()


class AnnotatedVideo:
    """``--annotate OUT.mp4``: every frame read, at the source's rate, with the latest boxes and labels.

    Frames arrive on the reader thread; the boxes come from the analysis, which
    runs at its own slower rate, so each frame carries the most recent overlay.
    """

    def __init__(self, path: Path, fps: float):
        self.path, self.fps = path, fps
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch()  # fail now, not at the first frame, when the folder is not writable
        self._writer: cv2.VideoWriter | None = None
        self._size: tuple[int, int] | None = None
        self._lock = threading.Lock()
        self.shown: Overlay = ()
        self.frames = 0
        self.closed = False

    def write(self, frame: Frame) -> None:
        image = frame.image
        with self._lock:
            if self.closed:  # a reader that outlived the watch by a blocked read
                return
            if self._writer is None:
                self._size = (image.shape[1], image.shape[0])
                self._writer = cv2.VideoWriter(str(self.path), cv2.VideoWriter.fourcc(*"mp4v"), self.fps, self._size)
            if (image.shape[1], image.shape[0]) != self._size:  # a stream that came back at another size
                image = cv2.resize(image, self._size)
            self._writer.write(draw(image, self.shown))
            self.frames += 1

    def close(self) -> None:
        with self._lock:
            self.closed = True
            if self._writer is not None:
                self._writer.release()
            elif self.path.stat().st_size == 0:  # no frame came: leave no empty file behind
                self.path.unlink()
