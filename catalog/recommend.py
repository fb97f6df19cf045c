"""Choose songs for a mood: the scoring core, free of SQL.

Songs live in memory as numpy columns (117 k rows, a few megabytes), so a
whole-catalogue pass costs a few milliseconds. For every slot of a list:

* distance = how far a song's audio features lie from the slot's point, each
  feature scaled by the fitted mood spread (:mod:`catalog.moods`);
* filters: no song recently shown or disliked, no explicit song (or song
  whose source does not say) unless allowed, no avoided family; liked families and chosen languages narrow the
  field, but only while enough songs stay near the mood (else the reason says
  so);
* taste: families and artists the user liked move their songs closer,
  disliked families further;
* variety: the slot's song is drawn at random among the ``POOL`` nearest,
  nearer ones likelier, so two new users with the same mood get different
  lists; popularity only breaks near-ties;
* one song per artist and per (title, artist) in a list.

``match`` aims every slot at the mood's point. ``lift`` follows the iso
principle of music therapy: the first song meets the listener where they are,
each next one steps toward the target, and all stay in one genre family, drawn
among those with songs about as near every step as the whole catalogue.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

POOL = 200
"""Nearest candidates a slot draws from: wide enough for variety, near enough to fit."""
TEMPERATURE = 0.35
"""Scaled-distance units over which a candidate's chance falls by e."""
POPULARITY_WEIGHT = 0.02
FAMILY_TASTE = 0.3
"""Distance removed for a family the user keeps liking (added for one they keep disliking)."""
ARTIST_TASTE = 0.1
ENOUGH = 200
"""A preference narrows the field only while at least this many songs remain eligible..."""
PREFERENCE_MARGIN = 0.5
"""...and its ``POOL``-th nearest song is at most this much further from the point than without it:
a user's own choice outweighs a somewhat closer fit."""
PATH_NEAREST = 20
PATH_FIELD = 4000
MARGIN = 0.15
"""A lift path's family must have ``PATH_NEAREST`` songs at most this much further from each step than the
whole catalogue's."""


@dataclass(frozen=True)
class SongIndex:
    """Column arrays of the whole catalogue, aligned by position."""

    ids: np.ndarray
    features: np.ndarray
    """(N, F) float32 audio features, scaled as in :func:`catalog.moods.scale` and divided by the mood spread;
    a missing value is the catalogue's median."""
    popularity: np.ndarray
    family: np.ndarray
    """Family per song, as object array ("" when unknown)."""
    family_code: np.ndarray
    """The same as small integers (positions in ``families``), for fast masks."""
    families: tuple[str, ...]
    language: np.ndarray
    explicit: np.ndarray
    """1 explicit, 0 clean, -1 unknown."""
    artist_code: np.ndarray
    """One integer per case-folded first artist."""
    title_code: np.ndarray
    """One integer per case-folded (title, artist): single and album versions of a song share it."""

    def __len__(self) -> int:
        return len(self.ids)

    @cached_property
    def squared_norms(self) -> np.ndarray:
        return (self.features.astype(np.float64) ** 2).sum(axis=1).astype(np.float32)

    def distances(self, point: np.ndarray) -> np.ndarray:
        """Root-mean-square scaled distance of every song to a point given in the same (spread-divided) space."""
        squared = self.squared_norms - np.float32(2.0) * (self.features @ point.astype(np.float32))
        squared += np.float32(point @ point)
        return np.sqrt(np.maximum(squared, np.float32(0.0)) / np.float32(self.features.shape[1]))

    @cached_property
    def clean(self) -> np.ndarray:
        """Songs known not to be explicit: the default field, computed once."""
        return self.explicit == 0

    @cached_property
    def popularity_lean(self) -> np.ndarray:
        return ((-POPULARITY_WEIGHT / 100.0) * self.popularity).astype(np.float32)

    def family_mask(self, names: frozenset[str] | set[str]) -> np.ndarray:
        codes = [self.families.index(n) for n in names if n in self.families]
        return np.isin(self.family_code, codes)


