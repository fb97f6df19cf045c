"""People: settings and learned taste kept per process, and never stale across replicas."""

from __future__ import annotations

import contextlib

from sqlalchemy import event, insert, select, text

from catalog.moods import one_hot
from catalog.schema import Feedback, Preference, Song, User

HAPPY = one_hot("happy")


def _replica(catalog):
    """A second Catalog on the same database, as another process would have."""
    from catalog.db import make_engine
    from catalog.service import Catalog

    return Catalog(make_engine(catalog.engine.url.render_as_string(hide_password=False)), catalog.settings)


@contextlib.contextmanager
def _statements(catalog):
    """The SQL statements the block sends (a list, filled as it runs)."""
    sent: list[str] = []

    def note(conn, cursor, statement, *args) -> None:
        sent.append(statement)

    event.listen(catalog.engine, "before_cursor_execute", note)
    try:
        yield sent
    finally:
        event.remove(catalog.engine, "before_cursor_execute", note)


def test_settings_changed_on_one_replica_are_seen_at_once_by_another(catalog):
    other = _replica(catalog)
    user = 501
    assert catalog.preferences(user, "de").languages == ("de", "en")  # read (and nothing kept: nothing stored yet)
    other.set_preferences(user, liked_families=("jazz/blues",), songs_per_list=7)
    assert catalog.preferences(user).liked_families == ("jazz/blues",)  # the version changed: read again
    assert catalog.preferences(user).songs_per_list == 7  # kept now...
    other.set_preferences(user, songs_per_list=4)
    assert catalog.preferences(user).songs_per_list == 4  # ...until the other replica changes it
    assert len(catalog.recommend(user, HAPPY, seed=1)) == 4
    other.forget(user)
    assert catalog.preferences(user, "fr").languages == ("fr", "en") and catalog.learned_families(user) == {}
    other.engine.dispose()


def test_a_language_chosen_on_one_replica_is_spoken_at_once_by_another(catalog):
    other = _replica(catalog)
    assert other.language(601) == ""
    catalog.set_preferences(601, "en", language="de")
    assert other.language(601) == "de" and other.preferences(601).languages == ("de", "en")
    catalog.set_preferences(601, language="")
    assert other.language(601) == ""
    other.engine.dispose()


def test_likes_on_one_replica_teach_the_other_and_a_dislike_is_never_shown(catalog):
    other = _replica(catalog)
    user = 502
    first = catalog.recommend(user, HAPPY, n=5, seed=1)
    assert catalog.learned_families(user) == {}
    other.give_feedback(user, first[0].id, "like")
    assert catalog.learned_families(user) == {first[0].family: 1.0}
    other.give_feedback(user, first[0].id, "dislike")  # the later verdict replaces the like
    assert catalog.learned_families(user) == {first[0].family: -1.0}
    with catalog.session.begin() as s:  # the song is out of the recent window: only the dislike keeps it away
        s.execute(text("DELETE FROM recommendations WHERE user_id = :u"), {"u": user})
    for seed in range(5):
        assert first[0].id not in {t.id for t in catalog.recommend(user, HAPPY, n=5, seed=seed)}
    other.engine.dispose()


def test_a_user_with_nothing_set_costs_one_lookup_and_a_known_one_no_more(catalog):
    user = 503
    with _statements(catalog) as sent:
        catalog.preferences(user, "en")
    assert len(sent) == 1  # the taste version (no row: the defaults)
    catalog.set_preferences(user, explicit=True)
    catalog.give_feedback(user, catalog.recommend(None, HAPPY, n=1, seed=0)[0].id, "like")
    catalog.preferences(user)  # read once after the change
    with _statements(catalog) as sent:
        assert catalog.preferences(user).explicit is True
        catalog.learned_families(user)
    assert len(sent) == 2  # one version check each, nothing read again


def test_upgrade_gives_users_with_settings_or_likes_a_version(catalog):
    from alembic import command
    from alembic.config import Config

    from catalog.db import MIGRATIONS

    def alembic(verb: str, revision: str) -> None:
        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        with catalog.engine.begin() as conn:
            cfg.attributes["connection"] = conn
            getattr(command, verb)(cfg, revision)

    alembic("downgrade", "0008")
    with catalog.engine.begin() as conn:  # users of the 0008 schema: with settings, with a like, with neither
        song = conn.execute(select(Song.id).limit(1)).scalar_one()
        conn.execute(text("INSERT INTO users (id, created_at) VALUES (1, '2026-12-01'), (2, '2026-12-01'), "
                          "(3, '2026-12-01')"))
        conn.execute(insert(Preference).values(user_id=1, liked_families=["folk/acoustic"], avoided_families=[],
                                               languages=["es"], explicit=True, songs_per_list=6))
        conn.execute(insert(Feedback).values(user_id=2, song_id=song, kind="dislike"))
    alembic("upgrade", "head")
    with catalog.engine.connect() as conn:
        versions = dict(conn.execute(select(User.id, User.taste_version).where(User.id.in_([1, 2, 3]))).all())
    assert versions == {1: 1, 2: 1, 3: 0}
    prefs = catalog.preferences(1)
    assert prefs.liked_families == ("folk/acoustic",) and prefs.languages == ("es",) and prefs.songs_per_list == 6
    _, _, learned = catalog.people.recall(2)
    assert song in learned.disliked


def test_what_a_process_keeps_is_bounded_in_users_and_time(catalog, monkeypatch):
    import catalog.people as people

    for user in (511, 512, 513):
        catalog.set_preferences(user, explicit=True)
        catalog.preferences(user)
    kept = catalog.people._kept
    monkeypatch.setattr(people, "KEPT_USERS", 2)
    catalog.set_preferences(514, explicit=True)
    catalog.preferences(514)
    assert list(kept) == [513, 514]  # the oldest went
    monkeypatch.setattr(people, "KEPT_SECONDS", 0.0)
    _replica(catalog).forget(513)  # another replica forgets a user this one keeps
    catalog.preferences(514)  # read again (too old) and kept; everything older goes
    assert list(kept) == [514]
