"""A user's history: mood readings (with their corrections) and saved song lists.

A reading stores only the seven probabilities, the time and the kind of
source ("photo", "video", "camera", "manual"): never the image.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sqlalchemy import Connection, Engine, insert, select
from sqlalchemy.orm import sessionmaker

from catalog.moods import EMOTIONS
from catalog.operations import Forgotten, over_day, pending, within_day
from catalog.schema import MoodReading, SavedPlaylist, utcnow
from catalog.songs import Songs, Track
from catalog.store import aware, ensure_user, retried

_INSERT_READING = insert(MoodReading)


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
        return cls(aware(row.created_at), row.source, row.emotion, row.confidence, tuple(row.probs), row.corrected)

    @property
    def label(self) -> str:
        return self.corrected or self.emotion

    @property
    def music(self) -> tuple[float, ...] | str:
        """What songs should follow: the corrected emotion by name, else the model's probabilities."""
        return self.corrected or self.probs


@dataclass(frozen=True)
class NewReading:
    """A reading to store: the face's probabilities, the kind of source, and the user's daily limit of readings."""

    probs: Sequence[float]
    source: str
    per_day: int | None = None


@dataclass(frozen=True)
class SavedList:
    id: int
    name: str
    at: dt.datetime
    songs: int


def store_reading(conn: Connection, user_id: int, reading: NewReading, today: int | None = None) -> Mood:
    """Insert a reading in the caller's transaction, after the user's row is locked and their work checked.

    Raises :class:`DailyLimit` (nothing stored) beyond ``reading.per_day`` readings in the last 24 hours:
    ``today`` of them when the caller counted them already, else counted here.
    """
    if len(reading.probs) != len(EMOTIONS):
        raise ValueError(f"expected {len(EMOTIONS)} probabilities, got {len(reading.probs)}")
    probs = tuple(round(float(p), 5) for p in reading.probs)
    best = int(np.argmax(probs))
    if today is None:
        within_day(conn, MoodReading, user_id, 1, reading.per_day, "readings")
    else:
        over_day(today, 1, reading.per_day, "readings")
    at = utcnow()
    conn.execute(_INSERT_READING, {"user_id": user_id, "source": reading.source, "probs": list(probs),
                                   "emotion": EMOTIONS[best], "confidence": probs[best], "created_at": at})
    return Mood(at, reading.source, EMOTIONS[best], probs[best], probs)


class History:
    """Mood readings, corrections and saved lists of each user."""

    def __init__(self, engine: Engine, songs: Songs):
        self.engine, self.songs = engine, songs
        self.session = sessionmaker(engine, expire_on_commit=False)

    # -- moods ---------------------------------------------------------------------------
    @retried
    def record_mood(self, user_id: int, probs: Sequence[float], source: str, work: int | None = None,
                    per_day: int | None = None) -> Mood | None:
        """Store one reading: probabilities, time and source kind only (never the image).

        With ``work`` (from :meth:`catalog.operations.Operations.begin_work`), the reading is stored only while
        that work is pending: after a ``/forget`` that came while the photo was
        being analysed, nothing is stored and None is returned. With ``per_day``,
        :class:`DailyLimit` is raised instead of storing a reading beyond that many
        in the last 24 hours.
        """
        if len(probs) != len(EMOTIONS):
            raise ValueError(f"expected {len(EMOTIONS)} probabilities, got {len(probs)}")
        with self.engine.connect() as conn:
            ensure_user(conn, user_id)  # first, as everywhere: one lock order, no deadlock with forget
            if not pending(conn, work):
                conn.rollback()
                return None
            stored = store_reading(conn, user_id, NewReading(probs, source, per_day))
            conn.commit()
        return stored

    @retried
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

    # -- saved playlists -----------------------------------------------------------------
    @retried
    def save_playlist(self, user_id: int, name: str, song_ids: Sequence[int], work: int | None = None,
                      per_day: int | None = None) -> int:
        """Keep a list; ``work`` and ``per_day`` as for a recommendation (:class:`Forgotten`, :class:`DailyLimit`)."""
        with self.engine.begin() as conn:
            ensure_user(conn, user_id)
            if not pending(conn, work):
                raise Forgotten
            within_day(conn, SavedPlaylist, user_id, 1, per_day, "playlists")
            return conn.execute(insert(SavedPlaylist).values(user_id=user_id, name=name[:60],
                                                             song_ids=[int(i) for i in song_ids], created_at=utcnow())
                                .returning(SavedPlaylist.id)).scalar_one()

    def saved_playlists(self, user_id: int, limit: int = 20) -> list[SavedList]:
        """The user's saved lists, newest first."""
        with self.session() as s:
            rows = s.scalars(select(SavedPlaylist).where(SavedPlaylist.user_id == user_id)
                             .order_by(SavedPlaylist.created_at.desc(), SavedPlaylist.id.desc()).limit(limit)).all()
        return [SavedList(r.id, r.name, aware(r.created_at), len(r.song_ids)) for r in rows]

    def saved_playlist(self, user_id: int, playlist_id: int) -> tuple[str, list[Track]] | None:
        """A saved list's name and songs; None when it is not this user's (or gone)."""
        with self.session() as s:
            row = s.get(SavedPlaylist, playlist_id)
        if row is None or row.user_id != user_id:
            return None
        return row.name, self.songs.tracks(row.song_ids)

