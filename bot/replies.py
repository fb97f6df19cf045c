"""Everything the bot says, as pure functions: text (Telegram HTML) and inline keyboards.

Kept apart from the handlers so the wording can be read, reviewed and tested
in one place, and so ``python -m bot try PHOTO`` shows exactly what a chat would.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape, unescape

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from catalog import Mood, SavedList, Track
from catalog.content import WISH_WORDS
from model import FaceEmotion, ImageEmotion, Reading, VideoEmotion

FEEDBACK_BUTTON = re.compile(r"^fb:(?P<kind>like|dislike):(?P<song>\d{1,9})$")
"""Callback data of a song's 👍/👎 button; anything else claiming to be one is refused."""
CAPTION_LIMIT = 1024
"""Telegram counts a caption's visible characters (tags and link targets are free)."""

EMOJI = {"angry": "😠", "disgust": "🤢", "fear": "😨", "happy": "😄", "sad": "😢", "surprise": "😲",
         "neutral": "😐", "calm": "😌", "energetic": "⚡"}
MOOD_BUTTON = re.compile(r"^mood:(?P<mood>" + "|".join(EMOJI) + r")$")
FIX_BUTTON = re.compile(r"^fix:(?P<mood>angry|disgust|fear|happy|sad|surprise|neutral)$")
SAVED_BUTTON = re.compile(r"^pl:(?P<id>\d{1,9})$")
"""Callback data of a mood picked by hand: the seven emotions, calm and energetic."""
SOURCES = {"photo": "from a photo", "video": "from a video", "camera": "from the live camera",
           "manual": "picked by hand"}

COMMANDS: list[tuple[str, str]] = [
    ("start", "What this bot does"),
    ("help", "How to use it"),
    ("mood", "Your latest mood and the last days"),
    ("playlist", "Songs for a mood: /playlist happy, or /playlist lift calm"),
    ("history", "Your recent mood readings"),
    ("settings", "Genres, languages, explicit songs, list length"),
    ("playlists", "Your saved playlists"),
    ("stats", "How often I read your mood right"),
    ("camera", "Live mood camera: music that follows your face"),
    ("forget", "Delete everything stored about you"),
    ("privacy", "What is stored and what is not"),
]

START = (
    "👋 Send me a <b>selfie</b> (or a video note) and I'll read your mood and pick songs for it, "
    "or name a mood: /playlist happy.\n"
    "🔒 Photos are read in memory and never stored (/privacy). /help lists everything."
)

HELP = (
    "<b>How to use MoodTunes</b>\n"
    "• Send a photo of your face: I detect the emotion (angry, disgust, fear, happy, sad, surprise, "
    "neutral) and suggest songs.\n"
    "• Videos, round video notes and GIFs work too: I follow your mood over time.\n"
    "• Buttons under the songs: 👍/👎 teach me your taste, 🔁 gives more, 🌈 builds a playlist that "
    "gently lifts your mood.\n\n"
    "<b>Commands</b>\n"
    + "\n".join(f"/{name} — {escape(text)}" for name, text in COMMANDS)
    + "\n\n<i>/playlist sad</i> picks songs for a mood you name (no selfie needed); <i>/playlist lift calm</i> "
    "starts where your last selfie left you and moves toward calm. Moods: any emotion, calm, energetic. "
    "Each song says why it was chosen."
)

PRIVACY = (
    "🔒 <b>Privacy</b>\n"
    "• Photos and videos are analysed in memory only: never written to disk (not even a temporary file) "
    "or to a database.\n"
    "• Stored per user: your Telegram id, the mood readings (7 emotion probabilities, time, photo, video or "
    "picked by hand, and your correction if you made one), the songs I suggested, your 👍/👎, your /settings "
    "and saved /playlists. While I read a photo or prepare a reply, also which chat and message to "
    "answer, so that a restart cannot lose your answer; that note goes as soon as I reply.\n"
    "• /forget deletes all of it at once."
)

