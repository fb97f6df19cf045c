"""The sung language of every track, worked out once at build time.

Evidence, strongest first:

1. **Script.** A title (or else the artist's name) written in Hangul, Kana, Han,
   Cyrillic, Devanagari, Tamil, Malayalam, Arabic, ... names the language outright
   (Han alone is Japanese when the artist also writes Kana or the track is in a
   Japanese genre, else Chinese).
2. **No vocals.** A track Spotify rates instrumental (instrumentalness at least
   0.5 in calm instrumental genres such as classical, piano, ambient, sleep,
   study; 0.9 in metal genres, whose growls read as instrumental; at least 0.75
   elsewhere) with little speech is "zxx"; so is a track rated at least 0.15 by
   an artist at least two thirds of whose tracks have no vocals.
3. **Latin-script titles** are scored per language: a language identifier on
   the title (short titles count little: "Honest" says nothing), the same
   identifier on all of the artist's titles together (an artist usually sings in
   one language, and twenty titles are a long text), region genres as a hint
   (brazil: pt, french: fr, ...; the track's own and the mean over the artist's
   tracks), common romanised Hindi and Indonesian words (which the identifier
   does not know), and a small prior for English, the language of most of the
   catalogue, which also decides when nothing else is known. The identifier is ``lingua`` restricted to the Latin-script
   languages the catalogue holds, which keeps it fast and stops rare languages
   from winning on short texts.
4. **Not English after all.** Where English wins only by default, but most words
   of the title and of all the artist's titles are not English words (``wordfreq``'s
   English frequencies, compounds such as "Honeypie" split), the language is
   undetermined ("und"): romanised Tamil, Telugu, Punjabi and Hindi film songs,
   Nigerian and Jamaican titles, which the identifier cannot name, are not served
   as English.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from functools import cache, lru_cache

from catalog import build_indic

LATIN_LANGUAGES = ("en", "es", "pt", "fr", "de", "it", "tr", "sv", "nl", "id", "pl", "fi", "da", "nb", "ro",
                   "ca", "hr", "cs", "hu", "is", "vi")
"""Languages the identifier chooses among for Latin-script text (ISO 639-1)."""

SCRIPT_RANGES: tuple[tuple[str, str, str], ...] = (
    ("\uac00", "\ud7af", "ko"), ("\u1100", "\u11ff", "ko"), ("\u3130", "\u318f", "ko"),
    ("\u3040", "\u30ff", "kana"), ("\u31f0", "\u31ff", "kana"), ("\uff66", "\uff9f", "kana"),
    ("\u4e00", "\u9fff", "han"), ("\u3400", "\u4dbf", "han"),
    ("\u0400", "\u04ff", "cyrillic"), ("\u0900", "\u097f", "hi"), ("\u0980", "\u09ff", "bn"),
    ("\u0a00", "\u0a7f", "pa"), ("\u0a80", "\u0aff", "gu"), ("\u0b80", "\u0bff", "ta"), ("\u0c00", "\u0c7f", "te"),
    ("\u0c80", "\u0cff", "kn"), ("\u0d00", "\u0d7f", "ml"), ("\u0e00", "\u0e7f", "th"), ("\u0370", "\u03ff", "el"),
    ("\u0590", "\u05ff", "he"), ("\u0600", "\u06ff", "arabic"), ("\u0750", "\u077f", "arabic"),
    ("\ufb50", "\ufdff", "arabic"), ("\ufe70", "\ufeff", "arabic"), ("\u10a0", "\u10ff", "ka"),
    ("\u0530", "\u058f", "hy"),
)
"""Unicode blocks and the language (or script, resolved by :func:`script_language`) they name."""

GENRE_HINTS: dict[str, tuple[str, float]] = {
    "k-pop": ("ko", 2.5), "cantopop": ("zh", 2.5), "mandopop": ("zh", 2.5), "indian": ("hi", 2.0),
    "pop-film": ("hi", 2.0), "iranian": ("fa", 2.0), "turkish": ("tr", 1.5),
    "j-pop": ("ja", 1.2), "j-idol": ("ja", 1.2), "j-rock": ("ja", 1.2), "anime": ("ja", 1.2),
    "malay": ("ml", 3.0), "brazil": ("pt", 1.0), "mpb": ("pt", 1.0), "pagode": ("pt", 1.0), "samba": ("pt", 1.0),
    "sertanejo": ("pt", 1.0), "forro": ("pt", 1.0), "spanish": ("es", 1.0), "tango": ("es", 1.0),
    "salsa": ("es", 1.0), "reggaeton": ("es", 1.0), "latino": ("es", 0.8), "latin-hip-hop": ("es", 0.6),
    "latin-pop": ("es", 0.6), "latin": ("es", 0.15), "french": ("fr", 0.8), "german": ("de", 0.3),
    "swedish": ("sv", 0.4),
}
"""Language a region genre suggests and how far to trust it.

