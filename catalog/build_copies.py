"""Fold the versions of one song together: which row is the copy people know (``copy_of``).

Two rows are copies of one song when the first artist and the title agree once
version words are dropped: "Remastered", "Live", "- 2011 Mix", "Radio Edit",
"Single Version", "Mono", "(feat. X)", "[Explicit]" and the like. A remix is
*not* folded: another producer makes another recording (other tempo, energy,
often other artists), and the sources list remixes as songs of their own. The
canonical copy is the most popular one (ties: a known clean flag, then the
first id); every other copy points at it.
"""

from __future__ import annotations

import re

_VERSION_WORDS = (r"remaster(?:ed)?|live|(?<!re)mix|edit|version|mono|stereo|single|album|deluxe|bonus|demo|"
                  r"re-?recorded|explicit|clean|radio|extended|feat\.?|ft\.?|featuring|with|from|original|"
                  r"ao vivo|en vivo|acoustic live|\d{4}")
_BRACKETED = re.compile(r"[(\[]([^)\]]*)[)\]]")
_SUFFIX = re.compile(r"\s+-\s+(.*)$")
_IS_VERSION = re.compile(rf"\b(?:{_VERSION_WORDS})\b", re.IGNORECASE)
_REMIX = re.compile(r"\bremix\b|\bbootleg\b|\bflip\b|\bvip\b", re.IGNORECASE)
_NOISE = re.compile(r"[^\w\s]", re.UNICODE)


def _is_version(text: str) -> bool:
    return bool(_IS_VERSION.search(text)) and not _REMIX.search(text)


def fold_title(title: str) -> str:
    """The title with version and featuring notes dropped, casefolded, punctuation-free.

    >>> fold_title("Here Comes The Sun - Remastered 2009")
    'here comes the sun'
    >>> fold_title("Piece Of Your Heart - Alok Remix")
    'piece of your heart alok remix'
    """
    text = str(title)
    text = _BRACKETED.sub(lambda m: " " if _is_version(m.group(1)) else m.group(0), text)
    while (m := _SUFFIX.search(text)) and _is_version(m.group(1)):
        text = text[:m.start()]
    text = _NOISE.sub(" ", text.casefold())
    return " ".join(text.split())


def artist_key(artist: str) -> str:
    """The first artist, casefolded, without punctuation or a leading "the"."""
    text = " ".join(_NOISE.sub(" ", str(artist).casefold()).split())
    return text[4:] if text.startswith("the ") else text


def copy_of(ids: list[str], artists: list[str], titles: list[str], popularity: list[float],
            known_clean: list[bool]) -> list[str]:
    """For each row, "" when it is the canonical copy of its song, else the canonical copy's id."""
    groups: dict[tuple[str, str], list[int]] = {}
    for i, (artist, title) in enumerate(zip(artists, titles)):
        groups.setdefault((artist_key(artist), fold_title(title)), []).append(i)
    out = [""] * len(ids)
    for rows in groups.values():
        if len(rows) < 2:
            continue
        best = min(rows, key=lambda i: (-(popularity[i] if popularity[i] == popularity[i] else -1),
                                        not known_clean[i], ids[i]))
        for i in rows:
            if i != best:
                out[i] = ids[best]
    return out