NO_FACE = "🤔 I couldn't find a face in that picture."
NO_FACE_TIPS = (
    "Tips: face the camera, make sure your face is well lit and not too small, and avoid strong backlight. "
    "Or pick your mood:"
)
NO_FACE_VIDEO = "🤔 I couldn't find a face in that video. Try again facing the camera in good light."
NOT_MEDIA = "I can read photos, image files, videos, video notes and GIFs. That file is none of those."
OTHER_MESSAGE = "I can only read faces 🙂 Send me a selfie, a video or a round video note and I'll pick music."
UNAVAILABLE = "😕 I couldn't fetch that file from Telegram. Please send it again."
TOO_SLOW = "🐌 That file took too long to download. Please send it again, or a smaller one."
RESEND = "😓 I was restarted while reading this and couldn't finish. Please send it again."
FORGOTTEN_MEANWHILE = "You asked me to forget you while I was working on this, so I kept nothing of it."
ANONYMOUS = ("🕶 You're posting as the group or a channel, so I can't tell who you are and keep nothing personal: "
             "post as yourself, or message me privately.")
SENT_PRIVATELY = "📬 I've sent it to you privately."
BUTTON_EXPIRED = "This button has expired."
NOT_YOUR_BUTTON = "This button belongs to someone else."
TEXT_POINTER = "Send me a selfie and I'll pick music for your mood 🎧 — or see /help."
UNKNOWN_COMMAND = "I don't know that command. Here is what I can do: /help"
NO_MOOD_YET = "I don't know your mood yet: send me a selfie 📸, or pick your mood:"
BUSY_ERROR = "😓 Something went wrong on my side. Please try again in a moment."
FORGET_CONFIRM = "This deletes your whole mood history, suggestions and likes. Are you sure?"


def visible_length(html_text: str) -> int:
    """Length of a Telegram HTML message as Telegram counts it: without tags, entities decoded."""
    return len(unescape(re.sub(r"<[^>]+>", "", html_text)))


def too_large(limit_bytes: int) -> str:
    return f"That file is too large for me (the limit is {limit_bytes // 1_000_000} MB). A shorter clip works better."


def unknown_playlist_word(word: str, targets: Sequence[str]) -> str:
    shown = word if len(word) <= 30 else word[:29] + "…"
    return (f"I don't know “{escape(shown)}”. Use /playlist [match|lift] [{'|'.join(targets)}] "
            f"[{'|'.join(WISH_WORDS)}]")


def rate_limited(wait_seconds: float) -> str:
    return f"🐢 That's a lot of pictures at once! Please wait {max(1, round(wait_seconds))} s and send another."


def slow_down(wait_seconds: float) -> str:
    return f"🐢 That's a lot at once! Please wait {max(1, round(wait_seconds))} s, then try again."


_DAILY = {"readings": "mood readings", "songs": "suggested songs", "playlists": "saved lists"}


def daily_limit(kind: str, limit: int) -> str:
    """The day's storage budget of one kind is spent (kinds of :class:`catalog.DailyLimit`)."""
    return (f"📅 That's {limit} {_DAILY[kind]} in a day, the most I keep for one person. "
            "Please come back tomorrow.")


def open_private_chat(username: str) -> str:
    return ("🔒 That's personal, so I show it only in a private chat: open "
            f"https://t.me/{escape(username)}, press Start, then send the command there.")


def bad_input(reason: str) -> str:
    return f"⚠️ I couldn't read that: {escape(reason)}."


def _mood_line(label: str, confidence: float) -> str:
    return f"{EMOJI[label]} <b>{label}</b> ({confidence:.0%})"


def _alternatives(ranked: Sequence[tuple[str, float]]) -> str:
    return ", ".join(f"{label} {p:.0%}" for label, p in ranked[1:3])


def photo_summary(faces: Sequence[FaceEmotion]) -> str:
    """The headline of a photo reply; the largest face decides the music."""
    main = faces[0]
    text = f"You look {_mood_line(main.label, main.confidence)}\nAlso possible: {_alternatives(main.ranked())}"
    if len(faces) > 1:
        others = ", ".join(f"{EMOJI[f.label]} {f.label}" for f in faces[1:6])
        text += f"\n\n👥 I see {len(faces)} faces; the music follows the largest. The others: {others}."
    return text


def video_summary(video: VideoEmotion) -> str:
    """The headline of a video reply; it names the part of the video actually analysed."""
    if video.label is None or video.confidence is None:
        return NO_FACE_VIDEO
    span = (f"Over {video.seconds_analysed:.0f} s" if video.seconds_analysed >= video.duration - 0.5
            else f"In the first {video.seconds_analysed:.0f} s of {video.duration:.0f} s")
    return (f"{span} you look mostly {_mood_line(video.label, video.confidence)}\n"
            f"Also there: {_alternatives(video.ranked())} · face seen in {video.frames_with_face} of "
            f"{len(video.timeline)} moments")