The 114k table files some artists under region genres by association: its
j-pop and j-rock seeds hold Indonesian and Turkish bands and Jamaican
dancehall (a Japanese title is in Kana anyway, so these weigh less); malay is
Malayalam film music, whose romanised titles the identifier reads as Finnish or
Indonesian, so it weighs much, but also Indonesian pop (told by its words);
german and swedish hold much English, TidyTuesday's latin playlists much English
tropical house.
"""

CALM_INSTRUMENTAL_GENRES = frozenset("classical piano ambient new-age sleep study chill".split())
"""Genres whose tracks are mostly instrumental, so a lower instrumentalness already means no vocals."""

GROWL_GENRES = frozenset("death-metal black-metal grindcore metalcore hardcore heavy-metal metal".split())
"""Genres whose growled vocals Spotify often rates instrumental: only a very high rating counts."""

ROMANISED_HINDI = re.compile(
    r"(?<!\w)(dil|tere|tera|teri|mera|meri|mere|hai|hain|pyar|pyaar|ishq|jaan|kya|nahi|zindagi|sajna|yaara|tujhe|"
    r"mujhe|kabhi|tum|hum|mein|mahi|saiyaan|jiya|aaja|raat|chand|chaand|baarish|dekha|khwab|kuch|duniya|naina|"
    r"sanam|mohabbat|dilbar|jaana|jaane|humko|tumko|tujhko|bhi|kaisi|kaise|gaya|gayi|hota|hoti|aankh\w*)(?!\w)",
    re.IGNORECASE)
"""Common Hindi/Urdu words in Latin letters: film-song titles are mostly written this way."""

INDONESIAN = re.compile(
    r"(?<!\w)(aku|kau|kamu|cinta|yang|tak|dan|ini|itu|dia|hati|sayang|apa|bukan|tanpa|untuk|dengan|akan|sudah|"
    r"jangan|selamanya|rindu|kita|kami|mereka|lagi|sampai|esok|bahagia|salah|paham|sendiri|terima|kasih|"
    r"membunuhku|salahku|tangan|sebelah|manis|kota|bunga|tetap|pergi|datang|selalu|hanya|hidup|mati|"
    r"takkan|pernah|rasa|kasihku|cintaku|dirimu|hatiku)(?!\w)", re.IGNORECASE)
"""Common Indonesian/Malay words: the 114k table files Indonesian bands under malay, j-pop and hardcore."""

NO_VOCALS = "zxx"
UNDETERMINED = "und"
ENGLISH_ZIPF = 2.0
"""A word counts as English from this Zipf frequency in ``wordfreq`` (about once in 100 million words): "hayloft"
is just under, "vaa" and "pilla" are under, "condo" and "baller" over."""
NOT_ENGLISH_SHARE = 0.5
"""Share of unknown words above which a title, and an artist's titles together, do not read as English
("Zombie Kalimba", one word of two, still does)."""
ARTIST_INSTRUMENTAL = 2 / 3
"""Share of an artist's tracks without vocals from which their other tracks need only a low rating (0.15) to
count as instrumental too: Max Richter's "November", a violin piece, rates 0.17."""
INDIC_WEIGHT = 3.0
"""How much the Indian evidence of :mod:`catalog.build_indic` (0-1) weighs against the other scores."""
_ENGLISH_PRIOR = 0.35
_WEIGHT_TITLE, _WEIGHT_ARTIST = 1.0, 1.5
_CLEAN = re.compile(r"[(\[][^)\]]*[)\]]|\s-\s.*$|\b(feat|ft|remaster(ed)?|remix|version|live|edit|mix)\b\.?",
                    re.IGNORECASE)
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


def _char_script(ch: str) -> str | None:
    for low, high, name in SCRIPT_RANGES:
        if low <= ch <= high:
            return name
    return None


def scripts(text: str) -> Counter[str]:
    """How many letters of ``text`` fall in each non-Latin script block (Latin letters are not counted)."""
    return Counter(s for ch in str(text) if ch.isalpha() and (s := _char_script(ch)))


def script_language(counts: Counter[str], japanese_context: bool = False, persian_context: bool = False,
                    text: str = "") -> str:
    """The language a set of script counts names, or "" when the text is Latin-only."""
    if not counts:
        return ""
    if counts["kana"]:
        return "ja"
    if counts["ko"]:
        return "ko"
    top = counts.most_common(1)[0][0]
    if top == "han":
        return "ja" if japanese_context else "zh"
    if top == "cyrillic":
        return "uk" if re.search("[іїєґІЇЄҐ]", text) else "ru"
    if top == "arabic":
        if re.search("[ٹڈڑںھے]", text):
            return "ur"
        return "fa" if persian_context or re.search("[پچژگکی]", text) else "ar"
    return top


