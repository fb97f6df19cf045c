"""The songs an English-speaking new user gets, sampled for a hand audit of their genre family.

Each mood (the seven emotions, calm, energetic) gives 20 new users (``seed`` 0-19, or from
``--first-user``) 5 songs with the ``match`` strategy and 5 with the mood's default strategy (lift for
angry, disgust and fear), on the seed catalogue in a fresh SQLite database, for a user whose Telegram
language is ``en``. From the distinct picks, 200 are drawn with a fixed seed and printed as CSV with the
seed's genres, so each family can be judged by title, artist and genres (the verdicts are in
``catalog/seed/family_audit_lists*.csv``).

With ``--artists`` it prints instead every artist of the picks, with the families and genres of all the
artist's songs in the catalogue and the songs picked: the list an editor reads to correct whole acts
(``catalog/seed/overrides.csv``). An audit of the corrected seed then draws from other users
(``--first-user 100``), whose picks the editor has not read.

    python bench/family_audit_sample.py > sample.csv
    python bench/family_audit_sample.py --sample-seed 2027 > sample.csv
    python bench/family_audit_sample.py --artists --users 60 > artists.csv
    python bench/family_audit_sample.py --first-user 100 --sample-seed 2029 > sample.csv
"""

from __future__ import annotations

import argparse
import csv
import gzip
import random
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

USERS, SONGS, SAMPLE, SAMPLE_SEED = 20, 5, 200, 2026


def picks(users: range) -> dict[str, str]:
    """Spotify id -> family of every distinct song the lists hold, in order of first appearance."""
    from catalog import Preferences, open_catalog
    from catalog.languages import default_languages
    from catalog.moods import TARGETS, default_strategy

    prefs = Preferences(languages=default_languages("en"))
    found: dict[str, str] = {}
    with tempfile.TemporaryDirectory() as tmp:
        catalog = open_catalog(f"sqlite:///{Path(tmp) / 'audit.db'}")
        for mood in TARGETS:
            for strategy in dict.fromkeys(("match", default_strategy(mood))):
                for seed in users:
                    for t in catalog.recommend(None, mood, strategy, n=SONGS, seed=seed, preferences=prefs):
                        found.setdefault(t.spotify_id, t.family)
        catalog.engine.dispose()
    return found


def seed_rows() -> list[dict[str, str]]:
    from catalog.db import SEED_FILE

    with gzip.open(SEED_FILE, "rt", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def print_sample(found: dict[str, str], sample_seed: int) -> None:
    chosen = random.Random(sample_seed).sample(sorted(found), SAMPLE)
    seed = {r["spotify_id"]: r for r in seed_rows() if r["spotify_id"] in set(chosen)}
    print(f"{len(found)} distinct picks; {SAMPLE} sampled (seed {sample_seed})", file=sys.stderr)
    out = csv.writer(sys.stdout)
    out.writerow(["spotify_id", "title", "artist", "family", "genres", "language", "popularity", "tags"])
    for sid in chosen:
        r = seed[sid]
        out.writerow([sid, r["title"], r["artist"], found[sid], r["genres"], r["language"], r["popularity"],
                      r["tags"]])


def print_artists(found: dict[str, str]) -> None:
    rows = seed_rows()
    picked = {r["spotify_id"]: r for r in rows if r["spotify_id"] in found}
    songs: dict[str, list[dict[str, str]]] = {}
    for sid in found:
        songs.setdefault(picked[sid]["artist"], []).append(picked[sid])
    families: dict[str, Counter[str]] = {a: Counter() for a in songs}
    genres: dict[str, Counter[str]] = {a: Counter() for a in songs}
    for r in rows:
        if r["artist"] in songs:
            families[r["artist"]][r["family"]] += 1
            genres[r["artist"]].update(g for g in r["genres"].split(";") if g)
    print(f"{len(found)} distinct picks by {len(songs)} artists", file=sys.stderr)
    out = csv.writer(sys.stdout)
    out.writerow(["artist", "families_in_catalogue", "genres_in_catalogue", "picked_songs (title | family | genres)"])
    for artist in sorted(songs, key=str.lower):
        out.writerow([artist, "; ".join(f"{f} {n}" for f, n in families[artist].most_common()),
                      "; ".join(f"{g} {n}" for g, n in genres[artist].most_common(8)),
                      " || ".join(f'{r["title"]} | {r["family"]} | {r["genres"]}' for r in songs[artist][:4])])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sample-seed", type=int, default=SAMPLE_SEED,
                        help="seed of the draw (another audit: another seed)")
    parser.add_argument("--first-user", type=int, default=0, help="seed of the first new user")
    parser.add_argument("--users", type=int, default=USERS, help="how many new users")
    parser.add_argument("--artists", action="store_true",
                        help="print the picks' artists for an editor instead of a sample of songs")
    args = parser.parse_args()
    found = picks(range(args.first_user, args.first_user + args.users))
    if args.artists:
        print_artists(found)
    else:
        print_sample(found, args.sample_seed)


if __name__ == "__main__":
    main()
