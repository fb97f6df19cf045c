"""The running bot's own bookkeeping in the database, shared by every replica.

Pending work (a photo being analysed: where to answer if the process dies,
and what a ``/forget`` must stop), updates already seen (a webhook retry
handed to another replica), rate-limit windows, and the per-day limits on what
one user may store. Nothing here knows of Telegram: ids are plain integers.
"""

from __future__ import annotations

import datetime as dt
import functools
import time
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import (
    Connection,
    Engine,
    Executable,
    Float,
    Integer,
    bindparam,
    case,
    delete,
    func,
    insert,
    select,
    tuple_,
    update,
)

from catalog.schema import MoodReading, PendingWork, RateWindow, Recommendation, SavedPlaylist, SeenUpdate, utcnow
from catalog.store import autocommit, count, dialect_insert

SEEN_UPDATES_KEPT = dt.timedelta(days=1)
"""Telegram redelivers an unanswered update for at most about a day."""
DAY = dt.timedelta(days=1)


_BEGIN = insert(PendingWork).returning(PendingWork.id)
_END = delete(PendingWork).where(PendingWork.id == bindparam("work"))
_PENDING = select(PendingWork.id).where(PendingWork.id == bindparam("work")).with_for_update()
_TODAY = {table: select(func.count()).select_from(table).where(table.user_id == bindparam("user"),
                                                               table.created_at >= bindparam("since"))
          for table in (MoodReading, Recommendation, SavedPlaylist)}
"""The statements a photo runs, built once: building one costs several times what running it does."""
_GUARD = select(_PENDING.scalar_subquery().label("pending"), _TODAY[MoodReading].scalar_subquery().label("readings"),
                _TODAY[Recommendation].scalar_subquery().label("songs"))
"""The pending check and the day's two counts of a photo's transaction, in one round trip."""


@functools.cache
def _first_sight(dialect: str) -> Executable:
    return (dialect_insert(dialect)(SeenUpdate).on_conflict_do_nothing().returning(SeenUpdate.update_id))


@functools.cache
def _allowance(dialect: str) -> Executable:
    """One attempt counted in the user's window, which starts again once it opened before ``opened_before``."""
    table = RateWindow.__table__
    now, limit = bindparam("now", type_=Float), bindparam("limit", type_=Integer)
    upsert = dialect_insert(dialect)(RateWindow).values(user_id=bindparam("user"), kind=bindparam("kind"),
                                                        started=now, used=1)
    expired = table.c.started <= bindparam("opened_before", type_=Float)
    return upsert.on_conflict_do_update(index_elements=[table.c.user_id, table.c.kind], set_={
        "started": case((expired, now), else_=table.c.started),
        "used": case((expired, 1), (table.c.used > limit, bindparam("refused", type_=Integer)),
                     else_=table.c.used + 1),
    }).returning(table.c.used, table.c.started)


class DailyLimit(Exception):
    """The user already stored as many rows of a kind as one day allows; nothing more was stored."""

    def __init__(self, kind: str, limit: int):
        super().__init__(f"{kind}: at most {limit} per day")
        self.kind, self.limit = kind, limit


class Forgotten(Exception):
    """The user asked to be forgotten while this work ran: nothing of it was stored."""


@dataclass(frozen=True)
class Unfinished:
    """Work a process took on and never finished (it died): where to apologise."""

    chat_id: int
    message_id: int
    language: str = ""
    """The user's language tag when the work began."""


def pending(conn: Connection, work: int | None) -> bool:
    """Whether the work a write belongs to is still pending (always, without one), its row locked until commit.

    ``forget`` deletes the user's pending rows: a write that finds its row gone
    came after "nothing about you is left" and must store nothing. The lock
    makes a concurrent ``forget`` on PostgreSQL wait for this transaction, and
    then delete what it stored.
    """
    return work is None or conn.execute(_PENDING, {"work": work}).first() is not None


@dataclass(frozen=True)
class Today:
    """The readings and songs a user stored in the last 24 hours."""

    readings: int
    songs: int


def checked_today(conn: Connection, user_id: int, work: int | None) -> Today:
    """:func:`pending` (else :class:`Forgotten`) and what the user stored in the last day, in one statement.

    Called after the user's row is locked, as :func:`within_day` is: a photo's
    transaction needs all three answers before its writes, and on PostgreSQL
    each statement is a round trip.
    """
    row = conn.execute(_GUARD, {"work": work, "user": user_id, "since": utcnow() - DAY}).one()
    if work is not None and row.pending is None:
        raise Forgotten
    return Today(row.readings, row.songs)


