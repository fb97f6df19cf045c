"""Photos in, emotions out: decode, detect, align, classify in one batch.

:class:`EmotionAnalyzer` holds the loaded detector and classifier; build it once
per process (``get_analyzer()``) and call it from any thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np

from model.align import face_crop
from model.classifier import EmotionClassifier
from model.detect import Face, FaceDetector
from model.image import decode_image
from model.labels import EMOTIONS
from model.preprocess import batch_to_input
from model.settings import ModelSettings, get_settings


@dataclass(frozen=True)
class FaceEmotion:
    """One face: its box (x, y, w, h) in the upright image, detector score and emotion probabilities."""

    box: tuple[int, int, int, int]
    detection_score: float
    probs: tuple[float, ...]

    @property
    def label(self) -> str:
        return EMOTIONS[int(np.argmax(self.probs))]

    @property
    def confidence(self) -> float:
        return float(max(self.probs))

    def ranked(self) -> list[tuple[str, float]]:
        """(label, probability) pairs, most likely first."""
        return sorted(zip(EMOTIONS, self.probs), key=lambda p: p[1], reverse=True)

    def to_dict(self) -> dict:
        return {"box": list(self.box), "detection_score": round(self.detection_score, 4),
                "label": self.label, "confidence": round(self.confidence, 4),
                "probs": {e: round(p, 4) for e, p in zip(EMOTIONS, self.probs)}}


class EmotionAnalyzer:
    """Detector + classifier, loaded once."""

    def __init__(self, settings: ModelSettings | None = None):
        self.settings = settings or get_settings()
        self.detector = FaceDetector(min_score=self.settings.min_face_score)
        self.classifier = EmotionClassifier(self.settings.path, self.settings.runtime, self.settings.tta)

    def faces_in(self, bgr: np.ndarray, limit: int | None = None) -> tuple[list[Face], np.ndarray]:
        """Detect the largest faces (at most ``limit``, default ``max_faces``) and build their classifier inputs."""
        faces = self.detector.detect(bgr)[: limit or self.settings.max_faces]
        gray = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)
        return faces, batch_to_input([face_crop(gray, f) for f in faces])

    def analyze_array(self, bgr: np.ndarray) -> list[FaceEmotion]:
        """Emotions of every face in a decoded BGR image, largest face first; [] when there is none."""
        faces, inputs = self.faces_in(bgr)
        probs = self.classifier.predict(inputs)
        return [FaceEmotion(f.box, f.score, tuple(float(p) for p in row)) for f, row in zip(faces, probs)]

    def analyze_image(self, data: bytes) -> list[FaceEmotion]:
        """Emotions of every face in encoded image bytes (JPEG, PNG, WebP, ...).

        Raises :class:`model.errors.InvalidImage` or :class:`model.errors.ImageTooLarge`
        for input that cannot be analysed. No face is not an error: the list is empty.
        """
        return self.analyze_array(decode_image(data, self.settings.max_pixels))


@lru_cache(maxsize=1)
def get_analyzer() -> EmotionAnalyzer:
    """The process-wide analyzer, built on first use with the environment's settings."""
    return EmotionAnalyzer()
