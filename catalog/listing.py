"""A song list as plain text: the one form every terminal front end prints.

``python -m catalog recommend``, ``python -m bot watch`` and ``python -m bot try`` (the bot's own reply,
rendered as text) all show a song as::

    1. Title — Artist
        why this song
        Spotify <https://open.spotify.com/track/...> · YouTube <https://www.youtube.com/results?...>
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from catalog.songs import Reason, Track


def terse(reason: Reason) -> str:
    """A reason as the catalogue holds it, in a developer's few English words: "acoustic gentle folk/acoustic 72
    BPM; step 2/5 calm". Users read reasons in their own language, worded by the bot (``bot try --language``)."""
    sound = " ".join([*reason.qualities, reason.family or "song", f"{reason.tempo} BPM"])
    relaxed = f"; relaxed {'+'.join(reason.relaxed)}" if reason.relaxed else ""
    return f"{sound}; {reason.role} {reason.step}/{reason.steps} {reason.mood}{relaxed}"


def song_lines(tracks: Sequence[Track], why: Callable[[Reason], str] = terse) -> list[str]:
    """Three lines a song (two without a reason), numbered from 1; ``why`` words each reason."""
    lines = []
    for i, t in enumerate(tracks, 1):
        lines.append(f"{i}. {t.title} — {t.artist}")
        if t.reason:
            lines.append(f"    {why(t.reason)}")
        lines.append(f"    Spotify <{t.link}> · YouTube <{t.youtube_search}>")
    return lines
