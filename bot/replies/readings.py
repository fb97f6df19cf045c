"""What a reading says: the mood of a photo's faces or a video, the runners-up, and what to try when no face was
found."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.i18n import Words
from bot.replies.common import mood_label, mood_line
from bot.wording import mood
from model import FaceEmotion, ImageEmotion, Reading, VideoEmotion


def _alternatives(t: Words, ranked: Sequence[tuple[str, float]]) -> str:
    return ", ".join(f"{mood(t, label)} {t.percent(p)}" for label, p in ranked[1:3])


def photo_summary(t: Words, faces: Sequence[FaceEmotion]) -> str:
    """The headline of a photo reply; the largest face decides the music."""
    main = faces[0]
    text = (t.gettext("You look {mood}").format(mood=mood_line(t, main.label, main.confidence)) + "\n"
            + t.gettext("Also possible: {moods}").format(moods=_alternatives(t, main.ranked())))
    if len(faces) > 1:
        others = ", ".join(mood_label(t, f.label) for f in faces[1:6])
        text += "\n\n" + t.ngettext("👥 I see {n} face; the music follows the largest. The others: {others}.",
                                    "👥 I see {n} faces; the music follows the largest. The others: {others}.",
                                    len(faces)).format(n=len(faces), others=others)
    return text


def camera_summary(t: Words, ranked: Sequence[tuple[str, float]]) -> str:
    """The headline of a mood saved from the live camera: a photo's, saying where it was read."""
    label, confidence = ranked[0]
    return (t.gettext("📷 On the live camera you look {mood}").format(mood=mood_line(t, label, confidence)) + "\n"
            + t.gettext("Also possible: {moods}").format(moods=_alternatives(t, ranked)))


def video_summary(t: Words, video: VideoEmotion) -> str:
    """The headline of a video reply; it names the part of the video actually analysed."""
    if video.label is None or video.confidence is None:
        return no_face_video(t)
    line = mood_line(t, video.label, video.confidence)
    if video.seconds_analysed >= video.duration - 0.5:
        head = t.gettext("Over {seconds} s you look mostly {mood}").format(
            seconds=t.number(video.seconds_analysed), mood=line)
    else:
        head = t.gettext("In the first {seconds} s of {duration} s you look mostly {mood}").format(
            seconds=t.number(video.seconds_analysed), duration=t.number(video.duration), mood=line)
    moments = len(video.timeline)
    seen = t.ngettext("face seen in {found} of {n} moment", "face seen in {found} of {n} moments", moments).format(
        found=video.frames_with_face, n=moments)
    return head + "\n" + t.gettext("Also there: {moods}").format(moods=_alternatives(t, video.ranked())) + " · " + seen


@dataclass(frozen=True)
class Headline:
    """What the music follows in a reading: its probabilities, label, source kind and summary text."""

    probs: tuple[float, ...]
    label: str
    source: str
    summary: str
    ranked: list[tuple[str, float]]


def headline(t: Words, reading: Reading) -> Headline | None:
    """The largest face of a picture, or a video's overall mood; None when no face was found."""
    if isinstance(reading, ImageEmotion):
        if not reading.faces:
            return None
        main = reading.faces[0]
        summary = photo_summary(t, reading.faces) + searched_note(t, reading)
        return Headline(main.probs, main.label, "photo", summary, main.ranked())
    if reading.probs is None or reading.label is None:
        return None
    return Headline(reading.probs, reading.label, "video", video_summary(t, reading), reading.ranked())


def no_face(t: Words, reading: Reading, buttons: bool = True) -> str:
    """What to try next; with ``buttons`` (the mood keyboard under it), the invitation to pick a mood by hand."""
    if isinstance(reading, ImageEmotion):
        tips = t.gettext("Tips: face the camera, make sure your face is well lit and not too small, and avoid "
                         "strong backlight.")
        return (t.gettext("🤔 I couldn't find a face in that picture.") + searched_note(t, reading) + "\n" + tips
                + (" " + t.gettext("Or pick your mood:") if buttons else ""))
    return no_face_video(t)


def no_face_video(t: Words) -> str:
    return t.gettext("🤔 I couldn't find a face in that video. Try again facing the camera in good light.")


def searched_note(t: Words, picture: ImageEmotion) -> str:
    """One sentence saying what was searched when the work budget cut a picture's search short; "" if it did not.

    The whole picture is always looked at once, shrunk, which finds large faces; the budget cuts the
    closer look, tile by tile from the start of its long side, that small faces need.
    """
    fraction = picture.searched_fraction
    if fraction >= 1:
        return ""
    if fraction < 0.01:
        note = t.gettext("📏 That picture is too big to search whole in time, so I only looked at it as a whole, "
                         "for large faces.")
    elif picture.searched[2] < picture.size[0]:
        note = t.gettext("📏 That picture is too big to search whole in time, so I searched only its left "
                         "{percent} closely.").format(percent=t.percent(fraction))
    else:
        note = t.gettext("📏 That picture is too big to search whole in time, so I searched only its top "
                         "{percent} closely.").format(percent=t.percent(fraction))
    return "\n" + note
