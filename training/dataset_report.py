"""FER2013 at a glance: images per emotion and split, and the census of identical images, as a chart and JSON.

``python -m training describe --out DIR`` writes both beside the printed table;
every evaluation report carries the chart, and so does the model card.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import numpy as np

from model.labels import EMOTIONS
from training.data import SPLITS, Fer2013
from training.duplicates import census, dedup_training

CHART = "class_counts.png"


def dataset_figures(data: Fer2013) -> dict:
    """Images per emotion and split, the duplicate census and what ``--dedup`` drops: each computed once."""
    return {
        "counts": {name: dict(zip(EMOTIONS, data.split(name).class_counts().tolist())) for name in SPLITS},
        "duplicates": asdict(census(data)),
        "dedup_drops": dedup_training(data)[1],
        "skipped_rows": data.skipped,
    }


def plot_class_counts(figures: dict, path: Path) -> None:
    """Grouped bars of images per emotion in each split (each bar labelled), beside the duplicate census."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax, dup) = plt.subplots(1, 2, figsize=(13, 4.5), width_ratios=(3, 1))
    width = 0.8 / len(SPLITS)
    x = np.arange(len(EMOTIONS))
    for k, name in enumerate(SPLITS):
        counts = [figures["counts"][name][e] for e in EMOTIONS]
        bars = ax.bar(x + (k - (len(SPLITS) - 1) / 2) * width, counts, width, label=f"{name} ({sum(counts):,})")
        ax.bar_label(bars, labels=[f"{c:,}" for c in counts], fontsize=7, padding=2)
    ax.set_xticks(x, EMOTIONS)
    ax.set_ylabel("images")
    ax.set_title("FER2013: images per emotion")
    ax.legend()
    ax.margins(y=0.1)

    found = figures["duplicates"]
    rows = {"groups of identical\nimages": found["groups"], "rows in them": found["rows"],
            "groups across\nsplits": found["cross_split"], "groups with\nconflicting labels": found["conflicting"],
            "Training rows\n--dedup drops": figures["dedup_drops"]}
    bars = dup.barh(list(rows)[::-1], list(rows.values())[::-1], color="#888")
    dup.bar_label(bars, labels=[f"{v:,}" for v in list(rows.values())[::-1]], fontsize=8, padding=2)
    dup.set_title("Identical images")
    dup.margins(x=0.25)
    dup.tick_params(axis="y", labelsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_dataset_report(figures: dict, out: Path) -> None:
    """Write ``class_counts.png`` and ``dataset.json`` (the figures of :func:`dataset_figures`) into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    plot_class_counts(figures, out / CHART)
    (out / "dataset.json").write_text(json.dumps(figures, indent=2) + "\n")
