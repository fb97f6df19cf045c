"""The bot against hostile and clumsy input: each test is a defect found by probing it.

All of them drive the real Application against the local fake Bot API, which
enforces Telegram's limits (sendPhoto dimensions, 4096-character messages).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time

import cv2
import numpy as np

from bot.app import build_application
from bot.runner import running
from tests.test_bot import PHOTO, USER, _settings, run_bot, wait


def _jpeg(width: int, height: int) -> bytes:
    """A large photo with the test portrait in it."""
    canvas = np.full((height, width, 3), 120, np.uint8)
    face = cv2.resize(cv2.imdecode(np.frombuffer(PHOTO, np.uint8), cv2.IMREAD_COLOR), (height * 9 // 22, height // 2))
    y, x = height // 4, (width - face.shape[1]) // 2
    canvas[y:y + face.shape[0], x:x + face.shape[1]] = face
    return cv2.imencode(".jpg", canvas, [cv2.IMWRITE_JPEG_QUALITY, 80])[1].tobytes()


def test_huge_photos_get_a_small_annotated_copy_and_songs(fake, analyzer, catalog):
    async def scenario():
        for width, height in ((7000, 5000), (12000, 1500)):
            mark = fake.mark()
            fake.user_sends_document(USER, _jpeg(width, height), "image/jpeg", "big.jpg")
            reply = await wait(fake, "sendPhoto", USER, mark)  # the fake refuses what Telegram would
            picture = cv2.imdecode(np.frombuffer(reply.files["photo"], np.uint8), cv2.IMREAD_COLOR)
            assert max(picture.shape[:2]) <= 1280 and sum(picture.shape[:2]) <= 10_000
            assert reply.params["caption"].count("open.spotify.com/track/") == 5, (width, height)

    run_bot(fake, analyzer, catalog, scenario)


def test_a_refused_photo_falls_back_to_text(fake, analyzer, catalog):
    async def scenario():
        fake.fail("sendPhoto", 400, "Bad Request: PHOTO_INVALID_DIMENSIONS")
        mark = fake.mark()
        fake.user_sends_photo(USER, PHOTO)
        reply = await wait(fake, "sendMessage", USER, mark)
        assert "You look" in reply.params["text"] and reply.params["text"].count("open.spotify.com/track/") == 5

    run_bot(fake, analyzer, catalog, scenario)


def test_downloads_stop_at_the_limit_and_the_deadline(fake, analyzer, catalog):
    limit = 1_000_000

    async def scenario():
        liar = fake.add_file(PHOTO, declared=50_000, body_bytes=400_000_000)  # says 50 kB, sends 400 MB
        mark = fake.mark()
        fake.user_sends_photo(USER, PHOTO, size=50_000, file_id=liar)
        assert "too large" in (await wait(fake, "sendMessage", USER, mark)).params["text"]
        assert fake.file(liar).served < 20 * limit  # the bot hung up soon after the limit

        dripping = fake.add_file(PHOTO, drip=0.3)
        mark = fake.mark()
        started = time.monotonic()
        fake.user_sends_photo(USER, PHOTO, file_id=dripping)
        assert "too long" in (await wait(fake, "sendMessage", USER, mark)).params["text"]
        assert time.monotonic() - started < 6

        mark = fake.mark()
        fake.user_sends_photo(USER, PHOTO, file_id="expired-or-forged-id")
        assert "couldn't fetch" in (await wait(fake, "sendMessage", USER, mark)).params["text"]

    run_bot(fake, analyzer, catalog, scenario, BOT_MAX_FILE_BYTES=limit, BOT_DOWNLOAD_TIMEOUT=2)


def test_forged_and_stale_buttons_are_answered_and_change_nothing(fake, analyzer, catalog):
    async def scenario():
        catalog.record_mood(USER, [0, 0, 0, 1, 0, 0, 0], "photo")
        message = {"message_id": 77, "date": int(time.time()), "chat": {"id": USER, "type": "private"},
                   "from": {"id": 1000, "is_bot": True, "first_name": "MoodTunes"}, "text": "old"}
        for data in ("fb:like:999999999", "abc", "fb:", "fb:love:1", "fb:like:99999999999999999999",
                     "fb:like:-1", "forget:maybe", "more:extra", ""):
            query = fake.user_presses(USER, message, data)
            answer = await asyncio.to_thread(fake.answered, query)
            assert "expired" in answer.params.get("text", ""), data
        for data in ("more", "fb:like:1", "forget:yes"):  # a press whose message Telegram no longer has
            answer = await asyncio.to_thread(fake.answered, fake.user_presses(USER, None, data))
            assert answer.params.get("text"), data
        assert catalog.feedback_of(USER) == {1: "like"}  # the one real song id, pressed without its message
        assert catalog.latest_mood(USER) is not None  # forget:yes without its message deleted nothing

    run_bot(fake, analyzer, catalog, scenario)


def test_someone_elses_forget_button_in_a_group_does_nothing(fake, analyzer, catalog):
    group = {"id": -900, "type": "group", "title": "Friends"}
    other = USER + 1

    async def scenario():
        catalog.record_mood(other, [0, 0, 0, 1, 0, 0, 0], "photo")
        mark = fake.mark()
        fake.user_sends_text(USER, "/forget@moodtunes_test_bot", chat=group)
        await wait(fake, "sendMessage", -900, mark)
        sent = fake.sent[max(fake.sent)]
        assert sent["reply_to_message"]["from"]["id"] == USER  # the confirmation quotes who asked
        answer = await asyncio.to_thread(fake.answered, fake.user_presses(other, sent, "forget:yes"))
        assert "someone else" in answer.params["text"]
        assert catalog.latest_mood(other) is not None
        mark = fake.mark()
        fake.user_presses(USER, sent, "forget:yes")
        assert "Done" in (await wait(fake, "editMessageText", -900, mark)).params["text"]

    run_bot(fake, analyzer, catalog, scenario)


def test_other_kinds_of_message_get_a_pointer(fake, analyzer, catalog):
    kinds = {
        "sticker": {"sticker": {"file_id": "s1", "file_unique_id": "s1u", "type": "regular", "width": 512,
                                "height": 512, "is_animated": False, "is_video": False}},
        "voice": {"voice": {"file_id": "v1", "file_unique_id": "v1u", "duration": 2}},
        "audio": {"audio": {"file_id": "a1", "file_unique_id": "a1u", "duration": 200}},
        "location": {"location": {"latitude": 52.5, "longitude": 13.4}},
        "contact": {"contact": {"phone_number": "+100", "first_name": "Ann"}},
        "dice": {"dice": {"emoji": "🎲", "value": 3}},
    }

    async def scenario():
        for name, content in kinds.items():
            mark = fake.mark()
            fake.user_sends(USER, **content)
            assert "selfie" in (await wait(fake, "sendMessage", USER, mark)).params["text"], name

        mark = fake.mark()
        fake.user_sends_text(USER, "/playlist " + "x" * 5000)  # echoed only in part, so the reply fits
        reply = await wait(fake, "sendMessage", USER, mark)
        assert "don't know" in reply.params["text"] and len(reply.params["text"]) < 200

    run_bot(fake, analyzer, catalog, scenario)


def test_work_left_by_a_dead_process_is_apologised_for_once(fake, analyzer, catalog):
    from sqlalchemy import update as sql_update

    from catalog.schema import PendingWork

    work = catalog.begin_work(USER, USER, 4242)
    with catalog.session.begin() as s:  # as if its process was killed ten minutes ago
        s.execute(sql_update(PendingWork).where(PendingWork.id == work)
                  .values(started_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=10)))
    catalog.begin_work(USER + 1, USER + 1, 4343)  # another replica's running work: left alone

    async def scenario():
        sorry = await wait(fake, "sendMessage", USER)
        assert "send it again" in sorry.params["text"] and '"message_id": 4242' in sorry.params["reply_parameters"]
        await asyncio.sleep(0.5)
        assert fake.count("sendMessage") == 1

    run_bot(fake, analyzer, catalog, scenario)
    assert [(w.chat_id, w.message_id) for w in catalog.claim_unfinished(0)] == [(USER + 1, 4343)]


def test_shutdown_is_bounded_and_cut_work_is_told_to_resend(fake, analyzer, catalog):
    async def main():
        app = build_application(_settings(fake, BOT_SHUTDOWN_GRACE=0.5, BOT_DOWNLOAD_TIMEOUT=60), analyzer, catalog)
        async with running(app, poll_timeout=1):
            dripping = fake.add_file(PHOTO, drip=0.5)  # a download that would take minutes
            mark = fake.mark()
            fake.user_sends_photo(USER, PHOTO, file_id=dripping)
            await wait(fake, "getFile", None, mark)
            await asyncio.sleep(0.5)
            stopping = time.monotonic()
        assert time.monotonic() - stopping < 5
        sorry = await wait(fake, "sendMessage", USER, mark, timeout=5)
        assert "send it again" in sorry.params["text"]
        assert catalog.claim_unfinished(0) == []  # nothing left behind for a later process

    asyncio.run(main())


def test_a_forget_during_analysis_keeps_nothing(catalog):
    work = catalog.begin_work(USER, USER, 1)
    catalog.forget(USER)
    assert catalog.record_mood(USER, [0, 0, 0, 1, 0, 0, 0], "photo", work) is None
    assert catalog.latest_mood(USER) is None and catalog.forget(USER)["user"] == 0
