"""Build the seed catalogue from the shared source tables: ``python -m catalog build SOURCES``.

Three tables (see ``catalog/seed/README.md`` for their origin and licences) are
merged by Spotify track id into one row per track:

* ``spotify_tracks_114k.csv.gz``: 114 genre seeds (a track listed under several
  genres appears once per genre), all credited artists, the explicit flag;
* ``tidytuesday_spotify_songs.csv.gz``: six playlist genres and 24 subgenres,
  album release dates; no explicit flag;
* ``data_moods.csv``: the 686 mood-labelled songs (no mode, no genre).

Where a track is in several tables the 114k table's values win (it carries the
explicit flag and all artists), then TidyTuesday's. Genres from every table are
kept; each genre maps to one coarse family users can choose from
(:mod:`catalog.build_families` for the genres that need the track's own
evidence). Spotify reports the tempo of many slow ballads in 6/8 at double
speed: a tempo above 150 BPM with energy under 0.5 is halved.

Each track then gets its sung language (:mod:`catalog.build_language`), content
tags (:mod:`catalog.build_tags`), an explicit flag where no source has one
(:mod:`catalog.build_explicit`) and the id of the copy of the same song people
know (:mod:`catalog.build_copies`).

Needs pandas and lingua (the ``build`` extra); the bot never imports this module.
"""

from __future__ import annotations

import gzip
import io
from dataclasses import dataclass
from pathlib import Path

from catalog import build_explicit, build_families
from catalog.build_copies import copy_of
from catalog.build_covers import covers
from catalog.build_language import NO_VOCALS, languages
from catalog.build_overrides import OVERRIDES_FILE, Overrides
from catalog.build_tags import TAGS, Row, tag_rows

SOURCES = ("spotify_tracks_114k.csv.gz", "tidytuesday_spotify_songs.csv.gz", "data_moods.csv")
"""The source tables a build reads, in that order, from one folder."""

FAMILIES: tuple[str, ...] = (
    "pop", "rock", "hip-hop", "electronic", "r&b/soul", "latin", "jazz/blues", "classical/instrumental",
    "folk/acoustic", "metal", "country", "world",
)
"""Coarse genre families, the choice users get; every source genre maps to one."""

_FAMILY_GENRES = {
    "pop": "pop indie-pop power-pop synth-pop k-pop j-pop j-idol j-dance cantopop mandopop anime disney children "
           "kids show-tunes comedy party romance happy dance post-teen-pop electropop indie-poptimism dance-pop "
           "british",
    "rock": "rock alt-rock alternative grunge indie psych-rock punk punk-rock rock-n-roll rockabilly j-rock emo "
            "garage goth hard-rock album-rock classic-rock permanent-wave",
    "hip-hop": "hip-hop rap sad trap gangster-rap southern-hip-hop hip-pop",
    "electronic": "edm electronic electro house deep-house chicago-house progressive-house detroit-techno techno "
                  "minimal-techno trance dubstep drum-and-bass breakbeat club hardstyle idm industrial trip-hop "
                  "electro-house big-room pop-edm progressive-electro-house",
    "r&b/soul": "r-n-b r&b soul funk groove disco gospel urban-contemporary new-jack-swing neo-soul",
    "latin": "latin latino reggaeton salsa samba tango brazil mpb pagode sertanejo forro spanish tropical "
             "latin-pop latin-hip-hop",
    "jazz/blues": "jazz blues",
    "classical/instrumental": "classical piano opera ambient new-age sleep study chill",
    "folk/acoustic": "folk acoustic singer-songwriter songwriter guitar bluegrass",
    "metal": "metal heavy-metal black-metal death-metal metalcore grindcore hardcore",
    "country": "country honky-tonk",
    "world": "world-music afrobeat reggae dancehall dub ska french german indian iranian malay swedish turkish "
             "pop-film",
}
GENRE_FAMILY: dict[str, str] = {g: family for family, genres in _FAMILY_GENRES.items() for g in genres.split()}

