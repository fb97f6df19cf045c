"""Everything the bot says, as pure functions of the user's :class:`~bot.i18n.Words`: text (Telegram HTML)
and inline keyboards.

Kept apart from the handlers so the wording can be read, reviewed and tested
in one place, and so ``python -m bot try PHOTO`` shows exactly what a chat would.
Callback data is never translated: only what a button shows is.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape, unescape

from babel.lists import format_list
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import N_, Words
from bot.wording import input_problem, mood, reason, strategy_word, wish_word
from catalog import Mood, SavedList, Track
from catalog.content import WISH_WORDS, WISHES
from model import FaceEmotion, ImageEmotion, InputError, Reading, VideoEmotion

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

COMMANDS: list[tuple[str, str]] = [
    ("start", N_("What this bot does")),
    ("help", N_("How to use it")),
    ("mood", N_("Your latest mood and the last days")),
    ("playlist", N_("Songs for a mood: /playlist {happy}, or /playlist {lift} {calm}")),
    ("history", N_("Your recent mood readings")),
    ("settings", N_("Language, genres, explicit songs, list length")),
    ("playlists", N_("Your saved playlists")),
    ("stats", N_("How often I read your mood right")),
    ("camera", N_("Live mood camera: music that follows your face")),
    ("forget", N_("Delete everything stored about you")),
    ("privacy", N_("What is stored and what is not")),
]
"""The command menu: names (never translated) and descriptions, registered per language at start-up."""


def commands(t: Words) -> list[tuple[str, str]]:
    """The command menu in the user's language."""
    words = {"happy": mood(t, "happy"), "calm": mood(t, "calm"), "lift": strategy_word(t, "lift")}
    return [(name, t.gettext(text).format(**words)) for name, text in COMMANDS]


def description(t: Words) -> str:
    """What an empty chat with the bot shows (Telegram's limit: 512 characters)."""
    return t.gettext("I read the mood on your face and pick music for it. Send me a selfie, a video or a round "
                     "video note: you get songs that fit your mood, or that gently lift it, with Spotify and "
                     "YouTube links. Photos are read in memory and never stored.")


def short_description(t: Words) -> str:
    """The bot's profile line and share text (Telegram's limit: 120 characters)."""
    return t.gettext("Send a selfie: I read your mood and pick songs for it 🎧")


def start(t: Words) -> str:
    return t.gettext(
        "👋 Send me a <b>selfie</b> (or a video note) and I'll read your mood and pick songs for it, "
        "or name a mood: /playlist {happy}.\n"
        "🔒 Photos are read in memory and never stored (/privacy). /help lists everything."
    ).format(happy=mood(t, "happy"))