@dataclass(frozen=True)
class Taste:
    """What a recommendation must respect and may lean toward, for one user (or nobody)."""

    explicit: bool = False
    liked_families: frozenset[str] = frozenset()
    avoided_families: frozenset[str] = frozenset()
    languages: frozenset[str] = frozenset()
    family_scores: dict[str, float] = field(default_factory=dict)
    """Learned from likes (+1) and dislikes (-1) per family."""
    liked_artists: frozenset[int] = frozenset()
    """Artist codes (``SongIndex.artist_code``) of songs the user liked."""


@dataclass(frozen=True)
class Pick:
    position: int
    """Row in the index."""
    relaxed: tuple[str, ...]
    """Preferences that had to give way for this slot (too few songs near the mood)."""


def path_points(start: np.ndarray, end: np.ndarray, n: int) -> list[np.ndarray]:
    """``n`` points from ``start`` to ``end`` inclusive, evenly spaced."""
    if n == 1:
        return [start]
    return [start + (end - start) * k / (n - 1) for k in range(n)]


def eligible(index: SongIndex, taste: Taste, exclude: set[int]) -> tuple[np.ndarray, list[tuple[str, np.ndarray]]]:
    """(songs allowed at all, [(preference, narrower mask)] in the order they give way)."""
    # An unknown flag (the TidyTuesday rows) counts as explicit: see catalog/seed/README.md.
    allowed = np.ones(len(index), bool) if taste.explicit else index.clean.copy()
    if exclude:
        allowed &= ~np.isin(index.ids, list(exclude))
    if taste.avoided_families:
        allowed &= ~index.family_mask(taste.avoided_families)
    narrowing = []
    if taste.languages:
        narrowing.append(("language", np.isin(index.language, list(taste.languages))))
    if taste.liked_families:
        narrowing.append(("genre", index.family_mask(taste.liked_families)))
    return allowed, narrowing


def _leaning(index: SongIndex, taste: Taste) -> np.ndarray:
    """Per-song distance adjustment from popularity and learned taste (negative = closer)."""
    lean = index.popularity_lean.copy()
    for family, score in taste.family_scores.items():
        if family in index.families:
            lean[index.family_code == index.families.index(family)] -= FAMILY_TASTE * np.tanh(score / 3.0)
    if taste.liked_artists:
        lean[np.isin(index.artist_code, list(taste.liked_artists))] -= ARTIST_TASTE
    return lean


def choose(index: SongIndex, points: Sequence[np.ndarray], spread: np.ndarray, taste: Taste, exclude: set[int],
           rng: np.random.Generator, same_family: bool = False) -> list[Pick]:
    """One song per point (points in feature space, not yet divided by ``spread``), following the rules above."""
    if len(index) == 0:
        return []
    allowed, narrowing = eligible(index, taste, exclude)
    lean = _leaning(index, taste)
    used_artists: set[int] = set()
    used_titles: set[int] = set()
    picks: list[Pick] = []
    scaled = [p / spread for p in points]
    distance_of: dict[bytes, np.ndarray] = {}
    for p in scaled:  # a match repeats one point: its distances are computed once
        if p.tobytes() not in distance_of:
            distance_of[p.tobytes()] = index.distances(p)
    family = _path_family(index, [distance_of[p.tobytes()] for p in scaled], allowed, rng) if same_family else None
    pools: dict[tuple[bytes, int | None], tuple[np.ndarray, np.ndarray, tuple[str, ...]]] = {}
    for point in scaled:
        key = (point.tobytes(), family)
        if key not in pools:
            pools[key] = _pool(index, distance_of[key[0]], allowed, narrowing, lean, family)
        pool, distance, relaxed = pools[key]
        fresh = (~np.isin(index.artist_code[pool], list(used_artists))
                 & ~np.isin(index.title_code[pool], list(used_titles)))
        if not fresh.any():
            break
        candidates, near = pool[fresh], distance[fresh]
        score = near + lean[candidates]
        weights = np.exp(-(score - score.min()) / TEMPERATURE)
        chosen = int(rng.choice(len(candidates), p=weights / weights.sum()))
        position = int(candidates[chosen])
        used_artists.add(int(index.artist_code[position]))
        used_titles.add(int(index.title_code[position]))
        picks.append(Pick(position, relaxed))
    return picks


