"""People: their settings, what their likes and dislikes taught, and ``/forget``.

A photo's songs need the user's settings and learned taste, which change
rarely; so each process keeps them per user and reads one number to know
whether they still hold: ``users.taste_version``, which every change of
settings or likes sets to a new random value in the same transaction. A
replica that changes a user's settings and one that answers their next photo
therefore never disagree, and a user with no settings and no likes (version 0,
or no row at all) costs no lookup beyond that number. What a process keeps of
a user is dropped after ``KEPT_SECONDS`` (or sooner, past ``KEPT_USERS``), so
after a ``/forget`` handled by another replica nothing of it stays in memory
for long.
"""

from __future__ import annotations

import datetime as dt
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, delete, select, update

from catalog.build import FAMILIES
from catalog.db import erase_deleted
from catalog.languages import base_language, default_languages
from catalog.operations import Forgotten, pending
from catalog.recommend import Taste
from catalog.schema import (
    Feedback,
    MoodReading,
    PendingWork,
    Preference,
    RateWindow,
    Recommendation,
    SavedPlaylist,
    Song,
    User,
    utcnow,
)
from catalog.songs import Songs
from catalog.store import autocommit, count, ensure_user, insert_for, retried

STRATEGIES = ("match", "lift")
FEEDBACK_KINDS = ("like", "dislike", "skip")
KEPT_SECONDS = 600.0
KEPT_USERS = 10_000
_VERSION = select(User.taste_version).where(User.id == bindparam("user"))
_RECENT = (select(User.taste_version, Recommendation.song_id)
           .outerjoin(Recommendation, (Recommendation.user_id == User.id)
                      & (Recommendation.created_at >= bindparam("since")))
           .where(User.id == bindparam("user")))
"""The user's taste version and the songs they were shown since ``since``, in one statement."""
_STORED = select(*Preference.__table__.c).where(Preference.user_id == bindparam("user"))
_VERDICTS = (select(Feedback.song_id, Feedback.kind, Song.family).join(Song, Feedback.song_id == Song.id)
             .where(Feedback.user_id == bindparam("user")))


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
class Learned:
    """What a user's verdicts taught: songs never to show again, liked artists, families leaned toward."""

    disliked: frozenset[int] = frozenset()
    liked_artists: frozenset[int] = frozenset()
    """``SongIndex.artist_code`` values of the liked songs' artists."""
    families: dict[str, float] = field(default_factory=dict)
    verdicts: int = 0


@dataclass(frozen=True)
class _Kept:
    version: int
    settings: Preferences | None
    """As stored; None: the user never changed one."""
    learned: Learned
    at: float


def new_taste_version() -> int:
    """A fresh ``users.taste_version``: random, so a user forgotten and back again never repeats an old one."""
    return secrets.randbits(62) + 1


