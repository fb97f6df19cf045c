"""Catalogue: schema and migrations, import, the emotion map, the recommender's rules, history and privacy."""

from __future__ import annotations

import csv
import gzip
import io
import shutil
import threading
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import delete, func, inspect, select, text

from catalog.importer import ImportFileError, import_file
from catalog.moods import EMOTIONS, default_strategy, lift_target, regions
from catalog.paths import START_FAMILIES
from catalog.recommend import POOL, PREFERENCE_MARGIN
from catalog.schema import Feedback, MoodReading, Recommendation, Song, User

SAD = [0, 0, 0, 0, 1, 0, 0]
HAPPY = [0, 0, 0, 1, 0, 0, 0]
SHARED_SONGS = Path(__file__).resolve().parents[2] / "shared" / "data" / "songs"
SEED_SONGS = 116_668


def test_labels_match_the_model():
    from model.labels import EMOTIONS as MODEL_EMOTIONS

    assert EMOTIONS == MODEL_EMOTIONS


def test_schema_is_migrated_and_seeded(catalog):
    insp = inspect(catalog.engine)
    assert {"songs", "users", "mood_readings", "recommendations", "feedback", "pending_work", "seen_updates",
            "preferences", "catalog_meta", "saved_playlists", "rate_windows", "alembic_version"} \
        <= set(insp.get_table_names())
    with catalog.engine.connect() as conn:
        assert conn.execute(text("select version_num from alembic_version")).scalar_one() == "0009"
        assert conn.execute(select(func.count()).select_from(Song)).scalar_one() == SEED_SONGS
    from catalog.db import prepare

    prepare(catalog.engine)  # idempotent: a restart neither re-seeds nor fails
    assert catalog.stats()["songs"] == SEED_SONGS


