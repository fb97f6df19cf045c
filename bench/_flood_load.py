"""The load side of bench_flood.py, in its own process: the fake Bot API, one flooding user and one with selfies.

Run by bench_flood.py, never by hand. It prints ``READY <base url>``, waits for
the bot to start, plays every case of :data:`CASES`, prints one JSON line of
figures and serves the bot until its input closes. In each case a fresh user first sends two ``/playlist sad`` (so that
/mood has a week to chart), then everything the case lists at once, while
another fresh user sends selfies one after another; each selfie's time to its
answer is what counts. A case of no flood at all is the baseline.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from _common import stats  # noqa: E402

from tests.fakes.telegram import FakeTelegram  # noqa: E402

SELFIE = (ROOT / "tests" / "data" / "congress_A000210.jpg").read_bytes()


@dataclass(frozen=True)
class Case:
    """What the flooding user sends at once: (kind, what, times).

    Kinds: "text" (a message or command), "press" (button data, pressed under a
    song list of the bot's), "document" (a file under bench/ or tests/data, sent
    as an image file; for pictures that are costly to read).
    """

    name: str
    flood: Sequence[tuple[str, str, int]]


CASES = (
    Case("quiet", ()),
    Case("150 /mood", (("text", "/mood", 150),)),
    Case("500 /playlist", (("text", "/playlist", 500),)),
    Case("300 button presses", (("press", "more", 100), ("press", "set:fam:0", 100), ("press", "mood:calm", 100))),
)


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
                fake.user_sends_document(user, (ROOT / what).read_bytes(), "image/png", Path(what).name)
            else:
                raise ValueError(f"unknown kind {kind!r}")
            sent += 1
    return sent


async def play(fake: FakeTelegram, case: Case, flooder: int, victim: int, selfies: int) -> dict:
    for _ in range(2):  # a week of moods to chart
        mark = fake.mark()
        fake.user_sends_text(flooder, "/playlist sad")
        await _answered(fake, flooder, mark, "sendMessage")
    await _idle(fake, 1.0)
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
    return {"case": case.name, "flood_events": events, "selfie": stats(waits), "selfie_max_ms": round(max(waits), 1),
            "bot_busy_s": round(busy, 1),
            "replies_to_flooder": len(flooder_calls),
            "answered_presses": fake.count("answerCallbackQuery", mark)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--selfies", type=int, default=3)
    parser.add_argument("--cases", default="", help="comma-separated case names (default: all)")
    args = parser.parse_args()
    chosen = [c for c in CASES if not args.cases or c.name in args.cases.split(",")]
    with FakeTelegram() as fake:
        print(f"READY {fake.origin}", flush=True)
        deadline = time.monotonic() + 180
        while fake.count("setMyCommands") < 1:
            if time.monotonic() > deadline:
                raise SystemExit("the bot did not start within 180 s")
            time.sleep(0.1)

        async def run() -> list[dict]:
            await play(fake, Case("warm-up", ()), 39_999, 49_999, 1)  # first-use costs out of every case
            return [{**await play(fake, case, 40_000 + k, 50_000 + k, args.selfies), "flooder": 40_000 + k}
                    for k, case in enumerate(chosen)]

        figures = asyncio.run(run())
        print(json.dumps(figures), flush=True)
        sys.stdin.readline()  # the fake answers until the bot has stopped


if __name__ == "__main__":
    main()
