"""Choose among trained nets on PublicTest alone: each one's accuracy with the bot's TTA, and their average's.

After a GPU run brings back several teachers and students, this is the step
before ``evaluate``: the protocol picks on PublicTest, and PrivateTest is read
once, for the net that ships. Each net reads PublicTest once; the average of
all of them (what ``python -m training ensemble`` would build, or a teacher
ensemble for ``fit --teacher``) comes from the same probabilities.
"""

from __future__ import annotations

from pathlib import Path

import keras
import numpy as np

from training.data import Split
from training.evaluate import predict_probs, score

AVERAGE = "average of all"


def public_scores(model_paths: list[str | Path], public: Split, tta: str = "flip") -> dict[str, float]:
    """PublicTest accuracy of each model under ``tta`` and, for two or more, of their probability average."""
    probs = {str(path): predict_probs(keras.models.load_model(path, compile=False), public.images, tta)
             for path in model_paths}
    scores = {name: score(public.labels, p).accuracy for name, p in probs.items()}
    if len(probs) > 1:
        scores[AVERAGE] = score(public.labels, np.mean(list(probs.values()), axis=0)).accuracy
    return scores


def ranking(scores: dict[str, float]) -> str:
    """The scores as lines, best first."""
    return "\n".join(f"{accuracy:.4f}  {name}" for name, accuracy in sorted(scores.items(), key=lambda s: -s[1]))
