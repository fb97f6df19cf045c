"""Our own small ASGI server: the webhook, ``/healthz``, ``/readyz`` and ``/metrics``.

python-telegram-bot's built-in webhook server has no room for health or
metrics routes; its maintainers point to a custom server that feeds the
Application's update queue (their ``customwebhookbot`` examples), which is this.
In webhook mode it serves everything on ``WEBHOOK_PORT``; in polling mode the
three operator routes on ``OPS_PORT`` (off when unset).

- ``POST /<path>``: refused with 403 unless it carries the secret token (compared
  in constant time), 413 over ``MAX_UPDATE_BYTES``, 400 (and one log line, throttled)
  unless it is an update python-telegram-bot can read, with an ``update_id`` that
  fits the database; otherwise queued and answered 200 at once.
- ``/healthz``: the process answers.
- ``/readyz``: the database answers, the model is loaded, and in webhook mode
  Telegram reports no recent delivery error (asked at most every 30 s). 503 with
  the failing checks otherwise.
- ``/metrics``: Prometheus text format (:mod:`bot.metrics`).
- ``/app/``: the camera Mini App and its API, when ``WEBAPP_URL`` is set (:mod:`bot.camera.api`).
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import socket
import time
from collections.abc import Iterator
from typing import Any

import uvicorn
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from telegram import Update
from telegram.error import TelegramError

from bot import metrics
from bot.app import BotApp
from bot.camera.api import camera_app
from bot.connections import guarded
from bot.logs import throttle

log = logging.getLogger(__name__)
throttle(__name__)
MAX_UPDATE_BYTES = 1_000_000
"""Telegram's updates are a few kilobytes; anything near this is not from Telegram."""
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
WEBHOOK_INFO_TTL = 30.0
RECENT_ERROR = 300.0
"""A delivery error Telegram reports from the last five minutes makes the replica not ready."""
CHECK_TIMEOUT = 3.0
BACKLOG = 128
"""Connections the kernel holds before they are accepted (uvicorn's default, 2048, only hides a flood)."""
MAX_UPDATE_ID = 2**63 - 1


def read_update(body: bytes, app: BotApp) -> Update | None:
    """The update in ``body``, or None for anything else: bad JSON, nesting too deep, absurd fields."""
    try:
        update = Update.de_json(json.loads(body), app.bot)
    except Exception as exc:  # noqa: BLE001 - whatever a forged body makes the parser raise, it is not an update
        log.warning("webhook: refused a body that is not an update (%s)", type(exc).__name__)
        return None
    if update is None or type(update.update_id) is not int or not 0 <= update.update_id <= MAX_UPDATE_ID:
        log.warning("webhook: refused a body that is not an update (no valid update_id)")
        return None
    return update


class _WebhookHealth:
    """Telegram's ``getWebhookInfo``, asked at most every ``WEBHOOK_INFO_TTL`` seconds."""

    def __init__(self, app: BotApp):
        self.app = app
        self._checked = -float("inf")
        self._problem: str | None = None

    async def problem(self) -> str | None:
        if time.monotonic() - self._checked >= WEBHOOK_INFO_TTL:
            self._checked = time.monotonic()
            try:
                info = await self.app.bot.get_webhook_info()
            except TelegramError as exc:
                self._problem = f"getWebhookInfo failed: {exc.message}"
            else:
                recent = info.last_error_date is not None and time.time() - info.last_error_date.timestamp() \
                    < RECENT_ERROR
                self._problem = f"Telegram reports: {info.last_error_message}" if recent else None
        return self._problem


def ops_app(app: BotApp, webhook_path: str | None = None) -> Starlette:
    """The ASGI app for ``app``; with ``webhook_path`` it also takes Telegram's updates there."""
    data = app.bot_data
    webhook = _WebhookHealth(app) if webhook_path else None

    async def healthz(request: Request) -> Response:
        return PlainTextResponse("ok")

    async def readyz(request: Request) -> Response:
        checks: dict[str, Any] = {"model": data.analyzer is not None and app.running}
        try:
            await asyncio.wait_for(asyncio.to_thread(data.catalog.ping), CHECK_TIMEOUT)
            checks["database"] = True
        except Exception as exc:  # noqa: BLE001 - any failure to answer means not ready
            checks["database"] = f"{type(exc).__name__}"
        if webhook is not None:
            problem = await webhook.problem()
            checks["webhook"] = problem or True
        ready = all(v is True for v in checks.values())
        return JSONResponse({"ready": ready, "checks": checks}, status_code=200 if ready else 503)

    async def metrics_page(request: Request) -> Response:
        enricher = data.catalog.spotify_enricher
        metrics.SPOTIFY_OPEN.set(0 if enricher is None or enricher.available else 1)
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    async def updates(request: Request) -> Response:
        secret = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(secret.encode(), data.settings.webhook_secret.encode()):
            return PlainTextResponse("forbidden", 403)
        if int(request.headers.get("content-length") or 0) > MAX_UPDATE_BYTES:
            return PlainTextResponse("too large", 413)
        body = bytearray()
        try:
            async for chunk in request.stream():
                body += chunk
                if len(body) > MAX_UPDATE_BYTES:
                    return PlainTextResponse("too large", 413)
        except ClientDisconnect:
            return PlainTextResponse("incomplete", 400)
        update = read_update(bytes(body), app)
        if update is None:
            return PlainTextResponse("not an update", 400)
        await app.update_queue.put(update)
        return Response(status_code=200)

    routes: list[BaseRoute] = [Route("/healthz", healthz), Route("/readyz", readyz), Route("/metrics", metrics_page)]
    if webhook_path:
        routes.append(Route(f"/{webhook_path}", updates, methods=["POST"]))
    if data.settings.webapp_url:
        routes.append(Mount("/app", camera_app(app)))
    return Starlette(routes=routes)


def listening_socket(host: str, port: int) -> socket.socket:
    """A bound TCP socket for uvicorn, so that a taken port fails here with a message, not inside a task."""
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise OSError(f"cannot listen on {host}:{port} ({exc.strerror})") from exc
    return sock


class _Uvicorn(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        """Signals stay the runner's: it stops the bot first, then this server."""
        yield


def server_config(asgi: Any, max_connections: int, request_timeout: float, **options: Any) -> uvicorn.Config:
    """uvicorn's configuration for a server open to the network: bounded (:mod:`bot.connections`; no WebSocket
    upgrades, which would leave its limits), and logging through the root handler (``log_config=None``:
    uvicorn's own handlers would print plain text beside JSON)."""
    return uvicorn.Config(asgi, http=guarded(max_connections, request_timeout), ws="none", backlog=BACKLOG,
                          timeout_keep_alive=5, log_config=None, log_level="warning", lifespan="off",
                          access_log=False, **options)


class OpsServer:
    """uvicorn serving :func:`ops_app` inside the bot's own event loop."""

    def __init__(self, app: BotApp, host: str, port: int, webhook_path: str | None = None):
        self.host, self.port = host, port
        settings = app.bot_data.settings
        config = server_config(ops_app(app, webhook_path), settings.server_max_connections,
                               settings.server_request_timeout, timeout_graceful_shutdown=3)
        self._server = _Uvicorn(config)
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        sock = listening_socket(self.host, self.port)
        self.port = sock.getsockname()[1]
        self._task = asyncio.create_task(self._server.serve(sockets=[sock]))
        while not self._server.started:
            if self._task.done():
                self._task.result()
                raise OSError(f"the server on {self.host}:{self.port} stopped while starting")
            await asyncio.sleep(0.01)

    async def stop(self) -> None:
        if self._task is not None:
            self._server.should_exit = True
            await self._task