def test_connections_the_server_ended_are_replaced_before_use(catalog):
    """A restarted server (here: every backend of the database terminated) costs no request an error."""
    if catalog.engine.dialect.name != "postgresql":
        pytest.skip("only a database server ends connections")
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    assert catalog.language(1) == "" and catalog.begin_work(1, 1, 1)  # connections in the pool
    admin = create_engine(catalog.engine.url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as conn:
        ended = conn.execute(text("SELECT count(*) FILTER (WHERE pg_terminate_backend(pid, 5000)) FROM "
                                  "pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
                                  )).scalar_one()
    admin.dispose()
    assert ended >= 1
    assert catalog.language(1) == "" and catalog.begin_work(1, 1, 2)


def _alembic(engine, verb: str, revision: str) -> None:
    from alembic import command
    from alembic.config import Config

    from catalog.db import MIGRATIONS

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        getattr(command, verb)(cfg, revision)


def test_upgrade_from_the_first_schema_keeps_every_row(catalog):
    """A database made by migration 0001, in use, upgraded to the newest schema: nothing lost."""
    _alembic(catalog.engine, "downgrade", "0001")
    assert "pending_work" not in inspect(catalog.engine).get_table_names()
    with catalog.engine.begin() as conn:  # what the first version stored, in its own schema
        song = conn.execute(text("SELECT id FROM songs ORDER BY id LIMIT 1")).scalar_one()
        conn.execute(text("INSERT INTO users (id, created_at) VALUES (42, CURRENT_TIMESTAMP)"))
        conn.execute(text("INSERT INTO mood_readings (user_id, created_at, source, probs, emotion, confidence) "
                          "VALUES (42, CURRENT_TIMESTAMP, 'photo', '[0, 0, 0, 0, 1, 0, 0]', 'sad', 1.0)"))
        conn.execute(text("INSERT INTO feedback (user_id, song_id, kind, created_at) "
                          "VALUES (42, :song, 'like', CURRENT_TIMESTAMP)"), {"song": song})
    _alembic(catalog.engine, "upgrade", "head")
    from catalog.db import prepare

    prepare(catalog.engine)  # as at the next start: the rich seed loads again, every song keeps its id
    with catalog.session() as s:
        assert s.scalar(select(func.count()).select_from(Song).where(Song.family != "")) > 100_000
    assert catalog.latest_mood(42).emotion == "sad" and catalog.feedback_of(42) == {song: "like"}
    assert catalog.stats()["songs"] == SEED_SONGS and catalog.first_sight(1)


def test_upgrade_to_song_tags_keeps_users_likes_and_history(catalog):
    """A database in use at 0006 gains the songs' inferred-flag, tags and copy columns; no user row is lost."""
    _alembic(catalog.engine, "downgrade", "0006")
    assert "copy_of" not in {c["name"] for c in inspect(catalog.engine).get_columns("songs")}
    with catalog.engine.begin() as conn:  # a user of the 0006 schema: moods, likes, history, settings
        song = conn.execute(text("SELECT id FROM songs ORDER BY id LIMIT 1")).scalar_one()
        songs = conn.execute(select(func.count()).select_from(Song.__table__)).scalar_one()
        conn.execute(text("INSERT INTO users (id, created_at) VALUES (42, CURRENT_TIMESTAMP)"))
        conn.execute(text("INSERT INTO mood_readings (user_id, created_at, source, probs, emotion, confidence) "
                          "VALUES (42, CURRENT_TIMESTAMP, 'photo', '[0, 0, 0, 0, 1, 0, 0]', 'sad', 1.0)"))
        conn.execute(text("INSERT INTO feedback (user_id, song_id, kind, created_at) "
                          "VALUES (42, :song, 'like', CURRENT_TIMESTAMP)"), {"song": song})
        conn.execute(text("INSERT INTO recommendations (user_id, song_id, created_at, strategy) "
                          "VALUES (42, :song, CURRENT_TIMESTAMP, 'match')"), {"song": song})
        conn.execute(text("INSERT INTO preferences (user_id, liked_families, avoided_families, languages, explicit, "
                          "updated_at) VALUES (42, '[\"rock\"]', '[]', '[\"es\"]', false, CURRENT_TIMESTAMP)"))
    _alembic(catalog.engine, "upgrade", "head")
    assert {"explicit_inferred", "tags", "copy_of"} <= {c["name"] for c in inspect(catalog.engine).get_columns("songs")}
    with catalog.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Song.__table__)).scalar_one() == songs
        assert conn.execute(select(func.count()).select_from(Recommendation.__table__)
                            .where(Recommendation.user_id == 42)).scalar_one() == 1
    assert catalog.latest_mood(42).emotion == "sad" and catalog.feedback_of(42) == {song: "like"}
    prefs = catalog.preferences(42, "pt-br")  # stored settings win over the app's language
    assert prefs.languages == ("es",) and prefs.liked_families == ("rock",)
    assert catalog.recommend(42, "sad", n=3, seed=1)


def test_mood_regions_are_placed_by_the_labelled_songs():
    space = regions()
    assert space.agreement["features"] > 0.75 > space.agreement["valence_energy_only"] > 0.45
    calm = dict(zip(space.features, space.point("calm")))
    assert calm["energy"] < 0.2 and calm["acousticness"] > 0.8 and calm["instrumentalness"] > 0.8
    assert dict(zip(space.features, space.point("fear")))["energy"] < 0.4  # fear never matches loud music
    np.testing.assert_allclose(space.blend(HAPPY), space.point("happy"))
    np.testing.assert_allclose(space.blend([0, 0, 0, 0.5, 0.5, 0, 0]),
                               (space.point("happy") + space.point("sad")) / 2)
    assert [lift_target(e) for e in ("angry", "fear", "sad", "happy")] == ["calm", "calm", "happy", "energetic"]
    assert [default_strategy(e) for e in ("fear", "disgust", "sad", "happy")] == ["lift", "lift", "match", "match"]
    with pytest.raises(ValueError):
        space.blend([1, 0])
    with pytest.raises(ValueError, match="choose from"):
        space.point("ecstatic")


