"""Content a listener did not ask for: tagged in the seed, kept out of lists unless wished for.

Holiday songs belong to 1-26 December; children's songs, covers (lullaby, karaoke, tribute, "in the
style of", piano arrangements of pop songs), sleep and noise tracks, spoken word and comedy, and
worship songs are wishes of their own: ``/playlist christmas`` or ``/playlist kids`` asks for them.
``lofi`` only keeps a family honest and is never held back.
"""

from __future__ import annotations

import datetime as dt

TAGS: tuple[str, ...] = ("holiday", "children", "cover", "sleep", "spoken", "worship", "lofi")
"""Every tag the seed may carry (``catalog/seed/README.md``)."""
HELD_BACK: tuple[str, ...] = ("holiday", "children", "cover", "sleep", "spoken", "worship")
"""Tags kept out of lists unless asked for (holiday only outside its season)."""
WISHES: dict[str, str] = {
    "christmas": "holiday", "holiday": "holiday", "xmas": "holiday", "kids": "children", "children": "children",
    "covers": "cover", "cover": "cover", "sleep": "sleep", "spoken": "spoken", "comedy": "spoken",
    "worship": "worship",
}
"""Words a user can ask for (``/playlist christmas``) and the tag each means."""
WISH_WORDS: tuple[str, ...] = ("christmas", "kids", "covers", "sleep", "spoken", "worship")
"""One word per held-back tag, as help texts name them."""


def in_season(on: dt.date) -> bool:
    """Holiday songs are welcome from 1 to 26 December."""
    return on.month == 12 and on.day <= 26


def held_back(on: dt.date, wish: str | None = None) -> frozenset[str]:
    """The tags to keep out of a list made on ``on`` for someone who asked for ``wish`` (a tag)."""
    hidden = set(HELD_BACK) - {wish}
    if in_season(on):
        hidden.discard("holiday")
    return frozenset(hidden)


def parse_tags(text: str) -> frozenset[str]:
    """The tags of a seed row ("holiday;cover"); ValueError for a tag outside :data:`TAGS`."""
    tags = frozenset(t.strip() for t in text.split(";") if t.strip())
    if unknown := sorted(tags - set(TAGS)):
        raise ValueError(f"unknown tag {unknown[0]!r}; known: {', '.join(TAGS)}")
    return tags
