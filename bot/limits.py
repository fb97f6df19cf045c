"""Per-user rate limiting: a sliding window of recent media per user, in memory.

In-memory is enough here: a limit exists to keep one chatty user from starving
the analysis workers of one process. With several webhook replicas each keeps
its own window, which at worst multiplies the allowance by the replica count.
"""

from __future__ import annotations

import time
from collections import deque


class RateLimiter:
    def __init__(self, limit: int, window: float, clock=time.monotonic):
        self.limit, self.window, self.clock = limit, window, clock
        self._seen: dict[int, deque[float]] = {}

    def check(self, user_id: int) -> float:
        """Record an attempt; return 0 if allowed, else the seconds until the next one would be."""
        now = self.clock()
        stamps = self._seen.setdefault(user_id, deque())
        while stamps and stamps[0] <= now - self.window:
            stamps.popleft()
        if len(stamps) >= self.limit:
            return stamps[0] + self.window - now
        stamps.append(now)
        if len(self._seen) > 10_000:  # forget idle users so memory stays bounded
            self._seen = {u: s for u, s in self._seen.items() if s and s[-1] > now - self.window}
        return 0.0
