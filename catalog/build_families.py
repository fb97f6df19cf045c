"""The family of a track: each source genre maps to one family, a few only with the track's own evidence.

Most source genres name their family outright (``GENRE_FAMILY`` in
:mod:`catalog.build`). Some of the 114k table's genre seeds are playlists of
mixed content, and a fixed family for them was wrong for whole groups of
tracks; for those the family is decided per track:

* sleep: classical/instrumental, unless sung by an artist with a family elsewhere;
* chill, piano, ambient: without vocals (instrumentalness)
  the track is instrumental (jazz/blues for a jazz artist: Thelonious Monk);
  with vocals it is a song, whose family is the one its artist has elsewhere in
  the catalogue (latin only when sung in Spanish or Portuguese), else pop
  (chill's sung half is bedroom pop and R&B; piano's is OneRepublic, Keane,
  Billy Joel); instrumental chill is lo-fi beats: electronic;
* study: lo-fi beats, with or without a vocal sample: electronic;
* world-music: mostly English worship songs (contemporary Christian pop: pop,
  tagged worship), some sung world music (world) and meditation tracks;
* reggae: mostly reggaeton; sung in Spanish or Portuguese it is latin, else world;
* dub: melodic dubstep and roots dub together: the artist's family elsewhere,
  else electronic when energetic, world (reggae) when not;
* happy (happy hardcore): electronic;
* j-dance (Jamaican dancehall, not Japanese): world, unless the artist is
  electronic; its few Japanese songs are pop;
* comedy: no family (stand-up is tagged spoken);
* hardcore: hardcore punk, metalcore, gabber and 90s hip-hop together: the
  artist's family elsewhere (metalcore bands are filed under metal genres too),
  else hip-hop when the track is rap-like (speechy and danceable), electronic
  when it is instrumental, else rock (punk);
* german: Bach, Handel and film scores next to German rap and pop: instrumental
  classical works are classical/instrumental, else the artist's family, else
  hip-hop for rap, pop for the rest;
* malay (Malayalam film music): world, hip-hop for rap; its Indonesian pop: pop;
* metal: heavy metal next to hard rock and ballads: metal when energetic, else rock;
* funk: Motown and funk next to Brazilian funk carioca: latin when sung in Portuguese, else r&b/soul;
* electro: EDM (Alan Walker, Zedd) next to pop singers (Carly Rae Jepsen, Julia Michaels, Lauv): the
  artist's family elsewhere, else electronic;
* garage: garage rock (Arctic Monkeys, The Strokes) next to UK garage and electronica (Maribou State,
  Jamie xx): the artist's family elsewhere, else rock, electronic without vocals (by the language step:
  a dream-pop band's quiet voice rates instrumental too);
* blues: blues next to blues-rock and trailer rock (The Black Keys, Zayde Wølf): the artist's family
  elsewhere, else jazz/blues.

Not every genre is an equal vote: region seeds name no style, playlist seeds vote
weakly, and where a track's style genres do not agree on one family, the artist's
family over all their tracks joins the vote (:func:`track_family`).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from catalog.build_indic import FILM, INDIC

INSTRUMENTAL = 0.5
"""Instrumentalness at or above which a track has no vocals (Spotify: above 0.5 is meant to be instrumental)."""

_CLASSICAL_TITLE = re.compile(r"\b(BWV|HWV|K\.|KV|Op\.|No\.|Symphon|Sonat|Concert|Cantata|Kantate|Prelude|"
                              r"Präludium|Fugue|Fuge|Suite|Messiah|Allegro|Adagio|Andante|Largo|Overture|Ouvertüre)",
                              re.IGNORECASE)


@dataclass(frozen=True)
class Track:
    """What a per-track family rule looks at."""

    title: str
    artist_family: str
    language: str
    instrumentalness: float
    speechiness: float
    danceability: float
    energy: float = 0.5
    acousticness: float = 0.0
    artist_instrumental: float = 0.0
    """Share of the artist's tracks without vocals (a composer's or a pianist's: most)."""

    @property
    def instrumental(self) -> bool:
        return self.instrumentalness >= INSTRUMENTAL or self.language == "zxx"

    @property
    def score(self) -> str:
        """The family of an instrumental track that no genre places: a film or piano score
        (acoustic or slow to dance to) is classical/instrumental, else electronic."""
        return "classical/instrumental" if self.acousticness >= 0.5 or self.danceability < 0.45 else "electronic"

    @property
    def rap(self) -> bool:
        return self.speechiness >= 0.15 and self.danceability >= 0.6


def _song(t: Track) -> str:
    # TidyTuesday files English pop under "latin" playlists: latin only for a song in Spanish or Portuguese.
    if t.artist_family == "latin" and t.language not in ("es", "pt"):
        return "pop"
    return t.artist_family or "pop"


