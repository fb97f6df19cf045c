"""A song list as plain text: the one form every terminal front end prints.

``python -m catalog recommend``, ``python -m bot watch`` and ``python -m bot try`` (the bot's own reply,
rendered as text) all show a song as::

    1. Title — Artist
        why this song
        Spotify <https://open.spotify.com/track/...> · YouTube <https://www.youtube.com/results?...>
"""

from __future__ import annotations

from collections.abc import Sequence

from catalog.service import Track


def song_lines(tracks: Sequence[Track]) -> list[str]:
    """Three lines a song (two without a reason), numbered from 1."""
    lines = []
    for i, t in enumerate(tracks, 1):
        lines.append(f"{i}. {t.title} — {t.artist}")
        if t.reason:
            lines.append(f"    {t.reason}")
        lines.append(f"    Spotify <{t.link}> · YouTube <{t.youtube_search}>")
    return lines