def clean_title(title: str) -> str:
    """A title without version and featuring notes, for the identifier."""
    return " ".join(_CLEAN.sub(" ", str(title)).split())


@lru_cache(maxsize=1)
def _detector():
    """The lingua detector, built once per process (loading the models takes a few seconds)."""
    from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

    languages = [Language.from_iso_code_639_1(IsoCode639_1.from_str(code)) for code in LATIN_LANGUAGES]
    return LanguageDetectorBuilder.from_languages(*languages).with_preloaded_language_models().build()


def identify(texts: Sequence[str]) -> list[dict[str, float]]:
    """Confidence per language (summing to 1) for each text; {} for a text without letters."""
    detector = _detector()
    todo = [i for i, t in enumerate(texts) if _WORD.search(t)]
    results = detector.compute_language_confidence_values_in_parallel([texts[i] for i in todo])
    out: list[dict[str, float]] = [{} for _ in texts]
    for i, values in zip(todo, results):
        out[i] = {v.language.iso_code_639_1.name.lower(): v.value for v in values if v.value > 0.01}
    return out


_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")


@cache
def _english(word: str) -> bool:
    """Whether a lower-case word is English: frequent enough, or up to three common words run together
    ("honeypie", "hitmyline")."""
    from wordfreq import zipf_frequency

    return zipf_frequency(word, "en") >= ENGLISH_ZIPF or _common_words(word, 3)


@cache
def _common_words(word: str, parts: int) -> bool:
    """Whether ``word`` is at most ``parts`` common English words run together; a two-letter one must be very
    common ("my", not "ka")."""
    from wordfreq import zipf_frequency

    if zipf_frequency(word, "en") >= (5.0 if len(word) == 2 else 3.8):
        return True
    return parts > 1 and any(_common_words(word[:k], 1) and _common_words(word[k:], parts - 1)
                             for k in range(2, len(word) - 1))


def unknown_words(text: str) -> tuple[int, int]:
    """(words that are not English, words) of a text; camelCase runs ("RepeatInfinite") are split first."""
    words = [w for w in _WORD.findall(_CAMEL.sub(" ", text).casefold()) if len(w) >= 2]
    return sum(not _english(w) for w in words), len(words)


def _reliability(text: str, full: int) -> float:
    """How far to trust the identifier on ``text``: by its number of words, full trust at ``full`` words."""
    words = len(_WORD.findall(text))
    return min(1.0, words / full) ** 1.5


def _genre_hint(track_genres: Iterable[Iterable[str]]) -> dict[str, float]:
    """Mean region-genre hint over some tracks (an artist's: Pritam's romanised titles are Hindi).

    Within a track, a language counts once at its strongest genre (j-pop and j-rock together are one hint).
    """
    hint: dict[str, float] = defaultdict(float)
    n = 0
    for listed in track_genres:
        n += 1
        strongest: dict[str, float] = {}
        for genre in listed:
            if genre in GENRE_HINTS:
                lang, weight = GENRE_HINTS[genre]
                strongest[lang] = max(weight, strongest.get(lang, 0.0))
        for lang, weight in strongest.items():
            hint[lang] += weight
    return {lang: value / n for lang, value in hint.items()} if n else {}


def _has_vocals(instrumentalness: float, speechiness: float, genres: Iterable[str]) -> bool:
    listed = set(genres)
    threshold = 0.5 if CALM_INSTRUMENTAL_GENRES & listed else 0.9 if GROWL_GENRES & listed else 0.75
    return not (instrumentalness >= threshold and speechiness < 0.33)


