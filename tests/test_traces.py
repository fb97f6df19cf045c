"""What the bot leaves behind: no secret or private value in its logs, no readable trace of a user after /forget."""

from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from telegram.error import InvalidToken

from tests.fakes.telegram import TOKEN, FakeTelegram
from tests.test_bot import PHOTO, run_bot, wait
from tests.test_ops import SECRET

SOMEONE = 735_612_348  # distinctive: found anywhere = leaked
DIARY = "my secret diary entry 0x5eed"
ROOT = Path(__file__).parents[1]


def _leaks(text: str) -> list[str]:
    found = [v for v in (TOKEN, TOKEN.split(":")[1], SECRET, str(SOMEONE), DIARY) if v in text]
    return found + (["[parameters: ("] if "[parameters: (" in text else [])


def test_debug_logs_carry_no_token_ids_or_text(fake: FakeTelegram, analyzer, catalog, capsys, root_logging):
    from bot.logs import configure

    configure("DEBUG", "text", secrets=(TOKEN, SECRET))

    async def scenario():
        for words in (DIARY, "/history", "/playlist"):
            mark = fake.mark()
            fake.user_sends_text(SOMEONE, words)
            await wait(fake, "sendMessage", SOMEONE, mark)
        mark = fake.mark()
        fake.user_sends_photo(SOMEONE, PHOTO, caption=DIARY)
        await wait(fake, "sendPhoto", SOMEONE, mark)
        logging.getLogger("bot.handlers").warning("request to https://api.telegram.org/bot%s/getMe failed", TOKEN)
        try:
            raise InvalidToken(f"The token `{TOKEN}` was rejected by the server.")
        except InvalidToken:
            logging.getLogger("bot.handlers").exception("start failed")

    run_bot(fake, analyzer, catalog, scenario)
    err = capsys.readouterr().err
    assert "DEBUG" in err and "Traceback" in err and "[token]" in err  # the debug lines and the traceback came out
    assert _leaks(err) == []


def test_database_errors_name_no_values(catalog, capsys, root_logging):
    from bot import sentry
    from bot.logs import configure

    configure("INFO", "json", secrets=(TOKEN,))
    with catalog.engine.begin() as conn:
        conn.execute(text("CREATE TRIGGER refuse BEFORE INSERT ON saved_playlists "
                          "BEGIN SELECT RAISE(ABORT, 'disk says no'); END") if catalog.engine.dialect.name == "sqlite"
                     else text("ALTER TABLE saved_playlists ADD CONSTRAINT refuse CHECK (length(name) < 5) NOT VALID"))
    with pytest.raises(SQLAlchemyError) as raised:
        catalog.save_playlist(SOMEONE, DIARY, [1, 2])
    if catalog.engine.dialect.name == "sqlite":  # PostgreSQL's server quotes the row in DETAIL: only logs hide it
        assert _leaks(str(raised.value)) == []
    assert "[parameters: (" not in str(raised.value)
    logging.getLogger("bot.handlers").error("error while handling an update", exc_info=raised.value)
    assert _leaks(capsys.readouterr().err) == []
    leaky = f"(psycopg.errors.X) no\n[SQL: INSERT ...]\n[parameters: ({SOMEONE}, '{DIARY}')]\n(Background ...)"
    assert _leaks(str(sentry.scrubbed({"message": leaky, "breadcrumbs": [leaky]}))) == []  # another engine's


