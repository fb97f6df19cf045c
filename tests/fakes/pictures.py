"""Hostile pictures: files of kilobytes that decode to tens of megapixels, built in memory.

A PNG of one repeated row compresses about a thousandfold, so a 40-megapixel picture
costs under 200 KB to send; an icon's directory can declare 256x256 while holding any
PNG. The tests and ``bench/bench_limits.py`` build their worst cases from these.
"""

from __future__ import annotations

import struct
import zlib

CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}
"""Samples per pixel of each PNG colour type: grey, RGB, palette, grey + alpha, RGBA."""


def _chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


def png(width: int, height: int, colour: int = 0, depth: int = 8, value: int = 128, palette: int = 0) -> bytes:
    """A ``width`` x ``height`` PNG of colour type ``colour`` whose every sample byte is ``value``.

    ``palette`` > 0 adds that many PLTE entries (and a tRNS chunk making them half transparent)
    for colour type 3. The rows are compressed as they are made, so memory stays small.
    """
    row = b"\0" + bytes([value]) * (width * CHANNELS[colour] * depth // 8)
    packer = zlib.compressobj(9)
    rows_per_call = max(1, 4_000_000 // len(row))
    body = []
    for start in range(0, height, rows_per_call):
        body.append(packer.compress(row * min(rows_per_call, height - start)))
    body.append(packer.flush())
    extra = b""
    if palette:
        extra = _chunk(b"PLTE", bytes(range(palette)) * 3) + _chunk(b"tRNS", b"\x80" * palette)
    header = struct.pack(">IIBBBBB", width, height, depth, colour, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + extra + _chunk(b"IDAT", b"".join(body))
            + _chunk(b"IEND", b""))


def icon(entry: bytes, declared: int = 256) -> bytes:
    """A Windows icon with one entry, ``entry`` (PNG or DIB bytes), whose directory says it is ``declared`` square."""
    side = declared % 256  # the directory stores 256 as 0
    directory = struct.pack("<HHH", 0, 1, 1) + struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(entry), 22)
    return directory + entry


def png_header(width: int, height: int) -> bytes:
    """A PNG that claims ``width`` x ``height`` RGB pixels and holds almost none: refused by its header alone."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(b"\0" * 100))
            + _chunk(b"IEND", b""))
