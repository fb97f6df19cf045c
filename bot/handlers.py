"""Telegram handlers: one small async function per kind of update, command and button.

The heavy work (decoding, detection, classification) runs in the bounded thread
pool ``context.bot_data.pool``, charts on their own thread; database calls run
in ``asyncio.to_thread``. The event loop only shuttles bytes, so one long video
never stalls other chats. Before any handler, :mod:`bot.privacy` drops group
messages not addressed to the bot and :mod:`bot.budget` spends the sender's
budget. Commands that show a person their own data live in
:mod:`bot.personal`. Messages are HTML by default (``Defaults`` in
``bot.app``); retries of sends happen in the request layer, where they are safe.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import SQLAlchemyError
from telegram import CallbackQuery, Message, Update, User
from telegram.constants import ChatAction, ChatType
from telegram.error import BadRequest, TelegramError
from telegram.ext import ApplicationHandlerStop

from bot import metrics, personal, replies, settings_menu
from bot.charts import video_chart
from bot.context import Context, words_of
from bot.download import TooLarge, TooSlow, Unavailable, fetch
from bot.i18n import Words, words
from bot.songs import record_and_send, send_songs, tracked
from bot.tracing import outcome
from bot.wording import command_words
from catalog import STRATEGIES, TARGETS, DailyLimit, Forgotten, NewReading
from catalog.content import WISHES
from model import ImageEmotion, InputError, MediaKind, media_kind
from model.annotate import annotated_jpeg

log = logging.getLogger(__name__)
T = TypeVar("T")


async def _in_pool(context: Context, fn: Callable[..., T], *args: object) -> T:
    return await asyncio.get_running_loop().run_in_executor(context.bot_data.pool, fn, *args)


def _msg(update: Update) -> Message:
    """The update's message: every message handler here is registered for updates that carry one."""
    assert update.effective_message is not None
    return update.effective_message


def _user(update: Update) -> User:
    """Its sender: the bot allows only message and callback-query updates, which always have one."""
    assert update.effective_user is not None
    return update.effective_user


def _query(update: Update) -> CallbackQuery:
    assert update.callback_query is not None
    return update.callback_query


# -- before any handler ---------------------------------------------------------------------
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


# -- media -----------------------------------------------------------------------------------
async def _admitted(update: Update, context: Context) -> Words | None:
    """Checks before any media work: within the user's rate limit (told once). The user's words when admitted."""
    user = _user(update)
    verdict = await context.bot_data.limiter.admit(user.id)
    if not verdict.allowed:
        metrics.RATE_LIMITED.inc()
        outcome("rate_limited")
        if verdict.tell:
            await _msg(update).reply_text(replies.rate_limited(words(user.language_code), verdict.wait))
        return None
    return await words_of(context, user)


async def _read_and_reply(t: Words, msg: Message, context: Context, user: User, file_id: str, size: int | None,
                          kind: MediaKind, work: int) -> None:
    """Answer one photo or video."""
    data = context.bot_data
    settings = data.settings
    if size and size > settings.max_file_bytes:  # the size the message declares: refused before any download
        outcome("too_large")
        await msg.reply_text(replies.too_large(t, settings.max_file_bytes))
        return
    try:
        blob = await fetch(context.bot, data.downloads, file_id, settings.max_file_bytes, settings.download_timeout)
    except TooLarge:
        outcome("too_large")
        await msg.reply_text(replies.too_large(t, settings.max_file_bytes))
        return
    except Unavailable:
        outcome("unavailable")
        await msg.reply_text(replies.unavailable(t))
        return
    except TooSlow:
        outcome("too_slow")
        await msg.reply_text(replies.too_slow(t))
        return
    if kind == "video":
        await context.bot.send_chat_action(msg.chat_id, ChatAction.TYPING)
    started = time.perf_counter()
    try:
        reading = await _in_pool(context, data.analyzer.analyze, blob, kind)
    except InputError as exc:
        outcome("bad_input")
        await msg.reply_text(replies.bad_input(t, exc))
        return
    finally:
        metrics.ANALYSIS_SECONDS.labels(kind).observe(time.perf_counter() - started)
    del blob
    found = replies.headline(t, reading)
    metrics.FACES.labels(kind, "found" if found else "none").inc()
    if found is None:
        outcome("no_face")
        await msg.reply_text(replies.no_face(t, reading), reply_markup=replies.mood_keyboard(t))
        return
    metrics.EMOTIONS.labels(found.label).inc()
    if isinstance(reading, ImageEmotion):
        picture = await _in_pool(context, annotated_jpeg, reading) if settings.send_annotated else None
    else:
        picture = await asyncio.get_running_loop().run_in_executor(data.charts, video_chart, t, reading)
    await send_songs(t, msg, context, user, work, found.probs, found.label, picture=picture,
                     summary=found.summary, extra=[replies.correction_row(t, found.ranked)],
                     reading=NewReading(found.probs, found.source, settings.daily_readings))


