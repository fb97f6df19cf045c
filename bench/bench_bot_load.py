"""Load test of the whole bot: many users sending selfies to real bot processes.

The fake Bot API (tests/fakes/telegram.py) and the users it plays run in their own
process (bench/_telegram_load.py), so the bot's two cores are the bot's. The bot
runs as python -m bot processes, each photo going the full way (getFile,
download, decode, detect, classify, record the mood, recommend, annotate,
sendPhoto). Three scenarios:

* steady: photos arrive at --rate per second (open loop) for --seconds; the time from
  arrival to the bot's reply (p50/p95) and whether every photo got one;
* burst: --burst photos arrive at once; handled photos per second is the capacity;
* mixed: at --rate events per second, a third photos, a third commands (/mood, /history,
  /playlist sad), a third button presses (👍, 🔁 more, ⚙️ settings); time to the first answer.

One replica polls (SQLite by default). --replicas 2 runs two webhook replicas on one
PostgreSQL (--database), updates spread round robin over them, with the shared rate
limit on; afterwards the database is checked: one mood reading and one song list per photo,
none lost, none twice.
Targets: one 2-core replica answers at least 30 photos/s in the burst; p95 under
1 s at a steady 15/s.

    python bench/bench_bot_load.py [--rate 15 --seconds 10 --burst 200]
    python bench/bench_bot_load.py --replicas 2 --database postgresql+psycopg://...
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

from _common import ROOT, save

SECRET = "bench-secret-0123456789"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def integrity(url: str, first_users: dict[str, int], counts: dict[str, int]) -> dict:
    """Mood readings and recommended songs per photo-sending user: none lost, none twice."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    report = {}
    with engine.connect() as db:
        for name, first in first_users.items():
            users = {"lo": first, "hi": first + counts[name]}
            readings = dict(db.execute(text("SELECT user_id, count(*) FROM mood_readings WHERE user_id >= :lo "
                                            "AND user_id < :hi GROUP BY user_id"), users).all())
            songs = dict(db.execute(text("SELECT user_id, count(*) FROM recommendations WHERE user_id >= :lo "
                                         "AND user_id < :hi GROUP BY user_id"), users).all())
            report[name] = {"users": counts[name], "with_reading": len(readings),
                            "readings_twice": sum(c > 1 for c in readings.values()),
                            "song_lists_not_5": sum(c != 5 for c in songs.values())}
    engine.dispose()
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=float, default=15.0)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--burst", type=int, default=200)
    parser.add_argument("--replicas", type=int, default=1, choices=(1, 2))
    parser.add_argument("--database", help="SQLAlchemy URL (default: a new SQLite file; PostgreSQL for replicas)")
    args = parser.parse_args()
    if args.replicas > 1 and not (args.database or "").startswith("postgresql"):
        parser.error("--replicas 2 needs --database postgresql+psycopg://...")

    from catalog.service import open_catalog
    from tests.fakes.telegram import TOKEN

    with tempfile.TemporaryDirectory() as tmp:
        url = args.database or f"sqlite:///{Path(tmp) / 'load.db'}"
        open_catalog(url).engine.dispose()  # migrated and seeded before the bots start
        ports = [free_port() for _ in range(args.replicas)] if args.replicas > 1 else []
        load = subprocess.Popen(
            [sys.executable, str(ROOT / "bench" / "_telegram_load.py"), "--rate", str(args.rate), "--seconds",
             str(args.seconds), "--burst", str(args.burst), "--replicas", str(args.replicas), "--secret", SECRET,
             "--webhook", ",".join(f"http://127.0.0.1:{p}/hook" for p in ports)],
            stdout=subprocess.PIPE, text=True, cwd=ROOT)
        assert load.stdout is not None
        origin = load.stdout.readline().split()[1]
        env = {**os.environ, "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_BASE_URL": f"{origin}/bot",
               "TELEGRAM_BASE_FILE_URL": f"{origin}/file/bot", "BOT_RATE_LIMIT": "1000", "DATABASE_URL": url,
               "LOG_LEVEL": "WARNING"}
        webhook = {"BOT_MODE": "webhook", "WEBHOOK_URL": "https://bench.example.invalid/hook",
                   "WEBHOOK_SECRET": SECRET, "BOT_RATE_SHARED": "true"}
        bots = [subprocess.Popen([sys.executable, "-m", "bot"], cwd=ROOT,
                                 env={**env, **(webhook | {"WEBHOOK_PORT": str(p)} if ports else {})})
                for p in (ports or [0])]
        try:
            figures = json.loads(load.stdout.readline())
        finally:
            for bot in bots:
                bot.terminate()
            for bot in bots:
                bot.wait(30)
            load.wait(30)
        first = {"steady": 10_000, "burst": 20_000}
        counts = {"steady": figures["steady"]["photos"], "burst": figures["burst"]["photos"]}
        figures["database"] = integrity(url, first, counts)
    figures["replicas"] = args.replicas
    figures["backend"] = url.split(":", 1)[0]
    s, b, m = figures["steady"], figures["burst"], figures["mixed"]
    print(f"{args.replicas} replica(s) on {figures['backend']}, fake Bot API in its own process")
    print(f"steady {s['rate_per_s']}/s for {args.seconds:.0f} s: {s['replied']}/{s['photos']} replied, "
          f"{s['errors']} errors, time to reply p50 {s['p50_ms']} ms, p95 {s['p95_ms']} ms")
    print(f"burst of {b['photos']}: {b['photos_per_s']} photos/s handled, {b['errors']} errors, "
          f"p95 {b['p95_ms']} ms (queueing included)")
    print(f"mixed {m['rate_per_s']}/s (photos, commands, buttons) for {args.seconds:.0f} s: {m['answered']}/"
          f"{m['events']} answered, time to first answer p50 {m['p50_ms']} ms, p95 {m['p95_ms']} ms")
    print("database:", json.dumps(figures["database"]))
    print("targets: burst >= 30 photos/s per replica, p95 < 1 s at 15/s, every event answered, no error, "
          "one reading and one list per photo")
    save(f"bot_load_{args.replicas}", figures)


if __name__ == "__main__":
    main()
