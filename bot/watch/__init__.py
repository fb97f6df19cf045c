"""Live camera mode, python -m bot watch SOURCE: the mood of the faces in a camera or stream, and songs for it.

A second front end beside the Telegram bot, on the same emotion model and song catalogue.
Frames stay in memory; files are written only when asked (--jsonl, --annotate,
--chart), and the catalogue records nothing of a watch.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from pathlib import Path

from bot.settings import WatchSettings
from bot.watch.source import SourceError

__all__ = ["add_arguments", "watch"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("source", help="camera index (0), device (/dev/video0), video file, or stream URL "
                                       "(rtsp://, http:// MJPEG, HLS .m3u8)")
    parser.add_argument("--seconds", type=float, help="stop after this many seconds (default: until the source "
                                                      "ends or Ctrl-C)")
    parser.add_argument("--rate", type=float, help="frames analysed per second at most (WATCH_RATE, 5)")
    parser.add_argument("--strategy", choices=("match", "lift"),
                        help="songs that match the mood, or lift it (default: as the bot does for each mood)")
    parser.add_argument("--songs", type=int, default=5, help="songs per list (default 5)")
    parser.add_argument("--jsonl", type=Path, help="write a JSON line per analysed frame to this file")
    parser.add_argument("--annotate", type=Path, metavar="OUT.mp4", help="write the video with boxes and labels")
    parser.add_argument("--chart", type=Path, metavar="OUT.png", help="write the mood timeline chart at the end")
    parser.add_argument("--preview", action="store_true",
                        help="serve a live page with the feed, mood and songs (WATCH_PREVIEW_HOST:WATCH_PREVIEW_PORT)")
    parser.add_argument("--port", type=int, help="port of the preview page (WATCH_PREVIEW_PORT, 8765; 0: any free)")
    parser.add_argument("--language", help="the language of the status line, songs and live page, and of the songs "
                                           "first (en, es, pt-br, de, fr, it, ru, uk, tr, id; default: English, songs "
                                           "in any language)")


def watch(args: argparse.Namespace) -> int:
    """Run one watch from parsed arguments: 0 when it ended normally, 1 when the source failed, 2 for bad usage."""
    from bot.charts import watch_chart
    from bot.i18n import words
    from bot.watch.outputs import AnnotatedVideo, JsonLines
    from bot.watch.preview import PreviewServer, PreviewState
    from bot.watch.session import Watch
    from bot.watch.source import FrameReader, Source, open_capture, quiet_opencv
    from bot.watch.terminal import Terminal
    from catalog import get_catalog
    from model import get_analyzer

    settings = WatchSettings()
    if args.rate is not None:
        if not 0 < args.rate <= 30:
            return _fail("--rate must be above 0 and at most 30 frames a second", 2)
        settings.rate = args.rate
    if not 1 <= args.songs <= 10:
        return _fail("--songs must be between 1 and 10", 2)
    if args.port is not None and not 0 <= args.port <= 65535:
        return _fail("--port must be between 0 and 65535 (0: any free port)", 2)
    source = Source.parse(args.source)
    quiet_opencv()
    with contextlib.ExitStack() as stack:
        try:
            cap = open_capture(source, settings.connect_timeout)
            stack.callback(cap.release)
            reader = FrameReader(source, cap, max_side=settings.max_side, timeout=settings.connect_timeout,
                                 reconnects=settings.reconnects)
            video = jsonl = shared = None
            if args.annotate:
                video = AnnotatedVideo(args.annotate, reader.fps)
                stack.callback(video.close)
                reader.on_frame = video.write
            if args.jsonl:
                jsonl = JsonLines(args.jsonl)
                stack.callback(jsonl.close)
            if args.chart:
                args.chart.touch()  # a chart that cannot be written should fail now, not after the watch
            if args.preview:
                shared = PreviewState()
                server = PreviewServer(shared, settings.preview_host,
                                       settings.preview_port if args.port is None else args.port,
                                       settings.preview_clients, words(args.language))
                server.start()
                stack.callback(server.stop)
                print(f"Live page: {server.url}", flush=True)
        except SourceError as exc:
            return _fail(str(exc), 1)
        except OSError as exc:
            return _fail(f"cannot write {exc.filename}: {exc.strerror}" if exc.filename else str(exc), 2)
        catalog = get_catalog()
        catalog.index()  # built now, so the first song list does not stall the feed
        print(f"Watching {source.name} ({reader.fps:g} fps), analysing up to {settings.rate:g} frames/s. "
              "Ctrl-C stops.", flush=True)
        summary = Watch(reader, get_analyzer(), catalog, settings, terminal=Terminal(),
                        strategy=args.strategy, songs=args.songs, jsonl=jsonl, video=video, preview=shared,
                        language=args.language).run(args.seconds)
    t = words(args.language)
    print(summary.text(t))
    if args.chart:
        args.chart.write_bytes(watch_chart(t, summary.timeline.points,
                                           t.gettext("Moods watched on {source}").format(source=source.name)))
        print(f"Timeline chart: {args.chart}")
    if video is not None and video.frames:
        print(f"Annotated video: {video.path} ({video.frames} frames)")
    if summary.failed:
        print(f"error: {summary.ended}", file=sys.stderr)
        return 1
    return 0


def _fail(message: str, status: int) -> int:
    print(f"error: {message}", file=sys.stderr)
    return status
