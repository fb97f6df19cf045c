"""Content tags a listener did not ask for by default: holiday, children, cover, sleep, spoken, worship, lofi.

Each tag comes from source genres that are that content (children, kids,
sleep, comedy, world-music, gospel, study; sleep only for artists with no
other genre: the sleep seed also holds Bach and carols), from keywords in the title, album
and artist ("Christmas", "Karaoke", "in the style of", "White Noise",
"Rockabye Baby!", "Worship", ...), and for worship, children and lofi also from
the artist: an artist most of whose tracks carry the tag carries it on all of
them (Bethel Music's songs filed under ambient are still worship). Keywords that
are also ordinary song titles ("Sleep", "Lullaby", "Hallelujah") only count in
the album or artist, or with the audio features that back them.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

TAGS = ("holiday", "children", "cover", "sleep", "spoken", "worship", "lofi")
"""The fixed tag set of the seed contract, in the order a row lists them."""

GENRE_TAGS: dict[str, str] = {
    "children": "children", "kids": "children", "sleep": "sleep", "comedy": "spoken", "world-music": "worship",
    "gospel": "worship", "study": "lofi",
}
"""Source genres that are a tag's content."""

ARTIST_WIDE = ("worship", "children", "lofi")
"""Tags an artist carries onto all their tracks when most of their tracks have it."""


def _words(*patterns: str) -> re.Pattern[str]:
    return re.compile(r"(?<!\w)(?:" + "|".join(patterns) + r")(?!\w)", re.IGNORECASE)


_HOLIDAY = _words(
    r"christmas", r"x-?mas", r"navidad(es)?", r"no[eë]l", r"santa claus", r"santa baby", r"jingle", r"sleigh",
    r"mistletoe", r"rudolph", r"reindeer", r"silent night", r"holy night", r"let it snow", r"winter wonderland",
    r"deck the halls?", r"hark!? the herald", r"feliz navidad", r"weihnacht\w*", r"stille nacht", r"hanukk?ah",
    r"frosty the snowman", r"little drummer boy", r"joy to the world", r"o come,? all ye faithful",
    r"we wish you a merry", r"god rest ye", r"away in a manger", r"carol of the bells", r"leise rieselt",
    r"o tannenbaum", r"first noel", r"auld lang syne", r"holly jolly", r"happy holidays", r"feliz natal", r"de natal",
    r"christmastime", r"santa claus", r"santa baby", r"santa'?s", r"nochebuena", r"villancicos?",
    r"el burrito de bel[eé]n", r"campana sobre campana",
    r"peces en el r[ií]o", r"julsång\w*", r"julafton", r"god jul", r"tomten",
)
_CHILDREN = _words(
    r"the wiggles", r"kidz bop", r"cocomelon", r"pinkfong", r"baby shark", r"super simple songs", r"nursery rhymes?",
    r"little baby bum", r"kinderlieder", r"kinder", r"for kids", r"kids'? songs?", r"kidz",
    r"cooltime kids", r"onyx kids", r"kids'? (?:music|party|favou?rites|hits|club)", r"children'?s songs?",
    r"canciones infantiles",
    r"toddlers?", r"sesame street", r"barney", r"peppa pig", r"paw patrol", r"mini pop kids", r"the countdown kids",
)
_COVER = _words(
    r"karaoke", r"in the style of", r"originally performed by", r"made famous by", r"as made famous",
    r"lullaby renditions?", r"lullaby versions?", r"piano versions?", r"piano covers?", r"piano arrangements?",
    r"piano renditions?", r"instrumental versions?", r"music box versions?", r"acoustic piano", r"\(cover\)",
)
_COVER_ALBUM_ARTIST = _words(
    r"tribute", r"covers", r"rockabye baby!?", r"vitamin string quartet", r"twinkle twinkle little rock star",
    r"baby lullaby", r"sweet little band", r"piano tribute players", r"the piano guys",
    r"lullaby", r"lullabies",
)
_SLEEP = _words(
    r"white noise", r"brown noise", r"pink noise", r"rain sounds?", r"sounds? of rain", r"ocean waves",
    r"nature sounds", r"binaural", r"stress relief", r"relaxing music", r"meditation", r"meditative", r"deep sleep",
    r"sleep music", r"music for sleep", r"sleeping music", r"asmr", r"\d+\s?hz", r"solfeggio", r"spa music",
    r"yoga music", r"weißes rauschen", r"rauschen", r"einschlafen", r"schlafmusik", r"zum schlafen",
    r"thunderstorms?", r"rain noise", r"sleep aid", r"baby sleep", r"healing frequenc\w*", r"chakra", r"reiki",
    r"relajar", r"relajaci[oó]n", r"relajante", r"sonidos de la lluvia", r"para dormir", r"meditaci[oó]n",
    r"relaxar", r"para relaxar", r"medita[cç][aã]o", r"sons da natureza", r"concentraci[oó]n",
)
_SLEEP_TITLE_ONLY = _words(r"sleep", r"rain", r"relax\w*", r"calm\w*", r"ocean", r"waves", r"noise", r"lullaby")
_SPOKEN = _words(r"skit", r"interview", r"audiobook", r"hörbuch", r"spoken word", r"sermon")
_SPOKEN_TITLE = _words(r"kapitel \d+", r"chapter \d+")
_SPOKEN_ALBUM_ARTIST = _words(r"stand-?up", r"comedy", r"live at the comedy", r"netflix special")
_WORSHIP = _words(r"worship", r"hillsong", r"bethel music", r"elevation worship", r"maverick city", r"planetshakers",
                  r"jesus culture", r"chris tomlin", r"passion(?= \||$)", r"gateway worship", r"vertical worship",
                  r"housefires", r"upperroom", r"praise", r"hymns?", r"louvor", r"adoraç[aã]o", r"alabanza",
                  r"minist[eé]rio", r"harpa crist[aã]",
                  r"we the kingdom", r"for king (&|and) country", r"casting crowns", r"mercyme", r"lauren daigle",
                  r"phil wickham", r"kari jobe", r"cody carnes", r"brandon lake", r"tauren wells", r"matt redman")
