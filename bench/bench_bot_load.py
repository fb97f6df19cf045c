"""Load test of the whole bot: many users sending selfies through the real Application.

A local fake Bot API (tests/fakes/telegram.py) feeds photo updates to python-telegram-bot over
HTTP; every photo goes the full way (getFile, download, decode, detect, classify, record the
mood in SQLite, recommend, annotate, sendPhoto). Two runs:

* steady: photos arrive at ``--rate`` per second (open loop) for ``--seconds``; we report the
  time from arrival to the bot's reply (p50/p95) and whether every photo got one;
* burst: ``--burst`` photos arrive at once; handled photos per second is the capacity;
* mixed: at ``--rate`` events per second, a third photos, a third commands (/mood, /history,
  /playlist sad), a third button presses (👍, 🔁 more, ⚙️ settings); time to the first answer.

Target (issue 5): at least 15 photos/s with p95 under 2 s and no error.

    python bench/bench_bot_load.py [--rate 15 --seconds 10 --burst 200]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

from _common import ROOT, save, stats


async def drive(fake, photos: list[bytes], arrivals: list[float], first_user: int) -> dict:
    """Send photo i at arrivals[i] seconds, each from its own user; wait for all replies."""
    start = time.monotonic()
    sent: dict[int, float] = {}
    for i, at in enumerate(arrivals):
        delay = start + at - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        fake.user_sends_photo(first_user + i, photos[i % len(photos)])
        sent[first_user + i] = time.monotonic()
    deadline = time.monotonic() + 120
    replies: dict[int, float] = {}
    while len(replies) < len(sent) and time.monotonic() < deadline:
        for call in list(fake.calls):
            if call.method in ("sendPhoto", "sendMessage"):
                chat = int(call.params["chat_id"])
                if chat in sent and chat not in replies:
                    replies[chat] = call.at
        await asyncio.sleep(0.02)
    wall = max(replies.values(), default=start) - start
    errors = sum(c.method == "sendMessage" and "went wrong" in c.params.get("text", "") for c in fake.calls)
    latencies = [(replies[m] - sent[m]) * 1000 for m in replies]
    return {"photos": len(sent), "replied": len(replies), "errors": errors,
            "photos_per_s": round(len(replies) / wall, 2) if wall else 0.0, **stats(latencies or [0.0])}


async def drive_mixed(fake, photos: list[bytes], rate: float, seconds: float, first_user: int) -> dict:
    """Photos, commands and button presses interleaved; each event's time to its first answer."""
    start = time.monotonic()
    n = int(rate * seconds)
    pending: dict[str, float] = {}  # event key -> sent at
    commands = ("/mood", "/history", "/playlist sad")
    message = {"message_id": 1, "date": int(time.time()), "chat": {"id": first_user, "type": "private"},
               "from": {"id": 1000, "is_bot": True, "first_name": "MoodTunes"}, "text": "songs"}
    for i in range(n):
        delay = start + i / rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        user = first_user + i % 20
        kind = i % 3
        if kind == 0:
            fake.user_sends_photo(user, photos[i % len(photos)])
            pending[f"chat:{user}:{i}"] = time.monotonic()
        elif kind == 1:
            fake.user_sends_text(user, commands[i % len(commands)])
            pending[f"chat:{user}:{i}"] = time.monotonic()
        else:
            data = ("fb:like:1", "more", "set:page:main")[i % 3]
            pending[f"query:{fake.user_presses(user, {**message, 'chat': {'id': user, 'type': 'private'}}, data)}"] = \
                time.monotonic()
    deadline = time.monotonic() + 120
    answered: dict[str, float] = {}
    while len(answered) < len(pending) and time.monotonic() < deadline:
        chats: dict[int, list[float]] = {}
        for call in list(fake.calls):
            if call.method == "answerCallbackQuery":
                key = f"query:{call.params.get('callback_query_id')}"
                if key in pending:
                    answered.setdefault(key, call.at)
            elif call.method in ("sendPhoto", "sendMessage"):
                chats.setdefault(int(call.params["chat_id"]), []).append(call.at)
        for key, sent in pending.items():  # a chat event counts as answered by the first reply after it
            if key.startswith("chat:") and key not in answered:
                user = int(key.split(":")[1])
                later = [t for t in chats.get(user, []) if t >= sent and t not in answered.values()]
                if later:
                    answered[key] = min(later)
        await asyncio.sleep(0.05)
    latencies = [(answered[k] - pending[k]) * 1000 for k in answered]
    return {"events": n, "answered": len(answered), **stats(latencies or [0.0])}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate", type=float, default=15.0)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--burst", type=int, default=200)
    args = parser.parse_args()

    from bot.app import build_application
    from bot.runner import running
    from bot.settings import BotSettings
    from catalog.service import open_catalog
    from model import get_analyzer
    from tests.fakes.telegram import TOKEN, FakeTelegram

    data_dir = ROOT / "tests" / "data"
    photos = [(data_dir / n).read_bytes() for n in ("congress_A000210.jpg", "congress_A000014.jpg")]
    figures: dict = {}
    with tempfile.TemporaryDirectory() as tmp, FakeTelegram() as fake:
        catalog = open_catalog(f"sqlite:///{Path(tmp) / 'load.db'}")
        settings = BotSettings(TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_BASE_URL=fake.base_url,
                               TELEGRAM_BASE_FILE_URL=fake.base_file_url, BOT_RATE_LIMIT=1000)

        async def run() -> None:
            app = build_application(settings, get_analyzer(), catalog)
            async with running(app, poll_timeout=1):
                n = int(args.rate * args.seconds)
                figures["steady"] = {"rate_per_s": args.rate, **await drive(
                    fake, photos, [i / args.rate for i in range(n)], 10_000)}
                fake.calls.clear()
                figures["burst"] = await drive(fake, photos, [0.0] * args.burst, 20_000)
                fake.calls.clear()
                figures["mixed"] = {"rate_per_s": args.rate, **await drive_mixed(fake, photos, args.rate, args.seconds,
                                                                                 30_000)}

        asyncio.run(run())
        catalog.engine.dispose()
    s, b = figures["steady"], figures["burst"]
    print(f"steady {s['rate_per_s']}/s for {args.seconds:.0f} s: {s['replied']}/{s['photos']} replied, "
          f"{s['errors']} errors, time to reply p50 {s['p50_ms']} ms, p95 {s['p95_ms']} ms")
    print(f"burst of {b['photos']}: {b['photos_per_s']} photos/s handled, {b['errors']} errors, "
          f"p95 {b['p95_ms']} ms (queueing included)")
    m = figures["mixed"]
    print(f"mixed {m['rate_per_s']}/s (photos, commands, buttons) for {args.seconds:.0f} s: {m['answered']}/"
          f"{m['events']} answered, time to first answer p50 {m['p50_ms']} ms, p95 {m['p95_ms']} ms")
    print("target: >= 15 photos/s, p95 < 500 ms at 15/s, every event answered, no error")
    save("bot_load", figures)


if __name__ == "__main__":
    main()
