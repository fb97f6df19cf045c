"""Typed errors for input the model package refuses. Callers show ``str(error)`` to users."""


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
