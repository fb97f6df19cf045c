"""FER+ crowd votes as extra soft targets beside FER2013's own labels, never instead of them.

FER+ (Microsoft, MIT) had ten people label each FER2013 image again. Its
majority agrees with the original label on only 64% of rows, and results are
reported on the original labels, so the votes only ever move part of a target:
``--ferplus-weight w`` makes each Training target ``(1 - w) * target + w * votes``.
Rows line up with ``fer2013.csv`` by position; contempt, "unknown" and "not a
face" votes are left out, and a row with no vote among the seven emotions keeps
its target as it was.
"""

from __future__ import annotations

import csv
import gzip
import io
from pathlib import Path

import numpy as np

FERPLUS_ORDER = ("anger", "disgust", "fear", "happiness", "sadness", "surprise", "neutral")
"""FER+'s column for each FER2013 label, in FER2013's order (0 angry ... 6 neutral)."""


def training_votes(path: str | Path) -> np.ndarray:
    """Vote shares (N, 7) of the Training rows, in file order; NaN rows where none of the seven got a vote."""
    raw = Path(path).read_bytes()
    text = gzip.decompress(raw).decode("utf-8") if raw[:2] == b"\x1f\x8b" else raw.decode("utf-8")
    votes = [[float(row[c]) for c in FERPLUS_ORDER] for row in csv.DictReader(io.StringIO(text))
             if row["Usage"] == "Training"]
    counts = np.asarray(votes, np.float32).reshape(-1, len(FERPLUS_ORDER))
    totals = counts.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(totals > 0, counts / totals, np.nan).astype(np.float32)


def mix_votes(targets: np.ndarray, votes: np.ndarray, weight: float) -> np.ndarray:
    """``targets`` moved ``weight`` of the way to ``votes``, row by row; rows without votes unchanged."""
    known = ~np.isnan(votes).any(axis=1, keepdims=True)
    return np.where(known, (1.0 - weight) * targets + weight * np.nan_to_num(votes), targets).astype(np.float32)
