"""Song lists for a mood: the plan, the user's memory and taste, the choice, what is remembered, and why.

The arithmetic of choosing lives in :mod:`catalog.recommend` over the
in-memory :mod:`catalog.index`; this module adds the people around it. A list
for a user is written in one transaction, together with the reading it answers
when there is one, so a photo costs one commit for its mood and its songs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
from sqlalchemy import Connection, Engine, insert

from catalog.content import HELD_BACK, held_back
from catalog.history import NewReading, store_reading
from catalog.index import SongIndex
from catalog.moods import default_strategy, dominant, lift_target, regions
from catalog.operations import DailyLimit, checked_today, over_day
from catalog.people import STRATEGIES, People, Preferences, taste_of
from catalog.recommend import Pick, choose, lift_points, qualities
from catalog.schema import Recommendation, utcnow
from catalog.songs import Reason, Songs, Track
from catalog.store import autocommit, ensure_user, retried

_REMEMBER = insert(Recommendation)


@dataclass(frozen=True)
class Plan:
    """How a list is made: what the user asked for wins, then their settings, then the mood's default."""

    strategy: str
    target: str | None
    """Where a lift goes (always set for a lift), or the mood a match aims at instead of the reading's."""
    n: int


def plan(prefs: Preferences, emotion: str, strategy: str | None = None, target: str | None = None,
         n: int | None = None, length: int = 5) -> Plan:
    """The plan of a list for ``emotion``; tense moods get the calming path unless something says otherwise.

    ``n`` None takes the user's setting, else ``length``.
    """
    strategy = strategy or prefs.strategy or default_strategy(emotion)
    if strategy not in STRATEGIES:
        raise ValueError(f"unknown strategy {strategy!r}; choose from {', '.join(STRATEGIES)}")
    if strategy == "lift":
        target = target or lift_target(emotion)
    return Plan(strategy, target, n if n is not None else prefs.songs_per_list or length)


@dataclass(frozen=True)
class SongList:
    """A list as it was made: its plan (which a reply's heading names) and its songs."""

    plan: Plan
    tracks: list[Track]