def _write(path: Path, text: str, compress: bool = False) -> Path:
    path.write_bytes(gzip.compress(text.encode()) if compress else text.encode())
    return path


GOOD = ("spotify_id,title,artist,album,genre,year,popularity,valence,energy,danceability,tempo,acousticness\n"
        "AAAAAAAAAAAAAAAAAAAAA1,New Song,New Artist,Album,pop,2020,50,0.5,0.5,0.5,120,0.1\n"
        "2UjEyfnKzaY7qpBEeESJjv,Even When The Water's Cold,!!!,Thr!!!er,pop,2013,53,0.866,0.831,0.709,104.971,0.108\n")


@pytest.mark.parametrize("compress", [False, True])
def test_import_is_an_idempotent_upsert(catalog, tmp_path, compress):
    path = _write(tmp_path / ("s.csv.gz" if compress else "s.csv"), GOOD, compress)
    first = import_file(catalog.engine, path)
    assert (first.inserted, first.updated, first.unchanged, first.rejected) == (1, 1, 0, [])
    again = import_file(catalog.engine, path)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 2)
    with catalog.session() as s:
        assert s.scalar(select(Song.popularity).where(Song.spotify_id == "2UjEyfnKzaY7qpBEeESJjv")) == 53
        assert s.scalar(select(func.count()).select_from(Song)) == SEED_SONGS + 1


def test_import_into_an_empty_table_skips_lookups_and_handles_repeats(catalog, tmp_path, monkeypatch):
    """The first seed takes the fast path (COPY on PostgreSQL); an id seen in an earlier batch is still an update."""
    import catalog.importer as importer

    monkeypatch.setattr(importer, "_BATCH", 2)
    with catalog.engine.begin() as conn:
        conn.execute(delete(Song))
    header, *rows = GOOD.splitlines()
    again = rows[0].replace(",50,", ",77,")
    more = [r.replace("AAAAAAAAAAAAAAAAAAAAA1", f"AAAAAAAAAAAAAAAAAAAAB{i}") for i, r in enumerate(rows[:1] * 2)]
    path = _write(tmp_path / "s.csv", "\n".join([header, *rows, *more, again]) + "\n", False)
    summary = import_file(catalog.engine, path)
    assert (summary.inserted, summary.updated, summary.rejected) == (4, 1, [])
    with catalog.session() as s:
        assert s.scalar(select(func.count()).select_from(Song)) == 4
        assert s.scalar(select(Song.popularity).where(Song.spotify_id == "AAAAAAAAAAAAAAAAAAAAA1")) == 77
        assert s.scalar(select(Song.tempo).where(Song.spotify_id == "2UjEyfnKzaY7qpBEeESJjv")) == pytest.approx(104.971)


def test_import_rejects_bad_rows_with_line_numbers(catalog, tmp_path):
    bad = GOOD.splitlines()[0] + "\n" + "\n".join([
        ",No Id,Artist,,pop,2020,1,0.5,0.5,,,",
        "short,Bad Id,Artist,,pop,2020,1,0.5,0.5,,,",
        "BBBBBBBBBBBBBBBBBBBBB1,Loud,Artist,,pop,2020,1,1.7,0.5,,,",
        "BBBBBBBBBBBBBBBBBBBBB2,NaN,Artist,,pop,2020,1,abc,0.5,,,",
        "BBBBBBBBBBBBBBBBBBBBB3,Fine,Artist,,pop,2020,1,0.2,0.3,,,",
    ]) + "\n"
    summary = import_file(catalog.engine, _write(tmp_path / "bad.csv", bad))
    assert summary.inserted == 1
    assert summary.rejected == ["line 2: missing spotify_id",
                                "line 3: spotify_id 'short' is not a 22-character Spotify id",
                                "line 4: valence 1.7 is outside 0-1",
                                "line 5: valence 'abc' is not a number"]


