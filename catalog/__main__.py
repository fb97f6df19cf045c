"""python -m catalog: manage the song catalogue and try the recommender.

    python -m catalog build ../shared/data/songs            # rebuild the seed and mood regions from sources
    python -m catalog init                                  # create + seed the database
    python -m catalog import songs.csv.gz                   # upsert songs, report bad rows
    python -m catalog recommend happy --n 10
    python -m catalog recommend sad --strategy lift --target calm
    python -m catalog recommend fear --seed 3               # each seed is another new user
    python -m catalog recommend sad --language es           # a new user whose language is Spanish
    python -m catalog stats
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from dataclasses import asdict
from pathlib import Path

from catalog.build import SOURCES
from catalog.content import HELD_BACK
from catalog.importer import ImportFileError, import_file
from catalog.languages import default_languages
from catalog.moods import TARGETS
from catalog.service import STRATEGIES, Preferences, Reason, open_catalog


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m catalog", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--database-url", help="overrides DATABASE_URL")
    sub = p.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="rebuild catalog/seed/ (songs.csv.gz, mood_regions.json) from source tables")
    b.add_argument("sources", help=f"folder with {', '.join(SOURCES)}")
    sub.add_parser("init", help="migrate the schema and load the seed catalogue if it changed")
    imp = sub.add_parser("import", help="upsert songs from a CSV (.csv or .csv.gz)")
    imp.add_argument("file")
    imp.add_argument("--lookup-missing", action="store_true",
                     help="find missing Spotify ids by search (needs Spotify credentials)")
    rec = sub.add_parser("recommend", help="songs for a mood, as a new user with no history would get them")
    rec.add_argument("emotion", choices=TARGETS)
    rec.add_argument("--n", type=int, default=10)
    rec.add_argument("--strategy", choices=STRATEGIES, help="default: lift for angry, disgust, fear; else match")
    rec.add_argument("--target", choices=TARGETS, help="mood to aim for (lift: where the playlist ends)")
    rec.add_argument("--seed", type=int, help="fix the random choice (each seed behaves as another new user)")
    rec.add_argument("--explicit", action="store_true", help="allow explicit songs (left out by default)")
    rec.add_argument("--language", help="behave as a new user whose language is this (en, es, pt-br, ...): songs in "
                                        "it and English; default: no language preference")
    rec.add_argument("--wish", choices=HELD_BACK, help="ask for content left out by default (holiday, children, ...)")
    rec.add_argument("--json", action="store_true")
    sub.add_parser("stats", help="counts and song coverage around each mood")
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    if args.command == "build":
        return _build(Path(args.sources))
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
        prefs = Preferences(explicit=args.explicit, languages=default_languages(args.language))
        tracks = catalog.with_spotify(catalog.recommend(None, args.emotion, args.strategy, args.target, args.n,
                                                        args.seed, prefs, wish=args.wish))
        if args.json:
            print(json.dumps([{"title": t.title, "artist": t.artist, "family": t.family, "language": t.language,
                               "explicit": t.explicit, "reason": asdict(t.reason) if t.reason else None,
                               "link": t.link} for t in tracks], indent=2))
        else:
            for i, t in enumerate(tracks, 1):
                print(f"{i:>2}. {t.artist} - {t.title}  [{_reason(t.reason)}]  {t.link}")
    else:
        print(json.dumps(catalog.stats(), indent=2))
    return 0


def _reason(reason: Reason | None) -> str:
    """A reason as the catalogue holds it, tersely: "acoustic gentle folk/acoustic 72 BPM; step 2/5 calm".

    The catalogue speaks no user's language; ``python -m bot try --language`` shows reasons as users read them.
    """
    if reason is None:
        return ""
    sound = " ".join([*reason.qualities, reason.family or "song", f"{reason.tempo} BPM"])
    relaxed = f"; relaxed {'+'.join(reason.relaxed)}" if reason.relaxed else ""
    return f"{sound}; {reason.role} {reason.step}/{reason.steps} {reason.mood}{relaxed}"


def _build(sources: Path) -> int:
    """Rebuild the shipped seed and mood regions; needs pandas (the train extra)."""
    from catalog.build import build, fit_regions
    from catalog.db import SEED_FILE
    from catalog.moods import REGIONS_FILE

    missing = [n for n in SOURCES if not (sources / n).is_file()]
    if missing:
        print(f"error: {sources} lacks {', '.join(missing)}", file=sys.stderr)
        return 2
    print(f"seed: {build(sources, SEED_FILE)}")
    fitted = fit_regions(sources / "data_moods.csv")
    REGIONS_FILE.write_text(json.dumps(fitted, indent=2) + "\n")
    print(f"mood regions: held-out agreement with data_moods.csv labels {fitted['agreement']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
