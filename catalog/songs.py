"""Songs: the in-memory index the recommender scores, and songs as shown to a user (:class:`Track`, :class:`Reason`)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import dataclass, fields
from urllib.parse import quote_plus

import numpy as np
from sqlalchemy import Connection, Engine, Row, bindparam, select

from catalog.index import SongIndex, song_index
from catalog.moods import regions
from catalog.schema import Song


@dataclass(frozen=True)
class Reason:
    """Why a song is in a list, as data (no words): how it sounds and its place in the list.

    The catalogue knows no language; each front end words a reason in its user's.
    """

    role: str
    """"fits" (a match), or in a lift: "meets" (the first song), "step" (between), "arrives" (the last)."""
    mood: str
    """The mood it fits, meets, steps toward or arrives at."""
    step: int
    """Its place in the list, from 1."""
    steps: int
    """Songs in the list."""
    qualities: tuple[str, ...]
    """Up to two words of how it sounds, from :data:`catalog.recommend.QUALITIES`."""
    family: str
    """Its genre family ("" when unknown)."""
    tempo: int
    """Beats per minute."""
    relaxed: tuple[str, ...] = ()
    """Preferences left aside for this song ("language", "genre") because too few songs near the mood kept them."""


@dataclass(frozen=True)
class Track:
    """A song as shown to a user."""

    id: int
    spotify_id: str
    title: str
    artist: str
    album: str
    genre: str
    year: int | None
    popularity: int
    valence: float
    energy: float
    artists: str = ""
    family: str = ""
    language: str = ""
    explicit: bool | None = None
    spotify_url: str | None = None
    image_url: str | None = None
    reason: Reason | None = None
    """Why this song, when it came from a recommendation (worded by the front end, in the user's language)."""

    @property
    def link(self) -> str:
        """Works with no Spotify credentials at all."""
        return self.spotify_url or f"https://open.spotify.com/track/{self.spotify_id}"

    @property
    def youtube_search(self) -> str:
        return "https://www.youtube.com/results?search_query=" + quote_plus(f"{self.artist} {self.title}")

    @classmethod
    def of(cls, song: Song | Row) -> Track:
        return cls(song.id, song.spotify_id, song.title, song.artist, song.album, song.genre, song.year,
                   song.popularity, song.valence, song.energy, song.artists, song.family, song.language,
                   song.explicit, song.spotify_url, song.image_url)


_TRACK_COLUMNS = (Song.id, Song.spotify_id, Song.title, Song.artist, Song.album, Song.genre, Song.year,
                  Song.popularity, Song.valence, Song.energy, Song.artists, Song.family, Song.language, Song.explicit,
                  Song.spotify_url, Song.image_url)
"""The columns a :class:`Track` shows: a Core select of these skips building ORM objects."""
KEPT_TRACKS = 5_000
"""Tracks a process keeps (about 1 KB each)."""
_TRACKS = select(*_TRACK_COLUMNS).where(Song.id.in_(bindparam("ids", expanding=True)))


class Songs:
    """The catalogue's songs: one read-only index per process, and tracks by id."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self._index: SongIndex | None = None
        self._index_lock = threading.Lock()
        self._kept: OrderedDict[int, Track] = OrderedDict()
        self._kept_lock = threading.Lock()

    def index(self) -> SongIndex:
        """The in-memory song columns, loaded on first use and never changed after, so every thread shares them.

        Songs imported later by another process show up after a restart; the
        catalogue changes rarely, and a per-request reload would cost more than
        the whole recommendation.
        """
        if self._index is None:
            with self._index_lock:
                if self._index is None:
                    self._index = _load(self.engine)
        return self._index

    def tracks(self, song_ids: Sequence[int], conn: Connection | None = None) -> list[Track]:
        """Tracks for ids, in the order given; the ones not kept yet read in one statement (on ``conn`` when the
        caller holds one).

        A process keeps up to ``KEPT_TRACKS`` tracks, the most recently shown: what a track shows changes only
        when the catalogue is rebuilt, which the index too sees after a restart, and Spotify links are read
        from the database by the enrichment itself (:meth:`catalog.spotify.SpotifyEnricher.enrich`). The songs
        near each mood recur from list to list, so most lists need no read at all.
        """
        with self._kept_lock:
            found = {i: self._kept[i] for i in song_ids if i in self._kept}
            for i in found:
                self._kept.move_to_end(i)
        if missing := [i for i in song_ids if i not in found]:
            with nullcontext(conn) if conn is not None else self.engine.connect() as db:
                read = {row.id: Track.of(row) for row in db.execute(_TRACKS, {"ids": missing})}
            with self._kept_lock:
                self._kept.update(read)
                while len(self._kept) > KEPT_TRACKS:
                    self._kept.popitem(last=False)
            found |= read
        return [found[i] for i in song_ids if i in found]


def _load(engine: Engine) -> SongIndex:
    """The index with its derived columns computed now (not lazily by whichever request comes first), read-only."""
    with engine.connect() as conn:
        result = conn.execute(select(Song.id, Song.popularity, Song.artist, Song.title, Song.family, Song.language,
                                     Song.explicit, Song.copy_of, Song.tags,
                                     *(getattr(Song, f) for f in regions().features)).order_by(Song.id))
        names, rows = list(result.keys()), result.all()
    columns = dict(zip(names, zip(*rows))) if rows else {name: () for name in names}
    index = song_index(columns, regions().features, regions().spread)
    derived = [index.by_feature, index.squared_norms, index.clean, index.familiarity]
    for column in [*(getattr(index, f.name) for f in fields(index)), *derived]:
        if isinstance(column, np.ndarray):
            column.flags.writeable = False
    return index