SEED_COLUMNS = ("spotify_id", "title", "artist", "artists", "album", "genre", "genres", "family", "language",
                "explicit", "year", "popularity", "valence", "energy", "danceability", "tempo", "acousticness",
                "instrumentalness", "speechiness", "loudness", "mode", "explicit_inferred", "tags", "copy_of")


@dataclass
class BuildSummary:
    rows: int
    by_family: dict[str, int]
    by_language: dict[str, int]
    tags: dict[str, int]
    explicit: dict[str, int]
    copies: int
    tempo_folded: int
    explicit_check: build_explicit.Evaluation

    def __str__(self) -> str:
        def counts(d: dict[str, int]) -> str:
            return ", ".join(f"{k} {v:,}" for k, v in sorted(d.items(), key=lambda kv: -kv[1]))

        return (f"{self.rows:,} tracks\nfamilies: {counts(self.by_family)}\nlanguages: {counts(self.by_language)}\n"
                f"tags: {counts(self.tags)}\nexplicit: {counts(self.explicit)}\n{self.explicit_check}\n"
                f"copies of another row: {self.copies:,}; tempos halved: {self.tempo_folded:,}")


def _slug(genre: str) -> str:
    return genre.strip().lower().replace(" ", "-").replace("&", "&")


def _enrich(merged, genres: dict[str, list[str]], votes: dict[str, list[str]], overrides: Overrides
            ) -> build_explicit.Evidence:
    """Add language, family, tags, the explicit flag for every row and copy_of to ``merged`` (in place).

    ``votes``: the genres of each track that vote on its family (see :func:`build`).
    """
    import pandas as pd

    listed = [genres.get(i, []) for i in merged.spotify_id]
    voting = [votes.get(i, []) for i in merged.spotify_id]
    features = merged[["instrumentalness", "speechiness", "danceability", "energy", "acousticness"]].astype(
        float).fillna(0.0)
    credited = [str(a).split("; ") for a in merged.artists]
    merged["language"] = overrides.apply("language", merged.artist, languages(
        merged.title.astype(str).tolist(), merged.artist.tolist(), listed, features.instrumentalness.tolist(),
        features.speechiness.tolist(), merged.album.astype(str).tolist(), credited))
    by_artist = build_families.artist_families(merged.artist.tolist(), voting, GENRE_FAMILY)
    instrumental = (merged.language == NO_VOCALS).groupby(merged.artist).mean().to_dict()
    merged["family"] = overrides.apply("family", merged.artist, [
        build_families.track_family(g, build_families.Track(
            str(title), by_artist[artist], lang, i, sp, d, e, ac, instrumental[artist]), GENRE_FAMILY)
        for g, title, artist, lang, i, sp, d, e, ac in zip(
            voting, merged.title, merged.artist, merged.language, features.instrumentalness, features.speechiness,
            features.danceability, features.energy, features.acousticness)])
    rows = [Row(str(t), str(a), str(s), g, i, sp, by_artist[artist]) for t, a, s, g, i, sp, artist in
            zip(merged.title, merged.album, merged.artists, listed, features.instrumentalness, features.speechiness,
                merged.artist)]
    covered = covers(merged.title.astype(str).tolist(), merged.artist.tolist(), merged.artists.tolist(),
                     merged.popularity.astype(float).tolist(), (merged.language != NO_VOCALS).tolist(),
                     features.acousticness.tolist())
    merged["tags"] = tag_rows(rows, merged.artist.tolist(), covered)

    years = pd.to_numeric(merged.year, errors="coerce")
    tracks = [build_explicit.Track(i, str(a), str(t), g, None if pd.isna(y) else int(y),
                                   None if pd.isna(f) else int(f), sp)
              for i, a, t, g, y, f, sp in zip(merged.spotify_id, merged.artist, merged.title, listed, years,
                                              merged.explicit, features.speechiness)]
    evidence = build_explicit.Evidence.of(tracks)
    merged["explicit_inferred"] = merged.explicit.isna().astype(int)
    merged["explicit"] = [t.flag if t.flag is not None else build_explicit.infer(t, evidence)[0] for t in tracks]
    known_clean = ((merged.explicit == 0) & (merged.explicit_inferred == 0)).tolist()
    merged["copy_of"] = copy_of(merged.spotify_id.tolist(), merged.artist.tolist(), merged.title.astype(str).tolist(),
                                merged.popularity.astype(float).tolist(), known_clean)
    return evidence


