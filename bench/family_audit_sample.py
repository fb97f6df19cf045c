"""The songs an English-speaking new user gets, sampled for a hand audit of their genre family.

Each mood (the seven emotions, calm, energetic) gives 20 new users (``seed`` 0-19) 5 songs with the
``match`` strategy and 5 with the mood's default strategy (lift for angry, disgust and fear), on the
seed catalogue in a fresh SQLite database, for a user whose Telegram language is ``en``. From the
distinct picks, 200 are drawn with a fixed seed and printed as CSV with the seed's genres, so each
family can be judged by title, artist and genres (the verdicts are in
``catalog/seed/family_audit_lists.csv``, sample seed 2026, and ``family_audit_lists_2.csv``, sample seed 2027
on the rebuilt seed).

    python bench/family_audit_sample.py > sample.csv
    python bench/family_audit_sample.py --sample-seed 2027 > sample.csv
"""

from __future__ import annotations

import argparse
import csv
import gzip
import random
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

USERS, SONGS, SAMPLE, SAMPLE_SEED = 20, 5, 200, 2026


def picks() -> dict[str, str]:
    """Spotify id -> family of every distinct song the lists hold, in order of first appearance."""
    from catalog.languages import default_languages
    from catalog.moods import TARGETS, default_strategy
    from catalog.service import Preferences, open_catalog

    prefs = Preferences(languages=default_languages("en"))
    found: dict[str, str] = {}
    with tempfile.TemporaryDirectory() as tmp:
        catalog = open_catalog(f"sqlite:///{Path(tmp) / 'audit.db'}")
        for mood in TARGETS:
            for strategy in dict.fromkeys(("match", default_strategy(mood))):
                for seed in range(USERS):
                    for t in catalog.recommend(None, mood, strategy, n=SONGS, seed=seed, preferences=prefs):
                        found.setdefault(t.spotify_id, t.family)
        catalog.engine.dispose()
    return found


def main() -> None:
    from catalog.db import SEED_FILE

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sample-seed", type=int, default=SAMPLE_SEED,
                        help="seed of the draw (another audit: another seed)")
    args = parser.parse_args()
    found = picks()
    chosen = random.Random(args.sample_seed).sample(sorted(found), SAMPLE)
    with gzip.open(SEED_FILE, "rt", encoding="utf-8") as f:
        seed = {r["spotify_id"]: r for r in csv.DictReader(f) if r["spotify_id"] in set(chosen)}
    print(f"{len(found)} distinct picks; {SAMPLE} sampled (seed {args.sample_seed})", file=sys.stderr)
    out = csv.writer(sys.stdout)
    out.writerow(["spotify_id", "title", "artist", "family", "genres", "language", "popularity", "tags"])
    for sid in chosen:
        r = seed[sid]
        out.writerow([sid, r["title"], r["artist"], found[sid], r["genres"], r["language"], r["popularity"],
                      r["tags"]])


if __name__ == "__main__":
    main()