def help_text(t: Words) -> str:
    emotions = ", ".join(mood(t, m) for m in ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral"))
    menu = "\n".join(f"/{name} — {escape(text)}" for name, text in commands(t))
    return (
        t.gettext("<b>How to use MoodTunes</b>") + "\n"
        + t.gettext("• Send a photo of your face: I detect the emotion ({emotions}) and suggest songs.").format(
            emotions=emotions) + "\n"
        + t.gettext("• Videos, round video notes and GIFs work too: I follow your mood over time.") + "\n"
        + t.gettext("• Buttons under the songs: 👍/👎 teach me your taste, 🔁 gives more, 🌈 builds a playlist that "
                    "gently lifts your mood.") + "\n\n"
        + t.gettext("<b>Commands</b>") + "\n" + menu + "\n\n"
        + t.gettext("<i>/playlist {sad}</i> picks songs for a mood you name (no selfie needed); <i>/playlist {lift} "
                    "{calm}</i> starts where your last selfie left you and moves toward {calm}. Moods: any emotion, "
                    "{calm}, {energetic}. Each song says why it was chosen.").format(
            sad=mood(t, "sad"), lift=strategy_word(t, "lift"), calm=mood(t, "calm"),
            energetic=mood(t, "energetic"))
    )


def privacy(t: Words) -> str:
    return "\n".join([
        t.gettext("🔒 <b>Privacy</b>"),
        t.gettext("• Photos and videos are analysed in memory only: never written to disk (not even a temporary "
                  "file) or to a database."),
        t.gettext("• Stored per user: your Telegram id, the mood readings (7 emotion probabilities, time, photo, "
                  "video or picked by hand, and your correction if you made one), the songs I suggested, your "
                  "👍/👎, your /settings (your language among them) and saved /playlists. While I read a photo or "
                  "prepare a reply, also which chat and message to answer, so that a restart cannot lose your "
                  "answer; that note goes as soon as I reply."),
        t.gettext("• /forget deletes all of it at once."),
    ])


def no_face_video(t: Words) -> str:
    return t.gettext("🤔 I couldn't find a face in that video. Try again facing the camera in good light.")


def not_media(t: Words) -> str:
    return t.gettext("I can read photos, image files, videos, video notes and GIFs. That file is none of those.")


def other_message(t: Words) -> str:
    return t.gettext("I can only read faces 🙂 Send me a selfie, a video or a round video note and I'll pick music.")


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


def text_pointer(t: Words) -> str:
    return t.gettext("Send me a selfie and I'll pick music for your mood 🎧 — or see /help.")


def unknown_command(t: Words) -> str:
    return t.gettext("I don't know that command. Here is what I can do: /help")


def no_mood_yet(t: Words) -> str:
    return t.gettext("I don't know your mood yet: send me a selfie 📸, or pick your mood:")


def busy_error(t: Words) -> str:
    return t.gettext("😓 Something went wrong on my side. Please try again in a moment.")


def forget_confirm(t: Words) -> str:
    return t.gettext("This deletes your whole mood history, suggestions, likes and settings. Are you sure?")


def visible_length(html_text: str) -> int:
    """Length of a Telegram HTML message as Telegram counts it: without tags, entities decoded."""
    return len(unescape(re.sub(r"<[^>]+>", "", html_text)))


def too_large(t: Words, limit_bytes: int) -> str:
    return t.gettext("That file is too large for me (the limit is {limit} MB). A shorter clip works better.").format(
        limit=t.number(limit_bytes // 1_000_000))


def unknown_playlist_word(t: Words, word: str, targets: Sequence[str]) -> str:
    shown = word if len(word) <= 30 else word[:29] + "…"
    usage = (f"/playlist [{strategy_word(t, 'match')}|{strategy_word(t, 'lift')}] "
             f"[{'|'.join(mood(t, m) for m in targets)}] [{'|'.join(wish_word(t, w) for w in WISH_WORDS)}]")
    return t.gettext("I don't know “{word}”. Use {usage}").format(word=escape(shown), usage=escape(usage))


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


def mood_label(t: Words, name: str) -> str:
    """A mood with its emoji: "😢 sad"."""
    return f"{EMOJI[name]} {mood(t, name)}"


def _mood_line(t: Words, label: str, confidence: float) -> str:
    return f"{EMOJI[label]} <b>{escape(mood(t, label))}</b> ({t.percent(confidence)})"


def _alternatives(t: Words, ranked: Sequence[tuple[str, float]]) -> str:
    return ", ".join(f"{mood(t, label)} {t.percent(p)}" for label, p in ranked[1:3])


def photo_summary(t: Words, faces: Sequence[FaceEmotion]) -> str:
    """The headline of a photo reply; the largest face decides the music."""
    main = faces[0]
    text = (t.gettext("You look {mood}").format(mood=_mood_line(t, main.label, main.confidence)) + "\n"
            + t.gettext("Also possible: {moods}").format(moods=_alternatives(t, main.ranked())))
    if len(faces) > 1:
        others = ", ".join(mood_label(t, f.label) for f in faces[1:6])
        text += "\n\n" + t.ngettext("👥 I see {n} face; the music follows the largest. The others: {others}.",
                                    "👥 I see {n} faces; the music follows the largest. The others: {others}.",
                                    len(faces)).format(n=len(faces), others=others)
    return text


def camera_summary(t: Words, ranked: Sequence[tuple[str, float]]) -> str:
    """The headline of a mood saved from the live camera: a photo's, saying where it was read."""
    label, confidence = ranked[0]
    return (t.gettext("📷 On the live camera you look {mood}").format(mood=_mood_line(t, label, confidence)) + "\n"
            + t.gettext("Also possible: {moods}").format(moods=_alternatives(t, ranked)))


def video_summary(t: Words, video: VideoEmotion) -> str:
    """The headline of a video reply; it names the part of the video actually analysed."""
    if video.label is None or video.confidence is None:
        return no_face_video(t)
    line = _mood_line(t, video.label, video.confidence)
    if video.seconds_analysed >= video.duration - 0.5:
        head = t.gettext("Over {seconds} s you look mostly {mood}").format(
            seconds=t.number(video.seconds_analysed), mood=line)
    else:
        head = t.gettext("In the first {seconds} s of {duration} s you look mostly {mood}").format(
            seconds=t.number(video.seconds_analysed), duration=t.number(video.duration), mood=line)
    moments = len(video.timeline)
    seen = t.ngettext("face seen in {found} of {n} moment", "face seen in {found} of {n} moments", moments).format(
        found=video.frames_with_face, n=moments)
    return head + "\n" + t.gettext("Also there: {moods}").format(moods=_alternatives(t, video.ranked())) + " · " + seen


@dataclass(frozen=True)
class Headline:
    """What the music follows in a reading: its probabilities, label, source kind and summary text."""

    probs: tuple[float, ...]
    label: str
    source: str
    summary: str
    ranked: list[tuple[str, float]]


def headline(t: Words, reading: Reading) -> Headline | None:
    """The largest face of a picture, or a video's overall mood; None when no face was found."""
    if isinstance(reading, ImageEmotion):
        if not reading.faces:
            return None
        main = reading.faces[0]
        summary = photo_summary(t, reading.faces) + searched_note(t, reading)
        return Headline(main.probs, main.label, "photo", summary, main.ranked())
    if reading.probs is None or reading.label is None:
        return None
    return Headline(reading.probs, reading.label, "video", video_summary(t, reading), reading.ranked())


def no_face(t: Words, reading: Reading, buttons: bool = True) -> str:
    """What to try next; with ``buttons`` (the mood keyboard under it), the invitation to pick a mood by hand."""
    if isinstance(reading, ImageEmotion):
        tips = t.gettext("Tips: face the camera, make sure your face is well lit and not too small, and avoid "
                         "strong backlight.")
        return (t.gettext("🤔 I couldn't find a face in that picture.") + searched_note(t, reading) + "\n" + tips
                + (" " + t.gettext("Or pick your mood:") if buttons else ""))
    return no_face_video(t)


def searched_note(t: Words, picture: ImageEmotion) -> str:
    """One sentence saying what was searched when the work budget cut a picture's search short; "" if it did not.

    The whole picture is always looked at once, shrunk, which finds large faces; the budget cuts the
    closer look, tile by tile from the start of its long side, that small faces need.
    """
    fraction = picture.searched_fraction
    if fraction >= 1:
        return ""
    if fraction < 0.01:
        note = t.gettext("📏 That picture is too big to search whole in time, so I only looked at it as a whole, "
                         "for large faces.")
    elif picture.searched[2] < picture.size[0]:
        note = t.gettext("📏 That picture is too big to search whole in time, so I searched only its left "
                         "{percent} closely.").format(percent=t.percent(fraction))
    else:
        note = t.gettext("📏 That picture is too big to search whole in time, so I searched only its top "
                         "{percent} closely.").format(percent=t.percent(fraction))
    return "\n" + note


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


def start_keyboard(t: Words) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(t.gettext("⚙️ My music settings"),
                                                       callback_data="set:page:main")]])


def mood_keyboard(t: Words) -> InlineKeyboardMarkup:
    """Every mood as a button, three to a row, for picking one by hand."""
    buttons = [InlineKeyboardButton(mood_label(t, name), callback_data=f"mood:{name}") for name in EMOJI]
    return InlineKeyboardMarkup([buttons[i:i + 3] for i in range(0, len(buttons), 3)])


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


def feedback_noted(t: Words, kind: str) -> str:
    return t.gettext("👍 Noted, more like this!") if kind == "like" else t.gettext("👎 Got it, never again.")


def correction_noted(t: Words, emotion: str) -> str:
    return t.gettext("Thanks! Noted: {mood}").format(mood=mood(t, emotion))


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
            else _mood_line(t, latest.emotion, latest.confidence))
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
