"""How good the song lists are: variety across new users, fit to the mood, calm endings, safety, taste.

For each emotion, 10 new users (no history; each is ``seed`` 0-9, as ``python -m catalog recommend
EMOTION --n 5 --seed S``) get 5 songs with the emotion's default strategy. Figures per emotion:
distinct songs and the most lists one song is in, mean pairwise Jaccard overlap of two users' lists,
mean scaled distance of picks to their slot's point, the last song of a calming list (energy,
acousticness), the share of explicit songs, and the share of genre-family switches along lift paths.
Then users with preferences (two liked families each): the share of songs within them. Then the
labelled songs: held-out agreement of the fitted mood regions with ``data_moods.csv``. And latency:
a 5-song recommendation on the full catalogue (SQLite) for a user with history and preferences.
Last, the listener section (``bench/_listener.py``): languages, familiarity, copies, unwanted content
and lift starts for new users of six languages, judged by the seed's per-song columns.

Targets: >= 40 distinct songs of 50, none in more than 3 lists, Jaccard < 0.10;
recommendation p50 under 15 ms with memory and preferences. Listener targets for an
English-speaking new user: in ``targets_en`` of the output.

    python bench/bench_recommend_quality.py                          # judged by the shipped seed
    python bench/bench_recommend_quality.py --oracle other/songs.csv.gz --save-as recommend_quality_before
"""

from __future__ import annotations

import argparse
import itertools
import tempfile
import time
from pathlib import Path

import numpy as np
from _common import save, stats
from _listener import listener, load_oracle, print_listener

USERS, SONGS = 10, 5


def main() -> None:
    from catalog import EMOTIONS
    from catalog.db import SEED_FILE
    from catalog.moods import default_strategy, regions
    from catalog.service import open_catalog

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--oracle", type=Path, default=SEED_FILE,
                        help="seed file whose per-song columns judge the lists (default: the shipped seed)")
    parser.add_argument("--save-as", default="recommend_quality", help="name of the JSON under bench/results")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        catalog = open_catalog(f"sqlite:///{Path(tmp) / 'quality.db'}")
        index = catalog.index()
        position = {int(i): k for k, i in enumerate(index.ids)}
        space = regions()
        figures: dict = {"per_emotion": {}}
        for emotion in EMOTIONS:
            lists = [catalog.recommend(None, emotion, n=SONGS, seed=s) for s in range(USERS)]
            ids = [[t.id for t in tracks] for tracks in lists]
            counts: dict[int, int] = {}
            for row in ids:
                for i in row:
                    counts[i] = counts.get(i, 0) + 1
            jaccard = [len(set(a) & set(b)) / len(set(a) | set(b)) for a, b in itertools.combinations(ids, 2)]
            strategy = default_strategy(emotion)
            songs = [t for tracks in lists for t in tracks]
            row_of = [position[t.id] for t in songs]
            result = {
                "strategy": strategy, "distinct": len(counts), "max_lists_per_song": max(counts.values()),
                "mean_jaccard": round(float(np.mean(jaccard)), 4),
                "mean_distance": round(float(np.mean([_distance(index, space, t, point) for tracks in lists
                                                       for t, point in zip(tracks, _points(space, emotion))])), 3),
                "explicit_share": round(sum(index.explicit[r] == 1 for r in row_of) / len(row_of), 4),
                "mean_energy": round(float(np.mean([t.energy for t in songs])), 3),
            }
            if strategy == "lift":
                last = [position[tracks[-1].id] for tracks in lists]
                features = list(space.features)
                unscaled = index.features[last] * space.spread
                result["last_song_energy"] = round(float(unscaled[:, features.index("energy")].mean()), 3)
                result["last_song_acousticness"] = round(float(unscaled[:, features.index("acousticness")].mean()), 3)
                switches = [sum(a.family != b.family for a, b in zip(tracks, tracks[1:])) / (len(tracks) - 1)
                            for tracks in lists]
                result["family_switch_share"] = round(float(np.mean(switches)), 4)
            figures["per_emotion"][emotion] = result
            print(f"{emotion:9s} {strategy:5s} distinct {result['distinct']:2d}/50, max in "
                  f"{result['max_lists_per_song']} lists, Jaccard {result['mean_jaccard']:.3f}, "
                  f"distance {result['mean_distance']:.2f}, "
                  f"energy {result['mean_energy']:.2f}, explicit {result['explicit_share']:.0%}"
                  + (f", last song energy {result['last_song_energy']:.2f} acoustic "
                     f"{result['last_song_acousticness']:.2f}, family switches {result['family_switch_share']:.0%}"
                     if strategy == "lift" else ""))

        within = []
        families = ["jazz/blues", "rock", "latin", "classical/instrumental", "hip-hop", "folk/acoustic", "pop",
                    "electronic"]
        for u, emotion in enumerate(EMOTIONS):
            liked = (families[u % len(families)], families[(u + 3) % len(families)])
            user = 1000 + u
            catalog.set_preferences(user, liked_families=liked)
            tracks = catalog.recommend(user, emotion, n=SONGS, seed=u)
            within += [t.family in liked for t in tracks]
        figures["preferences_within_share"] = round(sum(within) / len(within), 4)
        figures["mood_agreement"] = space.agreement
        print(f"users with two liked families: {figures['preferences_within_share']:.0%} of songs within them")
        print(f"mood regions vs data_moods.csv labels (held out): {space.agreement}")

        user = 5000
        catalog.set_preferences(user, liked_families=("rock", "pop"), languages=(), explicit=False)
        probs = [0.1, 0.0, 0.1, 0.1, 0.6, 0.0, 0.1]
        for k in range(20):  # history: recent songs and feedback
            for t in catalog.recommend(user, probs, n=SONGS, seed=k)[:2]:
                catalog.give_feedback(user, t.id, "like" if k % 2 else "dislike")
        samples = []
        for k in range(60):
            start = time.perf_counter()
            catalog.recommend(user, probs, n=SONGS, seed=100 + k)
            samples.append((time.perf_counter() - start) * 1000)
        figures["latency_with_memory_and_preferences"] = stats(samples)
        print(f"recommendation on {len(index):,} songs with memory and preferences: "
              f"p50 {figures['latency_with_memory_and_preferences']['p50_ms']} ms, "
              f"p95 {figures['latency_with_memory_and_preferences']['p95_ms']} ms")
        figures["listener"] = listener(catalog, load_oracle(args.oracle))
        figures["listener_oracle"] = args.oracle.name
        print_listener(figures["listener"])
        catalog.engine.dispose()
    per = figures["per_emotion"].values()
    figures["targets_met"] = {
        "variety": all(r["distinct"] >= 40 and r["max_lists_per_song"] <= 3 and r["mean_jaccard"] < 0.10 for r in per),
        "latency": figures["latency_with_memory_and_preferences"]["p50_ms"] < 15,
    }
    print(f"targets met: {figures['targets_met']}")
    save(args.save_as, figures)


def _points(space, emotion: str) -> list:
    """The point each slot of the emotion's default list aims at."""
    from catalog.moods import default_strategy, lift_target
    from catalog.recommend import path_points

    if default_strategy(emotion) == "lift":
        return path_points(space.point(emotion), space.point(lift_target(emotion)), SONGS)
    return [space.point(emotion)] * SONGS


def _distance(index, space, track, point) -> float:
    """Scaled distance of a song to the point its slot aimed at."""
    row = int(np.flatnonzero(index.ids == track.id)[0])
    return float(index.distances(point / space.spread)[row])


if __name__ == "__main__":
    main()
