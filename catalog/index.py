"""The whole catalogue as numpy columns, aligned by position: what the recommender scores.

117 k songs take a few megabytes, so a pass over every song costs milliseconds and needs no SQL.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from catalog.content import TAGS
from catalog.moods import scale

ARTIST_SHARE = 0.5
"""How much of a song's familiarity comes from its artist's best-known song rather than its own popularity."""
KEPT_MASKS = 256
"""Masks of sets of families, languages or tags an index keeps (117 KB each on 117 k songs)."""


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
    """ISO 639-1 code per song, as object array ("zxx": no vocals, "": unknown)."""
    language_code: np.ndarray
    """The same as small integers (positions in ``languages``)."""
    languages: tuple[str, ...]
    explicit: np.ndarray
    """1 explicit, 0 clean, -1 unknown."""
    artist_code: np.ndarray
    """One integer per case-folded first artist."""
    title_code: np.ndarray
    """One integer per case-folded (title, artist): single and album versions of a song share it."""
    canonical: np.ndarray
    """True for a song's most popular copy (the one that stands for all its copies)."""
    tags: np.ndarray
    """Content tags as bits: bit k is ``catalog.content.TAGS[k]``."""
    valence: np.ndarray
    energy: np.ndarray
    """Spotify's valence and energy (0-1, NaN when unknown), unscaled: where a tense mood's songs lie."""

    def __len__(self) -> int:
        return len(self.ids)

    @cached_property
    def by_feature(self) -> np.ndarray:
        """``features`` transposed, (F, N) and contiguous: one row per feature."""
        return np.ascontiguousarray(self.features.T)

    @cached_property
    def squared_norms(self) -> np.ndarray:
        return (self.features.astype(np.float64) ** 2).sum(axis=1).astype(np.float32)

    def distances(self, point: np.ndarray) -> np.ndarray:
        """Root-mean-square scaled distance of every song to a point given in the same (spread-divided) space.

        ``einsum`` rather than ``@``: a tall, seven-column matrix times a vector goes to threaded BLAS, which
        took 22 ms instead of 1.5 ms on a busy two-core machine; over the features stored column by column
        (:attr:`by_feature`), since passes along contiguous columns are three to four times faster than across rows.
        """
        projection = _project(self.by_feature, point)
        squared = self.squared_norms - np.float32(2.0) * projection
        squared += np.float32(point @ point)
        return np.sqrt(np.maximum(squared, np.float32(0.0)) / np.float32(self.features.shape[1]))

    def distances_of(self, points: Sequence[np.ndarray]) -> list[np.ndarray]:
        """:meth:`distances` of several points, the same point computed once.

        Points on one line (a lift's path) cost two passes over the songs instead of one each: with
        d = end - start and p = start + t d, |x - p|² = |x - start|² - 2t (x - start)·d + t²|d|².
        """
        unique = list({p.tobytes(): p for p in points}.values())
        first, last = unique[0].astype(np.float64), unique[-1].astype(np.float64)
        direction = last - first
        length = float(direction @ direction)
        steps = [float((p - first) @ direction) / length if length else 0.0 for p in unique]
        on_line = len(unique) > 2 and length > 0 and all(
            np.allclose(p, first + t * direction, atol=1e-6) for p, t in zip(unique, steps))
        if not on_line:
            by_key = {p.tobytes(): self.distances(p) for p in unique}
        else:
            from_first = (self.squared_norms - np.float32(2.0) * _project(self.by_feature, first)
                          + np.float32(first @ first))
            along = _project(self.by_feature, direction) - np.float32(first @ direction)
            by_key = {}
            for p, t in zip(unique, steps):
                squared = from_first - np.float32(2.0 * t) * along
                squared += np.float32(t * t * length)
                by_key[p.tobytes()] = np.sqrt(np.maximum(squared, np.float32(0.0)) / np.float32(self.features.shape[1]))
        return [by_key[p.tobytes()] for p in points]

    @cached_property
    def clean(self) -> np.ndarray:
        """Songs known not to be explicit (the seed's flag, inferred where the source had none)."""
        return self.explicit == 0

    @cached_property
    def familiarity(self) -> np.ndarray:
        """0-1: how likely a listener knows the song, from its popularity and its artist's best-known song."""
        best = np.zeros(int(self.artist_code.max()) + 1 if len(self) else 0)
        np.maximum.at(best, self.artist_code, self.popularity)
        artist = best[self.artist_code]
        return (((1 - ARTIST_SHARE) * self.popularity + ARTIST_SHARE * artist) / 100.0).astype(np.float32)

    def positions(self, song_ids: set[int] | list[int]) -> np.ndarray:
        """Rows of the songs with these ids; ids not in the index are left out (``ids`` is sorted by id)."""
        wanted = np.fromiter(song_ids, np.int64, len(song_ids))
        if not len(self.ids):
            return np.zeros(0, np.int64)
        rows = np.minimum(np.searchsorted(self.ids, wanted), len(self.ids) - 1)
        return rows[self.ids[rows] == wanted]

    @cached_property
    def _masks(self) -> dict[tuple[str, frozenset[str]], np.ndarray]:
        """Masks of families, languages and tags already asked for: a few sets (a language's defaults, the usual
        held-back tags) recur in nearly every list."""
        return {}

    def _mask(self, kind: str, keys: frozenset[str] | set[str], make: Callable[[], np.ndarray]) -> np.ndarray:
        """The mask ``make`` gives, kept read-only for the next list that asks (at most ``KEPT_MASKS``)."""
        key = (kind, frozenset(keys))
        mask = self._masks.get(key)
        if mask is None:
            mask = make()
            mask.flags.writeable = False
            if len(self._masks) < KEPT_MASKS:
                self._masks[key] = mask
        return mask

    def family_mask(self, names: frozenset[str] | set[str]) -> np.ndarray:
        return self._mask("family", names, lambda: _member(
            self.family_code, [self.families.index(n) for n in names if n in self.families], len(self.families)))

    def language_mask(self, codes: frozenset[str] | set[str]) -> np.ndarray:
        """Songs in any of the languages ``codes``."""
        return self._mask("language", codes, lambda: _member(
            self.language_code, [self.languages.index(c) for c in codes if c in self.languages], len(self.languages)))

    def artist_mask(self, codes: frozenset[int] | set[int]) -> np.ndarray:
        """Songs whose first artist is any of ``codes`` (``artist_code`` values)."""
        return _member(self.artist_code, list(codes), int(self.artist_code.max()) + 1 if len(self) else 0)

    def tagged(self, tags: frozenset[str] | set[str]) -> np.ndarray:
        """Songs carrying any of ``tags``."""
        return self._mask("tags", tags, lambda: (self.tags & sum(1 << TAGS.index(t) for t in tags if t in TAGS)) != 0)


