"""Decode user pictures safely into small, upright BGR uint8 arrays.

What a picture may cost is settled before any pixel is decoded. Pillow reads
only the header, so the real pixel count is checked against ``max_pixels``
first; an icon is checked by the picture inside it, which may be far larger
than the 256x256 its directory declares; formats outside a short list are
refused; and so is a picture whose decoder would need more memory than a
``max_pixels`` picture at 4 bytes a pixel. Then no more is decoded than the
analysis needs, ``work_pixels`` (the detector looks at tiles shrunk to 192
pixels, the classifier at 48x48 faces, so more pixels only cost memory):

* RGB and grey JPEG, nearly every photo, is decoded by libjpeg through OpenCV
  at 1/2, 1/4 or 1/8 scale when it is that large, and shrunk at once;
* WebP is decoded by OpenCV (Pillow's WebP decoder holds several copies);
* everything else (PNG of every kind, CMYK JPEG, GIF, BMP, TIFF) by Pillow in
  its own compact form, at most 4 bytes a pixel, then converted and shrunk a
  band of rows at a time (16-bit grey as float32, alpha premultiplied and laid
  on white): never a full-size float64 or a second full-size copy.

So a 40-megapixel picture holds at most 160 MB while it is decoded and 12 MB
after. EXIF orientation is applied (phones store portraits sideways), and the
result is always 3-channel BGR; transparent areas become white, as most chat
apps display them.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import BmpImagePlugin, IcoImagePlugin, Image, UnidentifiedImageError

from model.errors import ImageTooLarge, InputError, InvalidImage

_FORMATS = ("JPEG", "PNG", "WEBP", "GIF", "BMP", "TIFF")
"""What Pillow may open (icons are read apart, below): the formats people send, whose headers tell the real size."""
_ICON = b"\0\0\1\0"
_PNG = b"\x89PNG\r\n\x1a\n"
_ICON_SIDE = 256
"""The largest picture an icon's directory can declare; a bitmap entry claiming more is not an icon."""
_BAND_PIXELS = 1_000_000
"""Source pixels converted at a time on the band-by-band path."""
_ORIENTATION = 0x0112
_ORIENT: dict[int, Callable[[np.ndarray], np.ndarray]] = {
    2: lambda a: cv2.flip(a, 1),
    3: lambda a: cv2.rotate(a, cv2.ROTATE_180),
    4: lambda a: cv2.flip(a, 0),
    5: cv2.transpose,
    6: lambda a: cv2.rotate(a, cv2.ROTATE_90_CLOCKWISE),
    7: lambda a: cv2.rotate(cv2.transpose(a), cv2.ROTATE_180),
    8: lambda a: cv2.rotate(a, cv2.ROTATE_90_COUNTERCLOCKWISE),
}
"""EXIF orientation -> what turns the stored picture upright (as ``PIL.ImageOps.exif_transpose``)."""


@dataclass(frozen=True)
class Picture:
    """A decoded picture: upright BGR of at most ``work_pixels``, and the upright original's size."""

    bgr: np.ndarray
    size: tuple[int, int]
    """(width, height) of the upright original, which ``bgr`` may show smaller."""


def decode_image(data: bytes, max_pixels: int, work_pixels: int) -> Picture:
    """The picture in ``data``, upright, as BGR of at most ``work_pixels`` pixels.

    Raises :class:`InvalidImage` for what is not a readable picture and :class:`ImageTooLarge`
    for one of more than ``max_pixels``, or one whose decoding would take more memory than a
    picture of ``max_pixels`` at 4 bytes a pixel; both before any pixel is decoded.
    """
    if not data:
        raise InvalidImage("the file is empty", "empty")
    try:
        if data.startswith(_ICON):
            return _decode_icon(data, max_pixels, work_pixels)
        image = Image.open(io.BytesIO(data), formats=_FORMATS)
        width, height = image.size
        _check_size(width, height, max_pixels)
        _check_cost(image, max_pixels, work_pixels)
        bgr = _decode_opencv(data, image, work_pixels) if _opencv_reads(image) else None
        if bgr is None and image.format != "WEBP":  # Pillow would take several times the memory for WebP
            bgr = _decode_pillow(image, work_pixels)
    except InputError:
        raise
    except Image.DecompressionBombError:
        raise ImageTooLarge("the image has too many pixels to open safely", "too_many_pixels") from None
    except UnidentifiedImageError:
        raise InvalidImage("this is not an image format I can read (JPEG, PNG, WebP, ...)", "not_image") from None
    except (OSError, SyntaxError, ValueError, EOFError, cv2.error):
        bgr = None
    if bgr is None:
        raise InvalidImage("the image is damaged or cut off", "damaged")
    turned = (bgr.shape[1] > bgr.shape[0]) != (width > height) and width != height
    return Picture(bgr, (height, width) if turned else (width, height))


