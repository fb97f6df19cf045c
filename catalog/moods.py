"""Where each emotion sits in valence-arousal space, and where a mix of them points.

Coordinates follow Russell's circumplex model of affect (J. A. Russell, "A
circumplex model of affect", Journal of Personality and Social Psychology 39(6),
1161-1178, 1980), which places affect words on a circle whose horizontal axis
is valence (unpleasant-pleasant) and vertical axis is arousal (sleepy-aroused).
The angles below are read off that paper's circumplex for the nearest word
(happy ~ "happy", angry ~ "angry", fear ~ "afraid", sad ~ "sad", surprise ~
"astonished", disgust ~ between "annoyed" and "distressed"; Russell's 28 words
include no "disgusted"), so they are approximate; neutral is the centre.
Points sit at radius 0.8 of the circle, then map onto Spotify's 0-1 valence and
energy scales (energy serves as the audio proxy for arousal, as is usual in
music-emotion research): extremes at radius 1 would target corners where the
catalogue has almost no songs.

The calm and energetic targets (for the "lift" strategy) come from the same
circumplex: "calm"/"relaxed" at about 316 degrees, "excited" at about 49 degrees.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

EMOTIONS: tuple[str, ...] = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")
"""FER2013 order; the catalogue takes probability vectors in this order (it never sees images)."""

_RADIUS = 0.8
_ANGLES_DEG = {"angry": 99.0, "disgust": 130.0, "fear": 117.0, "happy": 8.0, "sad": 208.0,
               "surprise": 70.0, "calm": 316.0, "energetic": 49.0}


def _point(angle_deg: float) -> tuple[float, float]:
    rad = math.radians(angle_deg)
    return 0.5 + 0.5 * _RADIUS * math.cos(rad), 0.5 + 0.5 * _RADIUS * math.sin(rad)


MOOD_POINTS: dict[str, tuple[float, float]] = {name: _point(a) for name, a in _ANGLES_DEG.items()}
"""(valence, energy) in 0-1 for every emotion and for the extra targets calm and energetic."""
MOOD_POINTS["neutral"] = (0.5, 0.5)

TARGETS: tuple[str, ...] = tuple(MOOD_POINTS)


def target_point(probs: Sequence[float]) -> tuple[float, float]:
    """Probability-weighted mean of the emotions' points: where this face's mood sits."""
    if len(probs) != len(EMOTIONS):
        raise ValueError(f"expected {len(EMOTIONS)} probabilities, got {len(probs)}")
    total = sum(probs)
    if total <= 0:
        return MOOD_POINTS["neutral"]
    v = sum(p * MOOD_POINTS[e][0] for p, e in zip(probs, EMOTIONS)) / total
    a = sum(p * MOOD_POINTS[e][1] for p, e in zip(probs, EMOTIONS)) / total
    return v, a


def default_lift_target(emotion: str) -> str:
    """The iso principle's usual destination: calm for tense moods, happy for low ones."""
    return "calm" if emotion in ("angry", "disgust", "fear") else "happy"


def point_of(name: str) -> tuple[float, float]:
    key = name.strip().lower()
    if key not in MOOD_POINTS:
        raise ValueError(f"unknown mood {name!r}; choose from {', '.join(TARGETS)}")
    return MOOD_POINTS[key]
