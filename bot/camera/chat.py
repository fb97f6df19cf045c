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
from bot.context import Context
from bot.live import Suggestion
from bot.songs import pick_songs, tracked
from catalog import EMOTIONS, Forgotten

SOURCE = "camera"
"""The source kind of a saved camera reading (``/history`` says "from the live camera")."""


async def camera(update: Update, context: Context) -> None:
    """/camera: a button that opens the live camera, or where to find it."""
    msg = update.effective_message
    assert msg is not None  # a command handler's update
    url = context.bot_data.settings.webapp_url
    if not url:
        await msg.reply_text(texts.OFF)
    elif msg.chat.type != ChatType.PRIVATE:
        await msg.reply_text(texts.in_private(context.bot.username), reply_markup=InlineKeyboardMarkup(
            [[InlineKeyboardButton(texts.PRIVATE_BUTTON, url=f"https://t.me/{context.bot.username}")]]))
    else:
        await msg.reply_text(texts.OPEN, reply_markup=InlineKeyboardMarkup(
            [[InlineKeyboardButton(texts.OPEN_BUTTON, web_app=WebAppInfo(url))]]))


async def set_menu_button(bot: Bot, url: str) -> None:
    """The menu button of every private chat: the camera when it is on, Telegram's default otherwise."""
    button = MenuButtonWebApp(texts.MENU_BUTTON, WebAppInfo(url)) if url else MenuButtonDefault()
    await bot.set_chat_menu_button(menu_button=button)


async def save_mood(context: Context, user: WebAppUser, probs: np.ndarray, shown: Suggestion | None) -> str:
    """Record the camera's reading for ``user`` and send songs for it into their chat, as a selfie's reply would.

    The songs are the list the page shows (``shown``) when it is for this
    mood, else a new list chosen as for a selfie. The reading counts in /mood,
    /history and /stats, and the list has the selfie reply's buttons. Returns
    the emotion saved. Raises :class:`catalog.DailyLimit` past the day's
    readings or songs, :class:`catalog.Forgotten` when a /forget came meanwhile,
    and Telegram's error when the chat cannot be written to.
    """
    data = context.bot_data
    label = EMOTIONS[int(np.argmax(probs))]
    ranked = sorted(zip(EMOTIONS, probs.tolist()), key=lambda p: p[1], reverse=True)
    async with tracked(context, user.id, user.id, 0) as work:
        stored = await asyncio.to_thread(data.catalog.record_mood, user.id, probs.tolist(), SOURCE, work,
                                         data.settings.daily_readings)
        if stored is None:
            raise Forgotten
        if shown is not None and shown.mood == label:
            heading, tracks = shown.heading, shown.tracks
        else:
            chosen, tracks = await pick_songs(data, user.id, user.language_code, work, probs.tolist(), label)
            heading = replies.heading(label, chosen.strategy, chosen.target)
    text = texts.saved(label, float(probs.max())) + "\n\n" + replies.songs_text(tracks, heading)
    await context.bot.send_message(user.id, text, reply_markup=replies.songs_keyboard(
        tracks, extra=[replies.correction_row(ranked)]))
    return label
