"""The webhook/ops server and the process around it, attacked: floods of connections, forged updates, leaky logs."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import socket
import time

import httpx
import pytest

from bot.app import build_application
from bot.runner import running
from bot.settings import ConfigError, check, webhook_path
from tests.fakes.telegram import FakeTelegram
from tests.ports import free_port
from tests.test_bot import PHOTO, _settings, run_bot, wait
from tests.test_ops import SECRET, webhook_settings

AUTH = {"X-Telegram-Bot-Api-Secret-Token": SECRET}


def _closed_within(sock: socket.socket, seconds: float) -> bytes | None:
    """What the server sent before closing ``sock`` within ``seconds``; None when it is still open."""
    sock.settimeout(seconds)
    received = b""
    try:
        while chunk := sock.recv(4096):
            received += chunk
            sock.settimeout(max(seconds, 1.0))  # an answer has begun: read it to the end
    except TimeoutError:
        return received or None
    except ConnectionResetError:
        pass
    return received


def _flood(port: int, count: int, limit: int, timeout: float) -> None:
    """``count`` idle connections, then stalled and trickling requests: none is held past its limits."""
    idle = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(count)]
    try:
        time.sleep(0.3)
        open_now = [s for s in idle if _closed_within(s, 0.01) is None]
        assert len(open_now) <= limit, f"{len(open_now)} idle connections kept, the limit is {limit}"
        started = time.monotonic()
        answers = [_closed_within(s, timeout + 2) for s in open_now]
        assert all(a is not None and a.startswith(b"HTTP/1.1 408") for a in answers), answers[:3]
        assert time.monotonic() - started < timeout + 3
    finally:
        for s in idle:
            s.close()

    half_line = socket.create_connection(("127.0.0.1", port))
    half_line.sendall(b"GET /heal")
    trickle = socket.create_connection(("127.0.0.1", port))
    trickle.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
    slow_body = socket.create_connection(("127.0.0.1", port))
    slow_body.sendall(f"POST /tg-hook HTTP/1.1\r\nHost: x\r\n{list(AUTH)[0]}: {SECRET}\r\n"
                      "Content-Length: 1000\r\n\r\n{".encode())
    drips = {trickle: b"X-a: b\r\n", slow_body: b" "}
    answers: dict[socket.socket, bytes] = {}
    started = time.monotonic()
    try:
        while len(answers) < 3 and time.monotonic() - started < timeout + 5:
            for s in (half_line, trickle, slow_body):  # a byte every half second: never quiet, never done
                if s not in answers and (answer := _closed_within(s, 0.01)) is not None:
                    answers[s] = answer
                elif s in drips and s not in answers:
                    s.sendall(drips[s])
            time.sleep(0.5)
    finally:
        for s in (half_line, trickle, slow_body):
            s.close()
    assert time.monotonic() - started < timeout + 3
    assert [answers.get(s, b"")[:12] for s in (half_line, trickle, slow_body)] == [b"HTTP/1.1 408"] * 3


def test_the_server_keeps_no_idle_stalled_or_trickling_connections(fake, analyzer, catalog, caplog):
    port, limit, timeout = free_port(), 20, 1.0
    caplog.set_level(logging.WARNING, logger="bot.connections")

    async def main() -> None:
        settings = webhook_settings(fake, port, SERVER_MAX_CONNECTIONS=limit, SERVER_REQUEST_TIMEOUT=timeout)
        async with running(build_application(settings, analyzer, catalog)), \
                httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=5) as http:
            await asyncio.to_thread(_flood, port, 300, limit, timeout)
            assert (await http.get("/healthz")).text == "ok"  # nothing left over from the flood
            fake.user_sends_text(501, "/help")
            mark = fake.mark()
            assert (await http.post("/tg-hook", json=fake.take_updates()[0], headers=AUTH)).status_code == 200
            await wait(fake, "sendMessage", 501, mark)

    asyncio.run(main())
    lines = [r.getMessage() for r in caplog.records if r.name == "bot.connections"]
    assert len(lines) <= 2, lines  # 280 refusals and 24 timeouts: one line each kind, not one per connection


FORGED = {
    "update id as text": b'{"update_id": "abc", "message": {"message_id": 1, "date": 1, '
                         b'"chat": {"id": 1, "type": "private"}}}',
    "date 10^20": b'{"update_id": 7, "message": {"message_id": 1, "date": 100000000000000000000, '
                  b'"chat": {"id": 1, "type": "private"}, "text": "hi"}}',
    "update id past 64 bits": b'{"update_id": 100000000000000000000000}',
    "update id true": b'{"update_id": true}',
    "deeply nested message": b'{"update_id": 8, "message": ' + b"[" * 50_000 + b"]" * 50_000 + b"}",
    "deeply nested body": b"[" * 200_000 + b"]" * 200_000,
}


def test_forged_updates_get_400_and_few_log_lines(fake, analyzer, catalog, caplog):
    port = free_port()
    caplog.set_level(logging.WARNING)

    async def main() -> None:
        async with running(build_application(webhook_settings(fake, port), analyzer, catalog)), \
                httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as http:
            for name, body in FORGED.items():
                assert (await http.post("/tg-hook", content=body, headers=AUTH)).status_code == 400, name
            assert (await http.get("/healthz")).status_code == 200

    asyncio.run(main())
    refused = [r.getMessage() for r in caplog.records if r.name == "bot.server"]
    assert 1 <= len(refused) <= 2, refused  # one line per kind of refusal, then held back for a minute
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]


def test_webhook_url_without_a_path_is_refused(fake):
    for url in ("https://bot.example.com", "https://bot.example.com/", "https://bot.example.com/?x=1"):
        with pytest.raises(ConfigError, match="WEBHOOK_URL needs a path"):
            check(webhook_settings(fake, 8443).model_copy(update={"webhook_url": url}))
    assert webhook_path("https://bot.example.com/a/tg-hook/?x=1#y") == "tg-hook"
    assert check(webhook_settings(fake, 8443)).webhook_url.endswith("/tg-hook")


def test_json_logs_make_every_line_json_uvicorns_included(fake: FakeTelegram, analyzer, catalog, capsys,
                                                          root_logging):
    from bot.logs import configure

    configure("INFO", "json")
    port = free_port()

    def bad_request() -> bytes | None:
        with socket.create_connection(("127.0.0.1", port)) as raw:
            raw.sendall(b"GET / HTTP/1.1\r\nno colon here\r\n\r\n")  # uvicorn logs "Invalid HTTP request received."
            return _closed_within(raw, 5)

    async def main() -> None:
        async with running(build_application(_settings(fake, OPS_PORT=port), analyzer, catalog), poll_timeout=1):
            assert (await asyncio.to_thread(bad_request) or b"").startswith(b"HTTP/1.1 400")

    asyncio.run(main())
    lines = capsys.readouterr().err.strip().splitlines()
    assert any("Invalid HTTP request" in line for line in lines)
    for line in lines:
        assert isinstance(json.loads(line), dict), line


def test_work_of_a_killed_process_is_apologised_for_soon_after_the_next_start(fake, analyzer, catalog, slow_bot):
    user = 502
    crashed = slow_bot(fake, catalog.settings.database_url)
    fake.wait_for("setMyCommands", None, 0, 120)
    mark = fake.mark()
    fake.user_sends_photo(user, PHOTO)
    fake.wait_for("getFile", None, mark, 30)
    time.sleep(1.5)  # in the analysis
    crashed.kill()  # no shutdown, no goodbye: as a crash or an out-of-memory kill
    crashed.communicate()
    assert fake.count("sendMessage", mark) == 0
    mark = fake.mark()

    async def scenario():
        started = time.monotonic()
        sorry = await wait(fake, "sendMessage", user, mark, timeout=45)
        assert "send it again" in sorry.params["text"]
        assert time.monotonic() - started <= 30

    run_bot(fake, analyzer, catalog, scenario)


def test_running_work_keeps_its_heartbeat(catalog):
    from sqlalchemy import update

    from catalog.schema import PendingWork

    work = catalog.begin_work(503, 503, 77)
    with catalog.session.begin() as s:  # a long analysis: begun a minute ago
        s.execute(update(PendingWork).where(PendingWork.id == work).values(started_at=dt.datetime.now(dt.UTC)
                                                                            - dt.timedelta(minutes=1)))
    catalog.keep_alive([(503, 77)])
    assert catalog.claim_unfinished(15) == []  # its process is alive
    assert [(w.chat_id, w.message_id) for w in catalog.claim_unfinished(0)] == [(503, 77)]
