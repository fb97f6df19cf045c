"""SQL tables (SQLAlchemy 2 typed ORM). Alembic migrations in ``catalog/migrations`` create them.

Privacy by design: a mood reading stores only the 7 probabilities, the time
and the kind of source ("photo", "video", ...); never an image, never a face.
Everything that belongs to a user is deleted with the user (``ON DELETE CASCADE``).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    pass


class Song(Base):
    __tablename__ = "songs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    spotify_id: Mapped[str] = mapped_column(String(22), unique=True)
    title: Mapped[str] = mapped_column(String(500))
    artist: Mapped[str] = mapped_column(String(500), index=True)
    """The first credited artist."""
    artists: Mapped[str] = mapped_column(String(1000), default="")
    """Every credited artist, "; "-separated."""
    album: Mapped[str] = mapped_column(String(500), default="")
    genre: Mapped[str] = mapped_column(String(40), default="")
    genres: Mapped[str] = mapped_column(String(300), default="")
    """Every source genre, ";"-separated (a track can be in several)."""
    family: Mapped[str] = mapped_column(String(30), default="", index=True)
    """Coarse genre family users choose from (``catalog.build.FAMILIES``); "" when unknown."""
    language: Mapped[str] = mapped_column(String(8), default="")
    """ISO 639-1 code of the sung language; "zxx" for songs without vocals; "" when it cannot be told."""
    explicit: Mapped[bool | None] = mapped_column(Boolean)
    """The source's flag, else the seed builder's inference (``explicit_inferred``); None only in old imports."""
    explicit_inferred: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    tags: Mapped[str] = mapped_column(String(100), default="", server_default="")
    """Content tags, ";"-separated (``catalog.content.TAGS``): holiday, children, cover, sleep, ..."""
    copy_of: Mapped[str] = mapped_column(String(22), default="", server_default="")
    """Spotify id of the song's most popular copy (same title and artist); "" for that canonical copy itself."""
    year: Mapped[int | None] = mapped_column(Integer)
    popularity: Mapped[int] = mapped_column(Integer, default=0)
    valence: Mapped[float] = mapped_column(Float)
    energy: Mapped[float] = mapped_column(Float)
    danceability: Mapped[float | None] = mapped_column(Float)
    tempo: Mapped[float | None] = mapped_column(Float)
    acousticness: Mapped[float | None] = mapped_column(Float)
    instrumentalness: Mapped[float | None] = mapped_column(Float)
    speechiness: Mapped[float | None] = mapped_column(Float)
    loudness: Mapped[float | None] = mapped_column(Float)
    mode: Mapped[int | None] = mapped_column(Integer)
    # Filled on demand by Spotify enrichment, then cached here.
    spotify_url: Mapped[str | None] = mapped_column(String(200))
    image_url: Mapped[str | None] = mapped_column(String(500))
    enriched_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    """The Telegram user id."""
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    taste_version: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    """A new random number with every change of the user's settings or likes; 0 while they have none.
    Each process remembers a user's taste with the version it read, and reads it again once it differs."""


class MoodReading(Base):
    __tablename__ = "mood_readings"
    __table_args__ = (Index("ix_mood_user_time", "user_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    source: Mapped[str] = mapped_column(String(20))
    probs: Mapped[list[float]] = mapped_column(JSON)
    emotion: Mapped[str] = mapped_column(String(10))
    """The model's label (or the one picked by hand)."""
    confidence: Mapped[float] = mapped_column(Float)
    corrected: Mapped[str | None] = mapped_column(String(10))
    """The user's answer to "was this right?" when it differs; the model's label stays in ``emotion``."""


class Recommendation(Base):
    """A song shown to a user, so that it is not shown again soon."""

    __tablename__ = "recommendations"
    __table_args__ = (Index("ix_rec_user_time", "user_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"))
    song_id: Mapped[int] = mapped_column(Integer, ForeignKey("songs.id", ondelete="CASCADE"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    strategy: Mapped[str] = mapped_column(String(10))


class Feedback(Base):
    """The user's latest verdict on a song: like, dislike or skip. One row per (user, song)."""

    __tablename__ = "feedback"
    __table_args__ = (UniqueConstraint("user_id", "song_id", name="uq_feedback_user_song"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"))
    song_id: Mapped[int] = mapped_column(Integer, ForeignKey("songs.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class PendingWork(Base):
    """A photo or video being analysed right now: where to answer, never the media itself.

    The row lives for the seconds the analysis takes. Its process moves
    ``started_at`` forward every few seconds while the work runs (a heartbeat),
    so a row that stops moving belongs to a process that died: another process
    (or the next start) finds it within seconds and asks the user to send again.
    ``/forget`` deletes the user's rows, which also stops an analysis that is
    still running from storing its mood.
    """

    __tablename__ = "pending_work"
    __table_args__ = (Index("ix_pending_started", "started_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger, index=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    message_id: Mapped[int] = mapped_column(BigInteger)
    language: Mapped[str] = mapped_column(String(16), default="", server_default="")
    """The language to ask in if the work is lost (the user's language tag); "" for English."""
    started_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    """When the work began, then its process's last heartbeat."""


class SeenUpdate(Base):
    """Ids of updates already handled, so a redelivered update (webhook retry, another replica) is skipped."""

    __tablename__ = "seen_updates"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    seen_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)


class RateWindow(Base):
    """What a user did in the current rate-limit window, per kind of action, shared by every replica.

    No foreign key to ``users``: a refused photo must not create a user. Rows of
    windows long past are pruned, and ``/forget`` deletes the user's.
    """

    __tablename__ = "rate_windows"

    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(10), primary_key=True)
    """"media" (photos and videos) or "action" (commands and button presses): each has its own limit."""
    started: Mapped[float] = mapped_column(Float, index=True)
    """Epoch seconds when the window opened."""
    used: Mapped[int] = mapped_column(Integer)
    """Attempts in the window, counted up to limit + 2: limit + 1 marks the first refusal."""


class Preference(Base):
    """A user's taste settings; absent until the user sets one."""

    __tablename__ = "preferences"

    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    liked_families: Mapped[list[str]] = mapped_column(JSON, default=list)
    avoided_families: Mapped[list[str]] = mapped_column(JSON, default=list)
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    explicit: Mapped[bool] = mapped_column(Boolean, default=False)
    songs_per_list: Mapped[int | None] = mapped_column(Integer)
    strategy: Mapped[str | None] = mapped_column(String(10))
    language: Mapped[str] = mapped_column(String(16), default="", server_default="")
    """The language the user chose (a language tag: the bot's words and their songs' default languages); "" to
    follow their Telegram app's."""
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CatalogMeta(Base):
    """Facts about the database itself, e.g. which seed file it was last loaded from."""

    __tablename__ = "catalog_meta"

    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))


class SavedPlaylist(Base):
    """A song list a user kept, by song id (the songs themselves live in ``songs``)."""

    __tablename__ = "saved_playlists"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    song_ids: Mapped[list[int]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
