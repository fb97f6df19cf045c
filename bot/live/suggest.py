"""Songs for a settled live mood, chosen without storing anything.

A live front end suggests a list each time the mood settles; none of them is
remembered for the person (``catalog.recommend`` without a user id), so a
camera left running writes nothing. Their settings still apply when the
caller passes them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bot.replies import heading
from catalog import Catalog, Preferences, Track, plan


@dataclass(frozen=True)
class Suggestion:
    at: float
    """Seconds into the watch or camera view when the mood settled."""
    mood: str
    heading: str
    tracks: list[Track]


def suggest(catalog: Catalog, at: float, label: str, probs: np.ndarray, preferences: Preferences,
            strategy: str | None = None, n: int = 5, seed: int | None = None) -> Suggestion:
    """A list for a face's smoothed ``probs`` (``label`` its emotion), as :func:`catalog.plan` chooses its kind."""
    chosen = plan(preferences, label, strategy, n=n)
    tracks = catalog.recommend(None, probs.tolist(), chosen.strategy, chosen.target, chosen.n, seed=seed,
                               preferences=preferences)
    return Suggestion(at, label, heading(label, chosen.strategy, chosen.target), catalog.with_spotify(tracks))
