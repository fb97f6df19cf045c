"""Live camera mode in real time: analysed frames per second, latency, dropped frames, CPU share.

The source is a 30 s 640x480 30 fps video the benchmark makes from real portraits (faces-dev
photos in tests/data: a neutral face, then a happy one, gliding and growing as a
person in front of a webcam would), watched
1. as a file (read at its own pace, as a camera delivers it),
2. as a local HTTP MJPEG stream served by a child process (an IP camera), and
3. as a file with the analysis rate unbounded (30/s), for the headroom.
The baseline in the same run is the analysis alone (analyze_array on the same
frames, back to back). Latency is from the moment a frame is read to its status
update; CPU share is this process's CPU time over wall time and all cores.
Targets: at least 5 analysed frames/s with one face, latency p95 under 300 ms.

    python bench/bench_watch.py [--seconds 30]
"""

from __future__ import annotations

import argparse
import io
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np
from _common import ROOT, save, stats

from bot.settings import WatchSettings
from bot.watch.session import Watch
from bot.watch.source import FrameReader, Source, open_capture, quiet_opencv
from bot.watch.terminal import Terminal
from catalog import get_catalog
from model import get_analyzer

FACES = [ROOT / "tests" / "data" / "congress_A000014.jpg", ROOT / "tests" / "data" / "congress_S001179.jpg"]

SERVER = """
import sys, time, cv2
sys.path.insert(0, sys.argv[2])
from tests.fakes.mjpeg import FakeMjpegCamera
cap, frames = cv2.VideoCapture(sys.argv[1]), []
while True:
    ok, frame = cap.read()
    if not ok:
        break
    frames.append(frame)
with FakeMjpegCamera(frames, fps=30) as camera:
    print(camera.url, flush=True)
    sys.stdin.read()
"""


def make_video(path: Path, seconds: int) -> None:
    """One face on a room-grey frame: neutral for the first half, happy for the second, moving and zooming."""
    faces = [cv2.imread(str(p)) for p in FACES]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 30.0, (640, 480))
    rng = np.random.default_rng(17)
    for i in range(seconds * 30):
        t = i / 30
        frame = np.full((480, 640, 3), (78, 74, 70), np.uint8)
        face = faces[0] if t < seconds / 2 else faces[1]
        scale = 0.9 + 0.15 * np.sin(t / 3)
        h, w = round(275 * scale), round(225 * scale)
        x, y = 200 + round(110 * np.sin(t / 2)), 90 + round(20 * np.sin(t / 1.3))
        frame[y:y + h, x:x + w] = cv2.resize(face, (w, h))
        noise = rng.normal(0, 3, frame.shape)  # sensor noise, so every frame differs
        writer.write(np.clip(frame + noise, 0, 255).astype(np.uint8))
    writer.release()


def watch(target: str, rate: float, seconds: float) -> dict:
    settings = WatchSettings(WATCH_RATE=rate)
    source = Source.parse(target)
    reader = FrameReader(source, open_capture(source, settings.connect_timeout), max_side=settings.max_side,
                         timeout=settings.connect_timeout, reconnects=0)
    session = Watch(reader, get_analyzer(), get_catalog(), settings, terminal=Terminal(io.StringIO()))
    before, start = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
    summary = session.run(seconds)
    wall, after = time.perf_counter() - start, resource.getrusage(resource.RUSAGE_SELF)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    latency = stats(summary.latencies_ms)
    return {"analysed_per_s": round(summary.analysed / summary.seconds, 2), "latency_p50_ms": latency["p50_ms"],
            "latency_p95_ms": latency["p95_ms"], "frames_read": summary.read, "frames_analysed": summary.analysed,
            "frames_dropped": summary.dropped, "cpu_share": round(cpu / wall / (os.cpu_count() or 1), 3),
            "moods": {m: round(s, 3) for m, s in summary.shares}, "song_lists": len(summary.suggestions),
            "ended": summary.ended}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=30)
    args = parser.parse_args()
    quiet_opencv()
    with tempfile.TemporaryDirectory() as tmp:
        video = Path(tmp) / "webcam.mp4"
        make_video(video, args.seconds)
        analyzer = get_analyzer()
        get_catalog().index()
        cap, frames = cv2.VideoCapture(str(video)), []
        while len(frames) < 150:
            ok, frame = cap.read()
            if not ok:
                break
            frames.append(frame)
        for frame in frames[:5]:
            analyzer.analyze_array(frame)
        alone = []
        for frame in frames:
            start = time.perf_counter()
            analyzer.analyze_array(frame)
            alone.append((time.perf_counter() - start) * 1000)
        baseline = stats(alone)
        print(f"analysis alone (baseline): p50 {baseline['p50_ms']} ms, p95 {baseline['p95_ms']} ms per frame")

        results = {}
        for name, rate in (("file, 5/s", 5.0), ("file, unbounded (30/s)", 30.0)):
            results[name] = watch(str(video), rate, args.seconds + 5)
        server = subprocess.Popen([sys.executable, "-c", SERVER, str(video), str(ROOT)], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, text=True)
        try:
            url = server.stdout.readline().strip()  # type: ignore[union-attr]
            results["HTTP MJPEG stream, 5/s"] = watch(url, 5.0, args.seconds + 5)
        finally:
            server.kill()
            server.wait()

    print(f"\n{'source':28} {'analysed/s':>10} {'p50 ms':>7} {'p95 ms':>7} {'read':>5} {'dropped':>7} {'CPU':>5}")
    for name, r in results.items():
        print(f"{name:28} {r['analysed_per_s']:>10} {r['latency_p50_ms']:>7} {r['latency_p95_ms']:>7} "
              f"{r['frames_read']:>5} {r['frames_dropped']:>7} {r['cpu_share']:>5.0%}")
    targets = {name: r["analysed_per_s"] >= 5 and r["latency_p95_ms"] < 300
               for name, r in results.items() if "5/s" in name}
    print("targets (>= 5 analysed/s, p95 < 300 ms):", "met" if all(targets.values()) else f"MISSED {targets}")
    save("bench_watch", {"video": f"{args.seconds} s 640x480 30 fps, one face", "baseline_analysis_alone": baseline,
                         "results": results, "targets_met": targets})


if __name__ == "__main__":
    main()
