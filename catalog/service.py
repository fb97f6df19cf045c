"""The catalogue's public face: moods in, songs out, history and feedback kept.

Every method opens its own short transaction, so one :class:`Catalog` serves
many threads and several processes can share one PostgreSQL database: users are
created with insert-if-absent and feedback is an upsert, so concurrent replicas
never duplicate a row or lose a vote.
"""

from __future__ import annotations

import datetime as dt
import functools
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar, cast
from urllib.parse import quote_plus

import numpy as np
from sqlalchemy import CursorResult, Engine, case, delete, func, select, text, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from catalog.build import FAMILIES
from catalog.content import HELD_BACK, held_back
from catalog.db import erase_deleted, make_engine, prepare
from catalog.index import SongIndex, song_index
from catalog.languages import base_language, default_languages
from catalog.moods import EMOTIONS, TARGETS, default_strategy, dominant, lift_target, regions
from catalog.recommend import Pick, Taste, choose, lift_points, qualities
from catalog.schema import (
    Feedback,
    MoodReading,
    PendingWork,
    Preference,
    RateWindow,
    Recommendation,
    SavedPlaylist,
    SeenUpdate,
    Song,
    User,
    utcnow,
)
from catalog.settings import CatalogSettings, get_settings

if TYPE_CHECKING:
    from catalog.spotify import SpotifyEnricher

STRATEGIES = ("match", "lift")
FEEDBACK_KINDS = ("like", "dislike", "skip")
NEAR = 0.5
"""Scaled distance within which a song counts as near a mood point (stats)."""
SEEN_UPDATES_KEPT = dt.timedelta(days=1)
"""Telegram redelivers an unanswered update for at most about a day."""
DAY = dt.timedelta(days=1)


class DailyLimit(Exception):
    """The user already stored as many rows of a kind as one day allows; nothing more was stored."""

    def __init__(self, kind: str, limit: int):
        super().__init__(f"{kind}: at most {limit} per day")
        self.kind, self.limit = kind, limit


class Forgotten(Exception):
    """The user asked to be forgotten while this work ran: nothing of it was stored."""


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
    def of(cls, song: Song) -> Track:
        return cls(song.id, song.spotify_id, song.title, song.artist, song.album, song.genre, song.year,
                   song.popularity, song.valence, song.energy, song.artists, song.family, song.language,
                   song.explicit, song.spotify_url, song.image_url)


@dataclass(frozen=True)
class Preferences:
    """A user's taste settings (the defaults until they change one)."""

    liked_families: tuple[str, ...] = ()
    avoided_families: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    explicit: bool = False
    songs_per_list: int | None = None
    strategy: str | None = None
    """"match" or "lift" to always use; None for the mood's own default."""
    language: str = ""
    """The language the user chose for the bot and their songs (a language tag); "" follows their Telegram app."""


@dataclass(frozen=True)
class Plan:
    """How a list is made: what the user asked for wins, then their settings, then the mood's default."""

    strategy: str
    target: str | None
    """Where a lift goes (always set for a lift), or the mood a match aims at instead of the reading's."""
    n: int


def plan(prefs: Preferences, emotion: str, strategy: str | None = None, target: str | None = None,
         n: int | None = None) -> Plan:
    """The plan of a list for ``emotion``; tense moods get the calming path unless something says otherwise."""
    strategy = strategy or prefs.strategy or default_strategy(emotion)
    if strategy not in STRATEGIES:
        raise ValueError(f"unknown strategy {strategy!r}; choose from {', '.join(STRATEGIES)}")
    if strategy == "lift":
        target = target or lift_target(emotion)
    return Plan(strategy, target, n if n is not None else prefs.songs_per_list or 5)


@dataclass(frozen=True)
class Unfinished:
    """Work a process took on and never finished (it died): where to apologise."""

    chat_id: int
    message_id: int
    language: str = ""
    """The user's language tag when the work began."""


