"""The listener section of the recommendation-quality benchmark: lists as a new user would hear them.

For new users whose Telegram language is en, es, pt, de, ru or ja, ``USERS`` new users per mood get
``SONGS`` songs each (the mood's default strategy), and every pick is judged by the seed catalogue's
per-song columns (language, explicit, tags, copy_of, family), joined by Spotify id. Those columns come
from ``--oracle`` (a seed file with the columns of ``catalog/seed/songs.csv.gz``), so the same judge can
score an older version of the recommender whose own catalogue lacks them; without ``--oracle`` the
shipped seed judges.

Figures per language and mood: the share of sung songs (language neither "zxx" nor unknown) outside
the user's languages, and for es/pt/de/ru/ja the share in the user's own language next to how many
such songs lie near the mood; popularity median and share at 0; copies passed over (a pick whose more
popular copy is in the catalogue); lists with an artist twice; the share of each kind of unwanted
content (holiday, children, cover, sleep, spoken, worship); explicit songs that leak, and picks whose clean
flag was inferred (songs reachable only through the inference); the families of
lift starts with their mean energy and valence; distinct songs among the first 10 users and their
mean Jaccard overlap.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import inspect
import io
import itertools
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

LANGUAGES = ("en", "es", "pt", "de", "ru", "ja")
USERS, SONGS, VARIETY_USERS = 20, 5, 10
JUNK = ("holiday", "children", "cover", "sleep", "spoken", "worship")
NEAR = 0.5
"""Scaled distance within which a song counts as near the mood's point."""
ENOUGH_NEAR = 200
"""A language is held to the half-own-language target only where this many of its songs are near the mood."""
OUT_OF_SEASON = dt.date(2026, 11, 15)
"""The date the lists are made for (holiday songs are out of season then), where the recommender takes one."""


@dataclass(frozen=True)
class Judged:
    """What the oracle says of one song."""

    language: str
    explicit: int
    """1 explicit, 0 clean, -1 unknown."""
    tags: frozenset[str]
    copy_of: str
    family: str
    inferred: bool = False
    """The explicit flag was inferred (a track only TidyTuesday or data_moods.csv knows)."""


def load_oracle(path: Path) -> dict[str, Judged]:
    """Spotify id -> the seed's verdict on that song."""
    with gzip.open(path, "rt", encoding="utf-8") if path.suffix == ".gz" else path.open(encoding="utf-8") as f:
        rows = csv.DictReader(io.StringIO(f.read()))
        return {r["spotify_id"]: Judged(r.get("language", ""), {"1": 1, "0": 0}.get(r.get("explicit", ""), -1),
                                        frozenset(t for t in (r.get("tags") or "").split(";") if t),
                                        r.get("copy_of", "") or "", r.get("family", ""),
                                        r.get("explicit_inferred", "") == "1")
                for r in rows}


def _new_user(language: str):
    """The preferences a new user whose Telegram language is ``language`` starts with.

    A recommender without language defaults treats every new user alike (no language preference).
    """
    from catalog import Preferences

    try:
        from catalog.languages import default_languages
    except ImportError:
        return Preferences()
    return Preferences(languages=default_languages(language))


def _recommend(catalog, mood: str, seed: int, prefs):
    kwargs = {"on": OUT_OF_SEASON} if "on" in inspect.signature(catalog.recommend).parameters else {}
    return catalog.recommend(None, mood, n=SONGS, seed=seed, preferences=prefs, **kwargs)


def listener(catalog, oracle: dict[str, Judged]) -> dict:
    """Figures per language and mood, and the targets for an English-speaking user."""
    from sqlalchemy import select

    from catalog.moods import TARGETS, default_strategy, regions
    from catalog.schema import Song

    with catalog.session() as s:
        spotify = dict(s.execute(select(Song.id, Song.spotify_id)).all())
    index = catalog.index()
    space = regions()
    unknown = Judged("", -1, frozenset(), "", "")
    judged_rows = [oracle.get(spotify[int(i)], unknown) for i in index.ids]
    row_language = np.array([j.language for j in judged_rows], object)
    canonical_plain = np.array([not j.copy_of and not (j.tags & set(JUNK)) for j in judged_rows])
    figures: dict = {}
    for language in LANGUAGES:
        prefs = _new_user(language)
        wanted = {"en", language}
        per_mood = {}
        for mood in TARGETS:
            lists = [_recommend(catalog, mood, seed, prefs) for seed in range(USERS)]
            near = index.distances(space.point(mood) / space.spread) < NEAR
            per_mood[mood] = _mood_figures(lists, [[oracle.get(t.spotify_id, unknown) for t in tracks]
                                                   for tracks in lists], wanted, language, default_strategy(mood),
                                           int((near & canonical_plain & (row_language == language)).sum()))
        figures[language] = {"per_mood": per_mood, "overall": _overall(per_mood)}
    figures["targets_en"] = _targets(figures["en"])
    figures["targets_own_language"] = {
        language: all(f["own_language_share"] >= 0.5 for f in figures[language]["per_mood"].values()
                      if f["near_songs_in_language"] >= ENOUGH_NEAR and f["own_language_share"] is not None)
        for language in LANGUAGES if language != "en"}
    return figures


def _share(hits: int, total: int) -> float | None:
    return round(hits / total, 4) if total else None


