"""Per-user rate limiting: a sliding window of recent media per user, in memory.

In-memory is enough here: a limit exists to keep one chatty user from starving
the analysis workers of one process. With several webhook replicas each keeps
its own window, which at worst multiplies the allowance by the replica count.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass


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
