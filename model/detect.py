"""Face detection with MediaPipe's two BlazeFace models on the LiteRT interpreter.

Why BlazeFace: the weights are small files shipped with the project
(``model/weights/face_detection_*.tflite``, see FACE_DETECTOR.md), run in a
few milliseconds on a CPU, and return eye positions, which let us level a
tilted face the way FER2013's faces are framed. OpenCV's Haar cascade, the
usual choice, is gone from the OpenCV 5 wheels and is slower and less accurate
(see ``bench/bench_detect.py``).

Why two models: the full-range model finds faces from arm's length down to
about 20 px but misses faces that fill the frame (a close selfie, a tight
crop): on FER2013 faces alone it found 13 of 300. The short-range model is
made for exactly those (236 of 300) and costs about a millisecond more. Both
run on every image and their detections are merged.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from ai_edge_litert.interpreter import Interpreter

_SCORE_LIMIT = 80.0
_NMS_IOU = 0.3
_TILE_MIN_SIDE = 1600
"""Images whose long side is at least this get extra tiled passes, so small faces in big photos are found.
Telegram's own photos are at most 1280 px long and take the single fast pass."""
_MIN_TILE = 64
"""Close-look tiles are never smaller than this: faces in smaller images are big enough for the first passes."""
_CLOSE_LOOK_SCORE = 0.75
"""Score a close-look (tiled short-range) detection needs. Measured on 600 PublicTest faces rendered as photos
(``training.robustness.render``) and 262 faceless images (clothing, screenshots): of the 100 faces the
whole-image passes missed, the close look found 90 at 0.6 but also 20 false faces; 61 and 3 at 0.75."""
_LONE_FACE_MARGIN = 0.05
"""When no detection of the first passes reaches ``min_score``, their best one is still taken if it scores at
most this much less. Measured on all 3,589 PublicTest faces rendered as photos (``training.robustness.render``,
seed 99) and the 312 faceless photos of ``bench/bench_detect.py``: of the 130 faces the shipped passes missed,
a floor of 0.55 found 43 with one new false alarm (0.5: 65 and six; 0.45: 76 and twelve)."""
_CLOSE_LOOK_DIVISORS = (2, 3)
"""Close-look tile sides as fractions of the short side, tried in turn until one finds a face. Third-size
tiles found 10 of the 50 faces still missed among 1,000 PublicTest renders (faces under 120 px, mostly),
with no false alarm on the 312 faceless photos of ``bench/bench_detect.py``."""


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


WEIGHTS = Path(__file__).parent / "weights"


