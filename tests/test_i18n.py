"""The bot in every language it speaks: complete catalogues, current extraction, Telegram's limits, and whole
conversations in Spanish, German, Russian and Brazilian Portuguese against the fake Bot API."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import re
import warnings
from pathlib import Path

import numpy as np
import pytest
from babel.messages.frontend import CommandLineInterface
from babel.messages.mofile import read_mo
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po

from bot import replies, settings_menu
from bot.charts import mood_chart, video_chart
from bot.i18n import LANGUAGES, LOCALES_DIR, every_language, negotiate, words
from bot.wording import command_words, mood, reason
from catalog import STRATEGIES, TARGETS, Mood, Preferences, Reason, Track
from catalog.content import WISHES
from model import FaceEmotion, FrameEmotion, ImageEmotion, InputError, VideoEmotion
from tests.test_bot import PHOTO, buttons, run_bot, wait

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = LOCALES_DIR / "messages.pot"
TRANSLATED = [code for code in LANGUAGES if code != "en"]
PLACEHOLDER = re.compile(r"\{[a-z_0-9]*\}")
TAG = re.compile(r"</?[a-z]+>")


def _catalogue(code: str):
    with open(LOCALES_DIR / code / "LC_MESSAGES" / "messages.po", "rb") as f:
        return read_po(f, locale=code)


def _ids(catalogue) -> set:
    return {(m.context, m.id if isinstance(m.id, str) else m.id[0]) for m in catalogue if m.id}


# -- the catalogues ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("code", TRANSLATED)
def test_every_message_is_translated_with_the_same_placeholders_and_tags(code):
    catalogue = _catalogue(code)
    assert _ids(catalogue) == _ids(read_po(TEMPLATE.open("rb")))  # merged with the current template
    assert catalogue.plural_forms == get_plural(code).plural_forms  # the language's own rules (Babel's, from CLDR)
    problems = []
    for m in (m for m in catalogue if m.id):
        english = m.id if isinstance(m.id, str) else m.id[1]
        forms = m.string if isinstance(m.string, tuple) else (m.string,)
        if m.fuzzy or not all(forms) or (m.pluralizable and len(forms) != catalogue.num_plurals):
            problems.append(f"{m.id!r}: fuzzy, empty or missing a plural form")
        for form in forms:
            if set(PLACEHOLDER.findall(form)) != set(PLACEHOLDER.findall(english)):
                problems.append(f"{m.id!r}: placeholders {PLACEHOLDER.findall(form)}")
            if sorted(TAG.findall(form)) != sorted(TAG.findall(english)):
                problems.append(f"{m.id!r}: HTML tags {TAG.findall(form)}")
    assert problems == []


def test_russian_and_ukrainian_have_three_plural_forms_used_by_number():
    for code in ("ru", "uk"):
        assert _catalogue(code).num_plurals == 3
        t = words(code)
        songs = [t.ngettext("{n} song per list", "{n} songs per list", n).format(n=n) for n in (1, 3, 5, 21)]
        assert len(set(s.split()[1] for s in songs[:3])) == 3 and songs[3].split()[1] == songs[0].split()[1]


@pytest.mark.parametrize("code", TRANSLATED)
def test_the_compiled_catalogues_are_the_po_files(code):
    def entries(messages) -> dict:
        return {(m.context, m.id if isinstance(m.id, str) else m.id[0]):
                m.string if isinstance(m.string, str) else tuple(m.string) for m in messages if m.id}

    with open(LOCALES_DIR / code / "LC_MESSAGES" / "messages.mo", "rb") as f:
        assert entries(read_mo(f)) == entries(_catalogue(code)), "run `make messages`"


def test_the_template_holds_every_message_in_the_code(tmp_path, monkeypatch):
    """A new English message without a catalogue entry fails here: `make messages` extracts it."""
    monkeypatch.chdir(ROOT)
    fresh = tmp_path / "messages.pot"
    CommandLineInterface().run(["pybabel", "-q", "extract", "-F", "pyproject.toml", "-o", str(fresh), "bot"])
    assert _ids(read_po(fresh.open("rb"))) == _ids(read_po(TEMPLATE.open("rb"))), "run `make messages`"


@pytest.mark.parametrize(("tag", "locale"), [
    ("es", "es"), ("es-419", "es"), ("pt-br", "pt_BR"), ("pt-BR", "pt_BR"), ("pt", "pt_BR"), ("pt-PT", "pt_BR"),
    ("de-AT", "de"), ("ru", "ru"), ("uk", "uk"), ("tr", "tr"), ("id", "id"), ("en-GB", "en"), ("zz", "en"),
    ("", "en"), (None, "en"), ("pt_BR", "pt_BR")])
def test_the_language_code_picks_a_locale_with_region_fallback(tag, locale):
    assert negotiate(tag) == locale and words(tag).locale == locale


def test_numbers_and_dates_are_written_the_languages_way():
    at = dt.datetime(2026, 12, 4, 15, 5, tzinfo=dt.UTC)
    assert words("en").percent(0.82) == "82%" and words("tr").percent(0.82) == "%82"
    assert words("de").number(40_000_000) == "40.000.000" and words("en").number(40_000_000) == "40,000,000"
    assert words("en").moment(at) == "Dec 4, 15:05" and words("de").moment(at) == "4. Dez., 15:05"
    assert "дек" in words("ru").day(at) and "2026" in words("ru").day(at)


def test_the_words_playlist_understands_are_single_and_mean_one_thing():
    canonical = {**{w: w for w in (*TARGETS, *STRATEGIES)}, **WISHES}
    for t in every_language():
        known = command_words(t)
        for word, key in known.items():
            assert word and not re.search(r"\s", word), (t.locale, word)
            if word in canonical:  # a translation that is also an English word must mean the same
                assert canonical[word] == canonical[key], (t.locale, word)
        assert {known[mood(t, m).casefold()] for m in TARGETS} == set(TARGETS)


# -- Telegram's limits in every language ---------------------------------------------------------------------
def _keyboard_data(markup) -> list:
    return [b.callback_data for row in markup.inline_keyboard for b in row]


LONGEST = Reason("step", "energetic", 3, 5, ("high-energy", "danceable"), "classical/instrumental", 128,
                 ("language", "genre"))
"""The longest reason: two qualities, the longest family, a lift step, both preferences relaxed."""
USUAL = Reason("fits", "happy", 1, 5, ("bright", "danceable"), "pop", 118)


def _tracks(title_length: int, n: int = 5, why: Reason = LONGEST) -> list[Track]:
    """Songs with titles (and artists half as long) of ``title_length`` characters."""
    return [Track(i, "x" * 22, ("Title " * 40)[:title_length], ("Artist " * 20)[:title_length // 2], "", "", None, 50,
                  0.5, 0.5, reason=why) for i in range(1, n + 1)]


def _photo_summary(t, faces: int = 6) -> str:
    """A photo's headline: with six faces and a search cut short, the longest there is."""
    found = [FaceEmotion((0, 0, 10, 10), 0.9, tuple(np.full(7, 1 / 7))) for _ in range(faces)]
    picture = ImageEmotion(found, (60000, 64), np.zeros((8, 8, 3), np.uint8), 0.3,
                           (0, 0, 18000 if faces > 1 else 60000, 64))
    return replies.photo_summary(t, found) + replies.searched_note(t, picture)


