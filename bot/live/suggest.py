"""Songs for a settled live mood, chosen without storing anything.

A live front end suggests a list each time the mood settles; none of them is
remembered for the person (``catalog.recommend`` without a user id), so a
camera left running writes nothing. Their settings still apply when the
caller passes them.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Executor, Future
from dataclasses import dataclass

import numpy as np

from bot.i18n import Words
from bot.replies import heading
from catalog import Catalog, Preferences, Track, plan


@dataclass(frozen=True)
class Suggestion:
    at: float
    """Seconds into the watch or camera view when the mood settled."""
    mood: str
    heading: str
    tracks: list[Track]


def suggest(catalog: Catalog, t: Words, at: float, label: str, probs: np.ndarray, preferences: Preferences,
            strategy: str | None = None, n: int = 5, seed: int | None = None) -> Suggestion:
    """A list for a face's smoothed ``probs`` (``label`` its emotion), as :func:`catalog.plan` chooses its kind.

    The heading is in the words ``t``; each track's reason stays data (``catalog.Reason``), worded where it is shown.
    """
    chosen = plan(preferences, label, strategy, n=n)
    tracks = catalog.recommend(None, probs.tolist(), chosen.strategy, chosen.target, chosen.n, seed=seed,
                               preferences=preferences)
    return Suggestion(at, label, heading(t, label, chosen.strategy, chosen.target), catalog.with_spotify(tracks))


Choose = Callable[[float, str, np.ndarray], Suggestion | None]


class Suggester:
    """Song lists chosen on ``executor``'s threads, at most one being chosen and one waiting per viewer.

    Choosing may take seconds (Spotify enrichment); neither a slow catalogue nor
    a mood that keeps changing can build a backlog: a newer settled mood
    replaces the one still waiting its turn. Not thread-safe: one caller thread
    (the watch's loop, or the event loop) asks and collects.
    """

    def __init__(self, executor: Executor, choose: Choose):
        self.executor, self.choose = executor, choose
        self._pending: Future[Suggestion | None] | None = None
        self._waiting: tuple[float, str, np.ndarray] | None = None

    def ask(self, at: float, label: str, probs: np.ndarray) -> None:
        """A list for this mood, settled at ``at``, as soon as the one being chosen is done."""
        self._waiting = (at, label, probs.copy())
        self._start()

    def collect(self) -> Suggestion | None:
        """The list finished since the last call, if any (the waiting one starts then)."""
        finished = None
        if self._pending is not None and self._pending.done():
            finished, self._pending = self._pending.result(), None
        self._start()
        return finished

    def cancel(self) -> None:
        if self._pending is not None:
            self._pending.cancel()
        self._pending = self._waiting = None

    def _start(self) -> None:
        if self._pending is None and self._waiting is not None:
            self._pending = self.executor.submit(self.choose, *self._waiting)
            self._waiting = None
