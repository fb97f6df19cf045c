"""Covers without a marker: acts that record other artists' songs, and instrumental versions of sung songs.

Titles such as "Karaoke" or "in the style of" name a cover (:mod:`catalog.build_tags`), but most cover
acts give the song's own title and nothing else (Glee Cast's "Toxic", Boyce Avenue's "A Thousand Years",
Smyang Piano's "Spring Day"). What gives them away is the catalogue itself: the same title by another
artist, who is better known for it.

* **A cover act**: an artist with at least ``MIN_BORROWED`` titles (of two words or more) that another,
  uncredited artist has at least ``MARGIN`` popularity points higher, and such titles make up at least
  ``ACT_SHARE`` of all the artist's titles. Every track of theirs is a cover.
* **An instrumental cover**: a track without vocals and mostly acoustic (a piano or guitar version) whose
  title (of three words or more) another artist sings, more popular by ``MARGIN``: Tomas Lee's piano
  "Every Breath You Take". Electronic instrumentals are left alone: a techno track called "The Best Is
  Yet to Come" is not The Police's or Sinatra's.

Titles are compared without version notes or anything after " - " or an opening bracket ("Shape of You
- Rock", "Let Me Down Slowly (Slowed + Reverb)").
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence

from catalog.build_copies import artist_key, fold_title

MARGIN = 5
"""Popularity points by which the other artist's version must be better known."""
MIN_BORROWED = 5
ACT_SHARE = 0.5
ACOUSTIC = 0.5
"""Acousticness from which an instrumental track counts as a piano or guitar version."""

_AFTER = re.compile(r"\s+-\s+.*$|[(\[].*$")


def song_key(title: str) -> str:
    """The song a title names, without version notes or what follows " - " or a bracket."""
    return fold_title(_AFTER.sub("", str(title)))


def covers(titles: Sequence[str], artists: Sequence[str], credited: Sequence[str], popularity: Sequence[float],
           sung: Sequence[bool], acousticness: Sequence[float]) -> list[bool]:
    """Whether each track is a cover by the rules above (``credited``: all artists, "; "-separated)."""
    keys = [song_key(t) for t in titles]
    firsts = [artist_key(a) for a in artists]
    best: dict[str, dict[str, float]] = defaultdict(dict)        # song -> first artist -> best popularity
    best_sung: dict[str, dict[str, float]] = defaultdict(dict)   # the same over sung tracks only
    on: dict[tuple[str, str], set[str]] = defaultdict(set)        # (song, first artist) -> credited artists
    for k, a, names, p, s in zip(keys, firsts, credited, popularity, sung):
        p = float(p) if p == p else 0.0
        best[k][a] = max(p, best[k].get(a, -1.0))
        if s:
            best_sung[k][a] = max(p, best_sung[k].get(a, -1.0))
        on[(k, a)].update(artist_key(n) for n in str(names).split("; "))

    def better_known(k: str, a: str, table: dict[str, dict[str, float]]) -> bool:
        own = best[k][a]
        return any(other != a and other not in on[(k, a)] and p >= own + MARGIN for other, p in table[k].items())

    titles_of: dict[str, set[str]] = defaultdict(set)
    for k, a in zip(keys, firsts):
        titles_of[a].add(k)
    acts = set()
    for a, songs in titles_of.items():
        borrowed = sum(1 for k in songs if len(k.split()) >= 2 and better_known(k, a, best))
        if borrowed >= MIN_BORROWED and borrowed >= ACT_SHARE * len(songs):
            acts.add(a)
    return [a in acts or (not s and ac >= ACOUSTIC and len(k.split()) >= 3 and better_known(k, a, best_sung))
            for k, a, s, ac in zip(keys, firsts, sung, acousticness)]