def test_import_refuses_unreadable_files(catalog, tmp_path):
    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes(b"spotify_id,title\nx,caf\xe9\n")
    with pytest.raises(ImportFileError, match="line 2: not UTF-8"):
        import_file(catalog.engine, latin1)
    with pytest.raises(ImportFileError, match="unknown CSV layout"):
        import_file(catalog.engine, _write(tmp_path / "other.csv", "a,b\n1,2\n"))
    with pytest.raises(ImportFileError, match="no such file"):
        import_file(catalog.engine, tmp_path / "missing.csv")


@pytest.mark.skipif(not SHARED_SONGS.exists(), reason="shared/data/songs not beside the project")
def test_import_understands_data_moods_layout(catalog):
    summary = import_file(catalog.engine, SHARED_SONGS / "data_moods.csv")
    assert summary.rejected == [] and summary.inserted == 0  # all 686 are in the seed already
    with catalog.session() as s:  # blanks in the file (no genre column) keep the stored genre
        assert s.scalar(select(func.count()).select_from(Song).where(Song.genre == "")) == 540


def _distance(catalog, track, point) -> float:
    index = catalog.index()
    return float(index.distances(point / regions().spread)[int(np.flatnonzero(index.ids == track.id)[0])])


def test_match_fits_the_mood_with_variety(catalog):
    tracks = catalog.recommend(None, HAPPY, n=10, seed=1)
    assert len(tracks) == 10
    assert len({t.artist.casefold() for t in tracks}) == 10
    assert len({(t.title.casefold(), t.artist.casefold()) for t in tracks}) == 10
    happy = regions().point("happy")
    pool_edge = np.partition(catalog.index().distances(happy / regions().spread), POOL)[POOL]
    # drawn among the nearest songs a listener may know, which lie at most PREFERENCE_MARGIN further
    assert max(_distance(catalog, t, happy) for t in tracks) < pool_edge + PREFERENCE_MARGIN
    assert [t.id for t in catalog.recommend(None, HAPPY, n=10, seed=1)] == [t.id for t in tracks]  # seedable
    others = catalog.recommend(None, HAPPY, n=10, seed=2)
    assert len({t.id for t in tracks} & {t.id for t in others}) <= 2  # another new user, another list
    assert all(t.reason.role == "fits" and t.reason.mood == "happy" for t in tracks)
    assert [t.reason.step for t in tracks] == list(range(1, 11)) and {t.reason.steps for t in tracks} == {10}
    assert all(t.reason.tempo > 0 and t.reason.family == t.family for t in tracks)


def test_lift_moves_from_the_mood_to_the_target(catalog):
    space = regions()
    for seed in range(5):
        tracks = catalog.recommend(None, SAD, strategy="lift", target="happy", n=6, seed=seed)
        assert len(tracks) == 6
        assert _distance(catalog, tracks[0], space.point("sad")) < _distance(catalog, tracks[0], space.point("happy"))
        assert _distance(catalog, tracks[-1], space.point("happy")) < _distance(catalog, tracks[-1],
                                                                                 space.point("sad"))
        assert tracks[-1].valence > tracks[0].valence
        assert (tracks[0].reason.role, tracks[0].reason.mood) == ("meets", "sad")
        assert (tracks[-1].reason.role, tracks[-1].reason.mood) == ("arrives", "happy")
    calm = catalog.recommend(None, "angry", n=5, seed=1)  # tense: the calming path by default
    assert calm[-1].energy < calm[0].energy and (calm[2].reason.role, calm[2].reason.mood) == ("step", "calm")
    assert calm[0].family in START_FAMILIES["angry"]


def test_a_mood_by_name_and_fear_is_never_loud(catalog):
    for name in ("sad", "calm", "energetic"):
        tracks = catalog.recommend(None, name, n=5, seed=3)
        assert len(tracks) == 5 and tracks[0].reason.mood == name
    fear = [t for s in range(5) for t in catalog.recommend(None, "fear", strategy="match", n=5, seed=s)]
    assert np.mean([t.energy for t in fear]) < 0.45