def test_every_language_stays_within_telegrams_limits_and_keeps_callback_data():
    english = words("en")
    for t in every_language():
        assert all(3 <= len(text) <= 256 for _, text in replies.commands(t)), t.locale
        assert len(replies.description(t)) <= 512 and len(replies.short_description(t)) <= 120, t.locale
        for text in (replies.help_text(t), replies.privacy(t), replies.start(t)):
            assert replies.visible_length(text) <= 4096, t.locale
        assert replies.visible_length(replies.songs_text(t, _tracks(120, 10), "h")) <= 4096, t.locale
        assert replies.visible_length(_photo_summary(t)) <= replies.CAPTION_LIMIT, t.locale
        for page in settings_menu.PAGES:  # every page: the same buttons, under the same data
            assert _keyboard_data(settings_menu.page(t, Preferences(), page, {})[1]) == \
                _keyboard_data(settings_menu.page(english, Preferences(), page, {})[1])
        tracks = _tracks(20)
        assert _keyboard_data(replies.songs_keyboard(t, tracks)) == _keyboard_data(replies.songs_keyboard(english,
                                                                                                          tracks))
        assert _keyboard_data(replies.mood_keyboard(t)) == _keyboard_data(replies.mood_keyboard(english))


def test_the_songs_stay_in_the_caption_in_every_language_wherever_they_do_in_english():
    """Five songs with titles of every length: where English keeps them in the photo's caption with their reasons,
    so does every language (reasons shortened or left out if a language needs the room)."""
    english = words("en")
    fitted = 0
    for faces, why in ((1, USUAL), (6, USUAL), (1, LONGEST)):
        for length in range(5, 121, 5):
            tracks = _tracks(length, why=why)
            heading = replies.heading(english, "sad", "lift", "calm")
            full = _photo_summary(english, faces) + "\n\n" + replies.songs_text(english, tracks, heading)
            if replies.visible_length(full) > replies.CAPTION_LIMIT:
                continue
            fitted += 1
            for t in every_language():
                caption = replies.photo_caption(t, _photo_summary(t, faces), tracks,
                                                replies.heading(t, "sad", "lift", "calm"))
                assert caption is not None and replies.visible_length(caption) <= replies.CAPTION_LIMIT, \
                    (t.locale, faces, why.role, length)
    assert fitted >= 10  # the comparison was made where English fits


