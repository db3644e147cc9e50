"""Claims in Redis: one winner per post across every process (see ``wall.claims``).

One hash per event, ``{ns}:claims:{event}``, maps a post's id to ``until_ms`` and the
moderator; the set ``{ns}:claims`` lists the events that have some. Each change is one Lua
script, so taking a post and moving the moderator's previous claim happen at once, and two
moderators racing for a post on two processes get one winner. Times come from the
processes' clocks (``clock``), as in memory: claims last seconds, and a server's clock
kept by NTP is well within that.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from wall.claims import Claim, Claims, Held
from wall.shared.connection import LUA_PARTS, SWEEP_LAPSED, Shared

# Returns {1, changed} when taken, {0, holder, until_ms} when someone else holds it.
_TAKE = (
    LUA_PARTS
    + """
local now, post, user = tonumber(ARGV[1]), ARGV[2], ARGV[3]
local changed = 1
local current = redis.call('HGET', KEYS[1], post)
if current then
  if head(current) > now then
    if tail(current) ~= user then return {0, tail(current), tostring(head(current))} end
    changed = 0
  end
end
local all = redis.call('HGETALL', KEYS[1])
for i = 1, #all, 2 do
  if all[i] ~= post and tail(all[i + 1]) == user then
    redis.call('HDEL', KEYS[1], all[i])
    changed = 1
  end
end
redis.call('HSET', KEYS[1], post, ARGV[4] .. '\\n' .. user)
redis.call('PEXPIRE', KEYS[1], ARGV[5])
redis.call('SADD', KEYS[2], ARGV[6])
return {1, changed}
"""
)

_RELEASE = (
    LUA_PARTS
    + """
local current = redis.call('HGET', KEYS[1], ARGV[1])
if current and tail(current) == ARGV[2] then
  redis.call('HDEL', KEYS[1], ARGV[1])
  return 1
end
return 0
"""
)

_DROP_USER = (
    LUA_PARTS
    + """
local dropped = 0
local all = redis.call('HGETALL', KEYS[1])
for i = 1, #all, 2 do
  if tail(all[i + 1]) == ARGV[1] then
    redis.call('HDEL', KEYS[1], all[i])
    dropped = 1
  end
end
return dropped
"""
)


def _claim(post_id: str, value: str) -> Claim:
    until_ms, _, by = value.partition("\n")
    return Claim(post_id=int(post_id), by=by, until=int(until_ms) / 1000)


class RedisClaims:
    """``ClaimBook`` in Redis, with this process's memory as the fallback when it is away."""

    def __init__(
        self, shared: Shared, ttl: float, *, clock: Callable[[], float] = time.time
    ) -> None:
        self.shared = shared
        self.ttl = ttl
        self.clock = clock
        self.fallback = Claims(ttl, clock=self._now)
        client = shared.client
        self._take = client.register_script(_TAKE)
        self._release = client.register_script(_RELEASE)
        self._drop_user = client.register_script(_DROP_USER)
        self._sweep = client.register_script(SWEEP_LAPSED)

    def _now(self) -> float:
        return self.clock()  # the fallback follows a clock a test moves

    def _key(self, event: str) -> str:
        return self.shared.key("claims", event)

    async def holder(self, event: str, post_id: int) -> Claim | None:
        async def op() -> Claim | None:
            value = await self.shared.client.hget(self._key(event), str(post_id))
            claim = _claim(str(post_id), str(value)) if value else None
            return claim if claim is not None and claim.until > self.clock() else None

        return await self.shared.attempt("claims", op, lambda: self.fallback.holder(event, post_id))

    async def take(self, event: str, post_id: int, user: str) -> tuple[Claim, bool]:
        now = self.clock()
        until_ms = round((now + self.ttl) * 1000)

        async def op() -> list[Any]:
            keys = [self._key(event), self.shared.key("claims")]
            # The hash outlives its longest claim by a minute, whatever the sweeps do.
            args: list[str | int] = [
                round(now * 1000), post_id, user, until_ms, round((self.ttl + 60) * 1000), event
            ]  # fmt: skip
            result: list[Any] = await self._take(keys=keys, args=args)
            return result

        async def fallback() -> list[Any]:
            try:
                _, changed = await self.fallback.take(event, post_id, user)
            except Held as exc:
                return [0, exc.claim.by, round(exc.claim.until * 1000)]
            return [1, int(changed)]

        result = await self.shared.attempt("claims", op, fallback)
        if int(result[0]) == 0:
            raise Held(Claim(post_id=post_id, by=str(result[1]), until=int(result[2]) / 1000))
        return Claim(post_id=post_id, by=user, until=until_ms / 1000), bool(int(result[1]))

    async def release(self, event: str, post_id: int, user: str) -> bool:
        async def op() -> bool:
            return bool(await self._release(keys=[self._key(event)], args=[post_id, user]))

        return await self.shared.attempt(
            "claims", op, lambda: self.fallback.release(event, post_id, user)
        )

    async def drop_user(self, event: str, user: str) -> bool:
        async def op() -> bool:
            return bool(await self._drop_user(keys=[self._key(event)], args=[user]))

        return await self.shared.attempt("claims", op, lambda: self.fallback.drop_user(event, user))

    async def sweep(self) -> list[str]:
        async def op() -> list[str]:
            keys = [self.shared.key("claims")]
            args: list[str | int] = [round(self.clock() * 1000), self.shared.key("claims", "")]
            return [str(event) for event in await self._sweep(keys=keys, args=args)]

        return await self.shared.attempt("claims", op, self.fallback.sweep)

    async def of(self, event: str) -> list[Claim]:
        async def op() -> list[Claim]:
            now = self.clock()
            found = await self.shared.client.hgetall(self._key(event))
            claims = (_claim(str(post_id), str(value)) for post_id, value in found.items())
            return sorted((c for c in claims if c.until > now), key=lambda c: c.post_id)

        return await self.shared.attempt("claims", op, lambda: self.fallback.of(event))
