"""Pictures built to stall or bloat the analysis: each is bounded before it costs much.

The files are made here, kilobytes each (``tests/fakes/pictures.py``). Work is counted in detector
passes and memory in what ``tracemalloc`` sees (NumPy arrays and Python bytes, not Pillow's own
buffers), never by the wall clock; ``bench/bench_limits.py`` measures time and resident memory.
"""

from __future__ import annotations

import io
import itertools
import struct
import tracemalloc
from collections.abc import Callable

import cv2
import numpy as np
import pytest
from PIL import Image, ImageFile

from bot import replies
from bot.i18n import words
from model import EmotionAnalyzer, ImageTooLarge, InvalidImage
from model.detect import FaceDetector
from model.settings import ModelSettings
from tests.fakes.pictures import icon, png, png_header
from tests.test_bot import PHOTO, USER, run_bot, wait

PASSES = 40
ENGLISH = words("en")
"""A small pass budget keeps these tests fast; the shipped one is ``ModelSettings.image_max_passes``."""


@pytest.fixture(scope="module")
def frugal() -> EmotionAnalyzer:
    """The analyzer with a small pass budget and a 1-megapixel working size (no deadline: passes are counted)."""
    return EmotionAnalyzer(ModelSettings(image_max_passes=PASSES, image_work_pixels=1_000_000, image_deadline=600))


@pytest.fixture(scope="module")
def patient() -> EmotionAnalyzer:
    """The shipped analyzer without its deadline, so that a busy machine cannot change what is counted."""
    return EmotionAnalyzer(ModelSettings(image_deadline=600))


@pytest.fixture
def passes(monkeypatch) -> list[int]:
    """Counts every detector pass (one model on the whole image or on one tile)."""
    count = [0]
    run = FaceDetector._run

    def counted(self, *args, **kwargs):
        count[0] += 1
        return run(self, *args, **kwargs)

    monkeypatch.setattr(FaceDetector, "_run", counted)
    return count


@pytest.fixture
def no_decoding(monkeypatch) -> None:
    """Any attempt by Pillow to decode pixels fails the test."""
    def refuse(self, *args, **kwargs):
        raise AssertionError(f"{self.format} pixels were decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", refuse)


