"""Load test of the whole bot: many users sending selfies through the real Application.

A local fake Bot API (tests/fakes/telegram.py) feeds photo updates to python-telegram-bot over
HTTP; every photo goes the full way (getFile, download, decode, detect, classify, record the
mood in SQLite, recommend, annotate, sendPhoto). Two runs:

* steady: photos arrive at ``--rate`` per second (open loop) for ``--seconds``; we report the
  time from arrival to the bot's reply (p50/p95) and whether every photo got one;
* burst: ``--burst`` photos arrive at once; handled photos per second is the capacity.

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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate", type=float, default=15.0)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--burst", type=int, default=200)
    args = parser.parse_args()

    from bot.app import build_application
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
            async with app:
                await app.post_init(app)
                await app.start()
                await app.updater.start_polling(poll_interval=0.0, timeout=1)
                n = int(args.rate * args.seconds)
                figures["steady"] = {"rate_per_s": args.rate, **await drive(
                    fake, photos, [i / args.rate for i in range(n)], 10_000)}
                fake.calls.clear()
                figures["burst"] = await drive(fake, photos, [0.0] * args.burst, 20_000)
                await app.updater.stop()
                await app.stop()
            await app.post_shutdown(app)

        asyncio.run(run())
        catalog.engine.dispose()
    s, b = figures["steady"], figures["burst"]
    print(f"steady {s['rate_per_s']}/s for {args.seconds:.0f} s: {s['replied']}/{s['photos']} replied, "
          f"{s['errors']} errors, time to reply p50 {s['p50_ms']} ms, p95 {s['p95_ms']} ms")
    print(f"burst of {b['photos']}: {b['photos_per_s']} photos/s handled, {b['errors']} errors, "
          f"p95 {b['p95_ms']} ms (queueing included)")
    print("target: >= 15 photos/s, p95 < 2000 ms, no error")
    save("bot_load", figures)


if __name__ == "__main__":
    main()
