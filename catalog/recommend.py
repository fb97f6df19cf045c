"""Choose songs for a mood: the scoring core, free of SQL.

Songs live in memory as numpy columns (:class:`catalog.index.SongIndex`). For every slot of a list:

* distance = how far a song's audio features lie from the slot's point, each
  feature scaled by the fitted mood spread (:mod:`catalog.moods`);
* filters: only the most popular copy of a song, no song recently shown or
  disliked, no explicit song unless allowed, no avoided family, no content the
  user did not ask for (:mod:`catalog.content`); a wish (``/playlist
  christmas``) keeps only songs of that kind;
* narrowing, each only while enough songs stay near the mood (else the reason
  says so): the user's languages (songs without vocals always fit; half the
  slots of a user with a language besides English are sung in it), liked
  families, and songs a listener may know (popular songs, known artists);
* discovery: as the user gives likes and dislikes, a growing share of slots
  (at most ``MAX_DISCOVERY``) drops the familiarity narrowing and leans less
  on popularity, and once they have given ``LANGUAGE_DISCOVERY`` verdicts one
  such slot may also be sung in another language;
* taste: families and artists the user liked move their songs closer,
  disliked families further;
* variety: the slot's song is drawn at random among the ``POOL`` nearest,
  nearer ones likelier, so two new users with the same mood get different lists;
* one song per artist and per (title, artist) in a list.

``match`` aims every slot at the mood's point. ``lift`` walks from the mood
toward the target, family by family as :mod:`catalog.paths` decides; a tense
mood's first song also lies in the mood's own range of energy and valence.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from catalog.content import HELD_BACK
from catalog.index import Near, SongIndex
from catalog.languages import ENGLISH, INSTRUMENTAL
from catalog.paths import PATH_NEAREST, next_family, start_family, start_mask

POOL = 200
"""Nearest candidates a slot draws from: wide enough for variety, near enough to fit."""
TEMPERATURE = 0.35
"""Scaled-distance units over which a candidate's chance falls by e."""
FAMILIAR = 0.5
"""Familiarity (``SongIndex.familiarity``) from which a song counts as one a listener may know."""
FAMILIAR_LEAN = 0.4
"""Distance removed for the most familiar song in a new user's list (less as discovery grows)."""
DISCOVERY_VERDICTS = 50
"""Likes and dislikes after which discovery reaches its full share."""
MAX_DISCOVERY = 0.4
LANGUAGE_DISCOVERY = 20
"""Verdicts from which one discovery slot may be sung in a language the user did not choose."""
START_DEPTH = 0.25
"""How far beyond the mood's centre, away from the target, a lift's first point lies (share of the path)."""
FAMILY_TASTE = 0.3
"""Distance removed for a family the user keeps liking (added for one they keep disliking)."""
ARTIST_TASTE = 0.1
ENOUGH = 200
"""A preference narrows the field only while at least this many songs remain eligible..."""
FIELD = 5000
"""Nearest allowed songs of a point that are searched first (see ``catalog.index.Near``)."""
PREFERENCE_MARGIN = 0.5
"""...and its ``POOL``-th nearest song is at most this much further from the point than without it:
a user's own choice outweighs a somewhat closer fit."""


OWN_LANGUAGE = "own language"
"""The lean toward a user's languages other than English: it gives way silently..."""
OWN_ENOUGH = 40
"""...and holds with fewer songs than a user's own rule: a few dozen songs in one's language beat none."""


@dataclass(frozen=True)
class Taste:
    """What a recommendation must respect and may lean toward, for one user (or nobody)."""

    explicit: bool = False
    liked_families: frozenset[str] = frozenset()
    avoided_families: frozenset[str] = frozenset()
    languages: frozenset[str] = frozenset()
    """Sung languages the user hears (empty: all); songs without vocals always fit."""
    family_scores: dict[str, float] = field(default_factory=dict)
    """Learned from likes (+1) and dislikes (-1) per family."""
    liked_artists: frozenset[int] = frozenset()
    """Artist codes (``SongIndex.artist_code``) of songs the user liked."""
    verdicts: int = 0
    """Likes and dislikes the user gave: discovery grows with them."""
    hidden: frozenset[str] = frozenset(HELD_BACK)
    """Content tags kept out (``catalog.content.held_back``)."""
    wish: str | None = None
    """A content tag asked for: the list is made of such songs."""

    @property
    def discovery(self) -> float:
        """Share of a list's slots that may reach beyond songs the listener may know."""
        return MAX_DISCOVERY * min(1.0, self.verdicts / DISCOVERY_VERDICTS)


@dataclass(frozen=True)
class Pick:
    position: int
    """Row in the index."""
    relaxed: tuple[str, ...]
    """Preferences that had to give way for this slot (too few songs near the mood)."""


@dataclass(frozen=True)
class Slot:
    """What narrows one slot's field, besides the user's fixed filters."""

    own_language: bool
    """Sung in the user's languages other than English (a lean: it gives way silently)."""
    familiar: bool
    other_languages: bool
    """A discovery slot that may be sung in any language."""


