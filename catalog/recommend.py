"""Choose songs for a mood: the scoring core, free of SQL.

Songs live in memory as numpy columns (29 k rows take about a megabyte), so a
whole-catalogue scoring pass costs well under a millisecond. Rules:

* score = distance to the target in (valence, energy) - popularity prior
  - a small boost for artists the user liked + seeded jitter for variety;
* one song per artist and per (title, artist) in a list: the catalogue holds
  single and album versions of the same song under different ids;
* songs in ``exclude`` (recently shown, disliked) never appear.

``match`` aims every slot at the mood's point; ``lift`` follows the iso
principle of music therapy: the first song meets the listener where they are,
and each next one steps along a straight line toward the target mood.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

POPULARITY_WEIGHT = 0.05
"""A fully popular song (100) counts as 0.05 closer: enough to break near-ties, not to override mood."""
LIKED_ARTIST_BOOST = 0.03
JITTER = 0.02
_POOL = 400


@dataclass(frozen=True)
class SongIndex:
    """Column arrays of the whole catalogue, aligned by position."""

    ids: np.ndarray
    valence: np.ndarray
    energy: np.ndarray
    popularity: np.ndarray
    artist_key: np.ndarray
    """Case-folded artist, as object array."""
    title_key: np.ndarray
    """Case-folded "title|artist", as object array."""

    def __len__(self) -> int:
        return len(self.ids)


def path_points(start: tuple[float, float], end: tuple[float, float], n: int) -> list[tuple[float, float]]:
    """``n`` points from ``start`` to ``end`` inclusive, evenly spaced."""
    if n == 1:
        return [start]
    return [(start[0] + (end[0] - start[0]) * k / (n - 1), start[1] + (end[1] - start[1]) * k / (n - 1))
            for k in range(n)]


def choose(index: SongIndex, points: Sequence[tuple[float, float]], exclude: set[int],
           liked_artists: set[str], rng: np.random.Generator, jitter: float = JITTER) -> list[int]:
    """Pick one song id per point (best first), obeying the variety rules above."""
    if len(index) == 0:
        return []
    base = -POPULARITY_WEIGHT * index.popularity / 100.0 + rng.uniform(0, jitter, len(index))
    if liked_artists:
        base = base - LIKED_ARTIST_BOOST * np.isin(index.artist_key, list(liked_artists))
    blocked = np.isin(index.ids, list(exclude)) if exclude else np.zeros(len(index), bool)
    used_artists: set[str] = set()
    used_titles: set[str] = set()
    chosen: list[int] = []
    cache: dict[tuple[float, float], np.ndarray] = {}
    for point in points:
        if point not in cache:
            dist = np.hypot(index.valence - point[0], index.energy - point[1])
            score = np.where(blocked, np.inf, dist + base)
            pool = np.argpartition(score, min(_POOL, len(score) - 1))[:_POOL]
            cache[point] = pool[np.argsort(score[pool])]
        for pos in cache[point]:
            if blocked[pos]:
                break  # the rest of the sorted pool is blocked too (infinite scores)
            artist, title = index.artist_key[pos], index.title_key[pos]
            if artist in used_artists or title in used_titles:
                continue
            used_artists.add(artist)
            used_titles.add(title)
            chosen.append(int(index.ids[pos]))
            break
    return chosen
