"""Evaluate a model on PublicTest and PrivateTest and write a report folder.

The report holds ``report.json`` (machine-readable), ``report.md`` (for people),
``confusion_privatetest.png``, ``class_counts.png`` (the data: images per emotion
and split) and, given the run's log, ``learning_curve.png``.
PrivateTest is also scored on the images that have no pixel-identical twin in
Training: FER2013 leaks about 1,500 images across splits, so that figure is
the honest one, while the full-split figure is comparable with the literature.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import keras
import numpy as np

from model.labels import EMOTIONS, NUM_CLASSES
from model.tta import TTA_MODES, tta_views
from training.data import BadRowPolicy, Fer2013, Split, load_fer2013
from training.dataset_report import CHART, dataset_figures, plot_class_counts


@dataclass
class Scores:
    """Accuracy, macro-F1 and per-class figures of one split under one TTA mode."""

    accuracy: float
    macro_f1: float
    precision: list[float]
    recall: list[float]
    f1: list[float]
    confusion: list[list[int]]
    n: int

    def figures(self) -> str:
        """Accuracy, macro-F1 and the weakest class's recall, as one aligned table cell."""
        worst = int(np.argmin(self.recall))
        return f"{self.accuracy:>9.4f}{self.macro_f1:>10.4f}   {EMOTIONS[worst]} {self.recall[worst]:.3f}"


@dataclass
class Report:
    model: str
    tta: str
    scores: dict[str, dict[str, Scores]] = field(default_factory=dict)
    """scores[split][tta_mode]"""

    def summary(self) -> str:
        lines = [f"model: {self.model}  (bot TTA: {self.tta})",
                 f"{'split':<26}{'TTA':<12}{'accuracy':>9}{'macro-F1':>10}   min recall"]
        for split, by_mode in self.scores.items():
            for mode, s in by_mode.items():
                lines.append(f"{split:<26}{mode:<12}{s.figures()}")
        main = self.scores["PrivateTest"][self.tta]
        lines.append("PrivateTest per class (" + self.tta + "): " + ", ".join(
            f"{e} P{p:.2f}/R{r:.2f}" for e, p, r in zip(EMOTIONS, main.precision, main.recall)))
        return "\n".join(lines)


def score(labels: np.ndarray, probs: np.ndarray) -> Scores:
    """Accuracy, per-class precision/recall/F1, macro-F1 and confusion matrix (rows = truth)."""
    return score_predictions(labels, probs.argmax(axis=1))


def score_predictions(labels: np.ndarray, pred: np.ndarray) -> Scores:
    """:func:`score` from predicted classes; a prediction of -1 (no answer) is wrong and in no column."""
    answered = pred >= 0
    confusion = np.zeros((NUM_CLASSES, NUM_CLASSES), np.int64)
    np.add.at(confusion, (labels[answered], pred[answered]), 1)
    tp = np.diag(confusion).astype(float)
    truth = np.bincount(labels, minlength=NUM_CLASSES)
    precision = np.divide(tp, confusion.sum(0), out=np.zeros(NUM_CLASSES), where=confusion.sum(0) > 0)
    recall = np.divide(tp, truth, out=np.zeros(NUM_CLASSES), where=truth > 0)
    denom = precision + recall
    f1 = np.divide(2 * precision * recall, denom, out=np.zeros(NUM_CLASSES), where=denom > 0)
    return Scores(
        accuracy=float((pred == labels).mean()) if len(labels) else 0.0,
        macro_f1=float(f1.mean()),
        precision=precision.round(4).tolist(),
        recall=recall.round(4).tolist(),
        f1=f1.round(4).tolist(),
        confusion=confusion.tolist(),
        n=int(len(labels)),
    )