@dataclass(frozen=True)
class Mood:
    """One stored mood reading."""

    at: dt.datetime
    source: str
    emotion: str
    confidence: float
    probs: tuple[float, ...]
    corrected: str | None = None
    """What the user said the emotion was, when they corrected the reading."""

    @classmethod
    def of(cls, row: MoodReading) -> Mood:
        return cls(_aware(row.created_at), row.source, row.emotion, row.confidence, tuple(row.probs), row.corrected)

    @property
    def label(self) -> str:
        return self.corrected or self.emotion

    @property
    def music(self) -> tuple[float, ...] | str:
        """What songs should follow: the corrected emotion by name, else the model's probabilities."""
        return self.corrected or self.probs


@dataclass(frozen=True)
class SavedList:
    id: int
    name: str
    at: dt.datetime
    songs: int


P = ParamSpec("P")
R = TypeVar("R")
_RETRYABLE = {"40P01", "40001"}
"""PostgreSQL's deadlock_detected and serialization_failure: the server aborted the transaction, try again."""


def _retried(method: Callable[P, R]) -> Callable[P, R]:
    """Run a write transaction again (up to 3 tries) when PostgreSQL aborts it to break a deadlock.

    A ``/forget`` on one replica racing a like or a mood on another can
    deadlock inside PostgreSQL (row and unique-index locks taken in different
    orders); the server picks a victim, and the standard remedy is to retry it.
    """
    @functools.wraps(method)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        for attempt in range(3):
            try:
                return method(*args, **kwargs)
            except OperationalError as exc:
                if getattr(exc.orig, "sqlstate", None) not in _RETRYABLE or attempt == 2:
                    raise
                time.sleep(0.05 * (attempt + 1))
        raise AssertionError("unreachable")
    return wrapper


def _count(result: object) -> int:
    """Rows a DML statement touched (``Session.execute`` is typed as returning a plain Result)."""
    return cast("CursorResult[Any]", result).rowcount


def _insert(session: Session):
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


