"""One record per update: its type, the handler that took it, how long it took, how it ended.

:class:`TracedUpdates` is the Application's update processor: it opens a
:class:`Trace` for each update (a context variable, so the handler, which runs
in the same task, can fill it in), then counts and times the update in
:mod:`bot.metrics` and logs one line with the update id, handler, duration and
outcome (never a user id). Handlers say how an update ended with
:func:`outcome` ("rate_limited", "no_face", ...); the error handler says "error".
"""

from __future__ import annotations

import contextvars
import functools
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from telegram import Update
from telegram.ext import Application, SimpleUpdateProcessor

from bot import metrics

log = logging.getLogger("bot.updates")


@dataclass
class Trace:
    handler: str = "none"
    outcome: str = "ok"


_TRACE: contextvars.ContextVar[Trace | None] = contextvars.ContextVar("trace", default=None)


def outcome(name: str) -> None:
    """Record how the current update ended (a short fixed word: it becomes a metric label)."""
    trace = _TRACE.get()
    if trace is not None:
        trace.outcome = name


def update_type(update: object) -> str:
    """A small closed set of update kinds, for labels."""
    if not isinstance(update, Update):
        return "other"
    if update.callback_query:
        return "button"
    msg = update.effective_message
    if msg is None:
        return "other"
    if msg.photo:
        return "photo"
    if msg.video or msg.video_note or msg.animation:
        return "video"
    if msg.document:
        return "document"
    if msg.text and msg.text.startswith("/"):
        return "command"
    return "text" if msg.text else "other"


class TracedUpdates(SimpleUpdateProcessor):
    """Runs each update at once (as python-telegram-bot's default processor), counted, timed and logged."""

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        trace = Trace()
        token = _TRACE.set(trace)
        started = time.perf_counter()
        try:
            await coroutine
        finally:
            _TRACE.reset(token)
            seconds = time.perf_counter() - started
            kind = update_type(update)
            metrics.UPDATES.labels(kind, trace.outcome).inc()
            metrics.UPDATE_SECONDS.labels(kind).observe(seconds)
            update_id = update.update_id if isinstance(update, Update) else None
            log.info("update %s (%s) by %s: %s in %.0f ms", update_id, kind, trace.handler, trace.outcome,
                     seconds * 1000, extra={"update_id": update_id, "update_type": kind, "handler": trace.handler,
                                             "outcome": trace.outcome, "duration_ms": round(seconds * 1000, 1)})


def _named(callback: Callable[[Any, Any], Coroutine[Any, Any, Any]]) -> Callable[[Any, Any], Coroutine[Any, Any, Any]]:
    @functools.wraps(callback)
    async def run(update: object, context: Any) -> Any:
        trace = _TRACE.get()
        if trace is not None:
            trace.handler = callback.__name__
        return await callback(update, context)

    return run


def name_handlers(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Make every handler write its name into the update's trace (call once all handlers are added)."""
    for group in app.handlers.values():
        for handler in group:
            handler.callback = _named(handler.callback)
