"""A sliding-window rate limit: at most ``limit`` hits per key in the last ``window`` seconds.

The attendees' page uses one per device and one per client address. Each key keeps the
times of its recent hits, so the answer is exact (no fixed-window burst at the edge) and
``retry_after`` can say when the oldest hit leaves the window.
"""

from __future__ import annotations

import time
from collections import OrderedDict, deque


class RateLimit:
    """``limit`` hits per key per ``window`` seconds; a ``limit`` of 0 means no limit."""

    def __init__(self, limit: int, *, window: float = 3600.0, max_keys: int = 100_000) -> None:
        self.limit = limit
        self.window = window
        self.max_keys = max_keys
        # Least recently hit first, so the key to forget when full is the first one.
        self._hits: OrderedDict[str, deque[float]] = OrderedDict()

    def _recent(self, key: str, now: float) -> deque[float]:
        hits = self._hits.get(key)
        if hits is None:
            return deque()
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        if not hits:
            del self._hits[key]
        return hits

    def retry_after(self, key: str, *, now: float | None = None) -> float:
        """Seconds before ``key`` may be hit again (0: go ahead)."""
        if self.limit <= 0:
            return 0.0
        now = time.monotonic() if now is None else now
        hits = self._recent(key, now)
        if len(hits) < self.limit:
            return 0.0
        return max(0.0, hits[len(hits) - self.limit] + self.window - now)

    def hit(self, key: str, *, now: float | None = None) -> None:
        """Count one hit for ``key``."""
        if self.limit <= 0:
            return
        now = time.monotonic() if now is None else now
        self._recent(key, now)
        self._hits.setdefault(key, deque()).append(now)
        self._hits.move_to_end(key)
        if len(self._hits) > self.max_keys:  # bounded memory under a spray of keys
            self._hits.popitem(last=False)


__all__ = ["RateLimit"]
