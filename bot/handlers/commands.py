"""The commands that are not about a person's own data (those are :mod:`bot.personal`), and messages the bot
does not read."""

from __future__ import annotations

import asyncio

from telegram import Update

from bot import replies
from bot.context import Context, words_of
from bot.handlers.common import message_of, user_of
from bot.songs import record_and_send, send_songs, tracked
from bot.wording import command_words
from catalog import STRATEGIES, TARGETS
from catalog.content import WISHES


async def start(update: Update, context: Context) -> None:
    """/start: what to send, privacy in one line, and the settings button."""
    t = await words_of(context, user_of(update))
    await message_of(update).reply_text(replies.start(t), reply_markup=replies.start_keyboard(t))


async def help_command(update: Update, context: Context) -> None:
    """/help: everything the bot can do."""
    await message_of(update).reply_text(replies.help_text(await words_of(context, user_of(update))))


async def privacy(update: Update, context: Context) -> None:
    """/privacy: what is stored and what is not."""
    await message_of(update).reply_text(replies.privacy(await words_of(context, user_of(update))))


async def playlist(update: Update, context: Context) -> None:
    """/playlist [mood] [match|lift] [target] [wish]: songs for a mood named by hand, or a fresh list for the latest.

    ``/playlist happy`` needs no selfie (the mood is recorded as picked by hand);
    ``/playlist lift calm`` goes from the latest mood toward calm; a wish
    (``/playlist christmas``, ``kids``, ``sleep``...) asks for content left out by default.
    """
    msg, user = message_of(update), user_of(update)
    t = await words_of(context, user)
    known = command_words(t)  # English words and the user's own: "/playlist triste" in Spanish
    words_given = [a.casefold() for a in context.args or []]
    unknown = [a for a in words_given if a not in known]
    if unknown:
        await msg.reply_text(replies.unknown_playlist_word(t, unknown[0], TARGETS))
        return
    args = [known[a] for a in words_given]
    strategy = next((a for a in args if a in STRATEGIES), None)
    named = [a for a in args if a in TARGETS]
    wish = next((WISHES[a] for a in args if a in WISHES), None)
    async with tracked(context, user.id, msg.chat_id, msg.message_id, language=t.locale) as work:
        if named and strategy != "lift":
            await record_and_send(t, msg, context, user, work, named[0], strategy, wish)
            return
        latest = await asyncio.to_thread(context.bot_data.catalog.latest_mood, user.id)
        if latest is None and wish:  # "/playlist christmas" wants the songs, whatever the mood
            await send_songs(t, msg, context, user, work, "neutral", "neutral", strategy, wish=wish)
            return
        if latest is None:
            await msg.reply_text(replies.no_mood_yet(t), reply_markup=replies.mood_keyboard(t))
            return
        await send_songs(t, msg, context, user, work, latest.music, latest.label, strategy or "match",
                         named[0] if named else None, wish=wish)


async def forget(update: Update, context: Context) -> None:
    """/forget: ask for confirmation first."""
    t = await words_of(context, user_of(update))
    await message_of(update).reply_text(replies.forget_confirm(t), reply_markup=replies.forget_keyboard(t))


async def unknown_command(update: Update, context: Context) -> None:
    """Any other /command (in groups only those addressed to us get this far)."""
    await message_of(update).reply_text(replies.unknown_command(await words_of(context, user_of(update))))


async def on_text(update: Update, context: Context) -> None:
    """Plain text in a private chat: point to what works."""
    await message_of(update).reply_text(replies.text_pointer(await words_of(context, user_of(update))))


async def on_other(update: Update, context: Context) -> None:
    """Stickers, voice, audio, locations, contacts, polls... in a private chat: say what works."""
    await message_of(update).reply_text(replies.other_message(await words_of(context, user_of(update))))
