"""Load test of the whole bot: many users sending selfies to real bot processes.

The fake Bot API (tests/fakes/telegram.py) and the users it plays run in their own
process (bench/_telegram_load.py), so the bot's two cores are the bot's. The bot
runs as python -m bot processes, each photo (a 1280x720 JPEG selfie, each from a
new user) going the full way (getFile, download, decode, detect, classify, record
the mood, recommend, annotate, sendPhoto). Three scenarios:

* steady: photos arrive at --rate per second (open loop) for --seconds; the time from
  arrival to the bot's reply (p50/p95) and whether every photo got one;
* burst: --burst photos arrive at once; handled photos per second is the capacity;
* mixed: at --rate events per second, a third photos, a third commands (/mood, /history,
  /playlist sad), a third button presses (👍, 🔁 more, ⚙️ settings); time to the first answer.

Baselines in the same run, with no bot running: the analysis alone (the bot's analyzer on
the same selfies in as many threads as the bot's pool, twice before and twice after the
scenarios), whose median rate the burst is compared with, and whose CPU time per photo
is compared with the CPU time the bot processes and the fake Bot API spent per photo in
the burst (a ratio other work on the machine hardly moves); and the store time per photo, the database work
the bot does for one photo of a new user, one photo after another, less the time the
recommender spends choosing (timed around its own function).

One replica polls (SQLite by default). --replicas 2 runs two webhook replicas on one
PostgreSQL (--database), updates spread round robin over them, with the shared rate
limit on; afterwards the database is checked: one mood reading and one song list per photo,
none lost, none twice.
Targets: the burst answered at >= 0.45x the analysis-alone rate; p95 under 300 ms at a
steady 15/s; at most 2 ms of store time per photo.

    python bench/bench_bot_load.py [--rate 15 --seconds 10 --burst 120]
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
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
from _common import ROOT, save, selfie_1280x720, stats

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


def settle(engine) -> None:
    """A new database as a running deployment has it: on PostgreSQL, vacuumed and analysed now, so that the
    server's autovacuum of the freshly seeded tables does not land in the middle of the measurements."""
    from sqlalchemy import text

    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    engine.dispose()


def selfies(folder: Path) -> list[Path]:
    """Four 1280x720 selfies (one face each) as files for the users to send, in turn."""
    paths = []
    for k, name in enumerate(("congress_A000210", "congress_A000014", "congress_D000407", "congress_S001179")):
        path = folder / f"selfie{k}.jpg"
        path.write_bytes(selfie_1280x720(ROOT / "tests" / "data" / f"{name}.jpg", seed=k))
        paths.append(path)
    return paths


