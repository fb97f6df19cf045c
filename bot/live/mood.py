"""The main face's mood over time: smoothed per face, and said once it has settled."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.live.tracker import FaceTracker, TrackedFace
from model import FaceEmotion


class SettledMood:
    """Says a mood once it has held for ``stable_seconds`` and differs from the last one said."""

    def __init__(self, stable_seconds: float):
        self.stable_seconds = stable_seconds
        self.candidate: str | None = None
        self.since = 0.0
        self.said: str | None = None

    def update(self, now: float, label: str | None) -> str | None:
        """The newly settled mood at ``now``, or None (no face, not held long enough, or said already)."""
        if label != self.candidate:
            self.candidate, self.since = label, now
        if label is None or label == self.said or now - self.since < self.stable_seconds:
            return None
        self.said = label
        return label


@dataclass(frozen=True)
class Step:
    """What one analysed frame changed."""

    faces: list[TrackedFace]
    """The faces in view, largest first, with their smoothed emotions."""
    settled: str | None
    """The main face's mood when it settled with this frame (songs are due), else None."""

    @property
    def main(self) -> TrackedFace | None:
        """The largest face: the one the music follows."""
        return self.faces[0] if self.faces else None


class LiveMood:
    """Faces of successive frames followed and smoothed, and the main face's mood settled.

    ``smoothing`` is the time constant (seconds) of each face's moving average;
    ``stable_seconds`` how long the main face's mood must hold before it counts
    as settled. Times are seconds on any clock that only goes forward.
    """

    def __init__(self, smoothing: float, stable_seconds: float):
        self.tracker = FaceTracker(smoothing)
        self.settled = SettledMood(stable_seconds)

    def update(self, now: float, faces: Sequence[FaceEmotion]) -> Step:
        tracked = self.tracker.update(now, faces)
        main = tracked[0] if tracked else None
        return Step(tracked, self.settled.update(now, main.label if main else None))

    @property
    def faces_seen(self) -> int:
        return self.tracker.next_id - 1