@dataclass(frozen=True)
class Headline:
    """What the music follows in a reading: its probabilities, label, source kind and summary text."""

    probs: tuple[float, ...]
    label: str
    source: str
    summary: str
    ranked: list[tuple[str, float]]


def headline(reading: Reading) -> Headline | None:
    """The largest face of a picture, or a video's overall mood; None when no face was found."""
    if isinstance(reading, ImageEmotion):
        if not reading.faces:
            return None
        main = reading.faces[0]
        summary = photo_summary(reading.faces) + searched_note(reading)
        return Headline(main.probs, main.label, "photo", summary, main.ranked())
    if reading.probs is None or reading.label is None:
        return None
    return Headline(reading.probs, reading.label, "video", video_summary(reading), reading.ranked())


def no_face(reading: Reading) -> str:
    if isinstance(reading, ImageEmotion):
        return f"{NO_FACE}{searched_note(reading)}\n{NO_FACE_TIPS}"
    return NO_FACE_VIDEO


def searched_note(picture: ImageEmotion) -> str:
    """One sentence saying what was searched when the work budget cut a picture's search short; "" if it did not.

    The whole picture is always looked at once, shrunk, which finds large faces; the budget cuts the
    closer look, tile by tile from the start of its long side, that small faces need.
    """
    fraction = picture.searched_fraction
    if fraction >= 1:
        return ""
    side = "left" if picture.searched[2] < picture.size[0] else "top"
    done = (f"I searched only its {side} {fraction:.0%} closely" if fraction >= 0.01
            else "I only looked at it as a whole, for large faces")
    return f"\n📏 That picture is too big to search whole in time, so {done}."


def songs_text(tracks: Sequence[Track], heading: str) -> str:
    if not tracks:
        return "🎧 I've run out of new songs for this mood — try 🌈 or come back later."
    lines = [f"🎧 <b>{escape(heading)}</b>"]
    for i, t in enumerate(tracks, 1):
        why = f"\n    <i>{escape(t.reason)}</i>" if t.reason else ""
        lines.append(f"{i}. <b>{escape(t.title)}</b> — {escape(t.artist)}{why}\n"
                     f"    <a href=\"{escape(t.link)}\">Spotify</a> · "
                     f"<a href=\"{escape(t.youtube_search)}\">YouTube</a>")
    return "\n".join(lines)


def start_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton("⚙️ My music settings", callback_data="set:page:main")]])


def mood_keyboard() -> InlineKeyboardMarkup:
    """Every mood as a button, three to a row, for picking one by hand."""
    buttons = [InlineKeyboardButton(f"{emoji} {name}", callback_data=f"mood:{name}") for name, emoji in EMOJI.items()]
    return InlineKeyboardMarkup([buttons[i:i + 3] for i in range(0, len(buttons), 3)])


def heading(mood: str, strategy: str, target: str | None) -> str:
    """The title of a song list: what it fits, or where a lift starts and where it goes."""
    if strategy == "lift":
        return f"From {mood} toward {target}"
    return f"Songs for your {mood} mood"


def songs_keyboard(tracks: Sequence[Track], feedback: dict[int, str] | None = None,
                   extra: Sequence[Sequence[InlineKeyboardButton]] = ()) -> InlineKeyboardMarkup:
    """👍/👎 per song (✅ marks the stored verdict), 'more', 'lift my mood' and 'save', then ``extra`` rows."""
    feedback = feedback or {}
    rows = []
    for i, t in enumerate(tracks, 1):
        kind = feedback.get(t.id)
        rows.append([
            InlineKeyboardButton(f"{'✅' if kind == 'like' else '👍'} {i}", callback_data=f"fb:like:{t.id}"),
            InlineKeyboardButton(f"{'✅' if kind == 'dislike' else '👎'} {i}", callback_data=f"fb:dislike:{t.id}"),
        ])
    rows.append([InlineKeyboardButton("🔁 More", callback_data="more"),
                 InlineKeyboardButton("🌈 Lift my mood", callback_data="lift"),
                 InlineKeyboardButton("💾 Save", callback_data="save")])
    return InlineKeyboardMarkup([*rows, *[list(r) for r in extra]])


def correction_row(ranked: Sequence[tuple[str, float]]) -> list[InlineKeyboardButton]:
    """ "Was this right?": the two runners-up and "other", under a reading."""
    return [InlineKeyboardButton(f"Not {ranked[0][0]}? {EMOJI[e]} {e}", callback_data=f"fix:{e}") if i == 0 else
            InlineKeyboardButton(f"{EMOJI[e]} {e}", callback_data=f"fix:{e}")
            for i, (e, _) in enumerate(ranked[1:3])] + [InlineKeyboardButton("other…", callback_data="fix:other")]