def test_explicit_songs_only_when_allowed(catalog):
    from catalog import Preferences

    index = catalog.index()
    explicit_of = dict(zip(index.ids.tolist(), index.explicit.tolist()))
    clean = [t for s in range(10) for t in catalog.recommend(None, "angry", strategy="match", n=5, seed=s)]
    assert all(explicit_of[t.id] == 0 and t.explicit is False for t in clean)  # an unknown flag counts as explicit
    catalog.set_preferences(11, explicit=True, liked_families=("hip-hop",))
    allowed = [t for s in range(10) for t in catalog.recommend(11, "angry", strategy="match", n=5, seed=s)]
    assert any(explicit_of[t.id] == 1 for t in allowed)
    anonymous = [t for s in range(10) for t in catalog.recommend(None, "angry", strategy="match", n=5, seed=s,
                                                                 preferences=Preferences(explicit=True))]
    assert any(explicit_of[t.id] == 1 for t in anonymous)


def test_preferences_are_respected_stored_and_forgotten(catalog):
    from catalog import Preferences

    user = 21
    assert catalog.preferences(user) == Preferences()
    prefs = catalog.set_preferences(user, liked_families=("jazz/blues", "folk/acoustic"), songs_per_list=7)
    assert catalog.preferences(user) == prefs and prefs.explicit is False
    tracks = catalog.recommend(user, SAD, seed=1)
    assert len(tracks) == 7 and {t.family for t in tracks} <= {"jazz/blues", "folk/acoustic"}
    catalog.set_preferences(user, liked_families=(), avoided_families=("pop", "rock"), languages=("es",))
    tracks = catalog.recommend(user, HAPPY, n=5, seed=2)
    assert all(t.family not in ("pop", "rock") and t.language in ("es", "zxx") for t in tracks)
    catalog.set_preferences(user, languages=("sv",), avoided_families=())
    quiet = catalog.recommend(user, "fear", strategy="match", n=5, seed=1)  # few Swedish songs are that quiet...
    assert len(quiet) == 5 and {t.language for t in quiet} <= {"sv", "zxx"}  # ...songs without words fit anyone
    catalog.set_preferences(user, languages=(), liked_families=("country",))
    rare = catalog.recommend(user, "calm", strategy="match", n=5, seed=1)  # and hardly any country song is calm
    assert len(rare) == 5 and any("genre" in t.reason.relaxed for t in rare)
    for bad in ({"liked_families": ("polka",)}, {"songs_per_list": 40}, {"strategy": "shuffle"},
                {"liked_families": ("rock",), "avoided_families": ("rock",)}):
        with pytest.raises(ValueError):
            catalog.set_preferences(user, **bad)
    assert catalog.forget(user)["preferences"] == 1 and catalog.preferences(user) == Preferences()


def test_likes_teach_genre_families(catalog):
    user = 31
    with catalog.session() as s:
        rows = s.execute(select(Song.id).where(Song.family == "folk/acoustic").limit(3)).scalars().all()
        metal = s.execute(select(Song.id).where(Song.family == "metal").limit(1)).scalars().all()
    for song in rows:
        catalog.give_feedback(user, song, "like")
    catalog.give_feedback(user, metal[0], "dislike")
    assert catalog.learned_families(user) == {"folk/acoustic": 3.0, "metal": -1.0}
    share = np.mean([t.family == "folk/acoustic" for s in range(20) for t in catalog.recommend(user, SAD, n=5, seed=s)])
    baseline = np.mean([t.family == "folk/acoustic" for s in range(20)
                        for t in catalog.recommend(None, SAD, n=5, seed=s)])
    assert share >= 2 * baseline > 0


