"""In-process sliding-window rate limiters (general per-user limit, login, enrollment).

Each API replica counts on its own; behind a load balancer the effective limit is per replica, which
still bounds brute force. A shared store can replace :class:`SlidingWindow` without touching callers.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable


class SlidingWindow:
    """At most ``limit`` hits per ``window`` seconds per key."""

    def __init__(self, limit: int, window: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.window = window
        self._clock = clock
        self._hits: dict[str, deque[float]] = {}

    def _trim(self, key: str, now: float) -> deque[float]:
        hits = self._hits.setdefault(key, deque())
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        return hits

    def retry_after(self, key: str) -> int | None:
        """Seconds until ``key`` may try again, or None if it is under the limit (nothing is counted)."""
        now = self._clock()
        hits = self._trim(key, now)
        if len(hits) < self.limit:
            if not hits:
                self._hits.pop(key, None)
            return None
        return max(1, math.ceil(hits[0] + self.window - now))

    def hit(self, key: str) -> int | None:
        """Count one hit; returns seconds to wait if the limit was already reached (the hit is not counted)."""
        wait = self.retry_after(key)
        if wait is not None:
            return wait
        self._hits.setdefault(key, deque()).append(self._clock())
        self._sweep()
        return None

    def reset(self, key: str) -> None:
        self._hits.pop(key, None)

    def _sweep(self) -> None:
        # Bound memory under many distinct keys (an address scan): drop idle keys now and then.
        if len(self._hits) > 10_000:
            now = self._clock()
            for key in [k for k, v in self._hits.items() if not v or v[-1] <= now - self.window]:
                del self._hits[key]
