"""An explicit flag for the tracks no source flags (TidyTuesday and data_moods.csv only).

Only the 114k table says whether a track is explicit. For the others the flag
is inferred, and the rule errs toward "explicit" (which keeps a track out of
default lists) whenever the evidence is thin:

1. **Same song elsewhere.** A flagged copy of the same song (same first artist,
   same title once versions are folded) in the 114k table gives its flag; any
   explicit copy makes it explicit.
2. **Title markers.** Swear words or "Explicit" in the title: explicit; a
   "Clean" / "Radio Edit" version: clean.
3. **Artist history.** One explicit track of the artist is enough for explicit.
   An artist with at least ``MIN_HISTORY`` flagged tracks, none of them explicit,
   is taken to be clean, but only for a track outside the rap genres with little
   speech (speechiness under ``MAX_SPEECH``): clean rappers and reggaeton artists
   with a single explicit song were the misses of a looser rule.
4. **Era and genre.** An unknown artist's track released before ``CLEAN_BEFORE``
   outside hip-hop is clean (parental advisory labels were rare then);
   everything else is explicit.

:func:`evaluate` replays the rule on the tracks both tables hold, hiding each
track's own flag, and reports how many of those called clean are explicit.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from catalog.build_copies import artist_key, fold_title

MIN_HISTORY = 8
MAX_SPEECH = 0.25
CLEAN_BEFORE = 1990
RAP_GENRES = frozenset("rap hip-hop trap gangster-rap southern-hip-hop hip-pop latin-hip-hop sad reggaeton "
                       "urban-contemporary".split())

_SWEARING = re.compile(r"(?<!\w)(fuck\w*|f\*+k\w*|shit\w*|sh\*t|bitch\w*|b\*tch\w*|nigga\w*|niggas|pussy|dick|"
                       r"motherf\w*|hoes?|cunt|ass|asshole|explicit|thot|p\*ssy)(?!\w)",
                       re.IGNORECASE)
_CLEAN = re.compile(r"\b(clean|clean version|kids version)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Track:
    """What the rule looks at for one track; ``flag`` is the source's flag (None: unknown)."""

    spotify_id: str
    artist: str
    title: str
    genres: Sequence[str]
    year: int | None
    flag: int | None
    speechiness: float = 0.0


@dataclass(frozen=True)
class Evidence:
    """Flags known per song and per artist, built from the flagged tracks."""

    songs: dict[tuple[str, str], dict[str, int]]
    artists: dict[str, dict[str, int]]

    @classmethod
    def of(cls, tracks: Sequence[Track]) -> Evidence:
        songs: dict[tuple[str, str], dict[str, int]] = defaultdict(dict)
        artists: dict[str, dict[str, int]] = defaultdict(dict)
        for t in tracks:
            if t.flag is None:
                continue
            songs[(artist_key(t.artist), fold_title(t.title))][t.spotify_id] = t.flag
            artists[artist_key(t.artist)][t.spotify_id] = t.flag
        return cls(dict(songs), dict(artists))


def infer(track: Track, evidence: Evidence) -> tuple[int, str]:
    """(1 explicit / 0 clean, which step decided) for a track, ignoring its own flag."""
    artist = artist_key(track.artist)
    copies = {i: f for i, f in evidence.songs.get((artist, fold_title(track.title)), {}).items()
              if i != track.spotify_id}
    if copies:
        return int(any(copies.values())), "same song"
    if _SWEARING.search(track.title):
        return 1, "title"
    if _CLEAN.search(track.title):
        return 0, "title"
    history = {i: f for i, f in evidence.artists.get(artist, {}).items() if i != track.spotify_id}
    if any(history.values()):
        return 1, "artist"
    rap = bool(RAP_GENRES.intersection(track.genres))
    if len(history) >= MIN_HISTORY and not rap and track.speechiness < MAX_SPEECH:
        return 0, "artist"
    if track.year is not None and track.year < CLEAN_BEFORE and not rap:
        return 0, "era"
    return 1, "default"


@dataclass
class Evaluation:
    """The rule replayed on flagged tracks that TidyTuesday also holds (their own flag hidden)."""

    tracks: int
    called_clean: int
    leaked: int
    explicit: int
    caught: int
    by_step: dict[str, tuple[int, int]]
    """step -> (tracks called clean by it, of which explicit)."""

    @property
    def leak_rate(self) -> float:
        return self.leaked / self.called_clean if self.called_clean else 0.0

    def __str__(self) -> str:
        steps = ", ".join(f"{k} {c:,} clean / {e} explicit" for k, (c, e) in sorted(self.by_step.items()))
        return (f"explicit inference replayed on {self.tracks:,} flagged TidyTuesday tracks: called clean "
                f"{self.called_clean:,}, of which explicit {self.leaked} ({self.leak_rate:.2%}); explicit "
                f"caught {self.caught}/{self.explicit}; by step: {steps}")


def evaluate(flagged: Sequence[Track], evidence: Evidence) -> Evaluation:
    """Replay :func:`infer` on flagged tracks, each without its own flag."""
    by_step: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    clean = leaked = caught = 0
    for t in flagged:
        called, step = infer(t, evidence)
        if called == 0:
            clean += 1
            leaked += t.flag or 0
            by_step[step][0] += 1
            by_step[step][1] += t.flag or 0
        else:
            caught += t.flag or 0
    return Evaluation(len(flagged), clean, leaked, sum(t.flag or 0 for t in flagged), caught,
                      {k: (v[0], v[1]) for k, v in by_step.items()})
