"""The recommender's rules on a small made-up catalogue: languages, copies, unwanted content, explicit, lift starts.

Made-up songs make each rule visible on its own (a holiday song right at the mood's point, a copy more
popular than nothing else), in milliseconds and without a database.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from catalog.content import held_back, in_season, parse_tags
from catalog.index import Near, song_index
from catalog.languages import default_languages
from catalog.moods import regions
from catalog.paths import START_FAMILIES, START_REGIONS, start_family
from catalog.recommend import FIELD, Taste, choose, path_points, slots

N = 6000
OUT_OF_SEASON = held_back(dt.date(2026, 6, 1))


def _catalogue(**columns):
    """N songs spread around every mood; ``columns`` override per-song values (arrays of length N)."""
    rng = np.random.default_rng(0)
    space = regions()
    centres = np.stack([space.point(m) for m in ("angry", "calm", "happy", "sad", "fear")])
    features = centres[rng.integers(0, len(centres), N)] + rng.normal(0, 0.08, (N, len(space.features)))
    base = {"popularity": rng.integers(40, 90, N), "family": rng.choice(["rock", "pop", "classical/instrumental",
                                                                       "metal", "folk/acoustic"], N),
            "language": np.full(N, "en", object), "explicit": np.zeros(N, int), "copy_of": np.full(N, "", object),
            "tags": np.full(N, "", object)}
    base.update(columns)
    columns = {"id": range(1, N + 1), "artist": [f"artist {k}" for k in range(N)],
               "title": [f"song {k}" for k in range(N)], **{name: list(values) for name, values in base.items()},
               **dict(zip(space.features, features.T.tolist()))}
    return song_index(columns, space.features, space.spread), features


def _picks(index, mood: str, taste: Taste, lists: int = 20, n: int = 5, strategy: str = "match") -> list[int]:
    space = regions()
    points = (path_points(space.point(mood), space.point("calm"), n) if strategy == "lift"
              else [space.point(mood)] * n)
    return [p.position for seed in range(lists) for p in choose(
        index, points, space.spread, taste, set(), np.random.default_rng(seed),
        lift_from=mood if strategy == "lift" else None)]


@pytest.mark.parametrize(("code", "languages"), [
    ("en", ("en",)), ("en-GB", ("en",)), ("es", ("es", "en")), ("pt-br", ("pt", "en")), ("es-419", ("es", "en")),
    ("ja", ("ja", "en")), (None, ()), ("", ()), ("x", ())])
def test_default_languages_from_the_telegram_language_code(code, languages):
    assert default_languages(code) == languages


def test_songs_in_other_languages_stay_out_and_instrumental_ones_fit():
    rng = np.random.default_rng(1)
    language = rng.choice(["en", "es", "tr", "zxx"], N).astype(object)
    index, _ = _catalogue(language=language)
    english = _picks(index, "happy", Taste(languages=frozenset({"en"}), hidden=OUT_OF_SEASON))
    assert set(index.language[english]) <= {"en", "zxx"}
    spanish = _picks(index, "happy", Taste(languages=frozenset({"es", "en"}), hidden=OUT_OF_SEASON))
    sung = [lang for lang in index.language[spanish] if lang != "zxx"]
    assert set(sung) <= {"es", "en"} and sung.count("es") >= len(sung) / 2  # own-language slots come first
    anyone = _picks(index, "happy", Taste(hidden=OUT_OF_SEASON))
    assert "tr" in set(index.language[anyone])


def test_only_the_canonical_copy_of_a_song_is_chosen():
    copy_of = np.full(N, "", object)
    copy_of[::2] = "0" * 22  # every other song is a less popular copy of another
    index, _ = _catalogue(copy_of=copy_of)
    picks = _picks(index, "sad", Taste(hidden=OUT_OF_SEASON))
    assert picks and all(p % 2 == 1 for p in picks)


def test_unwanted_content_is_held_back_unless_wished_for():
    tags = np.full(N, "", object)
    tags[: N // 2] = np.array(["holiday", "children", "cover", "sleep", "spoken", "worship"], object)[
        np.arange(N // 2) % 6]
    tags[N // 2: N // 2 + 300] = "lofi"  # not junk: stays in
    index, _ = _catalogue(tags=tags)
    default = _picks(index, "calm", Taste(hidden=OUT_OF_SEASON))
    assert set(index.tags[default]) <= {0, index.tags[N // 2]}
    december = _picks(index, "happy", Taste(hidden=held_back(dt.date(2026, 12, 10))), lists=40)
    assert "holiday" not in held_back(dt.date(2026, 12, 10)) and "holiday" in held_back(dt.date(2026, 12, 27))
    assert any(tags[p] == "holiday" for p in december)
    assert not any(tags[p] in ("children", "sleep") for p in december)
    for wish in ("holiday", "children", "sleep"):
        wished = _picks(index, "happy", Taste(hidden=held_back(dt.date(2026, 6, 1), wish), wish=wish), lists=5)
        assert wished and all(tags[p] == wish for p in wished)
    assert in_season(dt.date(2026, 12, 1)) and not in_season(dt.date(2026, 11, 30))
    with pytest.raises(ValueError, match="unknown tag"):
        parse_tags("holiday;polka")


def test_explicit_songs_inferred_or_not_only_when_allowed():
    explicit = np.where(np.arange(N) % 3 == 0, 1, np.where(np.arange(N) % 3 == 1, 0, -1))
    index, _ = _catalogue(explicit=explicit)
    clean = _picks(index, "angry", Taste(hidden=OUT_OF_SEASON), strategy="lift")
    assert clean and all(explicit[p] == 0 for p in clean)  # an unknown flag counts as explicit
    allowed = _picks(index, "angry", Taste(explicit=True, hidden=OUT_OF_SEASON), strategy="lift")
    assert {1, 0, -1} <= set(explicit[allowed])


def test_a_new_users_list_leans_to_songs_people_know_and_discovery_grows():
    rng = np.random.default_rng(2)
    popularity = np.where(rng.random(N) < 0.5, rng.integers(0, 20, N), rng.integers(60, 90, N))
    index, _ = _catalogue(popularity=popularity)
    new = _picks(index, "happy", Taste(hidden=OUT_OF_SEASON))
    assert np.median(popularity[new]) >= 60
    assert [s.familiar for s in slots(Taste(verdicts=0), 5)] == [True] * 5
    seasoned = slots(Taste(verdicts=60, languages=frozenset({"en"})), 5)
    assert sum(not s.familiar for s in seasoned) == 2 and sum(s.other_languages for s in seasoned) == 1
    assert np.median(popularity[_picks(index, "happy", Taste(verdicts=60, hidden=OUT_OF_SEASON))]) < np.median(
        popularity[new])


def test_lift_lists_start_in_a_family_that_carries_the_mood_and_end_calm():
    index, features = _catalogue()
    space = regions()
    energy = space.features.index("energy")
    starts, ends = [], []
    for seed in range(30):
        points = path_points(space.point("angry"), space.point("calm"), 5)
        picks = choose(index, points, space.spread, Taste(hidden=OUT_OF_SEASON), set(),
                       np.random.default_rng(seed), lift_from="angry")
        starts.append(picks[0].position)
        ends.append(picks[-1].position)
    assert set(index.family[starts]) <= set(START_FAMILIES["angry"]) and len(set(index.family[starts])) >= 2
    assert features[starts, energy].mean() > 0.6 and features[ends, energy].mean() < 0.3
    near = Near(index.distances(space.point("angry") / space.spread), index.canonical, FIELD)
    liked = start_family(index, near, index.canonical, "angry", frozenset({"metal"}), np.random.default_rng(0))
    assert index.families[liked] == "metal"  # within the user's taste


@pytest.mark.parametrize("mood", ["disgust", "fear"])
def test_a_tense_lift_opens_in_the_moods_own_region_never_with_lofi(mood):
    space = regions()
    valence, energy = space.features.index("valence"), space.features.index("energy")
    rng = np.random.default_rng(1)
    # A fifth of the songs are lo-fi beats placed right at the mood's point (as near as a song can be).
    lofi = rng.random(N) < 0.2
    index, features = _catalogue(tags=np.where(lofi, "lofi", "").astype(object),
                                 family=np.where(lofi, "electronic", rng.choice(
                                     ["rock", "metal", "electronic", "classical/instrumental", "folk/acoustic"], N)))
    index.features[lofi] = space.point(mood) / space.spread
    low, high, top = START_REGIONS[mood]
    starts = [choose(index, path_points(space.point(mood), space.point("calm"), 5), space.spread,
                     Taste(hidden=OUT_OF_SEASON), set(), np.random.default_rng(seed), lift_from=mood)[0].position
              for seed in range(30)]
    assert not lofi[starts].any()
    assert (features[starts, energy] >= low).all() and (features[starts, energy] <= high).all()
    assert (features[starts, valence] <= top).all()
    assert set(index.family[starts]) <= set(START_FAMILIES[mood])


def test_searching_the_nearest_songs_first_changes_no_pick(monkeypatch):
    import catalog.recommend as recommend

    rng = np.random.default_rng(3)
    index, _ = _catalogue(language=rng.choice(["en", "es", "sv", "zxx"], N, p=[0.6, 0.3, 0.02, 0.08]).astype(object),
                          popularity=rng.integers(0, 90, N))
    tastes = [Taste(hidden=OUT_OF_SEASON), Taste(languages=frozenset({"sv"}), hidden=OUT_OF_SEASON),
              Taste(languages=frozenset({"es", "en"}), liked_families=frozenset({"metal"}), hidden=OUT_OF_SEASON),
              Taste(verdicts=30, liked_artists=frozenset({1, 2, 3}), hidden=OUT_OF_SEASON)]
    monkeypatch.setattr(recommend, "FIELD", N + 1)  # the whole catalogue at once
    whole = [_picks(index, mood, taste, lists=5, strategy=strategy) for taste in tastes
             for mood, strategy in (("sad", "match"), ("angry", "lift"))]
    monkeypatch.setattr(recommend, "FIELD", 300)  # a small field: most decisions fall back
    small = [_picks(index, mood, taste, lists=5, strategy=strategy) for taste in tastes
             for mood, strategy in (("sad", "match"), ("angry", "lift"))]
    assert whole == small