class Catalog:
    def __init__(self, engine: Engine, settings: CatalogSettings | None = None):
        self.engine = engine
        self.settings = settings or get_settings()
        self.session = sessionmaker(engine, expire_on_commit=False)
        self._index: SongIndex | None = None
        self._index_lock = threading.Lock()
        self._spotify: SpotifyEnricher | None = None

    # -- songs ---------------------------------------------------------------------------
    def index(self) -> SongIndex:
        """The in-memory song columns, loaded on first use.

        Songs imported later by another process show up after a restart; the
        catalogue changes rarely, and a per-request reload would cost more than
        the whole recommendation.
        """
        with self._index_lock:
            if self._index is None:
                with self.session() as s:
                    rows = s.execute(select(Song.id, Song.popularity, Song.artist, Song.title, Song.family,
                                            Song.language, Song.explicit, Song.copy_of, Song.tags,
                                            *(getattr(Song, f) for f in regions().features)).order_by(Song.id)).all()
                self._index = song_index(rows, regions().features, regions().spread)
            return self._index

    def tracks(self, song_ids: Sequence[int]) -> list[Track]:
        """Tracks for ids, in the order given."""
        with self.session() as s:
            songs = {song.id: song for song in s.scalars(select(Song).where(Song.id.in_(song_ids)))}
        return [Track.of(songs[i]) for i in song_ids if i in songs]

    # -- users and moods -----------------------------------------------------------------
    def _ensure_user(self, s: Session, user_id: int) -> None:
        """Insert the user if absent, else lock their row until commit.

        The no-op update takes the row lock, so a concurrent ``forget`` on another
        replica waits for this transaction instead of deleting the user under it
        (which would fail its foreign keys).
        """
        stmt = _insert(s)(User).values(id=user_id, created_at=utcnow())
        s.execute(stmt.on_conflict_do_update(index_elements=["id"], set_={"id": stmt.excluded.id}))

    @_retried
    def record_mood(self, user_id: int, probs: Sequence[float], source: str, work: int | None = None,
                    per_day: int | None = None) -> Mood | None:
        """Store one reading: probabilities, time and source kind only (never the image).

        With ``work`` (from :meth:`begin_work`), the reading is stored only while
        that work is pending: after a ``/forget`` that came while the photo was
        being analysed, nothing is stored and None is returned. With ``per_day``,
        :class:`DailyLimit` is raised instead of storing a reading beyond that many
        in the last 24 hours.
        """
        if len(probs) != len(EMOTIONS):
            raise ValueError(f"expected {len(EMOTIONS)} probabilities, got {len(probs)}")
        probs = tuple(round(float(p), 5) for p in probs)
        best = int(np.argmax(probs))
        reading = MoodReading(user_id=user_id, source=source, probs=list(probs), emotion=EMOTIONS[best],
                              confidence=probs[best], created_at=utcnow())
        with self.session() as s:
            self._ensure_user(s, user_id)  # first, as everywhere: one lock order, no deadlock with forget
            if not _pending(s, work):
                s.rollback()
                return None
            _within_day(s, MoodReading, user_id, 1, per_day, "readings")
            s.add(reading)
            s.commit()
        return Mood(reading.created_at, source, reading.emotion, reading.confidence, probs)

    @_retried
    def correct_latest(self, user_id: int, emotion: str) -> Mood | None:
        """Record the user's answer to "was this right?" on their latest photo or video reading.

        Both labels are kept (the model's in ``emotion``, the user's in
        ``corrected``), so how often users correct which emotion can be counted.
        Returns the corrected reading, or None when there is no photo/video reading.
        """
        if emotion not in EMOTIONS:
            raise ValueError(f"unknown emotion {emotion!r}")
        with self.session.begin() as s:
            row = s.scalars(select(MoodReading).where(MoodReading.user_id == user_id,
                                                      MoodReading.source.in_(("photo", "video", "camera")))
                            .order_by(MoodReading.created_at.desc(), MoodReading.id.desc()).limit(1)).first()
            if row is None:
                return None
            row.corrected = None if emotion == row.emotion else emotion
            return Mood.of(row)

    def corrections(self, user_id: int | None = None) -> dict:
        """How often readings were corrected, and from which emotion to which (one user, or everyone)."""
        q = select(MoodReading.emotion, MoodReading.corrected).where(
            MoodReading.source.in_(("photo", "video", "camera")))
        if user_id is not None:
            q = q.where(MoodReading.user_id == user_id)
        with self.session() as s:
            rows = s.execute(q).all()
        pairs: dict[str, int] = {}
        for r in rows:
            if r.corrected:
                pairs[f"{r.emotion}->{r.corrected}"] = pairs.get(f"{r.emotion}->{r.corrected}", 0) + 1
        return {"readings": len(rows), "corrected": sum(pairs.values()), "pairs": pairs}

    # -- saved playlists -----------------------------------------------------------------
    @_retried
    def save_playlist(self, user_id: int, name: str, song_ids: Sequence[int], work: int | None = None,
                      per_day: int | None = None) -> int:
        """Keep a list; ``work`` and ``per_day`` as for :meth:`recommend` (:class:`Forgotten`, :class:`DailyLimit`)."""
        with self.session.begin() as s:
            self._ensure_user(s, user_id)
            if not _pending(s, work):
                raise Forgotten
            _within_day(s, SavedPlaylist, user_id, 1, per_day, "playlists")
            row = SavedPlaylist(user_id=user_id, name=name[:60], song_ids=[int(i) for i in song_ids],
                                created_at=utcnow())
            s.add(row)
            s.flush()
            return row.id

    def saved_playlists(self, user_id: int, limit: int = 20) -> list[SavedList]:
        """The user's saved lists, newest first."""
        with self.session() as s:
            rows = s.scalars(select(SavedPlaylist).where(SavedPlaylist.user_id == user_id)
                             .order_by(SavedPlaylist.created_at.desc(), SavedPlaylist.id.desc()).limit(limit)).all()
        return [SavedList(r.id, r.name, _aware(r.created_at), len(r.song_ids)) for r in rows]

    def saved_playlist(self, user_id: int, playlist_id: int) -> tuple[str, list[Track]] | None:
        """A saved list's name and songs; None when it is not this user's (or gone)."""
        with self.session() as s:
            row = s.get(SavedPlaylist, playlist_id)
        if row is None or row.user_id != user_id:
            return None
        return row.name, self.tracks(row.song_ids)

    # -- work in progress and redelivered updates ----------------------------------------
    def begin_work(self, user_id: int, chat_id: int, message_id: int, language: str = "") -> int:
        """Note that a user's media is being analysed; returns the id to end it with.

        ``language`` (the user's language tag) is what a lost piece of work is apologised in.
        """
        with self.session.begin() as s:
            row = PendingWork(user_id=user_id, chat_id=chat_id, message_id=message_id, language=language[:16],
                              started_at=utcnow())
            s.add(row)
            s.flush()
            return row.id

    def end_work(self, work: int) -> None:
        """Work done without a mood to store (no face, bad input, abandoned)."""
        with self.session.begin() as s:
            s.execute(delete(PendingWork).where(PendingWork.id == work))

    def keep_alive(self, works: Sequence[tuple[int, int]]) -> None:
        """Heartbeat of this process's running work, by (chat id, message id): not to be claimed as dead."""
        if works:
            with self.session.begin() as s:
                s.execute(update(PendingWork).where(tuple_(PendingWork.chat_id, PendingWork.message_id).in_(works))
                          .values(started_at=utcnow()))

    def claim_unfinished(self, older_than: float) -> list[Unfinished]:
        """Take (delete and return) work with no heartbeat for ``older_than`` seconds: its process died.

        Delete-returning makes the claim atomic, so with several replicas each
        user is told once.
        """
        cutoff = utcnow() - dt.timedelta(seconds=older_than)
        with self.session.begin() as s:
            rows = s.execute(delete(PendingWork).where(PendingWork.started_at < cutoff)
                             .returning(PendingWork.chat_id, PendingWork.message_id, PendingWork.language)).all()
        return [Unfinished(r.chat_id, r.message_id, r.language) for r in rows]

    def first_sight(self, update_id: int) -> bool:
        """True the first time an update id is seen, False for a redelivery (kept for a day)."""
        with self.session.begin() as s:
            fresh = s.execute(_insert(s)(SeenUpdate).values(update_id=update_id, seen_at=utcnow())
                              .on_conflict_do_nothing().returning(SeenUpdate.update_id)).first() is not None
            if update_id % 500 == 0:
                s.execute(delete(SeenUpdate).where(SeenUpdate.seen_at < utcnow() - SEEN_UPDATES_KEPT))
        return fresh

    def mood_history(self, user_id: int, days: int | None = 7, limit: int = 200) -> list[Mood]:
        """Readings, newest first; ``days=None`` for all of them."""
        q = select(MoodReading).where(MoodReading.user_id == user_id)
        if days is not None:
            q = q.where(MoodReading.created_at >= utcnow() - dt.timedelta(days=days))
        with self.session() as s:
            rows = s.scalars(q.order_by(MoodReading.created_at.desc(), MoodReading.id.desc()).limit(limit)).all()
        return [Mood.of(r) for r in rows]

    def latest_mood(self, user_id: int) -> Mood | None:
        history = self.mood_history(user_id, days=None, limit=1)
        return history[0] if history else None

    # -- recommendations -----------------------------------------------------------------
    def recommend(self, user_id: int | None, mood: Sequence[float] | str, strategy: str | None = None,
                  target: str | None = None, n: int | None = None, seed: int | None = None,
                  preferences: Preferences | None = None, work: int | None = None,
                  per_day: int | None = None, wish: str | None = None, on: dt.date | None = None) -> list[Track]:
        """Songs for a mood, each with the reason it was chosen.

        ``mood`` is a face's seven probabilities or a mood named by hand (any
        emotion, or "calm"/"energetic"). ``match``: songs that fit the mood now.
        ``lift``: from the mood toward ``target`` (default: calm for tense moods,
        happy for low ones, energetic for a happy one), in one genre family.
        ``strategy`` None takes the user's setting, else the mood's default
        (lift for angry, disgust and fear). With a user, their preferences,
        history and feedback count, and the list is remembered; ``preferences``
        overrides the stored ones (anonymous use, e.g. the CLI). ``wish`` asks for
        a kind of content held back by default (a tag of :mod:`catalog.content`:
        "holiday", "children", ...); ``on`` is the day the list is for (today),
        which decides whether holiday songs are in season.

        With ``work`` (from :meth:`begin_work`), the list is remembered only while
        that work is pending, else :class:`Forgotten` is raised (a ``/forget`` came
        meanwhile). With ``per_day``, :class:`DailyLimit` is raised instead of
        remembering more than that many songs for the user in the last 24 hours.
        """
        if wish is not None and wish not in HELD_BACK:
            raise ValueError(f"unknown wish {wish!r}; choose from {', '.join(HELD_BACK)}")
        prefs = preferences or (self.preferences(user_id) if user_id is not None else Preferences())
        space = regions()
        if isinstance(mood, str):
            emotion, start = mood.lower(), space.point(mood)
        else:
            emotion, start = dominant(mood), space.blend(mood)
        chosen = plan(prefs, emotion, strategy, target, n)
        strategy, n = chosen.strategy, chosen.n
        if n < 1:
            return []
        goal = chosen.target or emotion
        if strategy == "lift":
            points = lift_points(start, space.point(goal), n)
        else:
            points = [space.point(goal) if chosen.target else start] * n
        exclude, taste = self._memory(user_id, prefs) if user_id is not None else (set(), _taste(prefs))
        taste = replace(taste, hidden=held_back(on or dt.date.today(), wish), wish=wish)
        index = self.index()
        picks = choose(index, points, space.spread, taste, exclude, np.random.default_rng(seed),
                       lift_from=emotion if strategy == "lift" else None)
        ids = [int(index.ids[p.position]) for p in picks]
        if user_id is not None and ids:
            now = utcnow()
            with self.session.begin() as s:
                self._ensure_user(s, user_id)
                if not _pending(s, work):
                    raise Forgotten
                _within_day(s, Recommendation, user_id, len(ids), per_day, "songs")
                s.add_all(Recommendation(user_id=user_id, song_id=i, strategy=strategy, created_at=now)
                          for i in ids)
        reasons = [_reason(index, space.features, p, k, len(picks), emotion, goal, strategy)
                   for k, p in enumerate(picks)]
        return [replace(t, reason=r) for t, r in zip(self.tracks(ids), reasons)]

    def _memory(self, user_id: int, prefs: Preferences) -> tuple[set[int], Taste]:
        """(song ids not to show: recent or disliked; the user's taste: settings plus what feedback taught)."""
        since = utcnow() - dt.timedelta(days=self.settings.recent_days)
        with self.session() as s:
            recent = set(s.scalars(select(Recommendation.song_id).where(
                Recommendation.user_id == user_id, Recommendation.created_at >= since)))
            verdicts = self._verdicts(s, user_id)
        disliked = {v.song_id for v in verdicts if v.kind == "dislike"}
        liked_songs = [v.song_id for v in verdicts if v.kind == "like"]
        index = self.index()
        liked_artists = set(index.artist_code[index.positions(liked_songs)].tolist())
        verdict_count = len(disliked) + len(liked_songs)
        return recent | disliked, _taste(prefs, _family_scores(verdicts), liked_artists, verdict_count)

    @staticmethod
    def _verdicts(s: Session, user_id: int) -> Sequence[Any]:
        """The user's likes and dislikes with each song's family."""
        return s.execute(select(Feedback.song_id, Feedback.kind, Song.family)
                         .join(Song, Feedback.song_id == Song.id).where(Feedback.user_id == user_id)).all()

    def learned_families(self, user_id: int) -> dict[str, float]:
        """Families the user's likes and dislikes lean toward (+) or away from (-)."""
        with self.session() as s:
            return _family_scores(self._verdicts(s, user_id))

    # -- preferences ---------------------------------------------------------------------
    def preferences(self, user_id: int, language_code: str | None = None) -> Preferences:
        """The user's settings; until they change one, the defaults, with languages from their app's language.

        ``language_code`` is the IETF tag Telegram sends with the user ("pt-br").
        """
        with self.session() as s:
            return _preferences(s.get(Preference, user_id), language_code)

    def language(self, user_id: int) -> str:
        """The language the user chose in their settings (a language tag), "" while they follow their app's."""
        with self.session() as s:
            return s.scalar(select(Preference.language).where(Preference.user_id == user_id)) or ""

    def set_preferences(self, user_id: int, language_code: str | None = None, **changes: object) -> Preferences:
        """Change some settings (the names of :class:`Preferences`), keep the rest; returns them all.

        The first change stores the defaults it started from too, languages from ``language_code`` included.
        """
        changed = self.change_preferences(user_id, lambda _: changes, language_code=language_code)
        assert changed is not None
        return changed[1]

    @_retried
    def change_preferences(self, user_id: int, change: Callable[[Preferences], dict[str, object] | None],
                           work: int | None = None,
                           language_code: str | None = None) -> tuple[Preferences, Preferences] | None:
        """Apply ``change`` to the stored settings atomically; (before, after), or None when nothing was changed.

        ``change`` gets the settings as stored (the defaults, languages from
        ``language_code``, while none are) and returns the fields to set (None: no
        change). A new ``language`` is the one setting of both the user's words and
        their songs: song languages still at the old language's defaults move to the
        new one's. The user's row is locked first (as every writer does), so presses
        that come at once are applied one after another and none is lost. With
        ``work``, :class:`Forgotten` is raised after a ``/forget``.
        """
        with self.session.begin() as s:
            self._ensure_user(s, user_id)
            if not _pending(s, work):
                raise Forgotten
            before = _preferences(s.get(Preference, user_id), language_code)
            changes = change(before)
            if changes is None:
                return None
            after = replace(before, **changes)  # type: ignore[arg-type]
            if after.language != before.language and before.languages == default_languages(
                    before.language or language_code):
                after = replace(after, languages=default_languages(after.language or language_code))
            _check(after)
            values = {"liked_families": list(after.liked_families), "avoided_families": list(after.avoided_families),
                      "languages": list(after.languages), "explicit": after.explicit,
                      "songs_per_list": after.songs_per_list, "strategy": after.strategy, "language": after.language,
                      "updated_at": utcnow()}
            stmt = _insert(s)(Preference).values(user_id=user_id, **values)
            s.execute(stmt.on_conflict_do_update(index_elements=["user_id"], set_=values))
        return before, after

    # -- feedback and privacy ------------------------------------------------------------
    @_retried
    def give_feedback(self, user_id: int, song_id: int, kind: str, work: int | None = None) -> bool:
        """Record like / dislike / skip; a later verdict on the same song replaces the earlier one.

        Returns False (and stores nothing) when there is no such song. With
        ``work``, :class:`Forgotten` is raised after a ``/forget``.
        """
        if kind not in FEEDBACK_KINDS:
            raise ValueError(f"unknown feedback {kind!r}; choose from {', '.join(FEEDBACK_KINDS)}")
        with self.session.begin() as s:
            if s.get(Song, song_id) is None:
                return False
            self._ensure_user(s, user_id)
            if not _pending(s, work):
                raise Forgotten
            stmt = _insert(s)(Feedback).values(user_id=user_id, song_id=song_id, kind=kind, created_at=utcnow())
            s.execute(stmt.on_conflict_do_update(index_elements=["user_id", "song_id"],
                                                 set_={"kind": kind, "created_at": stmt.excluded.created_at}))
        return True

    def feedback_of(self, user_id: int) -> dict[int, str]:
        with self.session() as s:
            return dict(s.execute(select(Feedback.song_id, Feedback.kind).where(Feedback.user_id == user_id)).all())

    # -- shared rate limit --------------------------------------------------------------
    def take_allowance(self, user_id: int, limit: int, window: float, now: float | None = None,
                       kind: str = "media") -> tuple[int, float]:
        """Count one attempt of ``user_id`` at ``kind`` against ``limit`` per ``window`` s, atomically for all replicas.

        Returns (attempts in the window including this one, seconds until the
        window ends). Allowed while the count is at most ``limit``; ``limit + 1``
        is the first refusal of the window (the one to explain). One statement,
        an upsert on the user's row, so concurrent replicas never both take the
        last allowance.
        """
        now = time.time() if now is None else now
        table = RateWindow.__table__
        with self.session.begin() as s:
            insert = _insert(s)(RateWindow).values(user_id=user_id, kind=kind, started=now, used=1)
            expired = table.c.started <= now - window
            insert = insert.on_conflict_do_update(index_elements=[table.c.user_id, table.c.kind], set_={
                "started": case((expired, now), else_=table.c.started),
                "used": case((expired, 1), (table.c.used > limit, limit + 2), else_=table.c.used + 1),
            }).returning(table.c.used, table.c.started)
            used, started = s.execute(insert).one()
        return used, min(window, max(0.0, started + window - now))  # another replica's clock may run ahead

    def prune_rate_windows(self, before: float) -> int:
        """Drop the windows that opened before ``before`` (epoch seconds); how many went."""
        with self.session.begin() as s:
            return _count(s.execute(delete(RateWindow).where(RateWindow.started < before)))

    @_retried
    def forget(self, user_id: int) -> dict[str, int]:
        """Delete everything stored about a user; return how many rows of each kind went.

        The user's row is locked first, as every writer does (``_ensure_user``):
        on PostgreSQL a like or a mood being stored by another replica either
        commits before (and is deleted here) or waits and comes after.
        """
        counts = {}
        with self.session.begin() as s:
            s.execute(select(User.id).where(User.id == user_id).with_for_update())
            for name, owner in (("pending", PendingWork.user_id), ("moods", MoodReading.user_id),
                                ("recommendations", Recommendation.user_id), ("feedback", Feedback.user_id),
                                ("preferences", Preference.user_id), ("playlists", SavedPlaylist.user_id),
                                ("rate_limit", RateWindow.user_id), ("user", User.id)):
                counts[name] = _count(s.execute(delete(owner.class_).where(owner == user_id)))
        erase_deleted(self.engine)
        return counts

    # -- overview ------------------------------------------------------------------------
    def stats(self) -> dict:
        """Counts, songs per family, and how many songs lie near each mood's point (coverage of the mood map)."""
        index, space = self.index(), regions()
        with self.session() as s:
            counts = {name: s.execute(select(func.count()).select_from(t)).scalar_one()
                      for name, t in (("songs", Song), ("users", User), ("mood_readings", MoodReading),
                                      ("recommendations", Recommendation), ("feedback", Feedback))}
        near = {mood: int((index.distances(space.point(mood) / space.spread) < NEAR).sum()) for mood in TARGETS}
        families = dict(zip(*np.unique(index.family, return_counts=True)))
        return {**counts, "corrections": self.corrections(),
                "families": {str(k or "unknown"): int(v) for k, v in families.items()},
                f"songs_within_{NEAR}_of_mood_point": near, "mood_agreement": space.agreement}

    def ping(self) -> None:
        """Raise unless the database answers (readiness checks)."""
        with self.engine.connect() as conn:
            conn.execute(text("SELECT 1"))

    @property
    def spotify_enricher(self):
        """The Spotify client if one was built: None without credentials or before the first enrichment."""
        return self._spotify

    def spotify(self):
        """The Spotify client (built on first use; only call when ``spotify_enabled``)."""
        if self._spotify is None:
            from catalog.spotify import SpotifyEnricher

            self._spotify = SpotifyEnricher(self.settings)
        return self._spotify

    def with_spotify(self, tracks: list[Track]) -> list[Track]:
        """Tracks with Spotify links/art when credentials are configured; unchanged otherwise."""
        if not self.settings.spotify_enabled or not tracks:
            return tracks
        found = self.spotify().enrich([t.spotify_id for t in tracks], self)
        return [replace(t, spotify_url=found[t.spotify_id][0], image_url=found[t.spotify_id][1])
                if t.spotify_id in found else t for t in tracks]


