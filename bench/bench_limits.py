"""Worst-case inputs: how long one picture or video holds an analysis worker, and how much memory it takes.

Each case runs in a fresh child process that loads the analyzer first, so the figures are the
analysis alone: wall time and peak resident memory above the loaded process (``ru_maxrss``).
Targets: any picture answered in at most 2 s and with at most 200 MB extra memory; any accepted
video analysed in under 10 s and under 500 MB. A selfie and a typical 10 s video note are the
baselines in the same run.

The hostile pictures are built in memory by ``tests/fakes/pictures.py`` (kilobytes each: a
208333x192 grey PNG, 40-megapixel 16-bit, RGBA, palette (half transparent) and RGB PNGs, icons that declare 256x256
and hold far larger PNGs); the 40-megapixel JPEG and the selfie put the test portrait on a grey canvas.

The worst-case files are written by this script (a real portrait on a grey frame, H.264 with one
key frame, as a phone or screen recorder would make a still scene: megabytes for a minute of 4K at
240 fps) with the FFmpeg binary of the ``imageio-ffmpeg`` package (the ``bench`` extra), and kept
in ``bench/results/videos/``: the 4K 240 fps minute takes a few minutes to encode the first time.

    python bench/bench_limits.py                   # pictures, then videos
    python bench/bench_limits.py --only pictures   # seconds; the videos take minutes the first time
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
from _common import RESULTS, ROOT, save

from tests.fakes.pictures import icon, png

PORTRAIT = ROOT / "tests" / "data" / "congress_A000210.jpg"


def portrait_photo(width: int, height: int) -> bytes:
    """The test portrait filling half the height of a grey ``width`` x ``height`` JPEG."""
    canvas = np.full((height, width, 3), 120, np.uint8)
    face = cv2.resize(cv2.imread(str(PORTRAIT)), (height * 9 // 22, height // 2))
    y, x = height // 4, (width - face.shape[1]) // 2
    canvas[y:y + face.shape[0], x:x + face.shape[1]] = face
    return cv2.imencode(".jpg", canvas, [cv2.IMWRITE_JPEG_QUALITY, 85])[1].tobytes()


PICTURES: dict[str, Callable[[], bytes]] = {
    "selfie 1280x960 JPEG": lambda: portrait_photo(1280, 960),
    "photo 8000x5000 JPEG": lambda: portrait_photo(8000, 5000),
    "grey PNG 208333x192": lambda: png(208333, 192),
    "16-bit grey PNG 8000x5000": lambda: png(8000, 5000, colour=0, depth=16),
    "RGBA PNG 8000x5000": lambda: png(8000, 5000, colour=6),
    "palette PNG 8000x5000": lambda: png(8000, 5000, colour=3, palette=256),
    "RGB PNG 8000x5000": lambda: png(8000, 5000, colour=2),
    "icon 256x256 holding 9000x9000": lambda: icon(png(9000, 9000, colour=6)),
    "icon 256x256 holding 6000x6000": lambda: icon(png(6000, 6000, colour=6)),
}
"""name: builder of the file; the first is the baseline."""

PICTURE_CHILD = """
import json, resource, sys, time
sys.path.insert(0, "bench")
from bench_limits import PICTURES, PORTRAIT
from model import get_analyzer
analyzer = get_analyzer()
data = PICTURES[sys.argv[1]]()
analyzer.analyze_image(PORTRAIT.read_bytes())  # warm the detector and classifier
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
try:
    reading = analyzer.analyze_image(data).to_dict()
    width, height = reading["width"], reading["height"]
    x, y, w, h = reading.get("searched", (0, 0, width, height))  # readings before the pass budget searched all
    outcome = f"{len(reading['faces'])} face(s), searched {w * h / (width * height):.1%}"
except Exception as exc:
    outcome = f"refused: {exc}"
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"file_kb": round(len(data) / 1e3), "seconds": round(seconds, 2),
                  "extra_mb": round((peak - before) / 1024, 1), "outcome": outcome}))