def test_memory_no_repeats_and_disliked_never(catalog):
    user = 42
    first = catalog.recommend(user, HAPPY, n=5, seed=1)
    second = catalog.recommend(user, HAPPY, n=5, seed=1)
    assert not {t.id for t in first} & {t.id for t in second}
    catalog.give_feedback(user, first[0].id, "dislike")
    with catalog.session.begin() as s:  # even once the recent window has passed
        s.execute(Recommendation.__table__.delete().where(Recommendation.user_id == user))
    for seed in range(5):
        assert first[0].id not in {t.id for t in catalog.recommend(user, HAPPY, n=5, seed=seed)}


def test_moods_history_feedback_and_forget(catalog):
    user = 7
    assert catalog.latest_mood(user) is None
    catalog.record_mood(user, SAD, "photo")
    catalog.record_mood(user, HAPPY, "video")
    latest = catalog.latest_mood(user)
    assert latest.emotion == "happy" and latest.source == "video" and latest.at.tzinfo is not None
    assert [m.emotion for m in catalog.mood_history(user)] == ["happy", "sad"]
    tracks = catalog.recommend(user, HAPPY, n=3)
    catalog.give_feedback(user, tracks[0].id, "like")
    catalog.give_feedback(user, tracks[0].id, "dislike")  # the later verdict replaces the earlier
    assert catalog.feedback_of(user) == {tracks[0].id: "dislike"}
    catalog.record_mood(8, SAD, "photo")  # another user, untouched by /forget

    counts = catalog.forget(user)
    assert counts == {"pending": 0, "moods": 2, "recommendations": 3, "feedback": 1, "preferences": 0,
                      "playlists": 0, "rate_limit": 0, "user": 1}
    with catalog.session() as s:
        for table in (MoodReading, Recommendation, Feedback):
            assert s.scalar(select(func.count()).select_from(table).where(table.user_id == user)) == 0
        assert s.get(User, user) is None and s.get(User, 8) is not None
    with pytest.raises(ValueError):
        catalog.give_feedback(user, tracks[0].id, "love")


def test_mood_readings_store_no_image_data(catalog):
    catalog.record_mood(9, HAPPY, "photo")
    columns = {c["name"] for c in inspect(catalog.engine).get_columns("mood_readings")}
    assert columns == {"id", "user_id", "created_at", "source", "probs", "emotion", "confidence", "corrected"}


def test_replicas_share_the_database_without_duplicates(catalog):
    """Two Catalog objects (two replicas) voting concurrently: one row per (user, song), no error."""
    from catalog.db import make_engine
    from catalog.service import Catalog

    other = Catalog(make_engine(catalog.engine.url.render_as_string(hide_password=False)), catalog.settings)
    song = catalog.recommend(None, HAPPY, n=1, seed=0)[0].id
    errors = []

    def vote(cat, kind, user):
        try:
            for _ in range(10):
                cat.give_feedback(user, song, kind)
                cat.record_mood(user, HAPPY, "photo")
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=vote, args=(c, k, u)) for c, k in ((catalog, "like"), (other, "dislike"))
               for u in (100, 101)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with catalog.session() as s:
        assert s.scalar(select(func.count()).select_from(Feedback)) == 2
        assert s.scalar(select(func.count()).select_from(MoodReading)) == 40
        assert s.scalar(select(func.count()).select_from(User).where(User.id.in_([100, 101]))) == 2


def test_forget_racing_likes_and_moods_on_another_replica_never_fails(catalog):
    """/forget on one replica while another stores a like and a mood for the same user: no foreign-key error."""
    from catalog.db import make_engine
    from catalog.service import Catalog

    other = Catalog(make_engine(catalog.engine.url.render_as_string(hide_password=False)), catalog.settings)
    song = catalog.recommend(None, HAPPY, n=1, seed=0)[0].id
    errors: list[Exception] = []

    def repeat(action):
        try:
            for _ in range(25):
                action()
        except Exception as exc:  # noqa: BLE001 - collected and asserted on below
            errors.append(exc)

    actions = (lambda: other.give_feedback(300, song, "like"), lambda: other.record_mood(300, HAPPY, "photo"),
               lambda: catalog.forget(300))
    threads = [threading.Thread(target=repeat, args=(a,)) for a in actions]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    catalog.forget(300)
    assert catalog.latest_mood(300) is None and catalog.feedback_of(300) == {}


