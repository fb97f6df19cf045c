"""Refusals, limits and errors: each says what happened and what to do next, never a stack trace."""

from __future__ import annotations

from html import escape

from bot.i18n import Words
from bot.wording import input_problem
from model import InputError


def unavailable(t: Words) -> str:
    return t.gettext("😕 I couldn't fetch that file from Telegram. Please send it again.")


def too_slow(t: Words) -> str:
    return t.gettext("🐌 That file took too long to download. Please send it again, or a smaller one.")


def resend(t: Words) -> str:
    return t.gettext("😓 I was restarted while reading this and couldn't finish. Please send it again.")


def forgotten_meanwhile(t: Words) -> str:
    return t.gettext("You asked me to forget you while I was working on this, so I kept nothing of it.")


def anonymous(t: Words) -> str:
    return t.gettext("🕶 You're posting as the group or a channel, so I can't tell who you are and keep nothing "
                     "personal: post as yourself, or message me privately.")


def sent_privately(t: Words) -> str:
    return t.gettext("📬 I've sent it to you privately.")


def button_expired(t: Words) -> str:
    return t.gettext("This button has expired.")


def not_your_button(t: Words) -> str:
    return t.gettext("This button belongs to someone else.")


def busy_error(t: Words) -> str:
    return t.gettext("😓 Something went wrong on my side. Please try again in a moment.")


def too_large(t: Words, limit_bytes: int) -> str:
    return t.gettext("That file is too large for me (the limit is {limit} MB). A shorter clip works better.").format(
        limit=t.number(limit_bytes // 1_000_000))


def rate_limited(t: Words, wait_seconds: float) -> str:
    return t.gettext("🐢 That's a lot of pictures at once! Please wait {seconds} s and send another.").format(
        seconds=max(1, round(wait_seconds)))


def slow_down(t: Words, wait_seconds: float) -> str:
    return t.gettext("🐢 That's a lot at once! Please wait {seconds} s, then try again.").format(
        seconds=max(1, round(wait_seconds)))


def daily_limit(t: Words, kind: str, limit: int) -> str:
    """The day's storage budget of one kind is spent (kinds of :class:`catalog.DailyLimit`)."""
    if kind == "readings":
        text = t.ngettext("📅 That's {n} mood reading in a day, the most I keep for one person. Please come back "
                          "tomorrow.", "📅 That's {n} mood readings in a day, the most I keep for one person. Please "
                          "come back tomorrow.", limit)
    elif kind == "songs":
        text = t.ngettext("📅 That's {n} suggested song in a day, the most I keep for one person. Please come back "
                          "tomorrow.", "📅 That's {n} suggested songs in a day, the most I keep for one person. "
                          "Please come back tomorrow.", limit)
    else:
        text = t.ngettext("📅 That's {n} saved list in a day, the most I keep for one person. Please come back "
                          "tomorrow.", "📅 That's {n} saved lists in a day, the most I keep for one person. Please "
                          "come back tomorrow.", limit)
    return text.format(n=t.number(limit))


def open_private_chat(t: Words, username: str) -> str:
    # Translators: "Start" is the button Telegram shows in a new chat with a bot: use its name in the user's app.
    return t.gettext("🔒 That's personal, so I show it only in a private chat: open {link}, press Start, then send "
                     "the command there.").format(link=f"https://t.me/{escape(username)}")


def bad_input(t: Words, error: InputError) -> str:
    return t.gettext("⚠️ I couldn't read that: {reason}.").format(reason=escape(input_problem(t, error)))
