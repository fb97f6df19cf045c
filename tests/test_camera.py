"""The camera Mini App: Telegram's launch data, the limits, the shared smoothing, and the API against a running bot."""

from __future__ import annotations

import asyncio
import html
import json
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import cv2
import httpx
import numpy as np
import pytest

from bot.camera.auth import InitDataError, check_init_data
from bot.camera.views import CameraViews, FrameBudget, Refused
from bot.i18n import words
from bot.live import LiveMood, Suggester, Suggestion
from model import EMOTIONS, FaceEmotion
from tests.fakes.telegram import TOKEN, web_app_init_data
from tests.test_bot import USER, run_bot, wait

DATA = Path(__file__).parent / "data"
HAPPY = DATA / "congress_S001179.jpg"  # the shipped model: happy 87%
NEUTRAL = DATA / "congress_A000014.jpg"  # neutral 62%
APP_URL = "https://camera.example.invalid/app/"
OTHER_TOKEN = "654321:" + "B" * 35


def face_frame(path: Path, width: int = 480, height: int = 360, quality: int = 80) -> bytes:
    """A camera frame as the page sends it: a JPEG with one face in the middle."""
    face = cv2.imread(str(path))
    frame = np.full((height, width, 3), 90, np.uint8)
    top, left = (height - face.shape[0]) // 2, (width - face.shape[1]) // 2
    frame[top:top + face.shape[0], left:left + face.shape[1]] = face
    return cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, quality])[1].tobytes()


def probs(label: str, p: float = 0.9) -> tuple[float, ...]:
    rest = (1 - p) / (len(EMOTIONS) - 1)
    return tuple(p if e == label else rest for e in EMOTIONS)


# -- Telegram's launch data ---------------------------------------------------------------------
def test_launch_data_signed_by_telegram_for_this_bot_is_accepted():
    now = time.time()
    user = check_init_data(web_app_init_data(USER, language_code="pt-br", auth_date=now - 60), TOKEN, 3600, now)
    assert (user.id, user.language_code) == (USER, "pt-br")
    # fields Telegram adds later (signature, chat_type...) are signed like the others and change nothing
    assert check_init_data(web_app_init_data(USER, signature="c2ln+/=", chat_type="sender"), TOKEN, 3600).id == USER


@pytest.mark.parametrize("case", ["wrong hash", "changed user", "other bot", "stale", "future", "no hash",
                                  "no auth_date", "no user", "user without id", "twice", "garbage", "empty",
                                  "too long"])
def test_launch_data_that_is_not_telegrams_for_this_bot_is_refused(case):
    now = time.time()
    valid = web_app_init_data(USER, auth_date=now)
    raw = {
        "wrong hash": valid[:-4] + ("0000" if not valid.endswith("0000") else "1111"),
        "changed user": valid.replace("%22id%22%3A501", "%22id%22%3A502"),
        "other bot": web_app_init_data(USER, token=OTHER_TOKEN, auth_date=now),
        "stale": web_app_init_data(USER, auth_date=now - 3601),
        "future": web_app_init_data(USER, auth_date=now + 600),
        "no hash": valid.rsplit("&hash=", 1)[0],
        "no auth_date": web_app_init_data(USER, leave_out=("auth_date",)),
        "no user": web_app_init_data(USER, leave_out=("user",)),
        "user without id": web_app_init_data(USER, leave_out=("user",), user='{"first_name":"X"}'),
        "twice": valid + "&auth_date=1",
        "garbage": "not a query string at all",
        "empty": "",
        "too long": web_app_init_data(USER, padding="x" * 5000),
    }[case]
    assert raw != valid
    with pytest.raises(InitDataError):
        check_init_data(raw, TOKEN, 3600, now)


# -- limits ---------------------------------------------------------------------------------------
class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_each_user_gets_rate_frames_a_second_with_one_second_of_burst():
    clock = Clock()
    budget = FrameBudget(4, clock)
    assert [budget.take(1) for _ in range(4)] == [0, 0, 0, 0]
    assert budget.take(1) == pytest.approx(0.25)
    assert budget.take(2) == 0  # another user has their own
    clock.now += 0.25
    assert budget.take(1) == 0 and budget.take(1) > 0
    allowed = 0
    for _ in range(40):  # a steady 10 frames/s for 4 s: 4 a second get through
        clock.now += 0.1
        allowed += budget.take(3) == 0
    assert 16 <= allowed <= 20


