"""Where each emotion and each lift target sits among songs, placed by labelled data.

The four moods of the labelled songs (``data_moods.csv``: calm, energetic,
happy, sad) each have a centre and the moods a pooled spread over seven audio
features (valence, energy, acousticness, instrumentalness, danceability, tempo,
loudness), fitted by ``python -m catalog build`` and shipped in
``catalog/seed/mood_regions.json`` with their cross-validated agreement.
Calm music, for one, is quiet, acoustic and instrumental, and low in Spotify's
valence: placing "calm" by the word's angle on Russell's circumplex (high
valence, low arousal) put it where almost no calm music is.

The seven FER2013 emotions are blends of those four centres, chosen by how the
music that fits each feels (``EMOTION_BLENDS``): anger is energetic and dark,
fear quiet and dark (never loud), surprise energetic and bright, neutral the
middle ground. A face's mood is the probability-weighted blend of its
emotions' points.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np

EMOTIONS: tuple[str, ...] = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")
"""FER2013 order; the catalogue takes probability vectors in this order (it never sees images)."""

REGIONS_FILE = Path(__file__).parent / "seed" / "mood_regions.json"

EMOTION_BLENDS: dict[str, dict[str, float]] = {
    "angry": {"energetic": 0.6, "sad": 0.4},
    "disgust": {"energetic": 0.4, "sad": 0.6},
    "fear": {"calm": 0.4, "sad": 0.6},
    "happy": {"happy": 1.0},
    "sad": {"sad": 1.0},
    "surprise": {"energetic": 0.5, "happy": 0.5},
    "neutral": {"happy": 0.4, "sad": 0.3, "calm": 0.3},
    "calm": {"calm": 1.0},
    "energetic": {"energetic": 1.0},
}
"""Each emotion (and lift target) as a blend of the fitted mood centres."""

TARGETS: tuple[str, ...] = tuple(EMOTION_BLENDS)
TENSE = frozenset({"angry", "disgust", "fear"})

LIFT_TARGET = {"angry": "calm", "disgust": "calm", "fear": "calm", "sad": "happy", "neutral": "happy",
               "surprise": "happy", "happy": "energetic", "calm": "happy", "energetic": "happy"}
"""Where a lift goes: tense moods calm down, low ones brighten, a happy one gets going."""


_SCALES = {"tempo": (0.0, 200.0), "loudness": (-60.0, 60.0)}
"""(offset, divisor) bringing a feature to a 0-1-ish scale like the others: tempo / 200 BPM, (dB + 60) / 60."""


def scale(feature: str, values: np.ndarray) -> np.ndarray:
    offset, divisor = _SCALES.get(feature, (0.0, 1.0))
    return (values - offset) / divisor


class Regions:
    """The fitted centres, the spread that scales each feature, and mood points derived from them."""

    def __init__(self, data: dict):
        self.features: tuple[str, ...] = tuple(data["features"])
        self.spread = np.asarray(data["spread"], np.float64)
        self.centres = {name: np.asarray(c, np.float64) for name, c in data["centres"].items()}
        self.agreement: dict = data.get("agreement", {})

    def point(self, name: str) -> np.ndarray:
        """The feature vector of an emotion or target name."""
        key = name.strip().lower()
        if key not in EMOTION_BLENDS:
            raise ValueError(f"unknown mood {name!r}; choose from {', '.join(TARGETS)}")
        return sum((w * self.centres[m] for m, w in EMOTION_BLENDS[key].items()), np.zeros(len(self.features)))

    def blend(self, probs: Sequence[float]) -> np.ndarray:
        """Probability-weighted point of a face's emotions."""
        if len(probs) != len(EMOTIONS):
            raise ValueError(f"expected {len(EMOTIONS)} probabilities, got {len(probs)}")
        weights = np.clip(np.asarray(probs, np.float64), 0, None)
        if weights.sum() <= 0:
            return self.point("neutral")
        return sum((w * self.point(e) for w, e in zip(weights / weights.sum(), EMOTIONS)),
                   np.zeros(len(self.features)))


@lru_cache(maxsize=1)
def regions() -> Regions:
    return Regions(json.loads(REGIONS_FILE.read_text()))


def dominant(probs: Sequence[float]) -> str:
    return EMOTIONS[int(np.argmax(probs))]


def default_strategy(emotion: str) -> str:
    """Tense moods get the calming path by default; the others a list that matches."""
    return "lift" if emotion in TENSE else "match"


def lift_target(emotion: str) -> str:
    return LIFT_TARGET[emotion]


def one_hot(emotion: str) -> tuple[float, ...]:
    """The probability vector of an emotion named by hand."""
    key = emotion.strip().lower()
    if key not in EMOTIONS:
        raise ValueError(f"unknown emotion {emotion!r}; choose from {', '.join(EMOTIONS)}")
    return tuple(1.0 if e == key else 0.0 for e in EMOTIONS)
