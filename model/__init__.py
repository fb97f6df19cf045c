"""Emotion inference: faces in photos and videos -> FER2013 emotion probabilities.

Knows nothing of Telegram or songs. Typical use::

    from model import get_analyzer, media_kind
    reading = get_analyzer().analyze(data, media_kind(filename))   # ImageEmotion or VideoEmotion
    reading.faces                                                  # a picture's faces, largest first
"""

from typing import TYPE_CHECKING, Any

from model.errors import (
    ImageTooLarge,
    InputError,
    InvalidImage,
    InvalidVideo,
    VideoTooLarge,
    VideoTooSlow,
    path_problem,
)
from model.labels import EMOTIONS, NUM_CLASSES
from model.reading import FaceEmotion, FrameEmotion, ImageEmotion, Reading, VideoEmotion

if TYPE_CHECKING:
    from model.analyze import EmotionAnalyzer, MediaKind, get_analyzer, media_kind

_ANALYZE = ("EmotionAnalyzer", "MediaKind", "get_analyzer", "media_kind")


def __getattr__(name: str) -> Any:
    """The analyzer is imported on first use: it needs OpenCV and LiteRT, which ``model.labels`` does not."""
    if name in _ANALYZE:
        from model import analyze

        return getattr(analyze, name)
    raise AttributeError(f"module 'model' has no attribute {name!r}")

__all__ = [
    "EMOTIONS", "NUM_CLASSES", "EmotionAnalyzer", "FaceEmotion", "FrameEmotion", "ImageEmotion", "ImageTooLarge",
    "InputError", "InvalidImage", "InvalidVideo", "MediaKind", "Reading", "VideoEmotion", "VideoTooLarge",
    "VideoTooSlow", "get_analyzer", "media_kind", "path_problem",
]
