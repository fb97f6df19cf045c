"""One user must not stall or bloat the bot, see another's data, or undo a /forget by racing it.

Every test drives the real Application against the local fake Bot API, which
plays group chats, anonymous admins, posts made as a channel and users who never
opened a private chat with the bot.
"""

from __future__ import annotations

import asyncio
import threading
import time

import pytest
from sqlalchemy import func, select

from bot.app import build_application
from bot.runner import running
from catalog.schema import MoodReading, Recommendation, User
from tests.fakes.telegram import ANONYMOUS_ADMIN, CHANNEL_BOT
from tests.test_bot import PHOTO, USER, _settings, buttons, run_bot, wait

GROUP = {"id": -900, "type": "supergroup", "title": "Friends"}
CHANNEL = {"id": -100777, "type": "channel", "title": "News"}
SAD = [0, 0, 0, 0, 1, 0, 0]


def _rows(catalog, table, user_id: int = USER) -> int:
    owner = table.id if table is User else table.user_id
    with catalog.session() as s:
        return s.execute(select(func.count()).select_from(table).where(owner == user_id)).scalar_one()


def _texts(fake, chat_id: int, after: int = 0) -> list[str]:
    return [c.params.get("text") or c.params.get("caption", "") for c in fake.calls[after:]
            if c.method in ("sendMessage", "sendPhoto") and str(c.params.get("chat_id")) == str(chat_id)]


async def _settle(fake, seconds: float = 1.0) -> None:
    """Wait until the bot has made no call for ``seconds``."""
    while True:
        count = fake.mark()
        await asyncio.sleep(seconds)
        if fake.mark() == count:
            return


async def _answers(fake, queries: list[str]) -> list:
    """The answers to button presses, waited for on one thread (the bot's database calls need the others)."""
    return await asyncio.to_thread(lambda: [fake.answered(q) for q in queries])


# -- budgets -----------------------------------------------------------------------------------
def test_commands_and_buttons_have_a_per_user_budget_told_once(fake, analyzer, catalog):
    message = {"message_id": 1, "date": int(time.time()), "chat": {"id": USER, "type": "private"},
               "from": {"id": 1000, "is_bot": True, "first_name": "MoodTunes"}, "text": "songs"}

    async def scenario():
        mark = fake.mark()
        for _ in range(20):
            fake.user_sends_text(USER, "/help")
        fake.user_sends_text(USER + 1, "/help")  # another user's budget is untouched
        await _settle(fake)
        mine = _texts(fake, USER, mark)
        assert sum("How to use" in t for t in mine) == 5
        assert sum("wait" in t for t in mine) == 1 and len(mine) == 6  # fifteen refusals, one message
        assert len(_texts(fake, USER + 1, mark)) == 1
        query = fake.user_presses(USER, message, "more")  # a press past the budget is still answered
        answer = await asyncio.to_thread(fake.answered, query)
        assert "wait" in answer.params["text"]

    run_bot(fake, analyzer, catalog, scenario, BOT_ACTION_LIMIT=5)


def test_the_shared_budgets_of_actions_and_media_are_apart(catalog):
    assert [catalog.take_allowance(USER, 2, 60.0, kind="action")[0] for _ in range(3)] == [1, 2, 3]
    assert catalog.take_allowance(USER, 2, 60.0)[0] == 1  # photos and videos keep their own window
    assert catalog.forget(USER)["rate_limit"] == 2


def test_charts_are_drawn_while_the_analysis_pool_is_busy(fake, analyzer, catalog):
    catalog.record_mood(USER, SAD, "photo")
    catalog.record_mood(USER, [0, 0, 0, 1, 0, 0, 0], "photo")
    release = threading.Event()

    async def main() -> None:
        app = build_application(_settings(fake, BOT_WORKERS=1), analyzer, catalog)
        async with running(app, poll_timeout=1):
            app.bot_data.pool.submit(release.wait, 60)  # a long analysis holds the only worker
            try:
                mark = fake.mark()
                fake.user_sends_text(USER, "/mood")
                chart = await wait(fake, "sendPhoto", USER, mark, timeout=20)
                assert chart.files["photo"][:8] == b"\x89PNG\r\n\x1a\n"
            finally:
                release.set()

    asyncio.run(main())


def test_what_one_user_stores_per_day_is_bounded(fake, analyzer, catalog):
    async def scenario():
        replies = []
        for _ in range(4):
            mark = fake.mark()
            fake.user_sends_text(USER, "/playlist sad")
            replies.append((await wait(fake, "sendMessage", USER, mark)).params["text"])
        assert [t.count("open.spotify.com/track/") for t in replies[:2]] == [5, 5]
        assert "10 suggested songs in a day" in replies[2] and "tomorrow" in replies[2]
        assert "3 mood readings in a day" in replies[3]
        assert _rows(catalog, MoodReading) == 3 and _rows(catalog, Recommendation) == 10

    run_bot(fake, analyzer, catalog, scenario, BOT_DAILY_READINGS=3, BOT_DAILY_SONGS=10)


