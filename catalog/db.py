"""One engine per process, migrated to the newest schema and seeded on first use.

The seed is loaded again whenever the shipped seed file changes (its SHA-256 is
kept in ``catalog_meta``): the import upserts by Spotify id, so an upgraded
database gains the new songs and columns while every existing song keeps its
id, and with it users' feedback and history.
"""

from __future__ import annotations

import hashlib
import logging
import os
import select as select_
import time
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, delete, event, insert, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError

from catalog.importer import import_file
from catalog.schema import CatalogMeta

log = logging.getLogger(__name__)

SEED_FILE = Path(__file__).parent / "seed" / "songs.csv.gz"
MIGRATIONS = Path(__file__).parent / "migrations"
_PG_LOCK = 727_001
"""Advisory lock id: replicas starting together on one PostgreSQL migrate and seed one at a time."""


OWNER_ONLY = 0o600
SQLITE_COMPANIONS = ("-wal", "-shm", "-journal")


def _owner_only(path: Path) -> None:
    """Create the SQLite file readable by its owner alone, and tighten one made before (0644 and the like).

    SQLite creates its ``-wal`` and ``-shm`` files with the database file's own
    permissions, so they follow; ones left from before are tightened here too.
    """
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.close(os.open(path, os.O_CREAT | os.O_RDWR, OWNER_ONLY))
    for file in (path, *(path.with_name(path.name + end) for end in SQLITE_COMPANIONS)):
        try:
            if file.exists() and file.stat().st_mode & 0o777 != OWNER_ONLY:
                file.chmod(OWNER_ONLY)
        except OSError as exc:  # not ours to change (a read-only mount, another owner): say so, carry on
            log.warning("could not make %s owner-only: %s", file, exc.strerror)


BUSY_TIMEOUT_MS = 30_000
"""How long an SQLite statement waits for another connection's write lock."""
CHECKPOINT_WAIT_MS = 2_000
"""How long emptying the write-ahead log after ``/forget`` waits for readers before leaving it to a later one."""


def make_engine(url: str) -> Engine:
    """Create the engine; for SQLite also the owner-only file, foreign keys, WAL, secure delete and a busy timeout.

    For PostgreSQL, a connection leaving the pool is checked for a server that went away
    (:func:`_ping_when_in_doubt`), at no round trip while it was in use a moment ago.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            _owner_only(Path(parsed.database))
        engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
                               hide_parameters=True)  # no user ids or texts in error messages and logs

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA secure_delete=ON")  # deleted rows are overwritten with zeros, not just unlinked
            if parsed.database and parsed.database != ":memory:":
                # WAL lets readers work during a write; NORMAL sync is WAL's recommended pairing:
                # a crash of the process loses nothing, a power cut at most the last commits.
                cur.execute("PRAGMA journal_mode=WAL")
                cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        return engine
    engine = create_engine(url, hide_parameters=True)
    _ping_when_in_doubt(engine)
    return engine


IDLE_PING_SECONDS = 10.0
"""A pooled connection idle for longer is pinged before use: a silent drop (a NAT's idle timeout) shows no sign."""


def _ping_when_in_doubt(engine: Engine) -> None:
    """Check a PostgreSQL connection as it leaves the pool, and replace it when the server is gone.

    A ping on every checkout (``pool_pre_ping``) is a round trip, and a photo
    checks a connection out several times. An idle connection's socket has
    nothing to read unless the server spoke first: a restart, a terminated
    backend or an idle timeout sends an error and closes it, which a zero-wait
    ``select`` sees at no cost. Only a connection whose socket has something to
    read, or that sat in the pool past ``IDLE_PING_SECONDS``, is pinged; a
    failed ping makes the pool connect anew, as pre-ping does.
    """
    @event.listens_for(engine, "checkin")
    def _returned(_dbapi_conn, record) -> None:
        record.info["returned"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _check(dbapi_conn, record, _proxy) -> None:
        returned = record.info.get("returned")
        if returned is None:  # connected just now
            return
        try:
            if time.monotonic() - returned < IDLE_PING_SECONDS and not select_.select([dbapi_conn], [], [], 0)[0]:
                return
            engine.dialect.do_ping(dbapi_conn)
        except Exception as exc:  # whatever the driver raises: the pool then connects anew
            raise DisconnectionError(f"the database closed the connection: {exc}") from exc


def erase_deleted(engine: Engine) -> None:
    """After a delete that must leave no trace (``/forget``): on SQLite, empty the ``-wal`` file.

    Secure delete zeroes the deleted rows in the pages it writes, but those pages
    go to the write-ahead log, which still holds the earlier versions of the
    same pages, rows included. A TRUNCATE checkpoint copies the latest pages
    into the database and cuts the log to nothing. (PostgreSQL keeps dead rows
    until VACUUM; that is the server's upkeep.)
    """
    if engine.dialect.name != "sqlite":
        return
    with engine.connect() as conn:  # a short wait for readers: /forget's answer must not hang on a busy database
        conn.exec_driver_sql(f"PRAGMA busy_timeout={CHECKPOINT_WAIT_MS}")
        try:
            busy = conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").scalar()
        finally:
            conn.exec_driver_sql(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    if busy:
        log.warning("the write-ahead log could not be emptied (a reader was busy): deleted rows stay in it until "
                    "a later checkpoint overwrites them")


def migrate(engine: Engine) -> None:
    """Bring the schema to Alembic's head revision."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def seed_digest() -> str:
    return hashlib.sha256(SEED_FILE.read_bytes()).hexdigest()


def prepare(engine: Engine) -> None:
    """Migrate, then load the seed catalogue unless this very seed file was loaded before."""
    locked = engine.dialect.name == "postgresql"
    with engine.connect() as lock_conn:
        if locked:
            lock_conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _PG_LOCK})
        try:
            migrate(engine)
            digest = seed_digest()
            with engine.connect() as conn:
                loaded = conn.execute(select(CatalogMeta.value).where(CatalogMeta.key == "seed_sha256")).scalar()
            if loaded != digest:
                log.info("loading the song catalogue from %s", SEED_FILE)
                log.info("seed: %s", import_file(engine, SEED_FILE))
                with engine.begin() as conn:
                    conn.execute(delete(CatalogMeta).where(CatalogMeta.key == "seed_sha256"))
                    conn.execute(insert(CatalogMeta).values(key="seed_sha256", value=digest))
        finally:
            if locked:
                lock_conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _PG_LOCK})
