"""FER2013's identical images: count them, and keep the harmful ones out of training on request.

FER2013 was scraped from web searches, so the same picture often appears more
than once: within Training, and across Training and the two test splits
(``../shared/data/fer2013/README.md`` has the census). Two kinds hurt:

- a Training copy of a test image lets the net memorise a test answer, which
  flatters the PrivateTest figure (hence the ``PrivateTest-unseen`` score in
  every evaluation report);
- identical images with different labels teach contradictions.

``--dedup`` drops both from Training and keeps one copy of each remaining
group, so no picture weighs more than once. The test splits are never touched:
they stay comparable with the literature.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from training.data import SPLITS, Fer2013, Split


@dataclass(frozen=True)
class DuplicateCensus:
    """Groups of pixel-identical images across all three splits."""

    groups: int
    rows: int
    cross_split: int
    conflicting: int

    def summary(self) -> str:
        return (f"{self.groups} groups of identical images covering {self.rows} rows; "
                f"{self.cross_split} groups cross splits, {self.conflicting} carry conflicting labels")


def _groups(data: Fer2013) -> dict[bytes, list[tuple[str, int, int]]]:
    """Pixels -> [(split, index, label), ...] for every picture seen more than once."""
    seen: dict[bytes, list[tuple[str, int, int]]] = defaultdict(list)
    for name in SPLITS:
        split = data.split(name)
        for i, (img, label) in enumerate(zip(split.images, split.labels)):
            seen[img.tobytes()].append((name, i, int(label)))
    return {k: v for k, v in seen.items() if len(v) > 1}


def census(data: Fer2013) -> DuplicateCensus:
    groups = _groups(data).values()
    return DuplicateCensus(
        groups=len(groups),
        rows=sum(len(g) for g in groups),
        cross_split=sum(len({s for s, _, _ in g}) > 1 for g in groups),
        conflicting=sum(len({label for _, _, label in g}) > 1 for g in groups),
    )


def dedup_training(data: Fer2013) -> tuple[Split, int]:
    """Training without copies of test images, without label conflicts, one copy per group; and how many rows went."""
    drop: set[int] = set()
    for members in _groups(data).values():
        train = [i for s, i, _ in members if s == "Training"]
        if not train:
            continue
        leaks = any(s != "Training" for s, _, _ in members)
        conflicts = len({label for s, _, label in members if s == "Training"}) > 1
        drop.update(train if leaks or conflicts else train[1:])
    keep = np.array([i not in drop for i in range(len(data.train))], bool)
    return data.train.subset(keep), len(drop)
