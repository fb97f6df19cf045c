"""Faces followed from frame to frame, each with a steady emotion.

A face keeps its id while its box overlaps where it was heading (greedy
matching on intersection over union with each track's box moved on at its last
speed: enough for people in front of one camera at 4 or 5 frames a second, even
when two of them cross). Its probabilities are an exponential moving average with a time
constant in seconds, so the weight of a frame does not depend on the frame rate
and a single odd frame cannot flip the label.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from model import EMOTIONS, FaceEmotion

Box = tuple[int, int, int, int]


@dataclass
class TrackedFace:
    id: int
    box: Box
    probs: np.ndarray
    """Smoothed probabilities."""
    raw: np.ndarray
    """This frame's probabilities, as the classifier gave them."""
    first_seen: float
    last_seen: float
    velocity: tuple[float, float] = (0.0, 0.0)
    """Pixels per second the box moved between its last two sightings."""

    def predicted(self, now: float) -> Box:
        """Where the box should be at ``now`` if the face kept moving as it did."""
        dt = now - self.last_seen
        x, y, w, h = self.box
        return round(x + self.velocity[0] * dt), round(y + self.velocity[1] * dt), w, h

    @property
    def label(self) -> str:
        return EMOTIONS[int(np.argmax(self.probs))]

    @property
    def confidence(self) -> float:
        return float(self.probs.max())

    @property
    def area(self) -> int:
        return self.box[2] * self.box[3]


def iou(a: Box, b: Box) -> float:
    """Intersection over union of two (x, y, w, h) boxes."""
    w = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
    h = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
    if w <= 0 or h <= 0:
        return 0.0
    inter = w * h
    return inter / (a[2] * a[3] + b[2] * b[3] - inter)


class FaceTracker:
    """Ids and smoothed emotions for the faces of successive frames."""

    def __init__(self, smoothing: float = 1.5, min_iou: float = 0.25, forget_after: float = 1.0):
        self.smoothing, self.min_iou, self.forget_after = smoothing, min_iou, forget_after
        self.tracks: list[TrackedFace] = []
        self.next_id = 1

    def update(self, now: float, faces: Sequence[FaceEmotion]) -> list[TrackedFace]:
        """Match ``faces`` (seen at ``now`` seconds) to the tracks; the faces in view, largest first.

        A track not seen for ``forget_after`` seconds is dropped; one missed
        detection in between keeps its id.
        """
        pairs = sorted(((iou(t.predicted(now), f.box), ti, fi)
                        for ti, t in enumerate(self.tracks) for fi, f in enumerate(faces)), reverse=True)
        used_tracks: set[int] = set()
        matched: dict[int, int] = {}
        for overlap, ti, fi in pairs:
            if overlap < self.min_iou:
                break
            if ti not in used_tracks and fi not in matched:
                used_tracks.add(ti)
                matched[fi] = ti
        visible = []
        for fi, face in enumerate(faces):
            raw = np.asarray(face.probs, dtype=np.float64)
            if fi in matched:
                track = self.tracks[matched[fi]]
                dt = now - track.last_seen
                track.probs = self._blend(track.probs, raw, dt)
                if dt > 0:
                    track.velocity = ((face.box[0] - track.box[0]) / dt, (face.box[1] - track.box[1]) / dt)
                track.box, track.raw, track.last_seen = face.box, raw, now
            else:
                track = TrackedFace(self.next_id, face.box, raw, raw, now, now)
                self.next_id += 1
                self.tracks.append(track)
            visible.append(track)
        self.tracks = [t for t in self.tracks if now - t.last_seen <= self.forget_after]
        return sorted(visible, key=lambda t: t.area, reverse=True)

    def _blend(self, smoothed: np.ndarray, raw: np.ndarray, dt: float) -> np.ndarray:
        if self.smoothing <= 0:
            return raw
        weight = 1.0 - math.exp(-max(dt, 0.0) / self.smoothing)
        return (1.0 - weight) * smoothed + weight * raw
