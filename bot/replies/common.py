"""What several kinds of reply share: the buttons' callback data, each mood's emoji and Telegram's limits."""

from __future__ import annotations

import re
from html import escape, unescape

from bot.i18n import Words
from bot.wording import mood
from catalog.content import WISHES

FEEDBACK_BUTTON = re.compile(r"^fb:(?P<kind>like|dislike):(?P<song>\d{1,9})$")
"""Callback data of a song's 👍/👎 button; anything else claiming to be one is refused."""


CAPTION_LIMIT = 1024
"""Telegram counts a caption's visible characters (tags and link targets are free)."""


EMOJI = {"angry": "😠", "disgust": "🤢", "fear": "😨", "happy": "😄", "sad": "😢", "surprise": "😲",
         "neutral": "😐", "calm": "😌", "energetic": "⚡"}


MOOD_BUTTON = re.compile(r"^mood:(?P<mood>" + "|".join(EMOJI) + r")$")
"""Callback data of a mood picked by hand: the seven emotions, calm and energetic."""


FIX_BUTTON = re.compile(r"^fix:(?P<mood>angry|disgust|fear|happy|sad|surprise|neutral)$")


SAVED_BUTTON = re.compile(r"^pl:(?P<id>\d{1,9})$")


MORE_BUTTON = re.compile(r"^more(?::(?P<wish>" + "|".join(sorted(set(WISHES.values()))) + r"))?$")
"""Callback data of 🔁: another list, of the wished kind (``more:holiday``) under a wished list."""


def visible_length(html_text: str) -> int:
    """Length of a Telegram HTML message as Telegram counts it: without tags, entities decoded."""
    return len(unescape(re.sub(r"<[^>]+>", "", html_text)))


def mood_label(t: Words, name: str) -> str:
    """A mood with its emoji: "😢 sad"."""
    return f"{EMOJI[name]} {mood(t, name)}"


def mood_line(t: Words, label: str, confidence: float) -> str:
    return f"{EMOJI[label]} <b>{escape(mood(t, label))}</b> ({t.percent(confidence)})"
