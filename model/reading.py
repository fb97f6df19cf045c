"""What the model says about a picture or a video: plain, immutable results.

Every front end (the bot, ``python -m bot try``, ``python -m model predict``)
receives one of these from :meth:`model.EmotionAnalyzer.analyze`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from model.labels import EMOTIONS


def _ranked(probs: tuple[float, ...]) -> list[tuple[str, float]]:
    return sorted(zip(EMOTIONS, probs), key=lambda p: p[1], reverse=True)


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
        return _ranked(self.probs)

    def to_dict(self) -> dict:
        return {"box": list(self.box), "detection_score": round(self.detection_score, 4),
                "label": self.label, "confidence": round(self.confidence, 4),
                "probs": {e: round(p, 4) for e, p in zip(EMOTIONS, self.probs)}}


@dataclass(frozen=True)
class ImageEmotion:
    """Every face of a picture, largest first (empty when there is none), and a small copy to draw on.

    ``preview`` is the upright picture shrunk to at most ``preview_side`` pixels on its long side
    (``scale`` preview pixels per original pixel): an annotated reply never has to carry, or
    re-encode, a 7000x5000 original.
    """

    faces: list[FaceEmotion]
    size: tuple[int, int]
    """(width, height) of the upright original."""
    preview: np.ndarray = field(repr=False)
    scale: float
    searched: tuple[int, int, int, int]
    """(x, y, w, h) of the part searched for faces, in original pixels: the whole picture unless the work
    budget cut the search short (a very long strip), then the start of it along its long side."""

    @property
    def searched_fraction(self) -> float:
        """How much of the picture was searched: 1.0 for all of it."""
        return min(1.0, self.searched[2] * self.searched[3] / max(1, self.size[0] * self.size[1]))

    def to_dict(self) -> dict:
        return {"kind": "image", "width": self.size[0], "height": self.size[1],
                "searched": list(self.searched), "faces": [f.to_dict() for f in self.faces]}


@dataclass(frozen=True)
class FrameEmotion:
    """Probabilities of the largest face at ``time`` seconds, or None when the frame shows no face."""

    time: float
    probs: tuple[float, ...] | None


@dataclass(frozen=True)
class VideoEmotion:
    duration: float
    """The video's length as its file says, or as far as its frames go when they end sooner or it gives none."""
    seconds_analysed: float
    """How much of it the timeline covers: at most ``video_max_seconds``, less when decoding hit its budget."""
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

    def ranked(self) -> list[tuple[str, float]]:
        """(label, probability) pairs of the overall mood, most likely first; [] without a face."""
        return [] if self.probs is None else _ranked(self.probs)

    def to_dict(self) -> dict:
        return {
            "kind": "video", "duration": round(self.duration, 2), "seconds_analysed": round(self.seconds_analysed, 2),
            "label": self.label, "confidence": None if self.confidence is None else round(self.confidence, 4),
            "frames_sampled": len(self.timeline), "frames_with_face": self.frames_with_face,
            "timeline": [{"time": round(f.time, 2), "label": None if f.probs is None
                          else EMOTIONS[int(np.argmax(f.probs))]} for f in self.timeline],
        }


Reading = ImageEmotion | VideoEmotion
