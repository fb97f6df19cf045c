"""Commands and buttons that show a person their own data: mood chart, history, settings, saved lists, stats.

Each one goes through :func:`bot.privacy.send_personal`, so that from a group
it reaches the person's private chat and never the group. Charts are drawn on
their own thread (``BotData.charts``), never in the analysis pool, so a flood of
/mood does not delay anyone's photo.
"""

from __future__ import annotations

import asyncio
import logging

from telegram import CallbackQuery, Update, User
from telegram.error import BadRequest

from bot import replies, settings_menu
from bot.charts import mood_chart
from bot.context import Context, words_of
from bot.i18n import Words, words
from bot.privacy import send_personal
from bot.songs import tracked
from catalog import Forgotten, Preferences

log = logging.getLogger(__name__)


def _user(update: Update) -> User:
    assert update.effective_user is not None  # message updates from a person (bot.privacy.no_anonymous)
    return update.effective_user


async def mood(update: Update, context: Context) -> None:
    """/mood: latest mood and a chart of the last 7 days."""
    catalog, bot, user = context.bot_data.catalog, context.bot, _user(update)
    t = await words_of(context, user)
    week = await asyncio.to_thread(catalog.mood_history, user.id, 7)
    latest = week[0] if week else await asyncio.to_thread(catalog.latest_mood, user.id)
    if latest is None:
        await send_personal(t, update, context, lambda chat: bot.send_message(
            chat, replies.no_mood_yet(t), reply_markup=replies.mood_keyboard(t)))
        return
    text = replies.mood_text(t, latest, week)
    if not week:
        await send_personal(t, update, context, lambda chat: bot.send_message(chat, text))
        return
    chart = await asyncio.get_running_loop().run_in_executor(context.bot_data.charts, mood_chart, t, week)
    await send_personal(t, update, context, lambda chat: bot.send_photo(chat, chart, caption=text))


async def history(update: Update, context: Context) -> None:
    """/history: the last ten readings."""
    user = _user(update)
    t = await words_of(context, user)
    moods = await asyncio.to_thread(context.bot_data.catalog.mood_history, user.id, None, 10)
    await send_personal(t, update, context, lambda chat: context.bot.send_message(
        chat, replies.history_text(t, moods), reply_markup=None if moods else replies.mood_keyboard(t)))


async def playlists(update: Update, context: Context) -> None:
    """/playlists: the saved lists, each a button."""
    user = _user(update)
    t = await words_of(context, user)
    saved = await asyncio.to_thread(context.bot_data.catalog.saved_playlists, user.id)
    await send_personal(t, update, context, lambda chat: context.bot.send_message(
        chat, replies.playlists_text(t, saved), reply_markup=replies.playlists_keyboard(t, saved)))


async def stats(update: Update, context: Context) -> None:
    """/stats: how often the bot read this user's mood right (by their corrections)."""
    user = _user(update)
    t = await words_of(context, user)
    counts = await asyncio.to_thread(context.bot_data.catalog.corrections, user.id)
    await send_personal(t, update, context, lambda chat: context.bot.send_message(chat, replies.stats_text(t, counts)))


async def settings(update: Update, context: Context) -> None:
    """/settings: the menu, one message edited in place."""
    user = _user(update)
    t, prefs, learned = await asyncio.to_thread(_taste_of, context, user)
    text, keyboard = settings_menu.page(t, prefs, "main", learned, user.language_code)
    await send_personal(t, update, context, lambda chat: context.bot.send_message(chat, text, reply_markup=keyboard))


def _taste_of(context: Context, user: User) -> tuple[Words, Preferences, dict[str, float]]:
    """The user's words and settings (languages from their app's language until they choose) and what likes taught."""
    catalog = context.bot_data.catalog
    prefs = catalog.preferences(user.id, user.language_code)
    return words(prefs.language or user.language_code), prefs, catalog.learned_families(user.id)


async def show_settings(query: CallbackQuery, context: Context, name: str) -> None:
    """Edit the menu in place to show page ``name`` with the settings as stored now, in the language stored now."""
    t, prefs, learned = await asyncio.to_thread(_taste_of, context, query.from_user)
    text, keyboard = settings_menu.page(t, prefs, name, learned, query.from_user.language_code)
    try:
        await query.edit_message_text(text, reply_markup=keyboard)
    except BadRequest as exc:  # "message is not modified": the page is already shown
        log.debug("settings page unchanged: %s", exc.message)


async def change_setting(query: CallbackQuery, context: Context, what: str, arg: str) -> None:
    """Apply one settings press atomically, and say "Saved" only when something was (in the language chosen now)."""
    msg = query.message
    assert msg is not None  # the caller checked the button is the presser's (bot.handlers.common.own_button)
    catalog = context.bot_data.catalog

    def change(prefs: Preferences) -> dict[str, object] | None:
        return settings_menu.change(prefs, what, arg)

    try:
        async with tracked(context, query.from_user.id, msg.chat.id, msg.message_id, wait_turn=False) as work:
            changed = await asyncio.to_thread(catalog.change_preferences, query.from_user.id, change, work,
                                              query.from_user.language_code)
    except Forgotten:
        await query.answer(replies.forgotten_meanwhile(words(query.from_user.language_code)))
        return
    if changed is None:
        await query.answer(replies.button_expired(await words_of(context, query.from_user)))
        return
    before, after = changed
    t = words(after.language or query.from_user.language_code)
    await query.answer(t.gettext("Saved") if after != before else t.gettext("Nothing to change"))
    await show_settings(query, context, {"fam": "genres", "lang": "languages", "speak": "speak"}.get(what, "main"))
