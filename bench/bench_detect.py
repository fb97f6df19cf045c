"""Face detection: the shipped BlazeFace pair against full range alone and OpenCV's Haar cascade, one run.

Photos: shared/data/faces-dev (214 real photographs with known face counts, incl. rotated, alpha,
group and a large scene), FER2013 sample faces pasted into 720x540 scenes, and faceless photos
(see ``faceless``). A photo counts as right when the number of faces found equals the number present.
The Haar cascade comes from opencv-python-headless 4.x (OpenCV 5 wheels no longer ship it); it is skipped if absent.

    python bench/bench_detect.py [--faces-dev ../shared/data/faces-dev]
"""

from __future__ import annotations

import argparse
import csv
import time
from pathlib import Path

import cv2
import numpy as np
from _common import ROOT, save, stats


def haar():
    data = getattr(cv2, "data", None)
    if data is None or not hasattr(cv2, "CascadeClassifier"):
        return None
    cascade = cv2.CascadeClassifier(str(Path(data.haarcascades) / "haarcascade_frontalface_default.xml"))

    def detect(bgr: np.ndarray) -> int:
        gray = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)
        side = min(gray.shape[:2])
        return len(cascade.detectMultiScale(gray, 1.1, 5, minSize=(max(20, side // 40),) * 2))

    return detect


def pasted_fer() -> list[tuple[np.ndarray, int]]:
    from training.data import load_fer2013

    rng = np.random.default_rng(7)
    scenes = []
    for img in load_fer2013(ROOT / "tests" / "data" / "fer2013_sample.csv.gz").private_test.images:
        size = int(rng.integers(200, 280))
        scene = np.full((540, 720), 110, np.uint8)
        y, x = int(rng.integers(0, 540 - size)), int(rng.integers(0, 720 - size))
        scene[y:y + size, x:x + size] = cv2.resize(img, (size, size), interpolation=cv2.INTER_CUBIC)
        scenes.append((cv2.cvtColor(scene, cv2.COLOR_GRAY2BGR), 1))
    return scenes


def faceless(portraits: list[np.ndarray]) -> list[tuple[np.ndarray, int]]:
    """Photos with no face: the lower 30% of one-face portraits (clothes, hands, desks), enlarged 2x,
    and smooth colour fields with sensor noise. A face found here is a false alarm."""
    rng = np.random.default_rng(3)
    photos = [(cv2.resize(p[int(p.shape[0] * 0.7):], None, fx=2, fy=2), 0) for p in portraits]
    for _ in range(100):
        colours = rng.uniform(0, 255, (4, 4, 3)).astype(np.float32)
        field = cv2.resize(colours, (640, 480), interpolation=cv2.INTER_CUBIC)
        photos.append((np.clip(field + rng.normal(0, 6, field.shape), 0, 255).astype(np.uint8), 0))
    return photos


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--faces-dev", type=Path, default=ROOT.parent / "shared" / "data" / "faces-dev")
    args = parser.parse_args()

    from model.detect import FULL_RANGE, FaceDetector
    from model.image import decode_image
    from model.settings import ModelSettings

    sets = {"fer2013_pasted": pasted_fer()}
    if (args.faces_dev / "labels.csv").exists():
        rows = list(csv.DictReader(open(args.faces_dev / "labels.csv")))
        work = ModelSettings().image_work_pixels
        sets["faces_dev"] = [(decode_image((args.faces_dev / r["path"]).read_bytes(), 10**9, work).bgr,
                              int(r["faces"])) for r in rows]
        sets["faceless"] = faceless([bgr for bgr, n in sets["faces_dev"] if n == 1])
    min_score = ModelSettings().min_face_score
    both, full = FaceDetector(min_score), FaceDetector(min_score, models=(FULL_RANGE,))
    detectors = {"blazeface full+short range (shipped)": lambda bgr: len(both.detect(bgr).faces),
                 "blazeface full range only": lambda bgr: len(full.detect(bgr).faces)}
    if (h := haar()) is not None:
        detectors["opencv_haar_frontalface"] = h

    figures: dict = {}
    for set_name, photos in sets.items():
        for det_name, detect in detectors.items():
            detect(photos[0][0])
            right, times = 0, []
            for bgr, expected in photos:
                start = time.perf_counter()
                found = detect(bgr)
                times.append((time.perf_counter() - start) * 1000)
                right += found == expected
            figures.setdefault(set_name, {})[det_name] = {"right": right, "photos": len(photos),
                                                          "rate": round(right / len(photos), 4), **stats(times)}
            print(f"{set_name:<16} {det_name:<38} {right:>4}/{len(photos):<4} right  "
                  f"p50 {figures[set_name][det_name]['p50_ms']:>6} ms")
    save("detect", figures)


if __name__ == "__main__":
    main()
