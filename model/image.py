"""Decode user images safely into BGR uint8 arrays.

Pillow reads the header first, so the pixel count is checked *before* any
pixel is decompressed: a 30000x30000 PNG is refused in microseconds instead of
allocating gigabytes. EXIF orientation is applied (phones store portraits
sideways), and grayscale, alpha, 16-bit, palette and CMYK images all come out
as plain 3-channel BGR.

Plain 8-bit RGB/gray JPEG, PNG and WebP (nearly every selfie) are decoded by
OpenCV, which also applies the EXIF orientation and is several times faster
than Pillow's decode-transpose-convert path; everything else goes through Pillow.
"""

from __future__ import annotations

import io
import warnings

import cv2
import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from model.errors import ImageTooLarge, InvalidImage

_FAST_FORMATS = {"JPEG", "PNG", "WEBP"}
_BACKGROUND = (255, 255, 255)
"""Transparent areas become white, as most chat apps display them."""


def decode_image(data: bytes, max_pixels: int) -> np.ndarray:
    """Return the image in ``data`` as an upright (H, W, 3) BGR uint8 array."""
    if not data:
        raise InvalidImage("the file is empty")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image: Image.Image = Image.open(io.BytesIO(data))
            width, height = image.size
            if width * height > max_pixels:
                raise ImageTooLarge(f"the image is {width}x{height} pixels; the limit is {max_pixels:,} pixels")
            if image.format in _FAST_FORMATS and image.mode in ("RGB", "L"):
                fast = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
                if fast is not None:
                    return fast
            image.load()
            image = ImageOps.exif_transpose(image)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageTooLarge("the image has too many pixels to open safely") from None
    except UnidentifiedImageError:
        raise InvalidImage("this is not an image format I can read (JPEG, PNG, WebP, ...)") from None
    except (OSError, SyntaxError, ValueError):
        raise InvalidImage("the image is damaged or cut off") from None
    return _to_bgr(image)


def _to_bgr(image: Image.Image) -> np.ndarray:
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        pixels = np.asarray(image, dtype=np.float64)
        peak = 65535.0 if pixels.max() > 255 else 255.0
        gray = np.clip(pixels * (255.0 / peak), 0, 255).astype(np.uint8)
        return np.repeat(gray[:, :, None], 3, axis=2)
    if image.mode == "P":
        image = image.convert("RGBA")
    if image.mode in ("RGBA", "LA", "PA"):
        canvas = Image.new("RGB", image.size, _BACKGROUND)
        canvas.paste(image.convert("RGBA"), mask=image.convert("RGBA").getchannel("A"))
        image = canvas
    rgb = np.asarray(image.convert("RGB"))
    return np.ascontiguousarray(rgb[:, :, ::-1])