def test_views_are_limited_per_user_and_in_all_and_idle_ones_close():
    from bot.camera.auth import WebAppUser

    clock = Clock()
    views = CameraViews(per_user=2, most=3, rate=4, new_mood=lambda: LiveMood(1.5, 3),
                        new_songs=lambda user, t: Suggester(ThreadPoolExecutor(1), lambda *a: None), clock=clock)
    alice, bob, carol = (WebAppUser(i, None, 0) for i in (1, 2, 3))
    english = words(None)
    a1, a2 = views.open(alice, english), views.open(alice, english)
    with pytest.raises(Refused) as refused:
        views.open(alice, english)
    assert refused.value.status == 429
    b1 = views.open(bob, english)
    with pytest.raises(Refused) as refused:
        views.open(carol, english)
    assert refused.value.status == 503
    with pytest.raises(Refused) as refused:
        views.find(a1.id, bob.id)  # someone else's view: as if it did not exist
    assert refused.value.status == 404
    assert views.find(a1.id, alice.id) is a1
    views.close(a2)
    clock.now += 31  # nobody sent a frame for 31 s
    with pytest.raises(Refused):
        views.find(b1.id, bob.id)
    views.open(carol, english)
    assert len(views) == 1


# -- the smoothing both live front ends share ---------------------------------------------------
def test_live_mood_settles_once_a_mood_has_held():
    live = LiveMood(smoothing=0.5, stable_seconds=1.0)
    box = (100, 100, 120, 120)
    said = []
    for i in range(40):
        t = i * 0.25
        label = "neutral" if t < 4 else "angry" if i == 20 else "happy"  # one odd frame in the happy stretch
        step = live.update(t, [FaceEmotion(box, 0.9, probs(label))])
        said.append((t, step.settled))
        assert step.main is step.faces[0]
    settled = [(t, s) for t, s in said if s]
    assert [s for _, s in settled] == ["neutral", "happy"]
    assert settled[0][0] == 1.0 and 5.0 <= settled[1][0] <= 6.0
    assert live.update(11, []).settled is None and live.faces_seen == 1


def test_the_watch_and_the_camera_share_one_smoothing():
    """Both front ends build their moods with bot.live and choose their songs with it: no copy of the logic."""
    import inspect

    from bot.camera import api
    from bot.watch import session

    for module in (api, session):
        source = inspect.getsource(module)
        assert "LiveMood(" in source and "Suggester(" in source and "suggest(" in source
        assert "FaceTracker(" not in source and "SettledMood(" not in source


def test_a_newer_mood_replaces_the_one_waiting_for_songs():
    gate = threading.Event()
    chosen = []

    def choose(at: float, label: str, p: np.ndarray) -> Suggestion:
        gate.wait(5)
        chosen.append(label)
        return Suggestion(at, label, label, [])

    with ThreadPoolExecutor(1) as pool:
        songs = Suggester(pool, choose)
        for i, label in enumerate(["sad", "happy", "angry"]):  # sad is being chosen; happy waits, angry replaces it
            songs.ask(i, label, np.asarray(probs(label)))
        assert songs.collect() is None
        gate.set()
        got = []
        deadline = time.monotonic() + 5
        while len(got) < 2 and time.monotonic() < deadline:
            found = songs.collect()
            if found:
                got.append(found.mood)
            time.sleep(0.01)
    assert got == ["sad", "angry"] and chosen == ["sad", "angry"]


# -- the bot: /camera, the menu button, the page and its API ----------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_camera_command_without_a_page_says_how_to_turn_it_on(fake, analyzer, catalog):
    async def scenario():
        menu = await wait(fake, "setChatMenuButton", None)
        assert json.loads(menu.params["menu_button"])["type"] == "default"
        mark = fake.mark()
        fake.user_sends_text(USER, "/camera")
        assert "WEBAPP_URL" in (await wait(fake, "sendMessage", USER, mark)).params["text"]

    run_bot(fake, analyzer, catalog, scenario)