def _anchors(size: int, layers: tuple[tuple[int, int], ...]) -> np.ndarray:
    """SSD anchor centres (0-1) for a square input: per (stride, anchors per cell), row-major grid cells."""
    out = []
    for stride, per_cell in layers:
        grid = (np.arange(size // stride, dtype=np.float32) + 0.5) / (size // stride)
        ys, xs = np.meshgrid(grid, grid, indexing="ij")
        out.append(np.repeat(np.stack([xs.ravel(), ys.ravel()], axis=1), per_cell, axis=0))
    return np.concatenate(out)


@dataclass(frozen=True)
class Detection:
    """The faces in an image, largest first, and the part of the image the whole search covered."""

    faces: list[Face]
    searched: tuple[int, int, int, int]
    """(x, y, w, h) in image pixels: the whole image, or the start of it along its long side when the pass
    budget or the deadline cut the tiled search short."""


@dataclass(frozen=True, eq=False)
class BlazeFace:
    """One BlazeFace variant: weights file, square input side and its anchors."""

    path: Path
    side: int
    anchors: np.ndarray


FULL_RANGE = BlazeFace(WEIGHTS / "face_detection_full_range.tflite", 192, _anchors(192, ((4, 1),)))
SHORT_RANGE = BlazeFace(WEIGHTS / "face_detection_short_range.tflite", 128, _anchors(128, ((8, 2), (16, 6))))


class FaceDetector:
    """Thread-safe detector: one LiteRT interpreter per model and thread."""

    def __init__(self, min_score: float = 0.6, models: tuple[BlazeFace, ...] = (FULL_RANGE, SHORT_RANGE),
                 max_passes: int = 140):
        self.min_score = min_score
        self.max_passes = max_passes
        self.models = models
        self._local = threading.local()

    def _interpreter(self, model: BlazeFace) -> Interpreter:
        cache = getattr(self._local, "interpreters", None)
        if cache is None:
            cache = self._local.interpreters = {}
        if model.path not in cache:
            it = Interpreter(model_path=str(model.path), num_threads=1)
            it.allocate_tensors()
            cache[model.path] = it
        return cache[model.path]

    def _run(self, model: BlazeFace, rgb: np.ndarray, floor: float | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Detect in one RGB image; return (M, 16) boxes+keypoints in that image's pixels, (M,) scores.

        Detections scoring under ``floor`` (default ``min_score``) are dropped.
        """
        side = model.side
        h, w = rgb.shape[:2]
        scale = side / max(h, w)
        sw, sh = max(1, round(w * scale)), max(1, round(h * scale))
        tensor = np.zeros((side, side, 3), np.uint8)  # letterbox: shrink first, then pad (cheap)
        top, left = (side - sh) // 2, (side - sw) // 2
        tensor[top:top + sh, left:left + sw] = cv2.resize(rgb, (sw, sh), interpolation=cv2.INTER_AREA)
        batch = (tensor.astype(np.float32) / 127.5 - 1.0)[None]
        it = self._interpreter(model)
        it.set_tensor(it.get_input_details()[0]["index"], batch)
        it.invoke()
        out = {d["shape"][-1]: it.get_tensor(d["index"])[0] for d in it.get_output_details()}
        raw, logits = out[16], out[1][:, 0]
        scores = 1.0 / (1.0 + np.exp(-np.clip(logits, -_SCORE_LIMIT, _SCORE_LIMIT)))
        keep = scores >= (self.min_score if floor is None else floor)
        raw, scores = raw[keep] / side, scores[keep]
        anchors = model.anchors[keep]
        pts = raw.reshape(-1, 8, 2)
        pts[:, 0] += anchors  # box centre; pts[:, 1] is (w, h)
        pts[:, 2:] += anchors[:, None]
        centre, size = pts[:, 0].copy(), pts[:, 1].copy()
        pts[:, 0], pts[:, 1] = centre - size / 2, centre + size / 2
        pts = (pts * side - np.array([left, top], np.float32)) / scale
        return pts.reshape(-1, 16), scores

    def _tiled(self, model: BlazeFace, rgb: np.ndarray, tile: int, wide: bool,
               late: Callable[[], bool]) -> tuple[list[tuple[np.ndarray, np.ndarray]], int]:
        """Detections of ``model`` on overlapping square tiles, in whole-image pixels, and how far they reached.

        Tiles go column by column along the whole image's long side (x if ``wide``), so when ``late()``
        stops them the part searched is the start of the image up to the returned length.
        """
        h, w = rgb.shape[:2]
        across = _starts(h if wide else w, tile)
        found, reach = [], 0
        for along in _starts(w if wide else h, tile):
            if late():
                break
            for other in across:
                x, y = (along, other) if wide else (other, along)
                pts, scores = self._run(model, rgb[y:y + tile, x:x + tile])
                found.append((pts + np.tile([x, y], 8).astype(np.float32), scores))
            reach = min(along + tile, w if wide else h)
        return found, reach

    def detect(self, bgr: np.ndarray, deadline: float = math.inf,
               clock: Callable[[], float] = time.monotonic) -> Detection:
        """All faces in a BGR image, largest first, and the part of it that was searched.

        Both models look at the whole image; big images also get full-range passes over tiles. When no
        detection there is confident, the best one is taken if it is nearly so (``_LONE_FACE_MARGIN``). When
        that finds nothing, the short-range model looks again at half-side tiles, then third-side ones: a
        face that is small and tightly framed (no hair or chin around it) is too small for one model and too
        bare for the other.

        The tiles needed grow with the aspect ratio (a 208333x192 strip would need thousands), so they are
        planned first: when all of them would take more than ``max_passes`` passes, only the start of the
        image along its long side is tiled, as far as the budget reaches. No tile pass starts after
        ``deadline`` (by ``clock``). ``searched`` says what was covered either way.
        """
        rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
        h, w = rgb.shape[:2]
        long, short = max(h, w), min(h, w)
        floor = self.min_score - _LONE_FACE_MARGIN
        found = [self._run(model, rgb, floor) for model in self.models]
        sweep = [max(short // 2, 256)] if long >= _TILE_MIN_SIDE else []
        close = ([short // d for d in _CLOSE_LOOK_DIVISORS if short // d >= _MIN_TILE]
                 if SHORT_RANGE in self.models else [])
        reach = _reach(long, short, sweep + close, self.max_passes - len(self.models))
        wide = w >= h
        view = rgb[:, :reach] if wide else rgb[:reach]

        def late() -> bool:
            return clock() > deadline

        for tile in sweep:
            tiles, covered = self._tiled(FULL_RANGE, view, tile, wide, late)
            found += tiles
            reach = min(reach, covered)
        faces = confident(_merge(found, w, h), self.min_score, floor)
        for tile in close:
            if faces or late():
                break
            tiles, covered = self._tiled(SHORT_RANGE, view, tile, wide, late)
            reach = min(reach, covered)
            faces = [f for f in _merge(tiles, w, h) if f.score >= max(self.min_score, _CLOSE_LOOK_SCORE)]
        return Detection(faces, (0, 0, reach, h) if wide else (0, 0, w, reach))


def _reach(long: int, short: int, tiles: list[int], budget: int) -> int:
    """How far along the long side square tiles of each side in ``tiles`` fit in ``budget`` passes in all."""
    def cost(length: int) -> int:
        return sum(len(_starts(length, t)) * len(_starts(short, t)) for t in tiles)

    if cost(long) <= budget:
        return long
    low, high = 0, long  # cost(low) fits or low is 0; cost(high) does not
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (middle, high) if cost(middle) <= budget else (low, middle)
    return max(low, 1)


def confident(candidates: list[Face], min_score: float, floor: float) -> list[Face]:
    """The candidates scoring at least ``min_score``; if there are none, the best one scoring at least ``floor``.

    Only one: in a photo with no clear face, a single near miss is most likely the face the user meant,
    while several are more likely texture.
    """
    faces = [f for f in candidates if f.score >= min_score]
    if faces:
        return faces
    near = [f for f in candidates if f.score >= floor]
    return [max(near, key=lambda f: f.score)] if near else []


def _merge(found: list[tuple[np.ndarray, np.ndarray]], width: int, height: int) -> list[Face]:
    """One face per cluster of overlapping detections, largest first."""
    if not found:
        return []
    pts = np.concatenate([f[0] for f in found])
    scores = np.concatenate([f[1] for f in found])
    faces = [_to_face(p, s, width, height) for p, s in _weighted_nms(pts, scores)]
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