def view_probs(model: keras.Model, images: np.ndarray, tta: str, batch_size: int = 512) -> np.ndarray:
    """Per-view class probabilities, (V, N, 7), for (N, 48, 48) uint8 images under a TTA mode.

    Chunked so that ten flip-shift views of a whole split never sit in memory at once.
    """
    x = images.astype(np.float32)[..., None]
    out = []
    for start in range(0, len(x), batch_size):
        chunk = x[start:start + batch_size]
        probs = model.predict(tta_views(chunk, tta), batch_size=batch_size, verbose=0)
        out.append(probs.reshape(-1, len(chunk), NUM_CLASSES))
    return np.concatenate(out, axis=1) if out else np.zeros((1, 0, NUM_CLASSES), np.float32)


def predict_probs(model: keras.Model, images: np.ndarray, tta: str, batch_size: int = 512) -> np.ndarray:
    """Class probabilities for (N, 48, 48) uint8 images under a TTA mode: the mean over its views."""
    return view_probs(model, images, tta, batch_size).mean(axis=0)


def unseen_in_training(data: Fer2013) -> np.ndarray:
    """Mask of PrivateTest images with no pixel-identical image in Training."""
    seen = {img.tobytes() for img in data.train.images}
    return np.array([img.tobytes() not in seen for img in data.private_test.images], bool)


def evaluate(model_path: str | Path, data_path: str | Path, out: str | Path, tta: str = "flip",
             log_csv: str | Path | None = None, on_bad_row: BadRowPolicy = "error") -> Report:
    """Score the model on both test splits for every TTA mode, write the report folder, return it."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    model = keras.models.load_model(model_path, compile=False)
    data = load_fer2013(data_path, on_bad_row=on_bad_row)
    unseen = unseen_in_training(data)
    private_unseen = Split(data.private_test.images[unseen], data.private_test.labels[unseen])
    report = Report(model=str(model_path), tta=tta)
    splits = {"PublicTest": data.public_test, "PrivateTest": data.private_test,
              "PrivateTest-unseen": private_unseen}
    modes = [tta] + [m for m in TTA_MODES if m != tta]
    for name, split in splits.items():
        if len(split) == 0:
            continue
        report.scores[name] = {m: score(split.labels, predict_probs(model, split.images, m)) for m in modes}

    plot_class_counts(dataset_figures(data), out / CHART)
    (out / "report.json").write_text(json.dumps(asdict(report), indent=2))
    (out / "report.md").write_text("```\n" + report.summary() + "\n```\n")
    if "PrivateTest" in report.scores:
        plot_confusion(np.array(report.scores["PrivateTest"][tta].confusion),
                       out / "confusion_privatetest.png", f"PrivateTest, TTA {tta}")
    if log_csv and Path(log_csv).exists():
        plot_learning_curve(Path(log_csv), out / "learning_curve.png")
    return report


def plot_confusion(confusion: np.ndarray, path: Path, title: str) -> None:
    """Row-normalised confusion matrix with counts, as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rates = confusion / np.maximum(confusion.sum(1, keepdims=True), 1)
    fig, ax = plt.subplots(figsize=(7, 6))
    ax.imshow(rates, cmap="Blues", vmin=0, vmax=1)
    ax.set_xticks(range(NUM_CLASSES), EMOTIONS, rotation=45)
    ax.set_yticks(range(NUM_CLASSES), EMOTIONS)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title)
    for i in range(NUM_CLASSES):
        for j in range(NUM_CLASSES):
            ax.text(j, i, f"{rates[i, j]:.2f}\n{confusion[i, j]}", ha="center", va="center",
                    fontsize=7, color="white" if rates[i, j] > 0.5 else "black")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_learning_curve(log_csv: Path, path: Path) -> None:
    """Training and PublicTest loss/accuracy per epoch from the run's log.csv."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pandas as pd

    log = pd.read_csv(log_csv)
    epochs = log["epoch"] + 1
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    left.plot(epochs, log["loss"], label="train")
    left.plot(epochs, log["val_loss"], label="PublicTest")
    left.set_title("loss")
    right.plot(epochs, log["accuracy"], label="train")
    right.plot(epochs, log["val_accuracy"], label="PublicTest")
    right.set_title("accuracy")
    for ax in (left, right):
        ax.set_xlabel("epoch")
        ax.legend()
        ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