def test_the_camera_page_and_its_api(fake, analyzer, catalog):
    port = free_port()
    group = {"id": -900, "type": "supergroup", "title": "Friends"}
    frames = {"happy": face_frame(HAPPY), "neutral": face_frame(NEUTRAL)}

    async def scenario():
        menu = json.loads((await wait(fake, "setChatMenuButton", None)).params["menu_button"])
        assert menu["type"] == "web_app" and menu["web_app"]["url"] == APP_URL
        mark = fake.mark()
        fake.user_sends_text(USER, "/camera")
        button = json.loads((await wait(fake, "sendMessage", USER, mark)).params["reply_markup"])["inline_keyboard"]
        assert button[0][0]["web_app"] == {"url": APP_URL}
        mark = fake.mark()
        fake.user_sends_text(USER, "/camera@moodtunes_test_bot", chat=group)
        pointer = await wait(fake, "sendMessage", group["id"], mark)
        assert "private chat" in pointer.params["text"] and "web_app" not in pointer.params["reply_markup"]

        signed = {"Authorization": "tma " + web_app_init_data(USER)}
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}/app/", timeout=30) as http:
            page = await http.get("")
            csp = page.headers["content-security-policy"]
            assert page.status_code == 200 and "script-src 'self' https://telegram.org;" in csp
            assert "'unsafe-inline'" not in csp and "connect-src 'self'" in csp
            words = page.text.split('<script type="application/json" id="words">')[1].split("</script>")[0]
            assert json.loads(words)["save"] == "💾 Save this mood"
            assert (await http.get("camera.js")).headers["content-type"].startswith("text/javascript")

            for headers in ({}, {"Authorization": "tma " + web_app_init_data(USER, token=OTHER_TOKEN)},
                            {"Authorization": "tma " + web_app_init_data(USER, auth_date=time.time() - 7200)},
                            {"Authorization": "Bearer " + web_app_init_data(USER)}):
                refused = await http.post("api/start", headers=headers)
                assert refused.status_code == 401 and refused.json()["error"] == "refused"
            forged = await http.post("api/frame", headers={"X-Camera-View": "x"}, content=frames["happy"])
            assert forged.status_code == 401

            view = (await http.post("api/start", headers=signed)).json()
            assert view["rate"] == 4 and view["side"] == 480
            mine = {**signed, "X-Camera-View": view["view"]}
            other = {"Authorization": "tma " + web_app_init_data(USER + 1), "X-Camera-View": view["view"]}
            assert (await http.post("api/frame", headers=other, content=frames["happy"])).status_code == 404
            assert (await http.post("api/save", headers=mine)).status_code == 409  # no face seen yet

            answers = []
            for label in ["neutral"] * 2 + ["happy"] * 40:
                answer = await http.post("api/frame", headers=mine, content=frames[label])
                assert answer.status_code == 200, answer.text
                answers.append(answer.json())
                if answers[-1]["songs"] and answers[-1]["songs"]["mood"] == "happy":
                    break
                await asyncio.sleep(0.25)
            last = answers[-1]
            assert last["mood"]["label"] == "happy" and last["faces"][0]["box"][0] > 0.2
            assert len(last["songs"]["tracks"]) == 5 and all(t["spotify"].startswith("https://open.spotify.com/")
                                                             for t in last["songs"]["tracks"])
            assert catalog.latest_mood(USER) is None  # looking stores nothing

            mark = fake.mark()
            saved = await http.post("api/save", headers=mine)
            assert saved.json() == {"saved": "happy"}
            reply = await wait(fake, "sendMessage", USER, mark)
            assert "live camera you look 😄 <b>happy</b>" in reply.params["text"]
            assert reply.params["text"].count("open.spotify.com/track/") == 5
            assert all(html.escape(t["title"]) in reply.params["text"] for t in last["songs"]["tracks"])  # as seen
            keyboard = json.loads(reply.params["reply_markup"])["inline_keyboard"]
            assert [b["text"] for b in keyboard[-2]] == ["🔁 More", "🌈 Lift my mood", "💾 Save"]
            assert catalog.latest_mood(USER).source == "camera"
            mark = fake.mark()
            fake.user_sends_text(USER, "/history")
            assert "from the live camera" in (await wait(fake, "sendMessage", USER, mark)).params["text"]

            for content, status in ((b"GIF89a" + b"\0" * 100, 415), (b"\xff\xd8\xff" + b"\0" * 200_000, 413),
                                    (face_frame(HAPPY, 1600, 1200), 413), (b"\xff\xd8\xff\xe0broken", 400)):
                await asyncio.sleep(0.3)
                answer = await http.post("api/frame", headers=mine, content=content)
                assert answer.status_code == status, (content[:8], answer.text)
            await asyncio.sleep(1.1)
            burst = [(await http.post("api/frame", headers=mine, content=b"not a frame")).status_code
                     for _ in range(6)]  # refused before any analysis, so they come faster than 4 a second
            assert burst[:4] == [415] * 4 and burst[-1] == 429
            await asyncio.sleep(1.1)
            both = await asyncio.gather(*(http.post("api/frame", headers=mine, content=frames["happy"])
                                          for _ in range(2)))
            assert sorted(a.status_code for a in both) == [200, 429]

            assert (await http.post("api/start", headers=signed)).status_code == 200
            assert (await http.post("api/start", headers=signed)).status_code == 429  # WEBAPP_SESSIONS=2
            assert (await http.post("api/stop", headers=mine)).status_code == 204
            assert (await http.post("api/frame", headers=mine, content=frames["happy"])).status_code == 404

    run_bot(fake, analyzer, catalog, scenario, OPS_PORT=port, WEBAPP_URL=APP_URL, WEBAPP_STABLE_SECONDS=0.5)


