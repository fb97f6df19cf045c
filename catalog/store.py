"""What every writer of the catalogue shares: the user's row locked first, retries, dialect-specific upserts.

Every method of the repositories opens its own short transaction, so one
catalogue serves many threads and several processes can share one PostgreSQL
database: users are created with insert-if-absent and verdicts are upserts, so
concurrent replicas never duplicate a row or lose a vote. Every write that
belongs to a user locks that user's row first (:func:`ensure_user`): one lock
order everywhere, so a ``/forget`` on one replica and a like on another wait
for each other instead of deadlocking.
"""

from __future__ import annotations

import datetime as dt
import functools
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, ParamSpec, TypeVar, cast

from sqlalchemy import Connection, CursorResult, Engine, Executable, bindparam
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from catalog.schema import User, utcnow

P = ParamSpec("P")
R = TypeVar("R")
_RETRYABLE = {"40P01", "40001"}
"""PostgreSQL's deadlock_detected and serialization_failure: the server aborted the transaction, try again."""


def retried(method: Callable[P, R]) -> Callable[P, R]:
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


@contextmanager
def autocommit(engine: Engine) -> Iterator[Connection]:
    """A connection for statements that each stand alone: on PostgreSQL in the driver's autocommit mode.

    Otherwise psycopg sends BEGIN before the first statement and the pool a
    ROLLBACK (or ``commit()`` a COMMIT) after the last, each a round trip of its
    own; a statement that is its own transaction needs neither (and after a
    ROLLBACK psycopg drops the statements it had prepared). Writers still
    wrap their statement in ``conn.begin()`` (a no-op on the wire here), so
    SQLite commits it as before. SQLite keeps its default: its driver begins
    only before a write, and switching modes would cost a PRAGMA each way.
    """
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn.execution_options(isolation_level="AUTOCOMMIT")
        yield conn


def count(result: object) -> int:
    """Rows a DML statement touched (``execute`` is typed as returning a plain Result)."""
    return cast("CursorResult[Any]", result).rowcount


def insert_for(bind: Connection | Session):
    """The dialect's ``insert``, which has ``on_conflict_do_update`` on both backends."""
    dialect = bind.dialect if isinstance(bind, Connection) else bind.get_bind().dialect
    return dialect_insert(dialect.name)


def dialect_insert(dialect: str):
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


@functools.cache
def _upsert_user(dialect: str, taste_changed: bool) -> Executable:
    """Insert a user, or on conflict lock their row (and with ``taste_changed`` set their taste version), built once."""
    stmt = dialect_insert(dialect)(User).values(id=bindparam("user"), created_at=bindparam("at"),
                                                taste_version=bindparam("version"))
    change = {"taste_version": stmt.excluded.taste_version} if taste_changed else {"id": stmt.excluded.id}
    return stmt.on_conflict_do_update(index_elements=["id"], set_=change)


def ensure_user(conn: Connection, user_id: int, taste_version: int | None = None) -> None:
    """Insert the user if absent, else lock their row until commit; with ``taste_version``, store that too.

    The no-op update takes the row lock, so a concurrent ``forget`` on another
    replica waits for this transaction instead of deleting the user under it
    (which would fail its foreign keys). A write that changes what the user's
    settings or likes say passes a fresh ``taste_version``
    (:func:`catalog.people.new_taste_version`), so that every replica's memory
    of that taste goes stale at once.
    """
    conn.execute(_upsert_user(conn.dialect.name, taste_version is not None),
                 {"user": user_id, "at": utcnow(), "version": taste_version or 0})


def aware(moment: dt.datetime) -> dt.datetime:
    """SQLite returns naive datetimes; everything we store is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
