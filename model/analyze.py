"""Media bytes in, emotions out: decode, detect, align, classify in one batch.

:class:`EmotionAnalyzer` holds the loaded detector and classifier; build it once
per process (``get_analyzer()``) and call it from any thread. Its
:meth:`~EmotionAnalyzer.analyze` is the one step from "bytes a user sent" to a
reading that every front end shares.
"""

from __future__ import annotations

import time
from dataclasses import replace
from functools import lru_cache
from typing import Literal

import cv2
import numpy as np

from model.align import face_crop
from model.classifier import EmotionClassifier
from model.detect import Face, FaceDetector
from model.image import decode_image
from model.labels import EMOTIONS
from model.native import native_output_logged
from model.preprocess import batch_to_input
from model.reading import FaceEmotion, FrameEmotion, ImageEmotion, Reading, VideoEmotion
from model.settings import ModelSettings, get_settings
from model.video import VIDEO_SUFFIXES, read_frames, shrink

MediaKind = Literal["image", "video"]


def media_kind(name: str = "", mime: str = "") -> MediaKind:
    """"video" for video MIME types, GIFs and video file names; "image" otherwise."""
    mime = mime.lower()
    if mime.startswith("video/") or mime == "image/gif":
        return "video"
    if mime.startswith("image/"):
        return "image"
    suffix = name.lower().rsplit(".", 1)[-1] if "." in name else ""
    return "video" if f".{suffix}" in VIDEO_SUFFIXES else "image"


class EmotionAnalyzer:
    """Detector + classifier, loaded once."""

    def __init__(self, settings: ModelSettings | None = None):
        self.settings = settings or get_settings()
        self.detector = FaceDetector(self.settings.min_face_score, max_passes=self.settings.image_max_passes)
        with native_output_logged("model"):  # the classifier's warm-up is LiteRT's first run in the process
            self.classifier = EmotionClassifier(self.settings.path, self.settings.runtime, self.settings.tta)

    def analyze(self, data: bytes, kind: MediaKind) -> Reading:
        """A picture's faces or a video's mood timeline, from the bytes a user sent.

        Raises a :class:`model.errors.InputError` subclass, whose message says why in
        plain English (and whose ``why`` and ``details`` name it for other languages),
        for anything that cannot be analysed within the limits.
        """
        return self.analyze_video(data) if kind == "video" else self.analyze_image(data)

    def faces_in(self, bgr: np.ndarray, limit: int | None = None) -> tuple[list[Face], np.ndarray]:
        """Detect the largest faces (at most ``limit``, default ``max_faces``) and build their classifier inputs."""
        faces = self.detector.detect(bgr).faces[: limit or self.settings.max_faces]
        return faces, self._inputs(bgr, faces)

    def analyze_array(self, bgr: np.ndarray) -> list[FaceEmotion]:
        """Emotions of every face in a decoded BGR image, largest face first; [] when there is none."""
        faces, inputs = self.faces_in(bgr)
        return self._classify(faces, inputs)

    def analyze_image(self, data: bytes) -> ImageEmotion:
        """Every face in encoded image bytes (JPEG, PNG, WebP, ...) and a small copy to draw on.

        The work is bounded whatever the picture: it is decoded at most ``image_work_pixels`` large,
        and the detector makes at most ``image_max_passes`` passes, none after ``image_deadline``
        seconds; ``searched`` says what part was looked at when that cut the search short. Boxes are
        in the original picture's pixels. Raises :class:`model.errors.InvalidImage` or
        :class:`model.errors.ImageTooLarge` for input that cannot be analysed. No face is not an
        error: ``faces`` is empty.
        """
        deadline = time.monotonic() + self.settings.image_deadline
        picture = decode_image(data, self.settings.max_pixels, self.settings.image_work_pixels)
        bgr = picture.bgr
        found = self.detector.detect(bgr, deadline)
        faces = found.faces[: self.settings.max_faces]
        readings = self._classify(faces, self._inputs(bgr, faces))
        to_original = picture.size[0] / bgr.shape[1], picture.size[1] / bgr.shape[0]
        whole = found.searched == (0, 0, bgr.shape[1], bgr.shape[0])
        searched = (0, 0, *picture.size) if whole else _scaled(found.searched, to_original)
        preview = shrink(bgr, self.settings.preview_side)
        return ImageEmotion([replace(r, box=_scaled(r.box, to_original)) for r in readings], picture.size,
                            preview, preview.shape[1] / picture.size[0], searched)

    def _inputs(self, bgr: np.ndarray, faces: list[Face]) -> np.ndarray:
        gray = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)
        return batch_to_input([face_crop(gray, f) for f in faces])

    def _classify(self, faces: list[Face], inputs: np.ndarray) -> list[FaceEmotion]:
        probs = self.classifier.predict(inputs)
        return [FaceEmotion(f.box, f.score, tuple(float(p) for p in row)) for f, row in zip(faces, probs)]

    def analyze_video(self, data: bytes) -> VideoEmotion:
        """Emotion timeline and overall mood of a video (MP4, WebM, GIF, ...) given as bytes.

        Each sampled frame contributes its largest face; all faces go through
        the classifier in one batch. The overall mood is the confidence-weighted
        mean of the per-frame probabilities, so clear expressions count more
        than ambiguous in-between frames. Raises :class:`model.errors.InvalidVideo`,
        :class:`model.errors.VideoTooLarge` or :class:`model.errors.VideoTooSlow`;
        a video without any face is not an error: its ``probs`` is None.
        """
        sampled = read_frames(data, self.settings)
        inputs, owners = [], []
        for i, (_, bgr) in enumerate(sampled.frames):
            faces, face_inputs = self.faces_in(bgr, limit=1)  # the largest face speaks for the frame
            if faces:
                inputs.append(face_inputs[0])
                owners.append(i)
        probs = self.classifier.predict(np.stack(inputs)) if inputs else np.zeros((0, len(EMOTIONS)))
        by_frame = dict(zip(owners, probs))
        timeline = [FrameEmotion(t, tuple(map(float, by_frame[i])) if i in by_frame else None)
                    for i, (t, _) in enumerate(sampled.frames)]
        aggregate = None
        if len(probs):
            weights = probs.max(axis=1, keepdims=True)
            aggregate = tuple(float(p) for p in (probs * weights).sum(0) / weights.sum())
        return VideoEmotion(sampled.duration, sampled.seconds_analysed, timeline, aggregate)


def _scaled(box: tuple[int, int, int, int], factor: tuple[float, float]) -> tuple[int, int, int, int]:
    """A box in the analysed copy's pixels, in the original's."""
    x, y, w, h = box
    return round(x * factor[0]), round(y * factor[1]), round(w * factor[0]), round(h * factor[1])


@lru_cache(maxsize=1)
def get_analyzer() -> EmotionAnalyzer:
    """The process-wide analyzer, built on first use with the environment's settings."""
    return EmotionAnalyzer()