def test_charts_draw_every_languages_letters():
    probs = tuple(np.full(7, 1 / 7))
    moods = [Mood(dt.datetime(2026, 12, d, 12, tzinfo=dt.UTC), "photo", "sad", 0.3, probs) for d in (1, 2)]
    video = VideoEmotion(3.0, 3.0, [FrameEmotion(0.0, probs), FrameEmotion(1.0, probs)], probs)
    for t in every_language():
        with warnings.catch_warnings():
            warnings.filterwarnings("error", message=".*[Gg]lyph.*missing.*")
            assert mood_chart(t, moods)[:4] == b"\x89PNG" and mood_chart(t, moods[:1])[:4] == b"\x89PNG"
            assert video_chart(t, video)[:4] == b"\x89PNG"


def test_a_refused_file_is_explained_in_the_users_language():
    error = InputError("the image is 9000x5000 pixels; the limit is 40,000,000 pixels", "too_many_pixels",
                       width=9000, height=5000, limit=40_000_000)
    assert replies.bad_input(words("en"), error) == ("⚠️ I couldn't read that: the image is 9000x5000 pixels; the "
                                                     "limit is 40,000,000 pixels.")
    assert "40.000.000" in replies.bad_input(words("de"), error) and "9000x5000" in replies.bad_input(words("de"),
                                                                                                      error)
    assert reason(words("es"), Reason("fits", "sad", 1, 5, (), "", 90)).endswith("encaja con la tristeza")


# -- one setting, two uses -----------------------------------------------------------------------------------
def test_the_chosen_language_moves_the_songs_default_languages_unless_the_user_chose_them(catalog):
    catalog.set_preferences(31, "en", explicit=True)  # stored with the app's defaults: English songs
    assert catalog.preferences(31, "en").languages == ("en",)
    after = catalog.set_preferences(31, "en", language="de")
    assert (after.language, after.languages) == ("de", ("de", "en")) and catalog.language(31) == "de"
    catalog.set_preferences(32, "es", languages=("es", "ja"))  # chosen by hand: kept
    assert catalog.set_preferences(32, "es", language="ru").languages == ("es", "ja")
    with pytest.raises(ValueError):
        catalog.set_preferences(33, language="not a tag!")
    assert catalog.forget(31)["preferences"] == 1 and catalog.language(31) == ""


