"""The /settings menu: one message, edited in place, with a page per kind of setting.

Pure functions from a user's :class:`catalog.Preferences` to the text and
inline keyboard of a page, and the parsing of the menu's callback data, so the
handlers stay small and the wording can be tested alone. Callback data stays
well under Telegram's 64 bytes (``set:fam:9``).
"""

from __future__ import annotations

import re
from html import escape

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from catalog import FAMILIES, Preferences

LANGUAGES = {"en": "English", "es": "Spanish", "pt": "Portuguese", "fr": "French", "de": "German",
             "it": "Italian", "ru": "Russian", "sv": "Swedish", "tr": "Turkish", "hi": "Hindi", "ja": "Japanese",
             "ko": "Korean", "zh": "Chinese", "id": "Indonesian", "ar": "Arabic"}
"""Languages offered on the settings page; a language the user's app set that is not here is shown too."""
SETTINGS_BUTTON = re.compile(r"^set:(?P<what>fam|lang|explicit|n|strategy):?(?P<arg>[a-z0-9+-]{0,12})$")
PAGE_BUTTON = re.compile(r"^set:page:(?P<arg>[a-z]{1,12})$")
PAGES = ("main", "genres", "languages")
_STRATEGY_NAMES = {None: "the mood's own", "match": "match my mood", "lift": "lift my mood"}


def _button(text: str, data: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=data)


def page(prefs: Preferences, name: str, learned: dict[str, float]) -> tuple[str, InlineKeyboardMarkup]:
    """Text and keyboard of one page of the menu."""
    if name == "genres":
        marks = {f: "💚" for f in prefs.liked_families} | {f: "🚫" for f in prefs.avoided_families}
        rows = [[_button(f"{marks.get(f, '▫️')} {f}", f"set:fam:{FAMILIES.index(f)}") for f in FAMILIES[i:i + 3]]
                for i in range(0, len(FAMILIES), 3)]
        text = ("<b>Genres</b>: tap once to prefer 💚, again to avoid 🚫, again to clear.\n"
                + _learned_line(learned))
        return text, InlineKeyboardMarkup([*rows, [_button("⬅️ Back", "set:page:main")]])
    if name == "languages":
        offered = list(_offered(prefs).items())
        rows = [[_button(f"{'✅' if code in prefs.languages else '▫️'} {label}", f"set:lang:{code}")
                 for code, label in offered[i:i + 3]] for i in range(0, len(offered), 3)]
        text = ("<b>Languages</b>: songs sung in the ones you tick (songs without words always fit); "
                "none ticked: any language.")
        return text, InlineKeyboardMarkup([*rows, [_button("⬅️ Back", "set:page:main")]])
    return summary(prefs, learned), InlineKeyboardMarkup([
        [_button("🎸 Genres", "set:page:genres"), _button("🌍 Languages", "set:page:languages")],
        [_button(f"🔞 Explicit songs: {'on' if prefs.explicit else 'off'}", "set:explicit")],
        [_button("➖", "set:n:-"), _button(f"{songs(prefs)} songs per list", "set:page:main"),
         _button("➕", "set:n:+")],
        [_button(f"🎚 Lists: {_STRATEGY_NAMES[prefs.strategy]}", "set:strategy")],
    ])


def _offered(prefs: Preferences) -> dict[str, str]:
    """The languages a user can tick: the usual ones and any their app's language added."""
    return LANGUAGES | {code: code for code in prefs.languages if code not in LANGUAGES}


def songs(prefs: Preferences, default: int = 5) -> int:
    return prefs.songs_per_list or default


def summary(prefs: Preferences, learned: dict[str, float]) -> str:
    liked = ", ".join(prefs.liked_families) or "any"
    avoided = ", ".join(prefs.avoided_families) or "none"
    languages = ", ".join(LANGUAGES.get(c, c) for c in prefs.languages) or "any"
    return (f"⚙️ <b>Your music settings</b> (saved at once)\n"
            f"Genres: {escape(liked)}; avoided: {escape(avoided)}\n"
            f"Languages: {escape(languages)}\n"
            f"Explicit songs: {'allowed' if prefs.explicit else 'left out'}\n"
            f"Songs per list: {songs(prefs)}; lists: {_STRATEGY_NAMES[prefs.strategy]}\n"
            + _learned_line(learned))


def _learned_line(learned: dict[str, float]) -> str:
    if not learned:
        return "Your 👍/👎 will teach me genres too."
    ranked = sorted(learned.items(), key=lambda kv: -kv[1])
    return "Learned from your 👍/👎: " + ", ".join(f"{escape(f)} {'+' if s > 0 else ''}{s:g}" for f, s in ranked)


def change(prefs: Preferences, what: str, arg: str) -> dict[str, object] | None:
    """The settings one press changes, or None when the data does not name a real change."""
    if what == "fam" and arg.isdigit() and int(arg) < len(FAMILIES):
        family = FAMILIES[int(arg)]
        liked, avoided = list(prefs.liked_families), list(prefs.avoided_families)
        if family in liked:  # prefer -> avoid
            liked.remove(family)
            avoided.append(family)
        elif family in avoided:  # avoid -> clear
            avoided.remove(family)
        else:
            liked.append(family)
        return {"liked_families": tuple(liked), "avoided_families": tuple(avoided)}
    if what == "lang" and arg in _offered(prefs):
        chosen = list(prefs.languages)
        return {"languages": tuple(c for c in chosen if c != arg) if arg in chosen else (*chosen, arg)}
    if what == "explicit" and not arg:
        return {"explicit": not prefs.explicit}
    if what == "n" and arg in ("+", "-"):
        n = min(10, max(3, songs(prefs) + (1 if arg == "+" else -1)))
        return {"songs_per_list": n}
    if what == "strategy" and not arg:
        order = [None, "match", "lift"]
        return {"strategy": order[(order.index(prefs.strategy) + 1) % len(order)]}
    return None
