"""Your music, your way: a mood by hand, "was this right?", settings, saved playlists, why each song."""

from __future__ import annotations

import asyncio
import json

import cv2
import numpy as np
from sqlalchemy import select

from catalog.schema import Song
from tests.test_bot import USER, buttons, run_bot, wait


def _mood_buttons(call) -> list[str]:
    return [b["callback_data"] for row in buttons(call) for b in row]


def test_playlist_for_a_named_mood_needs_no_selfie(fake, analyzer, catalog):
    async def scenario():
        mark = fake.mark()
        fake.user_sends_text(USER, "/playlist happy")
        reply = await wait(fake, "sendMessage", USER, mark)
        text = reply.params["text"]
        assert "Songs for your happy mood" in text and text.count("open.spotify.com/track/") == 5
        assert text.count("fits a happy mood") == 5  # each song says why
        latest = catalog.latest_mood(USER)
        assert latest.emotion == "happy" and latest.source == "manual"

        mark = fake.mark()
        fake.user_sends_text(USER, "/history")
        assert "picked by hand" in (await wait(fake, "sendMessage", USER, mark)).params["text"]

        mark = fake.mark()
        fake.user_sends_text(USER, "/playlist calm")  # a target, not an emotion: songs, but no reading
        calm = await wait(fake, "sendMessage", USER, mark)
        assert "Songs for your calm mood" in calm.params["text"]
        assert len(catalog.mood_history(USER, None)) == 1

        mark = fake.mark()
        fake.user_sends_text(USER, "/playlist fear")  # tense: the calming path by default
        fear = await wait(fake, "sendMessage", USER, mark)
        assert "From fear toward calm" in fear.params["text"] and "arrives at calm" in fear.params["text"]

    run_bot(fake, analyzer, catalog, scenario)


def test_a_new_users_languages_follow_their_telegram_app_and_wishes_are_heard(fake, analyzer, catalog):
    fake.language_codes[USER] = "pt-br"

    async def scenario():
        mark = fake.mark()
        fake.user_sends_text(USER, "/playlist happy")
        reply = await wait(fake, "sendMessage", USER, mark)
        ids = [int(b["callback_data"].split(":")[2]) for row in buttons(reply) for b in row
               if b["callback_data"].startswith("fb:like:")]
        assert len(ids) == 5 and {t.language for t in catalog.tracks(ids)} <= {"pt", "en", "zxx"}

        mark = fake.mark()
        fake.user_sends_text(USER, "/settings")
        assert "Idiomas das músicas: português, inglês" in (await wait(fake, "sendMessage", USER, mark)).params["text"]
        mark = fake.mark()
        fake.user_presses(USER, fake.sent[max(fake.sent)], "set:lang:pt")  # narrowed to English
        await wait(fake, "editMessageText", USER, mark)
        assert catalog.preferences(USER).languages == ("en",)

        def holiday_songs(call) -> list[int]:
            ids = [int(b["callback_data"].split(":")[2]) for row in buttons(call) for b in row
                   if b["callback_data"].startswith("fb:like:")]
            with catalog.session() as s:
                tags = s.execute(select(Song.tags).where(Song.id.in_(ids))).scalars().all()
            assert ids and all("holiday" in t for t in tags)
            return ids

        mark = fake.mark()
        fake.user_sends_text(USER, "/playlist christmas")
        wished = await wait(fake, "sendMessage", USER, mark)
        first = holiday_songs(wished)
        assert "more:holiday" in _mood_buttons(wished)

        mark = fake.mark()  # 👍 redraws the keyboard: the wish stays on its 🔁
        fake.user_presses(USER, fake.sent[max(fake.sent)], f"fb:like:{first[0]}")
        edited = await wait(fake, "editMessageReplyMarkup", USER, mark)
        assert "more:holiday" in _mood_buttons(edited)

        mark = fake.mark()  # 🔁 under a Christmas list: more Christmas songs, not the mood's everyday list
        fake.user_presses(USER, fake.sent[max(fake.sent)], "more:holiday")
        again = await wait(fake, "sendMessage", USER, mark)
        assert not set(holiday_songs(again)) & set(first) and "more:holiday" in _mood_buttons(again)

    run_bot(fake, analyzer, catalog, scenario)


