"""The bot end to end: the real python-telegram-bot Application against a local fake Bot API over HTTP."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import cv2
import numpy as np
import pytest

from bot.app import build_application
from bot.runner import running
from bot.settings import BotSettings, ConfigError, check
from tests.fakes.telegram import TOKEN, FakeTelegram
from tests.ports import free_port

DATA = Path(__file__).parent / "data"
PHOTO = (DATA / "congress_A000210.jpg").read_bytes()
USER = 501


def _settings(fake: FakeTelegram, **overrides) -> BotSettings:
    values = {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_BASE_URL": fake.base_url,
              "TELEGRAM_BASE_FILE_URL": fake.base_file_url, "BOT_RATE_LIMIT": 6, **overrides}
    return BotSettings(**values)


def run_bot(fake: FakeTelegram, analyzer, catalog, scenario: Callable[[], Awaitable[None]], **overrides) -> None:
    """Start the real Application (long polling against the fake, as `python -m bot` runs it), run the scenario."""
    async def main() -> None:
        app = build_application(_settings(fake, **overrides), analyzer, catalog)
        async with running(app, poll_timeout=1):
            await scenario()

    asyncio.run(main())


async def wait(fake: FakeTelegram, method: str, chat_id: int | None = USER, after: int = 0, timeout: float = 60):
    return await asyncio.to_thread(fake.wait_for, method, chat_id, after, timeout)


def buttons(call) -> list[list[dict]]:
    return json.loads(call.params["reply_markup"])["inline_keyboard"]


def test_photo_gets_emotion_and_songs_and_buttons_work(fake, analyzer, catalog):
    async def scenario():
        commands = await wait(fake, "setMyCommands", None)
        assert {c["command"] for c in json.loads(commands.params["commands"])} >= {"mood", "playlist", "help", "forget"}

        fake.user_sends_photo(USER, PHOTO)
        reply = await wait(fake, "sendPhoto")
        caption = reply.params["caption"]
        assert "You look" in caption and "%" in caption and "Songs for your" in caption
        assert caption.count("open.spotify.com/track/") == 5 and "youtube.com/results" in caption
        assert cv2.imdecode(np.frombuffer(reply.files["photo"], np.uint8), cv2.IMREAD_COLOR) is not None
        keyboard = buttons(reply)
        assert [b["text"] for b in keyboard[-2]] == ["🔁 More", "🌈 Lift my mood", "💾 Save"]
        assert keyboard[-1][0]["text"].startswith("Not ") and keyboard[-1][-1]["callback_data"] == "fix:other"
        assert catalog.latest_mood(USER).source == "photo"

        sent = fake.sent[max(fake.sent)]
        like = keyboard[0][0]["callback_data"]
        mark = fake.mark()
        fake.user_presses(USER, sent, like)
        await wait(fake, "answerCallbackQuery", None, mark)
        edit = await wait(fake, "editMessageReplyMarkup", USER, mark)
        assert buttons(edit)[0][0]["text"].startswith("✅")
        assert catalog.feedback_of(USER) == {int(like.split(":")[2]): "like"}

        mark = fake.mark()
        fake.user_presses(USER, sent, "lift")
        lifted = await wait(fake, "sendMessage", USER, mark)
        from catalog.moods import lift_target

        emotion = catalog.latest_mood(USER).emotion
        assert f"From {emotion} toward {lift_target(emotion)}" in lifted.params["text"]
        assert lifted.params["text"].count("open.spotify.com/track/") == 5

        mark = fake.mark()
        fake.user_presses(USER, sent, "more")
        more = await wait(fake, "sendMessage", USER, mark)
        assert f"Songs for your {emotion} mood" in more.params["text"] and "<i>" in more.params["text"]

    run_bot(fake, analyzer, catalog, scenario)


def test_commands(fake, analyzer, catalog):
    async def scenario():
        for command, expected in (("/start", "selfie"), ("/help", "/playlist"),
                                  ("/privacy", "never written to disk"), ("/mood", "send me a selfie"),
                                  ("/playlist", "send me a selfie"), ("/history", "send me a selfie"),
                                  ("/dance", "don't know that command"), ("hello there", "Send me a selfie")):
            mark = fake.mark()
            fake.user_sends_text(USER, command)
            reply = await wait(fake, "sendMessage", USER, mark)
            assert expected.lower() in reply.params["text"].lower(), (command, reply.params["text"])

        catalog.record_mood(USER, [0, 0, 0, 0, 0.9, 0, 0.1], "photo")
        catalog.record_mood(USER, [0, 0, 0, 0.8, 0, 0.2, 0], "video")
        mark = fake.mark()
        fake.user_sends_text(USER, "/mood")
        chart = await wait(fake, "sendPhoto", USER, mark)
        assert "latest mood" in chart.params["caption"] and "happy" in chart.params["caption"]
        assert chart.files["photo"][:8] == b"\x89PNG\r\n\x1a\n"

        mark = fake.mark()
        fake.user_sends_text(USER, "/history")
        assert "sad" in (await wait(fake, "sendMessage", USER, mark)).params["text"]

        mark = fake.mark()
        fake.user_sends_text(USER, "/playlist lift calm")
        playlist = await wait(fake, "sendMessage", USER, mark)
        assert "toward calm" in playlist.params["text"]

        mark = fake.mark()
        fake.user_sends_text(USER, "/playlist sideways")
        assert "don't know" in (await wait(fake, "sendMessage", USER, mark)).params["text"]

    run_bot(fake, analyzer, catalog, scenario)


def test_forget_needs_confirmation_and_deletes_everything(fake, analyzer, catalog):
    async def scenario():
        catalog.record_mood(USER, [0, 0, 0, 1, 0, 0, 0], "photo")
        mark = fake.mark()
        fake.user_sends_text(USER, "/forget")
        ask = await wait(fake, "sendMessage", USER, mark)
        assert [b["callback_data"] for b in buttons(ask)[0]] == ["forget:yes", "forget:no"]
        msg = fake.sent[max(fake.sent)]

        mark = fake.mark()
        fake.user_presses(USER, msg, "forget:no")
        assert "kept" in (await wait(fake, "editMessageText", USER, mark)).params["text"]
        assert catalog.latest_mood(USER) is not None

        mark = fake.mark()
        fake.user_presses(USER, msg, "forget:yes")
        done = await wait(fake, "editMessageText", USER, mark)
        assert "deleted 1 mood" in done.params["text"]
        assert catalog.latest_mood(USER) is None

    run_bot(fake, analyzer, catalog, scenario)


def test_video_note_gets_mood_timeline_and_songs(fake, analyzer, catalog, tmp_path):
    face = cv2.imread(str(DATA / "congress_A000210.jpg"))
    path = tmp_path / "note.mp4"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 10.0, (384, 384))
    for i in range(25):
        frame = np.full((384, 384, 3), 80, np.uint8)
        frame[50:325, 60 + i:285 + i] = face
        writer.write(frame)
    writer.release()

    async def scenario():
        fake.user_sends_video_note(USER, path.read_bytes())
        reply = await wait(fake, "sendPhoto")
        assert "you look mostly" in reply.params["caption"] and "moments" in reply.params["caption"]
        assert reply.files["photo"][:8] == b"\x89PNG\r\n\x1a\n"  # the timeline chart
        assert catalog.latest_mood(USER).source == "video"

        mark = fake.mark()
        fake.user_sends_video_note(USER, b"\x00" * 4000)
        bad = await wait(fake, "sendMessage", USER, mark)
        assert "couldn't read" in bad.params["text"]

    run_bot(fake, analyzer, catalog, scenario)


def test_documents_no_face_and_oversized_files(fake, analyzer, catalog):
    async def scenario():
        fake.user_sends_document(USER, PHOTO, "image/jpeg", "me.jpg")
        assert "You look" in (await wait(fake, "sendPhoto")).params["caption"]

        for data, mime, name, expected in (
            (b"%PDF-1.4 not for me", "application/pdf", "cv.pdf", "photos, image files, videos"),
            (b"corrupt", "image/jpeg", "broken.jpg", "couldn't read"),
            (cv2.imencode(".png", np.full((300, 300, 3), 200, np.uint8))[1].tobytes(), "image/png", "wall.png",
             "couldn't find a face"),
        ):
            mark = fake.mark()
            fake.user_sends_document(USER, data, mime, name)
            reply = await wait(fake, "sendMessage", USER, mark)
            assert expected in reply.params["text"], name

        mark = fake.mark()
        fake.user_sends_photo(USER, PHOTO, size=30_000_000)
        reply = await wait(fake, "sendMessage", USER, mark)
        assert "too large" in reply.params["text"]
        assert fake.count("getFile", mark) == 0  # refused before download

    run_bot(fake, analyzer, catalog, scenario)


def test_flood_of_photos_is_rate_limited_politely_and_told_once(fake, analyzer, catalog):
    async def scenario():
        mark = fake.mark()
        for _ in range(12):
            fake.user_sends_photo(USER, PHOTO)
        deadline = time.monotonic() + 60
        while fake.count("sendPhoto", mark) < 2 and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        await asyncio.sleep(1.0)  # let every refusal through
        assert fake.count("sendPhoto", mark) == 2
        polite = [c for c in fake.calls[mark:] if c.method == "sendMessage"]
        assert len(polite) == 1 and "wait" in polite[0].params["text"]  # ten refusals, one message

    run_bot(fake, analyzer, catalog, scenario, BOT_RATE_LIMIT=2)


def test_telegram_429_is_retried_but_a_500_send_is_not_repeated(fake, analyzer, catalog):
    async def scenario():
        fake.fail("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
        mark = fake.mark()
        started = time.monotonic()
        fake.user_sends_text(USER, "/help")
        await wait(fake, "sendMessage", USER, mark)
        while fake.count("sendMessage", mark) < 2 and time.monotonic() - started < 30:
            await asyncio.sleep(0.05)
        assert fake.count("sendMessage", mark) == 2 and time.monotonic() - started >= 1.0

        # A 500 may come after Telegram delivered the message: sending again could duplicate it.
        fake.fail("sendMessage", 500, "Internal Server Error")
        mark = fake.mark()
        fake.user_sends_text(USER, "/privacy")
        await wait(fake, "sendMessage", USER, mark)
        await asyncio.sleep(2.0)
        assert fake.count("sendMessage", mark) == 2  # the privacy text once, then the error handler's apology
        texts = [c.params["text"] for c in fake.calls[mark:] if c.method == "sendMessage"]
        assert "Privacy" in texts[0] and "went wrong" in texts[1]

    run_bot(fake, analyzer, catalog, scenario)


def test_groups_only_media_addressed_to_the_bot(fake, analyzer, catalog):
    group = {"id": -900, "type": "group", "title": "Friends"}

    async def scenario():
        mark = fake.mark()
        fake.user_sends_photo(USER, PHOTO, chat=group)
        fake.user_sends_text(USER, "nice pic", chat=group)
        fake.user_sends_text(USER, "/unknowncmd", chat=group)
        await asyncio.sleep(2.0)
        assert fake.count("sendPhoto", mark) == 0 and fake.count("sendMessage", mark) == 0

        fake.user_sends_photo(USER, PHOTO, chat=group, caption="@moodtunes_test_bot how do I look?")
        reply = await wait(fake, "sendPhoto", -900, mark)
        assert "You look" in reply.params["caption"]

    run_bot(fake, analyzer, catalog, scenario)


@pytest.mark.parametrize("token,message", [("", "not set"), ("12345", "malformed"), ("abc:def", "malformed")])
def test_bad_token_gives_one_line(token, message):
    with pytest.raises(ConfigError, match=message):
        check(BotSettings(TELEGRAM_BOT_TOKEN=token))


@pytest.mark.parametrize("secret", ["", "short", "has spaces in it!!", "x" * 257, "ünïcödé-ünïcödé-ünïcödé"])
def test_webhook_mode_refuses_a_missing_or_weak_secret(secret):
    settings = BotSettings(TELEGRAM_BOT_TOKEN=TOKEN, BOT_MODE="webhook", WEBHOOK_URL="https://bot.example/hook",
                           WEBHOOK_SECRET=secret)
    with pytest.raises(ConfigError, match="WEBHOOK_SECRET"):
        check(settings)
    assert BotSettings().webhook_listen == "127.0.0.1"


def test_cli_without_token_explains_and_try_prints_the_reply(tmp_path):
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[1]
    env = {"PATH": "/usr/bin:/bin", "DATABASE_URL": f"sqlite:///{tmp_path}/bot.db", "PYTHONPATH": str(root)}
    out = subprocess.run([sys.executable, "-m", "bot"], capture_output=True, text=True, env=env, cwd=tmp_path,
                         timeout=120)
    assert out.returncode == 2 and "TELEGRAM_BOT_TOKEN is not set" in out.stderr and "Traceback" not in out.stderr
    out = subprocess.run([sys.executable, "-m", "bot", "try", str(DATA / "congress_A000210.jpg")],
                         capture_output=True, text=True, env=env, cwd=tmp_path,
                         timeout=300)
    assert out.returncode == 0, out.stderr
    assert "You look" in out.stdout and out.stdout.count("open.spotify.com/track/") == 5


def test_long_song_lists_leave_the_caption_and_go_as_a_message(fake, analyzer, catalog):
    from sqlalchemy import text

    with catalog.engine.begin() as conn:  # titles long enough that five never fit a 1024-character caption
        conn.execute(text("UPDATE songs SET title = substr(title, 1, 100) || ' & ' || :pad"),
                     {"pad": "<long> " * 30})

    async def scenario():
        mark = fake.mark()
        fake.user_sends_photo(USER, PHOTO)
        photo = await wait(fake, "sendPhoto", USER, mark)
        songs = await wait(fake, "sendMessage", USER, mark)
        assert "You look" in photo.params["caption"] and "open.spotify.com" not in photo.params["caption"]
        assert songs.params["text"].count("open.spotify.com/track/") == 5
        assert "&amp; &lt;long&gt;" in songs.params["text"]  # escaped, and within the 4096 the fake enforces
        assert "inline_keyboard" in songs.params["reply_markup"]

    run_bot(fake, analyzer, catalog, scenario)


def test_webhook_mode_checks_the_secret_and_a_restart_keeps_data(fake, analyzer, catalog):

    import httpx

    from catalog.db import make_engine
    from catalog.service import Catalog

    port = free_port()
    secret = "s3cret-token-0123456789"
    settings = _settings(fake, BOT_MODE="webhook", WEBHOOK_URL="https://bot.example.invalid/tg-hook",
                         WEBHOOK_LISTEN="127.0.0.1", WEBHOOK_PORT=port, WEBHOOK_SECRET=secret)
    update = {"update_id": 1, "message": {"message_id": 5, "date": int(time.time()),
                                          "chat": {"id": USER, "type": "private"},
                                          "from": {"id": USER, "is_bot": False, "first_name": "U"},
                                          "text": "/mood", "entities": [{"type": "bot_command", "offset": 0,
                                                                         "length": 5}]}}
    catalog.record_mood(USER, [0, 0, 0, 0, 1, 0, 0], "photo")
    # A "restart": a new Catalog on the same database sees what the old process stored.
    restarted = Catalog(make_engine(catalog.engine.url.render_as_string(hide_password=False)), catalog.settings)

    async def main() -> None:
        app = build_application(settings, analyzer, restarted)
        async with running(app):
            hook = await wait(fake, "setWebhook", None)
            assert hook.params["url"] == "https://bot.example.invalid/tg-hook"
            assert hook.params["secret_token"] == secret
            async with httpx.AsyncClient() as client:
                url = f"http://127.0.0.1:{port}/tg-hook"
                mark = fake.mark()
                for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "wrong-secret-0123456789"}):
                    refused = await client.post(url, json=update, headers=headers)
                    assert refused.status_code == 403
                forged = {"update_id": 2, "callback_query": {
                    "id": "9", "chat_instance": "c", "data": "forget:yes",
                    "from": {"id": USER, "is_bot": False, "first_name": "U"}, "message": update["message"]}}
                assert (await client.post(url, json=forged)).status_code == 403
                await asyncio.sleep(0.5)
                assert fake.count("sendMessage", mark) + fake.count("sendPhoto", mark) == 0
                assert restarted.latest_mood(USER) is not None  # the forged forget did nothing
                for _ in range(2):  # Telegram retries a delivery it thinks failed: the bot answers once
                    ok = await client.post(url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": secret})
                    assert ok.status_code == 200
            reply = await wait(fake, "sendPhoto", USER, mark)
            assert "sad" in reply.params["caption"]
            await asyncio.sleep(1.0)
            assert fake.count("sendPhoto", mark) == 1

    asyncio.run(main())