def languages(titles: Sequence[str], artists: Sequence[str], genres: Sequence[Sequence[str]],
              instrumentalness: Sequence[float], speechiness: Sequence[float], albums: Sequence[str] | None = None,
              credited: Sequence[Sequence[str]] | None = None) -> list[str]:
    """The language code of each track ("zxx" for no vocals; English when nothing else is known).

    ``credited``: every artist of each track (default: the first only), for the Indian evidence of
    :mod:`catalog.build_indic`; ``albums`` may name the language ("(From "Major - Telugu")").
    """
    n = len(titles)
    albums = albums if albums is not None else [""] * n
    credited = credited if credited is not None else [[str(a)] for a in artists]
    japanese = {g for g, (lang, _) in GENRE_HINTS.items() if lang == "ja"}
    by_artist: dict[str, list[int]] = defaultdict(list)
    for i, artist in enumerate(artists):
        by_artist[str(artist)].append(i)
    artist_kana = {a: any(scripts(titles[i])["kana"] for i in rows) for a, rows in by_artist.items()}

    def script_of(i: int) -> str:
        text = str(titles[i])
        context = bool(japanese.intersection(genres[i])) or artist_kana[str(artists[i])] or \
            bool(scripts(artists[i])["kana"])
        found = script_language(scripts(text), context, "iranian" in genres[i], text)
        if not found:
            found = script_language(scripts(artists[i]), context, "iranian" in genres[i], str(artists[i]))
        return found

    by_script = [script_of(i) for i in range(n)]
    cleaned = [clean_title(t) for t in titles]
    artist_names = list(by_artist)
    artist_texts = [". ".join(dict.fromkeys(cleaned[i] for i in by_artist[a] if not by_script[i]))
                    for a in artist_names]
    title_conf = identify(cleaned)
    artist_conf = dict(zip(artist_names, identify(artist_texts)))
    artist_rel = {a: _reliability(t, 8) for a, t in zip(artist_names, artist_texts)}
    artist_script = {a: Counter(by_script[i] for i in rows if by_script[i]) for a, rows in by_artist.items()}
    artist_hint = {a: _genre_hint(genres[i] for i in rows) for a, rows in by_artist.items()}
    artist_unknown = {a: _share(unknown_words(cleaned[i]) for i in dict.fromkeys(rows) if not by_script[i])
                      for a, rows in by_artist.items()}
    indic, indic_code, indic_share = build_indic.evidence(titles, albums, credited, genres, by_script)

    vocals = [_has_vocals(instrumentalness[i], speechiness[i], genres[i]) for i in range(n)]
    instrumental_artist = {a: len(rows) >= 3 and sum(not vocals[i] for i in rows) >= ARTIST_INSTRUMENTAL * len(rows)
                           for a, rows in by_artist.items()}
    out = []
    for i in range(n):
        if not vocals[i] or (instrumental_artist[str(artists[i])] and instrumentalness[i] >= 0.15
                             and speechiness[i] < 0.33):
            out.append(NO_VOCALS)
            continue
        if by_script[i]:
            out.append(by_script[i])
            continue
        artist = str(artists[i])
        others = artist_script[artist]
        if others and sum(others.values()) * 2 > len(by_artist[artist]):
            out.append(others.most_common(1)[0][0])   # a K-pop group's English-titled song is still K-pop
            continue
        score: dict[str, float] = defaultdict(float)
        score["en"] += _ENGLISH_PRIOR
        rel = _reliability(cleaned[i], 4)
        for lang, value in title_conf[i].items():
            score[lang] += _WEIGHT_TITLE * rel * value
        for lang, value in artist_conf[artist].items():
            score[lang] += _WEIGHT_ARTIST * artist_rel[artist] * value
        if ROMANISED_HINDI.search(cleaned[i]):
            score["hi"] += 2.0
        score["id"] += 3.5 * min(2, len(INDONESIAN.findall(cleaned[i])))
        for lang, value in _genre_hint([genres[i]]).items():
            score[lang] += value
        for lang, value in artist_hint[artist].items():
            score[lang] += value
        score[indic_code[i]] += INDIC_WEIGHT * indic[i]
        best = max(score, key=score.__getitem__)
        if best == "en" and min(_share([unknown_words(cleaned[i])]), artist_unknown[artist]) > NOT_ENGLISH_SHARE:
            best = UNDETERMINED
        out.append(best)
    return _artist_wide_indic(out, by_artist, by_script, indic_share)


def _artist_wide_indic(found: list[str], by_artist: dict[str, list[int]], by_script: Sequence[str],
                       share: dict[str, float]) -> list[str]:
    """An Indian artist (by shared credits) most of whose sung Latin-script songs came out Indian has all of
    them in that language: Anirudh Ravichander's "So Baby" is a Tamil film song."""
    out = list(found)
    for artist, rows in by_artist.items():
        if share.get(artist, 0.0) < build_indic.ARTIST_WIDE:
            continue
        sung = [i for i in rows if not by_script[i] and found[i] != NO_VOCALS]
        indian = Counter(found[i] for i in sung if found[i] in build_indic.INDIC)
        if sung and sum(indian.values()) >= build_indic.ARTIST_MAJORITY * len(sung):
            code = indian.most_common(1)[0][0]
            for i in sung:
                if found[i] not in build_indic.INDIC:
                    out[i] = code
    return out


def _share(counts: Iterable[tuple[int, int]]) -> float:
    """Pooled share of unknown words over (unknown, total) counts; 0 without words."""
    unknown = total = 0
    for u, n in counts:
        unknown, total = unknown + u, total + n
    return unknown / total if total else 0.0