def test_no_reading_and_no_face_offer_mood_buttons(fake, analyzer, catalog):
    async def scenario():
        mark = fake.mark()
        fake.user_sends_text(USER, "/mood")
        ask = await wait(fake, "sendMessage", USER, mark)
        assert "pick your mood" in ask.params["text"]
        assert _mood_buttons(ask) == [f"mood:{m}" for m in ("angry", "disgust", "fear", "happy", "sad", "surprise",
                                                              "neutral", "calm", "energetic")]
        assert all(len(d.encode()) <= 64 for d in _mood_buttons(ask))

        mark = fake.mark()
        fake.user_presses(USER, fake.sent[max(fake.sent)], "mood:sad")
        songs = await wait(fake, "sendMessage", USER, mark)
        assert "Songs for your sad mood" in songs.params["text"]
        assert catalog.latest_mood(USER).source == "manual"
        assert any(c.method == "answerCallbackQuery" for c in fake.calls[mark:])

        wall = cv2.imencode(".png", np.full((300, 300, 3), 200, np.uint8))[1].tobytes()
        mark = fake.mark()
        fake.user_sends_document(USER, wall, "image/png", "wall.png")
        no_face = await wait(fake, "sendMessage", USER, mark)
        assert "couldn't find a face" in no_face.params["text"] and "mood:happy" in _mood_buttons(no_face)

        mark = fake.mark()
        fake.user_sends_text(USER, "/mood")
        shown = await wait(fake, "sendPhoto", USER, mark)
        assert "picked by hand" in shown.params["caption"]
        assert json.loads(shown.params.get("reply_markup", "null")) is None

    run_bot(fake, analyzer, catalog, scenario)


def test_settings_menu_saves_each_change_in_place_and_survives_a_restart(fake, analyzer, catalog):
    from catalog import FAMILIES

    jazz = f"set:fam:{FAMILIES.index('jazz/blues')}"

    async def press(message: dict, data: str):
        mark = fake.mark()
        query = fake.user_presses(USER, message, data)
        answer = await asyncio.to_thread(fake.answered, query)
        edits = [c for c in fake.calls[mark:] if c.method == "editMessageText"]
        return answer, edits

    async def scenario():
        mark = fake.mark()
        fake.user_sends_text(USER, "/settings")
        menu = await wait(fake, "sendMessage", USER, mark)
        assert "Your settings" in menu.params["text"] and "left out" in menu.params["text"]
        message = fake.sent[max(fake.sent)]

        mark = fake.mark()
        await press(message, "set:page:genres")
        assert "Genres" in (await wait(fake, "editMessageText", USER, mark)).params["text"]
        for liked, avoided in ((("jazz/blues",), ()), ((), ("jazz/blues",)), ((), ())):  # prefer, avoid, clear
            mark = fake.mark()
            answer, _ = await press(message, jazz)
            assert answer.params["text"] == "Saved"
            prefs = catalog.preferences(USER)
            assert (prefs.liked_families, prefs.avoided_families) == (liked, avoided)
            edit = await wait(fake, "editMessageText", USER, mark)  # confirmed in place, not a new message
            texts = [b["text"] for row in buttons(edit) for b in row]
            assert ("💚 jazz/blues" in texts) == bool(liked) and ("🚫 jazz/blues" in texts) == bool(avoided)
            assert fake.count("sendMessage", mark) == 0
        await press(message, jazz)
        for data in ("set:lang:es", "set:explicit", "set:n:+", "set:strategy"):
            await press(message, data)
        prefs = catalog.preferences(USER)
        assert (prefs.liked_families, prefs.languages, prefs.explicit, prefs.songs_per_list, prefs.strategy) == \
            (("jazz/blues",), ("es",), True, 6, "match")
        for forged in ("set:fam:99", "set:lang:xx", "set:n:7", "set:page:nowhere"):
            answer, _ = await press(message, forged)
            assert "expired" in answer.params["text"]
        assert catalog.preferences(USER) == prefs

    run_bot(fake, analyzer, catalog, scenario)

    async def after_restart():
        mark = fake.mark()
        fake.user_sends_text(USER, "/settings")
        menu = await wait(fake, "sendMessage", USER, mark)
        assert "jazz/blues" in menu.params["text"] and "Spanish" in menu.params["text"]
        assert "allowed" in menu.params["text"] and "Songs per list: 6" in menu.params["text"]
        mark = fake.mark()
        fake.user_sends_text(USER, "/playlist sad")
        songs = await wait(fake, "sendMessage", USER, mark)
        assert songs.params["text"].count("open.spotify.com/track/") == 6

    run_bot(fake, analyzer, catalog, after_restart)


