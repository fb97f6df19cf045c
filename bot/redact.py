"""Secrets out of text bound for a log line or an error report.

The bot token travels in every Bot API URL (``/bot<token>/sendPhoto``), so any
library that logs a URL or an exception that quotes one (``InvalidToken``
names the token it was given) would write it out. Masked here: the configured
token and webhook secret wherever they appear, anything shaped like a bot
token, SQLAlchemy's ``[parameters: ...]`` (user ids, playlist names) and the
row values PostgreSQL quotes in an error's DETAIL line.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

TOKEN = re.compile(r"\d{3,}:[A-Za-z0-9_-]{30,}")
SQL_PARAMETERS = re.compile(r"\[parameters: [^\n]*")
SERVER_DETAIL = re.compile(r"^(DETAIL|CONTEXT):[^\n]*", re.MULTILINE)
"""PostgreSQL's own lines under an error: "DETAIL:  Failing row contains (42, 'my diary', ...)"."""
MIN_SECRET = 8
"""Shorter configured values are not masked: they would blank out ordinary words."""
_secrets: set[str] = set()


def register(values: Iterable[str]) -> None:
    """Mask these values from now on, and a token's part after the colon on its own too."""
    for value in values:
        for part in (value, value.partition(":")[2]):
            if len(part) >= MIN_SECRET:
                _secrets.add(part)


def redact(text: str) -> str:
    text = TOKEN.sub("[token]", text)
    for secret in sorted(_secrets, key=len, reverse=True):
        text = text.replace(secret, "[secret]")
    text = SERVER_DETAIL.sub(lambda m: f"{m.group(1)}: [removed]", text)
    return SQL_PARAMETERS.sub("[parameters: removed]", text)


class RedactFilter(logging.Filter):
    """For a handler: the record's message, traceback and stack rendered now, and masked.

    On the handler rather than a logger, because a logger's filters see only
    the records logged on that very logger, not those propagated from below.
    """

    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = redact(record.getMessage()), None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True
