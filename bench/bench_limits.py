"""Worst-case inputs: how long one video holds an analysis worker, and how much memory it takes.

Each case runs in a fresh child process that loads the analyzer first, so the figures are the
analysis alone: wall time and peak resident memory above the loaded process (``ru_maxrss``).
Targets: any accepted video analysed in under 10 s and under 500 MB extra memory.
A typical 10 s video note is the baseline in the same run.

The worst-case files are written by this script (a real portrait on a grey frame, H.264 with one
key frame, as a phone or screen recorder would make a still scene: megabytes for a minute of 4K at
240 fps) with the FFmpeg binary of the ``imageio-ffmpeg`` package (the ``bench`` extra), and kept
in ``bench/results/videos/``: the 4K 240 fps minute takes a few minutes to encode the first time.

    python bench/bench_limits.py
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from _common import RESULTS, ROOT, save

PORTRAIT = ROOT / "tests" / "data" / "congress_A000210.jpg"
CASES = {  # name: (width, height, fps, seconds)
    "video note 640x640 30 fps 10 s": (640, 640, 30, 10),
    "4K 240 fps 60 s": (3840, 2160, 240, 60),
    "8K 30 fps 10 s": (7680, 4320, 30, 10),
}

CHILD = """
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


def main() -> None:
    folder = RESULTS / "videos"
    folder.mkdir(parents=True, exist_ok=True)
    figures: dict = {"cases": {}}
    for name, (width, height, fps, seconds) in CASES.items():
        path = folder / f"{width}x{height}-{fps}fps-{seconds}s.mp4"
        started = time.perf_counter()
        make_video(path, width, height, fps, seconds)
        made = time.perf_counter() - started
        out = subprocess.run([sys.executable, "-c", CHILD, str(path), str(PORTRAIT)], capture_output=True,
                             text=True, cwd=ROOT, timeout=600)
        if out.returncode:
            raise SystemExit(f"{name}: child failed:\n{out.stderr[-2000:]}")
        result = {"file_mb": round(path.stat().st_size / 1e6, 1), **json.loads(out.stdout.strip().splitlines()[-1])}
        figures["cases"][name] = result
        print(f"{name:34s} {result['file_mb']:6.1f} MB  {result['seconds']:6.2f} s  +{result['extra_mb']:7.1f} MB  "
              f"{result['outcome']}" + (f"  (file written in {made:.0f} s)" if made > 1 else ""))
    worst = max(figures["cases"].values(), key=lambda r: r["seconds"])
    figures["targets"] = {"seconds_max": 10, "extra_mb_max": 500,
                          "met": all(r["seconds"] < 10 and r["extra_mb"] < 500 for r in figures["cases"].values())}
    print(f"\nworst: {worst['seconds']} s; targets met: {figures['targets']['met']}")
    save("limits", figures)


if __name__ == "__main__":
    main()
