"""Frames from a camera, a video file or a network stream, read at the source's own pace.

A reader thread keeps only the newest frame (:class:`LatestFrame`): when analysis
is slower than the source, old frames are dropped rather than queued, so what is
analysed is always what the camera sees now and memory stays flat however long
the watch runs. Frames never leave memory.
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import cv2
import numpy as np

from model.errors import path_problem
from model.video import shrink

SourceKind = Literal["camera", "file", "stream"]
SECRET_PARAMETER = re.compile(r"(?i)([?&;][^=&;#]*(?:pass|pwd|token|secret|key|auth|sig|credential|session|user|login)"
                              r"[^=&;#]*=)[^&#]*")


def hide_credentials(url: str) -> str:
    """``url`` fit to print: everything before its last ``@`` and the values of secret-looking parameters hidden.

    The last ``@``, because passwords hold ``@`` and ``/`` unescaped as often as
    not (``rtsp://admin:p@ss/1@cam``); a path that happens to hold one is hidden
    too, which costs a less precise name and never a password.
    """
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    if "@" in rest:
        rest = "***@" + rest.rsplit("@", 1)[1]
    return scheme + "://" + SECRET_PARAMETER.sub(r"\1***", rest)


class SourceError(Exception):
    """The source cannot be opened or was lost; the message is one line for the person watching."""


@dataclass(frozen=True)
class Source:
    """What to open, parsed from the command line's SOURCE."""

    target: str | int
    kind: SourceKind

    @classmethod
    def parse(cls, text: str) -> Source:
        """A camera index ("0"), a device path ("/dev/video0"), a URL ("rtsp://...") or a video file."""
        if text.isdigit():
            return cls(int(text), "camera")
        if "://" in text:
            return cls(text, "stream")
        if text.startswith("/dev/"):
            return cls(text, "camera")
        return cls(text, "file")

    @property
    def name(self) -> str:
        """How to show the source: a URL without its password, a camera by number."""
        if isinstance(self.target, int):
            return f"camera {self.target}"
        return hide_credentials(self.target)

    @property
    def live(self) -> bool:
        """A camera or stream can drop and come back; a file simply ends."""
        return self.kind != "file"


@dataclass(frozen=True)
class Frame:
    index: int
    """Frames read before this one."""
    at: float
    """``time.monotonic()`` when it was read."""
    image: np.ndarray


def quiet_opencv() -> None:
    """Leave the explaining to :class:`SourceError`: OpenCV's and FFmpeg's own warnings go to stderr as noise."""
    os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")  # AV_LOG_QUIET; read when FFmpeg is first used
    cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_ERROR)


def open_capture(source: Source, timeout: float) -> cv2.VideoCapture:
    """An opened capture, or :class:`SourceError` saying why not (a stream gets ``timeout`` seconds)."""
    if source.kind == "file" and (problem := path_problem(Path(str(source.target)))):
        raise SourceError(problem)
    if source.kind == "camera" and isinstance(source.target, str) and not Path(source.target).exists():
        raise SourceError(f"no such camera device: {source.name}")
    cap = _capture(source, timeout)
    if cap.isOpened() and source.kind == "file":  # FFmpeg opens some files that hold no frame (text named .jpg)
        has_frame = cap.grab()
        cap.release()
        cap = _capture(source, timeout) if has_frame else cv2.VideoCapture()  # from the first frame again
    if cap.isOpened():
        return cap
    cap.release()
    if source.kind == "camera":
        raise SourceError(f"{source.name} does not exist or is busy (is it plugged in, and free of other programs?)")
    if source.kind == "file":
        raise SourceError(f"{source.name} is not a video this build of OpenCV can read")
    raise SourceError(f"{source.name} could not be opened: nothing answered within {timeout:g} s, the connection "
                      "was refused, or what answered is not a video")


def _capture(source: Source, timeout: float) -> cv2.VideoCapture:
    if source.kind == "camera":
        return cv2.VideoCapture(source.target, cv2.CAP_V4L2 if isinstance(source.target, str) else cv2.CAP_ANY)
    ms = round(timeout * 1000)
    return cv2.VideoCapture(str(source.target), cv2.CAP_FFMPEG,
                            [cv2.CAP_PROP_OPEN_TIMEOUT_MSEC, ms, cv2.CAP_PROP_READ_TIMEOUT_MSEC, ms])