def _strip_with_face(width: int, height: int, x: int) -> bytes:
    """A grey strip with the test portrait, nearly as tall as the strip, at ``x``."""
    canvas = np.full((height, width, 3), 120, np.uint8)
    face = cv2.resize(cv2.imdecode(np.frombuffer(PHOTO, np.uint8), cv2.IMREAD_COLOR), (height * 9 // 11, height))
    canvas[:, x:x + face.shape[1]] = face
    return cv2.imencode(".png", canvas)[1].tobytes()


# -- CPU: a bounded number of detector passes, and the reading says what was searched ------------------------
def test_a_long_strip_is_searched_from_its_start_within_the_pass_budget(frugal, passes):
    reading = frugal.analyze_image(png(60000, 64))  # tiling all of it takes over 300 passes
    assert passes[0] <= PASSES
    x, y, w, h = reading.searched
    assert (x, y, h) == (0, 0, 64) and 0 < w < 60000
    assert reading.searched_fraction == pytest.approx(w / 60000)
    assert f"searched only its left {w / 60000:.0%} closely" in replies.no_face(ENGLISH, reading)


def test_a_tall_strip_is_searched_from_its_top(frugal, passes):
    reading = frugal.analyze_image(png(64, 60000))
    assert passes[0] <= PASSES
    x, y, w, h = reading.searched
    assert (x, y, w) == (0, 0, 64) and 0 < h < 60000
    assert "searched only its top" in replies.no_face(ENGLISH, reading)


def test_pictures_up_to_4_to_1_get_their_whole_search(patient, passes):
    faceless = cv2.imencode(".jpg", np.full((1000, 4000, 3), 120, np.uint8))[1].tobytes()  # so every stage runs
    reading = patient.analyze_image(faceless)
    assert reading.searched == (0, 0, 4000, 1000) and reading.searched_fraction == 1
    assert passes[0] <= patient.settings.image_max_passes
    assert "searched" not in replies.no_face(ENGLISH, reading)


def test_a_face_in_the_searched_part_is_found_with_its_box_in_original_pixels(frugal):
    reading = frugal.analyze_image(_strip_with_face(20000, 300, x=1000))
    assert reading.size == (20000, 300) and reading.searched[2] < 20000
    assert len(reading.faces) == 1
    x, y, w, h = reading.faces[0].box
    assert 1000 <= x + w / 2 <= 1000 + 300 * 9 // 11 and 0 <= y + h / 2 <= 300


def test_no_tile_pass_starts_after_the_deadline(analyzer, passes):
    ticks = itertools.count()  # each look at the clock is one second later
    found = analyzer.detector.detect(np.full((1000, 4000, 3), 120, np.uint8), deadline=2.5,
                                     clock=lambda: float(next(ticks)))
    rows = 3  # half-side tiles across the 1000-pixel side
    assert passes[0] == len(analyzer.detector.models) + 3 * rows  # three columns of tiles, then no more
    x, y, w, h = found.searched
    assert (x, y, h) == (0, 0, 1000) and 0 < w < 4000


# -- memory: never more decoded or copied than the analysis needs ------------------------------------------
@pytest.mark.parametrize("kind,make", [
    ("16-bit grey PNG", lambda: png(3000, 2000, colour=0, depth=16)),
    ("RGBA PNG", lambda: png(3000, 2000, colour=6)),
    ("palette PNG", lambda: png(3000, 2000, colour=3, palette=256)),
    ("RGB PNG", lambda: png(3000, 2000, colour=2)),
    ("grey + alpha PNG", lambda: png(3000, 2000, colour=4)),
    ("JPEG", lambda: cv2.imencode(".jpg", np.full((3000, 4500, 3), 120, np.uint8))[1].tobytes()),
])
def test_big_pictures_are_never_held_whole_as_arrays(frugal, kind: str, make: Callable[[], bytes]):
    """6 and 13.5 MP pictures: no whole-size array (18 MB as BGR, 48 MB as float64) may ever exist."""
    data = make()
    tracemalloc.start()
    try:
        reading = frugal.analyze_image(data)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 16_000_000, f"{kind}: {peak / 1e6:.0f} MB"
    assert reading.size in ((3000, 2000), (4500, 3000)), kind


def test_16_bit_grey_is_scaled_to_8_bits_exactly(frugal):
    for value in (0x80, 0x00):  # 0x8080 of 65535 is 0x80 of 255
        preview = frugal.analyze_image(png(3000, 2000, colour=0, depth=16, value=value)).preview
        assert preview.shape[2] == 3 and np.all(preview == value)


# -- sizes checked before decoding, and the real reason given --------------------------------------------------
def test_an_over_limit_picture_is_refused_by_its_header_with_the_real_reason(analyzer, no_decoding):
    with pytest.raises(ImageTooLarge, match="9000x5000 pixels; the limit is 40,000,000"):
        analyzer.analyze_image(png_header(9000, 5000))


def test_an_icon_is_judged_by_the_picture_inside_not_what_it_declares(analyzer, no_decoding):
    with pytest.raises(ImageTooLarge, match="9000x9000"):
        analyzer.analyze_image(icon(png_header(9000, 9000), declared=256))


def test_an_icon_within_the_limit_is_read_at_its_real_size(frugal):
    reading = frugal.analyze_image(icon(png(1500, 1000, colour=2), declared=256))
    assert reading.size == (1500, 1000)


def test_an_icon_bitmap_larger_than_icons_can_be_is_refused(analyzer):
    buffer = io.BytesIO()
    Image.new("RGB", (300, 300), "grey").save(buffer, "BMP")
    dib = bytearray(buffer.getvalue()[14:])  # without the file header, as icons hold bitmaps
    struct.pack_into("<i", dib, 8, 600)  # the colour bitmap and its mask
    with pytest.raises(InvalidImage, match="300x300"):
        analyzer.analyze_image(icon(bytes(dib), declared=32))


def test_webp_is_refused_when_decoding_it_would_cost_too_much(no_decoding):
    strict = EmotionAnalyzer(ModelSettings(max_pixels=4_000_000))  # 16 MB of decoding: 2.7 MP of WebP RGB
    buffer = io.BytesIO()
    Image.new("RGB", (3000, 1000), "grey").save(buffer, "WEBP", quality=50)
    with pytest.raises(ImageTooLarge, match="3000x1000 pixels; the limit for this kind of WEBP picture"):
        strict.analyze_image(buffer.getvalue())


def test_the_bot_names_the_real_reason_and_what_was_searched(fake, frugal, catalog):
    async def scenario():
        mark = fake.mark()
        fake.user_sends_document(USER, png_header(9000, 5000), "image/png", "huge.png")
        reply = (await wait(fake, "sendMessage", USER, mark)).params["text"]
        assert "9000x5000 pixels" in reply and "limit" in reply and "damaged" not in reply

        mark = fake.mark()
        fake.user_sends_document(USER, png(60000, 64), "image/png", "strip.png")
        reply = (await wait(fake, "sendMessage", USER, mark)).params["text"]
        assert "couldn't find a face" in reply and "searched only its left" in reply

    run_bot(fake, frugal, catalog, scenario)


def test_the_note_says_which_part_was_searched_closely():
    from model import ImageEmotion

    def note(searched: tuple[int, int, int, int]) -> str:
        picture = ImageEmotion([], (100, 10000), np.zeros((8, 1, 3), np.uint8), 0.01, searched)
        return replies.searched_note(ENGLISH, picture)

    assert note((0, 0, 100, 10000)) == ""
    assert "searched only its top 25% closely" in note((0, 0, 100, 2500))
    assert "only looked at it as a whole, for large faces" in note((0, 0, 100, 50))
