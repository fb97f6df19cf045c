"""A local HTTP MJPEG camera on 127.0.0.1, as IP cameras and ``mjpg-streamer`` serve one.

Each connection gets the given frames as ``multipart/x-mixed-replace`` JPEG parts
at ``fps``, then the response ends, as when a camera drops. ``sessions`` says how
many connections are answered; after that the server stops listening, so a
client trying to reconnect is refused.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import cv2
import numpy as np


class FakeMjpegCamera:
    def __init__(self, frames: Sequence[np.ndarray], fps: float = 30.0, sessions: int = 1):
        self.parts = [cv2.imencode(".jpg", f, [cv2.IMWRITE_JPEG_QUALITY, 85])[1].tobytes() for f in frames]
        self.fps, self.sessions = fps, sessions
        self.served = 0
        self.frames_sent = 0
        camera = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                camera.served += 1
                self.send_response(200)
                self.send_header("Content-Type", "multipart/x-mixed-replace; boundary=camframe")
                self.end_headers()
                started = time.monotonic()
                for i, part in enumerate(camera.parts):
                    try:
                        self.wfile.write(b"--camframe\r\nContent-Type: image/jpeg\r\nContent-Length: %d\r\n\r\n"
                                         % len(part) + part + b"\r\n")
                    except OSError:
                        return
                    camera.frames_sent += 1
                    time.sleep(max(0.0, started + (i + 1) / camera.fps - time.monotonic()))
                if camera.served >= camera.sessions:
                    threading.Thread(target=camera.close, daemon=True).start()

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/stream.mjpg"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._closed = False

    def __enter__(self) -> FakeMjpegCamera:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._server.shutdown()
            self._server.server_close()
