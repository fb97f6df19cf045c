"""The /settings menu: one message, edited in place, with a page per kind of setting.

Pure functions from a user's :class:`catalog.Preferences` to the text and
inline keyboard of a page, in the user's words, and the parsing of the menu's
callback data, so the handlers stay small and the wording can be tested alone.
Callback data stays well under Telegram's 64 bytes (``set:fam:9``) and is never
translated.
"""

from __future__ import annotations

import re
from html import escape

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import LANGUAGES, Words, negotiate
from bot.wording import family, sung_in
from catalog import FAMILIES, Preferences

SONG_LANGUAGES = ("en", "es", "pt", "fr", "de", "it", "ru", "uk", "sv", "tr", "hi", "ja", "ko", "zh", "id", "ar")
"""Languages of songs offered on the settings page; a language the user's app set that is not here is shown too."""
SETTINGS_BUTTON = re.compile(r"^set:(?P<what>fam|lang|explicit|n|strategy|speak):?(?P<arg>[a-z0-9+-]{0,12})$")
PAGE_BUTTON = re.compile(r"^set:page:(?P<arg>[a-z]{1,12})$")
PAGES = ("main", "genres", "languages", "speak")


def _button(text: str, data: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=data)


def _tag(locale: str) -> str:
    """A shipped locale as the menu's callback data and the stored setting carry it: "pt_BR" -> "pt-br"."""
    return locale.replace("_", "-").lower()


def page(t: Words, prefs: Preferences, name: str, learned: dict[str, float],
         app_language: str | None = None) -> tuple[str, InlineKeyboardMarkup]:
    """Text and keyboard of one page of the menu, in the words ``t`` of the user's language."""
    back = [_button(t.gettext("⬅️ Back"), "set:page:main")]
    if name == "genres":
        marks = {f: "💚" for f in prefs.liked_families} | {f: "🚫" for f in prefs.avoided_families}
        rows = [[_button(f"{marks.get(f, '▫️')} {family(t, f)}", f"set:fam:{FAMILIES.index(f)}")
                 for f in FAMILIES[i:i + 3]] for i in range(0, len(FAMILIES), 3)]
        text = t.gettext("<b>Genres</b>: tap once to prefer 💚, again to avoid 🚫, again to clear.") + "\n" \
            + _learned_line(t, learned)
        return text, InlineKeyboardMarkup([*rows, back])
    if name == "languages":
        offered = _offered(prefs)
        rows = [[_button(f"{'✅' if code in prefs.languages else '▫️'} {sung_in(t, code, capital=True)}",
                         f"set:lang:{code}") for code in offered[i:i + 3]] for i in range(0, len(offered), 3)]
        text = t.gettext("<b>Song languages</b>: songs sung in the ones you tick (songs without words always fit); "
                         "none ticked: any language.")
        return text, InlineKeyboardMarkup([*rows, back])
    if name == "speak":
        chosen = negotiate(prefs.language) if prefs.language else None
        app = LANGUAGES[negotiate(app_language)]
        rows = [[_button(f"{'✅' if chosen is None else '▫️'} 📱 " + t.gettext("As my Telegram app ({language})").format(
            language=app), "set:speak")]]
        choices = [_button(f"{'✅' if code == chosen else '▫️'} {native}", f"set:speak:{_tag(code)}")
                   for code, native in LANGUAGES.items()]
        rows += [choices[i:i + 2] for i in range(0, len(choices), 2)]
        text = t.gettext("<b>Language</b>: the one I speak, and the one your songs are sung in first (unless you "
                         "chose song languages yourself).")
        return text, InlineKeyboardMarkup([*rows, back])
    return summary(t, prefs, learned), InlineKeyboardMarkup([
        [_button("🗣 " + t.language_name, "set:page:speak")],
        [_button(t.gettext("🎸 Genres"), "set:page:genres"),
         _button(t.gettext("🌍 Song languages"), "set:page:languages")],
        [_button(t.gettext("🔞 Explicit songs: on") if prefs.explicit else t.gettext("🔞 Explicit songs: off"),
                 "set:explicit")],
        [_button("➖", "set:n:-"), _button(t.ngettext("{n} song per list", "{n} songs per list", songs(prefs)).format(
            n=songs(prefs)), "set:page:main"), _button("➕", "set:n:+")],
        [_button(t.gettext("🎚 Lists: {kind}").format(kind=_strategy_name(t, prefs.strategy)), "set:strategy")],
    ])


