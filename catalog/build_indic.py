"""Indian songs with titles in Latin letters: evidence that a track is sung in an Indian language.

Film and pop songs from India are mostly titled in Latin letters ("Dippam Dappam", "Munbe Vaa"), and the
114k table files many of them under seeds such as hip-hop, pop and indie, not only under its indian,
pop-film and malay seeds. A language identifier for European languages reads such titles as English or
Finnish. The evidence here is the catalogue's own:

* **the artists**: each artist's share of Indian tracks (a region genre or an Indian script), spread along
  shared credits: Anirudh Ravichander's Tamil songs sit under hip-hop, but his singers (Sid Sriram,
  Jonita Gandhi) have Indian tracks. A track takes the highest share among its credited artists.
* **the title**: the share of its words English does not know (``wordfreq``), film name included
  ("Hathyar - From "Sikander 2""), or a film song ("(From "Don")", an album "(Original Motion Picture
  Soundtrack)"): Indian film songs are sung in an Indian language. The artists alone do not decide:
  Prateek Kuhad sings in English too.
* **the words of Indian titles**: words that occur mostly in the titles of tracks known to be Indian
  (a region genre or script) and that English does not know ("dil", "jatt", "penne") count wherever
  they occur;
* **an Indian song's title**: a title English does not know that is the title of a known Indian song
  is a version of it (Joshua Aaron's "Munbe Vaa", a cover of the Tamil film song).

The track's evidence is the larger of artists x (unknown words or film) and the share of Indian words. Its language
is the one its title or album names ("(From "Major - Telugu")", "Tamil"), else the one most of the
artists' Indian tracks have (Malayalam for the malay seed, else the script's), else Hindi, which the
114k indian and pop-film seeds mostly hold. :mod:`catalog.build_language` weighs the evidence against
the other languages; an artist most of whose songs come out Indian has all of them Indian (Anirudh's
English-titled "So Baby" is a Tamil film song).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from functools import cache

from catalog.build_covers import song_key

INDIC = frozenset("hi bn pa gu ta te kn ml ur mr".split())
"""Codes of the Indian languages the catalogue holds (by script or region genre)."""
INDIAN_GENRES: dict[str, str] = {"indian": "hi", "pop-film": "hi", "malay": "ml"}
NAMED: dict[str, str] = {"tamil": "ta", "telugu": "te", "malayalam": "ml", "kannada": "kn", "punjabi": "pa",
                         "hindi": "hi", "bengali": "bn", "marathi": "mr"}
"""Languages a title or album names outright ("(From "Major - Telugu")")."""
_NAMED = re.compile(r"(?<!\w)(" + "|".join(NAMED) + r")(?!\w)", re.IGNORECASE)
FILM = re.compile(r"[(\[-]\s*from\s+[\"'“]|original motion picture soundtrack|\btitle (track|song)\b|\bost\b",
                   re.IGNORECASE)
"""A film song: "(From "Beast")", "- From "Sikander 2"", an album "(Original Motion Picture Soundtrack)"."""
_WORD = re.compile(r"[^\W\d_]{2,}")
_NOT_WORDS = frozenset("feat ft remix version from lofi flip reprise mashup title track remastered".split())
ROUNDS = 6
"""Rounds of spreading artists' shares along shared credits."""
UNKNOWN_ZIPF = 2.0
"""A word English uses less often than this (``wordfreq`` Zipf scale: 2 is about once per 100 million words)."""
VOCABULARY_MIN, VOCABULARY_SHARE = 3, 0.8
"""A word is an Indian-title word when at least this many known Indian titles use it and at least this
share of all titles that use it are known Indian ones."""
ARTIST_WIDE = 0.5
"""An artist's share from which all their songs follow the Indian majority of their songs..."""
ARTIST_MAJORITY = 2 / 3
"""...where at least this share of their sung Latin-script songs came out Indian (Prateek Kuhad, who sings
in English and Hindi, keeps both)."""


@cache
def _english(word: str) -> float:
    from wordfreq import zipf_frequency

    return zipf_frequency(word, "en")


def words(title: str) -> list[str]:
    """The words of a title (two letters or more, casefolded), version notes left out."""
    return [w for w in _WORD.findall(str(title).casefold()) if w not in _NOT_WORDS]


def unknown_share(title: str) -> float:
    """Share of a title's words English does not know (0 for a title without words)."""
    found = words(title)
    return sum(_english(w) < UNKNOWN_ZIPF for w in found) / len(found) if found else 0.0


def _spread(known: Sequence[float], credited: Sequence[Sequence[str]]) -> dict[str, float]:
    """Each artist's share of Indian tracks, a track counting as Indian by itself or by its other artists."""
    share: dict[str, float] = defaultdict(float)
    for _ in range(ROUNDS):
        total: dict[str, float] = defaultdict(float)
        count: Counter[str] = Counter()
        for names, k in zip(credited, known):
            for a in names:
                others = [share[b] for b in names if b != a]
                total[a] += k if k else max(others, default=share[a])
                count[a] += 1
        share = defaultdict(float, {a: total[a] / count[a] for a in count})
    return share


def evidence(titles: Sequence[str], albums: Sequence[str], credited: Sequence[Sequence[str]],
             genres: Sequence[Sequence[str]], script: Sequence[str]) -> tuple[list[float], list[str], dict[str, float]]:
    """Per track: the evidence (0-1) that it is sung in an Indian language and which one; per artist: the share.

    ``script`` is each track's language from its script ("" for Latin letters).
    """
    known_code = [script[i] if script[i] in INDIC else
                  next((INDIAN_GENRES[g] for g in genres[i] if g in INDIAN_GENRES), "") for i in range(len(titles))]
    share = _spread([1.0 if c else 0.0 for c in known_code], credited)

    in_known: Counter[str] = Counter()
    in_all: Counter[str] = Counter()
    for title, code, s in zip(titles, known_code, script):
        if s and s not in INDIC:
            continue
        distinct = set(words(title))
        in_all.update(distinct)
        if code:
            in_known.update(distinct)
    vocabulary = {w for w, n in in_known.items() if n >= VOCABULARY_MIN and n >= VOCABULARY_SHARE * in_all[w]
                  and _english(w) < UNKNOWN_ZIPF + 0.5}

    indian_songs = {song_key(t): c for t, c in zip(titles, known_code) if c}
    codes_of: dict[str, Counter[str]] = defaultdict(Counter)
    for names, code in zip(credited, known_code):
        if code:
            for a in names:
                codes_of[a][code] += 1
    out_evidence, out_code = [], []
    for title, album, names in zip(titles, albums, credited):
        found = words(title)
        own = sum(w in vocabulary for w in found) / len(found) if found else 0.0
        artists = max((share[a] for a in names), default=0.0)
        film = 1.0 if FILM.search(f"{title} | {album}") else 0.0
        unknown = unknown_share(title)
        cover = indian_songs.get(song_key(title), "") if unknown >= 0.5 else ""
        out_evidence.append(1.0 if cover else max(artists * max(unknown, film), own))
        named = _NAMED.search(f"{title} {album}")
        votes = sum((codes_of[a] for a in names), Counter())
        out_code.append(NAMED[named.group(1).lower()] if named else cover or (
            votes.most_common(1)[0][0] if votes else "hi"))
    return out_evidence, out_code, dict(share)
