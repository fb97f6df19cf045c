"""The live loop: the newest frame -> faces -> tracks -> status line, songs, outputs; then a summary.

Analysis runs on the calling thread at most ``rate`` times a second, always on
the newest frame the reader holds. Songs are chosen on a worker thread (Spotify
enrichment may take seconds) with at most one list waiting, so neither a slow
model nor a slow network can build a backlog.
"""

from __future__ import annotations

import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from bot.live import LiveMood, Suggester, Suggestion, suggest
from bot.settings import WatchSettings
from bot.watch.moods import MoodTime, Timeline
from bot.watch.outputs import AnnotatedVideo, JsonLines, draw, face_record, overlay
from bot.watch.preview import PreviewState
from bot.watch.source import Frame, FrameReader
from bot.watch.terminal import Terminal, songs_text, status_line
from catalog import Catalog, Preferences
from model import EmotionAnalyzer
from model.annotate import encode_jpeg


@dataclass
class Summary:
    source: str
    seconds: float
    read: int
    analysed: int
    dropped: int
    reconnected: int
    ended: str
    failed: bool
    """True when the source was lost for good (the command then exits with an error status)."""
    shares: list[tuple[str, float]]
    faces_seen: int
    suggestions: list[Suggestion]
    latencies_ms: list[float] = field(repr=False)
    timeline: Timeline = field(repr=False)

    def text(self) -> str:
        rate = self.analysed / self.seconds if self.seconds > 0 else 0.0
        lines = [f"Watched {self.source} for {self.seconds:.1f} s ({self.ended}): {self.read} frames read, "
                 f"{self.analysed} analysed ({rate:.1f}/s), {self.dropped} dropped as stale"
                 + (f", {self.reconnected} reconnect(s)" if self.reconnected else "") + "."]
        if self.shares:
            lines.append("Moods of the main face: " + " · ".join(f"{m} {s:.0%}" for m, s in self.shares))
        lines.append(f"Faces seen: {self.faces_seen}. Song lists: {len(self.suggestions)}"
                     + (f" ({', '.join(s.mood for s in self.suggestions)})" if self.suggestions else "") + ".")
        if self.latencies_ms:
            p50, p95 = np.percentile(self.latencies_ms, [50, 95])
            lines.append(f"Latency from frame to status: p50 {p50:.0f} ms, p95 {p95:.0f} ms.")
        return "\n".join(lines)


class Watch:
    """One watch of one source; ``run()`` once."""

    def __init__(self, reader: FrameReader, analyzer: EmotionAnalyzer, catalog: Catalog, settings: WatchSettings, *,
                 terminal: Terminal, strategy: str | None = None, songs: int = 5, jsonl: JsonLines | None = None,
                 video: AnnotatedVideo | None = None, preview: PreviewState | None = None):
        self.reader, self.analyzer, self.catalog, self.settings = reader, analyzer, catalog, settings
        self.terminal, self.strategy, self.songs = terminal, strategy, songs
        self.jsonl, self.video, self.preview = jsonl, video, preview
        self.mood = LiveMood(settings.smoothing, settings.stable_seconds)
        self.mood_time = MoodTime()
        self.timeline = Timeline()
        self.suggestions: list[Suggestion] = []
        self.latencies: deque[float] = deque(maxlen=20_000)
        self.analysed = 0
        self._recent: deque[float] = deque(maxlen=10)
        self._songs = ThreadPoolExecutor(max_workers=1, thread_name_prefix="songs")
        self._suggester = Suggester(self._songs, self._choose)
        self._start = 0.0

    def run(self, seconds: float | None = None) -> Summary:
        """Watch until the source ends, ``seconds`` pass, or Ctrl-C (outputs stay open: their opener closes them)."""
        self._start = due = time.monotonic()
        self.reader.start()
        latest, ended = self.reader.latest, "stopped"
        try:
            while True:
                now = time.monotonic()
                if seconds is not None and now - self._start >= seconds:
                    ended = f"{seconds:g} s as asked"
                    break
                if due > now:
                    time.sleep(due - now)
                frame = latest.take(timeout=0.5)
                self._collect_songs()
                if frame is None:
                    if latest.ended is not None:
                        ended = latest.ended
                        break
                    continue
                due = max(due + 1 / self.settings.rate, time.monotonic() - 1 / self.settings.rate)
                self._analyse(frame)
        except KeyboardInterrupt:
            ended = "stopped with Ctrl-C"
        finally:
            self.reader.stop()
            self._songs.shutdown(wait=False, cancel_futures=True)
            self.terminal.close()
            if self.preview is not None:
                self.preview.publish(None, self._state([]) | {"ended": ended})
        return Summary(self.reader.source.name, time.monotonic() - self._start, latest.read, self.analysed,
                       latest.dropped, self.reader.reconnected, ended, latest.failed, self.mood_time.shares(),
                       self.mood.faces_seen, self.suggestions, list(self.latencies), self.timeline)

    def _analyse(self, frame: Frame) -> None:
        t = frame.at - self._start
        step = self.mood.update(t, self.analyzer.analyze_array(frame.image))
        faces, main = step.faces, step.main
        self.analysed += 1
        self._recent.append(time.monotonic())
        self.mood_time.update(t, main.label if main else None)
        self.timeline.add(t, main.probs if main else None)
        shown = overlay(faces)
        if self.video is not None:
            self.video.shown = shown
        if step.settled and main is not None:
            self._suggester.ask(t, main.label, main.probs)
        self.terminal.status(status_line(t, [(f.id, f.label, f.confidence) for f in faces], self._fps(),
                                         self.reader.latest.dropped))
        latency = (time.monotonic() - frame.at) * 1000
        self.latencies.append(latency)
        records = [face_record(f) for f in faces] if self.jsonl or self.preview else []
        if self.jsonl is not None:
            self.jsonl.write({"t": round(t, 3), "frame": frame.index, "latency_ms": round(latency, 1),
                              "faces": records})
        if self.preview is not None:
            self.preview.publish(encode_jpeg(draw(frame.image, shown), quality=80), self._state(records))

    def _fps(self) -> float:
        """Analysed frames per second over the last ten."""
        if len(self._recent) < 2 or self._recent[-1] <= self._recent[0]:
            return 0.0
        return (len(self._recent) - 1) / (self._recent[-1] - self._recent[0])

    def _collect_songs(self) -> None:
        suggestion = self._suggester.collect()
        if suggestion is not None:
            self.suggestions.append(suggestion)
            self.terminal.say(songs_text(f"{suggestion.heading} (settled at {suggestion.at:.0f} s)",
                                         suggestion.tracks))

    def _choose(self, t: float, label: str, probs: np.ndarray) -> Suggestion:
        return suggest(self.catalog, t, label, probs, Preferences(), self.strategy, self.songs,
                       seed=len(self.suggestions))

    def _state(self, faces: list[dict[str, Any]]) -> dict[str, Any]:
        """What the preview page shows; ``faces`` as :func:`face_record` gives them (built once per frame)."""
        last = self.suggestions[-1] if self.suggestions else None
        songs = None if last is None else {
            "key": f"{len(self.suggestions)}", "heading": last.heading, "mood": last.mood,
            "tracks": [{"title": s.title, "artist": s.artist, "reason": s.reason, "spotify": s.link,
                        "youtube": s.youtube_search} for s in last.tracks]}
        latest = self.reader.latest
        return {"source": self.reader.source.name, "seconds": round(time.monotonic() - self._start, 2),
                "faces": faces, "fps": round(self._fps(), 2), "read": latest.read,
                "dropped": latest.dropped, "analysed": self.analysed, "songs": songs, "ended": None}
