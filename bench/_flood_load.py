"""The load side of bench_flood.py, in its own process: the fake Bot API, one flooding user and one with selfies.

Run by bench_flood.py, never by hand. It prints ``READY <base url>``, waits for
the bot to start, plays every case of :data:`CASES`, prints one JSON line of
figures and serves the bot until its input closes. In each case a fresh user first sends two ``/playlist sad`` (so that
/mood has a week to chart), then everything the case lists at once, while
another fresh user sends selfies one after another; each selfie's time to its
answer is what counts. A case of no flood at all is the baseline.

The hostile files are the ones ``bench/bench_limits.py`` times alone (kilobytes
that decode to tens of megapixels, built by ``tests/fakes/pictures.py``), sent as
documents, and a 5 s clip whose header claims 1000 hours. The bot's peak resident
memory in each case is read from ``/proc/<pid>/status`` (VmHWM, reset before the
case through ``/proc/<pid>/clear_refs``).
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import mimetypes
import re
import struct
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from _common import stats  # noqa: E402
from bench_limits import PICTURES, PORTRAIT  # noqa: E402

from bot import replies  # noqa: E402
from bot.i18n import words  # noqa: E402
from model import InputError  # noqa: E402
from tests.fakes.telegram import Call, FakeTelegram  # noqa: E402

SELFIE = PORTRAIT.read_bytes()


def claimed_clip() -> bytes:
    """A 5 s MJPEG clip of the test portrait (10 fps, 480x480) whose AVI header claims 1000 hours."""
    face = cv2.imread(str(PORTRAIT))
    assert face is not None
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "clip.avi"
        writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), 10.0, (480, 480))
        for i in range(50):
            frame = np.full((480, 480, 3), 90, np.uint8)
            x = 40 + (i * 7) % 150
            frame[100:375, x:x + 225] = face
            writer.write(frame)
        writer.release()
        data = bytearray(path.read_bytes())
    claimed = 1000 * 3600 * 10  # frames at 10 fps
    struct.pack_into("<I", data, data.find(b"avih") + 8 + 16, claimed)  # total frames
    struct.pack_into("<I", data, data.find(b"strh") + 8 + 32, claimed)  # stream length
    return bytes(data)


DOCUMENTS: dict[str, Callable[[], bytes]] = {
    "wide.png": PICTURES["grey PNG 208333x192"],
    "deep.png": PICTURES["16-bit grey PNG 8000x5000"],
    "rgba.png": PICTURES["RGBA PNG 8000x5000"],
    "palette.png": PICTURES["palette PNG 8000x5000"],
    "icon.ico": PICTURES["icon 256x256 holding 9000x9000"],
    "photo.jpg": PICTURES["photo 8000x5000 JPEG"],
    "clip.avi": claimed_clip,
}
"""File name sent (its MIME type follows from it): what builds the file."""


@functools.cache
def document(name: str) -> bytes:
    """The file, built once: the building is no part of any case."""
    return DOCUMENTS[name]()


@dataclass(frozen=True)
class Case:
    """What the flooding user sends at once: (kind, what, times).

    Kinds: "text" (a message or command), "press" (button data, pressed under a
    song list of the bot's), "document" (a file of :data:`DOCUMENTS`, by name).
    """

    name: str
    flood: Sequence[tuple[str, str, int]]


CASES = (
    Case("quiet", ()),
    Case("150 /mood", (("text", "/mood", 150),)),
    Case("500 /playlist", (("text", "/playlist", 500),)),
    Case("300 button presses", (("press", "more", 100), ("press", "set:fam:0", 100), ("press", "mood:calm", 100))),
    Case("2 grey PNG 208333x192", (("document", "wide.png", 2),)),
    Case("2 16-bit PNG 40 MP", (("document", "deep.png", 2),)),
    Case("2 RGBA PNG 40 MP", (("document", "rgba.png", 2),)),
    Case("2 palette PNG 40 MP", (("document", "palette.png", 2),)),
    Case("2 icons of 9000x9000", (("document", "icon.ico", 2),)),
    Case("2 JPEG 40 MP", (("document", "photo.jpg", 2),)),
    Case("2 clips claiming 1000 h", (("document", "clip.avi", 2),)),
    Case("all 14 files at once", tuple(("document", name, 2) for name in DOCUMENTS)),
)

ENGLISH = words("en")
SIGNS = {  # how the bot's reply to a picture or video begins (in English): what became of it
    "analysed": (replies.no_face_video(ENGLISH)[:20],),  # no face; a reading with a face is answered with a picture
    "refused": (replies.bad_input(ENGLISH, InputError("-"))[:20], replies.too_large(ENGLISH, 1)[:20],
                replies.daily_limit(ENGLISH, "readings", 1)[:9]),
    "told_to_wait": (replies.rate_limited(ENGLISH, 1)[:20],),
}


def media_outcomes(calls: Sequence[Call], sent: int) -> dict:
    """What became of the files one user sent, from the bot's replies; "unanswered" is what the rate limit dropped."""
    texts = [c.params.get("text", "") for c in calls if c.method == "sendMessage"]
    counts = {sign: sum(t.startswith(starts) for t in texts) for sign, starts in SIGNS.items()}
    analysed = counts["analysed"] + sum(c.method == "sendPhoto" for c in calls)
    reasons = Counter(re.sub(r"^\W*", "", t.split(":", 1)[-1]).rstrip(".") for t in texts
                      if t.startswith(SIGNS["refused"]))
    return {"sent": sent, "analysed": analysed, "refused": counts["refused"], "refusals": dict(reasons),
            "unanswered": sent - analysed - counts["refused"], "told_to_wait": counts["told_to_wait"]}


def memory_mb(pid: int) -> dict[str, float]:
    """The process's resident memory now and at its peak since the last :func:`reset_peak` (MB)."""
    fields = dict(re.findall(r"^(VmRSS|VmHWM):\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text(), re.M))
    return {"now": round(int(fields["VmRSS"]) / 1024), "peak": round(int(fields["VmHWM"]) / 1024)}


def reset_peak(pid: int) -> None:
    """Start the process's peak resident memory afresh (Linux: "5" to clear_refs)."""
    Path(f"/proc/{pid}/clear_refs").write_text("5")


async def _answered(fake: FakeTelegram, chat: int, after: int, method: str, timeout: float = 120) -> float:
    """When the first ``method`` call to ``chat`` from index ``after`` came (monotonic seconds)."""
    call = await asyncio.to_thread(fake.wait_for, method, chat, after, timeout)
    return call.at


async def _idle(fake: FakeTelegram, quiet: float = 2.0, limit: float = 300.0) -> None:
    """Wait until the bot has made no call for ``quiet`` seconds (at most ``limit`` seconds)."""
    started = time.monotonic()
    while time.monotonic() - started < limit:
        seen = fake.mark()
        await asyncio.sleep(quiet)
        if fake.mark() == seen:
            return


def _flood(fake: FakeTelegram, user: int, case: Case) -> int:
    message = {"message_id": 1, "date": int(time.time()), "chat": {"id": user, "type": "private"},
               "from": {"id": 1000, "is_bot": True, "first_name": "MoodTunes"}, "text": "songs"}
    sent = 0
    for kind, what, times in case.flood:
        for _ in range(times):
            if kind == "text":
                fake.user_sends_text(user, what)
            elif kind == "press":
                fake.user_presses(user, message, what)
            elif kind == "document":
                mime = mimetypes.guess_type(what)[0] or "application/octet-stream"
                fake.user_sends_document(user, document(what), mime, what)
            else:
                raise ValueError(f"unknown kind {kind!r}")
            sent += 1
    return sent


async def play(fake: FakeTelegram, case: Case, flooder: int, victim: int, selfies: int, bot: int) -> dict:
    for _ in range(2):  # a week of moods to chart
        mark = fake.mark()
        fake.user_sends_text(flooder, "/playlist sad")
        await _answered(fake, flooder, mark, "sendMessage")
    for kind, what, _ in case.flood:
        if kind == "document":
            document(what)
    await _idle(fake, 1.0)
    reset_peak(bot)
    before = memory_mb(bot)["now"]
    mark = fake.mark()
    started = time.monotonic()
    events = _flood(fake, flooder, case)
    waits = []
    for _ in range(selfies):
        await asyncio.sleep(0.3)
        sent_mark = fake.mark()
        sent = time.monotonic()
        fake.user_sends_photo(victim, SELFIE)
        waits.append((await _answered(fake, victim, sent_mark, "sendPhoto") - sent) * 1000)
    await _idle(fake)
    busy = time.monotonic() - started - 2.0  # until the bot's last call
    flooder_calls = [c for c in fake.calls[mark:] if str(c.params.get("chat_id")) == str(flooder)]
    files = sum(times for kind, _, times in case.flood if kind == "document")
    return {"case": case.name, "flood_events": events, "selfie": stats(waits), "selfie_max_ms": round(max(waits), 1),
            "bot_busy_s": round(busy, 1),
            "replies_to_flooder": len(flooder_calls),
            "answered_presses": fake.count("answerCallbackQuery", mark),
            "bot_rss_mb": {"before": before, "peak": memory_mb(bot)["peak"]},
            "files": media_outcomes(flooder_calls, files) if files else None}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--selfies", type=int, default=3)
    parser.add_argument("--cases", default="", help="comma-separated case names (default: all)")
    args = parser.parse_args()
    chosen = [c for c in CASES if not args.cases or c.name in args.cases.split(",")]
    with FakeTelegram() as fake:
        print(f"READY {fake.origin}", flush=True)
        bot = int(sys.stdin.readline())  # the bot's process id, for its memory
        deadline = time.monotonic() + 180
        while fake.count("setMyCommands") < 1:
            if time.monotonic() > deadline:
                raise SystemExit("the bot did not start within 180 s")
            time.sleep(0.1)

        async def run() -> list[dict]:
            await play(fake, Case("warm-up", ()), 39_999, 49_999, 1, bot)  # first-use costs out of every case
            return [{**await play(fake, case, 40_000 + k, 50_000 + k, args.selfies, bot), "flooder": 40_000 + k}
                    for k, case in enumerate(chosen)]

        figures = asyncio.run(run())
        print(json.dumps(figures), flush=True)
        sys.stdin.readline()  # the fake answers until the bot has stopped


if __name__ == "__main__":
    main()