def test_was_this_right_corrects_the_reading_and_songs_follow(fake, analyzer, catalog):
    from tests.test_bot import PHOTO

    async def scenario():
        fake.user_sends_photo(USER, PHOTO)
        reply = await wait(fake, "sendPhoto", USER)
        model_label = catalog.latest_mood(USER).emotion
        fix_row = buttons(reply)[-1]
        runner_up = fix_row[0]["callback_data"].split(":")[1]
        assert runner_up != model_label and fix_row[0]["text"].startswith(f"Not {model_label}?")
        sent = fake.sent[max(fake.sent)]

        mark = fake.mark()
        answer = await asyncio.to_thread(fake.answered, fake.user_presses(USER, sent, f"fix:{runner_up}"))
        assert runner_up in answer.params["text"]
        songs = await wait(fake, "sendMessage", USER, mark)
        assert runner_up in songs.params["text"].split("\n")[0]  # the new list follows the corrected mood
        latest = catalog.latest_mood(USER)
        assert (latest.emotion, latest.corrected, latest.label) == (model_label, runner_up, runner_up)
        assert catalog.corrections() == {"readings": 1, "corrected": 1, "pairs": {f"{model_label}->{runner_up}": 1}}

        mark = fake.mark()
        fake.user_presses(USER, sent, "fix:other")
        other = await wait(fake, "sendMessage", USER, mark)
        assert len([b for row in buttons(other) for b in row]) == 7

        mark = fake.mark()
        fake.user_sends_text(USER, "/stats")
        stats = await wait(fake, "sendMessage", USER, mark)
        assert "corrected me 1 time" in stats.params["text"] and "right in 0 of 1" in stats.params["text"]
        mark = fake.mark()
        fake.user_sends_text(USER, "/history")
        assert f"you corrected {model_label}" in (await wait(fake, "sendMessage", USER, mark)).params["text"]

    run_bot(fake, analyzer, catalog, scenario)


def test_saved_playlists_round_trip_and_forget(fake, analyzer, catalog):
    async def scenario():
        mark = fake.mark()
        fake.user_sends_text(USER, "/playlist sad")
        listed = await wait(fake, "sendMessage", USER, mark)
        sent = fake.sent[max(fake.sent)]
        ids = [int(b["callback_data"].split(":")[2]) for row in buttons(listed) for b in row
               if b["callback_data"].startswith("fb:like:")]

        answer = await asyncio.to_thread(fake.answered, fake.user_presses(USER, sent, "save"))
        assert "Saved as" in answer.params["text"] and "sad" in answer.params["text"]
        other = await asyncio.to_thread(fake.answered, fake.user_presses(USER + 1, None, "save"))
        assert "expired" in other.params["text"]

        mark = fake.mark()
        fake.user_sends_text(USER, "/playlists")
        menu = await wait(fake, "sendMessage", USER, mark)
        (button,) = [b for row in buttons(menu) for b in row]
        assert button["text"].startswith("🎧 sad") and len(button["callback_data"].encode()) <= 64

        mark = fake.mark()
        fake.user_presses(USER, fake.sent[max(fake.sent)], button["callback_data"])
        plain = await wait(fake, "sendMessage", USER, mark)
        assert plain.params["text"].count("open.spotify.com/track/") == len(ids) == 5
        assert "youtube.com/results" in plain.params["text"] and "<" not in plain.params["text"].replace("&lt;", "")

        stranger = await asyncio.to_thread(fake.answered, fake.user_presses(USER + 1, fake.sent[max(fake.sent)],
                                                                              button["callback_data"]))
        assert "expired" in stranger.params["text"]  # another user's playlist id shows nothing

        counts = catalog.forget(USER)
        assert counts["playlists"] == 1 and catalog.saved_playlists(USER) == []

    run_bot(fake, analyzer, catalog, scenario)


def test_onboarding_is_short_and_help_matches_the_command_menu(fake, analyzer, catalog):
    async def scenario():
        menu = await wait(fake, "setMyCommands", None)
        commands = [c["command"] for c in json.loads(menu.params["commands"])]
        assert {"settings", "playlists", "stats", "playlist", "mood", "forget"} <= set(commands)
        mark = fake.mark()
        fake.user_sends_text(USER, "/start")
        start = await wait(fake, "sendMessage", USER, mark)
        assert len(start.params["text"]) < 300 and "never stored" in start.params["text"]
        assert [b["callback_data"] for row in buttons(start) for b in row] == ["set:page:main"]
        fake.user_presses(USER, fake.sent[max(fake.sent)], "set:page:main")
        assert "Your settings" in (await wait(fake, "editMessageText", USER, mark)).params["text"]
        mark = fake.mark()
        fake.user_sends_text(USER, "/help")
        help_text = (await wait(fake, "sendMessage", USER, mark)).params["text"]
        assert all(f"/{c}" in help_text for c in commands)

    run_bot(fake, analyzer, catalog, scenario)
