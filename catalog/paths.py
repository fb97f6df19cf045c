"""The genre family of each step of a lift list: start where the mood lives, change only where it fits.

A lift follows the iso principle of music therapy: the first song meets the listener in their mood,
each next one steps toward the target. Tense moods have families that carry them (anger sounds like
rock, metal, hip-hop or hard electronic music, not a piano sonata), so the first song comes from one of
those, within the user's taste. Each next step keeps the family while the family still has songs about
as near that step as the whole catalogue; where it has not, the path moves to the family that fits the
step best, so every change happens between neighbouring points and stays small. The last step is the
target itself (calm for tense moods), whichever family fits it.
"""

from __future__ import annotations

import numpy as np

from catalog.index import Near, SongIndex

START_FAMILIES: dict[str, tuple[str, ...]] = {
    "angry": ("rock", "metal", "hip-hop", "electronic"),
    "disgust": ("rock", "metal", "hip-hop", "electronic"),
    "fear": ("rock", "electronic", "classical/instrumental"),
}
"""Families whose songs carry a tense mood: a lift list from that mood starts in one of them (fear: dark
rock, trip-hop and ambient, film scores; a folk song's gentleness does not carry it)."""
START_REGIONS: dict[str, tuple[float, float, float]] = {
    "angry": (0.75, 1.0, 0.45),
    "disgust": (0.5, 1.0, 0.35),
    "fear": (0.0, 0.6, 0.25),
}
"""(lowest energy, highest energy, highest valence) of a tense mood's first song, on Spotify's 0-1 scales.

Near the mood's point in all seven features is not enough: a lounge track (Thievery Corporation) sits
near disgust's point on tempo, loudness and acousticness but sounds bright, and a lo-fi beat sits near
fear's but sounds cosy. The first song must also be as tense as the mood: anger loud, disgust driving
and dark, fear dark and not loud. Lo-fi beats never open a tense list."""
START_ENOUGH = 200
"""The region narrows the first song's field only while this many allowed songs remain in it."""
PATH_NEAREST = 20
PATH_FIELD = 4000
MARGIN = 0.15
"""A family fits a step when its ``PATH_NEAREST``-th nearest allowed song is at most this much further from the
step than the whole catalogue's..."""
START_MARGIN = 0.25
"""...and the first step, whose songs all lie in the mood's own region already (``START_REGIONS``), when at
most this much: a few families to draw from, so new users' lists do not all open alike."""


def start_mask(index: SongIndex, allowed: np.ndarray, emotion: str) -> np.ndarray:
    """The allowed songs a lift from ``emotion`` may open with (``START_REGIONS``); all of them for other moods
    or where too few songs are left."""
    if emotion not in START_REGIONS:
        return allowed
    low, high, valence = START_REGIONS[emotion]
    with np.errstate(invalid="ignore"):
        mask = allowed & (index.energy >= low) & (index.energy <= high) & (index.valence <= valence)
    mask &= ~index.tagged({"lofi"})
    return mask if int(mask.sum()) >= START_ENOUGH else allowed


def gaps(index: SongIndex, near: Near, allowed: np.ndarray) -> dict[int, float]:
    """How much further each named family's ``PATH_NEAREST``-th nearest song lies than the catalogue's.

    Only the ``PATH_FIELD`` nearest allowed songs are looked at: a family with fewer of its songs among
    them does not fit (infinite gap).
    """
    count = int(allowed.sum())
    if count <= PATH_NEAREST:
        return {}
    order = near.nearest(allowed, min(PATH_FIELD, count - 1))
    ranked_all = near.distance[order]
    wide = ranked_all[PATH_NEAREST]
    codes = index.family_code[order]
    result = {}
    for code, name in enumerate(index.families):
        if name:
            ranked = ranked_all[codes == code]
            result[code] = float(ranked[PATH_NEAREST] - wide) if len(ranked) > PATH_NEAREST else np.inf
    return result


def start_family(index: SongIndex, near: Near, allowed: np.ndarray, emotion: str,
                 liked: frozenset[str], rng: np.random.Generator, own: np.ndarray | None = None) -> int | None:
    """The family of a lift's first song: one that carries the mood, within the user's liked families.

    Drawn at random among those that fit the start, so users get different starts; where some of them hold
    at least ``PATH_NEAREST`` songs in the user's own language (``own``: a Spanish speaker's Spanish songs),
    among those, so that the list can open in it; with none fitting, the one that comes closest; with no
    family at all, None.
    """
    fits = gaps(index, near, allowed)
    if not fits:
        return None
    carriers = set(START_FAMILIES.get(emotion, index.families))
    wanted = (carriers & liked) or liked or carriers
    named = {code: gap for code, gap in fits.items() if index.families[code] in wanted} or fits
    fitting = sorted(code for code, gap in named.items() if gap <= START_MARGIN)
    if own is not None:
        fitting = [c for c in fitting if int((allowed & own & (index.family_code == c)).sum()) >= PATH_NEAREST
                   ] or fitting
    return int(rng.choice(fitting)) if fitting else min(named, key=named.__getitem__)


def next_family(index: SongIndex, near: Near, allowed: np.ndarray, family: int | None,
                liked: frozenset[str]) -> int | None:
    """The family of the next step: the same while it fits, else the one that fits this step best."""
    if family is not None:
        own = allowed & (index.family_code == family)
        if own.sum() > PATH_NEAREST and allowed.sum() > PATH_NEAREST and (
                near.nth(own, PATH_NEAREST) <= near.nth(allowed, PATH_NEAREST) + MARGIN):
            return family
    fits = gaps(index, near, allowed)
    preferred = {code: gap for code, gap in fits.items() if index.families[code] in liked} or fits
    return min(preferred, key=preferred.__getitem__) if preferred else family