_LOFI = _words(r"lo-?fi", r"lofi hip hop", r"chillhop", r"beats to (?:study|relax|sleep)", r"study beats",
               r"chill beats", r"jazzhop", r"lofi girl")


@dataclass(frozen=True)
class Row:
    """What the tag rules look at for one track."""

    title: str
    album: str
    artists: str
    genres: Sequence[str]
    instrumentalness: float
    speechiness: float
    artist_family: str = ""
    """The artist's family from their other genres ("" when they have none)."""


def row_tags(row: Row) -> set[str]:
    """The tags one track earns on its own (before its artist's tags are spread)."""
    tags = {GENRE_TAGS[g] for g in row.genres if g in GENRE_TAGS}
    if row.artist_family:
        tags.discard("sleep")      # Bach's Air on a sleep playlist is still Bach; noise and rain tracks have no family
    if row.instrumentalness >= 0.5:
        tags.discard("worship")    # world-music's instrumental tracks are meditation and rain sounds, not hymns
    everywhere = f"{row.title} | {row.album} | {row.artists}"
    album_artist = f"{row.album} | {row.artists}"
    if _HOLIDAY.search(f"{row.title} | {row.album}"):
        tags.add("holiday")
    if _CHILDREN.search(album_artist):
        tags.add("children")
    if _COVER.search(everywhere) or _COVER_ALBUM_ARTIST.search(album_artist):
        tags.add("cover")
    if _SLEEP.search(everywhere) or (row.instrumentalness >= 0.5 and _SLEEP_TITLE_ONLY.search(row.title)
                                     and _SLEEP_TITLE_ONLY.search(album_artist)):
        tags.add("sleep")
    spoken_audio = row.speechiness >= 0.85 and row.instrumentalness < 0.3
    if (_SPOKEN.search(everywhere) or _SPOKEN_TITLE.search(row.title) or _SPOKEN_ALBUM_ARTIST.search(album_artist)
            or spoken_audio):
        tags.add("spoken")
    if _WORSHIP.search(album_artist):
        tags.add("worship")
    if _LOFI.search(everywhere) or ("chill" in row.genres and row.instrumentalness >= 0.5):
        tags.add("lofi")
    return tags


def tag_rows(rows: Sequence[Row], artists: Sequence[str], covered: Sequence[bool] = ()) -> list[str]:
    """The ";"-joined tags of each row (contract order), artist-wide tags spread to all the artist's tracks.

    ``covered``: rows :mod:`catalog.build_covers` found to be covers without a marker.
    """
    own = [row_tags(r) for r in rows]
    for tags, cover in zip(own, covered):
        if cover:
            tags.add("cover")
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    totals: dict[str, int] = defaultdict(int)
    for artist, tags in zip(artists, own):
        totals[artist] += 1
        for tag in tags:
            counts[artist][tag] += 1
    for artist, tags in zip(artists, own):
        for tag in ARTIST_WIDE:
            if totals[artist] >= 2 and counts[artist][tag] * 2 > totals[artist]:
                tags.add(tag)
    return [";".join(t for t in TAGS if t in tags) for tags in own]
