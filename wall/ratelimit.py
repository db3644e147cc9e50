"""A sliding-window rate limit: at most ``limit`` hits per key in the last ``window`` seconds.

The attendees' page uses one per device and one per client address; the login brake
(``wall.throttle``) counts failures the same way. Each key keeps the times of its recent
hits, so the answer is exact (no fixed-window burst at the edge) and ``retry_after`` can
say when the oldest hit leaves the window.

The times live in a ``HitLog``: ``MemoryLog`` in this process, or
``wall.shared.limits.RedisLog`` so that every process counts the same hits.
"""

from __future__ import annotations

import time
from collections import OrderedDict, deque
from collections.abc import Callable, Sequence
from typing import Protocol

# (key, limit, window): one limit to check in ``HitLog.admit``.
Check = tuple[str, int, float]


class HitLog(Protocol):
    """Hit times per key; each key is always used with the same window."""

    clock: Callable[[], float]

    async def recent(self, key: str, window: float, now: float) -> list[float]:
        """The key's hits in the window ending at ``now``, oldest first."""
        ...

    async def add(self, key: str, window: float, now: float) -> None: ...

    async def clear(self, key: str) -> None: ...

    async def admit(self, checks: Sequence[Check], now: float) -> tuple[int, float] | None:
        """At once: if every check allows a hit, count one on each and return None; else
        the index of the first that refuses and the seconds it asks to wait."""
        ...


def wait_for(hits: Sequence[float], limit: int, window: float, now: float) -> float:
    """Seconds before one more hit fits under ``limit`` (0: now)."""
    if len(hits) < limit:
        return 0.0
    return max(0.0, hits[len(hits) - limit] + window - now)


class MemoryLog:
    """``HitLog`` in this process's memory, for a bounded number of keys."""

    def __init__(self, *, max_keys: int = 100_000, clock: Callable[[], float] = time.monotonic):
        self.max_keys = max_keys
        self.clock = clock
        # Least recently hit first, so the key to forget when full is the first one.
        self._hits: OrderedDict[str, deque[float]] = OrderedDict()

    def _recent(self, key: str, window: float, now: float) -> deque[float]:
        hits = self._hits.get(key)
        if hits is None:
            return deque()
        while hits and hits[0] <= now - window:
            hits.popleft()
        if not hits:
            del self._hits[key]
        return hits

    def _add(self, key: str, window: float, now: float) -> None:
        self._recent(key, window, now)
        self._hits.setdefault(key, deque()).append(now)
        self._hits.move_to_end(key)
        if len(self._hits) > self.max_keys:  # bounded memory under a spray of keys
            self._hits.popitem(last=False)

    async def recent(self, key: str, window: float, now: float) -> list[float]:
        return list(self._recent(key, window, now))

    async def add(self, key: str, window: float, now: float) -> None:
        self._add(key, window, now)

    async def clear(self, key: str) -> None:
        self._hits.pop(key, None)

    async def admit(self, checks: Sequence[Check], now: float) -> tuple[int, float] | None:
        for index, (key, limit, window) in enumerate(checks):
            wait = wait_for(self._recent(key, window, now), limit, window, now)
            if wait > 0:
                return index, wait
        for key, _, window in checks:
            self._add(key, window, now)
        return None


class RateLimit:
    """``limit`` hits per key per ``window`` seconds; a ``limit`` of 0 means no limit.

    ``log`` defaults to one of its own in memory; limits that share a log are checked
    together, at once, by ``admit``.
    """

    def __init__(
        self,
        limit: int,
        *,
        window: float = 3600.0,
        max_keys: int = 100_000,
        log: HitLog | None = None,
        name: str = "",
    ) -> None:
        self.limit = limit
        self.window = window
        self.log: HitLog = log or MemoryLog(max_keys=max_keys)
        self.name = name  # keeps limits that share a log apart

    def key(self, key: str) -> str:
        return f"{self.name}:{key}" if self.name else key

    async def retry_after(self, key: str, *, now: float | None = None) -> float:
        """Seconds before ``key`` may be hit again (0: go ahead)."""
        if self.limit <= 0:
            return 0.0
        now = self.log.clock() if now is None else now
        hits = await self.log.recent(self.key(key), self.window, now)
        return wait_for(hits, self.limit, self.window, now)

    async def hit(self, key: str, *, now: float | None = None) -> None:
        """Count one hit for ``key``."""
        if self.limit <= 0:
            return
        now = self.log.clock() if now is None else now
        await self.log.add(self.key(key), self.window, now)


async def admit(
    checks: Sequence[tuple[RateLimit, str]], *, now: float | None = None
) -> tuple[RateLimit, float] | None:
    """Count a hit on every ``(limit, key)`` if all allow it, else none: the first refusal.

    A burst sent at once cannot slip through between the check and the count: limits that
    share a log are checked and counted in one step of the log (one script in Redis);
    limits in memory each have their own log, and nothing here waits between them.
    """
    active = [(limit, key) for limit, key in checks if limit.limit > 0]
    if not active:
        return None
    log = active[0][0].log
    now = log.clock() if now is None else now
    if all(limit.log is log for limit, _ in active):
        entries = [(limit.key(key), limit.limit, limit.window) for limit, key in active]
        found = await log.admit(entries, now)
        return None if found is None else (active[found[0]][0], found[1])
    for limit, key in active:
        wait = await limit.retry_after(key, now=now)
        if wait > 0:
            return limit, wait
    for limit, key in active:
        await limit.hit(key, now=now)
    return None


__all__ = ["HitLog", "MemoryLog", "RateLimit", "admit"]
