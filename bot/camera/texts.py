"""Everything the camera Mini App says: the bot's replies to /camera and the page's words.

Kept in one module so that the wording can be reviewed, and translated, in one
place. Bot replies are Telegram HTML; the page's words are plain text, which the
page only ever sets as text (never as markup).
"""

from __future__ import annotations

from html import escape

from bot.replies import EMOJI

MENU_BUTTON = "Camera"
"""The chat's menu button, beside the message field."""
OPEN_BUTTON = "📷 Open the live camera"
OPEN = ("📷 <b>Live mood camera</b>: I watch your expression through your phone's camera and change the songs "
        "when your mood changes. Frames are read in memory and never kept; nothing is stored unless you tap "
        "“Save this mood”.")
OFF = ("📷 The live camera is not switched on for this bot. Its operator can turn it on by setting WEBAPP_URL "
       "(see docs/live-camera.md in the MoodTunes repository).")
PRIVATE_BUTTON = "🔒 Open a private chat"


def in_private(username: str) -> str:
    """/camera in a group: Telegram opens Mini App buttons only in private chats."""
    return (f"📷 The live camera opens in a private chat with me: open https://t.me/{escape(username)} "
            "and send /camera there.")


def saved(label: str, confidence: float) -> str:
    """The headline of the list "Save this mood" sends into the chat."""
    return f"📷 On the live camera you look {EMOJI[label]} <b>{label}</b> ({confidence:.0%})"


PAGE = {
    "title": "MoodTunes camera",
    "starting": "Starting the camera…",
    "no_launch_data": "Open this page from Telegram: send /camera to the MoodTunes bot.",
    "refused": "Telegram's sign-in for this page was refused (forged, for another bot, or too old). "
               "Close the page and open it again from the chat.",
    "too_many": "The camera is already open for you elsewhere. Close it there, then try again.",
    "busy": "Too many people are using the camera right now. Please try again in a minute.",
    "ended": "The camera view ended after a pause. Close the page and open it again from the chat.",
    "camera_refused": "Camera access was refused. Allow the camera for Telegram in your phone's settings, "
                      "then open the page again.",
    "camera_absent": "No camera was found on this device.",
    "camera_failed": "The camera could not be started.",
    "no_face": "No face in view: look at the camera, in good light.",
    "waiting_songs": "Songs follow once your mood has held for a few seconds.",
    "network": "The connection is interrupted; trying again…",
    "save": "💾 Save this mood",
    "saving": "Saving…",
    "saved": "Saved: the songs are in the chat.",
    "save_failed": "Could not save the mood.",
    "nothing_to_save": "No face in view to save.",
    "slow_down": "That's a lot at once! Please wait a few seconds, then try again.",
    "forgotten": "You asked me to forget you meanwhile, so I kept nothing.",
    "chat_closed": "I can't write to you: open the chat with me and press Start, then save again.",
    "privacy": "Frames are read in memory and never kept. Nothing is stored unless you save.",
    "timeline": "Last seconds",
}
"""The page's words; ``refused``... are also what the API's refusals say (``message``)."""