def test_pending_work_and_seen_updates(catalog):
    first = catalog.begin_work(1, 10, 100)
    second = catalog.begin_work(2, 20, 200)
    assert catalog.record_mood(1, HAPPY, "photo", first) is not None
    catalog.recommend(1, HAPPY, work=first)  # every write of the work is kept while it is pending
    catalog.end_work(first)
    assert catalog.record_mood(1, HAPPY, "photo", first) is None  # its work already ended
    assert catalog.claim_unfinished(3600) == []  # recent work belongs to a live process
    assert [(w.chat_id, w.message_id) for w in catalog.claim_unfinished(0)] == [(20, 200)]
    assert catalog.claim_unfinished(0) == []  # claimed once
    catalog.end_work(second)
    assert [catalog.first_sight(7), catalog.first_sight(7), catalog.first_sight(8)] == [True, False, True]


BIG = ("track_id,artists,album_name,track_name,popularity,duration_ms,explicit,danceability,energy,key,loudness,"
       "mode,speechiness,acousticness,instrumentalness,liveness,valence,tempo,time_signature,track_genre\n"
       "AAAAAAAAAAAAAAAAAAAAA1,Ann;Bob,Alb,Song One,40,1,False,0.5,0.3,1,-9,1,0.05,0.6,0.1,0.1,0.4,180,3,k-pop\n"
       "AAAAAAAAAAAAAAAAAAAAA1,Ann;Bob,Alb,Song One,40,1,False,0.5,0.3,1,-9,1,0.05,0.6,0.1,0.1,0.4,180,3,piano\n"
       "AAAAAAAAAAAAAAAAAAAAA2,Cee,Alb2,Song Two,60,1,True,0.7,0.9,1,-4,0,0.3,0.01,0.0,0.1,0.6,95,4,hip-hop\n")
TIDY = ("track_id,track_name,track_artist,track_popularity,track_album_id,track_album_name,"
        "track_album_release_date,playlist_name,playlist_id,playlist_genre,playlist_subgenre,danceability,energy,"
        "key,loudness,mode,speechiness,acousticness,instrumentalness,liveness,valence,tempo,duration_ms\n"
        "AAAAAAAAAAAAAAAAAAAAA2,Song Two,Cee,61,x,Alb2,2019-01-01,p,p,rap,trap,0.7,0.9,1,-4,0,0.3,0.01,0,0.1,0.6,95,1\n"
        "AAAAAAAAAAAAAAAAAAAAA3,Song Three,Dee,30,x,Alb3,2001,p,p,rock,hard rock,0.4,0.8,1,-5,1,0.05,0.1,0,0.1,"
        "0.5,120,1\n")


