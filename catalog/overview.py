"""The catalogue at a glance: counts, songs per family, coverage of the mood map, corrections (``stats``)."""

from __future__ import annotations

import numpy as np
from sqlalchemy import Engine, func, select

from catalog.index import SongIndex
from catalog.moods import TARGETS, regions
from catalog.schema import Feedback, MoodReading, Recommendation, Song, User

NEAR = 0.5
"""Scaled distance within which a song counts as near a mood point (stats)."""


def stats(engine: Engine, index: SongIndex, corrections: dict) -> dict:
    """Counts, songs per family, and how many songs lie near each mood's point (coverage of the mood map)."""
    space = regions()
    with engine.connect() as conn:
        counts = {name: conn.execute(select(func.count()).select_from(t)).scalar_one()
                  for name, t in (("songs", Song), ("users", User), ("mood_readings", MoodReading),
                                  ("recommendations", Recommendation), ("feedback", Feedback))}
    near = {mood: int((index.distances(space.point(mood) / space.spread) < NEAR).sum()) for mood in TARGETS}
    families = dict(zip(*np.unique(index.family, return_counts=True)))
    return {**counts, "corrections": corrections,
            "families": {str(k or "unknown"): int(v) for k, v in families.items()},
            f"songs_within_{NEAR}_of_mood_point": near, "mood_agreement": space.agreement}
