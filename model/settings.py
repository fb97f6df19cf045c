"""Settings of the inference package, read from the environment or ``.env``.

Every variable is documented in ``.env.example``; the defaults run the bundled
model with no configuration at all.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

WEIGHTS_DIR = Path(__file__).parent / "weights"


class ModelSettings(BaseSettings):
    """Where the classifier lives, how it runs, and the limits that keep bad input bounded."""

    model_config = SettingsConfigDict(env_prefix="MODEL_", env_file=".env", extra="ignore")

    path: Path = WEIGHTS_DIR / "emotion_cnn.keras"
    """The Keras model (source of truth). Its ``.tflite`` twin beside it is used by the litert runtime."""
    runtime: Literal["litert", "keras"] = "litert"
    tta: Literal["none", "flip", "flip-shift"] = "flip"
    max_pixels: int = 40_000_000
    """Images with more pixels than this are refused before decoding (decompression bombs)."""
    image_work_pixels: int = 4_000_000
    """Pictures are analysed at most this large, shrunk while decoding where the format allows: the detector
    looks at tiles shrunk to 192 pixels and the classifier at 48x48 faces, so more pixels would only cost memory."""
    image_max_passes: int = Field(140, ge=16)
    """Detector passes per picture. Every picture up to 4:1 gets its full search (132 passes at most); a longer
    one is searched from its start as far as this allows, and the reading says how far (``ImageEmotion.searched``)."""
    image_deadline: float = 1.5
    """Seconds per picture, decoding included, after which no further detector pass starts; the reading says
    what was searched by then."""
    max_faces: int = 10
    """At most this many faces (the largest) are classified per image."""
    min_face_score: float = 0.6
    """Detector confidence needed to call something a face; a lone face in a photo may score 0.05 less."""
    video_max_seconds: float = 60.0
    """Only the first this-many seconds of a video are looked at."""
    video_sample_fps: float = 2.0
    video_max_frames: int = 24
    video_max_bytes: int = 50_000_000
    video_max_pixels: int = 3840 * 2160
    """Videos with larger frames (8K) are refused before any frame is decoded."""
    video_decode_pixels: int = 1_500_000_000
    """Pixels decoded frame after frame per video; past that the reader seeks to each sampled frame."""
    video_deadline: float = 6.0
    """Seconds of decoding per video; what was read by then is analysed, the rest is left."""
    video_frame_side: int = 960
    """Sampled frames are shrunk at once to at most this many pixels on their long side."""
    preview_side: int = 1280
    """Long side of the picture kept for drawing faces on (annotated replies)."""


@lru_cache(maxsize=1)
def get_settings() -> ModelSettings:
    return ModelSettings()
