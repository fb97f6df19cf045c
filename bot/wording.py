"""The words for things the other packages name by key: moods, genres, how a song sounds, why it was
chosen, why a file was refused, and the languages songs are sung in.

``catalog`` and ``model`` speak no user's language: a song's reason is data (:class:`catalog.Reason`)
and a refused file's problem a code (:attr:`model.InputError.why`); they are worded here, in the
user's language. Each vocabulary is a function of the :class:`~bot.i18n.Words` so that its messages
are extracted where they are written.
"""

from __future__ import annotations

from babel import Locale

from bot.i18n import Words
from catalog import STRATEGIES, TARGETS, Reason
from catalog.content import WISH_WORDS, WISHES
from model import InputError


def mood(t: Words, name: str) -> str:
    """A mood's name as the user reads it on buttons and in sentences; also a word /playlist understands."""
    return {
        # Translators: a mood's name, on buttons and as {mood} in sentences; users may also type it after /playlist,
        # so one word, no spaces.
        "angry": t.pgettext("mood", "angry"), "disgust": t.pgettext("mood", "disgust"),
        "fear": t.pgettext("mood", "fear"), "happy": t.pgettext("mood", "happy"), "sad": t.pgettext("mood", "sad"),
        "surprise": t.pgettext("mood", "surprise"), "neutral": t.pgettext("mood", "neutral"),
        "calm": t.pgettext("mood", "calm"), "energetic": t.pgettext("mood", "energetic"),
    }.get(name, name)


def family(t: Words, name: str) -> str:
    """A genre family's name (:data:`catalog.FAMILIES`)."""
    return {
        # Translators: a genre family, on the settings page and as {family} in a song's reason.
        "pop": t.pgettext("genre", "pop"), "rock": t.pgettext("genre", "rock"),
        "hip-hop": t.pgettext("genre", "hip-hop"), "electronic": t.pgettext("genre", "electronic"),
        "r&b/soul": t.pgettext("genre", "r&b/soul"), "latin": t.pgettext("genre", "latin"),
        "jazz/blues": t.pgettext("genre", "jazz/blues"),
        "classical/instrumental": t.pgettext("genre", "classical/instrumental"),
        "folk/acoustic": t.pgettext("genre", "folk/acoustic"), "metal": t.pgettext("genre", "metal"),
        "country": t.pgettext("genre", "country"), "world": t.pgettext("genre", "world"),
    }.get(name, name)


def quality(t: Words, name: str) -> str:
    """A word of how a song sounds (:data:`catalog.recommend.QUALITIES`)."""
    return {
        # Translators: how a song sounds, as {qualities} in "{qualities} {family}, {tempo} BPM"; in languages with
        # gender, the form that agrees with "song" reads best.
        "instrumental": t.pgettext("sound", "instrumental"), "acoustic": t.pgettext("sound", "acoustic"),
        "gentle": t.pgettext("sound", "gentle"), "high-energy": t.pgettext("sound", "high-energy"),
        "bright": t.pgettext("sound", "bright"), "melancholic": t.pgettext("sound", "melancholic"),
        "danceable": t.pgettext("sound", "danceable"),
    }.get(name, name)


def strategy_word(t: Words, name: str) -> str:
    """The word /playlist takes for a kind of list: "match" or "lift"."""
    # Translators: a word users type after /playlist: one word, no spaces, lower case.
    return {"match": t.pgettext("command word", "match"), "lift": t.pgettext("command word", "lift")}[name]


def wish_word(t: Words, word: str) -> str:
    """The word /playlist takes for a wish (:data:`catalog.content.WISH_WORDS`)."""
    return {
        # Translators: a word users type after /playlist to ask for songs left out by default: one word, no spaces.
        "christmas": t.pgettext("command word", "christmas"), "kids": t.pgettext("command word", "kids"),
        "covers": t.pgettext("command word", "covers"), "sleep": t.pgettext("command word", "sleep"),
        "spoken": t.pgettext("command word", "spoken"), "worship": t.pgettext("command word", "worship"),
    }.get(word, word)


def sung_in(t: Words, code: str, capital: bool = False) -> str:
    """The name of a language songs are sung in (an ISO 639-1 code), in the user's language, by Babel's data;
    ``capital`` for a button (Babel writes "español", "русский" as a sentence would)."""
    name = Locale.parse(t.locale).languages.get(code, code)
    return name[:1].upper() + name[1:] if capital else name


def _fits(t: Words, name: str) -> str:
    return {
        "angry": t.gettext("fits an angry mood"), "disgust": t.gettext("fits a disgusted mood"),
        "fear": t.gettext("fits a fearful mood"), "happy": t.gettext("fits a happy mood"),
        "sad": t.gettext("fits a sad mood"), "surprise": t.gettext("fits a surprised mood"),
        "neutral": t.gettext("fits a neutral mood"), "calm": t.gettext("fits a calm mood"),
        "energetic": t.gettext("fits an energetic mood"),
    }.get(name, name)


