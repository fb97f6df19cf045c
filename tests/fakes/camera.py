"""A fake camera for the browser: a test face as the uncompressed video Chromium's fake capture device plays."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

DATA = Path(__file__).parents[1] / "data"
HAPPY = DATA / "congress_S001179.jpg"
"""A public-domain portrait the shipped model reads as happy (87%)."""


def write_y4m(path: Path, frames: list[np.ndarray], fps: int = 10) -> Path:
    """BGR frames of one size as YUV4MPEG2 (4:2:0), the format of ``--use-file-for-fake-video-capture``."""
    height, width = frames[0].shape[:2]
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F{fps}:1 Ip A1:1 C420jpeg\n".encode())
        for frame in frames:
            out.write(b"FRAME\n" + cv2.cvtColor(frame, cv2.COLOR_BGR2YUV_I420).tobytes())
    return path


def face_video(path: Path, face_file: Path = HAPPY, seconds: float = 2, fps: int = 10) -> Path:
    """A 640x480 clip (looped by the browser) of one face drifting a little, as a selfie camera sees it.

    Uncompressed: 0.46 MB a frame, so it is written where the test runs, never kept.
    """
    face = cv2.imread(str(face_file))
    frames = []
    for i in range(round(seconds * fps)):
        frame = np.full((480, 640, 3), 110, np.uint8)
        x = 200 + round(20 * np.sin(2 * np.pi * i / (seconds * fps)))
        frame[100:100 + face.shape[0], x:x + face.shape[1]] = face
        frames.append(frame)
    return write_y4m(path, frames, fps)