# -- whole conversations against the fake Bot API -----------------------------------------------------------
def _caption_head(t, msgid: str) -> str:
    """The fixed words a translated message starts with, before its first placeholder."""
    return t.gettext(msgid).split("{")[0]


def test_users_hear_their_own_language_from_start_to_error(fake, analyzer, catalog):
    users = {601: "es", 602: "de", 603: "ru", 604: "pt-br", 605: "zz"}
    for user, code in users.items():
        fake.language_codes[user] = code

    async def scenario():
        menus = await wait(fake, "setMyCommands", None)  # English for everyone first, then each language
        assert "language_code" not in menus.params
        for user, code in users.items():
            t = words(code)
            mark = fake.mark()
            fake.user_sends_text(user, "/start")
            start = await wait(fake, "sendMessage", user, mark)
            assert start.params["text"] == replies.start(t)
            assert buttons(start)[0][0]["text"] == t.gettext("⚙️ My music settings")

            mark = fake.mark()
            fake.user_sends_photo(user, PHOTO)
            reply = await wait(fake, "sendPhoto", user, mark)
            caption = reply.params["caption"]
            assert caption.startswith(_caption_head(t, "You look {mood}"))
            assert _caption_head(t, "Songs for your {mood} mood") in caption or \
                _caption_head(t, "From {mood} toward {target}") in caption
            keyboard = buttons(reply)
            assert [b["text"] for b in keyboard[-2]] == [t.gettext("🔁 More"), t.gettext("🌈 Lift my mood"),
                                                        t.gettext("💾 Save")]
            assert [b["callback_data"] for b in keyboard[-2]] == ["more", "lift", "save"]

            mark = fake.mark()
            fake.user_sends_text(user, "/settings")
            menu = await wait(fake, "sendMessage", user, mark)
            assert menu.params["text"].startswith(t.gettext("⚙️ <b>Your settings</b> (saved at once)"))

            mark = fake.mark()
            fake.user_sends_document(user, b"corrupt", "image/jpeg", "broken.jpg")
            error = await wait(fake, "sendMessage", user, mark)
            assert error.params["text"].startswith(_caption_head(t, "⚠️ I couldn't read that: {reason}."))

            mark = fake.mark()
            fake.user_sends_text(user, "/mood")
            chart = await wait(fake, "sendPhoto", user, mark)
            latest = _caption_head(t, "Your latest mood: {mood} ({time} UTC, {origin})")
            assert chart.params["caption"].startswith(latest)

        assert {user for user, code in users.items() if words(code).locale == "en"} == {605}  # unknown: English
        assert any(c.params.get("caption", "").startswith("Seu humor: ")  # pt-BR: Brazilian Portuguese
                   for c in fake.calls if str(c.params.get("chat_id")) == "604")
        for user in (601, 602, 603):  # none of the English words in a Spanish, German or Russian conversation
            said = [c.params.get("text", c.params.get("caption", "")) for c in fake.calls
                    if str(c.params.get("chat_id")) == str(user) and c.method in ("sendMessage", "sendPhoto")]
            said = [re.sub(r"(?m)^\d+\. .*$", "", text) for text in said]  # song titles and artists are as they are
            for english in ("You look", "Also possible", "Songs for your", "toward", "Your settings", "I couldn't",
                            "Your latest mood", "fits a", "Explicit songs", "Photos are read", "Last 7 days"):
                assert not any(english in text for text in said), (user, english)

        for t in every_language()[1:]:  # the menu and descriptions, registered per language at start-up
            calls = [c for c in fake.calls if c.params.get("language_code") == t.locale.split("_")[0]]
            assert {c.method for c in calls} == {"setMyCommands", "setMyDescription", "setMyShortDescription"}
            commands = next(json.loads(c.params["commands"]) for c in calls if c.method == "setMyCommands")
            assert [c["description"] for c in commands] == [text for _, text in replies.commands(t)]

    run_bot(fake, analyzer, catalog, scenario)