def _pending(s: Session, work: int | None) -> bool:
    """Whether the work a write belongs to is still pending (always, without one), its row locked until commit.

    ``forget`` deletes the user's pending rows: a write that finds its row gone
    came after "nothing about you is left" and must store nothing. The lock
    makes a concurrent ``forget`` on PostgreSQL wait for this transaction, and
    then delete what it stored.
    """
    return work is None or s.execute(select(PendingWork.id).where(PendingWork.id == work)
                                     .with_for_update()).first() is not None


def _within_day(s: Session, table: type[MoodReading] | type[Recommendation] | type[SavedPlaylist], user_id: int,
                adding: int, per_day: int | None, kind: str) -> None:
    """Raise :class:`DailyLimit` if ``adding`` more rows would give the user more than ``per_day`` in 24 hours.

    Called after the user's row is locked, so two replicas cannot both take the last allowance.
    """
    if per_day is None:
        return
    stored = s.execute(select(func.count()).select_from(table).where(
        table.user_id == user_id, table.created_at >= utcnow() - DAY)).scalar_one()
    if stored + adding > per_day:
        raise DailyLimit(kind, per_day)


def _preferences(row: Preference | None, language_code: str | None = None) -> Preferences:
    """Stored settings, or the defaults with languages from the app's language (``language_code``)."""
    if row is None:
        return Preferences(languages=default_languages(language_code))
    return Preferences(tuple(row.liked_families), tuple(row.avoided_families), tuple(row.languages),
                       row.explicit, row.songs_per_list, row.strategy, row.language)


