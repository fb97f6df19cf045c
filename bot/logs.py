"""Logging set-up: plain lines for a terminal, or one JSON object per line for a log collector.

Never logged, at any level: the bot token and webhook secret (:mod:`bot.redact`
masks them in every line and traceback), user or chat ids and message text
(the update log names the update id; python-telegram-bot and httpx, which log
whole requests and updates at DEBUG, are held at INFO and WARNING even when
``LOG_LEVEL=DEBUG``). Every line goes through the one root handler, uvicorn's
included, so ``LOG_FORMAT=json`` makes every line JSON.
"""

from __future__ import annotations

import json
import logging
import sys
import threading
import time
from collections.abc import Iterable
from types import TracebackType

from bot.redact import RedactFilter, register

FIELDS = ("update_id", "update_type", "handler", "outcome", "duration_ms")
"""Extra fields the update log (:mod:`bot.tracing`) attaches, kept as JSON keys."""
QUIETER = {"httpx": logging.WARNING, "httpcore": logging.WARNING, "telegram": logging.INFO,
           "sqlalchemy.engine": logging.WARNING, "alembic": logging.WARNING, "uvicorn.error": logging.WARNING,
           "uvicorn.access": logging.WARNING, "hpack": logging.WARNING, "matplotlib": logging.WARNING}
"""Floors for libraries whose lower levels log request URLs (the token), whole updates (ids, text) or SQL values,
or only noise (matplotlib's note that it built its font cache, at a first start)."""


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {"time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
                 + f".{int(record.msecs):03d}Z", "level": record.levelname, "logger": record.name,
                 "message": record.getMessage()}
        entry.update({k: getattr(record, k) for k in FIELDS if hasattr(record, k)})
        if record.exc_info or record.exc_text:
            entry["error"] = record.exc_text or self.formatException(record.exc_info)  # type: ignore[arg-type]
        return json.dumps(entry, ensure_ascii=False)


class Throttle(logging.Filter):
    """For a logger: each message (by its format string) at most once per ``every`` seconds.

    The next one let through says how many were held back. A flood of failed
    connections thus costs a line a minute instead of a line per connection.
    """

    def __init__(self, every: float = 60.0):
        super().__init__()
        self.every = every
        self._lock = threading.Lock()
        self._last: dict[str, float] = {}
        self._held: dict[str, int] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        key, now = str(record.msg), time.monotonic()
        with self._lock:
            if now - self._last.get(key, -float("inf")) < self.every:
                self._held[key] = self._held.get(key, 0) + 1
                return False
            self._last[key] = now
            held = self._held.pop(key, 0)
        if held:
            record.msg = f"{record.msg} ({held} more like this held back)"
        return True


def throttle(*names: str) -> None:
    """Give these loggers a :class:`Throttle` (once)."""
    for name in names:
        logger = logging.getLogger(name)
        if not any(isinstance(f, Throttle) for f in logger.filters):
            logger.addFilter(Throttle())


def _uncaught(kind: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
    logging.getLogger("bot").critical("unhandled %s", kind.__name__, exc_info=(kind, value, tb))


def _uncaught_in_thread(args: threading.ExceptHookArgs) -> None:
    if args.exc_value is not None:
        logging.getLogger("bot").critical("unhandled %s in thread %s", args.exc_type.__name__,
                                          args.thread.name if args.thread else "?",
                                          exc_info=(args.exc_type, args.exc_value, args.exc_traceback))


def configure(level: str, style: str, secrets: Iterable[str] = ()) -> None:
    """Root logging at ``level``, as "text" or "json" lines on stderr, ``secrets`` masked everywhere.

    Uncaught exceptions go through it too, so even a crash's traceback is one
    JSON line with the token masked, not Python's raw print.
    """
    register(secrets)
    sys.excepthook, threading.excepthook = _uncaught, _uncaught_in_thread
    handler = logging.StreamHandler()
    handler.addFilter(RedactFilter())
    handler.setFormatter(JsonFormatter() if style == "json"
                         else logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=level.upper(), handlers=[handler], force=True)
    logging.captureWarnings(True)
    root = logging.getLogger().getEffectiveLevel()
    for name, floor in QUIETER.items():
        logging.getLogger(name).setLevel(max(root, floor))
