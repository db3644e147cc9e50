"""Hit logs in Redis: the attendees' limits and the login brake counted by every process.

One sorted set per key, ``{ns}:hits:{key}``: each hit is a member scored by its Unix time
(wall-clock time, the same on every process; the in-memory log uses the monotonic clock).
A set expires one window after its last hit. ``admit`` is one Lua script, so a burst
spread over several processes cannot slip between the check and the count.

When Redis does not answer, the log counts in this process's memory (each process then
brakes on its own hits only) and says so once in the log.
"""

from __future__ import annotations

import math
import secrets
import time
from collections.abc import Sequence

from wall.ratelimit import Check, MemoryLog
from wall.shared.connection import Shared

# KEYS: one sorted set per check; ARGV[1] now, ARGV[2] a unique member prefix, then
# limit and window for each key.
_ADMIT = """
local now = tonumber(ARGV[1])
for i, key in ipairs(KEYS) do
  local limit, window = tonumber(ARGV[1 + 2 * i]), tonumber(ARGV[2 + 2 * i])
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
  local n = redis.call('ZCARD', key)
  if n >= limit then
    local oldest = redis.call('ZRANGE', key, n - limit, n - limit, 'WITHSCORES')
    return {i - 1, tostring(tonumber(oldest[2]) + window - now)}
  end
end
for i, key in ipairs(KEYS) do
  redis.call('ZADD', key, now, ARGV[2] .. ':' .. i)
  redis.call('PEXPIRE', key, math.ceil(tonumber(ARGV[2 + 2 * i]) * 1000))
end
return false
"""


class RedisLog:
    """``HitLog`` in Redis, falling back to this process's memory."""

    def __init__(self, shared: Shared, name: str) -> None:
        self.shared = shared
        self.name = name
        self.clock = time.time
        self.fallback = MemoryLog(clock=time.time)
        self._admit = shared.client.register_script(_ADMIT)

    def _key(self, key: str) -> str:
        return self.shared.key("hits", self.name, key)

    @staticmethod
    def _member(now: float) -> str:
        return f"{now!r}:{secrets.token_hex(6)}"  # unique: two hits may share a time

    async def recent(self, key: str, window: float, now: float) -> list[float]:
        async def op() -> list[float]:
            async with self.shared.client.pipeline(transaction=True) as pipe:
                pipe.zremrangebyscore(self._key(key), "-inf", now - window)
                pipe.zrange(self._key(key), 0, -1, withscores=True)
                _, hits = await pipe.execute()
            return [float(score) for _, score in hits]

        return await self.shared.attempt(
            f"the {self.name} limits", op, lambda: self.fallback.recent(key, window, now)
        )

    async def add(self, key: str, window: float, now: float) -> None:
        async def op() -> None:
            async with self.shared.client.pipeline(transaction=True) as pipe:
                pipe.zadd(self._key(key), {self._member(now): now})
                pipe.pexpire(self._key(key), math.ceil(window * 1000))
                await pipe.execute()

        await self.shared.attempt(
            f"the {self.name} limits", op, lambda: self.fallback.add(key, window, now)
        )

    async def clear(self, key: str) -> None:
        async def op() -> None:
            await self.shared.client.delete(self._key(key))

        await self.shared.attempt(f"the {self.name} limits", op, lambda: self.fallback.clear(key))

    async def admit(self, checks: Sequence[Check], now: float) -> tuple[int, float] | None:
        async def op() -> tuple[int, float] | None:
            args: list[str | float | int] = [repr(now), self._member(now)]
            for _, limit, window in checks:
                args += [limit, repr(float(window))]
            keys = [self._key(key) for key, _, _ in checks]
            found = await self._admit(keys=keys, args=args)
            return None if not found else (int(found[0]), float(found[1]))

        return await self.shared.attempt(
            f"the {self.name} limits", op, lambda: self.fallback.admit(checks, now)
        )