"""

CASES = {  # name: (width, height, fps, seconds)
    "video note 640x640 30 fps 10 s": (640, 640, 30, 10),
    "4K 240 fps 60 s": (3840, 2160, 240, 60),
    "8K 30 fps 10 s": (7680, 4320, 30, 10),
}

VIDEO_CHILD = """
import json, resource, sys, time
from model import get_analyzer
analyzer = get_analyzer()
data = open(sys.argv[1], "rb").read()
analyzer.analyze_image(open(sys.argv[2], "rb").read())  # warm the detector and classifier
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
try:
    video = analyzer.analyze_video(data)
    outcome = f"{video.label} over {video.seconds_analysed:.0f} of {video.duration:.0f} s, {len(video.timeline)} frames"
except Exception as exc:
    outcome = f"refused: {exc}"
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"seconds": round(seconds, 2), "extra_mb": round((peak - before) / 1024, 1), "outcome": outcome}))
"""


def make_video(path: Path, width: int, height: int, fps: int, seconds: int) -> None:
    """A still portrait on a grey frame, H.264 with a single key frame; written once and reused."""
    if path.exists():
        return
    import imageio_ffmpeg

    side = min(width, height) // 2
    face_w = side * 9 // 11 // 2 * 2
    tmp = path.with_suffix(".tmp.mp4")
    place = f"pad={width}:{height}:{(width - face_w) // 2}:{(height - side) // 2}:gray"
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-y", "-loop", "1", "-framerate", str(fps),
                    "-i", str(PORTRAIT), "-t", str(seconds), "-vf", f"scale={face_w}:{side},{place}",
                    "-c:v", "libx264", "-preset", "superfast", "-crf", "30", "-g", "1000000", "-pix_fmt", "yuv420p",
                    str(tmp)], check=True)
    tmp.rename(path)


def child(script: str, *args: str) -> dict:
    """Run one case in a fresh interpreter; its figures."""
    out = subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True, cwd=ROOT, timeout=600)
    if out.returncode:
        raise SystemExit(f"{args[0]}: child failed:\n{out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def pictures() -> None:
    figures: dict = {"cases": {}}
    for name in PICTURES:
        result = figures["cases"][name] = child(PICTURE_CHILD, name)
        print(f"{name:34s} {result['file_kb']:7d} kB  {result['seconds']:6.2f} s  +{result['extra_mb']:7.1f} MB  "
              f"{result['outcome']}")
    slowest = max(figures["cases"].items(), key=lambda kv: kv[1]["seconds"])
    largest = max(figures["cases"].items(), key=lambda kv: kv[1]["extra_mb"])
    figures["targets"] = {"seconds_max": 2, "extra_mb_max": 200,
                          "met": all(r["seconds"] <= 2 and r["extra_mb"] <= 200 for r in figures["cases"].values())}
    print(f"\nslowest picture: {slowest[0]}, {slowest[1]['seconds']} s; most memory: {largest[0]}, "
          f"+{largest[1]['extra_mb']} MB; targets met: {figures['targets']['met']}")
    save("limits_pictures", figures)


def videos() -> None:
    folder = RESULTS / "videos"
    folder.mkdir(parents=True, exist_ok=True)
    figures: dict = {"cases": {}}
    for name, (width, height, fps, seconds) in CASES.items():
        path = folder / f"{width}x{height}-{fps}fps-{seconds}s.mp4"
        started = time.perf_counter()
        make_video(path, width, height, fps, seconds)
        made = time.perf_counter() - started
        result = {"file_mb": round(path.stat().st_size / 1e6, 1), **child(VIDEO_CHILD, str(path), str(PORTRAIT))}
        figures["cases"][name] = result
        print(f"{name:34s} {result['file_mb']:6.1f} MB  {result['seconds']:6.2f} s  +{result['extra_mb']:7.1f} MB  "
              f"{result['outcome']}" + (f"  (file written in {made:.0f} s)" if made > 1 else ""))
    worst = max(figures["cases"].values(), key=lambda r: r["seconds"])
    figures["targets"] = {"seconds_max": 10, "extra_mb_max": 500,
                          "met": all(r["seconds"] < 10 and r["extra_mb"] < 500 for r in figures["cases"].values())}
    print(f"\nworst video: {worst['seconds']} s; targets met: {figures['targets']['met']}")
    save("limits", figures)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", choices=("pictures", "videos"), help="run one kind of case only")
    only = parser.parse_args().only
    if only != "videos":
        pictures()
    if only != "pictures":
        videos()


if __name__ == "__main__":
    main()