def path_points(start: np.ndarray, end: np.ndarray, n: int) -> list[np.ndarray]:
    """``n`` points from ``start`` to ``end`` inclusive, evenly spaced."""
    if n == 1:
        return [start]
    return [start + (end - start) * k / (n - 1) for k in range(n)]


def lift_points(start: np.ndarray, end: np.ndarray, n: int) -> list[np.ndarray]:
    """A lift's ``n`` points: the first a little deeper in the mood than its centre (away from the target),
    so the opening song sounds like the mood rather than halfway out of it; the last is the target."""
    deeper = start + START_DEPTH * (start - end)
    return path_points(deeper, end, n)


def slots(taste: Taste, n: int) -> list[Slot]:
    """The narrowing of each slot: own-language slots first of every two, discovery slots from the second on."""
    discovery = int(round(n * taste.discovery))
    found = [k for k in range(1, n, 2)] + [k for k in range(0, n, 2)]
    open_slots = set(found[:discovery])
    other_language = found[0] if discovery and taste.verdicts >= LANGUAGE_DISCOVERY else None
    own = bool(taste.languages - {ENGLISH, INSTRUMENTAL})
    return [Slot(own and k % 2 == 0, k not in open_slots, k == other_language) for k in range(n)]


def eligible(index: SongIndex, taste: Taste, exclude: set[int]) -> np.ndarray:
    """Songs allowed at all: the filters no closeness to the mood can lift."""
    allowed = index.canonical.copy()
    if not taste.explicit:
        allowed &= index.clean  # an unknown flag (an import without one) counts as explicit
    if exclude:
        allowed[index.positions(exclude)] = False
    if taste.avoided_families:
        allowed &= ~index.family_mask(taste.avoided_families)
    if hidden := taste.hidden - {taste.wish}:
        allowed &= ~index.tagged(hidden)
    if taste.wish:
        allowed &= index.tagged({taste.wish})
    return allowed


def _narrowing(index: SongIndex, taste: Taste, slot: Slot) -> list[tuple[str, np.ndarray]]:
    """[(preference, narrower mask)] of one slot, in the order they give way; "" names a silent lean.

    A lift step's family comes after the familiarity lean and before the own-language one (see ``_pool``):
    a song in the user's language that does not carry the mood is not worth it.
    """
    narrowing = []
    if taste.languages and not slot.other_languages:
        narrowing.append(("language", index.language_mask(taste.languages | {INSTRUMENTAL})))
    if taste.liked_families:
        narrowing.append(("genre", index.family_mask(taste.liked_families)))
    if slot.familiar:
        narrowing.append(("", index.familiarity >= FAMILIAR))
    if taste.languages and slot.own_language:
        narrowing.append((OWN_LANGUAGE, index.language_mask(taste.languages - {ENGLISH, INSTRUMENTAL})))
    return narrowing


def _leaning(index: SongIndex, taste: Taste) -> np.ndarray:
    """Per-song distance adjustment from familiarity and learned taste (negative = closer)."""
    lean = (-FAMILIAR_LEAN * (1.0 - taste.discovery) * index.familiarity).astype(np.float32)
    for family, score in taste.family_scores.items():
        if family in index.families:
            lean[index.family_code == index.families.index(family)] -= FAMILY_TASTE * np.tanh(score / 3.0)
    if taste.liked_artists:
        lean[index.artist_mask(taste.liked_artists)] -= ARTIST_TASTE
    return lean


def choose(index: SongIndex, points: Sequence[np.ndarray], spread: np.ndarray, taste: Taste, exclude: set[int],
           rng: np.random.Generator, lift_from: str | None = None) -> list[Pick]:
    """One song per point (points in feature space, not yet divided by ``spread``), following the rules above.

    ``lift_from`` names the mood a lift starts in: its steps then follow :mod:`catalog.paths`.
    """
    if len(index) == 0:
        return []
    allowed = eligible(index, taste, exclude)
    lean = _leaning(index, taste)
    used_artists: set[int] = set()
    used_titles: set[int] = set()
    picks: list[Pick] = []
    scaled = [p / spread for p in points]
    distance_of = {p.tobytes(): d for p, d in zip(scaled, index.distances_of(scaled))}
    lean_min = float(lean.min())
    positions = np.flatnonzero(allowed)
    nears = {key: Near(distance, allowed, FIELD, lean_min, positions) for key, distance in distance_of.items()}
    heard = allowed & index.language_mask(taste.languages | {INSTRUMENTAL}) if taste.languages else allowed
    families = _families(index, [nears[p.tobytes()] for p in scaled],
                         heard if heard.sum() >= ENOUGH else allowed, taste, lift_from, rng)
    opening = start_mask(index, allowed, lift_from) if lift_from else allowed
    pools: dict[tuple, tuple[np.ndarray, np.ndarray, tuple[str, ...]]] = {}
    narrowings: dict[Slot, list[tuple[str, np.ndarray]]] = {}
    for k, (point, family, slot) in enumerate(zip(scaled, families, slots(taste, len(scaled)))):
        key = (point.tobytes(), family, slot, k == 0)
        if key not in pools:
            if slot not in narrowings:
                narrowings[slot] = _narrowing(index, taste, slot)
            pools[key] = _pool(index, nears[key[0]], opening if k == 0 else allowed, narrowings[slot], lean, family)
        pool, distance, relaxed = pools[key]
        fresh = (~np.isin(index.artist_code[pool], list(used_artists))
                 & ~np.isin(index.title_code[pool], list(used_titles)))
        if not fresh.any():
            continue
        candidates, near = pool[fresh], distance[fresh]
        score = near + lean[candidates]
        weights = np.exp(-(score - score.min()) / TEMPERATURE)
        chosen = int(rng.choice(len(candidates), p=weights / weights.sum()))
        position = int(candidates[chosen])
        used_artists.add(int(index.artist_code[position]))
        used_titles.add(int(index.title_code[position]))
        picks.append(Pick(position, relaxed))
    return picks


