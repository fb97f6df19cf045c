"""Recommendation speed on the full seeded SQLite catalogue (target: 10 songs in < 15 ms p50), and the time
to build the song index a bot process reads at start.

Baseline in the same run: the obvious SQL query (ORDER BY distance to the target LIMIT n, no
variety rules) that the in-memory index replaces.

    python bench/bench_recommend.py
"""

from __future__ import annotations

import random
import tempfile
from pathlib import Path

from _common import save, timings
from sqlalchemy import text


def main() -> None:
    from catalog.moods import EMOTIONS, regions
    from catalog.service import open_catalog
    from catalog.songs import Songs

    with tempfile.TemporaryDirectory() as tmp:
        catalog = open_catalog(f"sqlite:///{Path(tmp) / 'bench.db'}")
        loads = timings(lambda: Songs(catalog.engine).index(), repeat=3, warmup=1)  # what a bot process does at start
        catalog.index()
        rng = random.Random(0)

        def probs() -> list[float]:
            raw = [rng.random() ** 4 for _ in EMOTIONS]
            return [p / sum(raw) for p in raw]

        users = iter(range(1, 10**6))
        figures = {
            "songs": catalog.stats()["songs"],
            "match_10_anonymous": timings(lambda: catalog.recommend(None, probs(), n=10), repeat=300),
            "match_10_with_user_memory": timings(lambda: catalog.recommend(7, probs(), n=10), repeat=300),
            "lift_10_with_user_memory": timings(lambda: catalog.recommend(next(users), probs(), "lift", n=10),
                                                repeat=300),
        }

        def naive_sql() -> None:
            v, e = regions().blend(probs())[:2]  # valence and energy of the mood's point
            with catalog.engine.connect() as conn:
                conn.execute(text("SELECT * FROM songs ORDER BY (valence - :v) * (valence - :v) + "
                                  "(energy - :e) * (energy - :e) LIMIT 10"), {"v": float(v), "e": float(e)}).all()

        figures["baseline_sql_order_by_distance"] = timings(naive_sql, repeat=100)
        figures["index_load"] = loads
        catalog.engine.dispose()
    for name, f in figures.items():
        if isinstance(f, dict):
            print(f"{name:<34} p50 {f['p50_ms']:>7} ms   p95 {f['p95_ms']:>7} ms")
    print(f"(catalogue of {figures['songs']} songs; target: 10 songs in < 15 ms p50)")
    save("recommend", figures)


if __name__ == "__main__":
    main()
