"""The /settings menu's buttons: a page opened, a setting changed in place, and the menu moved to the private chat
when pressed in a group."""

from __future__ import annotations

from telegram import Message, Update
from telegram.constants import ChatType

from bot import personal, replies, settings_menu
from bot.context import Context, words_of
from bot.handlers.common import own_button, query_of


async def on_settings_page(update: Update, context: Context) -> None:
    """A settings page button (language, genres, song languages, back)."""
    query = query_of(update)
    assert context.matches is not None
    name = context.matches[0].group("arg")
    t = await words_of(context, query.from_user)
    msg = await own_button(t, query)
    if msg is None or await _settings_elsewhere(update, context, msg):
        return
    if name not in settings_menu.PAGES:
        await query.answer(replies.button_expired(t))
        return
    await query.answer()
    await personal.show_settings(query, context, name)


async def on_settings_change(update: Update, context: Context) -> None:
    """A settings toggle: saved at once, confirmed by editing the menu in place."""
    query = query_of(update)
    assert context.matches is not None
    what, arg = context.matches[0].group("what"), context.matches[0].group("arg")
    msg = await own_button(await words_of(context, query.from_user), query)
    if msg is None or await _settings_elsewhere(update, context, msg):
        return
    await personal.change_setting(query, context, what, arg)


async def _settings_elsewhere(update: Update, context: Context, msg: Message) -> bool:
    """A settings button pressed in a group (under /start): the settings are personal, so they open privately."""
    if msg.chat.type == ChatType.PRIVATE:
        return False
    await query_of(update).answer()
    await personal.settings(update, context)
    return True