def test_a_language_chosen_in_settings_takes_effect_at_once_and_forget_removes_it(fake, analyzer, catalog):
    user = 611
    fake.language_codes[user] = "en"

    async def press(data: str):
        mark = fake.mark()
        answer = await asyncio.to_thread(fake.answered, fake.user_presses(user, fake.sent[menu_id], data))
        return answer, await wait(fake, "editMessageText", user, mark)

    async def scenario():
        nonlocal menu_id
        mark = fake.mark()
        fake.user_sends_text(user, "/settings")
        await wait(fake, "sendMessage", user, mark)
        menu_id = max(fake.sent)
        _, page = await press("set:page:speak")
        choices = {b["callback_data"] for row in buttons(page) for b in row}
        assert {"set:speak", "set:speak:de", "set:speak:pt-br", "set:speak:ru"} <= choices
        german = words("de")
        answer, page = await press("set:speak:de")
        assert answer.params["text"] == german.gettext("Saved")  # said in the language just chosen
        assert page.params["text"] == settings_menu.page(german, catalog.preferences(user), "speak", {}, "en")[0]
        prefs = catalog.preferences(user)
        assert (prefs.language, prefs.languages) == ("de", ("de", "en"))  # the songs follow the same setting

        mark = fake.mark()
        fake.user_sends_text(user, f"/playlist {mood(german, 'sad')}")  # a mood in the user's own words
        songs = await wait(fake, "sendMessage", user, mark)
        assert songs.params["text"].startswith("🎧 <b>" + replies.heading(german, "sad", "match", None))
        mark = fake.mark()
        fake.user_sends_text(user, "/forget")
        confirm = await wait(fake, "sendMessage", user, mark)
        assert confirm.params["text"] == replies.forget_confirm(german)
        mark = fake.mark()
        fake.user_presses(user, fake.sent[max(fake.sent)], "forget:yes")
        done = await wait(fake, "editMessageText", user, mark)
        assert done.params["text"].startswith(german.gettext("🧹 Done. I deleted {items}, and your settings. "
                                                             "Nothing about you is left.").split("{")[0])
        assert catalog.language(user) == ""
        mark = fake.mark()
        fake.user_sends_text(user, "/start")
        assert (await wait(fake, "sendMessage", user, mark)).params["text"] == replies.start(words("en"))

    menu_id = 0
    run_bot(fake, analyzer, catalog, scenario)


def test_the_live_camera_speaks_the_watchers_language():
    from bot.watch.preview import page
    from bot.watch.terminal import songs_text, status_line

    t = words("ru")
    status = status_line(t, 12.4, [(1, "happy", 0.82), (2, "sad", 0.5)], 5.0, 310)
    assert "2 лица" in status and "радость" in status and "analysed" not in status
    listed = songs_text(t, replies.heading(t, "sad", "lift", "calm"), _tracks(20, 2, USUAL))
    assert listed.startswith("♪ Путь: грусть → спокойствие") and "под радостное настроение" in listed
    html = page(words("de"))
    assert '<html lang="de">' in html and "warte auf ein Gesicht…" in html and '"happy": "Freude"' in html
    assert "</script>" not in html.split("const W = ")[1].split(";\n")[0]  # the words cannot end the script


def test_lost_work_is_apologised_for_in_the_language_it_began_in(catalog):
    catalog.begin_work(41, 41, 7, "pt_BR")
    (lost,) = catalog.claim_unfinished(-1)
    assert (lost.chat_id, lost.message_id, lost.language) == (41, 7, "pt_BR")
    assert replies.resend(words(lost.language)).startswith("😓 Fui reiniciado")
