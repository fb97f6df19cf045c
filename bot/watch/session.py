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

from bot.i18n import Words, words
from bot.live import LiveMood, Suggester, Suggestion, suggest
from bot.settings import WatchSettings
from bot.watch.moods import NO_FACE, MoodTime, Timeline
from bot.watch.outputs import AnnotatedVideo, JsonLines, draw, face_record, overlay
from bot.watch.preview import PreviewState
from bot.watch.source import Frame, FrameReader
from bot.watch.terminal import Terminal, songs_text, status_line
from bot.wording import mood, reason
from catalog import Catalog, Preferences
from catalog.languages import default_languages
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

    def text(self, t: Words | None = None) -> str:
        """The closing summary, in the words ``t`` (English by default)."""
        t = t or words(None)
        rate = self.analysed / self.seconds if self.seconds > 0 else 0.0
        lines = [t.gettext("Watched {source} for {seconds} s ({ended}): {read} frames read, {analysed} analysed "
                           "({rate}/s), {dropped} dropped as stale.").format(
            source=self.source, seconds=t.number(self.seconds, 1), ended=ended_text(t, self.ended), read=self.read,
            analysed=self.analysed, rate=t.number(rate, 1), dropped=self.dropped)]
        if self.reconnected:
            lines.append(t.ngettext("Reconnected {n} time.", "Reconnected {n} times.", self.reconnected).format(
                n=self.reconnected))
        if self.shares:
            lines.append(t.gettext("Moods of the main face: {moods}").format(moods=" · ".join(
                f"{t.gettext('no face') if m == NO_FACE else mood(t, m)} {t.percent(s)}" for m, s in self.shares)))
        moods = ", ".join(mood(t, s.mood) for s in self.suggestions)
        lines.append(t.gettext("Faces seen: {faces}. Song lists: {lists}.").format(
            faces=self.faces_seen, lists=f"{len(self.suggestions)} ({moods})" if moods else "0"))
        if self.latencies_ms:
            p50, p95 = np.percentile(self.latencies_ms, [50, 95])
            lines.append(t.gettext("Latency from frame to status: p50 {p50} ms, p95 {p95} ms.").format(
                p50=t.number(p50), p95=t.number(p95)))
        return "\n".join(lines)


def ended_text(t: Words, ended: str) -> str:
    """Why a watch ended, in the user's words; a lost source's own account (with its name) stays as it came."""
    if ended == "stopped":
        return t.gettext("stopped")
    if ended == "stopped with Ctrl-C":
        return t.gettext("stopped with Ctrl-C")
    if ended == "end of video":
        return t.gettext("end of video")
    if ended.endswith(" s as asked"):
        return t.gettext("{seconds} s as asked").format(seconds=ended.removesuffix(" s as asked"))
    return ended


class Watch:
    """One watch of one source; ``run()`` once."""

    def __init__(self, reader: FrameReader, analyzer: EmotionAnalyzer, catalog: Catalog, settings: WatchSettings, *,
                 terminal: Terminal, strategy: str | None = None, songs: int = 5, jsonl: JsonLines | None = None,
                 video: AnnotatedVideo | None = None, preview: PreviewState | None = None,
                 language: str | None = None):
        self.reader, self.analyzer, self.catalog, self.settings = reader, analyzer, catalog, settings
        self.terminal, self.strategy, self.songs = terminal, strategy, songs
        self.words = words(language)
        """What the person watching reads, in their language (the status line, song lists, the page's state)."""
        self.language = language
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
                self.preview.publish(None, self._state([]) | {"ended": ended_text(self.words, ended)})
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
        self.terminal.status(status_line(self.words, t, [(f.id, f.label, f.confidence) for f in faces], self._fps(),
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
            settled = self.words.gettext("{heading} (settled at {seconds} s)").format(
                heading=suggestion.heading, seconds=round(suggestion.at))
            self.terminal.say(songs_text(self.words, settled, suggestion.tracks))

    def _choose(self, t: float, label: str, probs: np.ndarray) -> Suggestion:
        """Songs for a settled mood (on the songs thread), in the songs' languages of the watcher's language."""
        return suggest(self.catalog, self.words, t, label, probs,
                       Preferences(languages=default_languages(self.language)), self.strategy, self.songs,
                       seed=len(self.suggestions))

    def _state(self, faces: list[dict[str, Any]]) -> dict[str, Any]:
        """What the preview page shows; ``faces`` as :func:`face_record` gives them (built once per frame)."""
        last = self.suggestions[-1] if self.suggestions else None
        songs = None if last is None else {
            "key": f"{len(self.suggestions)}", "heading": last.heading, "mood": last.mood,
            "tracks": [{"title": s.title, "artist": s.artist, "spotify": s.link, "youtube": s.youtube_search,
                        "reason": reason(self.words, s.reason) if s.reason else ""} for s in last.tracks]}
        latest = self.reader.latest
        return {"source": self.reader.source.name, "seconds": round(time.monotonic() - self._start, 2),
                "faces": faces, "fps": round(self._fps(), 2), "read": latest.read,
                "dropped": latest.dropped, "analysed": self.analysed, "songs": songs, "ended": None}
