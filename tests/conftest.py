"""Shared fixtures: the shipped analyzer, fresh catalogues (SQLite, and PostgreSQL when configured)."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

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


@pytest.fixture(scope="session")
def seeded_sqlite(tmp_path_factory) -> Path:
    """A migrated and seeded SQLite file, built once; tests get copies."""
    from catalog.db import make_engine, prepare

    path = tmp_path_factory.mktemp("seed") / "catalog.db"
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
def seeded_postgres() -> str:
    """A migrated and seeded PostgreSQL database, built once and used as a template."""
    from sqlalchemy.engine import make_url

    from catalog.db import make_engine, prepare

    template = make_url(POSTGRES_URL).set(database=make_url(POSTGRES_URL).database + "_seed")
    _admin(POSTGRES_URL, f'DROP DATABASE IF EXISTS "{template.database}"', f'CREATE DATABASE "{template.database}"')
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
    yield Catalog(engine, CatalogSettings(DATABASE_URL=url, SPOTIFY_CLIENT_ID="", SPOTIFY_CLIENT_SECRET=""))
    engine.dispose()


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
