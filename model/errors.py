"""Typed errors for input the model package refuses. Callers show ``str(error)`` to users."""

from pathlib import Path


class InputError(ValueError):
    """The bytes given cannot be analysed; the message says why in plain words."""


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
