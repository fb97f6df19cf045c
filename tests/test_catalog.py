"""Catalogue: schema and migrations, import, the emotion map, the recommender's rules, history and privacy."""

from __future__ import annotations

import gzip
import threading
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import func, inspect, select, text

from catalog.importer import ImportFileError, import_file
from catalog.moods import EMOTIONS, MOOD_POINTS, default_lift_target, point_of, target_point
from catalog.recommend import SongIndex, choose
from catalog.schema import Feedback, MoodReading, Recommendation, Song, User

SAD = [0, 0, 0, 0, 1, 0, 0]
HAPPY = [0, 0, 0, 1, 0, 0, 0]
SHARED_SONGS = Path(__file__).resolve().parents[2] / "shared" / "data" / "songs"


def test_labels_match_the_model():
    from model.labels import EMOTIONS as MODEL_EMOTIONS

    assert EMOTIONS == MODEL_EMOTIONS


def test_schema_is_migrated_and_seeded(catalog):
    insp = inspect(catalog.engine)
    assert {"songs", "users", "mood_readings", "recommendations", "feedback", "pending_work", "seen_updates",
            "alembic_version"} <= set(insp.get_table_names())
    with catalog.engine.connect() as conn:
        assert conn.execute(text("select version_num from alembic_version")).scalar_one() == "0002"
        assert conn.execute(select(func.count()).select_from(Song)).scalar_one() == 28_930
    from catalog.db import prepare

    prepare(catalog.engine)  # idempotent: a restart neither re-seeds nor fails
    assert catalog.stats()["songs"] == 28_930


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
    song = catalog.recommend(42, SAD, n=1, seed=0)[0].id
    catalog.record_mood(42, SAD, "photo")
    catalog.give_feedback(42, song, "like")
    _alembic(catalog.engine, "upgrade", "head")
    assert catalog.latest_mood(42).emotion == "sad" and catalog.feedback_of(42) == {song: "like"}
    assert catalog.stats()["songs"] == 28_930 and catalog.first_sight(1)


def test_mood_map():
    v_happy, _ = MOOD_POINTS["happy"]
    v_sad, e_sad = MOOD_POINTS["sad"]
    _, e_angry = MOOD_POINTS["angry"]
    assert v_happy > 0.8 and v_sad < 0.2 and e_sad < 0.4 and e_angry > 0.8
    assert target_point(HAPPY) == pytest.approx(MOOD_POINTS["happy"])
    mixed = target_point([0, 0, 0, 0.5, 0.5, 0, 0])
    assert mixed == pytest.approx(tuple((a + b) / 2 for a, b in zip(MOOD_POINTS["happy"], MOOD_POINTS["sad"])))
    assert default_lift_target("angry") == "calm" and default_lift_target("sad") == "happy"
    with pytest.raises(ValueError):
        target_point([1, 0])
    with pytest.raises(ValueError, match="choose from"):
        point_of("ecstatic")


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
        assert s.scalar(select(func.count()).select_from(Song)) == 28_931


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
        assert s.scalar(select(func.count()).select_from(Song).where(Song.genre == "")) == 578


def _distance(track, point):
    return float(np.hypot(track.valence - point[0], track.energy - point[1]))


def test_match_fits_the_mood_with_variety(catalog):
    tracks = catalog.recommend(None, HAPPY, n=10, seed=1)
    assert len(tracks) == 10
    assert len({t.artist.casefold() for t in tracks}) == 10
    assert len({(t.title.casefold(), t.artist.casefold()) for t in tracks}) == 10
    assert max(_distance(t, MOOD_POINTS["happy"]) for t in tracks) < 0.1
    assert [t.id for t in catalog.recommend(None, HAPPY, n=10, seed=1)] == [t.id for t in tracks]  # seedable


def test_lift_moves_from_the_mood_to_the_target(catalog):
    tracks = catalog.recommend(None, SAD, strategy="lift", target="happy", n=6, seed=1)
    assert len(tracks) == 6
    assert _distance(tracks[0], MOOD_POINTS["sad"]) < 0.15
    assert _distance(tracks[-1], MOOD_POINTS["happy"]) < 0.15
    assert tracks[-1].valence - tracks[0].valence > 0.5
    calm = catalog.recommend(None, [1, 0, 0, 0, 0, 0, 0], strategy="lift", n=5, seed=1)  # angry -> calm by default
    assert calm[-1].energy < calm[0].energy


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


def test_liked_artists_are_boosted():
    index = SongIndex(ids=np.arange(4), valence=np.array([0.5, 0.52, 0.9, 0.51]), energy=np.full(4, 0.5),
                      popularity=np.zeros(4), artist_key=np.array(["a", "b", "c", "d"], object),
                      title_key=np.array(["1|a", "2|b", "3|c", "4|d"], object))
    rng = np.random.default_rng(0)
    assert choose(index, [(0.5, 0.5)], set(), set(), rng, jitter=0) == [0]
    assert choose(index, [(0.5, 0.5)], set(), {"b"}, rng, jitter=0) == [1]
    assert choose(index, [(0.5, 0.5)] * 4, {0}, set(), rng, jitter=0) == [3, 1, 2]


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
    assert counts == {"pending": 0, "moods": 2, "recommendations": 3, "feedback": 1, "user": 1}
    with catalog.session() as s:
        for table in (MoodReading, Recommendation, Feedback):
            assert s.scalar(select(func.count()).select_from(table).where(table.user_id == user)) == 0
        assert s.get(User, user) is None and s.get(User, 8) is not None
    with pytest.raises(ValueError):
        catalog.give_feedback(user, tracks[0].id, "love")


def test_mood_readings_store_no_image_data(catalog):
    catalog.record_mood(9, HAPPY, "photo")
    columns = {c["name"] for c in inspect(catalog.engine).get_columns("mood_readings")}
    assert columns == {"id", "user_id", "created_at", "source", "probs", "emotion", "confidence"}


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
    assert catalog.record_mood(1, HAPPY, "photo", first) is None  # its work already ended
    assert catalog.claim_unfinished(3600) == []  # recent work belongs to a live process
    assert [(w.chat_id, w.message_id) for w in catalog.claim_unfinished(0)] == [(20, 200)]
    assert catalog.claim_unfinished(0) == []  # claimed once
    catalog.end_work(second)
    assert [catalog.first_sight(7), catalog.first_sight(7), catalog.first_sight(8)] == [True, False, True]


def test_cli_recommend_and_stats(tmp_path):
    import subprocess
    import sys

    env = {"DATABASE_URL": f"sqlite:///{tmp_path}/cli.db", "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-m", "catalog", "recommend", "sad", "--n", "4", "--strategy", "lift",
                          "--target", "calm", "--seed", "1"], capture_output=True, text=True, env=env, timeout=300,
                         cwd=Path(__file__).resolve().parents[1])
    assert out.returncode == 0, out.stderr
    lines = out.stdout.strip().splitlines()
    assert len(lines) == 4 and all("open.spotify.com/track/" in line for line in lines)
    stats = subprocess.run([sys.executable, "-m", "catalog", "stats"], capture_output=True, text=True, env=env,
                           cwd=Path(__file__).resolve().parents[1], timeout=300)
    assert '"songs": 28930' in stats.stdout