def build(sources: Path, out: Path) -> BuildSummary:
    """Merge the three source tables in ``sources`` into the seed CSV ``out`` (gzip, mtime 0)."""
    import pandas as pd

    big_file, tidy_file, moods_file = (sources / name for name in SOURCES)
    big = pd.read_csv(big_file, dtype={"track_id": str})
    tidy = pd.read_csv(tidy_file, dtype={"track_id": str})
    moods = pd.read_csv(moods_file, dtype={"id": str})
    tidy = tidy[~((tidy.track_name == "NA") & (tidy.track_artist == "NA"))].dropna(subset=["track_name"])

    genres: dict[str, list[str]] = {}
    votes: dict[str, list[str]] = {}
    for frame, column in ((big, "track_genre"), (tidy, "playlist_genre"), (tidy, "playlist_subgenre")):
        for track, genre in zip(frame.track_id, frame[column]):
            slug = _slug(str(genre))
            for table, vote in ((genres, True), (votes, column != "playlist_genre")):
                listed = table.setdefault(track, [])
                if vote and slug not in listed:
                    listed.append(slug)

    features = ["valence", "energy", "danceability", "tempo", "acousticness", "instrumentalness", "speechiness",
                "loudness"]
    a = big.drop_duplicates("track_id").assign(
        spotify_id=big.track_id, title=big.track_name, artists=big.artists.fillna(""), album=big.album_name,
        explicit=big.explicit.map({True: 1, False: 0}), year=pd.NA, mode=big["mode"])
    t = tidy.drop_duplicates("track_id").assign(
        spotify_id=tidy.track_id, title=tidy.track_name, artists=tidy.track_artist, album=tidy.track_album_name,
        popularity=tidy.track_popularity, explicit=pd.NA, year=tidy.track_album_release_date.str[:4],
        mode=tidy["mode"])
    m = moods.drop_duplicates("id").assign(
        spotify_id=moods.id, title=moods.name, artists=moods.artist, explicit=pd.NA,
        year=moods.release_date.astype(str).str[:4], mode=pd.NA)
    keep = ["spotify_id", "title", "artists", "album", "explicit", "year", "popularity", "mode", *features]
    merged = pd.concat([a[keep], t[keep], m[keep]], ignore_index=True)
    merged = merged.drop_duplicates("spotify_id", keep="first").reset_index(drop=True)
    # The release year is known only to TidyTuesday and data_moods: take it wherever it is.
    years = pd.concat([t[["spotify_id", "year"]], m[["spotify_id", "year"]]]).drop_duplicates("spotify_id")
    merged = merged.drop(columns="year").merge(years, on="spotify_id", how="left")

    merged["artists"] = merged.artists.astype(str).str.replace(";", "; ", regex=False)
    merged["artist"] = merged.artists.str.split("; ").str[0]
    merged["genres"] = [";".join(genres.get(i, [])) for i in merged.spotify_id]
    merged["genre"] = [genres.get(i, [""])[0] for i in merged.spotify_id]
    folded = (merged.tempo > 150) & (merged.energy < 0.5)
    merged.loc[folded, "tempo"] = merged.tempo[folded] / 2
    merged.loc[merged.tempo <= 0, "tempo"] = pd.NA
    merged["year"] = pd.to_numeric(merged.year, errors="coerce").astype("Int64")
    merged["album"] = merged.album.fillna("")
    merged = merged.dropna(subset=["title", "valence", "energy"]).reset_index(drop=True)
    evidence = _enrich(merged, genres, votes, Overrides.read(OVERRIDES_FILE))
    in_tidy = set(t.spotify_id)
    flagged = [build_explicit.Track(i, str(a), str(ti), genres.get(i, []), None if pd.isna(y) else int(y), int(f),
                                    float(sp))
               for i, a, ti, y, f, inferred, sp in zip(merged.spotify_id, merged.artist, merged.title,
                                                      pd.to_numeric(merged.year, errors="coerce"), merged.explicit,
                                                      merged.explicit_inferred, merged.speechiness.fillna(0.0))
               if i in in_tidy and not inferred]
    merged = merged.sort_values(["artist", "title", "spotify_id"], key=lambda c: c.astype(str).str.casefold())
    for column in features:
        merged[column] = merged[column].round(6)

    text = merged[list(SEED_COLUMNS)].to_csv(index=False, lineterminator="\n")
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", compresslevel=9, mtime=0) as gz:
        gz.write(text.encode())
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(buf.getvalue())
    source = merged.explicit_inferred.map({0: "flagged", 1: "inferred"})
    explicit = (source + " " + merged.explicit.map({1: "explicit", 0: "clean"})).value_counts().to_dict()
    tags = {tag: int(merged.tags.str.contains(tag).sum()) for tag in TAGS}
    return BuildSummary(len(merged), merged.family.replace("", "none").value_counts().to_dict(),
                        merged.language.replace("", "unknown").value_counts().to_dict(), tags, explicit,
                        int((merged.copy_of != "").sum()), int(folded.sum()),
                        build_explicit.evaluate(flagged, evidence))