def analysis_alone(analyzer, photos: list[bytes], n: int, workers: int) -> tuple[float, float]:
    """What the bot could do: photos/s and CPU ms per photo of the bot's analyzer in the bot's pool size, alone."""
    analyzer.analyze(photos[0], "image")
    with ThreadPoolExecutor(workers) as pool:
        start, cpu = time.perf_counter(), time.process_time()
        list(pool.map(lambda i: analyzer.analyze(photos[i % len(photos)], "image"), range(n)))
        return n / (time.perf_counter() - start), (time.process_time() - cpu) * 1000 / n


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of these processes so far (Linux ``/proc``)."""
    ticks = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def store_time(url: str, analyzer, photo: bytes, n: int = 200) -> dict:
    """The catalogue calls the bot makes for one photo of a new user, photo after photo, in this process.

    The recommender's choosing (``catalog.recommend.choose``, the arithmetic over the song index) is
    timed around its own function and subtracted: what is left is the store's work per photo, in
    wall-clock time (the database's answers included) and in this thread's CPU time.
    """
    import catalog.recommend
    from catalog import NewReading, open_catalog

    probs = analyzer.analyze(photo, "image").faces[0].probs
    cat = open_catalog(url)
    cat.index()
    choosing: list[tuple[float, float]] = []
    real = catalog.recommend.choose

    def timed(*args, **kwargs):
        start, cpu = time.perf_counter(), time.thread_time()
        try:
            return real(*args, **kwargs)
        finally:
            choosing.append((time.perf_counter() - start, time.thread_time() - cpu))

    patched = [m for m in list(sys.modules.values()) if getattr(m, "__name__", "").startswith("catalog")
               and getattr(m, "choose", None) is real]
    for module in patched:
        module.choose = timed
    totals, stores, cpus = [], [], []
    try:
        for i in range(n):
            user = 90_000 + i
            choosing.clear()
            start, cpu = time.perf_counter(), time.thread_time()
            cat.language(user)
            work = cat.begin_work(user, user, 1, "en")
            made = cat.song_list(user, probs, work=work, per_day=500, reading=NewReading(probs, "photo", 100),
                                 language_code="en")
            cat.with_spotify(made.tracks)
            cat.end_work(work)
            total, total_cpu = time.perf_counter() - start, time.thread_time() - cpu
            totals.append(total * 1000)
            stores.append((total - sum(c[0] for c in choosing)) * 1000)
            cpus.append((total_cpu - sum(c[1] for c in choosing)) * 1000)
    finally:
        for module in patched:
            module.choose = real
        cat.engine.dispose()
    return {"photos": n, "catalogue_ms": stats(totals), "store_ms": stats(stores), "store_cpu_ms": stats(cpus)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=float, default=15.0)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--burst", type=int, default=120)
    parser.add_argument("--replicas", type=int, default=1, choices=(1, 2))
    parser.add_argument("--database", help="SQLAlchemy URL (default: a new SQLite file; PostgreSQL for replicas)")
    args = parser.parse_args()
    if args.replicas > 1 and not (args.database or "").startswith("postgresql"):
        parser.error("--replicas 2 needs --database postgresql+psycopg://...")

    from bot.settings import BotSettings
    from catalog.service import open_catalog
    from model import EmotionAnalyzer
    from model.settings import ModelSettings
    from tests.fakes.telegram import TOKEN

    workers = int(os.environ.get("BOT_WORKERS", BotSettings.model_fields["workers"].default))
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database or f"sqlite:///{Path(tmp) / 'load.db'}"
        settle(open_catalog(url).engine)  # migrated, seeded and settled before the bots start
        photo_files = selfies(Path(tmp))
        photos = [p.read_bytes() for p in photo_files]
        analyzer = EmotionAnalyzer(ModelSettings())
        alone = [analysis_alone(analyzer, photos, args.burst, workers) for _ in range(2)]
        ports = [free_port() for _ in range(args.replicas)] if args.replicas > 1 else []
        load = subprocess.Popen(
            [sys.executable, str(ROOT / "bench" / "_telegram_load.py"), "--rate", str(args.rate), "--seconds",
             str(args.seconds), "--burst", str(args.burst), "--replicas", str(args.replicas), "--secret", SECRET,
             "--photos", ",".join(str(p) for p in photo_files),
             "--webhook", ",".join(f"http://127.0.0.1:{p}/hook" for p in ports)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT)
        assert load.stdin is not None and load.stdout is not None
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
            cpu: dict[str, tuple[float, float]] = {}
            while not (line := load.stdout.readline()).startswith("{"):
                if not line:
                    raise SystemExit("the load process ended before its figures (see its error above)")
                if line.startswith("BURST"):
                    cpu[line.strip()] = (cpu_seconds([bot.pid for bot in bots]), cpu_seconds([load.pid]))
            figures = json.loads(line)
        finally:
            for bot in bots:
                bot.terminate()
            try:
                for bot in bots:
                    bot.wait(30)
            finally:
                load.stdin.close()
                load.wait(30)
        first = {"steady": 10_000, "burst": 20_000}
        counts = {"steady": figures["steady"]["photos"], "burst": figures["burst"]["photos"]}
        figures["database"] = integrity(url, first, counts)
        alone += [analysis_alone(analyzer, photos, args.burst, workers) for _ in range(2)]
        figures["store"] = store_time(url, analyzer, photos[0])
    rates, costs = [a[0] for a in alone], [a[1] for a in alone]
    figures["analysis_alone_per_s"] = [round(r, 2) for r in rates]
    figures["burst_ratio"] = round(figures["burst"]["photos_per_s"] / float(np.median(rates)), 3)
    bot_cpu, fake_cpu = ((done - begun) * 1000 / figures["burst"]["photos"]
                         for done, begun in zip(cpu["BURST DONE"], cpu["BURST"]))
    figures["cpu_ms_per_photo"] = {"analysis_alone": round(float(np.median(costs)), 1),
                                   "burst_bot_and_fake_api": round(bot_cpu + fake_cpu, 1),
                                   "burst_bot": round(bot_cpu, 1), "burst_fake_api": round(fake_cpu, 1)}
    figures["load_average"] = os.getloadavg()
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
    print(f"analysis alone ({workers} threads, no bot running), twice before and twice after: "
          f"{', '.join(f'{r:.1f}' for r in rates)} photos/s; burst / median: {figures['burst_ratio']:.2f}")
    c = figures["cpu_ms_per_photo"]
    print(f"CPU per photo: analysis alone {c['analysis_alone']} ms; the burst, bot and fake Bot API together "
          f"{c['burst_bot_and_fake_api']} ms (ratio {c['analysis_alone'] / c['burst_bot_and_fake_api']:.2f}; the bot "
          f"{c['burst_bot']} ms, the fake Bot API and its users {c['burst_fake_api']} ms; "
          f"load average {figures['load_average'][0]:.2f})")
    st = figures["store"]
    print(f"store time per photo (new users, one after another, {st['photos']} photos): p50 "
          f"{st['store_ms']['p50_ms']} ms, mean {st['store_ms']['mean_ms']} ms, of which the bot's CPU p50 "
          f"{st['store_cpu_ms']['p50_ms']} ms (catalogue work with the recommender's choosing: p50 "
          f"{st['catalogue_ms']['p50_ms']} ms)")
    print("database:", json.dumps(figures["database"]))
    print("targets: burst >= 0.45x the analysis alone, p95 < 300 ms at 15/s, store <= 2 ms per photo, every event "
          "answered, no error, one reading and one list per photo")
    save(f"bot_load_{args.replicas}", figures)


if __name__ == "__main__":
    main()
