"""What the person watching reads: one status line that updates in place, song lists, the summary.

On a terminal the status line is redrawn where it stands; into a pipe or a file
(no cursor to move) it becomes a plain line once a second.
"""

from __future__ import annotations

import shutil
import sys
import time
from collections.abc import Sequence
from typing import TextIO

from bot.i18n import Words
from bot.replies import EMOJI
from bot.wording import mood, reason
from catalog import Track
from catalog.listing import song_lines


class Terminal:
    def __init__(self, out: TextIO | None = None, every: float = 1.0):
        self.out, self.every = out or sys.stdout, every
        self.tty = self.out.isatty()
        self._status = ""
        self._printed_at = -float("inf")

    def status(self, line: str) -> None:
        """Show the current status: redrawn in place on a terminal, else printed at most once per ``every`` s."""
        self._status = line
        if self.tty:
            width = shutil.get_terminal_size().columns - 1
            self.out.write("\r\x1b[K" + line[:width])
            self.out.flush()
        elif time.monotonic() - self._printed_at >= self.every:
            self._printed_at = time.monotonic()
            print(line, file=self.out, flush=True)

    def say(self, text: str) -> None:
        """Print ``text`` above the status line (which is redrawn under it)."""
        if self.tty:
            self.out.write("\r\x1b[K")
        print(text, file=self.out, flush=True)
        if self.tty and self._status:
            self.status(self._status)

    def close(self) -> None:
        if self.tty and self._status:
            self.out.write("\n")
            self.out.flush()


def status_line(t: Words, seconds: float, faces: Sequence[tuple[int, str, float]], fps: float, dropped: int) -> str:
    """'12.4 s · 2 faces · #1 😄 happy 82% · #2 😐 neutral 64% · 5.0 analysed/s · 310 dropped'."""
    shown = " · ".join(f"#{i} {EMOJI[label]} {mood(t, label)} {t.percent(conf)}" for i, label, conf in faces) \
        or t.gettext("no face")
    count = t.ngettext("{n} face", "{n} faces", len(faces)).format(n=len(faces))
    rates = t.gettext("{fps} analysed/s · {dropped} dropped").format(fps=t.number(fps, 1), dropped=dropped)
    return f"{seconds:6.1f} s · {count} · {shown} · {rates}"


def songs_text(t: Words, heading: str, tracks: Sequence[Track]) -> str:
    """The heading, then the songs as every terminal front end prints them, reasons in the watcher's words."""
    if not tracks:
        return "♪ " + t.gettext("{heading}: no songs left in the catalogue for this mood").format(heading=heading)
    return "\n".join([f"♪ {heading}", *song_lines(tracks, lambda why: reason(t, why))])