def _calm(t: Track) -> str:
    if t.instrumental:
        return "jazz/blues" if t.artist_family == "jazz/blues" else "classical/instrumental"
    return _song(t)


def _sleep(t: Track) -> str:
    # Noise and rain tracks often rate low on instrumentalness; the sung rest are carols and spirituals.
    return _song(t) if t.artist_family and not t.instrumental else "classical/instrumental"


def _beats(t: Track) -> str:
    return "electronic" if t.instrumental else _song(t)


def _dub(t: Track) -> str:
    if t.artist_family:
        return t.artist_family
    return "electronic" if t.energy >= 0.65 else "world"


def _world_music(t: Track) -> str:
    if t.instrumental:
        return "classical/instrumental"
    return "pop" if t.language == "en" else "world"


def _hardcore(t: Track) -> str:
    if t.artist_family in ("hip-hop", "metal", "rock", "electronic"):
        return t.artist_family
    return "hip-hop" if t.rap else "electronic" if t.instrumental else "rock"


def _german(t: Track) -> str:
    if t.instrumental and (t.artist_family == "classical/instrumental" or _CLASSICAL_TITLE.search(t.title)):
        return "classical/instrumental"
    if t.artist_family:
        return _song(t)
    return "hip-hop" if t.speechiness >= 0.2 else "classical/instrumental" if t.instrumental else "pop"


METAL_ENERGY = 0.85
"""The 114k ``metal`` seed is heavy metal next to hard rock and ballads (Bon Jovi's "Always"): metal only
at this energy or above, else rock."""

_METAL_GENRES = frozenset("heavy-metal black-metal death-metal metalcore grindcore".split())


def _metal(t: Track) -> str:
    return "metal" if t.energy >= METAL_ENERGY else "rock"


RULES: dict[str, Callable[[Track], str]] = {
    "chill": _beats, "study": lambda t: "electronic", "piano": _calm, "ambient": _calm, "sleep": _sleep,
    "world-music": _world_music,
    "reggae": lambda t: "latin" if t.language in ("es", "pt") else "world",
    "dub": _dub, "happy": lambda t: "electronic",
    "j-dance": lambda t: "pop" if t.language == "ja" else "electronic" if t.artist_family == "electronic" else "world",
    "comedy": lambda t: "",
    "hardcore": _hardcore, "german": _german, "metal": _metal,
    "funk": lambda t: "latin" if t.language == "pt" else "r&b/soul",
    "electro": lambda t: t.artist_family or "electronic",
    "blues": lambda t: t.artist_family or "jazz/blues",
    "garage": lambda t: t.artist_family or ("electronic" if t.language == "zxx" else "rock"),
    "malay": lambda t: "hip-hop" if t.rap else "pop" if t.language == "id" else "world",
}
"""Source genres whose family depends on the track (the rest: ``GENRE_FAMILY``)."""


REGION = frozenset("swedish french german british indian iranian malay turkish".split())
"""Genre seeds named after a country: they say where a song comes from, not what it sounds like (ABBA and
Zara Larsson are ``swedish``), so they give no family by themselves."""

PLAYLIST = frozenset("disco club indie electro blues r&b urban-contemporary latin tropical dance party sad romance "
                     "industrial funk groove metal anime emo".split())
"""Seeds and playlists named after a style that many of their tracks do not have (Bonnie Tyler under disco,
Cage The Elephant under blues, Lauv under electro, Robin Schulz under TidyTuesday's tropical, Red Hot Chili
Peppers and Bon Jovi under metal, XXXTENTACION and Lil Peep under emo): a weak vote."""

PLAYLIST_WEIGHT = 0.5
"""A playlist genre's vote, against 1 for a genre that names the style."""

ARTIST_WEIGHT = 1.5
"""The vote of the artist's family over all their tracks, added where the track's own genres do not name
one family outright (only playlists or regions, or style genres that disagree): it outweighs a track's
playlists (Billie Eilish under electro, r&b and urban-contemporary is pop)."""


def _weight(genre: str) -> float:
    return PLAYLIST_WEIGHT if genre in PLAYLIST else 1.0 if genre in RULES else 0.0 if genre in REGION else 1.0


def majority(families: Sequence[str], weights: Sequence[float] | None = None) -> str:
    """The family with the most weight (ties: the first named); "" for none."""
    score: dict[str, float] = {}
    for family, weight in zip(families, weights or [1.0] * len(families)):
        if family and weight > 0:
            score[family] = score.get(family, 0.0) + weight
    return max(score, key=lambda f: score[f]) if score else ""


