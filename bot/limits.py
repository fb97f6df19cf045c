"""Per-user rate limits (in memory for one process, in the database for replicas), and per-user turns.

Two limits, each with its own windows: photos and videos (so that one chatty
user cannot starve the analysis workers) and every other action, commands and
button presses (so that a flood of /mood or 🔁 cannot either). One process
keeps a sliding window per user in memory (:class:`RateLimiter`). Replicas
behind one webhook share the database's fixed window per user
(:class:`SharedRateLimiter`, ``BOT_RATE_SHARED=true``): with memory windows, N
replicas would grant N times the limit.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

from catalog import Catalog


@dataclass(frozen=True)
class Verdict:
    wait: float
    """0 when allowed, else seconds until the next attempt would be."""
    tell: bool
    """Whether to tell the user: once per refusal streak, not once per refused photo."""

    @property
    def allowed(self) -> bool:
        return self.wait == 0


class RateLimiter:
    def __init__(self, limit: int, window: float, clock: Callable[[], float] = time.monotonic):
        self.limit, self.window, self.clock = limit, window, clock
        self._seen: dict[int, deque[float]] = {}
        self._told_until: dict[int, float] = {}

    def check(self, user_id: int) -> Verdict:
        """Record an attempt and judge it."""
        now = self.clock()
        stamps = self._seen.setdefault(user_id, deque())
        while stamps and stamps[0] <= now - self.window:
            stamps.popleft()
        if len(stamps) >= self.limit:
            wait = stamps[0] + self.window - now
            tell = self._told_until.get(user_id, 0.0) <= now
            if tell:
                self._told_until[user_id] = now + wait
            return Verdict(wait, tell)
        stamps.append(now)
        if len(self._seen) > 10_000:  # forget idle users so memory stays bounded
            self._seen = {u: s for u, s in self._seen.items() if s and s[-1] > now - self.window}
            self._told_until = {u: t for u, t in self._told_until.items() if t > now}
        return Verdict(0.0, False)

    async def admit(self, user_id: int) -> Verdict:
        """:meth:`check`, with the same signature as the shared limiter's."""
        return self.check(user_id)


class SharedRateLimiter:
    """The limit held across replicas: one atomic upsert per attempt (:meth:`catalog.Catalog.take_allowance`)."""

    def __init__(self, catalog: Catalog, limit: int, window: float, kind: str = "media"):
        self.catalog, self.limit, self.window, self.kind = catalog, limit, window, kind

    async def admit(self, user_id: int) -> Verdict:
        used, left = await asyncio.to_thread(self.catalog.take_allowance, user_id, self.limit, self.window,
                                             kind=self.kind)
        if used <= self.limit:
            return Verdict(0.0, False)
        return Verdict(max(left, 0.1), tell=used == self.limit + 1)


class Turns:
    """One lock per user who has work running or waiting; forgotten when nobody holds or awaits it."""

    def __init__(self) -> None:
        self._locks: dict[int, tuple[asyncio.Lock, int]] = {}

    @asynccontextmanager
    async def turn(self, user_id: int) -> AsyncIterator[None]:
        lock, users = self._locks.get(user_id, (asyncio.Lock(), 0))
        self._locks[user_id] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[user_id]
            if users == 1:
                del self._locks[user_id]
            else:
                self._locks[user_id] = (lock, users - 1)
