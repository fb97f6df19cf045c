"""Operating the bot: the webhook/health/metrics server, the shared rate limit, JSON logs, Sentry scrubbing."""

from __future__ import annotations

import asyncio
import json
import logging
import shutil
import socket
import subprocess
import threading
import time
from pathlib import Path

import httpx
import pytest

from bot.__main__ import health
from bot.app import build_application
from bot.logs import JsonFormatter
from bot.runner import running
from tests.fakes.telegram import TOKEN, FakeTelegram
from tests.ports import free_port
from tests.test_bot import PHOTO, USER, _settings, run_bot, wait

ROOT = Path(__file__).parents[1]
SECRET = "s3cret-token-0123456789"


def webhook_settings(fake: FakeTelegram, port: int, **overrides):
    return _settings(fake, BOT_MODE="webhook", WEBHOOK_URL="https://bot.example.invalid/tg-hook",
                     WEBHOOK_LISTEN="127.0.0.1", WEBHOOK_PORT=port, WEBHOOK_SECRET=SECRET, **overrides)


def metric(text: str, name: str, **labels: str) -> float:
    """The value of one sample in Prometheus text format (0 when absent)."""
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in text.splitlines():
        if line.startswith(f"{name}{{{wanted}}} ") or (not labels and line.startswith(f"{name} ")):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_the_webhook_server_checks_everything_and_serves_health_and_metrics(fake, analyzer, catalog, caplog):
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    caplog.set_level(logging.INFO, logger="bot.updates")

    async def main() -> None:
        app = build_application(webhook_settings(fake, port), analyzer, catalog)
        async with running(app), httpx.AsyncClient(base_url=url, timeout=10) as http:
            await wait(fake, "setWebhook", None)
            before = (await http.get("/metrics")).text
            assert (await http.get("/healthz")).text == "ok"
            ready = await http.get("/readyz")
            assert ready.status_code == 200
            assert ready.json() == {"ready": True, "checks": {"model": True, "database": True, "webhook": True}}

            hook, auth = "/tg-hook", {"X-Telegram-Bot-Api-Secret-Token": SECRET}
            fake.user_sends_photo(USER, PHOTO)
            update = fake.take_updates()[0]
            assert (await http.post(hook, json=update)).status_code == 403
            assert (await http.post(hook, json=update, headers={**auth, "X-Telegram-Bot-Api-Secret-Token": "x"})
                    ).status_code == 403
            assert (await http.post(hook, content=b"{not json", headers=auth)).status_code == 400
            assert (await http.post(hook, json={"hello": "world"}, headers=auth)).status_code == 400
            assert (await http.post(hook, json=[1, 2], headers=auth)).status_code == 400
            huge = b'{"update_id": 1, "x": "' + b"a" * 2_000_000 + b'"}'
            assert (await http.post(hook, content=huge, headers=auth)).status_code == 413

            async def chunked():  # no Content-Length: the server stops reading at its limit
                for _ in range(40):
                    yield b"a" * 100_000

            assert (await http.post(hook, content=chunked(), headers=auth)).status_code == 413
            assert (await http.get(hook)).status_code == 405
            mark = fake.mark()
            assert (await http.post(hook, json=update, headers=auth)).status_code == 200
            await wait(fake, "sendPhoto", USER, mark)
            handled = metric(before, "moodtunes_updates_total", type="photo", outcome="ok") + 1
            for _ in range(100):  # the update is counted when its handler returns, just after the reply
                after = (await http.get("/metrics")).text
                if metric(after, "moodtunes_updates_total", type="photo", outcome="ok") == handled:
                    break
                await asyncio.sleep(0.05)
            assert metric(after, "moodtunes_updates_total", type="photo", outcome="ok") == handled
            assert metric(after, "moodtunes_analysis_seconds_count", kind="image") >= 1
            assert metric(after, "moodtunes_media_total", kind="image", face="found") >= 1
            assert sum(metric(after, "moodtunes_emotions_total", emotion=e) for e in
                       ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")) >= 1
            assert metric(after, "moodtunes_recommend_seconds_count") >= 1
            assert metric(after, "moodtunes_telegram_calls_total", method="sendPhoto", status="200") >= 1
            assert metric(after, "moodtunes_spotify_breaker_open") == 0
            assert f'"{USER}"' not in after and TOKEN not in after  # no user id as a label value

            fake.webhook.update(last_error_date=int(time.time()) - 10, last_error_message="Connection refused")
            assert (await http.get("/readyz")).json()["checks"]["webhook"] is True  # asked at most every 30 s
    asyncio.run(main())

    records = [r for r in caplog.records if r.name == "bot.updates" and getattr(r, "update_type", "") == "photo"]
    assert records and records[-1].handler == "on_photo" and records[-1].outcome == "ok"
    line = json.loads(JsonFormatter().format(records[-1]))
    assert {"update_id", "handler", "outcome", "duration_ms", "message"} <= set(line) and line["duration_ms"] > 0
    assert all(str(USER) not in r.getMessage() and TOKEN not in r.getMessage() for r in caplog.records)


def test_readiness_reports_a_webhook_error_and_a_database_that_does_not_answer(fake, analyzer, catalog, monkeypatch):
    port = free_port()
    fake.webhook.update(last_error_date=int(time.time()) - 5, last_error_message="Wrong response from the webhook")

    async def main() -> None:
        app = build_application(webhook_settings(fake, port), analyzer, catalog)
        async with running(app), httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as http:
            ready = await http.get("/readyz")
            assert ready.status_code == 503
            assert ready.json()["checks"]["webhook"] == "Telegram reports: Wrong response from the webhook"

            def down() -> None:
                raise ConnectionRefusedError("database down")

            monkeypatch.setattr(catalog, "ping", down)
            checks = (await http.get("/readyz")).json()["checks"]
            assert checks["database"] == "ConnectionRefusedError" and checks["model"] is True
            assert (await http.get("/healthz")).status_code == 200  # alive, just not ready
    asyncio.run(main())


def test_polling_mode_serves_the_operator_routes_on_ops_port(fake, analyzer, catalog):
    port = free_port()

    async def scenario():
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as http:
            assert (await http.get("/healthz")).status_code == 200
            assert (await http.get("/readyz")).json()["checks"] == {"model": True, "database": True}
            assert (await http.post("/tg-hook", json={})).status_code == 404  # no webhook while polling
            assert await asyncio.to_thread(health, _settings(fake, OPS_PORT=port)) == 0  # the image's HEALTHCHECK
            assert await asyncio.to_thread(health, _settings(fake, OPS_PORT=free_port())) == 1
            fake.user_sends_text(USER, "/help")
            await wait(fake, "sendMessage")
            for _ in range(100):
                text = (await http.get("/metrics")).text
                if metric(text, "moodtunes_updates_total", type="command", outcome="ok") >= 1:
                    break
                await asyncio.sleep(0.05)
            assert metric(text, "moodtunes_updates_total", type="command", outcome="ok") >= 1

    run_bot(fake, analyzer, catalog, scenario, OPS_PORT=port)


def test_the_shared_rate_limit_is_exact_under_concurrency(catalog):
    from catalog.service import Catalog

    other = Catalog(catalog.engine, catalog.settings)  # a second replica's catalogue on the same database
    results: list[tuple[int, float]] = []
    lock = threading.Lock()

    def attempt(cat: Catalog) -> None:
        outcome = cat.take_allowance(USER, 6, 60.0)
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=attempt, args=(catalog if i % 2 else other,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    used = sorted(u for u, _ in results)
    assert sum(u <= 6 for u in used) == 6 and used.count(7) == 1  # six allowed, one refusal explained
    assert all(0 < left <= 60 for _, left in results)
    assert catalog.take_allowance(USER, 6, 60.0, now=time.time() + 61)[0] == 1  # a new window
    assert catalog.take_allowance(USER + 1, 6, 60.0)[0] == 1  # users do not share
    assert catalog.forget(USER)["rate_limit"] == 1
    assert catalog.prune_rate_windows(time.time() + 1) == 1


def test_two_replicas_share_one_rate_limit(fake, analyzer, catalog):
    ports = [free_port(), free_port()]
    extra = {"BOT_RATE_SHARED": True, "BOT_RATE_LIMIT": 3}

    async def main() -> None:
        apps = [build_application(webhook_settings(fake, p, **extra), analyzer, catalog) for p in ports]
        async with running(apps[0]), running(apps[1]), httpx.AsyncClient(timeout=10) as http:
            mark = fake.mark()
            for i in range(5):  # alternate between the replicas, as a load balancer would
                fake.user_sends_photo(USER, PHOTO)
                update = fake.take_updates()[0]
                answer = await http.post(f"http://127.0.0.1:{ports[i % 2]}/tg-hook", json=update,
                                         headers={"X-Telegram-Bot-Api-Secret-Token": SECRET})
                assert answer.status_code == 200
            deadline = time.monotonic() + 30
            while fake.count("sendPhoto", mark) < 3 and time.monotonic() < deadline:
                await asyncio.sleep(0.1)
            await asyncio.sleep(1.0)
            assert fake.count("sendPhoto", mark) == 3  # not 3 per replica
            told = [c for c in fake.calls[mark:] if c.method == "sendMessage" and "wait" in c.params["text"].lower()]
            assert len(told) == 1
    asyncio.run(main())


def test_sentry_events_are_scrubbed(tmp_path):
    sentry_sdk = pytest.importorskip("sentry_sdk")
    from sentry_sdk.transport import Transport

    from bot import sentry

    sent: list[dict] = []

    class Captured(Transport):
        def capture_envelope(self, envelope) -> None:
            for item in envelope.items:
                if item.type == "event":
                    sent.append(json.loads(item.payload.get_bytes()))

    assert sentry.init("") is False
    assert sentry.init("https://public@127.0.0.1/1", transport=Captured) is True
    user_id = int("7356" + "123489")  # distinctive (and not in the source lines the event quotes): found = leaked
    try:
        def handle(user: int, photo: bytes) -> None:
            raise RuntimeError(f"Telegram refused https://api.telegram.org/bot{TOKEN}/sendPhoto")

        logging.getLogger("bot.handlers").warning("request to https://api.telegram.org/bot%s/getMe", TOKEN)
        with sentry_sdk.new_scope() as scope:
            scope.set_user({"id": user_id})
            scope.set_context("update", {"user_id": user_id, "chat_id": user_id, "text": "my secret diary",
                                         "update_id": 77})
            try:
                handle(user_id, PHOTO[:2000])
            except RuntimeError as exc:
                sentry_sdk.capture_exception(exc)
        sentry_sdk.flush(5)
    finally:
        sentry_sdk.get_client().close()
    assert len(sent) == 1
    event = json.dumps(sent[0])
    assert TOKEN not in event and TOKEN.split(":")[1] not in event and "[token]" in event
    assert str(user_id) not in event and "my secret diary" not in event
    assert sent[0]["contexts"]["update"]["update_id"] == 77 and "user" not in sent[0]
    frames = sent[0]["exception"]["values"][0]["stacktrace"]["frames"]
    assert frames and all("vars" not in f for f in frames)  # no local variables: no photo bytes, no ids
    crumbs = sent[0].get("breadcrumbs", {}).get("values", [])
    assert any("getMe" in c.get("message", "") for c in crumbs)  # the log line came along, its token masked


def _compose() -> list[str] | None:
    """The compose command here: the docker plugin, or the standalone docker-compose; None without either."""
    if shutil.which("docker") and subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0:
        return ["docker", "compose"]
    return ["docker-compose"] if shutil.which("docker-compose") else None


@pytest.mark.skipif(_compose() is None, reason="no compose tool here")
def test_compose_file_is_valid(tmp_path):
    """`compose config` on compose.yaml with .env made from .env.example, as docs/deploying.md says: refused
    until POSTGRES_PASSWORD is set."""
    shutil.copy(ROOT / "compose.yaml", tmp_path)
    shutil.copytree(ROOT / "deploy", tmp_path / "deploy")
    env_file = (ROOT / ".env.example").read_text()
    (tmp_path / ".env").write_text(env_file)
    refused = subprocess.run([*_compose(), "config"], capture_output=True, text=True, cwd=tmp_path)
    assert refused.returncode != 0 and "set POSTGRES_PASSWORD in .env" in refused.stderr
    (tmp_path / ".env").write_text(env_file.replace("\nPOSTGRES_PASSWORD=\n", "\nPOSTGRES_PASSWORD=a-test-password\n"))
    for profiles in ([], ["--profile", "webhook"], ["--profile", "webhook", "--profile", "replicas"]):
        result = subprocess.run([*_compose(), *profiles, "config"], capture_output=True, text=True, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert "postgresql+psycopg://moodtunes:" in result.stdout and "service_healthy" in result.stdout
        assert "image: caddy:2" in result.stdout and "bot-2:" in result.stdout  # (compose v1 lists every profile)


def test_a_taken_port_fails_at_start_with_one_line(fake, analyzer, catalog):
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen(1)

    async def main() -> None:
        app = build_application(webhook_settings(fake, taken.getsockname()[1]), analyzer, catalog)
        with pytest.raises(OSError, match=r"cannot listen on 127\.0\.0\.1:\d+"):
            async with running(app):
                pass
        assert not app.running

    try:
        asyncio.run(main())
    finally:
        taken.close()
    assert fake.count("setWebhook") == 0  # Telegram was never pointed at a server that is not there