def fix_keyboard() -> InlineKeyboardMarkup:
    emotions = [e for e in EMOJI if e not in ("calm", "energetic")]
    buttons = [InlineKeyboardButton(f"{EMOJI[e]} {e}", callback_data=f"fix:{e}") for e in emotions]
    return InlineKeyboardMarkup([buttons[i:i + 4] for i in range(0, len(buttons), 4)])


def extra_rows(keyboard: InlineKeyboardMarkup) -> list[tuple[InlineKeyboardButton, ...]]:
    """The rows of a song keyboard below its song and more/lift/save rows (the correction row)."""
    return [tuple(row) for row in keyboard.inline_keyboard
            if any(isinstance(b.callback_data, str) and b.callback_data.startswith("fix:") for b in row)]


def playlists_text(saved: Sequence[SavedList]) -> str:
    if not saved:
        return "No saved playlists yet: press 💾 Save under a song list."
    return "<b>Your saved playlists</b> (tap one to get it as a message you can forward)"


def playlists_keyboard(saved: Sequence[SavedList]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(f"🎧 {p.name} ({p.songs} songs)", callback_data=f"pl:{p.id}")]
                                 for p in saved])


def plain_playlist(name: str, tracks: Sequence[Track]) -> str:
    """A saved list as plain text with both links per song, to forward anywhere."""
    lines = [f"🎧 {escape(name)}"]
    lines += [f"{i}. {escape(t.title)} — {escape(t.artist)}\n    Spotify: {escape(t.link)}\n"
              f"    YouTube: {escape(t.youtube_search)}" for i, t in enumerate(tracks, 1)]
    return "\n".join(lines)


def stats_text(counts: dict) -> str:
    readings, corrected = counts["readings"], counts["corrected"]
    if not readings:
        return "No photo or video readings yet, so nothing to count."
    return (f"📊 I read your mood from {readings} photo(s)/video(s); you corrected me {corrected} time(s), "
            f"so I was right {readings - corrected} of {readings} ({(readings - corrected) / readings:.0%}).")


def song_ids(keyboard: InlineKeyboardMarkup) -> list[int]:
    """The songs of a song keyboard, in order, read from its 👍 buttons."""
    found = (FEEDBACK_BUTTON.match(b.callback_data) for row in keyboard.inline_keyboard for b in row
             if isinstance(b.callback_data, str))
    return [int(m.group("song")) for m in found if m and m.group("kind") == "like"]


def forget_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton("Yes, delete everything", callback_data="forget:yes"),
                                  InlineKeyboardButton("Cancel", callback_data="forget:no")]])


def forgotten(counts: dict[str, int]) -> str:
    return (f"🧹 Done. I deleted {counts.get('moods', 0)} mood readings, {counts.get('recommendations', 0)} "
            f"suggestions and {counts.get('feedback', 0)} likes/dislikes. Nothing about you is left.")


def _origin(m: Mood) -> str:
    source = SOURCES.get(m.source, m.source)
    return f"{source}, you corrected {m.emotion}" if m.corrected else source


def mood_text(latest: Mood, week: Sequence[Mood]) -> str:
    counts: dict[str, int] = {}
    for m in week:
        counts[m.label] = counts.get(m.label, 0) + 1
    summary = ", ".join(f"{EMOJI[e]} {e} ×{n}" for e, n in sorted(counts.items(), key=lambda kv: -kv[1]))
    line = (f"{EMOJI[latest.label]} <b>{latest.label}</b>" if latest.corrected
            else _mood_line(latest.emotion, latest.confidence))
    return (f"Your latest mood: {line} ({latest.at:%d %b %H:%M} UTC, {_origin(latest)})\n"
            f"Last 7 days ({len(week)} readings): {summary}")


def history_text(moods: Sequence[Mood]) -> str:
    if not moods:
        return NO_MOOD_YET
    lines = ["<b>Your recent moods</b>"]
    lines += [f"{m.at:%d %b %H:%M} — {EMOJI[m.label]} {m.label} "
              + (f"({_origin(m)})" if m.corrected else f"{m.confidence:.0%} ({_origin(m)})") for m in moods]
    return "\n".join(lines)
