"""One user floods the bot while another sends selfies: the selfie's answer time against a quiet baseline.

The fake Bot API and both users run in their own process (bench/_flood_load.py),
the bot as ``python -m bot`` (long polling, SQLite, the shipped settings). Each
case of ``_flood_load.CASES`` has a user send a burst at once (150 /mood, 500
/playlist, 300 button presses, two of each hostile picture as a file, ...) while
another user sends selfies one after another; the "quiet" case is the same
selfies with no flood. For the files, the bot's replies tell how many were
analysed, refused (with the reason) or left unanswered by the per-user rate
limit (which tells the sender once); the bot's peak resident memory is read for
every case. Afterwards the database tells what the flooding user got stored.
Target: every selfie answered in under 1 s during any flood.

    python bench/bench_flood.py [--selfies 3] [--cases "quiet,150 /mood"]
    python bench/bench_flood.py --code /path/to/an/older/checkout   # the same cases against other code

Add a case by adding a line to ``CASES`` in bench/_flood_load.py.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from _common import ROOT, save


def stored(url: str, user: int) -> dict:
    """Rows the flooding user left: readings and suggested songs."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as db:
        counts = {table: db.execute(text(f"SELECT count(*) FROM {table} WHERE user_id = :u"), {"u": user}).scalar()
                  for table in ("mood_readings", "recommendations")}
    engine.dispose()
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--selfies", type=int, default=3, help="selfies per case, one after another")
    parser.add_argument("--cases", default="", help="comma-separated case names (default: all)")
    parser.add_argument("--code", type=Path, default=ROOT, help="checkout whose bot to run (default: this one)")
    args = parser.parse_args()

    from tests.fakes.telegram import TOKEN

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'flood.db'}"
        load = subprocess.Popen([sys.executable, str(ROOT / "bench" / "_flood_load.py"), "--selfies",
                                 str(args.selfies), "--cases", args.cases], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, text=True, cwd=ROOT)
        assert load.stdout is not None and load.stdin is not None
        origin = load.stdout.readline().split()[1]
        env = {**os.environ, "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_BASE_URL": f"{origin}/bot",
               "TELEGRAM_BASE_FILE_URL": f"{origin}/file/bot", "DATABASE_URL": url, "LOG_LEVEL": "WARNING",
               "PYTHONPATH": str(args.code.resolve())}
        bot = subprocess.Popen([sys.executable, "-m", "bot"], cwd=args.code, env=env)
        load.stdin.write(f"{bot.pid}\n")
        load.stdin.flush()
        try:
            cases = json.loads(load.stdout.readline())
        finally:
            bot.terminate()
            bot.wait(30)
            load.stdin.close()
            load.wait(30)
        for case in cases:
            case["stored"] = stored(url, case.pop("flooder"))
    quiet = next((c["selfie"]["p50_ms"] for c in cases if c["case"] == "quiet"), None)
    print(f"bot from {args.code.resolve()}; fake Bot API and users in their own process; {args.selfies} selfies "
          "per case, one after another")
    print(f"{'case':<26}{'selfie p50':>12}{'max':>10}{'bot busy':>10}{'replies':>9}{'presses':>9}"
          f"{'readings':>10}{'songs':>7}{'bot MB before':>15}{'peak':>7}")
    for c in cases:
        print(f"{c['case']:<26}{c['selfie']['p50_ms']:>10.0f}ms{c['selfie_max_ms']:>8.0f}ms{c['bot_busy_s']:>9.1f}s"
              f"{c['replies_to_flooder']:>9}{c['answered_presses']:>9}{c['stored']['mood_readings']:>10}"
              f"{c['stored']['recommendations']:>7}{c['bot_rss_mb']['before']:>15}{c['bot_rss_mb']['peak']:>7}")
    print(f"(readings and songs include the two /playlist sad before each flood; quiet p50 {quiet} ms)")
    print("\nwhat became of the flooding user's files:")
    for c in cases:
        if f := c["files"]:
            reasons = "; ".join(f"{n} x {why}" for why, n in f["refusals"].items())
            print(f"  {c['case']:<26}{f['sent']} sent: {f['analysed']} analysed, {f['refused']} refused"
                  + (f" ({reasons})" if reasons else "")
                  + f", {f['unanswered']} unanswered ({f['told_to_wait']} told to wait by the rate limit)")
    print("target: every selfie answered in under 1 s during any flood")
    name = "flood" if args.code.resolve() == ROOT else "flood_other_code"
    save(name, {"code": str(args.code.resolve()), "selfies_per_case": args.selfies, "cases": cases})


if __name__ == "__main__":
    main()
