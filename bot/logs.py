"""Logging set-up: plain lines for a terminal, or one JSON object per line for a log collector.

Never logged: the bot token (httpx logs every request URL, which carries it, so
httpx is held at WARNING) and user or chat ids (the update log names the update id).
"""

from __future__ import annotations

import json
import logging
import time

FIELDS = ("update_id", "update_type", "handler", "outcome", "duration_ms")
"""Extra fields the update log (:mod:`bot.tracing`) attaches, kept as JSON keys."""


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {"time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
                 + f".{int(record.msecs):03d}Z", "level": record.levelname, "logger": record.name,
                 "message": record.getMessage()}
        entry.update({k: getattr(record, k) for k in FIELDS if hasattr(record, k)})
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure(level: str, style: str) -> None:
    """Root logging at ``level``, as "text" or "json" lines on stderr."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter() if style == "json"
                         else logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=level.upper(), handlers=[handler], force=True)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # it logs every request URL, token included
    logging.getLogger("alembic").setLevel(logging.WARNING)
    logging.getLogger("uvicorn.error").setLevel(logging.WARNING)
