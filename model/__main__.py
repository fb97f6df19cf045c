"""python -m model predict PATH...: emotions of the faces in photos and videos.

    python -m model predict selfie.jpg
    python -m model predict selfie.jpg clip.mp4 --json
    python -m model predict selfie.jpg --annotate selfie-annotated.jpg
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from model.analyze import EmotionAnalyzer


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m model", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("-v", "--verbose", action="store_true", help="debug logs, and LiteRT's start-up line")
    sub = p.add_subparsers(dest="command", required=True)
    pr = sub.add_parser("predict", help="classify the faces in images or videos")
    pr.add_argument("paths", nargs="+", type=Path, help="image or video files")
    pr.add_argument("--json", action="store_true", help="print one JSON object per line")
    pr.add_argument("--annotate", type=Path,
                    help="write the (single) image with boxes and labels drawn to this file (at most 1280 px)")
    return p


def _describe(path: Path, analyzer: EmotionAnalyzer, annotate_to: Path | None) -> dict:
    from model import ImageEmotion, InputError, media_kind
    from model.annotate import annotated_jpeg

    try:
        reading = analyzer.analyze(path.read_bytes(), media_kind(path.name))
    except (InputError, OSError) as exc:
        return {"path": str(path), "error": str(exc)}
    if annotate_to and isinstance(reading, ImageEmotion):
        annotate_to.write_bytes(annotated_jpeg(reading))
    return {"path": str(path), **reading.to_dict()}


def _table(result: dict) -> str:
    if "error" in result:
        return f"{result['path']}: error: {result['error']}"
    if result["kind"] == "video":
        mood = result["label"] or "no face found"
        conf = f" ({result['confidence']:.0%})" if result["confidence"] is not None else ""
        return (f"{result['path']}: video {result['duration']} s ({result['seconds_analysed']} s analysed), "
                f"{result['frames_with_face']}/{result['frames_sampled']} sampled frames with a face: {mood}{conf}")
    if not result["faces"]:
        return f"{result['path']}: no face found"
    lines = [f"{result['path']}: {len(result['faces'])} face(s)"]
    for i, face in enumerate(result["faces"], 1):
        top = sorted(face["probs"].items(), key=lambda kv: kv[1], reverse=True)[:3]
        lines.append(f"  #{i} box={face['box']} {face['label']} {face['confidence']:.0%}  ("
                     + ", ".join(f"{k} {v:.0%}" for k, v in top) + ")")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.annotate and len(args.paths) != 1:
        print("error: --annotate takes exactly one image", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    from model import get_analyzer

    analyzer = get_analyzer()
    failed = False
    for path in args.paths:
        result = _describe(path, analyzer, args.annotate)
        failed |= "error" in result
        print(json.dumps(result) if args.json else _table(result))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
