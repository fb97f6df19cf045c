"""A local fake of Spotify's accounts and Web API, over real HTTP on 127.0.0.1.

Serves the client-credentials token endpoint, ``GET /v1/tracks/{id}`` and
``GET /v1/search``; ``mode`` switches it to the failures enrichment must
survive: 401, 429 with Retry-After, 500, and answers slower than the timeout.
"""

from __future__ import annotations

import json
import time
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlparse

from tests.fakes import LocalServer


class FakeSpotify(LocalServer):
    def __init__(self) -> None:
        self.mode = "ok"
        self.retry_after = 7
        self.delay = 0.0
        self.requests: list[str] = []
        super().__init__(self._handler())

    @property
    def api_url(self) -> str:
        return f"{self.origin}/v1/"

    @property
    def token_url(self) -> str:
        return f"{self.origin}/api/token"

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def _send(self, status: int, payload: dict, headers: dict | None = None) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            def _failure(self) -> bool:
                if fake.delay:
                    time.sleep(fake.delay)
                if fake.mode == "401":
                    self._send(401, {"error": {"status": 401, "message": "Invalid access token"}})
                elif fake.mode == "429":
                    self._send(429, {"error": {"status": 429, "message": "API rate limit exceeded"}},
                               {"Retry-After": str(fake.retry_after)})
                elif fake.mode == "500":
                    self._send(500, {"error": {"status": 500, "message": "Server error"}})
                else:
                    return False
                return True

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                fake.requests.append("token")
                if fake.mode == "bad-credentials":
                    self._send(400, {"error": "invalid_client", "error_description": "Invalid client"})
                    return
                self._send(200, {"access_token": "tok", "token_type": "Bearer", "expires_in": 3600})

            def do_GET(self) -> None:
                url = urlparse(self.path)
                fake.requests.append(url.path)
                if self.headers.get("Authorization") != "Bearer tok":
                    self._send(401, {"error": {"status": 401, "message": "No token provided"}})
                    return
                if self._failure():
                    return
                if url.path.startswith("/v1/tracks/"):
                    tid = url.path.rsplit("/", 1)[-1]
                    self._send(200, {"id": tid, "name": "Song", "external_urls": {"spotify": f"https://open.spotify.com/track/{tid}?si=canonical"},
                                     "album": {"images": [{"url": f"https://i.scdn.co/image/{tid}", "width": 640}]}})
                elif url.path == "/v1/search":
                    q = parse_qs(url.query).get("q", [""])[0]
                    artist = q.split("artist:", 1)[-1]
                    item = {"id": "0" * 21 + "1", "name": "Found", "artists": [{"name": artist}]}
                    self._send(200, {"tracks": {"items": [item], "limit": 10}})
                else:
                    self._send(404, {"error": {"status": 404, "message": "not found"}})

        return Handler
