"""Accuracy of the shipped model on FER2013 PrivateTest, through both runtimes, from the dataset path.

Prints accuracy and macro-F1 with and without the bot's TTA, through the Keras file (source of
truth) and through the LiteRT twin the bot runs, and how many top-1 answers differ between them.

    python bench/bench_accuracy.py --data ../shared/data/fer2013/fer2013.csv.gz
"""

from __future__ import annotations

import argparse

import numpy as np
from _common import save


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", required=True)
    args = parser.parse_args()

    from model.classifier import EmotionClassifier
    from model.settings import ModelSettings
    from training.data import load_fer2013
    from training.evaluate import score

    settings = ModelSettings()
    test = load_fer2013(args.data).private_test
    x = test.images.astype(np.float32)[..., None]
    figures: dict = {"images": len(test), "model": str(settings.path.name)}
    tops = {}
    for runtime in ("keras", "litert"):
        for tta in ("none", settings.tta):
            clf = EmotionClassifier(settings.path, runtime, tta)
            probs = np.concatenate([clf.predict(x[i:i + 256]) for i in range(0, len(x), 256)])
            s = score(test.labels, probs)
            figures[f"{runtime}_{tta}"] = {"accuracy": round(s.accuracy, 4), "macro_f1": round(s.macro_f1, 4),
                                           "recall": s.recall}
            tops[(runtime, tta)] = probs.argmax(1)
            print(f"{runtime:<7} TTA {tta:<5} accuracy {s.accuracy:.4f}  macro-F1 {s.macro_f1:.4f}  "
                  f"min recall {min(s.recall):.3f}")
    differ = int((tops[("keras", settings.tta)] != tops[("litert", settings.tta)]).sum())
    figures["top1_differences_keras_vs_litert"] = differ
    print(f"top-1 answers that differ between Keras and LiteRT: {differ} of {len(test)}")
    save("accuracy", figures)


if __name__ == "__main__":
    main()
