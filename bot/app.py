"""The Application factory: one place that wires settings, model, catalogue and handlers."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
from telegram import BotCommand, LinkPreviewOptions, ReplyParameters, Update
from telegram.constants import ParseMode
from telegram.error import NetworkError, TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    Defaults,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.request import HTTPXRequest

from bot import budget, metrics, personal, privacy, replies, settings_menu
from bot.camera import chat as camera
from bot.context import CONTEXT_TYPES, BotData
from bot.handlers import buttons, commands, common, media
from bot.handlers import settings as settings_buttons
from bot.i18n import ENGLISH, every_language, telegram_code, words
from bot.limits import RateLimiter, SharedRateLimiter, Turns
from bot.settings import BotSettings, check
from bot.tracing import TracedUpdates, name_handlers
from catalog import Catalog
from model import EmotionAnalyzer

log = logging.getLogger(__name__)
ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY]
HEARTBEAT_EVERY = 5.0
"""Seconds between heartbeats of the work this process is running (and looks for dead processes' work)."""
UNFINISHED_AFTER = 3 * HEARTBEAT_EVERY
"""Pending work with no heartbeat for this long belongs to a process that died: three beats missed."""
PRUNE_EVERY = 60.0
ANALYSIS_THREADS = "analysis"
"""Name prefix of the analysis pool's threads."""

BotApp = Application[Any, Any, Any, Any, BotData, Any]


class _CountedRequest(HTTPXRequest):
    """Every Bot API call counted by method and HTTP status, calls that got no answer apart.

    Only the method name is taken from the URL: the rest of it is the token.
    """

    async def do_request(self, url: str, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        api_method = url.rsplit("/", 1)[-1]
        try:
            status, payload = await super().do_request(url, *args, **kwargs)
        except NetworkError:
            metrics.TELEGRAM_FAILURES.labels(api_method).inc()
            raise
        metrics.TELEGRAM_CALLS.labels(api_method, str(status)).inc()
        return status, payload


class _WholeBodies(httpx.AsyncBaseTransport):
    """Each request's body handed to the connection in one piece.

    httpx streams a multipart upload (a photo with its caption and buttons) part
    by part, and every part is a write of its own through anyio to the socket:
    about thirty for a photo reply. The bodies the bot sends are its own replies,
    at most a picture of a few hundred kilobytes, so joining them first costs
    little memory and saves a quarter of a photo reply's CPU time.
    """

    def __init__(self, inner: httpx.AsyncBaseTransport):
        self._inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await request.aread()
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()


def _request(read_timeout: float) -> HTTPXRequest:
    """Bot API calls with timeouts, retried only where that is safe: when the connection was never made.

    A send that reached Telegram and failed (5xx, timeout) is not repeated, so a
    user never gets the same message twice; flood control (429) is the rate limiter's.
    """
    transport = _WholeBodies(httpx.AsyncHTTPTransport(retries=2, limits=httpx.Limits(max_connections=256)))
    return _CountedRequest(read_timeout=read_timeout, write_timeout=20.0, connect_timeout=5.0, pool_timeout=5.0,
                        media_write_timeout=30.0, httpx_kwargs={"transport": transport})


async def _housekeeping(app: BotApp) -> None:
    """Forever, every few seconds: mark this process's running work alive, ask the users of dead work to resend.

    Work whose heartbeat stopped is found within ``UNFINISHED_AFTER`` +
    ``HEARTBEAT_EVERY`` seconds of the crash (or of the next start, if that is
    later). Old shared rate windows are dropped once a minute.
    """
    pruned = -PRUNE_EVERY
    while True:
        try:
            data = app.bot_data
            await asyncio.to_thread(data.catalog.keep_alive, list(data.working.values()))
            unfinished = await asyncio.to_thread(data.catalog.claim_unfinished, UNFINISHED_AFTER)
            if data.settings.rate_shared and time.monotonic() - pruned >= PRUNE_EVERY:
                pruned = time.monotonic()
                await asyncio.to_thread(data.catalog.prune_rate_windows, time.time() - 2 * data.settings.rate_window)
            for work in unfinished:
                try:
                    await app.bot.send_message(work.chat_id, replies.resend(words(work.language)),
                                               reply_parameters=ReplyParameters(work.message_id,
                                                                                allow_sending_without_reply=True))
                except TelegramError as exc:  # one user who blocked the bot must not cost the others their notice
                    log.warning("could not ask a user to resend: %s", exc.message)
        except Exception:
            log.exception("housekeeping failed; trying again later")
        await asyncio.sleep(HEARTBEAT_EVERY)


async def _introduce(app: BotApp) -> None:
    """The command menu, description and short description: in English for everyone, then in every other language
    for the users whose app is set to it (Telegram takes a two-letter code: Portuguese users get Brazilian)."""
    for t in every_language():
        code = None if t.locale == ENGLISH else telegram_code(t.locale)
        await app.bot.set_my_commands([BotCommand(name, text) for name, text in replies.commands(t)],
                                      language_code=code)
        await app.bot.set_my_description(replies.description(t), language_code=code)
        await app.bot.set_my_short_description(replies.short_description(t), language_code=code)


async def _post_init(app: BotApp) -> None:
    """Load the song index, open the download client, start housekeeping, introduce the bot in every language and
    set the chat's menu button."""
    data = app.bot_data
    await asyncio.to_thread(data.catalog.index)  # seconds once, so that no user's first reply waits for it
    data.downloads = httpx.AsyncClient(timeout=httpx.Timeout(10.0), follow_redirects=False)
    data.housekeeping = asyncio.create_task(_housekeeping(app))
    await _introduce(app)
    await camera.set_menu_button(app.bot, data.settings.webapp_url)


async def _post_shutdown(app: BotApp) -> None:
    data = app.bot_data
    data.housekeeping.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await data.housekeeping
    await data.downloads.aclose()
    data.pool.shutdown(wait=False, cancel_futures=True)
    data.charts.shutdown(wait=False, cancel_futures=True)


def build_application(settings: BotSettings, analyzer: EmotionAnalyzer, catalog: Catalog) -> BotApp:
    """Build the bot. Nothing talks to Telegram until the application is started."""
    check(settings)
    app: BotApp = (
        ApplicationBuilder()
        .token(settings.token)
        .base_url(settings.base_url)
        .base_file_url(settings.base_file_url)
        .context_types(CONTEXT_TYPES)
        .defaults(Defaults(parse_mode=ParseMode.HTML, link_preview_options=LinkPreviewOptions(is_disabled=True)))
        .request(_request(read_timeout=10.0))
        .get_updates_request(_request(read_timeout=30.0))
        .concurrent_updates(TracedUpdates(256))
        # Flood control: Telegram's RetryAfter is honoured and retried; the 30/s overall cap is left to
        # Telegram's own answer because getFile calls would otherwise count against it too.
        .rate_limiter(AIORateLimiter(overall_max_rate=0, max_retries=3))
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
        .build()
    )
    data = app.bot_data
    data.settings, data.analyzer, data.catalog = settings, analyzer, catalog
    data.pool = ThreadPoolExecutor(max_workers=settings.workers, thread_name_prefix=ANALYSIS_THREADS)
    data.charts = ThreadPoolExecutor(max_workers=1, thread_name_prefix="charts")
    data.limiter, data.actions = (
        (SharedRateLimiter(catalog, settings.rate_limit, settings.rate_window, "media"),
         SharedRateLimiter(catalog, settings.action_limit, settings.rate_window, "action")) if settings.rate_shared
        else (RateLimiter(settings.rate_limit, settings.rate_window),
              RateLimiter(settings.action_limit, settings.rate_window)))
    data.in_flight = asyncio.Semaphore(settings.media_in_flight)
    data.turns = Turns()
    data.refusals = asyncio.Semaphore(budget.REFUSALS_AT_ONCE)
    data.working, data.analyses = {}, {}

    # Before any handler, in this order (one group each, so that each runs): redeliveries, blank buttons,
    # group messages not addressed to the bot, the sender's budget, anonymous senders.
    if settings.mode == "webhook":  # long polling never hands out an update twice
        app.add_handler(TypeHandler(Update, common.skip_repeats), group=-5)
    app.add_handler(TypeHandler(Update, common.skip_blank_buttons), group=-4)
    app.add_handler(TypeHandler(Update, privacy.only_addressed), group=-3)
    app.add_handler(TypeHandler(Update, budget.spend), group=-2)
    app.add_handler(TypeHandler(Update, privacy.no_anonymous), group=-1)
    app.add_handler(CommandHandler("start", commands.start))
    app.add_handler(CommandHandler("help", commands.help_command))
    app.add_handler(CommandHandler("privacy", commands.privacy))
    app.add_handler(CommandHandler("mood", personal.mood))
    app.add_handler(CommandHandler("history", personal.history))
    app.add_handler(CommandHandler("playlist", commands.playlist))
    app.add_handler(CommandHandler("forget", commands.forget))
    app.add_handler(CommandHandler("settings", personal.settings))
    app.add_handler(CommandHandler("playlists", personal.playlists))
    app.add_handler(CommandHandler("stats", personal.stats))
    app.add_handler(CommandHandler("camera", camera.camera))
    app.add_handler(MessageHandler(filters.PHOTO, media.on_photo))
    app.add_handler(MessageHandler(filters.VIDEO | filters.VIDEO_NOTE | filters.ANIMATION, media.on_video))
    app.add_handler(MessageHandler(filters.Document.ALL, media.on_document))
    app.add_handler(MessageHandler(filters.COMMAND, commands.unknown_command))
    app.add_handler(MessageHandler(filters.ChatType.PRIVATE & filters.TEXT, commands.on_text))
    app.add_handler(MessageHandler(filters.ChatType.PRIVATE, commands.on_other))
    app.add_handler(CallbackQueryHandler(buttons.on_feedback, pattern=replies.FEEDBACK_BUTTON))
    app.add_handler(CallbackQueryHandler(buttons.on_more, pattern=replies.MORE_BUTTON))
    app.add_handler(CallbackQueryHandler(buttons.on_lift, pattern="^lift$"))
    app.add_handler(CallbackQueryHandler(buttons.on_mood_button, pattern=replies.MOOD_BUTTON))
    app.add_handler(CallbackQueryHandler(buttons.on_fix, pattern=replies.FIX_BUTTON))
    app.add_handler(CallbackQueryHandler(buttons.on_fix_other, pattern="^fix:other$"))
    app.add_handler(CallbackQueryHandler(buttons.on_save, pattern="^save$"))
    app.add_handler(CallbackQueryHandler(buttons.on_saved_playlist, pattern=replies.SAVED_BUTTON))
    app.add_handler(CallbackQueryHandler(settings_buttons.on_settings_page, pattern=settings_menu.PAGE_BUTTON))
    app.add_handler(CallbackQueryHandler(settings_buttons.on_settings_change, pattern=settings_menu.SETTINGS_BUTTON))
    app.add_handler(CallbackQueryHandler(buttons.on_forget_yes, pattern="^forget:yes$"))
    app.add_handler(CallbackQueryHandler(buttons.on_forget_no, pattern="^forget:no$"))
    app.add_handler(CallbackQueryHandler(buttons.on_stale_button))
    app.add_error_handler(common.on_error)
    name_handlers(app)
    return app
