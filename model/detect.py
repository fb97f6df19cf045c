"""Face detection with BlazeFace (MediaPipe's full-range model) on the LiteRT interpreter.

Why BlazeFace: its weights are a 1 MB file shipped with the project
(``model/weights/face_detection_full_range.tflite``, see FACE_DETECTOR.md), runs
in a few milliseconds on a CPU, finds faces from selfie distance down to about
20 px, and returns eye positions, which let us level a tilted face the way
FER2013's faces are framed. OpenCV's Haar cascade, the usual choice, is gone
from the OpenCV 5 wheels and is slower and less accurate (see
``bench/bench_detect.py``).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from ai_edge_litert.interpreter import Interpreter

_INPUT = 192
_SCORE_LIMIT = 80.0
_NMS_IOU = 0.3
_TILE_MIN_SIDE = 1600
"""Images whose long side is at least this get extra tiled passes, so small faces in big photos are found.
Telegram's own photos are at most 1280 px long and take the single fast pass."""


@dataclass(frozen=True)
class Face:
    """One detected face in image pixels: box (x, y, w, h), score, and both eye centres."""

    box: tuple[int, int, int, int]
    score: float
    right_eye: tuple[float, float]
    left_eye: tuple[float, float]

    @property
    def area(self) -> int:
        return self.box[2] * self.box[3]


MODEL_FILE = Path(__file__).parent / "weights" / "face_detection_full_range.tflite"


def _anchors() -> np.ndarray:
    """Full-range SSD anchors: one per cell of a 48x48 grid (stride 4), centres in 0-1."""
    grid = (np.arange(_INPUT // 4, dtype=np.float32) + 0.5) / (_INPUT // 4)
    ys, xs = np.meshgrid(grid, grid, indexing="ij")
    return np.stack([xs.ravel(), ys.ravel()], axis=1)


class FaceDetector:
    """Thread-safe detector: one LiteRT interpreter per thread, shared anchors."""

    def __init__(self, min_score: float = 0.6):
        self.min_score = min_score
        self._path = str(MODEL_FILE)
        self._anchors = _anchors()
        self._local = threading.local()

    def _interpreter(self) -> Interpreter:
        it = getattr(self._local, "it", None)
        if it is None:
            it = Interpreter(model_path=self._path, num_threads=1)
            it.allocate_tensors()
            self._local.it = it
        return it

    def _run(self, rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Detect in one RGB image; return (M, 16) boxes+keypoints in that image's pixels, (M,) scores."""
        h, w = rgb.shape[:2]
        scale = _INPUT / max(h, w)
        sw, sh = max(1, round(w * scale)), max(1, round(h * scale))
        tensor = np.zeros((_INPUT, _INPUT, 3), np.uint8)  # letterbox: shrink first, then pad (cheap)
        top, left = (_INPUT - sh) // 2, (_INPUT - sw) // 2
        tensor[top:top + sh, left:left + sw] = cv2.resize(rgb, (sw, sh), interpolation=cv2.INTER_AREA)
        tensor = (tensor.astype(np.float32) / 127.5 - 1.0)[None]
        it = self._interpreter()
        it.set_tensor(it.get_input_details()[0]["index"], tensor)
        it.invoke()
        out = {d["shape"][-1]: it.get_tensor(d["index"])[0] for d in it.get_output_details()}
        raw, logits = out[16], out[1][:, 0]
        scores = 1.0 / (1.0 + np.exp(-np.clip(logits, -_SCORE_LIMIT, _SCORE_LIMIT)))
        keep = scores >= self.min_score
        raw, scores = raw[keep] / _INPUT, scores[keep]
        anchors = self._anchors[keep]
        pts = raw.reshape(-1, 8, 2)
        pts[:, 0] += anchors  # box centre; pts[:, 1] is (w, h)
        pts[:, 2:] += anchors[:, None]
        centre, size = pts[:, 0].copy(), pts[:, 1].copy()
        pts[:, 0], pts[:, 1] = centre - size / 2, centre + size / 2
        pts = (pts * _INPUT - np.array([left, top], np.float32)) / scale
        return pts.reshape(-1, 16), scores

    def detect(self, bgr: np.ndarray) -> list[Face]:
        """All faces in a BGR image, largest first. Big images also get overlapping tiled passes."""
        rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
        h, w = rgb.shape[:2]
        found = [self._run(rgb)]
        if max(h, w) >= _TILE_MIN_SIDE:
            tile = max(min(h, w) // 2, 256)
            for y in _starts(h, tile):
                for x in _starts(w, tile):
                    pts, scores = self._run(rgb[y:y + tile, x:x + tile])
                    found.append((pts + np.tile([x, y], 8).astype(np.float32), scores))
        pts = np.concatenate([f[0] for f in found])
        scores = np.concatenate([f[1] for f in found])
        faces = [_to_face(p, s, w, h) for p, s in _weighted_nms(pts, scores)]
        faces = [f for f in faces if f.box[2] >= 8 and f.box[3] >= 8]
        return sorted(faces, key=lambda f: f.area, reverse=True)


def _starts(length: int, tile: int) -> list[int]:
    """Tile origins covering ``length`` with about a quarter overlap."""
    if length <= tile:
        return [0]
    count = int(np.ceil((length - tile) / (tile * 0.75))) + 1
    return [round(i * (length - tile) / (count - 1)) for i in range(count)]


def _iou(box: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    x0 = np.maximum(box[0], boxes[:, 0])
    y0 = np.maximum(box[1], boxes[:, 1])
    x1 = np.minimum(box[2], boxes[:, 2])
    y1 = np.minimum(box[3], boxes[:, 3])
    inter = np.clip(x1 - x0, 0, None) * np.clip(y1 - y0, 0, None)
    area = lambda b: (b[..., 2] - b[..., 0]) * (b[..., 3] - b[..., 1])  # noqa: E731
    return inter / np.maximum(area(box) + area(boxes) - inter, 1e-6)


def _weighted_nms(pts: np.ndarray, scores: np.ndarray) -> list[tuple[np.ndarray, float]]:
    """MediaPipe's weighted NMS: overlapping detections are averaged, weighted by score."""
    order = np.argsort(-scores)
    pts, scores = pts[order], scores[order]
    done = np.zeros(len(scores), bool)
    merged = []
    for i in range(len(scores)):
        if done[i]:
            continue
        group = (~done) & (_iou(pts[i, :4], pts[:, :4]) > _NMS_IOU)
        done |= group
        weights = scores[group][:, None]
        merged.append(((pts[group] * weights).sum(0) / weights.sum(), float(scores[i])))
    return merged


def _to_face(p: np.ndarray, score: float, width: int, height: int) -> Face:
    x0, y0 = max(0.0, p[0]), max(0.0, p[1])
    x1, y1 = min(float(width), p[2]), min(float(height), p[3])
    box = (int(round(x0)), int(round(y0)), int(round(x1 - x0)), int(round(y1 - y0)))
    return Face(box=box, score=score, right_eye=(float(p[4]), float(p[5])), left_eye=(float(p[6]), float(p[7])))
