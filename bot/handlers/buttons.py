"""The buttons under replies: verdicts on songs, more songs, moods picked by hand, corrections, saved lists and
/forget's confirmation."""

from __future__ import annotations

import asyncio
import logging

from telegram import Message, Update
from telegram.error import BadRequest

from bot import replies
from bot.context import Context, words_of
from bot.handlers.common import own_button, query_of, usable
from bot.songs import record_and_send, send_songs, tracked
from catalog import DailyLimit, Forgotten

log = logging.getLogger(__name__)


async def on_feedback(update: Update, context: Context) -> None:
    """👍/👎 under a song: store the verdict and mark it on the keyboard."""
    query = query_of(update)
    catalog = context.bot_data.catalog
    t = await words_of(context, query.from_user)
    assert context.matches is not None
    kind, song = context.matches[0].group("kind"), int(context.matches[0].group("song"))
    msg = query.message
    where = (msg.chat.id, msg.message_id) if msg is not None else (query.from_user.id, 0)
    try:
        async with tracked(context, query.from_user.id, *where, wait_turn=False, language=t.locale) as work:
            known = await asyncio.to_thread(catalog.give_feedback, query.from_user.id, song, kind, work)
    except Forgotten:
        await query.answer(replies.forgotten_meanwhile(t))
        return
    if not known:
        await query.answer(replies.button_expired(t))
        return
    await query.answer(replies.feedback_noted(t, kind))
    if not isinstance(msg, Message) or msg.reply_markup is None:
        return
    ids = replies.song_ids(msg.reply_markup)
    tracks = await asyncio.to_thread(catalog.tracks, ids)
    votes = await asyncio.to_thread(catalog.feedback_of, query.from_user.id)
    keyboard = replies.songs_keyboard(t, tracks, votes, replies.extra_rows(msg.reply_markup),
                                      replies.wish_of(msg.reply_markup))
    try:
        await query.edit_message_reply_markup(keyboard)
    except BadRequest as exc:  # "message is not modified" when the same button is pressed twice
        log.debug("keyboard unchanged: %s", exc.message)


async def _more_songs(update: Update, context: Context, strategy: str, wish: str | None = None) -> None:
    query = query_of(update)
    t = await words_of(context, query.from_user)
    msg = await usable(t, query)
    if msg is None:
        return
    await query.answer()
    async with tracked(context, query.from_user.id, msg.chat_id, msg.message_id, language=t.locale) as work:
        latest = await asyncio.to_thread(context.bot_data.catalog.latest_mood, query.from_user.id)
        if latest is None and wish:  # as /playlist christmas without a mood: the wished songs, whatever the mood
            await send_songs(t, msg, context, query.from_user, work, "neutral", "neutral", strategy, wish=wish)
        elif latest is None:
            await msg.reply_text(replies.no_mood_yet(t), reply_markup=replies.mood_keyboard(t))
        else:
            await send_songs(t, msg, context, query.from_user, work, latest.music, latest.label, strategy, wish=wish)


async def on_more(update: Update, context: Context) -> None:
    """🔁 More: another list for the presser's latest mood, of the kind the list above was wished for, if any."""
    match = replies.MORE_BUTTON.match(query_of(update).data or "")
    await _more_songs(update, context, "match", match.group("wish") if match else None)


async def on_lift(update: Update, context: Context) -> None:
    """🌈 Lift my mood: a list that moves from the presser's latest mood toward a better one."""
    await _more_songs(update, context, "lift")


async def on_mood_button(update: Update, context: Context) -> None:
    """A mood picked by hand from the buttons: songs for it."""
    query = query_of(update)
    t = await words_of(context, query.from_user)
    msg = await usable(t, query)
    if msg is None:
        return
    assert context.matches is not None
    await query.answer()
    async with tracked(context, query.from_user.id, msg.chat_id, msg.message_id, language=t.locale) as work:
        await record_and_send(t, msg, context, query.from_user, work, context.matches[0].group("mood"))