def test_saved_lists_per_day_are_bounded(catalog):
    from catalog import DailyLimit

    for _ in range(2):
        catalog.save_playlist(USER, "sad", [1, 2, 3], per_day=2)
    with pytest.raises(DailyLimit):
        catalog.save_playlist(USER, "sad", [1, 2, 3], per_day=2)
    assert len(catalog.saved_playlists(USER)) == 2


# -- who is asking, and where personal data goes -------------------------------------------------
def test_anonymous_admins_and_channels_are_never_one_person(fake, analyzer, catalog):
    catalog.record_mood(ANONYMOUS_ADMIN, SAD, "photo")  # stored before, from an anonymous admin elsewhere

    async def scenario():
        for sender, chat in ((ANONYMOUS_ADMIN, GROUP), (CHANNEL_BOT, CHANNEL)):
            for text in ("/history@moodtunes_test_bot", "/mood@moodtunes_test_bot",
                         "/playlist@moodtunes_test_bot sad", "/settings@moodtunes_test_bot"):
                mark = fake.mark()
                fake.user_sends_text(sender, text, chat=GROUP, sender_chat=chat)
                reply = await wait(fake, "sendMessage", GROUP["id"], mark)
                assert "can't tell who you are" in reply.params["text"], (sender, text)
                assert "sad" not in reply.params["text"]
            mark = fake.mark()
            fake.user_sends_photo(sender, PHOTO, chat=GROUP, sender_chat=chat, caption="@moodtunes_test_bot")
            assert "can't tell who you are" in (await wait(fake, "sendMessage", GROUP["id"], mark)).params["text"]
            mark = fake.mark()
            fake.user_sends_text(sender, "/help@moodtunes_test_bot", chat=GROUP, sender_chat=chat)
            assert "How to use" in (await wait(fake, "sendMessage", GROUP["id"], mark)).params["text"]
        await _settle(fake)
        assert fake.count("sendPhoto") == 0
        assert [_rows(catalog, MoodReading, who) for who in (ANONYMOUS_ADMIN, CHANNEL_BOT, GROUP["id"])] == [1, 0, 0]

    run_bot(fake, analyzer, catalog, scenario)


def test_groups_answer_only_addressed_commands_and_personal_data_goes_private(fake, analyzer, catalog):
    catalog.record_mood(USER, SAD, "photo")
    catalog.record_mood(USER, [0, 0, 0, 1, 0, 0, 0], "photo")
    stranger = USER + 7
    catalog.record_mood(stranger, SAD, "photo")
    fake.not_started.add(stranger)

    async def scenario():
        mark = fake.mark()
        for text in ("/history", "/mood", "/settings", "/stats", "/history@another_bot"):
            fake.user_sends_text(USER, text, chat=GROUP)
        await _settle(fake, 1.5)
        assert fake.mark() == mark  # not one call: nothing was addressed to the bot

        bot_message = {"message_id": 5, "date": int(time.time()), "chat": GROUP,
                       "from": {"id": 1000, "is_bot": True, "first_name": "MoodTunes"}, "text": "hi"}
        for text, reply_to, method in (("/history@moodtunes_test_bot", None, "sendMessage"),
                                       ("/mood", bot_message, "sendPhoto"),
                                       ("/settings @moodtunes_test_bot", None, "sendMessage")):
            mark = fake.mark()
            fake.user_sends_text(USER, text, chat=GROUP, reply_to=reply_to)
            private = await wait(fake, method, USER, mark)
            told = await wait(fake, "sendMessage", GROUP["id"], mark)
            assert "sent it to you privately" in told.params["text"], text
            assert private.params.get("text", private.params.get("caption", "")), text
        assert all("sad" not in t and "happy" not in t for t in _texts(fake, GROUP["id"]))

        mark = fake.mark()
        fake.user_sends_text(stranger, "/history@moodtunes_test_bot", chat=GROUP)
        told = await wait(fake, "sendMessage", GROUP["id"], mark)
        assert "https://t.me/moodtunes_test_bot" in told.params["text"] and "sad" not in told.params["text"]
        mark = fake.mark()
        fake.user_sends_text(stranger, "/start")  # opens the private chat: now it works there
        await wait(fake, "sendMessage", stranger, mark)
        mark = fake.mark()
        fake.user_sends_text(stranger, "/history@moodtunes_test_bot", chat=GROUP)
        assert "sad" in (await wait(fake, "sendMessage", stranger, mark)).params["text"]

    run_bot(fake, analyzer, catalog, scenario)


# -- races ------------------------------------------------------------------------------------
def _held(method, entered: threading.Event, release: threading.Event):
    """``method`` that, the first time, stops before running until ``release`` is set."""
    def run(*args, **kwargs):
        if not entered.is_set():
            entered.set()
            release.wait(30)
        return method(*args, **kwargs)
    return run


