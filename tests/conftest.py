"""Shared fixtures: the shipped analyzer, fresh catalogues (SQLite, and PostgreSQL when configured)."""

from __future__ import annotations

import fcntl
import logging
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from catalog.index import SongIndex

DATA = Path(__file__).parent / "data"
FACES_DEV = Path(__file__).resolve().parents[2] / "shared" / "data" / "faces-dev"


def _per_worker(url: str) -> str:
    """The database of ``url`` suffixed with the pytest-xdist worker's name: each worker process drops and
    creates its own databases."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not url or not worker:
        return url
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    return parsed.set(database=f"{parsed.database}_{worker}").render_as_string(hide_password=False)


POSTGRES_URL = _per_worker(os.environ.get("TEST_POSTGRES_URL", ""))
"""e.g. postgresql+psycopg://postgres@127.0.0.1/moodtunes_test; scripts/run-tests starts a server and sets it."""


@pytest.fixture(scope="session")
def data_dir() -> Path:
    return DATA


@pytest.fixture(scope="session")
def analyzer():
    from model import EmotionAnalyzer
    from model.settings import ModelSettings

    return EmotionAnalyzer(ModelSettings())


@contextmanager
def _built_once(tmp_path_factory, name: str) -> Iterator[tuple[Path, bool]]:
    """A folder that every pytest-xdist worker of this run shares, and whether it is built yet; the block runs
    under an exclusive lock, so the first worker builds while the others wait and then reuse what it built."""
    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent
    folder = base / name
    folder.mkdir(exist_ok=True)
    done = folder / ".built"
    with open(base / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield folder, done.exists()
        done.touch()


@pytest.fixture(scope="session")
def seeded_sqlite(tmp_path_factory) -> Path:
    """A migrated and seeded SQLite file, built once per run; tests get copies."""
    from catalog.db import make_engine, prepare

    with _built_once(tmp_path_factory, "seed") as (folder, built):
        path = folder / "catalog.db"
        if not built:
            engine = make_engine(f"sqlite:///{path}")
            prepare(engine)
            engine.dispose()
    return path


def _admin(url: str, *statements: str) -> None:
    """Run statements on the server's maintenance database (CREATE/DROP DATABASE need autocommit)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    engine = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        for statement in statements:
            conn.execute(text(statement))
    engine.dispose()


@pytest.fixture(scope="session")
def seeded_postgres(tmp_path_factory) -> str:
    """A migrated and seeded PostgreSQL database, built once per run and used as every worker's template."""
    from sqlalchemy.engine import make_url

    from catalog.db import make_engine, prepare

    shared = make_url(os.environ["TEST_POSTGRES_URL"])
    template = shared.set(database=shared.database + "_seed")
    with _built_once(tmp_path_factory, "seed-postgres") as (_, built):
        if not built:
            _admin(POSTGRES_URL, f'DROP DATABASE IF EXISTS "{template.database}" WITH (FORCE)',
                   f'CREATE DATABASE "{template.database}"')
            engine = make_engine(template.render_as_string(hide_password=False))
            prepare(engine)
            engine.dispose()
    return template.database


@pytest.fixture(params=["sqlite"] + (["postgresql"] if POSTGRES_URL else []))
def catalog(request, tmp_path, seeded_sqlite):
    """A fresh, seeded catalogue on each backend under test."""
    from catalog.db import make_engine, prepare
    from catalog.service import Catalog
    from catalog.settings import CatalogSettings

    if request.param == "sqlite":
        path = tmp_path / "catalog.db"
        shutil.copyfile(seeded_sqlite, path)
        url = f"sqlite:///{path}"
    else:
        from sqlalchemy.engine import make_url

        name = make_url(POSTGRES_URL).database
        template = request.getfixturevalue("seeded_postgres")
        _admin(POSTGRES_URL, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)',
               f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        url = POSTGRES_URL
    engine = make_engine(url)
    prepare(engine)
    fresh = Catalog(engine, CatalogSettings(DATABASE_URL=url, SPOTIFY_CLIENT_ID="", SPOTIFY_CLIENT_SECRET=""))
    # Every fresh catalogue is a copy of the seed, so it shares the seed's song index (loaded once per worker
    # and backend), as a bot's threads share one: loading 117 k songs was most of the suite's time.
    if request.param not in _SEED_INDEXES:
        _SEED_INDEXES[request.param] = fresh.index()
    fresh.songs._index = _SEED_INDEXES[request.param]
    yield fresh
    engine.dispose()


_SEED_INDEXES: dict[str, SongIndex] = {}
"""The seed catalogue's song index per backend, read from the worker's first fresh copy."""


@pytest.fixture
def fake():
    """A local fake Telegram Bot API server on 127.0.0.1."""
    from tests.fakes.telegram import FakeTelegram

    with FakeTelegram() as server:
        yield server


@pytest.fixture(autouse=True)
def fresh_throttles():
    """Every test starts with no log line held back: a throttle remembers lines for a minute, across tests."""
    from bot.logs import Throttle

    for logger in [logging.getLogger(), *(logging.getLogger(n) for n in logging.root.manager.loggerDict)]:
        for old in [f for f in logger.filters if isinstance(f, Throttle)]:
            logger.removeFilter(old)
            logger.addFilter(Throttle(old.every))


@pytest.fixture
def root_logging():
    """Tests that call ``bot.logs.configure`` get the process's logging back afterwards."""
    import threading

    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    levels = {name: logging.getLogger(name).level for name in logging.root.manager.loggerDict}
    hooks = sys.excepthook, threading.excepthook
    yield
    root.handlers[:], root.level = handlers, level
    sys.excepthook, threading.excepthook = hooks
    for name, old in levels.items():
        logging.getLogger(name).setLevel(old)
    logging.captureWarnings(False)


SLOW_BOT = """
import sys, time
import model
from bot.__main__ import main

real = model.get_analyzer

class Slow:
    def __init__(self, inner):
        self.inner = inner

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def analyze(self, *args, **kwargs):
        time.sleep(60)
        return self.inner.analyze(*args, **kwargs)

model.get_analyzer = lambda: Slow(real())
sys.exit(main([]))
"""


@pytest.fixture
def slow_bot(tmp_path):
    """Start ``python -m bot`` as its own process, with analyses that take a minute (as a hostile picture could).

    Called as ``slow_bot(fake, database_url, **env)``; the process is killed at the end of the test if still running.
    """
    started: list[subprocess.Popen] = []
    driver = tmp_path / "slow_bot.py"
    driver.write_text(SLOW_BOT)

    def start(fake, database_url: str, **env: str) -> subprocess.Popen:
        from tests.fakes.telegram import TOKEN

        environment = {**os.environ, "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_BASE_URL": fake.base_url,
                       "TELEGRAM_BASE_FILE_URL": fake.base_file_url, "DATABASE_URL": database_url,
                       "PYTHONPATH": str(Path(__file__).parents[1]), **env}
        process = subprocess.Popen([sys.executable, str(driver)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   text=True, env=environment, cwd=tmp_path)
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
        process.communicate()
