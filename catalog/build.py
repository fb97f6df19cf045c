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
kept; each genre maps to one coarse family users can choose from, and region
genres (k-pop, french, brazil, ...) give a language hint. Spotify reports the
tempo of many slow ballads in 6/8 at double speed: a tempo above 150 BPM with
energy under 0.5 is halved.

Needs pandas (the ``train`` extra); the bot never imports this module.
"""

from __future__ import annotations

import gzip
import io
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

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

GENRE_LANGUAGE: dict[str, str] = {
    "k-pop": "ko", "j-pop": "ja", "j-idol": "ja", "j-dance": "ja", "j-rock": "ja", "anime": "ja",
    "cantopop": "zh", "mandopop": "zh", "brazil": "pt", "mpb": "pt", "pagode": "pt", "samba": "pt",
    "sertanejo": "pt", "forro": "pt", "spanish": "es", "tango": "es", "salsa": "es", "reggaeton": "es",
    "latino": "es", "french": "fr", "german": "de", "indian": "hi", "pop-film": "hi", "iranian": "fa",
    "malay": "ms", "swedish": "sv", "turkish": "tr",
}
"""Language or region a source genre implies; tracks of other genres get none."""

SEED_COLUMNS = ("spotify_id", "title", "artist", "artists", "album", "genre", "genres", "family", "language",
                "explicit", "year", "popularity", "valence", "energy", "danceability", "tempo", "acousticness",
                "instrumentalness", "speechiness", "loudness", "mode")


@dataclass
class BuildSummary:
    rows: int
    by_family: dict[str, int]
    explicit: dict[str, int]
    tempo_folded: int

    def __str__(self) -> str:
        families = ", ".join(f"{k} {v:,}" for k, v in sorted(self.by_family.items(), key=lambda kv: -kv[1]))
        return (f"{self.rows:,} tracks; families: {families}; explicit: {self.explicit}; "
                f"tempos halved: {self.tempo_folded:,}")


def _slug(genre: str) -> str:
    return genre.strip().lower().replace(" ", "-").replace("&", "&")


def _family(genres: list[str]) -> str:
    """The family most of a track's genres belong to (ties: the first genre's)."""
    families = [GENRE_FAMILY[g] for g in genres if g in GENRE_FAMILY]
    if not families:
        return ""
    counts = Counter(families)
    best = max(counts.values())
    return next(f for f in families if counts[f] == best)


def build(sources: Path, out: Path) -> BuildSummary:
    """Merge the three source tables in ``sources`` into the seed CSV ``out`` (gzip, mtime 0)."""
    import pandas as pd

    big_file, tidy_file, moods_file = (sources / name for name in SOURCES)
    big = pd.read_csv(big_file, dtype={"track_id": str})
    tidy = pd.read_csv(tidy_file, dtype={"track_id": str})
    moods = pd.read_csv(moods_file, dtype={"id": str})
    tidy = tidy[~((tidy.track_name == "NA") & (tidy.track_artist == "NA"))].dropna(subset=["track_name"])

    genres: dict[str, list[str]] = {}
    for frame, column in ((big, "track_genre"), (tidy, "playlist_genre"), (tidy, "playlist_subgenre")):
        for track, genre in zip(frame.track_id, frame[column]):
            slug = _slug(str(genre))
            listed = genres.setdefault(track, [])
            if slug not in listed:
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
    merged["family"] = [_family(genres.get(i, [])) for i in merged.spotify_id]
    merged["language"] = [next((GENRE_LANGUAGE[g] for g in genres.get(i, []) if g in GENRE_LANGUAGE), "")
                          for i in merged.spotify_id]
    folded = (merged.tempo > 150) & (merged.energy < 0.5)
    merged.loc[folded, "tempo"] = merged.tempo[folded] / 2
    merged.loc[merged.tempo <= 0, "tempo"] = pd.NA
    merged["year"] = pd.to_numeric(merged.year, errors="coerce").astype("Int64")
    merged["album"] = merged.album.fillna("")
    merged = merged.dropna(subset=["title", "valence", "energy"])
    merged = merged.sort_values(["artist", "title", "spotify_id"], key=lambda c: c.astype(str).str.casefold())
    for column in features:
        merged[column] = merged[column].round(6)

    text = merged[list(SEED_COLUMNS)].to_csv(index=False, lineterminator="\n")
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", compresslevel=9, mtime=0) as gz:
        gz.write(text.encode())
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(buf.getvalue())
    explicit = merged.explicit.map({1: "yes", 0: "no"}).fillna("unknown").value_counts().to_dict()
    return BuildSummary(len(merged), merged.family.replace("", "none").value_counts().to_dict(), explicit,
                        int(folded.sum()))


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