async def _analyse(t: Words, update: Update, context: Context, file_id: str, size: int | None,
                   kind: MediaKind) -> None:
    """Download, analyse and answer one photo or video, as tracked work that a shutdown or crash cannot lose."""
    msg, user = _msg(update), _user(update)
    data = context.bot_data
    if data.stopping:
        await msg.reply_text(replies.resend(t))
        return
    task = asyncio.current_task()
    assert task is not None
    async with tracked(context, user.id, msg.chat_id, msg.message_id, language=t.locale) as work:
        if data.stopping:  # shutdown began while this waited for the user's turn
            await msg.reply_text(replies.resend(t))
            return
        data.analyses[task] = (msg.chat_id, msg.message_id)
        try:
            async with data.in_flight:
                await _read_and_reply(t, msg, context, user, file_id, size, kind, work)
        except asyncio.CancelledError:  # shutdown ran out of grace: say so (if Telegram answers in time), then stop
            with contextlib.suppress(TelegramError, TimeoutError):
                async with asyncio.timeout(2):
                    await msg.reply_text(replies.resend(t))
            raise
        finally:
            data.analyses.pop(task, None)


async def on_photo(update: Update, context: Context) -> None:
    """A photo: find faces, read the largest one's emotion, send songs for it."""
    if t := await _admitted(update, context):
        photo = _msg(update).photo[-1]  # the largest size Telegram made
        await _analyse(t, update, context, photo.file_id, photo.file_size, "image")


async def on_video(update: Update, context: Context) -> None:
    """A video, round video note or GIF-like animation: mood over time, then songs."""
    if t := await _admitted(update, context):
        msg = _msg(update)
        media = msg.video or msg.video_note or msg.animation
        assert media is not None  # the handler's filter
        await _analyse(t, update, context, media.file_id, media.file_size, "video")


async def on_document(update: Update, context: Context) -> None:
    """A file: images and videos are analysed like photos and videos; anything else gets a pointer."""
    doc = _msg(update).document
    assert doc is not None  # the handler's filter
    mime = (doc.mime_type or "").lower()
    if not mime.startswith(("image/", "video/")):
        await _msg(update).reply_text(replies.not_media(await words_of(context, _user(update))))
    elif t := await _admitted(update, context):
        await _analyse(t, update, context, doc.file_id, doc.file_size, media_kind(doc.file_name or "", mime))


# -- commands --------------------------------------------------------------------------------
async def start(update: Update, context: Context) -> None:
    """/start: what to send, privacy in one line, and the settings button."""
    t = await words_of(context, _user(update))
    await _msg(update).reply_text(replies.start(t), reply_markup=replies.start_keyboard(t))


async def help_command(update: Update, context: Context) -> None:
    """/help: everything the bot can do."""
    await _msg(update).reply_text(replies.help_text(await words_of(context, _user(update))))


async def privacy(update: Update, context: Context) -> None:
    """/privacy: what is stored and what is not."""
    await _msg(update).reply_text(replies.privacy(await words_of(context, _user(update))))


async def playlist(update: Update, context: Context) -> None:
    """/playlist [mood] [match|lift] [target] [wish]: songs for a mood named by hand, or a fresh list for the latest.

    ``/playlist happy`` needs no selfie (the mood is recorded as picked by hand);
    ``/playlist lift calm`` goes from the latest mood toward calm; a wish
    (``/playlist christmas``, ``kids``, ``sleep``...) asks for content left out by default.
    """
    msg, user = _msg(update), _user(update)
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
    t = await words_of(context, _user(update))
    await _msg(update).reply_text(replies.forget_confirm(t), reply_markup=replies.forget_keyboard(t))


async def unknown_command(update: Update, context: Context) -> None:
    """Any other /command (in groups only those addressed to us get this far)."""
    await _msg(update).reply_text(replies.unknown_command(await words_of(context, _user(update))))


async def on_text(update: Update, context: Context) -> None:
    """Plain text in a private chat: point to what works."""
    await _msg(update).reply_text(replies.text_pointer(await words_of(context, _user(update))))


async def on_other(update: Update, context: Context) -> None:
    """Stickers, voice, audio, locations, contacts, polls... in a private chat: say what works."""
    await _msg(update).reply_text(replies.other_message(await words_of(context, _user(update))))


# -- buttons ---------------------------------------------------------------------------------
async def _usable(t: Words, query: CallbackQuery) -> Message | None:
    """The button's message, or None after answering the query when it is gone or not the presser's."""
    msg = query.message
    if not isinstance(msg, Message):  # too old, or the message was deleted
        await query.answer(replies.button_expired(t))
        return None
    return msg


