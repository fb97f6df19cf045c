"""What every handler shares: the update's parts, the worker pool, the checks before any handler, the checks of a
pressed button, and the error handler."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import SQLAlchemyError
from telegram import CallbackQuery, Message, Update, User
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop

from bot import replies
from bot.context import Context, words_of
from bot.i18n import Words, words
from bot.tracing import outcome

log = logging.getLogger(__name__)
T = TypeVar("T")


async def in_pool(context: Context, fn: Callable[..., T], *args: object) -> T:
    """Run CPU-bound work (decoding, detection, drawing) in the bounded worker pool, so the event loop stays free."""
    return await asyncio.get_running_loop().run_in_executor(context.bot_data.pool, fn, *args)


def message_of(update: Update) -> Message:
    """The update's message: every message handler here is registered for updates that carry one."""
    assert update.effective_message is not None
    return update.effective_message


def user_of(update: Update) -> User:
    """Its sender: the bot allows only message and callback-query updates, which always have one."""
    assert update.effective_user is not None
    return update.effective_user


def query_of(update: Update) -> CallbackQuery:
    assert update.callback_query is not None
    return update.callback_query


async def skip_repeats(update: Update, context: Context) -> None:
    """Webhook mode: drop an update delivered again, as remembered in the database for a day.

    Telegram retries an answer it found slow, and a load balancer may hand the retry to another replica.
    """
    if not await asyncio.to_thread(context.bot_data.catalog.first_sight, update.update_id):
        log.info("skipping update %d: already handled", update.update_id)
        raise ApplicationHandlerStop


async def skip_blank_buttons(update: Update, context: Context) -> None:
    """Answer a button press without data here.

    python-telegram-bot would hand it to the first button handler, whatever its pattern.
    """
    if update.callback_query and not update.callback_query.data:
        await update.callback_query.answer(replies.button_expired(words(update.callback_query.from_user.language_code)))
        raise ApplicationHandlerStop


async def usable(t: Words, query: CallbackQuery) -> Message | None:
    """The button's message, or None after answering the query when it is gone or not the presser's."""
    msg = query.message
    if not isinstance(msg, Message):  # too old, or the message was deleted
        await query.answer(replies.button_expired(t))
        return None
    return msg


async def own_button(t: Words, query: CallbackQuery) -> Message | None:
    """The button's message when the presser is the one who asked for it (in groups the reply quotes them)."""
    msg = await usable(t, query)
    if msg is None:
        return None
    if msg.chat.type != ChatType.PRIVATE:
        asker = msg.reply_to_message.from_user if msg.reply_to_message else None
        if asker is None or asker.id != query.from_user.id:
            await query.answer(replies.not_your_button(t))
            return None
    return msg


async def on_error(update: object, context: Context) -> None:
    """Log every unhandled error and, where possible, tell the user (and stop a button's spinner)."""
    outcome("error")
    log.error("error while handling an update", exc_info=context.error)
    if not isinstance(update, Update):
        return
    user = update.effective_user
    try:
        t = await words_of(context, user) if user else words(None)
    except (SQLAlchemyError, OSError):  # the database may be what failed: the language of the user's app then
        t = words(user.language_code if user else None)
    try:
        if update.callback_query:
            await update.callback_query.answer(replies.busy_error(t))
        elif update.effective_message:
            await update.effective_message.reply_text(replies.busy_error(t))
    except TelegramError:  # Telegram itself may be what failed
        log.warning("could not tell the user about the error")
