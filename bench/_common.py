"""Helpers shared by the benchmarks: timing statistics, machine facts, JSON output."""

from __future__ import annotations

import json
import os
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
PORTRAIT = ROOT / "tests" / "data" / "congress_A000210.jpg"
sys.path.insert(0, str(ROOT))


def selfie_1280x720(portrait: Path = PORTRAIT, seed: int = 0) -> bytes:
    """A 1280x720 JPEG with one face on a blurred background, the size a phone sends."""
    import cv2

    face = cv2.resize(cv2.imread(str(portrait)), (450, 550))
    rng = np.random.default_rng(seed)
    scene = cv2.GaussianBlur(rng.integers(60, 200, (720, 1280, 3), dtype=np.uint8), (31, 31), 0)
    scene[90:640, 600:1050] = face
    return cv2.imencode(".jpg", scene, [cv2.IMWRITE_JPEG_QUALITY, 90])[1].tobytes()


def timings(fn: Callable[[], object], repeat: int, warmup: int = 3) -> dict:
    """Call ``fn`` repeatedly; p50/p95/mean in milliseconds."""
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return stats(samples)


def stats(samples_ms: list[float]) -> dict:
    a = np.asarray(samples_ms)
    return {"p50_ms": round(float(np.percentile(a, 50)), 2), "p95_ms": round(float(np.percentile(a, 95)), 2),
            "mean_ms": round(float(a.mean()), 2), "n": int(len(a))}


def machine() -> dict:
    cpu = platform.processor()
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                   if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version()}


def save(name: str, figures: dict) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps({"machine": machine(), "date": time.strftime("%Y-%m-%d"), **figures}, indent=2))
    print(f"\nsaved {path.relative_to(ROOT)}")
    return path