class People:
    """Users' settings, verdicts and taste, kept per process while their taste version holds."""

    def __init__(self, engine: Engine, songs: Songs, recent_days: int):
        self.engine, self.songs, self.recent_days = engine, songs, recent_days
        self._kept: OrderedDict[int, _Kept] = OrderedDict()
        self._lock = threading.Lock()

    # -- preferences ---------------------------------------------------------------------
    def preferences(self, user_id: int, language_code: str | None = None) -> Preferences:
        """The user's settings; until they change one, the defaults, with languages from their app's language.

        ``language_code`` is the IETF tag Telegram sends with the user ("pt-br").
        """
        settings, _ = self._profile(user_id)
        return settings if settings is not None else _preferences(None, language_code)

    def language(self, user_id: int) -> str:
        """The language the user chose in their settings (a language tag), "" while they follow their app's."""
        settings, _ = self._profile(user_id)
        return settings.language if settings is not None else ""

    def set_preferences(self, user_id: int, language_code: str | None = None, **changes: object) -> Preferences:
        """Change some settings (the names of :class:`Preferences`), keep the rest; returns them all.

        The first change stores the defaults it started from too, languages from ``language_code`` included.
        """
        changed = self.change_preferences(user_id, lambda _: changes, language_code=language_code)
        assert changed is not None
        return changed[1]

    @retried
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
        with self.engine.begin() as conn:
            ensure_user(conn, user_id)
            if not pending(conn, work):
                raise Forgotten
            before = _preferences(_stored(conn, user_id), language_code)
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
            stmt = insert_for(conn)(Preference).values(user_id=user_id, **values)
            conn.execute(stmt.on_conflict_do_update(index_elements=["user_id"], set_=values))
            conn.execute(update(User).where(User.id == user_id).values(taste_version=new_taste_version()))
        return before, after

    # -- feedback and taste --------------------------------------------------------------
    @retried
    def give_feedback(self, user_id: int, song_id: int, kind: str, work: int | None = None) -> bool:
        """Record like / dislike / skip; a later verdict on the same song replaces the earlier one.

        Returns False (and stores nothing) when there is no such song. With
        ``work``, :class:`Forgotten` is raised after a ``/forget``.
        """
        if kind not in FEEDBACK_KINDS:
            raise ValueError(f"unknown feedback {kind!r}; choose from {', '.join(FEEDBACK_KINDS)}")
        with self.engine.begin() as conn:
            if conn.execute(select(Song.id).where(Song.id == song_id)).first() is None:
                return False
            ensure_user(conn, user_id, new_taste_version())
            if not pending(conn, work):
                raise Forgotten
            stmt = insert_for(conn)(Feedback).values(user_id=user_id, song_id=song_id, kind=kind, created_at=utcnow())
            conn.execute(stmt.on_conflict_do_update(index_elements=["user_id", "song_id"],
                                                    set_={"kind": kind, "created_at": stmt.excluded.created_at}))
        return True

    def feedback_of(self, user_id: int) -> dict[int, str]:
        with self.engine.connect() as conn:
            return dict(conn.execute(select(Feedback.song_id, Feedback.kind).where(Feedback.user_id == user_id)).all())

    def learned_families(self, user_id: int) -> dict[str, float]:
        """Families the user's likes and dislikes lean toward (+) or away from (-)."""
        return dict(self._profile(user_id)[1].families)

    def recall(self, user_id: int, conn: Connection | None = None,
               language_code: str | None = None) -> tuple[Preferences, set[int], Learned]:
        """(the user's settings as :meth:`preferences` gives them, the songs they were shown lately, their verdicts).

        One statement reads the taste version and the recent songs together (on
        ``conn`` when the caller holds one: a photo's list reads and writes on one
        connection), so a list costs no separate look at the settings; their rows
        are read only when the version has moved since they were kept.
        """
        if conn is None:
            with autocommit(self.engine) as own:
                return self.recall(user_id, own, language_code)
        since = utcnow() - dt.timedelta(days=self.recent_days)
        rows = conn.execute(_RECENT, {"user": user_id, "since": since}).all()
        settings, learned = self._known(conn, user_id, rows[0].taste_version if rows else None)
        prefs = settings if settings is not None else _preferences(None, language_code)
        return prefs, {r.song_id for r in rows if r.song_id is not None}, learned

    # -- privacy -------------------------------------------------------------------------
    @retried
    def forget(self, user_id: int) -> dict[str, int]:
        """Delete everything stored about a user; return how many rows of each kind went.

        The user's row is locked first, as every writer does (``ensure_user``):
        on PostgreSQL a like or a mood being stored by another replica either
        commits before (and is deleted here) or waits and comes after.
        """
        counts = {}
        with self.engine.begin() as conn:
            conn.execute(select(User.id).where(User.id == user_id).with_for_update())
            for name, owner in (("pending", PendingWork.user_id), ("moods", MoodReading.user_id),
                                ("recommendations", Recommendation.user_id), ("feedback", Feedback.user_id),
                                ("preferences", Preference.user_id), ("playlists", SavedPlaylist.user_id),
                                ("rate_limit", RateWindow.user_id), ("user", User.id)):
                counts[name] = count(conn.execute(delete(owner.class_).where(owner == user_id)))
        erase_deleted(self.engine)
        with self._lock:
            self._kept.pop(user_id, None)
        return counts

    # -- what this process keeps ---------------------------------------------------------
    def _profile(self, user_id: int) -> tuple[Preferences | None, Learned]:
        with autocommit(self.engine) as conn:  # no snapshot to share: the version is read first (see _known)
            version = conn.execute(_VERSION, {"user": user_id}).scalar()
            return self._known(conn, user_id, version)

    def _known(self, conn: Connection, user_id: int, version: int | None) -> tuple[Preferences | None, Learned]:
        """The user's stored settings and learned taste as of ``version``: kept, or read now and kept.

        The version is read before the rows, so what is kept is never older than
        the version it is kept under; a change in between only makes the next
        look read them again.
        """
        if not version:
            return None, Learned()
        now = time.monotonic()
        with self._lock:
            kept = self._kept.get(user_id)
        if kept is not None and kept.version == version and kept.at > now - KEPT_SECONDS:
            return kept.settings, kept.learned
        row = _stored(conn, user_id)
        settings = None if row is None else _preferences(row)
        learned = self._learned(_verdicts(conn, user_id))
        with self._lock:
            self._kept.pop(user_id, None)
            self._kept[user_id] = _Kept(version, settings, learned, now)
            while self._kept and (len(self._kept) > KEPT_USERS
                                  or next(iter(self._kept.values())).at < now - KEPT_SECONDS):
                self._kept.popitem(last=False)
        return settings, learned

    def _learned(self, verdicts: Sequence[Any]) -> Learned:
        disliked = {v.song_id for v in verdicts if v.kind == "dislike"}
        liked_songs = [v.song_id for v in verdicts if v.kind == "like"]
        index = self.songs.index()
        liked_artists = set(index.artist_code[index.positions(liked_songs)].tolist())
        verdict_count = len(disliked) + len(liked_songs)
        return Learned(frozenset(disliked), frozenset(liked_artists), _family_scores(verdicts), verdict_count)


def _stored(conn: Connection, user_id: int) -> Any:
    """The user's settings row, or None."""
    return conn.execute(_STORED, {"user": user_id}).first()


def _verdicts(conn: Connection, user_id: int) -> Sequence[Any]:
    """The user's likes and dislikes with each song's family."""
    return conn.execute(_VERDICTS, {"user": user_id}).all()


def _preferences(row: Preference | None, language_code: str | None = None) -> Preferences:
    """Stored settings, or the defaults with languages from the app's language (``language_code``)."""
    if row is None:
        return Preferences(languages=default_languages(language_code))
    return Preferences(tuple(row.liked_families), tuple(row.avoided_families), tuple(row.languages),
                       row.explicit, row.songs_per_list, row.strategy, row.language)


def taste_of(prefs: Preferences, learned: Learned | None = None) -> Taste:
    """What the recommender weighs: the settings, plus what the user's verdicts taught."""
    learned = learned or Learned()
    return Taste(explicit=prefs.explicit, liked_families=frozenset(prefs.liked_families),
                 avoided_families=frozenset(prefs.avoided_families), languages=frozenset(prefs.languages),
                 family_scores=dict(learned.families), liked_artists=frozenset(learned.liked_artists),
                 verdicts=learned.verdicts)


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
