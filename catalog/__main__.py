"""``python -m catalog``: manage the song catalogue and try the recommender.

    python -m catalog init                                  # create + seed the database
    python -m catalog import songs.csv.gz                   # upsert songs, report bad rows
    python -m catalog recommend happy --n 10
    python -m catalog recommend sad --strategy lift --target calm
    python -m catalog stats
"""

from __future__ import annotations

import argparse
import json
import logging
import sys

from catalog.importer import ImportFileError, import_file
from catalog.moods import EMOTIONS, TARGETS
from catalog.service import STRATEGIES, open_catalog


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m catalog", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--database-url", help="overrides DATABASE_URL")
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("init", help="migrate the schema and load the seed catalogue if empty")
    imp = sub.add_parser("import", help="upsert songs from a CSV (.csv or .csv.gz)")
    imp.add_argument("file")
    imp.add_argument("--lookup-missing", action="store_true",
                     help="find missing Spotify ids by search (needs Spotify credentials)")
    rec = sub.add_parser("recommend", help="songs for an emotion")
    rec.add_argument("emotion", choices=EMOTIONS)
    rec.add_argument("--n", type=int, default=10)
    rec.add_argument("--strategy", choices=STRATEGIES, default="match")
    rec.add_argument("--target", choices=TARGETS, help="mood to aim for (lift: where the playlist ends)")
    rec.add_argument("--seed", type=int, help="fix the variety jitter")
    rec.add_argument("--json", action="store_true")
    sub.add_parser("stats", help="counts and song coverage around each mood")
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    catalog = open_catalog(args.database_url)
    if args.command == "init":
        print(json.dumps(catalog.stats(), indent=2))
    elif args.command == "import":
        resolve = None
        if args.lookup_missing:
            if not catalog.settings.spotify_enabled:
                print("error: --lookup-missing needs SPOTIFY_CLIENT_ID and SPOTIFY_CLIENT_SECRET", file=sys.stderr)
                return 2
            resolve = catalog.spotify().search_id
        try:
            summary = import_file(catalog.engine, args.file, progress=sys.stderr.isatty(), resolve=resolve)
        except ImportFileError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        print(summary)
        return 1 if summary.rejected else 0
    elif args.command == "recommend":
        probs = [1.0 if e == args.emotion else 0.0 for e in EMOTIONS]
        tracks = catalog.with_spotify(catalog.recommend(None, probs, args.strategy, args.target, args.n, args.seed))
        if args.json:
            print(json.dumps([{"title": t.title, "artist": t.artist, "valence": t.valence, "energy": t.energy,
                               "link": t.link} for t in tracks], indent=2))
        else:
            for i, t in enumerate(tracks, 1):
                print(f"{i:>2}. {t.artist} - {t.title}  (valence {t.valence:.2f}, energy {t.energy:.2f})  {t.link}")
    else:
        print(json.dumps(catalog.stats(), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