def test_saving_before_songs_show_stores_the_reading_with_a_new_list(fake, analyzer, catalog):
    """The mood never settles (a long WEBAPP_STABLE_SECONDS), so the page shows no list: Save picks one."""
    from sqlalchemy import func, select

    from catalog.schema import Recommendation

    port = free_port()
    signed = {"Authorization": "tma " + web_app_init_data(USER)}

    async def scenario():
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}/app/", timeout=30) as http:
            view = (await http.post("api/start", headers=signed)).json()
            mine = {**signed, "X-Camera-View": view["view"]}
            answer = (await http.post("api/frame", headers=mine, content=face_frame(HAPPY))).json()
            assert answer["mood"]["label"] == "happy" and answer["songs"] is None
            mark = fake.mark()
            assert (await http.post("api/save", headers=mine)).json() == {"saved": "happy"}
            reply = await wait(fake, "sendMessage", USER, mark)
            assert reply.params["text"].count("open.spotify.com/track/") == 5
        assert catalog.latest_mood(USER).source == "camera"
        with catalog.engine.connect() as conn:
            assert conn.scalar(select(func.count()).select_from(Recommendation)) == 5

    run_bot(fake, analyzer, catalog, scenario, OPS_PORT=port, WEBAPP_URL=APP_URL, WEBAPP_STABLE_SECONDS=600)


def test_a_page_without_a_port_to_serve_it_is_a_setting_error(fake):
    from bot.settings import ConfigError, check
    from tests.test_bot import _settings

    with pytest.raises(ConfigError, match="OPS_PORT"):
        check(_settings(fake, WEBAPP_URL=APP_URL))
    with pytest.raises(ConfigError, match="https"):
        check(_settings(fake, WEBAPP_URL="http://camera.example.invalid/app/", OPS_PORT=9))


