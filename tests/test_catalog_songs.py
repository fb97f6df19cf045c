"""Songs: one read-only index shared by every thread, tracks in the order asked."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from sqlalchemy import select

from catalog.schema import Song
from catalog.songs import Songs


def test_the_index_is_loaded_once_for_every_thread_and_cannot_change(catalog):
    songs = Songs(catalog.engine)
    with ThreadPoolExecutor(4) as pool:
        indexes = list(pool.map(lambda _: songs.index(), range(8)))
    assert all(index is indexes[0] for index in indexes)
    index = indexes[0]
    for column in (index.ids, index.features, index.popularity, index.family, index.squared_norms, index.familiarity):
        with pytest.raises(ValueError):
            column[0] = column[1]
    assert np.all(np.diff(index.ids) > 0)


def test_tracks_come_in_the_order_asked_and_unknown_ids_are_left_out(catalog):
    with catalog.session() as s:
        ids = s.scalars(select(Song.id).order_by(Song.id).limit(3)).all()
    tracks = Songs(catalog.engine).tracks([ids[2], -1, ids[0]])
    assert [t.id for t in tracks] == [ids[2], ids[0]]
    with catalog.session() as s:
        song = s.get(Song, ids[2])
        assert (tracks[0].title, tracks[0].artist, tracks[0].explicit) == (song.title, song.artist, song.explicit)
