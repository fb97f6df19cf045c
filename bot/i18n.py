"""The bot's words in the user's language: gettext catalogues in ``bot/locales``, managed with Babel.

English is the source language: messages are written in English where they are used and marked
for extraction (``t.gettext``, ``t.ngettext``, ``t.pgettext``, ``N_`` for a message named before its
language is known). ``make messages`` extracts them into ``bot/locales/messages.pot``, updates every
language's ``.po`` and compiles the ``.mo`` files the bot loads; the ``.mo`` files are committed, so a
fresh clone needs no extra step, and tests/test_i18n.py fails when any of them is behind the code.
Numbers, percentages and dates go through Babel in each language's own format. Messages use
``{name}`` placeholders filled with :meth:`str.format` after translation, so translators may move them.

One language setting per user decides both these words and the default languages of their songs:
the language chosen in /settings, else the one their Telegram app sends (``language_code``).
"""

from __future__ import annotations

import datetime as dt
import gettext
from functools import lru_cache
from pathlib import Path

from babel import Locale
from babel.dates import format_skeleton, get_datetime_format
from babel.numbers import format_decimal, format_percent

LOCALES_DIR = Path(__file__).parent / "locales"
DOMAIN = "messages"
ENGLISH = "en"
LANGUAGES: dict[str, str] = {
    "en": "English", "es": "Español", "pt_BR": "Português (Brasil)", "de": "Deutsch", "fr": "Français",
    "it": "Italiano", "ru": "Русский", "uk": "Українська", "tr": "Türkçe", "id": "Bahasa Indonesia",
}
"""The languages the bot speaks (Babel locale -> the language's name in itself), as the language page lists them."""


def N_(message: str) -> str:
    """Mark a message for extraction where it is defined; it is translated where it is shown."""
    return message


def negotiate(tag: str | None) -> str:
    """The shipped locale for an IETF language tag: "pt-br" -> pt_BR, "de-AT" -> de, "pt" -> pt_BR, "xx" -> en.

    The tag's language with its region first, then the language alone, then the language in any region
    shipped (Portuguese speakers get Brazilian Portuguese); English for anything else.
    """
    parts = (tag or "").strip().replace("-", "_").split("_")
    language = parts[0].lower()
    region = parts[1].upper() if len(parts) > 1 else ""
    for candidate in (f"{language}_{region}", language):
        if candidate in LANGUAGES:
            return candidate
    return next((code for code in LANGUAGES if code.split("_")[0] == language), ENGLISH)


def from_accept_language(header: str) -> str:
    """The shipped locale a browser asks for first (``Accept-Language: de-CH,de;q=0.9,en;q=0.8`` -> de); else English.

    For a web page loaded before its user is known; tags are tried by their weight, then in order.
    """
    ranked = []
    for i, part in enumerate(header.split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        weight = 1.0
        name, _, value = params.strip().partition("=")
        if name.strip().lower() == "q":
            try:
                weight = float(value)
            except ValueError:
                weight = 0.0
        if tag and tag != "*" and weight > 0:
            ranked.append((-weight, i, tag))
    for _, _, tag in sorted(ranked):
        locale = negotiate(tag)
        if locale != ENGLISH or tag.lower().split("-")[0] == "en":
            return locale
    return ENGLISH


def telegram_code(locale: str) -> str:
    """The two-letter code under which Telegram shows per-language commands and descriptions ("pt_BR" -> "pt")."""
    return locale.split("_")[0]


class Words:
    """Everything the bot says, in one language: translated messages and Babel's formatting of numbers and dates."""

    def __init__(self, locale: str, translations: gettext.NullTranslations):
        self.locale = locale
        self._translations = translations
        self._babel = Locale.parse(locale)

    def gettext(self, message: str) -> str:
        return self._translations.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        """The form for ``n`` by the language's plural rules (Russian and Ukrainian have three)."""
        return self._translations.ngettext(singular, plural, n)

    def pgettext(self, context: str, message: str) -> str:
        """A message whose translation depends on where it is used (a mood's name, a genre's name)."""
        return self._translations.pgettext(context, message)

    def percent(self, fraction: float) -> str:
        """0.82 -> "82%" in English, "82 %" in German, "%82" in Turkish."""
        return format_percent(fraction, locale=self._babel)

    def number(self, value: float, decimals: int = 0) -> str:
        """A number with the language's grouping and decimal signs: 40,000,000 / 40.000.000 / 40 000 000."""
        pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
        return format_decimal(value, format=pattern, locale=self._babel)

    def moment(self, at: dt.datetime) -> str:
        """A day and a 24-hour time in UTC, in the language's order: "Dec 4, 15:05", "4. Dez., 15:05"."""
        at = at.astimezone(dt.UTC)
        pattern = str(get_datetime_format("short", locale=self._babel))
        return pattern.replace("{1}", self.day_month(at)).replace("{0}", format_skeleton("Hm", at, locale=self._babel))

    def day(self, at: dt.date | dt.datetime) -> str:
        """A date with the year: "Dec 4, 2026", "4 дек. 2026 г."."""
        return format_skeleton("yMMMd", at, locale=self._babel)

    def day_month(self, at: dt.date | dt.datetime) -> str:
        """A short date for chart axes: "Dec 4", "4. Dez."."""
        return format_skeleton("MMMd", at, locale=self._babel)

    @property
    def language_name(self) -> str:
        return LANGUAGES[self.locale]


@lru_cache(maxsize=len(LANGUAGES))
def _words(locale: str) -> Words:
    if locale == ENGLISH:
        return Words(locale, gettext.NullTranslations())
    return Words(locale, gettext.translation(DOMAIN, LOCALES_DIR, languages=[locale]))


def words(tag: str | None) -> Words:
    """The words for a language tag (Telegram's ``language_code`` or a chosen locale); English when not shipped."""
    return _words(negotiate(tag))


def every_language() -> list[Words]:
    """The words of every shipped language, English first."""
    return [_words(code) for code in LANGUAGES]
