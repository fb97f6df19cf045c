"""Settings of the inference package, read from the environment or ``.env``.

Every variable is documented in ``.env.example``; the defaults run the bundled
model with no configuration at all.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

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
    max_faces: int = 10
    """At most this many faces (the largest) are classified per image."""
    min_face_score: float = 0.6
    """Detector confidence needed to call something a face; a lone face in a photo may score 0.05 less."""
    video_max_seconds: float = 60.0
    """Only the first this-many seconds of a video are looked at."""
    video_sample_fps: float = 2.0
    video_max_frames: int = 24
    video_max_bytes: int = 50_000_000


@lru_cache(maxsize=1)
def get_settings() -> ModelSettings:
    return ModelSettings()