async def on_forget_yes(update: Update, context: Context) -> None:
    """/forget confirmed: delete everything about the presser (their language setting too, so the answer is in the
    language the deletion found)."""
    query = query_of(update)
    t = await words_of(context, query.from_user)
    if await own_button(t, query) is None:
        return
    counts = await asyncio.to_thread(context.bot_data.catalog.forget, query.from_user.id)
    await query.answer(replies.forget_answered(t, True))
    await query.edit_message_text(replies.forgotten(t, counts))


async def on_forget_no(update: Update, context: Context) -> None:
    """/forget cancelled."""
    query = query_of(update)
    t = await words_of(context, query.from_user)
    if await own_button(t, query) is None:
        return
    await query.answer(replies.forget_answered(t, False))
    await query.edit_message_text(replies.kept_everything(t))


async def on_fix(update: Update, context: Context) -> None:
    """ "Was this right?" answered: the latest reading gets the user's label, and songs for it follow."""
    query = query_of(update)
    t = await words_of(context, query.from_user)
    msg = await own_button(t, query)
    if msg is None:
        return
    assert context.matches is not None
    emotion = context.matches[0].group("mood")
    fixed = await asyncio.to_thread(context.bot_data.catalog.correct_latest, query.from_user.id, emotion)
    if fixed is None:
        await query.answer(replies.button_expired(t))
        return
    await query.answer(replies.correction_noted(t, emotion))
    async with tracked(context, query.from_user.id, msg.chat_id, msg.message_id, language=t.locale) as work:
        await send_songs(t, msg, context, query.from_user, work, emotion, emotion)


async def on_fix_other(update: Update, context: Context) -> None:
    """ "Was this right?" with none of the runners-up: every emotion to choose from."""
    query = query_of(update)
    t = await words_of(context, query.from_user)
    msg = await own_button(t, query)
    if msg is None:
        return
    await query.answer()
    await msg.reply_text(replies.which_mood(t), reply_markup=replies.fix_keyboard(t))


async def on_save(update: Update, context: Context) -> None:
    """💾 Save: keep the list's songs under the mood and the date (named in the user's language)."""
    query = query_of(update)
    t = await words_of(context, query.from_user)
    msg = await own_button(t, query)
    if msg is None:
        return
    song_ids = replies.song_ids(msg.reply_markup) if msg.reply_markup else []
    if not song_ids:
        await query.answer(replies.button_expired(t))
        return
    catalog = context.bot_data.catalog
    latest = await asyncio.to_thread(catalog.latest_mood, query.from_user.id)
    name = replies.playlist_name(t, latest.label if latest else None, msg.date)
    try:
        async with tracked(context, query.from_user.id, msg.chat_id, msg.message_id, wait_turn=False,
                           language=t.locale) as work:
            await asyncio.to_thread(catalog.save_playlist, query.from_user.id, name, song_ids, work,
                                    context.bot_data.settings.daily_playlists)
    except Forgotten:
        await query.answer(replies.forgotten_meanwhile(t))
        return
    except DailyLimit as exc:
        await query.answer(replies.daily_limit(t, exc.kind, exc.limit), show_alert=True)
        return
    await query.answer(replies.saved_as(t, name))


async def on_saved_playlist(update: Update, context: Context) -> None:
    """A saved list's button: the list again, as plain text to forward."""
    query = query_of(update)
    t = await words_of(context, query.from_user)
    msg = await usable(t, query)
    if msg is None:
        return
    assert context.matches is not None
    found = await asyncio.to_thread(context.bot_data.catalog.saved_playlist, query.from_user.id,
                                    int(context.matches[0].group("id")))
    if found is None:
        await query.answer(replies.button_expired(t))
        return
    await query.answer()
    await msg.reply_text(replies.plain_playlist(*found))


async def on_stale_button(update: Update, context: Context) -> None:
    """Any other button data (old versions, forged): answered, nothing changed."""
    query = query_of(update)
    await query.answer(replies.button_expired(await words_of(context, query.from_user)))
