"""A person's own data as the bot shows it: moods, history, saved lists, statistics, and /forget."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from html import escape

from babel.lists import format_list
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import Words
from bot.replies.common import EMOJI, mood_label, mood_line
from bot.replies.guide import no_mood_yet
from bot.wording import mood
from catalog import Mood, SavedList, Track


def forget_confirm(t: Words) -> str:
    return t.gettext("This deletes your whole mood history, suggestions, likes and settings. Are you sure?")


def playlist_name(t: Words, label: str | None, on: dt.date) -> str:
    """A saved list's name: its mood and the day, in the user's language when it was saved."""
    return f"{mood(t, label) if label else t.gettext('mixed')} · {t.day(on)}"


def saved_as(t: Words, name: str) -> str:
    return t.gettext("Saved as “{name}”: see /playlists").format(name=name)


def playlists_text(t: Words, saved: Sequence[SavedList]) -> str:
    if not saved:
        return t.gettext("No saved playlists yet: press 💾 Save under a song list.")
    return t.gettext("<b>Your saved playlists</b> (tap one to get it as a message you can forward)")


def playlists_keyboard(t: Words, saved: Sequence[SavedList]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(
        "🎧 " + t.ngettext("{name} ({n} song)", "{name} ({n} songs)", p.songs).format(name=p.name, n=p.songs),
        callback_data=f"pl:{p.id}")] for p in saved])


def plain_playlist(name: str, tracks: Sequence[Track]) -> str:
    """A saved list as plain text with both links per song, to forward anywhere."""
    lines = [f"🎧 {escape(name)}"]
    lines += [f"{i}. {escape(s.title)} — {escape(s.artist)}\n    Spotify: {escape(s.link)}\n"
              f"    YouTube: {escape(s.youtube_search)}" for i, s in enumerate(tracks, 1)]
    return "\n".join(lines)


def stats_text(t: Words, counts: dict) -> str:
    readings, corrected = counts["readings"], counts["corrected"]
    if not readings:
        return t.gettext("No photo or video readings yet, so nothing to count.")
    right = readings - corrected
    return (t.ngettext("📊 I read your mood from {n} photo or video.", "📊 I read your mood from {n} photos or videos.",
                       readings).format(n=readings) + " "
            + t.ngettext("You corrected me {n} time, so I was right in {right} of {total} ({percent}).",
                         "You corrected me {n} times, so I was right in {right} of {total} ({percent}).",
                         corrected).format(n=corrected, right=right, total=readings,
                                           percent=t.percent(right / readings)))


def forget_keyboard(t: Words) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(t.gettext("Yes, delete everything"), callback_data="forget:yes"),
                                  InlineKeyboardButton(t.gettext("Cancel"), callback_data="forget:no")]])


def forgotten(t: Words, counts: dict[str, int]) -> str:
    moods, suggestions, votes = counts.get("moods", 0), counts.get("recommendations", 0), counts.get("feedback", 0)
    items = [t.ngettext("{n} mood reading", "{n} mood readings", moods).format(n=moods),
             t.ngettext("{n} suggestion", "{n} suggestions", suggestions).format(n=suggestions),
             t.ngettext("{n} like or dislike", "{n} likes and dislikes", votes).format(n=votes)]
    return t.gettext("🧹 Done. I deleted {items}, and your settings. Nothing about you is left.").format(
        items=format_list(items, locale=t.locale))


def forget_answered(t: Words, deleted: bool) -> str:
    """The answer to the /forget buttons' press."""
    return t.gettext("Deleted") if deleted else t.gettext("Nothing deleted")


def kept_everything(t: Words) -> str:
    return t.gettext("OK, I kept everything.")


def _origin(t: Words, m: Mood) -> str:
    source = {"photo": t.gettext("from a photo"), "video": t.gettext("from a video"),
              "camera": t.gettext("from the live camera"),
              "manual": t.gettext("picked by hand")}.get(m.source, m.source)
    return t.gettext("{source}, you corrected {mood}").format(source=source, mood=mood(t, m.emotion)) if m.corrected \
        else source


def mood_text(t: Words, latest: Mood, week: Sequence[Mood]) -> str:
    counts: dict[str, int] = {}
    for m in week:
        counts[m.label] = counts.get(m.label, 0) + 1
    summary = ", ".join(f"{mood_label(t, e)} ×{n}" for e, n in sorted(counts.items(), key=lambda kv: -kv[1]))
    line = (f"{EMOJI[latest.label]} <b>{escape(mood(t, latest.label))}</b>" if latest.corrected
            else mood_line(t, latest.emotion, latest.confidence))
    return (t.gettext("Your latest mood: {mood} ({time} UTC, {origin})").format(
                mood=line, time=t.moment(latest.at), origin=_origin(t, latest)) + "\n"
            + t.ngettext("Last 7 days ({n} reading): {moods}", "Last 7 days ({n} readings): {moods}", len(week)).format(
                n=len(week), moods=summary))


def history_text(t: Words, moods: Sequence[Mood]) -> str:
    if not moods:
        return no_mood_yet(t)
    lines = [t.gettext("<b>Your recent moods</b>")]
    lines += [f"{t.moment(m.at)} — {mood_label(t, m.label)} "
              + (f"({_origin(t, m)})" if m.corrected else f"{t.percent(m.confidence)} ({_origin(t, m)})")
              for m in moods]
    return "\n".join(lines)
