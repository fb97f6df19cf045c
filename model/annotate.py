"""Draw each face's box, emotion and confidence onto a small copy of the photo."""

from __future__ import annotations

import cv2
import numpy as np

from model.reading import ImageEmotion

_COLOURS = {  # BGR, one per emotion, readable on photos
    "angry": (40, 40, 220), "disgust": (40, 140, 60), "fear": (160, 60, 160), "happy": (0, 200, 255),
    "sad": (200, 120, 30), "surprise": (0, 140, 255), "neutral": (170, 170, 170),
}


def annotate(reading: ImageEmotion) -> np.ndarray:
    """The reading's preview with a labelled box per face (line width scales with the preview)."""
    out = reading.preview.copy()
    thickness = max(2, round(max(out.shape[:2]) / 400))
    text_scale = max(0.5, max(out.shape[:2]) / 1000)
    for face in reading.faces:
        x, y, w, h = (round(v * reading.scale) for v in face.box)
        colour = _COLOURS[face.label]
        cv2.rectangle(out, (x, y), (x + w, y + h), colour, thickness)
        text = f"{face.label} {face.confidence:.0%}"
        (tw, th), base = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, text_scale, thickness)
        top = max(0, y - th - base - 4)
        cv2.rectangle(out, (x, top), (x + tw + 4, top + th + base + 4), colour, -1)
        cv2.putText(out, text, (x + 2, top + th + 2), cv2.FONT_HERSHEY_SIMPLEX, text_scale, (0, 0, 0), thickness,
                    cv2.LINE_AA)
    return out


def encode_jpeg(bgr: np.ndarray, quality: int = 88) -> bytes:
    ok, buf = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise ValueError("could not encode the annotated image")
    return buf.tobytes()


def annotated_jpeg(reading: ImageEmotion) -> bytes:
    """The annotated preview as JPEG: at most ``preview_side`` pixels, well within Telegram's photo limits."""
    return encode_jpeg(annotate(reading))
