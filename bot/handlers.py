"""Telegram handlers: one small async function per kind of update.

The heavy work (decoding, detection, classification) runs in the bounded
thread pool in ``bot_data["pool"]``; database calls run in ``asyncio.to_thread``.
The event loop only shuttles bytes, so one long video never stalls other chats.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from telegram import Message, Update
from telegram.constants import ChatAction, ChatType, ParseMode
from telegram.error import BadRequest, NetworkError, RetryAfter
from telegram.ext import ContextTypes

from bot import replies
from bot.charts import mood_chart, video_chart
from bot.settings import BotSettings
from catalog import TARGETS, Catalog, Track
from model import EmotionAnalyzer, InputError, analyze_video
from model.annotate import annotate, encode_jpeg
from model.image import decode_image

log = logging.getLogger(__name__)
T = TypeVar("T")
Context = ContextTypes.DEFAULT_TYPE
SEND_RETRIES = 2


# -- plumbing ----------------------------------------------------------------------------
def _deps(context: Context) -> tuple[BotSettings, EmotionAnalyzer, Catalog]:
    data = context.bot_data
    return data["settings"], data["analyzer"], data["catalog"]


async def _in_pool(context: Context, fn: Callable[..., T], *args) -> T:
    return await asyncio.get_running_loop().run_in_executor(context.bot_data["pool"], fn, *args)


async def send(call: Callable[[], Awaitable[T]]) -> T:
    """Send with a couple of retries on network errors and 5xx (flood control is the rate limiter's job)."""
    for attempt in range(SEND_RETRIES + 1):
        try:
            return await call()
        except RetryAfter:
            raise
        except NetworkError as exc:
            if isinstance(exc, BadRequest) or attempt == SEND_RETRIES:
                raise
            log.warning("send failed (%s); retrying", exc)
            await asyncio.sleep(0.5 * (attempt + 1))
    raise AssertionError("unreachable")


def _addressed(update: Update, context: Context) -> bool:
    """Private chats: always. Groups: only media that mention the bot or reply to it."""
    msg = update.effective_message
    if msg is None or update.effective_chat is None:
        return False
    if update.effective_chat.type == ChatType.PRIVATE:
        return True
    replied = msg.reply_to_message
    if replied and replied.from_user and replied.from_user.id == context.bot.id:
        return True
    return f"@{context.bot.username}".lower() in (msg.caption or msg.text or "").lower()


def _allowed(update: Update, context: Context) -> float:
    return context.bot_data["limiter"].check(update.effective_user.id) if update.effective_user else 0.0


async def _download(msg: Message, context: Context, file_id: str, size: int | None) -> bytes | None:
    """The file's bytes, or None after telling the user it is too large."""
    settings, _, _ = _deps(context)
    if size and size > settings.max_file_bytes:
        await send(lambda: msg.reply_text(replies.too_large(settings.max_file_bytes)))
        return None
    try:
        tg_file = await context.bot.get_file(file_id)
    except BadRequest as exc:  # "File is too big" for files past the Bot API's limit
        log.info("getFile refused: %s", exc)
        await send(lambda: msg.reply_text(replies.too_large(settings.max_file_bytes)))
        return None
    data = bytes(await tg_file.download_as_bytearray())
    if len(data) > settings.max_file_bytes:
        await send(lambda: msg.reply_text(replies.too_large(settings.max_file_bytes)))
        return None
    return data


def _playlist(catalog: Catalog, user_id: int, probs: Sequence[float], strategy: str, target: str | None,
              n: int) -> list[Track]:
    return catalog.with_spotify(catalog.recommend(user_id, probs, strategy, target, n))


async def _send_songs(msg: Message, context: Context, user_id: int, probs: Sequence[float], heading: str,
                      strategy: str = "match", target: str | None = None, photo: bytes | None = None,
                      summary: str = "") -> None:
    """Pick songs for ``user_id`` and reply to ``msg`` (as a photo caption when a picture goes with them)."""
    settings, _, catalog = _deps(context)
    tracks = await asyncio.to_thread(_playlist, catalog, user_id, probs, strategy, target, settings.songs_per_list)
    text = (summary + "\n\n" if summary else "") + replies.songs_text(tracks, heading)
    keyboard = replies.songs_keyboard(tracks)
    if photo is not None and replies.visible_length(text) > replies.CAPTION_LIMIT:
        await send(lambda: msg.reply_photo(photo, caption=summary, parse_mode=ParseMode.HTML))
        photo, text = None, replies.songs_text(tracks, heading)  # long song titles: the list goes on its own
    if photo is not None:
        await send(lambda: msg.reply_photo(photo, caption=text, parse_mode=ParseMode.HTML, reply_markup=keyboard))
    else:
        await send(lambda: msg.reply_text(text, parse_mode=ParseMode.HTML, reply_markup=keyboard,
                                          disable_web_page_preview=True))


# -- media -------------------------------------------------------------------------------
def _photo_job(analyzer: EmotionAnalyzer, data: bytes, draw: bool):
    bgr = decode_image(data, analyzer.settings.max_pixels)
    faces = analyzer.analyze_array(bgr)
    picture = encode_jpeg(annotate(bgr, faces)) if draw and faces else None
    return faces, picture


async def _handle_image(update: Update, context: Context, file_id: str, size: int | None) -> None:
    msg = update.effective_message
    settings, analyzer, catalog = _deps(context)
    data = await _download(msg, context, file_id, size)
    if data is None:
        return
    try:
        faces, picture = await _in_pool(context, _photo_job, analyzer, data, settings.send_annotated)
    except InputError as exc:
        await send(lambda: msg.reply_text(replies.bad_input(str(exc)), parse_mode=ParseMode.HTML))
        return
    if not faces:
        await send(lambda: msg.reply_text(replies.NO_FACE))
        return
    main = faces[0]
    await asyncio.to_thread(catalog.record_mood, update.effective_user.id, main.probs, "photo")
    await _send_songs(msg, context, update.effective_user.id, main.probs, f"Songs for your {main.label} mood", photo=picture,
                      summary=replies.photo_summary(faces))


async def _handle_video(update: Update, context: Context, file_id: str, size: int | None, suffix: str) -> None:
    msg = update.effective_message
    _, analyzer, catalog = _deps(context)
    data = await _download(msg, context, file_id, size)
    if data is None:
        return
    await send(lambda: context.bot.send_chat_action(msg.chat.id, ChatAction.TYPING))
    try:
        video = await _in_pool(context, analyze_video, analyzer, data, suffix)
    except InputError as exc:
        await send(lambda: msg.reply_text(replies.bad_input(str(exc)), parse_mode=ParseMode.HTML))
        return
    if video.probs is None:
        await send(lambda: msg.reply_text(replies.NO_FACE_VIDEO))
        return
    await asyncio.to_thread(catalog.record_mood, update.effective_user.id, video.probs, "video")
    chart = await _in_pool(context, video_chart, video)
    await _send_songs(msg, context, update.effective_user.id, video.probs, f"Songs for your {video.label} mood", photo=chart,
                      summary=replies.video_summary(video))


async def _gate(update: Update, context: Context) -> bool:
    """Common checks before any media work: addressed to us, and within the user's rate limit."""
    if not _addressed(update, context):
        return False
    wait = _allowed(update, context)
    if wait > 0:
        await send(lambda: update.effective_message.reply_text(replies.rate_limited(wait)))
        return False
    return True


async def on_photo(update: Update, context: Context) -> None:
    """A photo: find faces, read the largest one's emotion, send songs for it."""
    if await _gate(update, context):
        photo = update.effective_message.photo[-1]  # the largest size Telegram made
        await _handle_image(update, context, photo.file_id, photo.file_size)


async def on_video(update: Update, context: Context) -> None:
    """A video, round video note or GIF-like animation: mood over time, then songs."""
    if await _gate(update, context):
        msg = update.effective_message
        media = msg.video or msg.video_note or msg.animation
        await _handle_video(update, context, media.file_id, media.file_size, ".mp4")


async def on_document(update: Update, context: Context) -> None:
    """A file: images and videos are analysed like photos and videos; anything else gets a pointer."""
    msg = update.effective_message
    if not _addressed(update, context):
        return
    doc = msg.document
    mime = (doc.mime_type or "").lower()
    if not (mime.startswith("image/") or mime.startswith("video/")):
        await send(lambda: msg.reply_text(replies.NOT_MEDIA))
        return
    if not await _gate(update, context):
        return
    if mime.startswith("video/") or mime == "image/gif":
        suffix = ".gif" if mime == "image/gif" else ".mp4"
        await _handle_video(update, context, doc.file_id, doc.file_size, suffix)
    else:
        await _handle_image(update, context, doc.file_id, doc.file_size)


# -- commands ----------------------------------------------------------------------------
async def start(update: Update, context: Context) -> None:
    """/start: what the bot does, privacy in one line."""
    await send(lambda: update.effective_message.reply_text(replies.START, parse_mode=ParseMode.HTML))


async def help_command(update: Update, context: Context) -> None:
    """/help: everything the bot can do."""
    await send(lambda: update.effective_message.reply_text(replies.HELP, parse_mode=ParseMode.HTML))


async def privacy(update: Update, context: Context) -> None:
    """/privacy: what is stored and what is not."""
    await send(lambda: update.effective_message.reply_text(replies.PRIVACY, parse_mode=ParseMode.HTML))


async def mood(update: Update, context: Context) -> None:
    """/mood: latest mood and a chart of the last 7 days."""
    _, _, catalog = _deps(context)
    msg = update.effective_message
    week = await asyncio.to_thread(catalog.mood_history, update.effective_user.id, 7)
    latest = week[0] if week else await asyncio.to_thread(catalog.latest_mood, update.effective_user.id)
    if latest is None:
        await send(lambda: msg.reply_text(replies.NO_MOOD_YET))
        return
    text = replies.mood_text(latest, week)
    if week:
        chart = await _in_pool(context, mood_chart, week)
        await send(lambda: msg.reply_photo(chart, caption=text, parse_mode=ParseMode.HTML))
    else:
        await send(lambda: msg.reply_text(text, parse_mode=ParseMode.HTML))


async def history(update: Update, context: Context) -> None:
    """/history: the last ten readings."""
    _, _, catalog = _deps(context)
    moods = await asyncio.to_thread(catalog.mood_history, update.effective_user.id, None, 10)
    await send(lambda: update.effective_message.reply_text(replies.history_text(moods), parse_mode=ParseMode.HTML))


async def playlist(update: Update, context: Context) -> None:
    """/playlist [match|lift] [target]: a fresh playlist for the latest mood."""
    _, _, catalog = _deps(context)
    msg = update.effective_message
    args = [a.lower() for a in context.args or []]
    strategy = "lift" if "lift" in args else "match"
    targets = [a for a in args if a in TARGETS]
    unknown = [a for a in args if a not in TARGETS and a not in ("match", "lift")]
    if unknown:
        await send(lambda: msg.reply_text(
            f"I don't know “{unknown[0]}”. Use /playlist [match|lift] [{'|'.join(TARGETS)}]"))
        return
    latest = await asyncio.to_thread(catalog.latest_mood, update.effective_user.id)
    if latest is None:
        await send(lambda: msg.reply_text(replies.NO_MOOD_YET))
        return
    target = targets[0] if targets else None
    heading = (f"From {latest.emotion} toward {target or 'a better mood'}" if strategy == "lift"
               else f"Songs for your {target or latest.emotion} mood")
    await _send_songs(msg, context, update.effective_user.id, latest.probs, heading, strategy, target)


async def forget(update: Update, context: Context) -> None:
    """/forget: ask for confirmation, then delete everything about the user."""
    await send(lambda: update.effective_message.reply_text(replies.FORGET_CONFIRM,
                                                           reply_markup=replies.forget_keyboard()))


async def unknown_command(update: Update, context: Context) -> None:
    """Any other /command: answered in private chats, and in groups only when addressed to us."""
    if _addressed(update, context):
        await send(lambda: update.effective_message.reply_text(replies.UNKNOWN_COMMAND))


async def on_text(update: Update, context: Context) -> None:
    """Plain text in a private chat: point to what works."""
    if update.effective_chat and update.effective_chat.type == ChatType.PRIVATE:
        await send(lambda: update.effective_message.reply_text(replies.TEXT_POINTER))


# -- buttons -----------------------------------------------------------------------------
async def on_button(update: Update, context: Context) -> None:
    """Inline buttons: 👍/👎 per song, 🔁 more, 🌈 lift, and the /forget confirmation."""
    query = update.callback_query
    _, _, catalog = _deps(context)
    user_id = query.from_user.id
    data = query.data or ""
    if data.startswith("fb:"):
        _, kind, song = data.split(":", 2)
        await asyncio.to_thread(catalog.give_feedback, user_id, int(song), kind)
        await send(lambda: query.answer("👍 Noted, more like this!" if kind == "like" else "👎 Got it, never again."))
        keyboard = query.message.reply_markup if query.message else None
        if keyboard:
            ids = [int(b.callback_data.split(":")[2]) for row in keyboard.inline_keyboard for b in row
                   if (b.callback_data or "").startswith("fb:like:")]
            tracks = await asyncio.to_thread(catalog.tracks, ids)
            votes = await asyncio.to_thread(catalog.feedback_of, user_id)
            try:
                await send(lambda: query.edit_message_reply_markup(replies.songs_keyboard(tracks, votes)))
            except BadRequest as exc:  # "message is not modified" when the same button is pressed twice
                log.debug("keyboard unchanged: %s", exc)
    elif data in ("more", "lift"):
        await send(lambda: query.answer())
        latest = await asyncio.to_thread(catalog.latest_mood, user_id)
        if latest is None:
            await send(lambda: query.message.reply_text(replies.NO_MOOD_YET))
            return
        heading = f"More for your {latest.emotion} mood" if data == "more" else f"From {latest.emotion} to a better mood"
        await _send_songs(query.message, context, user_id, latest.probs, heading, "match" if data == "more" else "lift")
    elif data == "forget:yes":
        counts = await asyncio.to_thread(catalog.forget, user_id)
        await send(lambda: query.answer("Deleted"))
        await send(lambda: query.edit_message_text(replies.forgotten(counts)))
    elif data == "forget:no":
        await send(lambda: query.answer("Nothing deleted"))
        await send(lambda: query.edit_message_text("OK, I kept everything."))
    else:
        await send(lambda: query.answer("This button has expired."))


async def on_error(update: object, context: Context) -> None:
    """Log every unhandled error and, where possible, tell the user something went wrong."""
    log.error("error while handling an update", exc_info=context.error)
    if isinstance(update, Update) and update.effective_message:
        try:
            await update.effective_message.reply_text(replies.BUSY_ERROR)
        except Exception:  # noqa: BLE001 - Telegram itself may be what failed
            log.warning("could not tell the user about the error")