def artist_families(artists: Sequence[str], genres: Sequence[Sequence[str]],
                    genre_family: Mapping[str, str]) -> dict[str, str]:
    """Each artist's family: the weighted vote of all their tracks' genres that name one outright (not the
    per-track ones, not the regions; playlists weakly)."""
    seen: dict[str, tuple[list[str], list[float]]] = {}
    for artist, listed in zip(artists, genres):
        families, weights = seen.setdefault(str(artist), ([], []))
        for g in listed:
            if g in genre_family and g not in RULES and g not in REGION:
                families.append(genre_family[g])
                weights.append(_weight(g))
    return {artist: majority(*fw) for artist, fw in seen.items()}


def track_family(genres: Sequence[str], track: Track, genre_family: Mapping[str, str]) -> str:
    """The family of the track's genres (per-track rules for the genres in ``RULES``), else a vote with its artist.

    Where at least two genres that name a style (not a playlist, not a region) agree on one family, or
    one does and the artist has no other family, that is the family; else the weighted vote of all its
    genres and the artist's family decides, ties going to the artist (Aretha Franklin's "I Say a Little
    Prayer", under jazz and blues only, is soul like the rest of her songs; a remix keeps its own genres).
    Region genres alone fall back to the song's language (English: pop); latin is a family of songs in
    Spanish or Portuguese (or without words), never of an English single by a Latin artist; a rock vote
    becomes metal when the track carries a metal subgenre or its artist is a metal act. Then the sound
    and the language have the last word (:func:`_heard`).
    """
    return _heard(_voted(genres, track, genre_family), track)


MOSTLY = 2 / 3
SURELY_INSTRUMENTAL = 0.85
"""Instrumentalness from which a track without vocals is surely one (dream pop's buried voices rate 0.5-0.8)."""
ACOUSTIC_SONG = 0.85
"""Acousticness from which an English song that only a region genre places is folk/acoustic, not pop (Roo Panes
under british)."""
_REMIX = re.compile(r"\b(remix|rework|bootleg|flip|vip mix|edit)\b", re.IGNORECASE)


def _heard(family: str, track: Track) -> str:
    """What a listener hears overrides a genre that cannot be right for the track.

    A song in an Indian language that the genres call pop, rock, folk, soul or hip-hop is Indian film
    or pop music, world as the indian and pop-film seeds are (hip-hop where it sounds like rap and is not
    from a film): the 114k table files such songs under its hip-hop and indie seeds. A track without
    vocals is not pop (:attr:`Track.score`: film and anime scores) where the artist's tracks mostly have
    none, or where it surely has none and the artist's are not mostly sung: a single track rated
    instrumental by a singer is a song mixed low (beabadoobee's "Coffee").
    """
    if track.language in INDIC and family in ("pop", "rock", "folk/acoustic", "r&b/soul", "hip-hop", "country"):
        return "hip-hop" if track.rap and not FILM.search(track.title) else "world"
    if family == "pop" and track.language == "zxx" and (
            track.artist_instrumental >= MOSTLY or (track.instrumentalness >= SURELY_INSTRUMENTAL
                                                    and track.artist_instrumental > 1 - MOSTLY)):
        return track.score
    return family


def _voted(genres: Sequence[str], track: Track, genre_family: Mapping[str, str]) -> str:
    families = [RULES[g](track) if g in RULES else genre_family.get(g, "") for g in genres]
    weights = [_weight(g) for g in genres]
    strong: Counter[str] = Counter()  # a per-track rule weighed the track's own evidence already: it counts twice
    for g, f, w in zip(genres, families, weights):
        if f and w >= 1.0:
            strong[f] += 2 if g in RULES else 1
    not_latin = track.language not in ("es", "pt", "zxx", "")
    if not_latin:
        strong.pop("latin", None)
    remix = bool(_REMIX.search(track.title))      # another producer's recording: its own genres only
    settled = len(strong) == 1 and (max(strong.values()) >= 2 or track.artist_family in ("", *strong) or remix)
    if not settled and track.artist_family and not remix:
        families.insert(0, track.artist_family)     # first: a tie goes to the artist
        weights.insert(0, ARTIST_WEIGHT)
    if not_latin and "latin" in families:
        weights = [0.0 if f == "latin" else w for f, w in zip(families, weights)]
        families.append("pop")                       # what an English single by a Latin artist is
        weights.append(0.01)
    family = next(iter(strong)) if settled else majority(families, weights)
    if remix and not strong:
        return "electronic"      # a remix named only by playlists is a dance remix
    if family == "rock" and (track.artist_family == "metal" or any(g in _METAL_GENRES for g in genres)):
        return "metal"
    if family or not any(g in REGION for g in genres):
        return family
    if track.language == "zxx" and (track.artist_instrumental >= MOSTLY or
                                    track.instrumentalness >= SURELY_INSTRUMENTAL):
        return track.score
    if track.language == "en":
        return "folk/acoustic" if track.acousticness >= ACOUSTIC_SONG else "pop"
    return majority([genre_family.get(g, "") for g in genres])
