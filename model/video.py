"""Videos and video notes in, sampled frames out, bounded in time and memory.

Sampling policy: look at the first ``video_max_seconds`` only, take frames at
``video_sample_fps`` (2 per second by default) and never more than
``video_max_frames`` (24), spread evenly. A 10 s video note thus costs 20
frames whatever its frame rate.

The cost of a video is bounded three ways, whatever its metadata claims:
frames larger than ``video_max_pixels`` are refused before any decoding; frames
are decoded one after another only while that stays within
``video_decode_pixels``, and beyond that the reader seeks straight to the next
sampled frame (unless a seek proves slow: with few key frames FFmpeg decodes
from the last key frame up to every target, so seeking stops and frames are
decoded in order); and decoding stops at ``video_deadline`` seconds, keeping
what it has (``seconds_analysed`` says how far it got). Each kept frame is shrunk at
once to ``video_frame_side`` pixels on its long side. When the frames end before
the length the metadata claims, the length read is the one reported.

The bytes are decoded from memory (OpenCV's FFmpeg backend reads a Python
stream), so a video never touches the disk.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np

from model.errors import InvalidVideo, VideoTooLarge, VideoTooSlow
from model.settings import ModelSettings

VIDEO_SUFFIXES = frozenset({".mp4", ".mov", ".webm", ".mkv", ".avi", ".gif", ".m4v"})
"""File name endings treated as video by the command-line tools."""
_FALLBACK_FPS = 30.0
_SEEK_GAP = 48
"""Frames between two samples beyond which seeking beats decoding every frame in between."""
_SLOW_SEEK = 0.5
"""Seconds; a seek slower than this means sparse key frames, and seeking stops for that video."""


@dataclass(frozen=True)
class Frames:
    """The sampled frames of a video: (time in seconds, shrunk BGR frame), and how much was covered."""

    frames: list[tuple[float, np.ndarray]]
    duration: float
    seconds_analysed: float


def sample_indices(frame_count: int, fps: float, settings: ModelSettings) -> list[int]:
    """Frame indices to classify under the sampling policy above."""
    usable = min(frame_count, int(settings.video_max_seconds * fps))
    if usable <= 0:
        return []
    wanted = min(settings.video_max_frames, max(1, int(usable / fps * settings.video_sample_fps)))
    step = usable / wanted
    return sorted({int(step * (k + 0.5)) for k in range(wanted)})


def shrink(bgr: np.ndarray, side: int) -> np.ndarray:
    """``bgr`` with its long side at most ``side`` pixels (area interpolation; unchanged if smaller)."""
    scale = side / max(bgr.shape[:2])
    if scale >= 1:
        return bgr
    size = (max(1, round(bgr.shape[1] * scale)), max(1, round(bgr.shape[0] * scale)))
    return cv2.resize(bgr, size, interpolation=cv2.INTER_AREA)


def read_frames(data: bytes, settings: ModelSettings, clock: Callable[[], float] = time.monotonic) -> Frames:
    """Decode the sampled frames of a video given as bytes, within the budgets above."""
    if not data:
        raise InvalidVideo("the file is empty", "empty")
    if len(data) > settings.video_max_bytes:
        raise VideoTooLarge(f"the video is {len(data) / 1e6:.1f} MB; "
                            f"the limit is {settings.video_max_bytes / 1e6:.0f} MB", "video_too_large",
                            megabytes=len(data) / 1e6, limit=settings.video_max_bytes / 1e6)
    deadline = clock() + settings.video_deadline
    stream = io.BytesIO(data)  # must outlive the capture: OpenCV keeps no reference to it
    cap = cv2.VideoCapture(stream, cv2.CAP_FFMPEG, [])  # type: ignore[call-overload]  # stubs name only IStreamReader
    try:
        if not cap.isOpened():
            raise InvalidVideo("this is not a video I can read (MP4, WebM, GIF, ...)", "not_video")
        fps = cap.get(cv2.CAP_PROP_FPS)
        fps = fps if 1.0 <= fps <= 1000.0 else _FALLBACK_FPS
        count = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
        width, height = int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)), int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
        if width * height > settings.video_max_pixels:
            raise VideoTooLarge(f"the video is {width}x{height} pixels; I read videos of up to "
                                f"{settings.video_max_pixels / 1e6:.1f} megapixels a frame", "video_too_many_pixels",
                                width=width, height=height, limit=settings.video_max_pixels / 1e6)
        known = count > 0
        if not known:  # unknown length (some streams): assume the longest allowed
            count = int(settings.video_max_seconds * fps)
        sequential_budget = settings.video_decode_pixels // max(1, width * height)
        frames: list[tuple[float, np.ndarray]] = []
        position = decoded = 0
        late, seeking = False, True
        last, ended = -1, None  # the last frame read; the frames the stream really has, if it ends early
        for index in sample_indices(count, fps, settings):
            if clock() > deadline:
                late = True
                break
            gap = index - position
            if seeking and (gap > _SEEK_GAP or decoded + gap > sequential_budget):
                started = clock()
                if cap.set(cv2.CAP_PROP_POS_FRAMES, index):
                    position = index
                seeking = clock() - started <= _SLOW_SEEK
            while position < index and clock() <= deadline and cap.grab():
                position += 1
                decoded += 1
            ok, frame = cap.read() if position == index else (False, None)
            if not ok or frame is None:
                late = clock() > deadline
                if not late:  # it ends where decoding stopped, or (sought past its end) after the last frame read
                    ended = position if position < index else last + 1
                break
            position += 1
            decoded += 1
            last = index
            frames.append((index / fps, shrink(frame, settings.video_frame_side)))
    finally:
        cap.release()
    if not frames:
        if late:
            raise VideoTooSlow("this video takes me too long to decode; a shorter or smaller clip works better",
                              "video_too_slow")
        raise InvalidVideo("the video has no frames I can decode", "no_frames")
    duration = (ended if ended is not None else count if known else position) / fps
    covered = min(duration, settings.video_max_seconds)
    if late:
        step = 1.0 / settings.video_sample_fps
        covered = min(covered, frames[-1][0] + step)
    return Frames(frames, duration, covered)
