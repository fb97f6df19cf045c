"""Videos and video notes in, an emotion timeline and an overall mood out.

Sampling policy: look at the first ``video_max_seconds`` only, take frames at
``video_sample_fps`` (2 per second by default) and never more than
``video_max_frames`` (24), spread evenly. A 10 s video note thus costs 20
frames whatever its frame rate. Each sampled frame contributes its largest
face; all faces of a video go through the classifier in one batch. The overall
mood is the confidence-weighted mean of the per-frame probabilities, so clear
expressions count more than ambiguous in-between frames.

OpenCV reads videos from a path, so the bytes go to a private temporary file
that is deleted as soon as decoding ends; nothing is kept.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass

import cv2
import numpy as np

from model.analyze import EmotionAnalyzer
from model.errors import InvalidVideo, VideoTooLarge
from model.labels import EMOTIONS
from model.settings import ModelSettings

VIDEO_SUFFIXES = frozenset({".mp4", ".mov", ".webm", ".mkv", ".avi", ".gif", ".m4v"})
"""File name endings treated as video by the command-line tools."""
_FALLBACK_FPS = 30.0
_MAX_DECODED_PER_SECOND = 240
"""Bound on frames decoded per second of allowed video, whatever the file's metadata claims."""


@dataclass(frozen=True)
class FrameEmotion:
    """Probabilities of the largest face at ``time`` seconds, or None when the frame shows no face."""

    time: float
    probs: tuple[float, ...] | None


@dataclass(frozen=True)
class VideoEmotion:
    duration: float
    timeline: list[FrameEmotion]
    probs: tuple[float, ...] | None
    """Confidence-weighted mean over frames with a face; None if no frame had one."""

    @property
    def label(self) -> str | None:
        return None if self.probs is None else EMOTIONS[int(np.argmax(self.probs))]

    @property
    def confidence(self) -> float | None:
        return None if self.probs is None else float(max(self.probs))

    @property
    def frames_with_face(self) -> int:
        return sum(f.probs is not None for f in self.timeline)

    def to_dict(self) -> dict:
        return {
            "duration": round(self.duration, 2), "label": self.label,
            "confidence": None if self.confidence is None else round(self.confidence, 4),
            "frames_sampled": len(self.timeline), "frames_with_face": self.frames_with_face,
            "timeline": [{"time": round(f.time, 2), "label": None if f.probs is None
                          else EMOTIONS[int(np.argmax(f.probs))]} for f in self.timeline],
        }


def sample_indices(frame_count: int, fps: float, settings: ModelSettings) -> list[int]:
    """Frame indices to classify under the sampling policy above."""
    usable = min(frame_count, int(settings.video_max_seconds * fps))
    if usable <= 0:
        return []
    wanted = min(settings.video_max_frames, max(1, int(usable / fps * settings.video_sample_fps)))
    step = usable / wanted
    return sorted({int(step * (k + 0.5)) for k in range(wanted)})


def read_frames(path: str, settings: ModelSettings) -> tuple[list[tuple[float, np.ndarray]], float]:
    """Decode the sampled frames of a video file: ([(time, bgr)], duration in seconds)."""
    cap = cv2.VideoCapture(path)
    try:
        if not cap.isOpened():
            raise InvalidVideo("this is not a video I can read (MP4, WebM, GIF, ...)")
        fps = cap.get(cv2.CAP_PROP_FPS)
        fps = fps if 1.0 <= fps <= 240.0 else _FALLBACK_FPS
        count = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
        width, height = int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)), int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
        if width * height > settings.max_pixels:
            raise VideoTooLarge(f"the video is {width}x{height} pixels; the limit is {settings.max_pixels:,}")
        budget = int(settings.video_max_seconds * _MAX_DECODED_PER_SECOND)
        known = count > 0
        if not known:  # unknown length (some streams): assume the longest allowed
            count = int(settings.video_max_seconds * fps)
        wanted = set(sample_indices(count, fps, settings))
        last = max(wanted, default=-1)
        frames: list[tuple[float, np.ndarray]] = []
        index = 0
        while index <= last and index < budget and cap.grab():
            if index in wanted:
                ok, frame = cap.retrieve()
                if ok and frame is not None:
                    frames.append((index / fps, frame))
            index += 1
        return frames, (count if known else index) / fps
    finally:
        cap.release()


def analyze_video(analyzer: EmotionAnalyzer, data: bytes, suffix: str = ".mp4") -> VideoEmotion:
    """Emotion timeline and overall mood of a video given as bytes.

    Raises :class:`InvalidVideo` for undecodable or frameless videos and
    :class:`VideoTooLarge` above the size limits. A video without any face is
    not an error: its ``probs`` is None.
    """
    settings = analyzer.settings
    if not data:
        raise InvalidVideo("the file is empty")
    if len(data) > settings.video_max_bytes:
        raise VideoTooLarge(f"the video is {len(data) / 1e6:.1f} MB; the limit is {settings.video_max_bytes / 1e6:.0f} MB")
    with tempfile.NamedTemporaryFile(suffix=suffix) as tmp:
        tmp.write(data)
        tmp.flush()
        frames, duration = read_frames(tmp.name, settings)
    if not frames:
        raise InvalidVideo("the video has no frames I can decode")

    inputs, owners = [], []
    for i, (_, bgr) in enumerate(frames):
        faces, face_inputs = analyzer.faces_in(bgr, limit=1)  # the largest face speaks for the frame
        if faces:
            inputs.append(face_inputs[0])
            owners.append(i)
    probs = analyzer.classifier.predict(np.stack(inputs)) if inputs else np.zeros((0, len(EMOTIONS)))
    by_frame = dict(zip(owners, probs))
    timeline = [FrameEmotion(t, tuple(map(float, by_frame[i])) if i in by_frame else None)
                for i, (t, _) in enumerate(frames)]
    aggregate = None
    if len(probs):
        weights = probs.max(axis=1, keepdims=True)
        aggregate = tuple(float(p) for p in (probs * weights).sum(0) / weights.sum())
    return VideoEmotion(duration=duration, timeline=timeline, probs=aggregate)