class SongLists:
    """Recommendations: songs chosen for a mood and a person, remembered so that they are not repeated soon."""

    def __init__(self, engine: Engine, songs: Songs, people: People):
        self.engine, self.songs, self.people = engine, songs, people

    def recommend(self, user_id: int | None, mood: Sequence[float] | str, strategy: str | None = None,
                  target: str | None = None, n: int | None = None, seed: int | None = None,
                  preferences: Preferences | None = None, work: int | None = None,
                  per_day: int | None = None, wish: str | None = None, on: dt.date | None = None,
                  reading: NewReading | None = None) -> list[Track]:
        """The songs of :meth:`song_list`."""
        return self.song_list(user_id, mood, strategy, target, n=n, seed=seed, preferences=preferences, work=work,
                              per_day=per_day, wish=wish, on=on, reading=reading).tracks

    def song_list(self, user_id: int | None, mood: Sequence[float] | str, strategy: str | None = None,
                  target: str | None = None, *, n: int | None = None, seed: int | None = None,
                  preferences: Preferences | None = None, work: int | None = None,
                  per_day: int | None = None, wish: str | None = None, on: dt.date | None = None,
                  reading: NewReading | None = None, language_code: str | None = None,
                  length: int = 5) -> SongList:
        """Songs for a mood, each with the reason it was chosen, and the plan they follow.

        ``mood`` is a face's seven probabilities or a mood named by hand (any
        emotion, or "calm"/"energetic"). ``match``: songs that fit the mood now.
        ``lift``: from the mood toward ``target`` (default: calm for tense moods,
        happy for low ones, energetic for a happy one), in one genre family.
        ``strategy`` None takes the user's setting, else the mood's default
        (lift for angry, disgust and fear). ``n`` None takes the user's setting,
        else ``length``. With a user, their settings (until they change one, the
        defaults for ``language_code``, their Telegram app's language), history
        and feedback count, read with their recent songs in one statement while
        the settings kept in the process hold, and the list is remembered;
        ``preferences`` overrides the stored settings (anonymous use, e.g. the
        CLI, where ``language_code`` plays no part). ``wish`` asks for a kind
        of content held back by default (a tag of :mod:`catalog.content`:
        "holiday", "children", ...); ``on`` is the day the list is for (today),
        which decides whether holiday songs are in season.

        With ``work`` (from :meth:`catalog.operations.Operations.begin_work`), the list is remembered only while
        that work is pending, else :class:`Forgotten` is raised (a ``/forget`` came
        meanwhile). With ``per_day``, :class:`DailyLimit` is raised instead of
        remembering more than that many songs for the user in the last 24 hours.
        With ``reading``, that reading is stored in the same transaction (first:
        its own daily limit refuses both; the songs' limit keeps the reading).
        """
        if wish is not None and wish not in HELD_BACK:
            raise ValueError(f"unknown wish {wish!r}; choose from {', '.join(HELD_BACK)}")
        if reading is not None and user_id is None:
            raise ValueError("a reading belongs to a user")
        space = regions()
        if isinstance(mood, str):
            emotion, start = mood.lower(), space.point(mood)
        else:
            emotion, start = dominant(mood), space.blend(mood)
        with autocommit(self.engine) if user_id is None else self.engine.connect() as conn:
            if user_id is None:
                prefs, exclude, learned = preferences or Preferences(), set(), None
            else:
                stored, recent, learned = self.people.recall(user_id, conn, language_code)
                prefs, exclude = preferences or stored, recent | learned.disliked
            chosen = plan(prefs, emotion, strategy, target, n, length)
            if chosen.n < 1:
                if user_id is not None and reading is not None:
                    self._remember(conn, user_id, [], chosen.strategy, work, per_day, reading)
                return SongList(chosen, [])
            goal = chosen.target or emotion
            if chosen.strategy == "lift":
                points = lift_points(start, space.point(goal), chosen.n)
            else:
                points = [space.point(goal) if chosen.target else start] * chosen.n
            index = self.songs.index()
            taste = replace(taste_of(prefs, learned), hidden=held_back(on or dt.date.today(), wish), wish=wish)
            picks = choose(index, points, space.spread, taste, exclude, np.random.default_rng(seed),
                           lift_from=emotion if chosen.strategy == "lift" else None)
            ids = [int(index.ids[p.position]) for p in picks]
            if user_id is not None and (ids or reading is not None):
                tracks = self._remember(conn, user_id, ids, chosen.strategy, work, per_day, reading)
            else:
                tracks = self.songs.tracks(ids, conn)
        reasons = [_reason(index, space.features, p, k, len(picks), emotion, goal, chosen.strategy)
                   for k, p in enumerate(picks)]
        return SongList(chosen, [replace(t, reason=r) for t, r in zip(tracks, reasons)])

    @retried
    def _remember(self, conn: Connection, user_id: int, ids: list[int], strategy: str, work: int | None,
                  per_day: int | None, reading: NewReading | None) -> list[Track]:
        """Store the reading and the list in one transaction on ``conn``; the list's tracks, read on it first.

        The tracks are read before the first write, so on SQLite the write lock
        is held only for the writes themselves. The pending work and the day's
        counts are one statement (:func:`checked_today`), the songs one batch
        (psycopg sends it in one round trip). Whatever fails rolls the transaction back, so that a retry
        starts afresh on the same connection.
        """
        over: DailyLimit | None = None
        try:
            tracks = self.songs.tracks(ids, conn)
            ensure_user(conn, user_id)
            today = checked_today(conn, user_id, work)
            if reading is not None:
                store_reading(conn, user_id, reading, today.readings)
            if ids:
                try:
                    over_day(today.songs, len(ids), per_day, "songs")
                except DailyLimit as exc:  # the reading stays, as it would had it come on its own
                    over = exc
                else:
                    now = utcnow()
                    conn.execute(_REMEMBER, [{"user_id": user_id, "song_id": i, "strategy": strategy, "created_at": now}
                                             for i in ids])
            conn.commit()
        except BaseException:
            conn.rollback()
            raise
        if over is not None:
            raise over
        return tracks


def _reason(index: SongIndex, features: Sequence[str], pick: Pick, k: int, n: int, emotion: str, goal: str,
            strategy: str) -> Reason:
    """Why a song: how it sounds, and its place in the list."""
    sound = dict(zip(features, (index.features[pick.position] * regions().spread).tolist()))
    if strategy == "lift":
        role, mood = ("meets", emotion) if k == 0 else ("arrives", goal) if k == n - 1 else ("step", goal)
    else:
        role, mood = "fits", goal
    return Reason(role, mood, k + 1, n, qualities(sound), str(index.family[pick.position]),
                  round(sound["tempo"] * 200.0), pick.relaxed)