def test_build_merges_the_source_tables(tmp_path):
    pytest.importorskip("pandas")
    from catalog.build import build

    (tmp_path / "spotify_tracks_114k.csv.gz").write_bytes(gzip.compress(BIG.encode()))
    (tmp_path / "tidytuesday_spotify_songs.csv.gz").write_bytes(gzip.compress(TIDY.encode()))
    moods = SHARED_SONGS / "data_moods.csv"
    (tmp_path / "data_moods.csv").write_text(
        moods.read_text().splitlines()[0] + "\n" if moods.exists() else
        "name,album,artist,id,release_date,popularity,length,danceability,acousticness,energy,instrumentalness,"
        "liveness,valence,loudness,speechiness,tempo,key,time_signature,mood\n")
    summary = build(tmp_path, tmp_path / "seed.csv.gz")
    assert summary.rows == 3 and summary.tempo_folded == 1
    rows = {r["spotify_id"][-1]: r for r in csv.DictReader(io.StringIO(gzip.decompress(
        (tmp_path / "seed.csv.gz").read_bytes()).decode()))}
    one, two, three = rows["1"], rows["2"], rows["3"]
    assert one["artists"] == "Ann; Bob" and one["artist"] == "Ann" and one["genres"] == "k-pop;piano"
    assert one["language"] == "ko" and one["tempo"] == "90.0" and one["explicit"] == "0"
    assert two["explicit"] == "1" and two["family"] == "hip-hop" and two["year"] == "2019"  # 114k wins, year from tidy
    assert three["family"] == "rock" and three["genres"] == "rock;hard-rock"
    # No source flags Song Three and nothing is known of Dee: inferred, and explicit when unsure.
    assert (three["explicit"], three["explicit_inferred"], two["explicit_inferred"]) == ("1", "1", "0")
    result = import_file(make_engine_for(tmp_path), tmp_path / "seed.csv.gz")
    assert result.inserted == 3 and result.rejected == []


def make_engine_for(folder: Path):
    from catalog.db import make_engine, migrate

    engine = make_engine(f"sqlite:///{folder / 'built.db'}")
    migrate(engine)
    return engine


def test_cli_names_a_missing_file_or_folder_before_opening_the_database(tmp_path, capsys):
    from catalog.__main__ import main

    database = tmp_path / "never.db"
    (tmp_path / "songs.csv").write_text("spotify_id,title\n")
    for args in (["import", str(tmp_path / "missing.csv")], ["import", str(tmp_path)],
                 ["build", str(tmp_path / "missing")], ["build", str(tmp_path / "songs.csv")]):
        assert main(["--database-url", f"sqlite:///{database}", *args]) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"error: {tmp_path / 'missing.csv'}: no such file", f"error: {tmp_path}: a directory, not a file",
        f"error: {tmp_path / 'missing'}: no such folder", f"error: {tmp_path / 'songs.csv'}: a file, not a folder"]
    assert not database.exists()


def test_cli_recommend_and_stats(tmp_path, seeded_sqlite):
    import subprocess
    import sys

    shutil.copyfile(seeded_sqlite, tmp_path / "cli.db")  # seeded already: the CLI's own seeding is tested elsewhere
    env = {"DATABASE_URL": f"sqlite:///{tmp_path}/cli.db", "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-m", "catalog", "recommend", "sad", "--n", "4", "--strategy", "lift",
                          "--target", "calm", "--seed", "1"], capture_output=True, text=True, env=env, timeout=300,
                         cwd=Path(__file__).resolve().parents[1])
    assert out.returncode == 0, out.stderr
    lines = out.stdout.strip().splitlines()  # three lines a song: number, title and artist; reason; links
    assert [line[:3] for line in lines[::3]] == ["1. ", "2. ", "3. ", "4. "]
    assert all(line.startswith("    Spotify <https://open.spotify.com/track/") for line in lines[2::3])
    assert "step 2/4 calm" in lines[4]  # the reason as data: `python -m bot try` words it for users
    other = subprocess.run([sys.executable, "-m", "catalog", "recommend", "sad", "--n", "4", "--strategy", "lift",
                            "--target", "calm", "--seed", "2"], capture_output=True, text=True, env=env, timeout=300,
                           cwd=Path(__file__).resolve().parents[1])
    assert other.stdout != out.stdout  # another seed, another new user
    stats = subprocess.run([sys.executable, "-m", "catalog", "stats"], capture_output=True, text=True, env=env,
                           cwd=Path(__file__).resolve().parents[1], timeout=300)
    assert f'"songs": {SEED_SONGS}' in stats.stdout and f'"database": "sqlite:///{tmp_path}/cli.db"' in stats.stdout
