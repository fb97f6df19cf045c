"""Typed errors for input the model package refuses.

``str(error)`` says why in plain English (the model CLI, logs); ``why`` names the problem and
``details`` holds its figures, for a front end that words it in its user's language.
"""

from pathlib import Path


class InputError(ValueError):
    """The bytes given cannot be analysed."""

    def __init__(self, message: str, why: str = "unreadable", **details: int | float | str):
        super().__init__(message)
        self.why = why
        """"empty", "not_image", "damaged", "too_many_pixels", "icon_too_large", "not_video", "video_too_large",
        "video_too_many_pixels", "video_too_slow", "no_frames" (or "unreadable")."""
        self.details = details
        """The figures of the message: width, height, limit, megabytes, format..."""


class InvalidImage(InputError):
    """Not a decodable image (empty, truncated, or another kind of file)."""


class ImageTooLarge(InputError):
    """More pixels than the configured limit (e.g. a decompression bomb)."""


class InvalidVideo(InputError):
    """Not a decodable video, or one with no frames."""


class VideoTooLarge(InputError):
    """More bytes than the configured limit."""


class VideoTooSlow(InputError):
    """A video whose sampled frames could not be decoded within the time budget."""


def path_problem(path: Path, folder: bool = False) -> str | None:
    """Why ``path`` is not a file to read (with ``folder``: not a folder), in one line; None when it is one.

    Every command line checks its input paths with this before loading anything, so that a typo costs
    one line ("x.jpg: no such file") instead of a model load and a traceback.
    """
    if folder:
        return None if path.is_dir() else f"{path}: {'a file, not a folder' if path.exists() else 'no such folder'}"
    return None if path.is_file() else f"{path}: {'a directory, not a file' if path.is_dir() else 'no such file'}"
