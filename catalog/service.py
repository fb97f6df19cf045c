"""The catalogue as front ends see it: one object that composes the repositories on one engine.

Each concern lives in its own module, with its own repository object:

- :mod:`catalog.songs`: the song index and tracks (:attr:`Catalog.songs`);
- :mod:`catalog.lists`: recommendations, their plan and reasons (:attr:`Catalog.lists`);
- :mod:`catalog.people`: settings, verdicts, learned taste, ``/forget`` (:attr:`Catalog.people`);
- :mod:`catalog.history`: mood readings, corrections, saved lists (:attr:`Catalog.history`);
- :mod:`catalog.operations`: pending work, seen updates, rate windows (:attr:`Catalog.operations`);
- :mod:`catalog.overview` and :mod:`catalog.spotify`: statistics and links.

The bot keeps one :class:`Catalog` and calls its methods by the names below, each
its repository's method of the same name; new code may call the repository.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

from sqlalchemy import Engine, text
from sqlalchemy.orm import sessionmaker

from catalog.db import make_engine, prepare
from catalog.history import History, Mood, NewReading, SavedList
from catalog.index import SongIndex
from catalog.lists import SongList, SongLists
from catalog.operations import Operations, Unfinished
from catalog.overview import stats
from catalog.people import People, Preferences
from catalog.settings import CatalogSettings, get_settings
from catalog.songs import Songs, Track

if TYPE_CHECKING:
    from catalog.spotify import SpotifyEnricher


class Catalog:
    def __init__(self, engine: Engine, settings: CatalogSettings | None = None):
        self.engine = engine
        self.settings = settings or get_settings()
        self.session = sessionmaker(engine, expire_on_commit=False)
        self.songs = Songs(engine)
        self.people = People(engine, self.songs, self.settings.recent_days)
        self.history = History(engine, self.songs)
        self.lists = SongLists(engine, self.songs, self.people)
        self.operations = Operations(engine)
        self._spotify: SpotifyEnricher | None = None

    # -- songs and lists -----------------------------------------------------------------
    def index(self) -> SongIndex:
        return self.songs.index()

    def tracks(self, song_ids: Sequence[int]) -> list[Track]:
        return self.songs.tracks(song_ids)

    def recommend(self, user_id: int | None, mood: Sequence[float] | str, strategy: str | None = None,
                  target: str | None = None, n: int | None = None, seed: int | None = None,
                  preferences: Preferences | None = None, work: int | None = None,
                  per_day: int | None = None, wish: str | None = None, on: dt.date | None = None,
                  reading: NewReading | None = None) -> list[Track]:
        return self.lists.recommend(user_id, mood, strategy, target, n, seed, preferences, work, per_day, wish, on,
                                    reading)

    def song_list(self, user_id: int, mood: Sequence[float] | str, strategy: str | None = None,
                  target: str | None = None, *, work: int | None = None, per_day: int | None = None,
                  wish: str | None = None, reading: NewReading | None = None, language_code: str | None = None,
                  length: int = 5) -> SongList:
        return self.lists.song_list(user_id, mood, strategy, target, work=work, per_day=per_day, wish=wish,
                                    reading=reading, language_code=language_code, length=length)

    # -- people --------------------------------------------------------------------------
    def preferences(self, user_id: int, language_code: str | None = None) -> Preferences:
        return self.people.preferences(user_id, language_code)

    def language(self, user_id: int) -> str:
        return self.people.language(user_id)

    def set_preferences(self, user_id: int, language_code: str | None = None, **changes: object) -> Preferences:
        return self.people.set_preferences(user_id, language_code, **changes)

    def change_preferences(self, user_id: int, change: Callable[[Preferences], dict[str, object] | None],
                           work: int | None = None,
                           language_code: str | None = None) -> tuple[Preferences, Preferences] | None:
        return self.people.change_preferences(user_id, change, work, language_code)

    def give_feedback(self, user_id: int, song_id: int, kind: str, work: int | None = None) -> bool:
        return self.people.give_feedback(user_id, song_id, kind, work)

    def feedback_of(self, user_id: int) -> dict[int, str]:
        return self.people.feedback_of(user_id)

    def learned_families(self, user_id: int) -> dict[str, float]:
        return self.people.learned_families(user_id)

    def forget(self, user_id: int) -> dict[str, int]:
        return self.people.forget(user_id)

    # -- history -------------------------------------------------------------------------
    def record_mood(self, user_id: int, probs: Sequence[float], source: str, work: int | None = None,
                    per_day: int | None = None) -> Mood | None:
        return self.history.record_mood(user_id, probs, source, work, per_day)

    def correct_latest(self, user_id: int, emotion: str) -> Mood | None:
        return self.history.correct_latest(user_id, emotion)

    def corrections(self, user_id: int | None = None) -> dict:
        return self.history.corrections(user_id)

    def mood_history(self, user_id: int, days: int | None = 7, limit: int = 200) -> list[Mood]:
        return self.history.mood_history(user_id, days, limit)

    def latest_mood(self, user_id: int) -> Mood | None:
        return self.history.latest_mood(user_id)

    def save_playlist(self, user_id: int, name: str, song_ids: Sequence[int], work: int | None = None,
                      per_day: int | None = None) -> int:
        return self.history.save_playlist(user_id, name, song_ids, work, per_day)

    def saved_playlists(self, user_id: int, limit: int = 20) -> list[SavedList]:
        return self.history.saved_playlists(user_id, limit)

    def saved_playlist(self, user_id: int, playlist_id: int) -> tuple[str, list[Track]] | None:
        return self.history.saved_playlist(user_id, playlist_id)

    # -- operations ----------------------------------------------------------------------
    def begin_work(self, user_id: int, chat_id: int, message_id: int, language: str = "") -> int:
        return self.operations.begin_work(user_id, chat_id, message_id, language)

    def end_work(self, work: int) -> None:
        self.operations.end_work(work)

    def keep_alive(self, works: Sequence[tuple[int, int]]) -> None:
        self.operations.keep_alive(works)

    def claim_unfinished(self, older_than: float) -> list[Unfinished]:
        return self.operations.claim_unfinished(older_than)

    def first_sight(self, update_id: int) -> bool:
        return self.operations.first_sight(update_id)

    def take_allowance(self, user_id: int, limit: int, window: float, now: float | None = None,
                       kind: str = "media") -> tuple[int, float]:
        return self.operations.take_allowance(user_id, limit, window, now, kind)

    def prune_rate_windows(self, before: float) -> int:
        return self.operations.prune_rate_windows(before)

    # -- overview and links --------------------------------------------------------------
    def stats(self) -> dict:
        """Counts, songs per family, and how many songs lie near each mood's point (coverage of the mood map)."""
        return stats(self.engine, self.index(), self.corrections())

    def ping(self) -> None:
        """Raise unless the database answers (readiness checks)."""
        with self.engine.connect() as conn:
            conn.execute(text("SELECT 1"))

    @property
    def spotify_enricher(self) -> SpotifyEnricher | None:
        """The Spotify client if one was built: None without credentials or before the first enrichment."""
        return self._spotify

    def spotify(self) -> SpotifyEnricher:
        """The Spotify client (built on first use, so spotipy loads only where credentials are set)."""
        if self._spotify is None:
            from catalog.spotify import SpotifyEnricher

            self._spotify = SpotifyEnricher(self.settings)
        return self._spotify

    def with_spotify(self, tracks: list[Track]) -> list[Track]:
        """Tracks with Spotify links/art when credentials are configured; unchanged otherwise."""
        if not self.settings.spotify_enabled or not tracks:
            return tracks
        return self.spotify().enriched(tracks, self.engine)


def open_catalog(url: str | None = None) -> Catalog:
    """Engine + migrations + (if empty) the seed catalogue, ready to use."""
    settings = get_settings()
    engine = make_engine(url or settings.database_url)
    prepare(engine)
    return Catalog(engine, settings)


@lru_cache(maxsize=1)
def get_catalog() -> Catalog:
    """The process-wide catalogue from ``DATABASE_URL``."""
    return open_catalog()