@pytest.mark.parametrize("level, style", [("DEBUG", "text"), ("INFO", "json")])
def test_a_rejected_token_stops_the_bot_with_one_line(fake, tmp_path, seeded_sqlite, level, style):
    shutil.copyfile(seeded_sqlite, tmp_path / "catalog.db")
    wrong = "654321:" + "B" * 35
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": wrong, "TELEGRAM_BASE_URL": fake.base_url,
           "TELEGRAM_BASE_FILE_URL": fake.base_file_url, "DATABASE_URL": f"sqlite:///{tmp_path / 'catalog.db'}",
           "LOG_LEVEL": level, "LOG_FORMAT": style, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "bot"], capture_output=True, text=True, env=env, timeout=120,
                          cwd=tmp_path)
    assert done.returncode != 0
    lines = done.stderr.strip().splitlines()
    if style == "json":
        lines = [json.loads(line)["message"] for line in lines]  # every line JSON, the error's too
    assert lines[-1].startswith("error: Telegram rejected TELEGRAM_BOT_TOKEN"), done.stderr[-2000:]
    assert "Traceback" not in done.stderr and wrong not in done.stderr + done.stdout
    assert wrong.split(":")[1] not in done.stderr + done.stdout


MARKERS = (DIARY.encode(), b"0.73519")
"""Bytes of what :func:`_marked` stores: a saved list's name, and a reading's probability as stored (JSON text)."""


def _marked(catalog) -> None:
    """A user with a reading and a saved list that carry the markers, and a like."""
    catalog.record_mood(SOMEONE, [0, 0, 0, 0.73519, 0, 0.26481, 0], "photo")
    catalog.save_playlist(SOMEONE, DIARY, [1, 2, 3])
    catalog.give_feedback(SOMEONE, 1, "like")


def test_forget_leaves_no_readable_trace_and_files_are_owner_only(tmp_path, seeded_sqlite):
    from catalog.db import make_engine
    from catalog.service import Catalog
    from catalog.settings import CatalogSettings

    path = tmp_path / "data" / "fresh.db"
    url = f"sqlite:///{path}"
    engine = make_engine(url)  # a new database: created owner-only
    with engine.connect() as conn:
        conn.exec_driver_sql("CREATE TABLE t (x)")
    files = [path, path.with_name("fresh.db-wal"), path.with_name("fresh.db-shm")]
    assert all(stat.S_IMODE(f.stat().st_mode) == 0o600 for f in files), [oct(f.stat().st_mode) for f in files]
    engine.dispose()

    old = tmp_path / "old.db"  # one made world-readable before: tightened at start
    shutil.copyfile(seeded_sqlite, old)
    old.chmod(0o644)
    url = f"sqlite:///{old}"
    settings = CatalogSettings(DATABASE_URL=url, SPOTIFY_CLIENT_ID="", SPOTIFY_CLIENT_SECRET="")
    catalog = Catalog(make_engine(url), settings)
    assert stat.S_IMODE(old.stat().st_mode) == 0o600
    _marked(catalog)
    wal = old.with_name("old.db-wal")
    assert all(m in old.read_bytes() + wal.read_bytes() for m in MARKERS)  # on disk while kept
    assert stat.S_IMODE(wal.stat().st_mode) == 0o600
    assert catalog.forget(SOMEONE)["playlists"] == 1
    for f in (old, wal):
        assert [m for m in MARKERS if m in f.read_bytes()] == [], f"{f.name} still holds deleted rows"
    catalog.engine.dispose()


def test_sigterm_during_a_long_analysis_exits_within_the_grace(fake, tmp_path, seeded_sqlite, slow_bot):
    shutil.copyfile(seeded_sqlite, tmp_path / "catalog.db")
    bot = slow_bot(fake, f"sqlite:///{tmp_path / 'catalog.db'}", BOT_SHUTDOWN_GRACE="1")
    fake.wait_for("setMyCommands", None, 0, 120)
    mark = fake.mark()
    fake.user_sends_photo(SOMEONE, PHOTO)
    fake.wait_for("getFile", None, mark, 30)
    time.sleep(1.5)  # downloaded and in the analysis by now
    stopping = time.monotonic()
    bot.send_signal(signal.SIGTERM)
    out, err = bot.communicate(timeout=20)
    took = time.monotonic() - stopping
    assert bot.returncode == 0, err[-2000:]
    assert took < 1 + 5, f"{took:.1f} s after SIGTERM with a 1 s grace"
    assert "send it again" in fake.wait_for("sendMessage", SOMEONE, mark, 5).params["text"]
    assert "Traceback" not in err
