"""Telegram's signed launch data of a Mini App (``initData``), checked as Telegram documents it.

Telegram hands the page a query string, ``Telegram.WebApp.initData``, signed
with a key only Telegram and the bot know ("Validating data received via the
Mini App" in Telegram's Mini Apps documentation):

- data_check_string: every field but ``hash``, sorted by key, each as
  ``key=value`` (values URL-decoded), joined with line feeds;
- secret_key = HMAC-SHA256(key="WebAppData", message=bot token);
- the data is Telegram's when hex(HMAC-SHA256(key=secret_key, message=data_check_string)) equals ``hash``;
- ``auth_date`` (Unix time) tells how old it is: older than the allowed age, it is refused.

The page sends it with every call; the server believes nothing about who is
calling until it passes.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from urllib.parse import parse_qsl

MAX_LENGTH = 4096
"""Telegram's launch data is well under 1 KB (with a profile photo address); more is not from Telegram."""
MAX_FIELDS = 32
CLOCK_SKEW = 60.0
"""Seconds an ``auth_date`` may lie in the future of this machine's clock."""


class InitDataError(ValueError):
    """The launch data is absent, malformed, forged, for another bot or too old (the message says which)."""


@dataclass(frozen=True)
class WebAppUser:
    """Who opened the Mini App, as Telegram signed it."""

    id: int
    language_code: str | None
    auth_date: int


def secret_key(token: str) -> bytes:
    return hmac.new(b"WebAppData", token.encode(), hashlib.sha256).digest()


def check_init_data(raw: str, token: str, max_age: float, now: float | None = None) -> WebAppUser:
    """The user in ``raw`` when Telegram signed it for this bot's ``token`` less than ``max_age`` seconds ago.

    Raises :class:`InitDataError` otherwise.
    """
    if not raw:
        raise InitDataError("no launch data")
    if len(raw) > MAX_LENGTH:
        raise InitDataError("launch data too long")
    try:
        pairs = parse_qsl(raw, keep_blank_values=True, strict_parsing=True, max_num_fields=MAX_FIELDS)
    except ValueError:
        raise InitDataError("launch data is not a query string") from None
    fields = dict(pairs)
    if len(fields) != len(pairs):
        raise InitDataError("a field appears twice")
    received = fields.pop("hash", "")
    if not received:
        raise InitDataError("no hash")
    check = "\n".join(f"{key}={value}" for key, value in sorted(fields.items()))
    expected = hmac.new(secret_key(token), check.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected.encode(), received.encode()):
        raise InitDataError("hash does not match: not signed by Telegram for this bot")
    try:
        auth_date = int(fields["auth_date"])
    except (KeyError, ValueError):
        raise InitDataError("no valid auth_date") from None
    age = (time.time() if now is None else now) - auth_date
    if age > max_age:
        raise InitDataError("launch data expired")
    if age < -CLOCK_SKEW:
        raise InitDataError("auth_date lies in the future")
    try:
        user = json.loads(fields["user"])
        user_id = user["id"]
    except (KeyError, ValueError, TypeError):
        raise InitDataError("no valid user") from None
    if type(user_id) is not int or user_id <= 0:
        raise InitDataError("no valid user")
    language = user.get("language_code")
    return WebAppUser(user_id, language if isinstance(language, str) and len(language) <= 35 else None, auth_date)