def song_index(columns: Mapping[str, Sequence[Any]], features: Sequence[str], spread: np.ndarray) -> SongIndex:
    """Numpy columns of the catalogue, given column by column (aligned by song); a missing audio feature takes
    the catalogue's median.

    Column-wise, because a catalogue of 117 k songs is built at every start: numpy converts a whole column at
    once (``None`` becomes NaN), where reading each attribute of each row took seconds.
    """
    n = len(columns["id"])
    matrix = (np.stack([scale(f, np.array(columns[f], np.float64)) for f in features], axis=1) if n
              else np.zeros((0, len(features))))
    if n:
        matrix = np.where(np.isnan(matrix), np.nanmedian(matrix, axis=0), matrix)
    artists = [a.casefold() for a in columns["artist"]]
    families, family_code = _sorted_codes([f or "" for f in columns["family"]])
    languages, language_code = _sorted_codes([c or "" for c in columns["language"]])
    return SongIndex(
        ids=np.array(columns["id"], np.int64).reshape(n), features=(matrix / spread).astype(np.float32),
        popularity=np.array(columns["popularity"], np.float64).reshape(n),
        family=np.array(families, object)[family_code], family_code=family_code.astype(np.int16), families=families,
        language=np.array(languages, object)[language_code], language_code=language_code.astype(np.int16),
        languages=languages,
        explicit=np.array([-1 if e is None else int(e) for e in columns["explicit"]], np.int8).reshape(n),
        artist_code=_sorted_codes(artists)[1],
        title_code=_sorted_codes([f"{t.casefold()}|{a}" for t, a in zip(columns["title"], artists)])[1],
        canonical=np.array([not c for c in columns["copy_of"]], bool).reshape(n),
        tags=np.array([_bits(t) for t in columns["tags"]], np.uint8).reshape(n),
        valence=np.array(columns["valence"], np.float64).astype(np.float32).reshape(n),
        energy=np.array(columns["energy"], np.float64).astype(np.float32).reshape(n))