def within_day(conn: Connection, table: type[MoodReading] | type[Recommendation] | type[SavedPlaylist],
               user_id: int, adding: int, per_day: int | None, kind: str) -> None:
    """Raise :class:`DailyLimit` if ``adding`` more rows would give the user more than ``per_day`` in 24 hours.

    Called after the user's row is locked, so two replicas cannot both take the last allowance.
    """
    if per_day is not None:
        over_day(conn.execute(_TODAY[table], {"user": user_id, "since": utcnow() - DAY}).scalar_one(), adding,
                 per_day, kind)


def over_day(stored: int, adding: int, per_day: int | None, kind: str) -> None:
    """Raise :class:`DailyLimit` if ``stored`` rows of the last day and ``adding`` more exceed ``per_day``."""
    if per_day is not None and stored + adding > per_day:
        raise DailyLimit(kind, per_day)


class Operations:
    """Pending work, seen updates and rate windows: one short Core statement each, which commits by itself."""

    def __init__(self, engine: Engine):
        self.engine = engine

    # -- work in progress ----------------------------------------------------------------
    def begin_work(self, user_id: int, chat_id: int, message_id: int, language: str = "") -> int:
        """Note that a user's media is being analysed; returns the id to end it with.

        ``language`` (the user's language tag) is what a lost piece of work is apologised in.
        """
        with autocommit(self.engine) as conn, conn.begin():
            return conn.execute(_BEGIN, {"user_id": user_id, "chat_id": chat_id, "message_id": message_id,
                                         "language": language[:16], "started_at": utcnow()}).scalar_one()

    def end_work(self, work: int) -> None:
        """Work done without a mood to store (no face, bad input, abandoned)."""
        with autocommit(self.engine) as conn, conn.begin():
            conn.execute(_END, {"work": work})

    def keep_alive(self, works: Sequence[tuple[int, int]]) -> None:
        """Heartbeat of this process's running work, by (chat id, message id): not to be claimed as dead."""
        if works:
            with autocommit(self.engine) as conn, conn.begin():
                conn.execute(update(PendingWork).where(tuple_(PendingWork.chat_id, PendingWork.message_id)
                                                       .in_(works)).values(started_at=utcnow()))

    def claim_unfinished(self, older_than: float) -> list[Unfinished]:
        """Take (delete and return) work with no heartbeat for ``older_than`` seconds: its process died.

        Delete-returning makes the claim atomic, so with several replicas each
        user is told once.
        """
        cutoff = utcnow() - dt.timedelta(seconds=older_than)
        with autocommit(self.engine) as conn, conn.begin():
            rows = conn.execute(delete(PendingWork).where(PendingWork.started_at < cutoff)
                                .returning(PendingWork.chat_id, PendingWork.message_id, PendingWork.language)).all()
        return [Unfinished(r.chat_id, r.message_id, r.language) for r in rows]

    # -- redelivered updates -------------------------------------------------------------
    def first_sight(self, update_id: int) -> bool:
        """True the first time an update id is seen, False for a redelivery (kept for a day)."""
        with self.engine.begin() as conn:
            fresh = conn.execute(_first_sight(conn.dialect.name), {"update_id": update_id, "seen_at": utcnow()}
                                 ).first() is not None
            if update_id % 500 == 0:
                conn.execute(delete(SeenUpdate).where(SeenUpdate.seen_at < utcnow() - SEEN_UPDATES_KEPT))
        return fresh

    # -- shared rate limit ---------------------------------------------------------------
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
        with autocommit(self.engine) as conn, conn.begin():
            used, started = conn.execute(_allowance(conn.dialect.name), {
                "user": user_id, "kind": kind, "now": now, "opened_before": now - window, "limit": limit,
                "refused": limit + 2}).one()
        return used, min(window, max(0.0, started + window - now))  # another replica's clock may run ahead

    def prune_rate_windows(self, before: float) -> int:
        """Drop the windows that opened before ``before`` (epoch seconds); how many went."""
        with autocommit(self.engine) as conn, conn.begin():
            return count(conn.execute(delete(RateWindow).where(RateWindow.started < before)))
