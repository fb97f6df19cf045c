"""Which languages a user hears: defaults from the language their Telegram app is set to.

Telegram sends an IETF language tag with every user (``en``, ``pt-br``, ``es-419``); a new user's list
is sung in that language and English (English alone for English speakers). Songs without vocals
(``zxx``, ISO 639-2 "no linguistic content") fit every user. ``/settings`` can widen or narrow the
choice, and an empty choice means every language.
"""

from __future__ import annotations

INSTRUMENTAL = "zxx"
ENGLISH = "en"


def base_language(code: str | None) -> str:
    """The ISO 639-1 part of a language tag: "pt-br" -> "pt", "EN_us" -> "en"; "" when there is none."""
    base = (code or "").strip().lower().replace("_", "-").split("-")[0]
    return base if base.isalpha() and 2 <= len(base) <= 3 else ""


def default_languages(code: str | None) -> tuple[str, ...]:
    """A new user's languages: their app's language, then English; no preference when the app says nothing."""
    base = base_language(code)
    if not base:
        return ()
    return (ENGLISH,) if base == ENGLISH else (base, ENGLISH)
