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
from model.errors import path_problem

VERBOSE_HELP = "debug logs, and LiteRT's start-up line"


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m model", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("-v", "--verbose", action="store_true", help=VERBOSE_HELP)
    sub = p.add_subparsers(dest="command", required=True, title="commands", metavar="COMMAND")
    pr = sub.add_parser("predict", help="classify the faces in images or videos",
                        description="The emotion of every face found in each photo or video (a video: its mood "
                                    "over time), one line per file or, with --json, one JSON object per line.")
    pr.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="image or video files")
    pr.add_argument("--json", action="store_true", help="print one JSON object per line")
    pr.add_argument("--annotate", type=Path, metavar="OUT.jpg",
                    help="write the (single) image with boxes and labels drawn to this file (at most 1280 px)")
    pr.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS, help=VERBOSE_HELP)
    return p


def _describe(path: Path, analyzer: EmotionAnalyzer, annotate_to: Path | None) -> dict:
    from model import ImageEmotion, InputError, media_kind
    from model.annotate import annotated_jpeg

    try:
        reading = analyzer.analyze(path.read_bytes(), media_kind(path.name))
    except (InputError, OSError) as exc:
        return {"path": str(path), "error": str(exc)}
    if annotate_to and isinstance(reading, ImageEmotion):
        try:
            annotate_to.write_bytes(annotated_jpeg(reading))
        except OSError as exc:
            return {"path": str(path), "error": f"cannot write {annotate_to}: {exc.strerror}"}
    return {"path": str(path), **reading.to_dict()}


def _table(result: dict) -> str:
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
    """Results on stdout; a file that cannot be read is one ``error:`` line on stderr (a JSON object with --json)."""
    args = _parser().parse_args(argv)
    if args.annotate and len(args.paths) != 1:
        print("error: --annotate takes exactly one image", file=sys.stderr)
        return 2
    problems = [problem for path in args.paths if (problem := path_problem(path))]
    for problem in problems:  # before the model loads: a typo costs a line, not seconds
        print(f"error: {problem}", file=sys.stderr)
    if problems:
        return 2
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    from model import get_analyzer

    analyzer = get_analyzer()
    failed = False
    for path in args.paths:
        result = _describe(path, analyzer, args.annotate)
        failed |= "error" in result
        if args.json:
            print(json.dumps(result))
        elif "error" in result:
            print(f"error: {result['path']}: {result['error']}", file=sys.stderr)
        else:
            print(_table(result))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