MOOD_FEATURES: tuple[str, ...] = ("valence", "energy", "acousticness", "instrumentalness", "danceability", "tempo",
                                  "loudness")
"""Audio features the mood regions live in (data_moods.csv has no ``mode``, so it cannot be fitted)."""


def scaled(frame, columns: tuple[str, ...] = MOOD_FEATURES):
    """The features of a table on the scales the mood regions use (:func:`catalog.moods.scale`)."""
    from catalog.moods import scale

    return frame[list(columns)].astype(float).apply(lambda column: scale(column.name, column))


def fit_regions(data_moods: Path, folds: int = 5, seed: int = 0) -> dict:
    """Centre and spread of each labelled mood, and how well nearest-centre labelling agrees (cross-validated).

    A song belongs to the mood whose centre is nearest after dividing each
    feature by its pooled within-mood spread (a diagonal linear discriminant),
    so features that separate the moods weigh more. Agreement is measured on
    held-out folds; for comparison, the same on valence and energy alone.
    """
    import numpy as np
    import pandas as pd

    moods = pd.read_csv(data_moods)
    x = scaled(moods).to_numpy()
    labels = moods["mood"].str.lower().to_numpy()
    names = sorted(set(labels))

    def fit(rows: np.ndarray, cols: list[int]) -> tuple[np.ndarray, np.ndarray]:
        centres = np.stack([x[rows][labels[rows] == n][:, cols].mean(0) for n in names])
        spread = np.sqrt(np.mean([x[rows][labels[rows] == n][:, cols].var(0) for n in names], axis=0))
        return centres, spread

    def agreement(cols: list[int]) -> float:
        order = np.random.default_rng(seed).permutation(len(x))
        right = 0
        for k in range(folds):
            test = order[k::folds]
            train = np.setdiff1d(order, test)
            centres, spread = fit(train, cols)
            dist = (((x[test][:, None, cols] - centres[None]) / spread) ** 2).sum(-1)
            right += int((np.asarray(names)[dist.argmin(1)] == labels[test]).sum())
        return right / len(x)

    every = list(range(len(MOOD_FEATURES)))
    centres, spread = fit(np.arange(len(x)), every)
    return {
        "features": list(MOOD_FEATURES),
        "spread": [round(float(s), 5) for s in spread],
        "centres": {n: [round(float(v), 5) for v in c] for n, c in zip(names, centres)},
        "agreement": {"features": round(agreement(every), 4), "valence_energy_only": round(agreement([0, 1]), 4),
                      "folds": folds, "songs": len(x)},
    }