async def on_feedback(update: Update, context: Context) -> None:
    """👍/👎 under a song: store the verdict and mark it on the keyboard."""
    query = _query(update)
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
    query = _query(update)
    t = await words_of(context, query.from_user)
    msg = await _usable(t, query)
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
    match = replies.MORE_BUTTON.match(_query(update).data or "")
    await _more_songs(update, context, "match", match.group("wish") if match else None)


async def on_lift(update: Update, context: Context) -> None:
    """🌈 Lift my mood: a list that moves from the presser's latest mood toward a better one."""
    await _more_songs(update, context, "lift")


async def on_mood_button(update: Update, context: Context) -> None:
    """A mood picked by hand from the buttons: songs for it."""
    query = _query(update)
    t = await words_of(context, query.from_user)
    msg = await _usable(t, query)
    if msg is None:
        return
    assert context.matches is not None
    await query.answer()
    async with tracked(context, query.from_user.id, msg.chat_id, msg.message_id, language=t.locale) as work:
        await record_and_send(t, msg, context, query.from_user, work, context.matches[0].group("mood"))


async def _own_button(t: Words, query: CallbackQuery) -> Message | None:
    """The button's message when the presser is the one who asked for it (in groups the reply quotes them)."""
    msg = await _usable(t, query)
    if msg is None:
        return None
    if msg.chat.type != ChatType.PRIVATE:
        asker = msg.reply_to_message.from_user if msg.reply_to_message else None
        if asker is None or asker.id != query.from_user.id:
            await query.answer(replies.not_your_button(t))
            return None
    return msg


async def on_forget_yes(update: Update, context: Context) -> None:
    """/forget confirmed: delete everything about the presser (their language setting too, so the answer is in the
    language the deletion found)."""
    query = _query(update)
    t = await words_of(context, query.from_user)
    if await _own_button(t, query) is None:
        return
    counts = await asyncio.to_thread(context.bot_data.catalog.forget, query.from_user.id)
    await query.answer(replies.forget_answered(t, True))
    await query.edit_message_text(replies.forgotten(t, counts))


async def on_forget_no(update: Update, context: Context) -> None:
    """/forget cancelled."""
    query = _query(update)
    t = await words_of(context, query.from_user)
    if await _own_button(t, query) is None:
        return
    await query.answer(replies.forget_answered(t, False))
    await query.edit_message_text(replies.kept_everything(t))


async def on_settings_page(update: Update, context: Context) -> None:
    """A settings page button (language, genres, song languages, back)."""
    query = _query(update)
    assert context.matches is not None
    name = context.matches[0].group("arg")
    t = await words_of(context, query.from_user)
    msg = await _own_button(t, query)
    if msg is None or await _settings_elsewhere(update, context, msg):
        return
    if name not in settings_menu.PAGES:
        await query.answer(replies.button_expired(t))
        return
    await query.answer()
    await personal.show_settings(query, context, name)


async def on_settings_change(update: Update, context: Context) -> None:
    """A settings toggle: saved at once, confirmed by editing the menu in place."""
    query = _query(update)
    assert context.matches is not None
    what, arg = context.matches[0].group("what"), context.matches[0].group("arg")
    msg = await _own_button(await words_of(context, query.from_user), query)
    if msg is None or await _settings_elsewhere(update, context, msg):
        return
    await personal.change_setting(query, context, what, arg)


async def _settings_elsewhere(update: Update, context: Context, msg: Message) -> bool:
    """A settings button pressed in a group (under /start): the settings are personal, so they open privately."""
    if msg.chat.type == ChatType.PRIVATE:
        return False
    await _query(update).answer()
    await personal.settings(update, context)
    return True


async def on_fix(update: Update, context: Context) -> None:
    """ "Was this right?" answered: the latest reading gets the user's label, and songs for it follow."""
    query = _query(update)
    t = await words_of(context, query.from_user)
    msg = await _own_button(t, query)
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
    query = _query(update)
    t = await words_of(context, query.from_user)
    msg = await _own_button(t, query)
    if msg is None:
        return
    await query.answer()
    await msg.reply_text(replies.which_mood(t), reply_markup=replies.fix_keyboard(t))


async def on_save(update: Update, context: Context) -> None:
    """💾 Save: keep the list's songs under the mood and the date (named in the user's language)."""
    query = _query(update)
    t = await words_of(context, query.from_user)
    msg = await _own_button(t, query)
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
    query = _query(update)
    t = await words_of(context, query.from_user)
    msg = await _usable(t, query)
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
    query = _query(update)
    await query.answer(replies.button_expired(await words_of(context, query.from_user)))


# -- errors ----------------------------------------------------------------------------------
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
