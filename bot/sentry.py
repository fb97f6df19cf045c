"""Optional error reports to Sentry (``SENTRY_DSN``), scrubbed before they leave the process.

What never leaves: the bot token and webhook secret (wherever they appear in a
string, :mod:`bot.redact`), SQL parameters, user and chat ids, names, message
text and captions, media bytes, local variables and source lines (sentry-sdk
would otherwise attach every frame's locals, photos included).
"""

from __future__ import annotations

import logging
from typing import Any

from bot.redact import redact

log = logging.getLogger(__name__)
PRIVATE_KEYS = frozenset({
    "user_id", "chat_id", "from", "from_user", "user", "chat", "sender_chat", "first_name", "last_name", "username",
    "text", "caption", "photo", "video", "video_note", "animation", "document", "data", "blob", "picture",
    "phone_number", "contact", "location", "authorization", "cookie", "cookies", "x-telegram-bot-api-secret-token",
})
REMOVED = "[removed]"


def scrubbed(value: Any) -> Any:
    """``value`` with private keys' values removed and secrets masked, at any depth."""
    if isinstance(value, dict):
        return {k: REMOVED if str(k).lower() in PRIVATE_KEYS else scrubbed(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [scrubbed(v) for v in value]
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, bytes | bytearray):
        return REMOVED
    return value


def before_send(event: dict[str, Any], hint: dict[str, Any]) -> dict[str, Any]:
    event.pop("user", None)
    event.pop("request", None)
    return scrubbed(event)


def before_breadcrumb(crumb: dict[str, Any], hint: dict[str, Any]) -> dict[str, Any]:
    return scrubbed(crumb)


def init(dsn: str, **options: Any) -> bool:
    """Start reporting when ``dsn`` is set and sentry-sdk is installed; True when it started."""
    if not dsn:
        return False
    try:
        import sentry_sdk
    except ModuleNotFoundError:
        log.warning("SENTRY_DSN is set but sentry-sdk is not installed: pip install -e '.[ops]'")
        return False
    sentry_sdk.init(dsn=dsn, send_default_pii=False, include_local_variables=False, include_source_context=False,
                    max_request_body_size="never", traces_sample_rate=0.0,
                    before_send=before_send, before_breadcrumb=before_breadcrumb, **options)  # type: ignore[arg-type]
    return True