def _families(index: SongIndex, nears: list[Near], allowed: np.ndarray, taste: Taste,
              lift_from: str | None, rng: np.random.Generator) -> list[int | None]:
    """The family of each slot: none for a match, the path's families for a lift (the first one among the
    songs that carry the mood: :func:`catalog.paths.start_mask`)."""
    if lift_from is None or not nears:
        return [None] * len(nears)
    own = taste.languages - {ENGLISH, INSTRUMENTAL}
    family = start_family(index, nears[0], start_mask(index, allowed, lift_from), lift_from, taste.liked_families,
                          rng, index.language_mask(own) if own else None)
    families = [family]
    for near in nears[1:]:
        family = next_family(index, near, allowed, family, taste.liked_families)
        families.append(family)
    return families


def _pool(index: SongIndex, near: Near, allowed: np.ndarray, narrowing: list[tuple[str, np.ndarray]],
          lean: np.ndarray, family: int | None) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    """The ``POOL`` best candidates by a point's distances (positions, distances) and the preferences relaxed.

    Where the own-language lean cannot hold among songs a listener may know, it is tried again without the
    familiarity lean: a Spanish speaker's angry list may open with a Spanish metal song less known worldwide.
    """
    mask, relaxed, family_held = allowed, [], False
    unknown: np.ndarray | None = None
    """The field before the familiarity lean narrowed it."""
    for name, narrower in narrowing:
        if name == OWN_LANGUAGE and family is not None and (same := mask & (index.family_code == family)).sum() \
                >= PATH_NEAREST:
            if unknown is not None:
                unknown = unknown & (index.family_code == family)
            mask, family, family_held = same, None, True
        enough = _enough(name, family_held)
        if _holds(near, mask & narrower, mask, enough):
            if not name:
                unknown = mask
            mask = mask & narrower
        elif name == OWN_LANGUAGE and unknown is not None and _holds(near, unknown & narrower, unknown, enough):
            mask = unknown & narrower
        elif name and name != OWN_LANGUAGE:
            relaxed.append(name)
    if family is not None and (same := mask & (index.family_code == family)).sum() >= PATH_NEAREST:
        mask = same
    candidates = near.best(mask, lean, POOL)
    return candidates, near.distance[candidates], tuple(relaxed)


def _enough(name: str, within_family: bool) -> int:
    """Songs a narrowing must leave: fewer for the own-language lean, fewest inside a lift step's family."""
    if name != OWN_LANGUAGE:
        return ENOUGH
    return PATH_NEAREST if within_family else OWN_ENOUGH


def _holds(near: Near, narrow: np.ndarray, wide: np.ndarray, enough: int = ENOUGH) -> bool:
    """Whether a preference leaves enough songs, about as near the point as without it."""
    count = int(narrow.sum())
    if count < enough:
        return False
    nth = min(POOL, enough, count - 1)
    return near.nth(narrow, nth) <= near.nth(wide, nth) + PREFERENCE_MARGIN


QUALITIES = (
    (lambda f: f["instrumentalness"] > 0.5, "instrumental"),
    (lambda f: f["acousticness"] > 0.7, "acoustic"),
    (lambda f: f["energy"] < 0.3, "gentle"),
    (lambda f: f["energy"] > 0.8, "high-energy"),
    (lambda f: f["valence"] > 0.7, "bright"),
    (lambda f: f["valence"] < 0.25, "melancholic"),
    (lambda f: f["danceability"] > 0.75, "danceable"),
)


def qualities(features: dict[str, float]) -> tuple[str, ...]:
    """Up to two words of how a song sounds ("acoustic", "gentle"), in the order of :data:`QUALITIES`."""
    return tuple(word for test, word in QUALITIES if test(features))[:2]