def _mood_figures(lists: list, verdicts: list[list[Judged]], wanted: set[str], language: str, strategy: str,
                  near_in_language: int) -> dict:
    songs = [t for tracks in lists for t in tracks]
    judged = [j for row in verdicts for j in row]
    sung = [j for j in judged if j.language not in ("", "zxx")]
    popularity = [t.popularity for t in songs]
    ids = [[t.id for t in tracks] for tracks in lists[:VARIETY_USERS]]
    jaccard = [len(set(a) & set(b)) / len(set(a) | set(b)) for a, b in itertools.combinations(ids, 2)]
    result = {
        "songs": len(songs), "sung": len(sung),
        "other_language_share": _share(sum(j.language not in wanted for j in sung), len(sung)),
        "own_language_share": _share(sum(j.language == language for j in sung), len(sung)) if language != "en"
        else None,
        "near_songs_in_language": near_in_language,
        "unknown_language_share": _share(sum(j.language == "" for j in judged), len(judged)),
        "popularity_median": float(np.median(popularity)) if popularity else None,
        "popularity_zero_share": _share(sum(p == 0 for p in popularity), len(popularity)),
        "copies_passed_over": _share(sum(bool(j.copy_of) for j in judged), len(judged)),
        "lists_with_artist_twice": sum(len({t.artist.casefold() for t in tracks}) < len(tracks) for tracks in lists),
        "junk": {tag: _share(sum(tag in j.tags for j in judged), len(judged)) for tag in JUNK},
        "junk_share": _share(sum(bool(j.tags & set(JUNK)) for j in judged), len(judged)),
        "explicit_leak": _share(sum(j.explicit == 1 for j in judged), len(judged)),
        "inferred_flag_share": _share(sum(j.inferred for j in judged), len(judged)),
        "distinct_of_50": len({i for row in ids for i in row}),
        "mean_jaccard": round(float(np.mean(jaccard)), 4) if jaccard else None,
    }
    if strategy == "lift":
        starts = [(tracks[0], row[0]) for tracks, row in zip(lists, verdicts) if tracks]
        result["lift_start_families"] = dict(Counter(j.family or "unknown" for _, j in starts).most_common())
        result["lift_start_energy"] = round(float(np.mean([t.energy for t, _ in starts])), 3)
        result["lift_start_valence"] = round(float(np.mean([t.valence for t, _ in starts])), 3)
    return result


def _overall(per_mood: dict) -> dict:
    """Pooled over moods (each mood weighs by its songs)."""
    moods = per_mood.values()

    def pooled(key: str, weight: str) -> float | None:
        pairs = [(m[key], m[weight]) for m in moods if m[key] is not None]
        total = sum(w for _, w in pairs)
        return round(sum(v * w for v, w in pairs) / total, 4) if total else None

    return {"other_language_share": pooled("other_language_share", "sung"),
            "own_language_share": pooled("own_language_share", "sung"),
            "popularity_median_of_moods": float(np.median([m["popularity_median"] for m in moods])),
            "popularity_zero_share": pooled("popularity_zero_share", "songs"),
            "copies_passed_over": pooled("copies_passed_over", "songs"),
            "lists_with_artist_twice": sum(m["lists_with_artist_twice"] for m in moods),
            "junk_share": pooled("junk_share", "songs"), "explicit_leak": pooled("explicit_leak", "songs"),
            "inferred_flag_share": pooled("inferred_flag_share", "songs")}


def _targets(en: dict) -> dict:
    moods, overall = en["per_mood"], en["overall"]
    angry = moods["angry"]
    return {
        "other_language_overall_le_5pct": (overall["other_language_share"] or 0) <= 0.05,
        "other_language_each_mood_le_10pct": all((m["other_language_share"] or 0) <= 0.10 for m in moods.values()),
        "popularity_median_ge_50": overall["popularity_median_of_moods"] >= 50,
        "junk_le_2pct": (overall["junk_share"] or 0) <= 0.02,
        "no_artist_twice": overall["lists_with_artist_twice"] == 0,
        "copies_le_1pct": (overall["copies_passed_over"] or 0) <= 0.01,
        "variety": all(m["distinct_of_50"] >= 40 and m["mean_jaccard"] <= 0.10 for m in moods.values()),
        "angry_starts_energy_ge_0_7_in_2_families": angry["lift_start_energy"] >= 0.7
        and len([f for f in angry["lift_start_families"] if f != "unknown"]) >= 2,
    }


def print_listener(figures: dict) -> None:
    """One line per language and mood, then the English user's targets."""
    for language in LANGUAGES:
        print(f"\n-- new users whose language is {language} ({USERS} users x {SONGS} songs per mood)")
        for mood, m in figures[language]["per_mood"].items():
            own = f" own {m['own_language_share']:.0%} (near {m['near_songs_in_language']})" \
                if m["own_language_share"] is not None else ""
            junk = ",".join(f"{k} {v:.0%}" for k, v in m["junk"].items() if v)
            lift = (f", starts {m['lift_start_families']} energy {m['lift_start_energy']:.2f} "
                    f"valence {m['lift_start_valence']:.2f}" if "lift_start_energy" in m else "")
            other = m["other_language_share"]
            print(f"{mood:9s} other-lang {'-' if other is None else f'{other:.0%}'}{own}, "
                  f"pop median {m['popularity_median']:.0f} (0: {m['popularity_zero_share']:.0%}), "
                  f"copies {m['copies_passed_over']:.0%}, artist twice {m['lists_with_artist_twice']}, "
                  f"junk {m['junk_share']:.0%} [{junk}], explicit {m['explicit_leak']:.1%}, "
                  f"distinct {m['distinct_of_50']}/50 J {m['mean_jaccard']:.3f}{lift}")
        print(f"overall: {figures[language]['overall']}")
    print(f"\ntargets (en): {figures['targets_en']}")
    print(f"half in own language where >= {ENOUGH_NEAR} near: {figures['targets_own_language']}")
