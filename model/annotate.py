"""Draw each face's box, emotion and confidence onto a small copy of a photo, or onto a camera frame."""

from __future__ import annotations

import cv2
import numpy as np

from model.reading import ImageEmotion

_COLOURS = {  # BGR, one per emotion, readable on photos
    "angry": (40, 40, 220), "disgust": (40, 140, 60), "fear": (160, 60, 160), "happy": (0, 200, 255),
    "sad": (200, 120, 30), "surprise": (0, 140, 255), "neutral": (170, 170, 170),
}


def draw_face(out: np.ndarray, box: tuple[int, int, int, int], emotion: str, text: str) -> None:
    """Draw one face's box in its emotion's colour with ``text`` on a tab above it, in place.

    Line width and text size scale with the image, so a label reads the same on a
    640-pixel camera frame and a 1280-pixel photo preview.
    """
    thickness = max(2, round(max(out.shape[:2]) / 400))
    text_scale = max(0.5, max(out.shape[:2]) / 1000)
    x, y, w, h = box
    colour = _COLOURS[emotion]
    cv2.rectangle(out, (x, y), (x + w, y + h), colour, thickness)
    (tw, th), base = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, text_scale, thickness)
    top = max(0, y - th - base - 4)
    cv2.rectangle(out, (x, top), (x + tw + 4, top + th + base + 4), colour, -1)
    cv2.putText(out, text, (x + 2, top + th + 2), cv2.FONT_HERSHEY_SIMPLEX, text_scale, (0, 0, 0), thickness,
                cv2.LINE_AA)


def annotate(reading: ImageEmotion) -> np.ndarray:
    """The reading's preview with a labelled box per face."""
    out = reading.preview.copy()
    for face in reading.faces:
        x, y, w, h = (round(v * reading.scale) for v in face.box)
        draw_face(out, (x, y, w, h), face.label, f"{face.label} {face.confidence:.0%}")
    return out


def encode_jpeg(bgr: np.ndarray, quality: int = 88) -> bytes:
    ok, buf = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise ValueError("could not encode the annotated image")
    return buf.tobytes()


def annotated_jpeg(reading: ImageEmotion) -> bytes:
    """The annotated preview as JPEG: at most ``preview_side`` pixels, well within Telegram's photo limits."""
    return encode_jpeg(annotate(reading))
