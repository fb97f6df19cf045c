"""Song lists as replies, and the bookkeeping that keeps every write of a reply safe from a /forget.

A handler that stores something (a reading, the songs it suggests, a like, a
setting, a saved list) first notes pending work (:func:`tracked`) and hands its
id to every write. ``/forget`` deletes the user's pending work with their data,
so a write that comes after it stores nothing and raises
:class:`catalog.Forgotten` instead of bringing the user back. A user's tracked
work also runs one piece at a time: the actions a flood gets past the budget
wait their turn instead of filling the database threads that everyone shares.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from telegram import InlineKeyboardButton, Message, User
from telegram.error import BadRequest

from bot import metrics, replies
from bot.context import BotData, Context
from bot.i18n import Words
from catalog import EMOTIONS, DailyLimit, Forgotten, NewReading, Plan, Track
from catalog.moods import one_hot

log = logging.getLogger(__name__)


@asynccontextmanager
async def tracked(context: Context, user_id: int, chat_id: int, message_id: int,
                  wait_turn: bool = True, language: str = "") -> AsyncIterator[int]:
    """Pending work for the block's writes (its id to pass them), ended however the block ends.

    The work is kept alive by the housekeeping heartbeat while the block runs
    (``BotData.working``), so no replica takes it for a crashed one's. With
    ``wait_turn`` the block waits for the user's earlier work; a button press
    that makes one small write does not, so that its spinner is answered at once
    even while the user's video is being read. ``language`` (the user's locale) is
    the one a lost piece of work is apologised in.
    """
    data = context.bot_data
    async with data.turns.turn(user_id) if wait_turn else contextlib.nullcontext():
        work = await asyncio.to_thread(data.catalog.begin_work, user_id, chat_id, message_id, language)
        data.working[work] = (chat_id, message_id)
        try:
            yield work
        finally:
            del data.working[work]
            await asyncio.to_thread(data.catalog.end_work, work)


async def pick_songs(data: BotData, user_id: int, language_code: str | None, work: int,
                     mood: Sequence[float] | str, strategy: str | None = None, target: str | None = None,
                     wish: str | None = None, reading: NewReading | None = None) -> tuple[Plan, list[Track]]:
    """The list for a reply, remembered for the user (off the event loop); :func:`send_songs` says what it follows.

    A ``reading`` is stored with the list, in one transaction. Raises :class:`catalog.Forgotten` or
    :class:`catalog.DailyLimit` as ``Catalog.song_list`` does.
    """
    def pick() -> tuple[Plan, list[Track]]:
        with metrics.RECOMMEND_SECONDS.time():
            made = data.catalog.song_list(user_id, mood, strategy, target, work=work, per_day=data.settings.daily_songs,
                                          wish=wish, reading=reading, language_code=language_code,
                                          length=data.settings.songs_per_list)
            return made.plan, data.catalog.with_spotify(made.tracks)

    return await asyncio.to_thread(pick)


async def send_songs(t: Words, msg: Message, context: Context, user: User, work: int, mood: Sequence[float] | str,
                     emotion: str, strategy: str | None = None, target: str | None = None,
                     picture: bytes | None = None, summary: str = "",
                     extra: Sequence[Sequence[InlineKeyboardButton]] = (), wish: str | None = None,
                     reading: NewReading | None = None) -> None:
    """Pick songs for ``user`` and reply to ``msg``: as the picture's caption when it fits, else apart.

    The list follows :func:`catalog.plan` (what the user asked for, then their
    settings, then the mood's default), which the heading names too. Until the
    user changes a setting, their language (``t``: chosen, or their Telegram
    app's) picks the songs' languages. A ``reading`` is stored with the list, in
    one transaction. A reading or a list past the user's daily budget, or after a
    /forget, is not sent: the reply says why.
    """
    data = context.bot_data
    try:
        chosen, tracks = await pick_songs(data, user.id, user.language_code, work, mood, strategy, target, wish,
                                          reading)
    except Forgotten:
        await msg.reply_text(replies.forgotten_meanwhile(t))
        return
    except DailyLimit as exc:
        await msg.reply_text(replies.daily_limit(t, exc.kind, exc.limit))
        return
    heading = replies.heading(t, emotion, chosen.strategy, chosen.target)
    keyboard = replies.songs_keyboard(t, tracks, extra=extra, wish=wish)
    if picture is not None:
        caption = replies.photo_caption(t, summary, tracks, heading)
        try:
            await msg.reply_photo(picture, caption=caption or summary, reply_markup=keyboard if caption else None)
            if caption:
                return
            summary = ""
        except BadRequest as exc:  # a picture Telegram will not take: the words still go
            log.warning("photo refused (%s); replying with text", exc.message)
    text = (summary + "\n\n" if summary else "") + replies.songs_text(t, tracks, heading)
    await msg.reply_text(text, reply_markup=keyboard)


async def record_and_send(t: Words, msg: Message, context: Context, user: User, work: int, name: str,
                          strategy: str | None = None, wish: str | None = None) -> None:
    """Songs for a mood picked by hand; an emotion is recorded as a reading picked by hand, calm/energetic are not."""
    reading = (NewReading(one_hot(name), "manual", context.bot_data.settings.daily_readings) if name in EMOTIONS
               else None)
    await send_songs(t, msg, context, user, work, name, name, strategy, wish=wish, reading=reading)