def test_the_camera_speaks_the_users_language(fake, analyzer, catalog):
    """/camera, the page and "Save this mood" in Spanish (the app's language), the page in German (chosen in
    /settings, over the app's Spanish), and the page before anyone is known in the browser's language."""
    port = free_port()
    spanish, chose_german = USER + 10, USER + 11
    fake.language_codes.update({spanish: "es-ES", chose_german: "es"})
    catalog.set_preferences(chose_german, "es", language="de")
    group = {"id": -901, "type": "group", "title": "Amigos"}

    async def scenario():
        english = json.loads((await wait(fake, "setChatMenuButton", None)).params["menu_button"])
        assert english["text"] == "Camera"  # every chat's default: Telegram keeps one, in English
        mark = fake.mark()
        fake.user_sends_text(spanish, "/camera")
        reply = await wait(fake, "sendMessage", spanish, mark)
        assert reply.params["text"].startswith("📷 <b>Cámara del ánimo en vivo</b>: observo tu expresión")
        assert json.loads(reply.params["reply_markup"])["inline_keyboard"][0][0]["text"] == "📷 Abrir la cámara en vivo"
        menu = json.loads((await wait(fake, "setChatMenuButton", spanish, mark)).params["menu_button"])
        assert menu == {"type": "web_app", "text": "Cámara", "web_app": {"url": APP_URL}}
        mark = fake.mark()
        fake.user_sends_text(spanish, "/camera@moodtunes_test_bot", chat=group)
        pointer = await wait(fake, "sendMessage", group["id"], mark)
        assert "se abre en un chat privado conmigo" in pointer.params["text"]
        assert json.loads(pointer.params["reply_markup"])["inline_keyboard"][0][0]["text"] == "🔒 Abrir un chat privado"

        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}/app/", timeout=30) as http:
            page = await http.get("", headers={"Accept-Language": "de-CH,de;q=0.9,en;q=0.8"})
            assert '<html lang="de">' in page.text and "<title>MoodTunes-Kamera</title>" in page.text
            assert page.headers["vary"] == "Accept-Language"
            words = json.loads(page.text.split('<script type="application/json" id="words">')[1].split("</script>")[0])
            assert words["save"] == "💾 Diese Stimmung speichern" and words["moods"]["happy"] == "Freude"
            assert '<html lang="en">' in (await http.get("", headers={"Accept-Language": "xx, *"})).text
            refused = await http.post("api/start", headers={"Accept-Language": "es"})
            assert refused.status_code == 401
            assert refused.json()["message"].startswith("El inicio de sesión de Telegram")

            german = (await http.post("api/start", headers={
                "Authorization": "tma " + web_app_init_data(chose_german, language_code="es")})).json()
            assert german["words"]["lang"] == "de" and german["words"]["no_face"].startswith("Kein Gesicht im Bild")

            signed = {"Authorization": "tma " + web_app_init_data(spanish, language_code="es-ES")}
            view = (await http.post("api/start", headers=signed)).json()
            assert view["words"]["lang"] == "es" and view["words"]["save"] == "💾 Guardar este ánimo"
            assert view["words"]["moods"]["happy"] == "alegría"
            mine = {**signed, "X-Camera-View": view["view"]}
            nothing = await http.post("api/save", headers=mine)
            assert nothing.status_code == 409
            assert nothing.json()["message"] == "No hay ninguna cara a la vista que guardar."
            songs = None
            for _ in range(40):
                answer = (await http.post("api/frame", headers=mine, content=face_frame(HAPPY))).json()
                songs = answer["songs"]
                if songs:
                    break
                await asyncio.sleep(0.25)
            assert songs["heading"] == "Canciones para tu ánimo: alegría"
            assert all(t["reason"] and "happy" not in t["reason"] for t in songs["tracks"])
            assert sum("encaja con la alegría" in t["reason"] for t in songs["tracks"]) >= 1

            mark = fake.mark()
            assert (await http.post("api/save", headers=mine)).json() == {"saved": "happy"}
            saved = await wait(fake, "sendMessage", spanish, mark)
            text = saved.params["text"]
            assert text.startswith("📷 Tu ánimo en la cámara en vivo: 😄 <b>alegría</b> (")
            assert "\nTambién podría ser: " in text and "<b>Canciones para tu ánimo: alegría</b>" in text
            keyboard = json.loads(saved.params["reply_markup"])["inline_keyboard"]
            assert keyboard[-1][0]["text"].startswith("¿No es alegría? ")
            mark = fake.mark()
            fake.user_sends_text(spanish, "/history")
            assert "de la cámara en vivo" in (await wait(fake, "sendMessage", spanish, mark)).params["text"]

    run_bot(fake, analyzer, catalog, scenario, OPS_PORT=port, WEBAPP_URL=APP_URL, WEBAPP_STABLE_SECONDS=0.5)
