"""The camera Mini App in a real browser: Debian's Chromium, headless, its camera fed from a video of a test face.

The page is opened as Telegram opens it (launch data and theme in the address's
fragment) against the real bot and the fake Bot API. Telegram's own script
cannot load here (no request leaves the machine), which the page must survive.
The test runs wherever Chromium is installed; in CI (CI=true) a missing
Chromium is a failure, not a skip (scripts/run-tests installs it there).
"""

from __future__ import annotations

import asyncio
import os
import shutil

import pytest

from tests.chromium import Chromium, fake_camera, find
from tests.fakes.camera import face_video
from tests.fakes.telegram import mini_app_url, web_app_init_data
from tests.test_bot import USER, run_bot, wait
from tests.test_camera import APP_URL, OTHER_TOKEN, free_port

if find() is None:
    if os.environ.get("CI") == "true":
        raise RuntimeError("CI must run the browser tests: install Debian's chromium package")
    pytest.skip("Chromium is not installed (apt-get install chromium)", allow_module_level=True)

LIGHT = {"bg_color": "#ffffff", "text_color": "#000000", "hint_color": "#707579", "link_color": "#3390ec",
         "button_color": "#3390ec", "button_text_color": "#ffffff", "secondary_bg_color": "#f4f4f5"}
MARKUP = '<img id="injected" src="x">'


@pytest.fixture
def hostile_catalog(tmp_path, seeded_sqlite):
    """A seeded SQLite catalogue whose every song title starts with HTML markup."""
    from sqlalchemy import text

    from catalog.db import make_engine
    from catalog.service import Catalog
    from catalog.settings import CatalogSettings

    path = tmp_path / "catalog.db"
    shutil.copyfile(seeded_sqlite, path)
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    with engine.begin() as db:
        db.execute(text("UPDATE songs SET title = :markup || title"), {"markup": MARKUP})
    yield Catalog(engine, CatalogSettings(DATABASE_URL=url, SPOTIFY_CLIENT_ID="", SPOTIFY_CLIENT_SECRET=""))
    engine.dispose()


def test_the_camera_page_reads_a_face_plays_songs_and_saves_the_mood(fake, analyzer, hostile_catalog, tmp_path):
    port = free_port()
    address = f"http://127.0.0.1:{port}/app/"
    camera = fake_camera(face_video(tmp_path / "face.y4m"))

    def browse() -> dict:
        seen: dict = {}
        with Chromium(*camera) as browser:
            page = browser.open(mini_app_url(address, web_app_init_data(USER), LIGHT))
            page.wait_for("document.querySelectorAll('#songs li').length === 5", 90)
            seen["state"] = page.evaluate("document.body.dataset.state")
            seen["label"] = page.evaluate("document.getElementById('label').textContent")
            seen["titles"] = page.evaluate("[...document.querySelectorAll('#songs li b')].map(b => b.textContent)")
            seen["injected"] = page.evaluate("document.querySelectorAll('#injected, #songs img').length")
            seen["links"] = page.evaluate("[...document.querySelectorAll('#songs a')].map(a => a.href)")
            seen["background"] = page.evaluate("getComputedStyle(document.body).backgroundColor")
            page.evaluate("document.getElementById('save').click()")
            seen["saved"] = page.wait_for("document.getElementById('saved').textContent", 30)
            seen["log"] = list(browser.log)

            german = browser.open(mini_app_url(address, web_app_init_data(USER + 1, language_code="de"), LIGHT))
            german.wait_for("document.getElementById('label').textContent === 'Freude'", 60)
            seen["german"] = german.evaluate("[document.documentElement.lang, document.title, "
                                             "document.getElementById('save').textContent, "
                                             "document.getElementById('confidence').textContent]")

            forged = browser.open(mini_app_url(address, web_app_init_data(USER, token=OTHER_TOKEN), LIGHT))
            forged.wait_for("document.body.dataset.state === 'refused'", 30)
            seen["refusal"] = forged.evaluate("document.getElementById('notice').textContent")
            seen["forged_video"] = forged.evaluate("!!document.getElementById('video').srcObject")

        with Chromium("--use-fake-device-for-media-stream", "--deny-permission-prompts") as browser:  # says no
            denied = browser.open(mini_app_url(address, web_app_init_data(USER), LIGHT))
            seen["denied"] = denied.wait_for("document.body.dataset.state === 'no_camera' && "
                                             "document.getElementById('notice').textContent", 30)
        return seen

    async def scenario():
        await wait(fake, "setChatMenuButton", None)
        mark = fake.mark()
        seen = await asyncio.to_thread(browse)
        reply = await wait(fake, "sendMessage", USER, mark)

        assert seen["state"] == "running" and seen["label"] == "happy"
        assert len(seen["titles"]) == 5 and all(t.startswith(MARKUP) for t in seen["titles"])  # shown as text
        assert seen["injected"] == 0
        assert [h.split("/")[2] for h in seen["links"]] == ["open.spotify.com", "www.youtube.com"] * 5
        assert seen["background"] == "rgb(255, 255, 255)"  # Telegram's theme, not the system's
        assert seen["saved"] == "Saved: the songs are in the chat."
        lang, title, save, confidence = seen["german"]  # the user's language from Telegram's launch data
        assert (lang, title, save) == ("de", "MoodTunes-Kamera", "💾 Diese Stimmung speichern")
        assert confidence.endswith("\u00a0%")  # German writes "87 %"
        assert not [line for line in seen["log"] if "Content Security Policy" in line], seen["log"]
        assert "live camera you look 😄 <b>happy</b>" in reply.params["text"]
        assert reply.params["text"].count("&lt;img id=&quot;injected&quot;") == 5
        assert hostile_catalog.latest_mood(USER).source == "camera"

        assert "refused" in seen["refusal"] and not seen["forged_video"]  # no camera asked for, no frame sent
        assert seen["denied"].startswith("Camera access was refused")

    run_bot(fake, analyzer, hostile_catalog, scenario, OPS_PORT=port, WEBAPP_URL=APP_URL,
            WEBAPP_STABLE_SECONDS=1)