@pytest.mark.parametrize("action", ["/playlist", "/playlist happy", "more", "mood:calm", "like", "set:explicit"])
def test_forget_during_a_reply_leaves_nothing(fake, analyzer, catalog, action):
    catalog.record_mood(USER, SAD, "photo")
    entered, release = threading.Event(), threading.Event()
    slow = {"like": "give_feedback", "set:explicit": "change_preferences"}.get(action, "song_list")
    setattr(catalog, slow, _held(getattr(catalog, slow), entered, release))

    async def scenario():
        songs = {"message_id": 3, "date": int(time.time()), "chat": {"id": USER, "type": "private"},
                 "from": {"id": 1000, "is_bot": True, "first_name": "MoodTunes"}, "text": "songs"}
        if action.startswith("/"):
            fake.user_sends_text(USER, action)
        else:
            fake.user_presses(USER, songs, {"like": "fb:like:1"}.get(action, action))
        assert await asyncio.to_thread(entered.wait, 30)  # the reply is about to store what it made
        mark = fake.mark()
        fake.user_sends_text(USER, "/forget")
        await wait(fake, "sendMessage", USER, mark)
        fake.user_presses(USER, fake.sent[max(fake.sent)], "forget:yes")
        assert "Done" in (await wait(fake, "editMessageText", USER, mark)).params["text"]
        release.set()
        await _settle(fake)
        told = _texts(fake, USER, mark) + [c.params.get("text", "") for c in fake.calls[mark:]
                                           if c.method == "answerCallbackQuery"]
        assert any("forget you" in t for t in told), told

    run_bot(fake, analyzer, catalog, scenario)
    counts = catalog.forget(USER)
    assert not any(counts.values()), counts


def test_settings_pressed_at_once_are_all_saved(fake, analyzer, catalog):
    from catalog import FAMILIES

    async def scenario():
        mark = fake.mark()
        fake.user_sends_text(USER, "/settings")
        await wait(fake, "sendMessage", USER, mark)
        menu = fake.sent[max(fake.sent)]
        queries = [fake.user_presses(USER, menu, f"set:fam:{i}") for i in range(10)]
        await _answers(fake, queries)
        assert set(catalog.preferences(USER).liked_families) == set(FAMILIES[:10])

        queries = [fake.user_presses(USER, menu, "set:n:+") for _ in range(50)]
        answers = await _answers(fake, queries)
        assert catalog.preferences(USER).songs_per_list == 10
        said = [a.params.get("text") for a in answers]
        assert said.count("Saved") == 5 and said.count("Nothing to change") == 45  # 5 -> 10, then at the top

    run_bot(fake, analyzer, catalog, scenario, BOT_ACTION_LIMIT=100)


def test_a_slow_command_is_kept_alive_not_taken_for_a_crashed_ones(fake, analyzer, catalog, monkeypatch):
    """Work of a /playlist that outlasts the dead-work limit still has its heartbeat: no "send it again"."""
    import bot.app

    monkeypatch.setattr(bot.app, "HEARTBEAT_EVERY", 0.2)
    monkeypatch.setattr(bot.app, "UNFINISHED_AFTER", 0.6)
    catalog.record_mood(USER, SAD, "photo")
    entered, release = threading.Event(), threading.Event()
    catalog.song_list = _held(catalog.song_list, entered, release)

    async def scenario():
        mark = fake.mark()
        fake.user_sends_text(USER, "/playlist")
        assert await asyncio.to_thread(entered.wait, 30)
        await asyncio.sleep(2.0)  # more than three heartbeats past the limit
        release.set()
        reply = await wait(fake, "sendMessage", USER, mark)
        assert "open.spotify.com/track/" in reply.params["text"]
        await _settle(fake)
        assert not any("send it again" in t for t in _texts(fake, USER, mark)), _texts(fake, USER, mark)

    run_bot(fake, analyzer, catalog, scenario)


def test_a_settings_button_in_a_group_opens_the_settings_privately(fake, analyzer, catalog):
    """The ⚙️ button under a group's /start shows the presser's settings in their private chat, not the group."""
    async def scenario():
        mark = fake.mark()
        fake.user_sends_text(USER, "/start@moodtunes_test_bot", chat=GROUP)
        start = await wait(fake, "sendMessage", GROUP["id"], mark)
        data = next(b["callback_data"] for row in buttons(start) for b in row if b.get("callback_data"))
        started = fake.sent[max(fake.sent)]
        mark = fake.mark()
        fake.user_presses(USER, started, data)
        private = await wait(fake, "sendMessage", USER, mark)
        assert "Languages" in private.params["text"] or "Genres" in private.params["text"], private.params["text"]
        assert "sent it to you privately" in (await wait(fake, "sendMessage", GROUP["id"], mark)).params["text"]
        await _settle(fake)
        assert not [c for c in fake.calls[mark:] if c.method == "editMessageText"]  # the group's message untouched

    run_bot(fake, analyzer, catalog, scenario)
