"""What every handler shares, typed: ``context.bot_data`` is a :class:`BotData`.

python-telegram-bot builds the object (``ContextTypes(bot_data=BotData)``);
``bot.app.build_application`` fills it once, before any update arrives.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
from telegram import User
from telegram.ext import CallbackContext, ContextTypes, ExtBot

from bot.i18n import Words, words
from bot.limits import RateLimiter, SharedRateLimiter, Turns
from bot.settings import BotSettings
from catalog import Catalog
from model import EmotionAnalyzer


class BotData:
    settings: BotSettings
    analyzer: EmotionAnalyzer
    catalog: Catalog
    pool: ThreadPoolExecutor
    """Threads for image/video analysis, so the event loop never waits on a video."""
    charts: ThreadPoolExecutor
    """One thread drawing charts, so that a flood of /mood never queues before anyone's photo in ``pool``."""
    limiter: RateLimiter | SharedRateLimiter
    """Photos and videos per user."""
    actions: RateLimiter | SharedRateLimiter
    """Commands, button presses and other messages per user."""
    refusals: asyncio.Semaphore
    """Answers to presses past the budget being sent at once (``bot.budget``)."""
    downloads: httpx.AsyncClient
    """Streams files from Telegram with a hard byte limit (python-telegram-bot's download buffers whole files)."""
    in_flight: asyncio.Semaphore
    """Photos and videos between download and reply at once; the rest wait their turn, in order."""
    turns: Turns
    """One piece of tracked work per user at a time (``bot.songs.tracked``)."""
    working: dict[int, tuple[int, int]]
    """Pending work of this process (its id -> chat id, message id), which the heartbeat keeps alive."""
    analyses: dict[asyncio.Task[Any], tuple[int, int]]
    """Running media analyses -> (chat id, message id), for a bounded shutdown."""
    housekeeping: asyncio.Task[None]
    """Asks users whose photo a dead process never answered to send it again."""
    stopping: bool = False
    """Set when shutdown begins: new media get "send it again" instead of starting work."""


Context = CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], BotData]
CONTEXT_TYPES = ContextTypes(bot_data=BotData)


async def words_of(context: Context, user: User) -> Words:
    """The words a user hears: the language they chose in /settings, else their Telegram app's; English if neither
    is one the bot speaks. One short database read: a choice made on another replica counts at once."""
    chosen = await asyncio.to_thread(context.bot_data.catalog.language, user.id)
    return words(chosen or user.language_code)
