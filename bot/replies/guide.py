"""What the bot says about itself: its commands, descriptions, welcome, help and privacy notes, and where to
turn when a message is not something it reads."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import N_, Words
from bot.wording import mood, strategy_word, wish_word
from catalog.content import WISH_WORDS

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


def start_keyboard(t: Words) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(t.gettext("⚙️ My music settings"),
                                                       callback_data="set:page:main")]])


def not_media(t: Words) -> str:
    return t.gettext("I can read photos, image files, videos, video notes and GIFs. That file is none of those.")


def other_message(t: Words) -> str:
    return t.gettext("I can only read faces 🙂 Send me a selfie, a video or a round video note and I'll pick music.")


def text_pointer(t: Words) -> str:
    return t.gettext("Send me a selfie and I'll pick music for your mood 🎧 — or see /help.")


def unknown_command(t: Words) -> str:
    return t.gettext("I don't know that command. Here is what I can do: /help")


def unknown_playlist_word(t: Words, word: str, targets: Sequence[str]) -> str:
    shown = word if len(word) <= 30 else word[:29] + "…"
    usage = (f"/playlist [{strategy_word(t, 'match')}|{strategy_word(t, 'lift')}] "
             f"[{'|'.join(mood(t, m) for m in targets)}] [{'|'.join(wish_word(t, w) for w in WISH_WORDS)}]")
    return t.gettext("I don't know “{word}”. Use {usage}").format(word=escape(shown), usage=escape(usage))


def no_mood_yet(t: Words) -> str:
    return t.gettext("I don't know your mood yet: send me a selfie 📸, or pick your mood:")
