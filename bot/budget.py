"""The per-user budget of commands, button presses and other messages, spent before any handler runs.

Photos and videos have their own limit (``BotData.limiter``, checked by the
media handlers). Everything else a person sends costs one action from
``BotData.actions``: past ``BOT_ACTION_LIMIT`` per window the update goes no
further, a button press is answered (Telegram shows a spinner until it is) and
a message streak is told once. The check is one dictionary look-up, or one
upsert with ``BOT_RATE_SHARED`` so that replicas share the budget.

A burst of hundreds of presses still needs hundreds of answers: they are sent
in the background a few at a time (``REFUSALS_AT_ONCE``), so that the
handler's slot is free at once and other users' replies are not queued behind
the answers in the event loop.
"""

from __future__ import annotations

import asyncio

from telegram import CallbackQuery, Message, Update
from telegram.ext import ApplicationHandlerStop

from bot import metrics, replies
from bot.context import Context
from bot.i18n import words
from bot.tracing import outcome

REFUSALS_AT_ONCE = 4
"""Answers to refused presses in flight at once, for the whole process."""


def _media(msg: Message) -> bool:
    return bool(msg.photo or msg.video or msg.video_note or msg.animation or msg.document)


def _payer(update: Update) -> int | None:
    """Who pays for the update: the presser or the sender (the sending chat for anonymous ones); None: free."""
    if update.callback_query is not None:
        return update.callback_query.from_user.id
    msg = update.message
    if msg is None:
        return None
    if msg.sender_chat is not None:
        return msg.sender_chat.id
    if _media(msg) or msg.from_user is None:
        return None
    return msg.from_user.id


async def spend(update: Update, context: Context) -> None:
    """Take one action from the payer's budget; stop the update when it is spent."""
    payer = _payer(update)
    if payer is None:
        return
    verdict = await context.bot_data.actions.admit(payer)
    if verdict.allowed:
        return
    metrics.ACTIONS_REFUSED.inc()
    outcome("rate_limited")
    user = update.effective_user
    t = words(user.language_code if user else None)  # the app's language: a refusal costs no database read
    if update.callback_query is not None:
        context.application.create_task(_answer(update.callback_query, replies.slow_down(t, verdict.wait),
                                                context.bot_data.refusals), update)
    elif verdict.tell and update.message is not None:
        await update.message.reply_text(replies.slow_down(t, verdict.wait))
    raise ApplicationHandlerStop


async def _answer(query: CallbackQuery, text: str, slots: asyncio.Semaphore) -> None:
    async with slots:
        await query.answer(text)
