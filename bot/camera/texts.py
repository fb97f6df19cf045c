"""Everything the camera Mini App says, in the user's language: the bot's replies to /camera and the page's words.

Each is a function of the user's :class:`~bot.i18n.Words`, so that its messages are extracted where
they are written (``make messages``) and translated with the bot's other words (docs/languages.md).
Bot replies are Telegram HTML; the page's words are plain text, which the page only ever sets as
text (never as markup). The list "Save this mood" sends is worded as a selfie's reply
(:func:`bot.replies.camera_summary`).
"""

from __future__ import annotations

from html import escape

from bot.i18n import Words
from bot.wording import mood
from model import EMOTIONS


def menu_button(t: Words) -> str:
    # Translators: the chat's menu button, beside the message field, that opens the live camera: one short word.
    return t.gettext("Camera")


def open_button(t: Words) -> str:
    return t.gettext("📷 Open the live camera")


def opened(t: Words) -> str:
    """/camera in a private chat, above the button that opens the page."""
    # Translators: "Save this mood" is the page's button: use the same words as for it.
    return t.gettext("📷 <b>Live mood camera</b>: I watch your expression through your phone's camera and change "
                     "the songs when your mood changes. Frames are read in memory and never kept; nothing is stored "
                     "unless you tap “Save this mood”.")


def off(t: Words) -> str:
    """/camera when the bot's operator has not turned the camera on."""
    # Translators: WEBAPP_URL and docs/live-camera.md are a setting and a file name: keep them as they are.
    return t.gettext("📷 The live camera is not switched on for this bot. Its operator can turn it on by setting "
                     "WEBAPP_URL (see docs/live-camera.md in the MoodTunes repository).")


def private_button(t: Words) -> str:
    return t.gettext("🔒 Open a private chat")


def in_private(t: Words, username: str) -> str:
    """/camera in a group: Telegram opens Mini App buttons only in private chats."""
    return t.gettext("📷 The live camera opens in a private chat with me: open {link} and send /camera "
                     "there.").format(link=f"https://t.me/{escape(username)}")


def page(t: Words) -> dict[str, object]:
    """The page's words in the language ``t``: its sentences, the mood names and the language's tag.

    ``refused``, ``too_many``... are also what the API's refusals say (``message``).
    """
    return {
        "lang": t.locale.replace("_", "-"),
        "moods": {name: mood(t, name) for name in EMOTIONS},
        "title": t.gettext("MoodTunes camera"),
        "starting": t.gettext("Starting the camera…"),
        "no_launch_data": t.gettext("Open this page from Telegram: send /camera to the MoodTunes bot."),
        "refused": t.gettext("Telegram's sign-in for this page was refused (forged, for another bot, or too old). "
                             "Close the page and open it again from the chat."),
        "too_many": t.gettext("The camera is already open for you elsewhere. Close it there, then try again."),
        "busy": t.gettext("Too many people are using the camera right now. Please try again in a minute."),
        "ended": t.gettext("The camera view ended after a pause. Close the page and open it again from the chat."),
        "camera_refused": t.gettext("Camera access was refused. Allow the camera for Telegram in your phone's "
                                    "settings, then open the page again."),
        "camera_absent": t.gettext("No camera was found on this device."),
        "camera_failed": t.gettext("The camera could not be started."),
        "no_face": t.gettext("No face in view: look at the camera, in good light."),
        "waiting_songs": t.gettext("Songs follow once your mood has held for a few seconds."),
        "network": t.gettext("The connection is interrupted; trying again…"),
        # Translators: the page's button that records the mood and sends its songs into the chat.
        "save": t.gettext("💾 Save this mood"),
        "saving": t.gettext("Saving…"),
        "saved": t.gettext("Saved: the songs are in the chat."),
        "save_failed": t.gettext("Could not save the mood."),
        "nothing_to_save": t.gettext("No face in view to save."),
        "slow_down": t.gettext("That's a lot at once! Please wait a few seconds, then try again."),
        "forgotten": t.gettext("You asked me to forget you meanwhile, so I kept nothing."),
        # Translators: "Start" is the button Telegram shows in a new chat with a bot: use its name in the user's app.
        "chat_closed": t.gettext("I can't write to you: open the chat with me and press Start, then save again."),
        "privacy": t.gettext("Frames are read in memory and never kept. Nothing is stored unless you save."),
        # Translators: the label of the small chart of the mood over the last seconds (read by screen readers).
        "timeline": t.gettext("Last seconds"),
    }