def _check_size(width: int, height: int, max_pixels: int) -> None:
    if width * height > max_pixels:
        raise ImageTooLarge(f"the image is {width}x{height} pixels; the limit is {max_pixels:,} pixels",
                            "too_many_pixels", width=width, height=height, limit=max_pixels)


def _check_cost(image: Image.Image, max_pixels: int, work_pixels: int) -> None:
    """Refuse a picture whose full-size decoding would take more than ``max_pixels`` at 4 bytes a pixel.

    Bytes a pixel, measured (peak resident memory): OpenCV decodes JPEG and WebP through a second
    buffer (about 6 for RGB, 8 with alpha), JPEG at the reduced size; Pillow holds PNG in its own form
    (1 for grey and palette, 2 for 16-bit grey, 4 otherwise); GIF, BMP and TIFF are counted twice that,
    as their decoders may also keep a whole-image buffer.
    """
    width, height = image.size
    pixels = width * height
    if image.format in ("JPEG", "MPO"):
        divisor = _reduction(width, height, work_pixels)
        pixels, per_pixel = (width // divisor) * (height // divisor), 6
    elif image.format == "WEBP":
        per_pixel = 8 if _has_alpha(image) else 6
    else:
        per_pixel = _PILLOW_BYTES.get(image.mode, 4) * (1 if image.format == "PNG" else 2)
    if pixels * per_pixel > 4 * max_pixels:
        most = 4 * max_pixels // per_pixel
        raise ImageTooLarge(f"the image is {width}x{height} pixels; the limit for this kind of "
                            f"{image.format} picture is {most:,} pixels", "too_many_pixels", width=width,
                            height=height, limit=most, format=str(image.format))


_PILLOW_BYTES = {"1": 1, "L": 1, "P": 1, "I;16": 2, "I;16L": 2, "I;16B": 2, "I;16N": 2}
"""Bytes a pixel of Pillow's own forms; the others take 4."""


def work_size(width: int, height: int, work_pixels: int) -> tuple[int, int]:
    """(width, height) scaled to at most ``work_pixels``, keeping the aspect ratio (down to 1-pixel strips)."""
    if width * height <= work_pixels:
        return width, height
    scale = math.sqrt(work_pixels / (width * height))
    w, h = max(1, int(width * scale)), max(1, int(height * scale))
    if w * h > work_pixels:  # a strip one pixel across keeps its length within the budget
        w, h = (work_pixels // h, h) if w > h else (w, work_pixels // w)
    return w, h


def _shrink(image: np.ndarray, work_pixels: int) -> np.ndarray:
    w, h = work_size(image.shape[1], image.shape[0], work_pixels)
    return image if (w, h) == (image.shape[1], image.shape[0]) else cv2.resize(image, (w, h),
                                                                                interpolation=cv2.INTER_AREA)


def _reduction(width: int, height: int, work_pixels: int) -> int:
    """The largest JPEG decoding scale divisor that still leaves at least ``work_pixels``."""
    return next((d for d in (8, 4, 2) if (width // d) * (height // d) >= work_pixels), 1)


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info


def _opencv_reads(image: Image.Image) -> bool:
    """RGB or grey JPEG (OpenCV decodes it reduced, and fast) and WebP (Pillow's decoder takes far more memory)."""
    return image.format == "WEBP" or image.format in ("JPEG", "MPO") and image.mode in ("RGB", "L")


_OPENCV_FLAGS = {  # divisor -> (colour, grey)
    1: (cv2.IMREAD_COLOR, cv2.IMREAD_GRAYSCALE),
    2: (cv2.IMREAD_REDUCED_COLOR_2, cv2.IMREAD_REDUCED_GRAYSCALE_2),
    4: (cv2.IMREAD_REDUCED_COLOR_4, cv2.IMREAD_REDUCED_GRAYSCALE_4),
    8: (cv2.IMREAD_REDUCED_COLOR_8, cv2.IMREAD_REDUCED_GRAYSCALE_8),
}


def _decode_opencv(data: bytes, image: Image.Image, work_pixels: int) -> np.ndarray | None:
    """OpenCV's decode (EXIF orientation applied), reduced on load for JPEG; None if OpenCV cannot read it."""
    buffer = np.frombuffer(data, np.uint8)
    if image.format == "WEBP" and _has_alpha(image):
        bgra = cv2.imdecode(buffer, cv2.IMREAD_UNCHANGED)
        if bgra is None:
            return None
        height, width = bgra.shape[:2]
        size = work_size(width, height, work_pixels)
        return _in_bands(lambda y0, y1, rows: _on_white(cv2.resize(bgra[y0:y1], (size[0], rows),
                                                                   interpolation=cv2.INTER_AREA)), width, height,
                         size)
    divisor = _reduction(*image.size, work_pixels) if image.format in ("JPEG", "MPO") else 1
    decoded = cv2.imdecode(buffer, _OPENCV_FLAGS[divisor][image.mode == "L"])
    if decoded is None:
        return None
    small = _shrink(decoded, work_pixels)
    del decoded
    return small if small.ndim == 3 else cv2.cvtColor(small, cv2.COLOR_GRAY2BGR)


def _decode_pillow(image: Image.Image, work_pixels: int) -> np.ndarray:
    """Pillow's decode in the format's own form, converted and shrunk band by band, then turned upright.

    Each band is cropped, converted to RGB, RGBA (shrunk with its alpha premultiplied, then laid
    on white) or float32 grey (16-bit, scaled to 8 bits after shrinking), and shrunk by Pillow.
    """
    if image.format in ("JPEG", "MPO"):  # CMYK and other JPEGs: libjpeg's scaled decoding too
        divisor = _reduction(*image.size, work_pixels)
        image.draft(None, (image.size[0] // divisor, image.size[1] // divisor))
    image.load()
    orientation = image.getexif().get(_ORIENTATION, 1)
    width, height = image.size
    size = work_size(width, height, work_pixels)
    mode, finish = _conversion(image)

    def band(y0: int, y1: int, rows: int) -> np.ndarray:
        part = image.crop((0, y0, width, y1))
        part = part if part.mode == mode else part.convert(mode)
        return finish(np.asarray(part.resize((size[0], rows), Image.Resampling.BOX)))

    bgr = _in_bands(band, width, height, size)
    return _ORIENT[orientation](bgr) if orientation in _ORIENT else bgr


def _conversion(image: Image.Image) -> tuple[str, Callable[[np.ndarray], np.ndarray]]:
    """The mode a band of ``image`` is shrunk in, and how a shrunk band becomes 8-bit BGR."""
    if image.mode in ("I;16", "I;16L", "I;16B", "I;16N", "I"):
        high = image.getextrema()[1]  # one band: (low, high)
        peak = 65535.0 if isinstance(high, (int, float)) and high > 255 else 255.0  # 8-bit values in 16 bits stay
        return "F", lambda grey: cv2.cvtColor(cv2.convertScaleAbs(grey, alpha=255.0 / peak), cv2.COLOR_GRAY2BGR)
    if _has_alpha(image):
        return "RGBA", lambda rgba: _on_white(rgba)[:, :, ::-1]
    return "RGB", lambda rgb: rgb[:, :, ::-1]


def _on_white(pixels: np.ndarray) -> np.ndarray:
    """Colour channels of a 4-channel array laid over white by its alpha, in integers."""
    colour, alpha = pixels[:, :, :3].astype(np.uint16), pixels[:, :, 3:].astype(np.uint16)
    return ((colour * alpha + 255 * (255 - alpha) + 127) // 255).astype(np.uint8)


def _in_bands(band: Callable[[int, int, int], np.ndarray], width: int, height: int,
              size: tuple[int, int]) -> np.ndarray:
    """A BGR picture of ``size`` built a band at a time: ``band(y0, y1, n)`` is source rows y0:y1 as n rows."""
    out_w, out_h = size
    out = np.empty((out_h, out_w, 3), np.uint8)
    step = max(1, (_BAND_PIXELS // width) * out_h // height)
    for r0 in range(0, out_h, step):
        r1 = min(out_h, r0 + step)
        out[r0:r1] = band(r0 * height // out_h, r1 * height // out_h if r1 < out_h else height, r1 - r0)
    return out


def _decode_icon(data: bytes, max_pixels: int, work_pixels: int) -> Picture:
    """An icon's largest entry (the one Pillow would open), its real size checked first.

    A PNG entry is decoded as any PNG, whatever the directory says of it; a bitmap entry
    must be what an icon can hold.
    """
    entry = IcoImagePlugin.IcoFile(io.BytesIO(data)).entry[0]
    inner = data[entry.offset:entry.offset + entry.size]
    if inner.startswith(_PNG):
        return decode_image(inner, max_pixels, work_pixels)
    width, height = BmpImagePlugin.DibImageFile(io.BytesIO(inner)).size
    height //= 2  # the colour bitmap and its mask
    _check_size(width, height, max_pixels)
    if max(width, height) > _ICON_SIDE:
        raise InvalidImage(f"the icon claims a {width}x{height} bitmap; icons hold at most 256x256",
                           "icon_too_large", width=width, height=height)
    image = Image.open(io.BytesIO(data), formats=("ICO",))
    return Picture(_decode_pillow(image, work_pixels), image.size)
