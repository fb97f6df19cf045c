"""The classifier's contract: the seven FER2013 emotion labels in the dataset's own code order, and its input size.

Every package that needs a label name or index takes it from here, so the
classifier's output columns, the training targets and the catalogue's mood map
can never disagree about which index means what. Nothing here needs more than
the standard library, so training can import it on a machine without OpenCV.
"""

from __future__ import annotations

EMOTIONS: tuple[str, ...] = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")
"""Index i is FER2013's emotion code i (0 angry ... 6 neutral)."""

NUM_CLASSES = len(EMOTIONS)

INPUT_SIZE = 48
"""Side of the square grayscale image the classifier takes."""


def emotion_index(name: str) -> int:
    """Return the FER2013 code for an emotion name (case-insensitive).

    Raises ``ValueError`` naming the valid labels for anything else.
    """
    key = name.strip().lower()
    if key not in EMOTIONS:
        raise ValueError(f"unknown emotion {name!r}; expected one of {', '.join(EMOTIONS)}")
    return EMOTIONS.index(key)
