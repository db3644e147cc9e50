"""One Redis client for the shared state, its key names and what happens when Redis is away."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Awaitable, Callable
from typing import TypeVar

import redis.asyncio as redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from wall.config import env_secret
from wall.settings import BusSettings

log = logging.getLogger(__name__)

T = TypeVar("T")

# A Redis that does not answer in this long is treated as away: a moderator's tap or an
# attendee's post waits at most about this long before the fallback takes over.
TIMEOUT = 2.0

# Lua helpers for values written as ``number\nrest`` (an expiry in ms, then who).
LUA_PARTS = """
local function head(v) return tonumber(string.sub(v, 1, string.find(v, '\\n', 1, true) - 1)) end
local function tail(v) return string.sub(v, string.find(v, '\\n', 1, true) + 1) end
"""

# Drops the fields whose expiry has passed from the hash of each event in the set KEYS[1]
# (ARGV[1]: now in ms; ARGV[2]: the hashes' key, less the event); the events that lost some.
SWEEP_LAPSED = (
    LUA_PARTS
    + """
local changed = {}
for _, event in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local key = ARGV[2] .. event
  local lapsed = false
  local all = redis.call('HGETALL', key)
  for i = 1, #all, 2 do
    if head(all[i + 1]) <= tonumber(ARGV[1]) then
      redis.call('HDEL', key, all[i])
      lapsed = true
    end
  end
  if lapsed then table.insert(changed, event) end
  if redis.call('EXISTS', key) == 0 then redis.call('SREM', KEYS[1], event) end
end
return changed
"""
)

# What "Redis is away" looks like to redis-py (a refused or cut connection, a timeout).
UNREACHABLE: tuple[type[BaseException], ...] = (RedisConnectionError, RedisTimeoutError, OSError)


def client_for(settings: BusSettings) -> redis.Redis:
    """A client for ``settings.url``, its password read from ``password_env``."""
    password = env_secret(settings.password_env) if settings.password_env else None
    return redis.Redis.from_url(
        settings.url,
        password=password,
        decode_responses=True,
        socket_timeout=TIMEOUT,
        socket_connect_timeout=TIMEOUT,
        # One quick retry (a connection the server closed while idle); no more, so an
        # outage is noticed within TIMEOUT and the fallback answers.
        retry=Retry(NoBackoff(), 1),
        health_check_interval=30,
    )


class Shared:
    """The client, the namespace and this process's name, shared by every piece.

    ``attempt`` runs an operation on Redis and, when Redis is away, the fallback instead;
    the first failure of an outage is logged as an error and the recovery as a warning,
    so a log shows one line per outage rather than one per request.
    """

    def __init__(self, client: redis.Redis, namespace: str, *, process: str = "") -> None:
        self.client = client
        self.namespace = namespace
        # Random, so a restarted process is a new one: the old one's entries lapse.
        self.process = process or secrets.token_hex(6)
        self.away = False

    @classmethod
    def from_settings(cls, settings: BusSettings) -> Shared:
        return cls(client_for(settings), settings.namespace)

    def key(self, *parts: str | int) -> str:
        return ":".join((self.namespace, *map(str, parts)))

    async def attempt(
        self, what: str, op: Callable[[], Awaitable[T]], fallback: Callable[[], Awaitable[T]]
    ) -> T:
        try:
            result = await op()
        except UNREACHABLE as exc:
            self.went_away(what, exc)
            return await fallback()
        self.came_back()
        return result

    def went_away(self, what: str, exc: BaseException) -> None:
        if not self.away:
            self.away = True
            log.error(
                "Redis is not answering (%s: %s): %s and the rest of the shared state fall"
                " back to this process's memory until it answers again (docs/scaling.md)",
                type(exc).__name__,
                exc,
                what,
            )

    def came_back(self) -> None:
        if self.away:
            self.away = False
            log.warning("Redis answers again: claims, presence, screens and limits are shared")

    async def close(self) -> None:
        await self.client.aclose()
