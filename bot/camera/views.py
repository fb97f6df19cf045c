"""Open camera views and the limits on them, in memory and bounded.

A view is one open camera page: its faces followed over time (:class:`bot.live.LiveMood`),
its latest song list, the user's words (their language, read once when the view opens), and
nothing else. Each user may have ``per_user`` views open and send ``rate`` frames a second
across them (a token bucket holding one second of frames, so the page's own timer jitter is
never refused); the process holds at most ``most`` views. A view nobody sent a frame to for ``IDLE_SECONDS``
is closed, so a page closed without a word frees its place.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from bot.camera.auth import WebAppUser
from bot.i18n import Words
from bot.live import LiveMood, Suggester, Suggestion

IDLE_SECONDS = 30.0
SAVE_WITHIN = 3.0
"""Seconds after the face was last seen that its mood can still be saved."""


class Refused(Exception):
    """A camera call refused: HTTP ``status``, a ``code`` the page knows, and seconds to wait before retrying."""

    def __init__(self, status: int, code: str, retry_after: float | None = None, message: str | None = None):
        super().__init__(code)
        self.status, self.code, self.retry_after, self.message = status, code, retry_after, message


@dataclass
class CameraView:
    id: str
    user: WebAppUser
    words: Words
    """The user's language: the one chosen in /settings when the view opened, else their Telegram app's."""
    mood: LiveMood
    songs: Suggester
    opened: float
    seen: float
    busy: bool = False
    """A frame of this view is being analysed: the page sends the next only after the answer."""
    face: tuple[str, np.ndarray, float] | None = None
    """The main face's latest (label, smoothed probabilities, when), for "Save this mood"."""
    shown: Suggestion | None = None
    lists: int = 0

    def saveable(self, now: float) -> tuple[str, np.ndarray] | None:
        if self.face is None or now - self.face[2] > SAVE_WITHIN:
            return None
        return self.face[0], self.face[1]


class FrameBudget:
    """``rate`` frames a second per user, with a burst of one second's worth."""

    def __init__(self, rate: float, clock: Callable[[], float] = time.monotonic):
        self.rate, self.burst, self.clock = rate, max(1.0, rate), clock
        self._buckets: dict[int, tuple[float, float]] = {}

    def take(self, user_id: int) -> float:
        """0 when the frame may be analysed (one is taken), else the seconds until one may."""
        now = self.clock()
        tokens, then = self._buckets.get(user_id, (self.burst, now))
        tokens = min(self.burst, tokens + (now - then) * self.rate)
        if tokens < 1:
            self._buckets[user_id] = (tokens, now)
            return (1 - tokens) / self.rate
        self._buckets[user_id] = (tokens - 1, now)
        if len(self._buckets) > 10_000:  # users whose bucket has refilled are forgotten: memory stays bounded
            full = now - self.burst / self.rate
            self._buckets = {u: b for u, b in self._buckets.items() if b[1] > full}
        return 0.0


class CameraViews:
    """Every open view of this process."""

    def __init__(self, per_user: int, most: int, rate: float, new_mood: Callable[[], LiveMood],
                 new_songs: Callable[[WebAppUser, Words], Suggester], clock: Callable[[], float] = time.monotonic):
        self.per_user, self.most, self.clock = per_user, most, clock
        self.new_mood, self.new_songs = new_mood, new_songs
        self.budget = FrameBudget(rate, clock)
        self._views: dict[str, CameraView] = {}

    def __len__(self) -> int:
        return len(self._views)

    def open(self, user: WebAppUser, t: Words) -> CameraView:
        """A new view for ``user``, who reads the words ``t``; 429 past their views, 503 past the process's."""
        now = self.clock()
        self._sweep(now)
        if sum(v.user.id == user.id for v in self._views.values()) >= self.per_user:
            raise Refused(429, "too_many")
        if len(self._views) >= self.most:
            raise Refused(503, "busy", 30)
        view = CameraView(secrets.token_urlsafe(16), user, t, self.new_mood(), self.new_songs(user, t), now, now)
        self._views[view.id] = view
        return view

    def find(self, view_id: str, user_id: int) -> CameraView:
        """The user's open view ``view_id``; 404 when it ended (or is someone else's: the same answer)."""
        view = self._views.get(view_id)
        if view is None or view.user.id != user_id or self.clock() - view.seen > IDLE_SECONDS:
            raise Refused(404, "ended")
        return view

    def close(self, view: CameraView) -> None:
        view.songs.cancel()
        self._views.pop(view.id, None)

    def _sweep(self, now: float) -> None:
        for view in [v for v in self._views.values() if now - v.seen > IDLE_SECONDS]:
            self.close(view)

