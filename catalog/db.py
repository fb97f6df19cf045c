"""One engine per process, migrated to the newest schema and seeded on first use.

The seed is loaded again whenever the shipped seed file changes (its SHA-256 is
kept in ``catalog_meta``): the import upserts by Spotify id, so an upgraded
database gains the new songs and columns while every existing song keeps its
id, and with it users' feedback and history.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, delete, event, insert, select, text
from sqlalchemy.engine import make_url

from catalog.importer import import_file
from catalog.schema import CatalogMeta

log = logging.getLogger(__name__)

SEED_FILE = Path(__file__).parent / "seed" / "songs.csv.gz"
MIGRATIONS = Path(__file__).parent / "migrations"
_PG_LOCK = 727_001
"""Advisory lock id: replicas starting together on one PostgreSQL migrate and seed one at a time."""


def make_engine(url: str) -> Engine:
    """Create the engine; for SQLite also the folder, foreign keys, WAL and a busy timeout."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            if parsed.database and parsed.database != ":memory:":
                # WAL lets readers work during a write; NORMAL sync is WAL's recommended pairing:
                # a crash of the process loses nothing, a power cut at most the last commits.
                cur.execute("PRAGMA journal_mode=WAL")
                cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


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