def _project(by_feature: np.ndarray, vector: np.ndarray) -> np.ndarray:
    """Each song's features (stored column by column) dotted with ``vector``, in float32."""
    return np.einsum("j,ji->i", vector.astype(np.float32), by_feature)


def _member(codes: np.ndarray, wanted: list[int], size: int) -> np.ndarray:
    """``np.isin`` for small non-negative codes, by table lookup (several times faster on 117 k songs)."""
    table = np.zeros(size, bool)
    table[wanted] = True
    return table[codes]


def _bits(tags: str) -> int:
    return sum(1 << TAGS.index(t) for t in tags.split(";") if t in TAGS) if tags else 0


def _sorted_codes(keys: list[str]) -> tuple[tuple[str, ...], np.ndarray]:
    """The distinct keys in order, and each key's position among them: ``np.unique``'s codes, found through a dict
    rather than by sorting every key."""
    distinct = tuple(sorted(set(keys)))
    position = {k: i for i, k in enumerate(distinct)}
    return distinct, np.fromiter((position[k] for k in keys), np.int32, len(keys))


class Near:
    """One point's distances, with its ``field`` nearest allowed songs searched before the whole catalogue.

    Exact, not an approximation: the k nearest songs of any subset of the allowed songs lie in the field
    whenever more than k of the subset's songs do, and the best scores (distance + lean) found in the
    field are the catalogue's whenever they beat the best any song outside the field could reach.
    """

    def __init__(self, distance: np.ndarray, allowed: np.ndarray, field: int, lean_min: float = 0.0,
                 positions: np.ndarray | None = None):
        """``positions``: ``np.flatnonzero(allowed)``, when the caller has it already."""
        self.distance = distance
        every = np.flatnonzero(allowed) if positions is None else positions
        positions = every[np.argpartition(distance[every], field)[:field]] if len(every) > field else every
        self.field = positions
        self.whole = len(positions) == len(every)
        """The field holds every allowed song."""
        self.reach = (float(distance[positions].max()) if len(positions) else 0.0) + lean_min
        """No song outside the field scores below this."""

    def _inside(self, mask: np.ndarray, k: int) -> np.ndarray | None:
        """The field's songs of ``mask`` when they are sure to hold its ``k`` + 1 nearest, else None."""
        inside = self.field[mask[self.field]]
        return inside if len(inside) > k or self.whole else None

    def nearest(self, mask: np.ndarray, k: int) -> np.ndarray:
        """Positions of the ``k`` nearest songs of ``mask`` (a subset of the allowed songs), nearest first."""
        candidates = self._inside(mask, k)
        if candidates is None:
            candidates = np.flatnonzero(mask)
        if len(candidates) > k:
            candidates = candidates[np.argpartition(self.distance[candidates], k)[:k]]
        return candidates[np.argsort(self.distance[candidates])]

    def nth(self, mask: np.ndarray, k: int) -> float:
        """The distance of the ``k``-th nearest song (from 0) of ``mask``, which must hold more than ``k``."""
        candidates = self._inside(mask, k)
        values = self.distance[mask] if candidates is None else self.distance[candidates]
        return float(np.partition(values, k)[k])

    def best(self, mask: np.ndarray, lean: np.ndarray, n: int) -> np.ndarray:
        """Positions of the ``n`` songs of ``mask`` with the lowest distance + lean."""
        inside = self.field[mask[self.field]]
        if len(inside) > n:
            score = self.distance[inside] + lean[inside]
            order = np.argpartition(score, n)[:n]
            if self.whole or float(score[order].max()) <= self.reach:
                return inside[order]
        elif self.whole:
            return inside
        candidates = np.flatnonzero(mask)
        if len(candidates) > n:
            score = self.distance[candidates] + lean[candidates]
            candidates = candidates[np.argpartition(score, n)[:n]]
        return candidates
