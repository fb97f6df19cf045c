"""What the watch remembers of moods for its summary: how long each lasted, the timeline to chart.

Both are bounded however long the watch runs. When a mood has settled is
:mod:`bot.live`'s, shared with the camera Mini App.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

NO_FACE = "no face"


class MoodTime:
    """Seconds spent in each mood of the main face (and without a face), for the closing summary."""

    def __init__(self) -> None:
        self.seconds: defaultdict[str, float] = defaultdict(float)
        self._last: tuple[float, str] | None = None

    def update(self, now: float, label: str | None) -> None:
        """Credit the time since the last analysed frame to that frame's mood."""
        if self._last is not None:
            self.seconds[self._last[1]] += now - self._last[0]
        self._last = (now, label or NO_FACE)

    def shares(self) -> list[tuple[str, float]]:
        """(mood, share of the time), largest first."""
        total = sum(self.seconds.values())
        ranked = sorted(self.seconds.items(), key=lambda item: item[1], reverse=True)
        return [(m, s / total) for m, s in ranked] if total > 0 else []


class Timeline:
    """(seconds, smoothed probabilities or None) of the main face, thinned by half whenever it fills up."""

    def __init__(self, capacity: int = 4000):
        self.capacity, self.stride, self._seen = capacity, 1, 0
        self.points: list[tuple[float, np.ndarray | None]] = []

    def add(self, t: float, probs: np.ndarray | None) -> None:
        if self._seen % self.stride == 0:
            self.points.append((t, None if probs is None else probs.copy()))
            if len(self.points) >= self.capacity:
                self.points, self.stride = self.points[::2], self.stride * 2
        self._seen += 1