def _strategy_name(t: Words, strategy: str | None) -> str:
    return {None: t.gettext("the mood's own"), "match": t.gettext("match my mood"),
            "lift": t.gettext("lift my mood")}[strategy]


def _offered(prefs: Preferences) -> list[str]:
    """The song languages a user can tick: the usual ones and any their app's language added."""
    return [*SONG_LANGUAGES, *(code for code in prefs.languages if code not in SONG_LANGUAGES)]


def songs(prefs: Preferences, default: int = 5) -> int:
    return prefs.songs_per_list or default


def summary(t: Words, prefs: Preferences, learned: dict[str, float]) -> str:
    # Translators: "any" genre or language; "none" avoided.
    liked = ", ".join(family(t, f) for f in prefs.liked_families) or t.gettext("any")
    avoided = ", ".join(family(t, f) for f in prefs.avoided_families) or t.gettext("none")
    languages = ", ".join(sung_in(t, c) for c in prefs.languages) or t.gettext("any")
    speaks = (t.gettext("{language} (as your Telegram app)") if not prefs.language else "{language}").format(
        language=t.language_name)
    return "\n".join([
        t.gettext("⚙️ <b>Your settings</b> (saved at once)"),
        t.gettext("Language: {language}").format(language=escape(speaks)),
        t.gettext("Genres: {liked}; avoided: {avoided}").format(liked=escape(liked), avoided=escape(avoided)),
        t.gettext("Song languages: {languages}").format(languages=escape(languages)),
        t.gettext("Explicit songs: allowed") if prefs.explicit else t.gettext("Explicit songs: left out"),
        t.gettext("Songs per list: {n}; lists: {kind}").format(n=songs(prefs), kind=_strategy_name(t, prefs.strategy)),
        _learned_line(t, learned),
    ])


def _learned_line(t: Words, learned: dict[str, float]) -> str:
    if not learned:
        return t.gettext("Your 👍/👎 will teach me genres too.")
    ranked = sorted(learned.items(), key=lambda kv: -kv[1])
    return t.gettext("Learned from your 👍/👎: {genres}").format(
        genres=", ".join(f"{escape(family(t, f))} {'+' if s > 0 else ''}{s:g}" for f, s in ranked))


def change(prefs: Preferences, what: str, arg: str) -> dict[str, object] | None:
    """The settings one press changes, or None when the data does not name a real change."""
    if what == "fam" and arg.isdigit() and int(arg) < len(FAMILIES):
        genre = FAMILIES[int(arg)]
        liked, avoided = list(prefs.liked_families), list(prefs.avoided_families)
        if genre in liked:  # prefer -> avoid
            liked.remove(genre)
            avoided.append(genre)
        elif genre in avoided:  # avoid -> clear
            avoided.remove(genre)
        else:
            liked.append(genre)
        return {"liked_families": tuple(liked), "avoided_families": tuple(avoided)}
    if what == "lang" and arg in _offered(prefs):
        chosen = list(prefs.languages)
        return {"languages": tuple(c for c in chosen if c != arg) if arg in chosen else (*chosen, arg)}
    if what == "speak" and (not arg or arg in {_tag(code) for code in LANGUAGES}):
        return {"language": arg}
    if what == "explicit" and not arg:
        return {"explicit": not prefs.explicit}
    if what == "n" and arg in ("+", "-"):
        n = min(10, max(3, songs(prefs) + (1 if arg == "+" else -1)))
        return {"songs_per_list": n}
    if what == "strategy" and not arg:
        order = [None, "match", "lift"]
        return {"strategy": order[(order.index(prefs.strategy) + 1) % len(order)]}
    return None
