"""Song lists: a photo's reading and its songs stored in one transaction, limits and /forget as before."""

from __future__ import annotations

import pytest
from sqlalchemy import event, func, select

from catalog import DailyLimit, Forgotten, NewReading, Plan
from catalog.languages import INSTRUMENTAL
from catalog.moods import one_hot
from catalog.schema import MoodReading, Recommendation

SAD = one_hot("sad")


def _stored(catalog, user: int) -> tuple[int, int]:
    with catalog.session() as s:
        return (s.scalar(select(func.count()).select_from(MoodReading).where(MoodReading.user_id == user)),
                s.scalar(select(func.count()).select_from(Recommendation).where(Recommendation.user_id == user)))


def test_a_photo_is_three_commits_its_reading_and_songs_one(catalog):
    commits: list[object] = []

    def note(conn) -> None:
        commits.append(conn)

    event.listen(catalog.engine, "commit", note)
    try:
        work = catalog.begin_work(601, 601, 1)
        tracks = catalog.recommend(601, SAD, n=5, work=work, per_day=500, reading=NewReading(SAD, "photo", 100))
        catalog.end_work(work)
    finally:
        event.remove(catalog.engine, "commit", note)
    assert len(commits) == 3
    assert len(tracks) == 5 and all(t.reason for t in tracks)
    assert _stored(catalog, 601) == (1, 5)
    assert catalog.latest_mood(601).emotion == "sad" and catalog.latest_mood(601).source == "photo"


def test_a_new_users_photo_is_eight_statements_on_three_connections(catalog):
    """Each statement is a round trip on PostgreSQL: the bot's store work per photo, counted."""
    catalog.index()  # read once per process, before any photo
    sent: list[str] = []
    checkouts: list[object] = []
    event.listen(catalog.engine, "before_cursor_execute", lambda _c, _k, statement, *_: sent.append(statement))
    event.listen(catalog.engine.pool, "checkout", lambda *_: checkouts.append(1))
    work = catalog.begin_work(605, 605, 1)
    made = catalog.song_list(605, SAD, work=work, per_day=500, reading=NewReading(SAD, "photo", 100),
                             language_code="en")
    catalog.end_work(work)
    # pending work; the taste version with the recent songs, the tracks, the user, the work and the day's counts,
    # the reading, the songs (one batch); the end of the work
    assert len(sent) == 8 and len(checkouts) == 3
    assert len(made.tracks) == 5 and made.plan.n == 5


def test_a_list_follows_the_stored_settings_else_the_apps_language(catalog):
    made = catalog.song_list(606, "happy", language_code="es", length=4)
    assert made.plan.n == 4 and made.plan.strategy == "match" and len(made.tracks) == 4
    languages = {t.language for t in made.tracks}
    assert "es" in languages and languages <= {"es", "en", INSTRUMENTAL}  # a Spanish app's defaults: es, en

    catalog.set_preferences(606, songs_per_list=6, strategy="lift", languages=("en",))
    made = catalog.song_list(606, "sad", language_code="es", length=4)
    assert made.plan == Plan("lift", "happy", 6) and len(made.tracks) == 6
    assert {t.language for t in made.tracks} <= {"en", INSTRUMENTAL}


def test_the_readings_limit_stores_nothing_and_the_songs_limit_keeps_the_reading(catalog):
    user = 602
    catalog.recommend(user, SAD, n=5, reading=NewReading(SAD, "photo", 1))
    with pytest.raises(DailyLimit) as refused:
        catalog.recommend(user, SAD, n=5, reading=NewReading(SAD, "photo", 1))
    assert refused.value.kind == "readings" and _stored(catalog, user) == (1, 5)
    with pytest.raises(DailyLimit) as refused:
        catalog.recommend(user, SAD, n=5, per_day=8, reading=NewReading(SAD, "photo", 10))
    assert refused.value.kind == "songs" and _stored(catalog, user) == (2, 5)


def test_after_a_forget_neither_reading_nor_songs_are_stored(catalog):
    user = 603
    work = catalog.begin_work(user, user, 1)
    catalog.forget(user)
    with pytest.raises(Forgotten):
        catalog.recommend(user, SAD, n=5, work=work, reading=NewReading(SAD, "photo"))
    assert _stored(catalog, user) == (0, 0) and catalog.latest_mood(user) is None


def test_a_reading_needs_a_user_and_seven_probabilities(catalog):
    with pytest.raises(ValueError):
        catalog.recommend(None, SAD, reading=NewReading(SAD, "photo"))
    with pytest.raises(ValueError):
        catalog.recommend(604, SAD, reading=NewReading(SAD[:6], "photo"))
    assert _stored(catalog, 604) == (0, 0)
