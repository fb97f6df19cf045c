"""Run the Application in polling or webhook mode, with a shutdown bounded in time.

python-telegram-bot's ``run_polling`` waits for every running handler on
SIGTERM, however long; a container runtime kills the process after ~10 s and
the users' photos would be lost unanswered. Here shutdown stops fetching,
gives running analyses ``BOT_SHUTDOWN_GRACE`` seconds, then cancels the rest,
whose users are asked to send again. A cancelled analysis's thread cannot be
stopped, and Python waits for every pool thread at exit, so a process left
with one still running ends at once instead (:func:`leave_if_stuck`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import AsyncIterator

from bot.app import ALLOWED_UPDATES, ANALYSIS_THREADS, BotApp
from bot.context import BotData
from bot.server import OpsServer
from bot.settings import webhook_path

log = logging.getLogger(__name__)


async def drain(data: BotData, grace: float) -> int:
    """Refuse new media, wait up to ``grace`` s for running analyses, cancel the rest; return how many were cut."""
    data.stopping = True
    running = list(data.analyses)
    if not running:
        return 0
    _, late = await asyncio.wait(running, timeout=grace)
    for task in late:
        task.cancel()
    await asyncio.gather(*late, return_exceptions=True)
    return len(late)


@contextlib.asynccontextmanager
async def running(app: BotApp, poll_interval: float = 0.0, poll_timeout: int = 10) -> AsyncIterator[BotApp]:
    """The application started (long polling or webhook, per its settings) until the block ends, then drained."""
    settings = app.bot_data.settings
    server = None
    if settings.mode == "webhook":
        server = OpsServer(app, settings.webhook_listen, settings.webhook_port, webhook_path(settings.webhook_url))
    elif settings.ops_port is not None:
        server = OpsServer(app, settings.ops_listen, settings.ops_port)
    async with app:
        await app.post_init(app)  # type: ignore[misc]
        if server is not None:  # first: a port that is taken fails before anything runs
            await server.start()
        await app.start()
        assert app.updater is not None
        if settings.mode == "webhook":
            await app.bot.set_webhook(settings.webhook_url, secret_token=settings.webhook_secret,
                                      allowed_updates=ALLOWED_UPDATES)
        else:
            await app.updater.start_polling(poll_interval=poll_interval, timeout=poll_timeout,
                                            allowed_updates=ALLOWED_UPDATES)
        try:
            yield app
        finally:
            if app.updater.running:
                await app.updater.stop()
            if server is not None:  # webhook: no new updates from here on
                await server.stop()
            cut = await drain(app.bot_data, settings.shutdown_grace)
            if cut:
                log.warning("shutdown: %d analysis(es) cut short; their users were asked to send again", cut)
            await app.stop()
    await app.post_shutdown(app)  # type: ignore[misc]


async def serve(app: BotApp) -> None:
    """Run until SIGINT or SIGTERM."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with running(app):
        log.info("running; stop with Ctrl-C or SIGTERM")
        await stop.wait()
    log.info("stopped")


def leave_if_stuck() -> None:
    """After the bot stopped: exit now (status 0) if an analysis thread is still busy with a cut-short picture.

    Its user was already asked to send again; waiting for it would only keep
    the process alive past the container's grace period.
    """
    deadline = time.monotonic() + 0.5  # idle pool threads take a moment to see the pool shut down
    for thread in threading.enumerate():
        if thread.name.startswith(ANALYSIS_THREADS):
            thread.join(max(0.0, deadline - time.monotonic()))
    busy = [t for t in threading.enumerate() if t.name.startswith(ANALYSIS_THREADS) and t.is_alive()]
    if not busy:
        return
    log.warning("exiting with %d analysis thread(s) still busy on cut-short work", len(busy))
    with contextlib.suppress(ModuleNotFoundError):
        import sentry_sdk

        sentry_sdk.flush(2)  # a no-op unless reporting was started
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)