def _role(t: Words, why: Reason) -> str:
    if why.role == "meets":
        return t.gettext("meets your {mood} mood").format(mood=mood(t, why.mood))
    if why.role == "arrives":
        return t.gettext("arrives at {mood}").format(mood=mood(t, why.mood))
    if why.role == "step":
        return t.gettext("step {step} of {steps} toward {mood}").format(step=why.step, steps=why.steps,
                                                                       mood=mood(t, why.mood))
    return _fits(t, why.mood)


def _relaxed(t: Words, relaxed: tuple[str, ...]) -> str:
    if set(relaxed) >= {"language", "genre"}:
        return t.gettext("too few language or genre picks near this mood")
    if "language" in relaxed:
        return t.gettext("too few language picks near this mood")
    if "genre" in relaxed:
        return t.gettext("too few genre picks near this mood")
    return ""


def reason(t: Words, why: Reason, brief: bool = False) -> str:
    """Why a song: "acoustic gentle folk/acoustic, 72 BPM: step 2 of 5 toward calm"; ``brief``: "step 2 of 5 toward
    calm" alone (a caption short of room)."""
    if brief:
        return _role(t, why)
    # Translators: {family} of a song whose genre is not known.
    kind = family(t, why.family) if why.family else t.gettext("song")
    words = [quality(t, q) for q in why.qualities]
    if len(words) == 2:
        # Translators: two words of how a song sounds, e.g. "acoustic gentle".
        words = [t.gettext("{first} {second}").format(first=words[0], second=words[1])]
    # Translators: how a song sounds: "acoustic gentle folk/acoustic, 72 BPM".
    sound = (t.gettext("{qualities} {family}, {tempo} BPM").format(qualities=words[0], family=kind, tempo=why.tempo)
             if words else t.gettext("{family}, {tempo} BPM").format(family=kind, tempo=why.tempo))
    # Translators: a song's reason: how it sounds, then its place in the list ("fits a sad mood").
    text = t.gettext("{sound}: {role}").format(sound=sound, role=_role(t, why))
    note = _relaxed(t, why.relaxed)
    return f"{text} ({note})" if note else text


def input_problem(t: Words, error: InputError) -> str:
    """Why a file could not be read, in the user's words (the model's own message is English)."""
    d = error.details
    size = {"width": d.get("width"), "height": d.get("height")}
    if error.why == "empty":
        return t.gettext("the file is empty")
    if error.why == "not_image":
        return t.gettext("this is not an image format I can read (JPEG, PNG, WebP, ...)")
    if error.why == "damaged":
        return t.gettext("the image is damaged or cut off")
    if error.why == "too_many_pixels" and "format" in d:
        return t.gettext("the image is {width}x{height} pixels; the limit for this kind of {format} picture is "
                         "{limit} pixels").format(**size, format=d["format"], limit=t.number(float(d["limit"])))
    if error.why == "too_many_pixels" and "limit" in d:
        return t.gettext("the image is {width}x{height} pixels; the limit is {limit} pixels").format(
            **size, limit=t.number(float(d["limit"])))
    if error.why == "too_many_pixels":
        return t.gettext("the image has too many pixels to open safely")
    if error.why == "icon_too_large":
        return t.gettext("the icon claims a {width}x{height} bitmap; icons hold at most 256x256").format(**size)
    if error.why == "video_too_large":
        return t.gettext("the video is {megabytes} MB; the limit is {limit} MB").format(
            megabytes=t.number(float(d["megabytes"]), 1), limit=t.number(float(d["limit"])))
    if error.why == "not_video":
        return t.gettext("this is not a video I can read (MP4, WebM, GIF, ...)")
    if error.why == "video_too_many_pixels":
        return t.gettext("the video is {width}x{height} pixels; I read videos of up to {limit} megapixels a "
                         "frame").format(**size, limit=t.number(float(d["limit"]), 1))
    if error.why == "video_too_slow":
        return t.gettext("this video takes me too long to decode; a shorter or smaller clip works better")
    if error.why == "no_frames":
        return t.gettext("the video has no frames I can decode")
    return t.gettext("the file could not be read")


def command_words(t: Words) -> dict[str, str]:
    """Every word /playlist understands in the user's language (and in English), casefolded, to its English key."""
    known = {w: w for w in (*TARGETS, *STRATEGIES, *WISHES)}
    known |= {mood(t, m).casefold(): m for m in TARGETS}
    known |= {strategy_word(t, s).casefold(): s for s in STRATEGIES}
    known |= {wish_word(t, w).casefold(): w for w in WISH_WORDS}
    return known
