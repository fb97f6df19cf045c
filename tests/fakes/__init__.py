"""Local fakes of the remote services the project talks to (Telegram Bot API, Spotify Web API)."""

from __future__ import annotations

import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # bursts of connections, as from a busy bot, must not be reset

    def get_request(self) -> tuple[socket.socket, tuple[str, int]]:
        """Each reply is sent at once, as a real server's: without TCP_NODELAY the body, written after the
        headers, waits for the client's delayed acknowledgement (40 ms a request on Linux loopback)."""
        conn, address = super().get_request()
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return conn, address

    def handle_error(self, request, client_address) -> None:
        """A client hanging up mid-request (a bot stopping its long poll) is normal here."""


class LocalServer:
    """An HTTP server on 127.0.0.1 (free port) in a background thread, as a context manager."""

    def __init__(self, handler: type[BaseHTTPRequestHandler]) -> None:
        self._server = _QuietServer(("127.0.0.1", 0), handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}"

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()