def _taste(prefs: Preferences, families: dict[str, float] | None = None, liked_artists: set[int] | None = None,
           verdicts: int = 0) -> Taste:
    return Taste(explicit=prefs.explicit, liked_families=frozenset(prefs.liked_families),
                 avoided_families=frozenset(prefs.avoided_families), languages=frozenset(prefs.languages),
                 family_scores=families or {}, liked_artists=frozenset(liked_artists or ()), verdicts=verdicts)


def _family_scores(verdicts: Sequence[Any]) -> dict[str, float]:
    """+1 per like and -1 per dislike of a family's songs."""
    scores: dict[str, float] = {}
    for v in verdicts:
        if v.family and v.kind in ("like", "dislike"):
            scores[v.family] = scores.get(v.family, 0.0) + (1.0 if v.kind == "like" else -1.0)
    return scores


def _check(prefs: Preferences) -> None:
    unknown = set(prefs.liked_families) | set(prefs.avoided_families)
    if unknown - set(FAMILIES):
        raise ValueError(f"unknown genre family {sorted(unknown - set(FAMILIES))[0]!r}")
    if set(prefs.liked_families) & set(prefs.avoided_families):
        raise ValueError("a family cannot be both liked and avoided")
    if prefs.songs_per_list is not None and not 3 <= prefs.songs_per_list <= 10:
        raise ValueError("songs per list must be 3 to 10")
    if prefs.strategy not in (None, *STRATEGIES):
        raise ValueError(f"unknown strategy {prefs.strategy!r}")
    if prefs.language and (not base_language(prefs.language) or len(prefs.language) > 16):
        raise ValueError(f"not a language tag: {prefs.language!r}")


def _reason(index: SongIndex, features: Sequence[str], pick: Pick, k: int, n: int, emotion: str, goal: str,
            strategy: str) -> Reason:
    """Why a song: how it sounds, and its place in the list."""
    sound = dict(zip(features, (index.features[pick.position] * regions().spread).tolist()))
    if strategy == "lift":
        role, mood = ("meets", emotion) if k == 0 else ("arrives", goal) if k == n - 1 else ("step", goal)
    else:
        role, mood = "fits", goal
    return Reason(role, mood, k + 1, n, qualities(sound), str(index.family[pick.position]),
                  round(sound["tempo"] * 200.0), pick.relaxed)


def _aware(moment: dt.datetime) -> dt.datetime:
    """SQLite returns naive datetimes; everything we store is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


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
