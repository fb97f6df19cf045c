"""uvicorn's HTTP/1.1 protocol with the limits a server open to the network needs.

uvicorn bounds none of these by itself: a connection that never sends a byte
is kept forever (its keep-alive timer starts only after a first response), one
that sends half a request line, headers or body a byte at a time is kept as
long as the bytes trickle, and every accepted connection holds a file
descriptor. A few thousand such connections exhaust the process's descriptors
and the bot stops answering Telegram. Here:

- at most ``max_connections`` are open at once; one more is closed as soon as
  it is accepted (its descriptor is freed at once);
- a request must arrive whole, request line, headers and body, within
  ``request_timeout`` seconds of the connection opening or of the previous
  response; otherwise it is answered 408 and closed. An idle keep-alive
  connection is closed after uvicorn's ``timeout_keep_alive``.

Refusals are logged as one line and then at most one summary a minute
(:class:`bot.logs.Throttle`), however many there are.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from bot.logs import throttle

log = logging.getLogger(__name__)
throttle(__name__, "uvicorn.error")  # uvicorn's own "Invalid HTTP request received." comes per request
TIMEOUT_RESPONSE = b"HTTP/1.1 408 Request Timeout\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
_RECEIVED = (h11.DONE, h11.MUST_CLOSE, h11.CLOSED, h11.ERROR)
"""The client's h11 states once its request is in (or the connection is over): no deadline then."""


class GuardedH11Protocol(H11Protocol):
    """One connection, within the limits set by :func:`guarded` (a subclass per server carries them)."""

    max_connections = 100
    request_timeout = 10.0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._deadline: asyncio.TimerHandle | None = None
        self._refused = False

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        if len(self.connections) >= self.max_connections:
            self._refused = True
            transport.abort()
            log.warning("closed a new connection: %d are open, the most allowed (SERVER_MAX_CONNECTIONS)",
                        self.max_connections)
            return
        super().connection_made(transport)
        self._watch()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._refused:
            return
        self._cancel()
        super().connection_lost(exc)

    def handle_events(self) -> None:
        super().handle_events()
        self._watch()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._watch()

    def _watch(self) -> None:
        """Start the clock while a request is awaited or arriving; stop it once the request is in."""
        if self.conn.their_state in _RECEIVED:
            self._cancel()
        elif self._deadline is None and not self.transport.is_closing():
            self._deadline = self.loop.call_later(self.request_timeout, self._too_slow)

    def _cancel(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _too_slow(self) -> None:
        self._deadline = None
        if self.transport.is_closing():
            return
        if self.cycle is None or not self.cycle.response_started:
            self.transport.write(TIMEOUT_RESPONSE)
        log.warning("closed a connection that did not send a whole request within %g s", self.request_timeout)
        self.transport.close()


def guarded(max_connections: int, request_timeout: float) -> type[GuardedH11Protocol]:
    """The protocol class for one server's ``uvicorn.Config(http=...)``, with its limits."""
    return type("GuardedH11", (GuardedH11Protocol,),
                {"max_connections": max_connections, "request_timeout": request_timeout})
