"""Who is asking, and where personal data may go.

In groups the bot answers only what is addressed to it (a ``/command@bot``, a
reply to one of its messages, a mention), and sends personal data (mood chart,
history, settings, saved lists, stats) to the person's private chat, never to
the group. Telegram shows every anonymous group admin as one user
(``GroupAnonymousBot``) and marks posts made as a channel with ``sender_chat``:
such senders are not one person, so personal features are refused with one
line instead of mixing several people's data under one id.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import Message, Update
from telegram.constants import ChatType
from telegram.error import Forbidden
from telegram.ext import ApplicationHandlerStop

from bot import replies
from bot.context import Context
from bot.i18n import Words, words
from bot.tracing import outcome

NOT_A_PERSON = frozenset({1087968824, 136817688, 777000})
"""``GroupAnonymousBot`` (anonymous admins), ``Channel_Bot`` (posts as a channel) and Telegram's service
account (channel posts forwarded into a discussion group)."""
IMPERSONAL = frozenset({"start", "help", "privacy"})
"""Commands that read and store nothing about the sender: answered to anyone."""


def addressed(update: Update, context: Context) -> bool:
    """Private chats: always. Groups: only messages that mention the bot or reply to it."""
    msg = update.effective_message
    if msg is None or update.effective_chat is None:
        return False
    if update.effective_chat.type == ChatType.PRIVATE:
        return True
    replied = msg.reply_to_message
    if replied and replied.from_user and replied.from_user.id == context.bot.id:
        return True
    return f"@{context.bot.username}".lower() in (msg.caption or msg.text or "").lower()


def anonymous(msg: Message) -> bool:
    """Sent on behalf of a chat (anonymous admin, channel) rather than by one person."""
    return msg.sender_chat is not None or msg.from_user is None or msg.from_user.id in NOT_A_PERSON


def command(msg: Message) -> str | None:
    """The command a message starts with (``/history@bot`` -> ``history``), or None."""
    text = msg.text or ""
    if not text.startswith("/"):
        return None
    return text[1:].split(maxsplit=1)[0].split("@", 1)[0].lower() if len(text) > 1 else ""


async def only_addressed(update: Update, context: Context) -> None:
    """Before any handler: group messages not addressed to the bot go no further (not even to the rate limit)."""
    if update.message is not None and not addressed(update, context):
        raise ApplicationHandlerStop


async def no_anonymous(update: Update, context: Context) -> None:
    """Before any handler: anonymous senders get the impersonal commands and one line for anything else."""
    msg = update.message
    if msg is None or not anonymous(msg) or command(msg) in IMPERSONAL:
        return
    outcome("anonymous")
    await msg.reply_text(replies.anonymous(words(msg.from_user.language_code if msg.from_user else None)))
    raise ApplicationHandlerStop


async def send_personal(t: Words, update: Update, context: Context,
                        send: Callable[[int], Awaitable[object]]) -> None:
    """Send personal data with ``send(chat_id)``: here in a private chat; from a group, to the private chat.

    The group hears only that it was sent, or how to open a private chat when
    the person has never started the bot (Telegram refuses the message then),
    in the person's words ``t``.
    """
    msg, user = update.effective_message, update.effective_user
    assert msg is not None and user is not None  # message updates from a person (see no_anonymous)
    if msg.chat.type == ChatType.PRIVATE:
        await send(msg.chat_id)
        return
    try:
        await send(user.id)
    except Forbidden:
        await msg.reply_text(replies.open_private_chat(t, context.bot.username))
        return
    await msg.reply_text(replies.sent_privately(t))
