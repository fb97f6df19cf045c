"""Photos, videos, video notes, GIFs and image files: admitted, downloaded into memory, read in the worker pool
and answered with the mood and its songs, as tracked work that a shutdown or crash cannot lose."""

from __future__ import annotations

import asyncio
import contextlib
import time

from telegram import Message, Update, User
from telegram.constants import ChatAction
from telegram.error import TelegramError

from bot import metrics, replies
from bot.charts import video_chart
from bot.context import Context, words_of
from bot.download import TooLarge, TooSlow, Unavailable, fetch
from bot.handlers.common import in_pool, message_of, user_of
from bot.i18n import Words, words
from bot.songs import send_songs, tracked
from bot.tracing import outcome
from catalog import NewReading
from model import ImageEmotion, InputError, MediaKind, media_kind
from model.annotate import annotated_jpeg


async def _admitted(update: Update, context: Context) -> Words | None:
    """Checks before any media work: within the user's rate limit (told once). The user's words when admitted."""
    user = user_of(update)
    verdict = await context.bot_data.limiter.admit(user.id)
    if not verdict.allowed:
        metrics.RATE_LIMITED.inc()
        outcome("rate_limited")
        if verdict.tell:
            await message_of(update).reply_text(replies.rate_limited(words(user.language_code), verdict.wait))
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
        reading = await in_pool(context, data.analyzer.analyze, blob, kind)
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
        picture = await in_pool(context, annotated_jpeg, reading) if settings.send_annotated else None
    else:
        picture = await asyncio.get_running_loop().run_in_executor(data.charts, video_chart, t, reading)
    await send_songs(t, msg, context, user, work, found.probs, found.label, picture=picture,
                     summary=found.summary, extra=[replies.correction_row(t, found.ranked)],
                     reading=NewReading(found.probs, found.source, settings.daily_readings))


async def _analyse(t: Words, update: Update, context: Context, file_id: str, size: int | None,
                   kind: MediaKind) -> None:
    """Download, analyse and answer one photo or video, as tracked work that a shutdown or crash cannot lose."""
    msg, user = message_of(update), user_of(update)
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
        photo = message_of(update).photo[-1]  # the largest size Telegram made
        await _analyse(t, update, context, photo.file_id, photo.file_size, "image")


async def on_video(update: Update, context: Context) -> None:
    """A video, round video note or GIF-like animation: mood over time, then songs."""
    if t := await _admitted(update, context):
        msg = message_of(update)
        media = msg.video or msg.video_note or msg.animation
        assert media is not None  # the handler's filter
        await _analyse(t, update, context, media.file_id, media.file_size, "video")


async def on_document(update: Update, context: Context) -> None:
    """A file: images and videos are analysed like photos and videos; anything else gets a pointer."""
    doc = message_of(update).document
    assert doc is not None  # the handler's filter
    mime = (doc.mime_type or "").lower()
    if not mime.startswith(("image/", "video/")):
        await message_of(update).reply_text(replies.not_media(await words_of(context, user_of(update))))
    elif t := await _admitted(update, context):
        await _analyse(t, update, context, doc.file_id, doc.file_size, media_kind(doc.file_name or "", mime))