def _pool(index: SongIndex, distance: np.ndarray, allowed: np.ndarray, narrowing: list[tuple[str, np.ndarray]],
          lean: np.ndarray, family: int | None) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    """The ``POOL`` best candidates by a point's distances (positions, distances) and the preferences relaxed."""
    mask, relaxed = allowed, []
    for name, narrower in narrowing:
        if _holds(distance, mask & narrower, mask):
            mask = mask & narrower
        else:
            relaxed.append(name)
    if family is not None and (same := mask & (index.family_code == family)).sum() >= PATH_NEAREST:
        mask = same
    candidates = np.flatnonzero(mask)
    score = distance[candidates] + lean[candidates]
    if len(candidates) > POOL:
        candidates = candidates[np.argpartition(score, POOL)[:POOL]]
    return candidates, distance[candidates], tuple(relaxed)


def _path_family(index: SongIndex, distances: list[np.ndarray], allowed: np.ndarray,
                 rng: np.random.Generator) -> int | None:
    """A genre family with songs near every step of a path, drawn at random among those that fit.

    A family fits when, at the path's start, middle and end, its
    ``PATH_NEAREST``-th nearest song is at most ``MARGIN`` further than the whole
    catalogue's; with none fitting, the one that comes closest. Only the
    ``PATH_FIELD`` nearest songs of each point are looked at: a family with
    fewer of its songs among them cannot fit.
    """
    positions = np.flatnonzero(allowed)
    if len(positions) <= PATH_FIELD:
        return None
    gaps: dict[int, float] = {}
    for full in (distances[0], distances[len(distances) // 2], distances[-1]):
        distance = full[positions]
        near = np.argpartition(distance, PATH_FIELD)[:PATH_FIELD]
        order = near[np.argsort(distance[near])]
        wide = distance[order[PATH_NEAREST]]
        codes = index.family_code[positions[order]]
        for code in range(len(index.families)):
            ranked = distance[order[codes == code]]
            gap = ranked[PATH_NEAREST] - wide if len(ranked) > PATH_NEAREST else np.inf
            gaps[code] = max(gaps.get(code, -np.inf), float(gap))
    named = {code: gap for code, gap in gaps.items() if index.families[code]}
    if not named:
        return None
    fitting = [code for code, gap in named.items() if gap <= MARGIN]
    return int(rng.choice(fitting)) if fitting else min(named, key=named.__getitem__)


def _holds(distance: np.ndarray, narrow: np.ndarray, wide: np.ndarray) -> bool:
    """Whether a preference leaves enough songs, about as near the point as without it."""
    if narrow.sum() < ENOUGH:
        return False
    nth = min(POOL, int(narrow.sum()) - 1)
    return bool(np.partition(distance[narrow], nth)[nth]
                <= np.partition(distance[wide], nth)[nth] + PREFERENCE_MARGIN)


_DESCRIBE = (
    (lambda f: f["instrumentalness"] > 0.5, "instrumental"),
    (lambda f: f["acousticness"] > 0.7, "acoustic"),
    (lambda f: f["energy"] < 0.3, "gentle"),
    (lambda f: f["energy"] > 0.8, "high-energy"),
    (lambda f: f["valence"] > 0.7, "bright"),
    (lambda f: f["valence"] < 0.25, "melancholic"),
    (lambda f: f["danceability"] > 0.75, "danceable"),
)


def describe(features: dict[str, float], family: str) -> str:
    """A few words on how a song sounds: "acoustic, gentle folk/acoustic, 72 BPM"."""
    words = [word for test, word in _DESCRIBE if test(features)][:2]
    tempo = features["tempo"] * 200.0
    return ", ".join(filter(None, [" ".join(words + [family or "song"]), f"{tempo:.0f} BPM"]))