class LatestFrame:
    """A one-frame mailbox: ``put`` replaces what was not taken yet (and counts it dropped)."""

    def __init__(self) -> None:
        self._ready = threading.Condition()
        self._frame: Frame | None = None
        self.read = 0
        self.dropped = 0
        self.ended: str | None = None
        """Why the source ended (None while it runs)."""
        self.failed = False
        """Whether it ended by failure (a lost stream) rather than by running out (a file's end)."""

    def put(self, frame: Frame) -> None:
        with self._ready:
            if self._frame is not None:
                self.dropped += 1
            self._frame = frame
            self.read += 1
            self._ready.notify()

    def end(self, reason: str, failed: bool = False) -> None:
        with self._ready:
            self.ended, self.failed = reason, failed
            self._ready.notify()

    def take(self, timeout: float) -> Frame | None:
        """The newest frame not yet taken; None when none came within ``timeout`` or the source ended."""
        with self._ready:
            self._ready.wait_for(lambda: self._frame is not None or self.ended is not None, timeout)
            frame, self._frame = self._frame, None
            return frame


class FrameReader(threading.Thread):
    """Reads ``source`` into a :class:`LatestFrame` until it ends, fails for good, or ``stop()``.

    A file is read at its own frame rate, as a camera would deliver it. A camera
    or stream that stops is reopened after 0.5, 1, 2, 4 ... s, ``reconnects``
    times at most. ``on_frame`` sees every frame read (the annotated video).
    """

    def __init__(self, source: Source, cap: cv2.VideoCapture, *, max_side: int, timeout: float, reconnects: int,
                 on_frame: Callable[[Frame], None] | None = None,
                 opener: Callable[[Source, float], cv2.VideoCapture] = open_capture):
        super().__init__(name="frame-reader", daemon=True)
        self.source, self._cap = source, cap
        self.max_side, self.timeout, self.reconnects = max_side, timeout, reconnects
        self.on_frame, self._open = on_frame, opener
        self.latest = LatestFrame()
        self.reconnected = 0
        self._stop_requested = threading.Event()
        fps = cap.get(cv2.CAP_PROP_FPS)
        self.fps = fps if 1 <= fps <= 240 else 30.0
        """The source's frame rate as it declares it (30 when it declares nothing sensible)."""

    def stop(self, wait: float = 3.0) -> None:
        """Ask the thread to end and wait for it (a blocked read ends within the read timeout)."""
        self._stop_requested.set()
        if self.is_alive():
            self.join(wait)

    def run(self) -> None:
        try:
            self._read_all()
        finally:
            self._cap.release()
            if self.latest.ended is None:
                self.latest.end("stopped")

    def _read_all(self) -> None:
        started, n = time.monotonic(), 0
        while not self._stop_requested.is_set():
            ok, image = self._cap.read()
            if not ok or image is None:
                if not self.source.live:
                    self.latest.end("end of video")
                    return
                if not self._reopen():
                    return
                started, n = time.monotonic(), 0
                continue
            frame = Frame(self.latest.read, time.monotonic(), shrink(image, self.max_side))
            self.latest.put(frame)
            if self.on_frame is not None:
                self.on_frame(frame)
            n += 1
            if not self.source.live:  # a file plays in real time, not as fast as it decodes
                self._stop_requested.wait(max(0.0, started + n / self.fps - time.monotonic()))

    def _reopen(self) -> bool:
        """Reopen a lost camera or stream with back-off; False (and the source ended) when it stays lost."""
        self._cap.release()
        for attempt in range(self.reconnects):
            if self._stop_requested.wait(0.5 * 2 ** attempt):
                return False
            try:
                self._cap = self._open(self.source, self.timeout)
            except SourceError:
                continue
            self.reconnected += 1
            return True
        self.latest.end(f"{self.source.name} was lost and did not come back after {self.reconnects} "
                        f"reconnect attempt{'s' * (self.reconnects != 1)}", failed=True)
        return False
