"""Ship a trained checkpoint: the Keras file, its LiteRT twin and a model card.

The ``.keras`` file is the source of truth. The ``.tflite`` file is converted
from it because the LiteRT interpreter classifies a face in well under a
millisecond and loads without importing TensorFlow, which keeps the bot's cold
start short. Its weights are stored in float16 (computed in float32): half the
bytes, which keeps the tree small enough to travel to a GPU machine with the
training pack, for answers within 2e-3 of the Keras file's; the test suite
checks that both agree.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import platform
import shutil
from pathlib import Path

import keras
import tensorflow as tf

from model.labels import EMOTIONS
from training.distill import teacher_models
from training.portable import PACK_BITS

KERAS_NAME = "emotion_cnn.keras"
TFLITE_NAME = "emotion_cnn.tflite"


def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _teachers(config: dict) -> list[dict]:
    """Each teacher of a distilled run (those a teacher-probs file was read from in its place), with what its own
    run folder (the file's folder) says of it, if present."""
    teachers = []
    for path in teacher_models(config.get("teacher") or ""):
        teacher: dict = {"file": path}
        folder = Path(path).parent
        if (folder / "config.json").exists() and (folder / "state.json").exists():
            state = json.loads((folder / "state.json").read_text())
            teacher.update(architecture=json.loads((folder / "config.json").read_text())["arch"],
                           epochs=state["epochs_done"], public_test_no_tta=round(state["best_val_accuracy"], 4),
                           trained_on=state.get("device", "?"))
        teachers.append(teacher)
    return teachers


def _teacher_md(teacher: dict) -> str:
    if "architecture" not in teacher:
        return f"`{teacher['file']}`"
    return (f"`{teacher['file']}` ({teacher['architecture']}, {teacher['epochs']} epochs, PublicTest "
            f"{teacher['public_test_no_tta']:.4f} without TTA, on {teacher['trained_on']})")


def export(model_path: str | Path, report_dir: str | Path, dest: str | Path,
           run_dir: str | Path | None = None, command: str = "") -> Path:
    """Write emotion_cnn.keras/.tflite, model_card.json and MODEL_CARD.md into ``dest``.

    When ``report_dir`` also holds ``robustness.json`` (``python -m training robustness --out`` the same
    folder), the card quotes it too; so it does the class offsets when the checkpoint came from
    ``python -m training calibrate`` (its .json and .md lie beside it).
    """
    dest, report_dir = Path(dest), Path(report_dir)
    dest.mkdir(parents=True, exist_ok=True)
    model = keras.models.load_model(model_path, compile=False)
    model.save(dest / KERAS_NAME)  # loaded uncompiled: no optimizer state in the shipped file
    model.export(str(dest / TFLITE_NAME), format="litert", verbose=False, optimizations=[tf.lite.Optimize.DEFAULT],
                 target_spec={"supported_types": [tf.float16]})

    report = json.loads((report_dir / "report.json").read_text())
    tta = report["tta"]
    run: dict = {}
    if run_dir:
        run_dir = Path(run_dir)
        run["config"] = json.loads((run_dir / "config.json").read_text())
        state = json.loads((run_dir / "state.json").read_text())
        with open(run_dir / "log.csv", newline="") as log:
            seconds = sum(float(row["seconds"]) for row in csv.DictReader(log))
        run.update(epochs_trained=state["epochs_done"], best_epoch=state["best_epoch"],
                   training_hours=round(seconds / 3600, 2))
        if "init_weights_sha256" in state:
            run["init_weights_sha256"] = state["init_weights_sha256"]
        if "device" in state:  # runs of training.portable record the hardware they trained on
            run["hardware"] = state["device"]
        if run["config"].get("teacher"):
            run["teachers"] = _teachers(run["config"])
    figures = {
        split: {mode: {"accuracy": s["accuracy"], "macro_f1": s["macro_f1"],
                       "recall": dict(zip(EMOTIONS, s["recall"]))} for mode, s in by_mode.items()}
        for split, by_mode in report["scores"].items()
    }
    card = {
        "name": "MoodTunes emotion CNN",
        "architecture": model.name,
        "parameters": model.count_params(),
        "input": "(N, 48, 48, 1) float32 raw grayscale 0-255; per-image standardisation inside the model",
        "output": "(N, 7) softmax over " + ", ".join(EMOTIONS),
        "data": _data_line(run.get("config", {})),
        "tta": tta,
        "date": dt.date.today().isoformat(),
        "hardware": f"{_cpu_name()}, {os.cpu_count()} cores, no GPU",
        "command": command,
        **run,  # after "hardware": the hardware a run trained on replaces the exporting machine
        "metrics": figures,
    }
    calibration_md = ""
    calibration = Path(model_path).with_suffix(".json")
    if calibration.exists():
        c = json.loads(calibration.read_text())
        card["calibration"] = {"objective": c["objective"], "offsets": dict(zip(EMOTIONS, c["offsets"])),
                               "fitted_on": "PublicTest", "from_model": c["model"]}
        calibration_md = calibration.with_suffix(".md").read_text()
    robustness_md = ""
    r = json.loads((report_dir / "robustness.json").read_text()) if (report_dir / "robustness.json").exists() else {}
    if r and r.get("split", "PrivateTest") == "PrivateTest":  # a PublicTest one was for choosing, not the card
        card["robustness"] = {"direct_accuracy": r["direct"]["accuracy"], "photo_accuracy": r["rendered"]["accuracy"],
                              "photo_macro_f1": r["rendered"]["macro_f1"], "face_found": r["detected"]}
        robustness_md = (report_dir / "robustness.md").read_text()
    for picture in ("confusion_privatetest.png", "learning_curve.png", "class_counts.png"):
        if (report_dir / picture).exists():
            shutil.copyfile(report_dir / picture, dest / picture)
    (dest / "model_card.json").write_text(json.dumps(card, indent=2) + "\n")
    (dest / "MODEL_CARD.md").write_text(
        _markdown(card, (report_dir / "report.md").read_text(), robustness_md, calibration_md,
                  data_chart=(dest / "class_counts.png").exists()))
    return dest


def _data_line(config: dict) -> str:
    """How the net met FER2013: from the CSV itself, or (``training.portable``) from a Training + PublicTest pack."""
    source = (f"FER2013 challenge CSV, Training and PublicTest packed at {2 ** PACK_BITS} grey levels for the GPU "
              f"machine (`python -m training pack-data`, `{config['pack']}`; each training face spread over its grey "
              "step)" if config.get("pack") else "FER2013 challenge CSV")
    return f"{source}: fit on Training (blank images dropped), checkpoint chosen on PublicTest, reported on PrivateTest"


def _markdown(card: dict, report_md: str, robustness_md: str = "", calibration_md: str = "",
              data_chart: bool = False) -> str:
    private = card["metrics"]["PrivateTest"]
    tta = card["tta"]
    lines = [
        f"# {card['name']}",
        "",
        f"- Architecture: `{card['architecture']}`, {card['parameters']:,} parameters",
        f"- Input: {card['input']}",
        f"- Output: {card['output']}",
        f"- Data and protocol: {card['data']}",
        f"- Trained: {card.get('epochs_trained', '?')} epochs (best PublicTest epoch "
        f"{card.get('best_epoch', '?')}), {card.get('training_hours', '?')} h on {card['hardware']}",
        f"- Date: {card['date']}",
        f"- Command: `{card['command']}`",
        *([f"- Warm-started from the weights of `{card['config']['init_weights']}` (see the command)"
           + (f"; that file's SHA-256: `{card['init_weights_sha256']}`" if "init_weights_sha256" in card else "")]
          if card.get("config", {}).get("init_weights") else []),
        *([f"- Distilled (`--teacher`: the teachers' mean flip-TTA probabilities, softened at temperature "
           f"{card['config']['temperature']:g}, {card['config']['distill_weight']:g} of each target against the "
           f"true label) from: " + "; ".join(map(_teacher_md, card["teachers"]))] if card.get("teachers") else []),
        *(["- Class offsets fitted on PublicTest and folded into the output layer's bias "
            "(`python -m training calibrate`; every figure below includes them):", "", calibration_md.strip()]
          if calibration_md else []),
        "",
        f"**PrivateTest accuracy with the bot's TTA ({tta}): {private[tta]['accuracy']:.4f}**, "
        f"without TTA: {private['none']['accuracy']:.4f}; macro-F1 ({tta}): {private[tta]['macro_f1']:.4f}.",
        "",
        "Evaluation output (`python -m training evaluate`):",
        "",
        report_md.strip(),
        "",
        "![PrivateTest confusion matrix](confusion_privatetest.png)",
        "",
        *(["The data, images per emotion and split (`python -m training describe --out DIR` draws it):", "",
           "![FER2013 images per emotion](class_counts.png)", ""] if data_chart else []),
        *(["On photos: every PrivateTest face pasted into a larger photo and run through the bot's own "
           "detect-and-classify pipeline (`python -m training robustness`):", "", robustness_md.strip(), ""]
          if robustness_md else []),
        "Known limits: FER2013 is mostly frontal, low-resolution web faces; disgust has few examples; "
        "the net sees only a 48x48 grayscale crop, so context and colour are ignored.",
        "",
    ]
    return "\n".join(lines)
