"""Song lists: their text, a photo's caption with its songs, the buttons under them and what a pressed button
carries back."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import Words
from bot.replies.common import CAPTION_LIMIT, EMOJI, FEEDBACK_BUTTON, MORE_BUTTON, mood_label, visible_length
from bot.wording import mood, reason
from catalog import Track


def songs_text(t: Words, tracks: Sequence[Track], heading: str, reasons: str = "full") -> str:
    """A numbered song list with both links per song and each song's reason: ``reasons`` "full", "brief" (its place
    in the list only) or "none"."""
    if not tracks:
        return t.gettext("🎧 I've run out of new songs for this mood — try 🌈 or come back later.")
    lines = [f"🎧 <b>{escape(heading)}</b>"]
    for i, s in enumerate(tracks, 1):
        why = f"\n    <i>{escape(reason(t, s.reason, reasons == 'brief'))}</i>" if s.reason and reasons != "none" \
            else ""
        lines.append(f"{i}. <b>{escape(s.title)}</b> — {escape(s.artist)}{why}\n"
                     f"    <a href=\"{escape(s.link)}\">Spotify</a> · "
                     f"<a href=\"{escape(s.youtube_search)}\">YouTube</a>")
    return "\n".join(lines)


def photo_caption(t: Words, summary: str, tracks: Sequence[Track], heading: str) -> str | None:
    """The reading and its songs as one caption, within Telegram's 1024 characters; None when even the songs
    without reasons leave too little room (they then follow in a message of their own, with their reasons).

    Reasons are shortened to each song's place in the list, then left out, before the songs leave the caption,
    so a list that fits in English fits in a language that takes more words to say the same.
    """
    head = summary + "\n\n" if summary else ""
    for reasons in ("full", "brief", "none"):
        caption = head + songs_text(t, tracks, heading, reasons)
        if visible_length(caption) <= CAPTION_LIMIT:
            return caption
    return None


def heading(t: Words, emotion: str, strategy: str, target: str | None) -> str:
    """The title of a song list: what it fits, or where a lift starts and where it goes."""
    if strategy == "lift":
        return t.gettext("From {mood} toward {target}").format(mood=mood(t, emotion), target=mood(t, target or ""))
    return t.gettext("Songs for your {mood} mood").format(mood=mood(t, emotion))


def songs_keyboard(t: Words, tracks: Sequence[Track], feedback: dict[int, str] | None = None,
                   extra: Sequence[Sequence[InlineKeyboardButton]] = (),
                   wish: str | None = None) -> InlineKeyboardMarkup:
    """👍/👎 per song (✅ marks the stored verdict), 'more', 'lift my mood' and 'save', then ``extra`` rows.

    A list made for a wish (``/playlist christmas``) carries it in its 🔁 button, so "more" means more of those.
    """
    feedback = feedback or {}
    rows = []
    for i, s in enumerate(tracks, 1):
        kind = feedback.get(s.id)
        rows.append([
            InlineKeyboardButton(f"{'✅' if kind == 'like' else '👍'} {i}", callback_data=f"fb:like:{s.id}"),
            InlineKeyboardButton(f"{'✅' if kind == 'dislike' else '👎'} {i}", callback_data=f"fb:dislike:{s.id}"),
        ])
    rows.append([InlineKeyboardButton(t.gettext("🔁 More"), callback_data=f"more:{wish}" if wish else "more"),
                 InlineKeyboardButton(t.gettext("🌈 Lift my mood"), callback_data="lift"),
                 InlineKeyboardButton(t.gettext("💾 Save"), callback_data="save")])
    return InlineKeyboardMarkup([*rows, *[list(r) for r in extra]])


def mood_keyboard(t: Words) -> InlineKeyboardMarkup:
    """Every mood as a button, three to a row, for picking one by hand."""
    buttons = [InlineKeyboardButton(mood_label(t, name), callback_data=f"mood:{name}") for name in EMOJI]
    return InlineKeyboardMarkup([buttons[i:i + 3] for i in range(0, len(buttons), 3)])


def correction_row(t: Words, ranked: Sequence[tuple[str, float]]) -> list[InlineKeyboardButton]:
    """ "Was this right?": the two runners-up and "other", under a reading."""
    # Translators: a button under a reading, before another mood: "Not happy? 😐 neutral".
    first = t.gettext("Not {mood}?").format(mood=mood(t, ranked[0][0]))
    runners_up = [InlineKeyboardButton(f"{first} {mood_label(t, e)}" if i == 0 else mood_label(t, e),
                                       callback_data=f"fix:{e}") for i, (e, _) in enumerate(ranked[1:3])]
    return [*runners_up, InlineKeyboardButton(t.gettext("other…"), callback_data="fix:other")]


def fix_keyboard(t: Words) -> InlineKeyboardMarkup:
    emotions = [e for e in EMOJI if e not in ("calm", "energetic")]
    buttons = [InlineKeyboardButton(mood_label(t, e), callback_data=f"fix:{e}") for e in emotions]
    return InlineKeyboardMarkup([buttons[i:i + 4] for i in range(0, len(buttons), 4)])


def which_mood(t: Words) -> str:
    return t.gettext("Which mood was it?")


def extra_rows(keyboard: InlineKeyboardMarkup) -> list[tuple[InlineKeyboardButton, ...]]:
    """The rows of a song keyboard below its song and more/lift/save rows (the correction row)."""
    return [tuple(row) for row in keyboard.inline_keyboard
            if any(isinstance(b.callback_data, str) and b.callback_data.startswith("fix:") for b in row)]


def wish_of(keyboard: InlineKeyboardMarkup) -> str | None:
    """The wish a song keyboard's 🔁 button carries, if any."""
    found = (MORE_BUTTON.match(b.callback_data) for row in keyboard.inline_keyboard for b in row
             if isinstance(b.callback_data, str))
    return next((m.group("wish") for m in found if m), None)


def song_ids(keyboard: InlineKeyboardMarkup) -> list[int]:
    """The songs of a song keyboard, in order, read from its 👍 buttons."""
    found = (FEEDBACK_BUTTON.match(b.callback_data) for row in keyboard.inline_keyboard for b in row
             if isinstance(b.callback_data, str))
    return [int(m.group("song")) for m in found if m and m.group("kind") == "like"]


def feedback_noted(t: Words, kind: str) -> str:
    return t.gettext("👍 Noted, more like this!") if kind == "like" else t.gettext("👎 Got it, never again.")


def correction_noted(t: Words, emotion: str) -> str:
    return t.gettext("Thanks! Noted: {mood}").format(mood=mood(t, emotion))
