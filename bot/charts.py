"""Small PNG charts: mood over days and emotion over a video (chat replies), a live watch's timeline.

Figures are built as plain ``matplotlib.figure.Figure`` objects, never through
pyplot: pyplot keeps global state that is not safe across the analysis threads.
Titles, axes, legends and dates are in the user's words (matplotlib's own date
labels would be English whatever the language).
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.dates import AutoDateLocator, date2num, num2date
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter

from bot.i18n import Words
from bot.wording import mood
from catalog import EMOTIONS, Mood
from model import VideoEmotion

_COLOURS = {"angry": "#d62728", "disgust": "#2ca02c", "fear": "#9467bd", "happy": "#ffbf00", "sad": "#1f77b4",
            "surprise": "#ff7f0e", "neutral": "#7f7f7f"}


def _png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buf, format="png", dpi=100)
    return buf.getvalue()


def _stack(t: Words, ax: Axes, xs: Sequence[float] | np.ndarray, probs: Sequence[Sequence[float]]) -> None:
    columns = list(zip(*probs))
    ax.stackplot(xs, columns, labels=[mood(t, e) for e in EMOTIONS], colors=[_COLOURS[e] for e in EMOTIONS],
                 alpha=0.85)
    ax.set_ylim(0, 1)
    ax.set_ylabel(t.gettext("probability"))
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8)


def mood_chart(t: Words, moods: Sequence[Mood]) -> bytes:
    """Stacked emotion probabilities of the readings, oldest to newest."""
    ordered = sorted(moods, key=lambda m: m.at)
    fig = Figure(figsize=(7, 3))
    ax = fig.subplots()
    if len(ordered) == 1:  # one reading: its probabilities as bars
        ax.bar([mood(t, e) for e in EMOTIONS], ordered[0].probs, color=[_COLOURS[e] for e in EMOTIONS])
        ax.tick_params(axis="x", labelsize=8)
        ax.set_ylim(0, 1)
        ax.set_title(t.gettext("Your mood on {time} UTC").format(time=t.moment(ordered[0].at)))
        return _png(fig)
    _stack(t, ax, date2num([m.at for m in ordered]), [m.probs for m in ordered])
    ax.xaxis.set_major_locator(AutoDateLocator(maxticks=8))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: t.day_month(num2date(x))))
    ax.set_title(t.gettext("Your mood over the last days"))
    fig.autofmt_xdate()
    return _png(fig)


def video_chart(t: Words, video: VideoEmotion) -> bytes:
    """Emotion probabilities along the video (frames without a face are skipped)."""
    points = [(f.time, f.probs) for f in video.timeline if f.probs is not None]
    if len(points) == 1:  # a single moment: draw it as a thin band
        points = [(points[0][0] - 0.25, points[0][1]), (points[0][0] + 0.25, points[0][1])]
    fig = Figure(figsize=(7, 3))
    ax = fig.subplots()
    _stack(t, ax, [at for at, _ in points], [p for _, p in points])
    ax.set_xlabel(t.gettext("seconds"))
    ax.set_title(t.gettext("Your mood through the video"))
    return _png(fig)


def watch_chart(t: Words, points: Sequence[tuple[float, Sequence[float] | np.ndarray | None]], title: str) -> bytes:
    """Smoothed emotions of the main face through a live watch; stretches without a face are left blank."""
    fig = Figure(figsize=(9, 3))
    ax = fig.subplots()
    run: list[tuple[float, Sequence[float] | np.ndarray]] = []
    for at, probs in [*points, (float("inf"), None)]:
        if probs is not None:
            run.append((at, probs))
            continue
        if run:
            ax.stackplot([p[0] for p in run], list(zip(*[p[1] for p in run])),
                         colors=[_COLOURS[e] for e in EMOTIONS], alpha=0.85)
            run = []
    ax.set_ylim(0, 1)
    ax.set_xlim(0, max([at for at, _ in points], default=1) or 1)
    ax.set_ylabel(t.gettext("probability"))
    ax.set_xlabel(t.gettext("seconds"))
    ax.set_title(title)
    ax.legend(handles=[Patch(color=_COLOURS[e], label=mood(t, e)) for e in EMOTIONS], loc="upper left",
              bbox_to_anchor=(1.0, 1.0), fontsize=8)
    return _png(fig)
