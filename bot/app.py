"""The Application factory: one place that wires settings, model, catalogue and handlers."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from telegram import BotCommand, Update
from telegram.ext import (AIORateLimiter, Application, ApplicationBuilder, CallbackQueryHandler, CommandHandler,
                          MessageHandler, filters)

from bot import handlers, replies
from bot.limits import RateLimiter
from bot.settings import BotSettings, check
from catalog import Catalog
from model import EmotionAnalyzer


async def _post_init(app: Application) -> None:
    """Register the command menu users see in Telegram's UI."""
    await app.bot.set_my_commands([BotCommand(name, text) for name, text in replies.COMMANDS])


async def _post_shutdown(app: Application) -> None:
    app.bot_data["pool"].shutdown(wait=True, cancel_futures=True)


def build_application(settings: BotSettings, analyzer: EmotionAnalyzer, catalog: Catalog) -> Application:
    """Build the bot. Nothing talks to Telegram until the application is started."""
    check(settings)
    app = (
        ApplicationBuilder()
        .token(settings.token)
        .base_url(settings.base_url)
        .base_file_url(settings.base_file_url)
        .concurrent_updates(True)
        # Flood control: Telegram's RetryAfter is honoured and retried; the 30/s overall cap is left to
        # Telegram's own answer because getFile calls would otherwise count against it too.
        .rate_limiter(AIORateLimiter(overall_max_rate=0, max_retries=3))
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
        .build()
    )
    app.bot_data.update(
        settings=settings, analyzer=analyzer, catalog=catalog,
        pool=ThreadPoolExecutor(max_workers=settings.workers, thread_name_prefix="analysis"),
        limiter=RateLimiter(settings.rate_limit, settings.rate_window),
    )
    app.add_handler(CommandHandler("start", handlers.start))
    app.add_handler(CommandHandler("help", handlers.help_command))
    app.add_handler(CommandHandler("privacy", handlers.privacy))
    app.add_handler(CommandHandler("mood", handlers.mood))
    app.add_handler(CommandHandler("history", handlers.history))
    app.add_handler(CommandHandler("playlist", handlers.playlist))
    app.add_handler(CommandHandler("forget", handlers.forget))
    app.add_handler(MessageHandler(filters.PHOTO, handlers.on_photo))
    app.add_handler(MessageHandler(filters.VIDEO | filters.VIDEO_NOTE | filters.ANIMATION, handlers.on_video))
    app.add_handler(MessageHandler(filters.Document.ALL, handlers.on_document))
    app.add_handler(MessageHandler(filters.COMMAND, handlers.unknown_command))
    app.add_handler(MessageHandler(filters.TEXT, handlers.on_text))
    app.add_handler(CallbackQueryHandler(handlers.on_button))
    app.add_error_handler(handlers.on_error)
    return app


ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY]


def webhook_options(settings: BotSettings) -> dict:
    """Arguments for ``run_webhook``/``start_webhook``: the local path is the URL's last segment."""
    return {"listen": settings.webhook_listen, "port": settings.webhook_port,
            "url_path": settings.webhook_url.rstrip("/").rsplit("/", 1)[-1], "webhook_url": settings.webhook_url,
            "secret_token": settings.webhook_secret or None, "allowed_updates": ALLOWED_UPDATES}
