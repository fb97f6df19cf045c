"""The camera's side of the chat: /camera, the menu button, and the list "Save this mood" sends.

Telegram opens a Mini App from a button whose ``web_app`` is its address
(python-telegram-bot's :class:`~telegram.WebAppInfo`): under a message, only in
private chats, or as the chat's menu button (:class:`~telegram.MenuButtonWebApp`).
In a group, /camera points to the private chat instead.
"""

from __future__ import annotations

import asyncio

import numpy as np
from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    MenuButtonDefault,
    MenuButtonWebApp,
    Update,
    WebAppInfo,
)
from telegram.constants import ChatType

from bot import replies
from bot.camera import texts
from bot.camera.auth import WebAppUser
from bot.context import Context, words_of
from bot.i18n import Words, words
from bot.live import Suggestion
from bot.songs import pick_songs, tracked
from catalog import EMOTIONS, Forgotten, NewReading

SOURCE = "camera"
"""The source kind of a saved camera reading (``/history`` says "from the live camera")."""


async def camera(update: Update, context: Context) -> None:
    """/camera: a button that opens the live camera, or where to find it; in the user's language.

    In a private chat the chat's menu button is set in the user's language too (the one set at
    start-up, for every chat, is in English: Telegram keeps a single default).
    """
    msg, user = update.effective_message, update.effective_user
    assert msg is not None and user is not None  # a command handler's update
    t = await words_of(context, user)
    url = context.bot_data.settings.webapp_url
    private = msg.chat.type == ChatType.PRIVATE
    if not url:
        await msg.reply_text(texts.off(t))
        if private:  # a button this chat was given while the camera was on goes with it
            await context.bot.set_chat_menu_button(msg.chat_id, MenuButtonDefault())
    elif not private:
        await msg.reply_text(texts.in_private(t, context.bot.username), reply_markup=InlineKeyboardMarkup(
            [[InlineKeyboardButton(texts.private_button(t), url=f"https://t.me/{context.bot.username}")]]))
    else:
        await msg.reply_text(texts.opened(t), reply_markup=InlineKeyboardMarkup(
            [[InlineKeyboardButton(texts.open_button(t), web_app=WebAppInfo(url))]]))
        await context.bot.set_chat_menu_button(msg.chat_id, menu_button(t, url))


def menu_button(t: Words, url: str) -> MenuButtonWebApp:
    return MenuButtonWebApp(texts.menu_button(t), WebAppInfo(url))


async def set_menu_button(bot: Bot, url: str) -> None:
    """The menu button of every private chat: the camera (in English) when it is on, Telegram's default otherwise."""
    await bot.set_chat_menu_button(menu_button=menu_button(words(None), url) if url else MenuButtonDefault())


async def save_mood(context: Context, t: Words, user: WebAppUser, probs: np.ndarray,
                    shown: Suggestion | None) -> str:
    """Record the camera's reading for ``user`` and send songs for it into their chat, as a selfie's reply would.

    The songs are the list the page shows (``shown``) when it is for this
    mood, else a new list chosen as for a selfie. The message is in the
    words ``t`` (the page's), the reading counts in /mood, /history and
    /stats, and the list has the selfie reply's buttons. Returns the emotion
    saved. Raises :class:`catalog.DailyLimit` past the day's readings or
    songs, :class:`catalog.Forgotten` when a /forget came meanwhile, and
    Telegram's error when the chat cannot be written to.
    """
    data = context.bot_data
    label = EMOTIONS[int(np.argmax(probs))]
    ranked = sorted(zip(EMOTIONS, probs.tolist()), key=lambda p: p[1], reverse=True)
    async with tracked(context, user.id, user.id, 0, language=t.locale) as work:
        if shown is not None and shown.mood == label:
            stored = await asyncio.to_thread(data.catalog.record_mood, user.id, probs.tolist(), SOURCE, work,
                                             data.settings.daily_readings)
            if stored is None:
                raise Forgotten
            heading, tracks = shown.heading, shown.tracks
        else:  # the reading is stored with its new list, in one transaction
            chosen, tracks = await pick_songs(data, user.id, user.language_code, work, probs.tolist(),
                                              reading=NewReading(probs.tolist(), SOURCE, data.settings.daily_readings))
            heading = replies.heading(t, label, chosen.strategy, chosen.target)
    text = replies.camera_summary(t, ranked) + "\n\n" + replies.songs_text(t, tracks, heading)
    await context.bot.send_message(user.id, text, reply_markup=replies.songs_keyboard(
        t, tracks, extra=[replies.correction_row(t, ranked)]))
    return label
