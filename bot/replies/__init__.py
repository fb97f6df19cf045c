"""Everything the bot says, as pure functions of the user's :class:`~bot.i18n.Words`: text (Telegram HTML)
and inline keyboards.

Kept apart from the handlers so the wording can be read, reviewed and tested
in one place, and so ``python -m bot try PHOTO`` shows exactly what a chat would.
Callback data is never translated: only what a button shows is. One module per
kind of reply (:mod:`~bot.replies.guide`, :mod:`~bot.replies.readings`,
:mod:`~bot.replies.songs`, :mod:`~bot.replies.personal`, :mod:`~bot.replies.refusals`,
and :mod:`~bot.replies.common` for what they share); handlers read them all as ``replies.<name>``.
"""

from bot.replies.common import (
    CAPTION_LIMIT,
    EMOJI,
    FEEDBACK_BUTTON,
    FIX_BUTTON,
    MOOD_BUTTON,
    MORE_BUTTON,
    SAVED_BUTTON,
    mood_label,
    visible_length,
)
from bot.replies.guide import (
    COMMANDS,
    commands,
    description,
    help_text,
    no_mood_yet,
    not_media,
    other_message,
    privacy,
    short_description,
    start,
    start_keyboard,
    text_pointer,
    unknown_command,
    unknown_playlist_word,
)
from bot.replies.personal import (
    forget_answered,
    forget_confirm,
    forget_keyboard,
    forgotten,
    history_text,
    kept_everything,
    mood_text,
    plain_playlist,
    playlist_name,
    playlists_keyboard,
    playlists_text,
    saved_as,
    stats_text,
)
from bot.replies.readings import (
    Headline,
    camera_summary,
    headline,
    no_face,
    no_face_video,
    photo_summary,
    searched_note,
    video_summary,
)
from bot.replies.refusals import (
    anonymous,
    bad_input,
    busy_error,
    button_expired,
    daily_limit,
    forgotten_meanwhile,
    not_your_button,
    open_private_chat,
    rate_limited,
    resend,
    sent_privately,
    slow_down,
    too_large,
    too_slow,
    unavailable,
)
from bot.replies.songs import (
    correction_noted,
    correction_row,
    extra_rows,
    feedback_noted,
    fix_keyboard,
    heading,
    mood_keyboard,
    photo_caption,
    song_ids,
    songs_keyboard,
    songs_text,
    which_mood,
    wish_of,
)

__all__ = [
    "CAPTION_LIMIT", "COMMANDS", "EMOJI", "FEEDBACK_BUTTON", "FIX_BUTTON", "Headline", "MOOD_BUTTON",
    "MORE_BUTTON", "SAVED_BUTTON", "anonymous", "bad_input", "busy_error", "button_expired", "camera_summary",
    "commands", "correction_noted", "correction_row", "daily_limit", "description", "extra_rows", "feedback_noted",
    "fix_keyboard", "forget_answered", "forget_confirm", "forget_keyboard", "forgotten", "forgotten_meanwhile",
    "heading", "headline", "help_text", "history_text", "kept_everything", "mood_keyboard", "mood_label",
    "mood_text", "no_face", "no_face_video", "no_mood_yet", "not_media", "not_your_button", "open_private_chat",
    "other_message", "photo_caption", "photo_summary", "plain_playlist", "playlist_name", "playlists_keyboard",
    "playlists_text", "privacy", "rate_limited", "resend", "saved_as", "searched_note", "sent_privately",
    "short_description", "slow_down", "song_ids", "songs_keyboard", "songs_text", "start", "start_keyboard",
    "stats_text", "text_pointer", "too_large", "too_slow", "unavailable", "unknown_command",
    "unknown_playlist_word", "video_summary", "visible_length", "which_mood", "wish_of"
]
