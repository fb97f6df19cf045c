"""Inference speed: photo end to end, classifier per face, video note, cold start.

Targets: photo p50 < 50 ms (1280x720 JPEG, one face), 10 s 640x640 video note < 1.5 s,
cold start (import + model load) < 5 s; at most 15 ms per face end to end: what each face
adds to a photo's analysis (crop, preprocessing, classifier with TTA), from a three-face photo's time
less its detection time. Baseline in the same run: the same network through
Keras (``model.predict`` and a compiled call) against the LiteRT runtime the bot uses.

    python bench/bench_inference.py
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np
from _common import PORTRAIT, ROOT, save, selfie_1280x720, stats, timings

GROUP = ROOT / "tests" / "data" / "derived_group3_side_by_side.jpg"


def video_note(path: Path) -> bytes:
    face = cv2.resize(cv2.imread(str(PORTRAIT)), (360, 440))
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 30.0, (640, 640))
    for i in range(300):  # 10 s at 30 fps
        frame = np.full((640, 640, 3), 70, np.uint8)
        frame[100:540, 100 + i % 100:460 + i % 100] = face
        writer.write(frame)
    writer.release()
    return path.read_bytes()


def cold_start() -> float:
    code = ("import time; t=time.perf_counter(); from model import get_analyzer; a=get_analyzer(); "
            "print(time.perf_counter()-t)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    from model import EmotionAnalyzer
    from model.classifier import EmotionClassifier
    from model.settings import ModelSettings

    settings = ModelSettings()
    analyzer = EmotionAnalyzer(settings)
    figures: dict = {"tta": settings.tta}

    jpeg = selfie_1280x720()
    assert len(analyzer.analyze_image(jpeg).faces) == 1
    figures["photo_1280x720_end_to_end"] = timings(lambda: analyzer.analyze_image(jpeg), repeat=100)

    group = cv2.imread(str(GROUP))
    n_faces = len(analyzer.analyze_array(group))
    whole = timings(lambda: analyzer.analyze_array(group), repeat=50)
    detection = timings(lambda: analyzer.detector.detect(group), repeat=50)
    figures["per_face_end_to_end"] = {"faces": n_faces, "photo_p50_ms": whole["p50_ms"],
                                      "detection_p50_ms": detection["p50_ms"],
                                      "ms_per_face": round((whole["p50_ms"] - detection["p50_ms"]) / n_faces, 2)}

    faces1 = np.random.default_rng(0).uniform(0, 255, (1, 48, 48, 1)).astype(np.float32)
    faces32 = np.random.default_rng(1).uniform(0, 255, (32, 48, 48, 1)).astype(np.float32)
    lite = analyzer.classifier
    figures["classifier_litert"] = {"batch1": timings(lambda: lite.predict(faces1), 200),
                                    "batch32": timings(lambda: lite.predict(faces32), 50)}
    keras_rt = EmotionClassifier(settings.path, "keras", settings.tta)
    figures["classifier_keras_call"] = {"batch1": timings(lambda: keras_rt.predict(faces1), 100),
                                        "batch32": timings(lambda: keras_rt.predict(faces32), 30)}
    from model.tta import tta_views

    views1 = tta_views(faces1, settings.tta)
    figures["classifier_keras_model_predict_batch1"] = timings(
        lambda: keras_rt._keras.predict(views1, verbose=0), 50)

    with tempfile.TemporaryDirectory() as tmp:
        data = video_note(Path(tmp) / "note.mp4")
    video = analyzer.analyze_video(data)
    figures["video_note_10s_640"] = {**timings(lambda: analyzer.analyze_video(data), repeat=5, warmup=1),
                                     "frames_sampled": len(video.timeline),
                                     "frames_with_face": video.frames_with_face}

    figures["cold_start_s"] = stats([cold_start() * 1000 for _ in range(3)])

    photo = figures["photo_1280x720_end_to_end"]
    print(f"photo 1280x720 end to end: p50 {photo['p50_ms']} ms, p95 {photo['p95_ms']} ms  (target p50 < 50 ms)")
    f = figures["per_face_end_to_end"]
    print(f"per face end to end ({f['faces']}-face photo {f['photo_p50_ms']} ms, detection {f['detection_p50_ms']} ms):"
          f" {f['ms_per_face']} ms  (target <= 15 ms)")
    for name in ("classifier_litert", "classifier_keras_call"):
        f = figures[name]
        print(f"{name:<24} batch 1: p50 {f['batch1']['p50_ms']} ms   batch 32: p50 {f['batch32']['p50_ms']} ms "
              f"({f['batch32']['p50_ms'] / 32:.2f} ms/face), TTA {settings.tta}")
    print(f"keras model.predict batch 1: p50 {figures['classifier_keras_model_predict_batch1']['p50_ms']} ms")
    v = figures["video_note_10s_640"]
    print(f"video note 10 s 640x640: p50 {v['p50_ms']} ms over {v['frames_sampled']} sampled frames "
          f"({v['frames_with_face']} with a face)  (target < 1500 ms)")
    print(f"cold start (import + load): p50 {figures['cold_start_s']['p50_ms'] / 1000:.2f} s  (target < 5 s)")
    save("inference", figures)


if __name__ == "__main__":
    t0 = time.time()
    main()
    print(f"({time.time() - t0:.0f} s)")
