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
import os
import sys
from dataclasses import asdict
from pathlib import Path

from catalog.build import SOURCES
from catalog.content import HELD_BACK
from catalog.importer import ImportFileError, import_file
from catalog.languages import default_languages
from catalog.listing import song_lines
from catalog.moods import TARGETS
from catalog.people import STRATEGIES, Preferences
from catalog.service import Catalog, open_catalog


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m catalog", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--database-url", help="overrides DATABASE_URL")
    sub = p.add_subparsers(dest="command", required=True, title="commands", metavar="COMMAND")
    b = sub.add_parser("build", help="rebuild catalog/seed/ (songs.csv.gz, mood_regions.json) from source tables",
                       description="Rebuild the shipped seed catalogue (catalog/seed/songs.csv.gz) and the mood "
                                   "regions fitted on labelled songs (mood_regions.json) from the source tables. "
                                   "Needs the build extra (pandas, the language identifier).")
    b.add_argument("sources", help=f"folder with {', '.join(SOURCES)}")
    sub.add_parser("init", help="migrate the schema and load the seed catalogue if it changed",
                   description="Create or migrate the database and load the seed catalogue if it changed, then "
                               "print the counts. Every other command does this too on first use.")
    imp = sub.add_parser("import", help="upsert songs from a CSV (.csv or .csv.gz)",
                         description="Add or update songs from a CSV (.csv or .csv.gz) in the seed's layout or "
                                     "data_moods.csv's, matched by Spotify id; bad rows are reported, not loaded.")
    imp.add_argument("file", type=Path, help="the CSV file")
    imp.add_argument("--lookup-missing", action="store_true",
                     help="find missing Spotify ids by search (needs Spotify credentials)")
    rec = sub.add_parser("recommend", help="songs for a mood, as a new user with no history would get them",
                         description="Songs for a mood, each with the reason it was chosen, as a new user with no "
                                     "history would get them. Nothing is recorded.")
    rec.add_argument("emotion", choices=TARGETS, metavar="MOOD", help=f"one of: {', '.join(TARGETS)}")
    rec.add_argument("--n", type=int, default=10, help="how many songs (default 10)")
    rec.add_argument("--strategy", choices=STRATEGIES,
                     help="songs that match the mood, or lift it toward --target (default: lift for angry, disgust "
                          "and fear, else match)")
    rec.add_argument("--target", choices=TARGETS, metavar="MOOD",
                     help="the mood a lift aims for, where its list ends (default: calm for tense moods, happy "
                          "for low ones, energetic for a happy one)")
    rec.add_argument("--seed", type=int, help="fix the random choice (each seed behaves as another new user)")
    rec.add_argument("--explicit", action="store_true", help="allow explicit songs (left out by default)")
    rec.add_argument("--language", help="behave as a new user whose language is this (en, es, pt-br, ...): songs in "
                                        "it and English; default: no language preference")
    rec.add_argument("--wish", choices=HELD_BACK, help="ask for content left out by default (holiday, children, ...)")
    rec.add_argument("--json", action="store_true", help="print the songs as a JSON list")
    sub.add_parser("stats", help="where the database is, counts, and song coverage around each mood",
                   description="Where the database is (its password hidden), what it holds (songs, users, mood "
                               "readings, suggestions, feedback, songs per genre family) and how many songs lie "
                               "near each mood.")
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    if args.command == "build":
        return _build(Path(args.sources))
    if args.command == "import" and not args.file.is_file():  # before the database is opened (and maybe seeded)
        why = "a directory, not a file" if args.file.is_dir() else "no such file"
        print(f"error: {args.file}: {why}", file=sys.stderr)
        return 2
    catalog = open_catalog(args.database_url)
    if args.command == "init":
        _print_stats(catalog)
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
            print("\n".join(song_lines(tracks)))
    else:
        _print_stats(catalog)
    return 0


def _print_stats(catalog: Catalog) -> None:
    """The counts, after where the database is (its password hidden)."""
    where = catalog.engine.url.render_as_string(hide_password=True)
    print(json.dumps({"database": where, **catalog.stats()}, indent=2))


def _build(sources: Path) -> int:
    """Rebuild the shipped seed and mood regions; needs pandas (the train extra)."""
    from catalog.build import build, fit_regions
    from catalog.db import SEED_FILE
    from catalog.moods import REGIONS_FILE

    if not sources.is_dir():
        print(f"error: {sources}: {'a file, not a folder' if sources.exists() else 'no such folder'}", file=sys.stderr)
        return 2
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
    try:
        status = main()
        sys.stdout.flush()
    except BrokenPipeError:  # `python -m catalog stats | head`: the reader stopped; end quietly, as other tools do
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # Python flushes stdout again at exit
        status = 1
    sys.exit(status)
