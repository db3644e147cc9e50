"""Each source runs once across the cluster: the process holding its lease runs it.

A lease is the key ``{ns}:lease:{event}:{source}``, set with ``SET NX PX`` to this
process's name for ``ttl`` seconds and renewed every ``ttl / 3`` while the source runs
here. A process that stops releases its leases (another takes them within ``ttl / 3``);
one that dies (``kill -9``, a lost machine) simply stops renewing, and its leases lapse
after ``ttl``. Every process tries, each round, the leases of the live sources nobody
holds, so a source moves within a few seconds.

When Redis does not answer, a process keeps running what it holds (sources de-duplicate
posts, so running one twice for a moment wastes work, never shows a post twice) and
starts nothing new; a process that finds, once Redis is back, that its lease went to
another process stops the source.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from wall.placement import Starters
from wall.shared.connection import UNREACHABLE, Shared
from wall.supervisor import Supervisor

log = logging.getLogger(__name__)

TTL = 6.0

_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"""

_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""

Key = tuple[str, str]


class Leased:
    """``Placement`` through leases in Redis (see the module's docstring)."""

    def __init__(self, shared: Shared, supervisor: Supervisor, *, ttl: float = TTL) -> None:
        self.shared = shared
        self.supervisor = supervisor
        self.ttl = ttl
        self._wanted: dict[Key, Starters] = {}
        self.held: set[Key] = set()
        self._lock = asyncio.Lock()
        self._loop: asyncio.Task[None] | None = None
        self._renew = shared.client.register_script(_RENEW)
        self._release = shared.client.register_script(_RELEASE)

    def _key(self, key: Key) -> str:
        return self.shared.key("lease", *key)

    async def run(self, slug: str, starters: Starters) -> None:
        for name in starters:
            self._wanted[(slug, name)] = starters
        if self._loop is None:
            self._loop = asyncio.create_task(self._forever(), name="murmur-source-leases")
        await self.round()

    async def stop(self, slug: str) -> None:
        for key in [k for k in self._wanted if k[0] == slug]:
            del self._wanted[key]
        async with self._lock:
            await self.supervisor.stop_event(slug)
            await self._give_up([k for k in self.held if k[0] == slug])

    async def close(self) -> None:
        if self._loop is not None:
            self._loop.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._loop
            self._loop = None
        self._wanted.clear()
        async with self._lock:
            await self.supervisor.stop()
            await self._give_up(list(self.held))

    async def _give_up(self, keys: list[Key]) -> None:
        """Release leases whose sources are stopped, so another process takes them now."""
        for key in keys:
            self.held.discard(key)
            try:
                await self._release(keys=[self._key(key)], args=[self.shared.process])
            except UNREACHABLE as exc:
                self.shared.went_away("the sources' leases", exc)  # it lapses by itself

    async def _forever(self) -> None:
        while True:
            await asyncio.sleep(self.ttl / 3)
            try:
                await self.round()
            except Exception:  # one failed round is logged; the next one tries again
                log.exception("the sources' leases could not be renewed")

    async def round(self) -> None:
        """Renew what this process holds, drop what it lost, take what nobody holds."""
        async with self._lock:
            try:
                await self._round()
            except UNREACHABLE as exc:
                self.shared.went_away("the sources' leases", exc)
            else:
                self.shared.came_back()

    async def _round(self) -> None:
        ttl_ms = round(self.ttl * 1000)
        me = self.shared.process
        for key in sorted(self.held):
            if not await self._renew(keys=[self._key(key)], args=[me, ttl_ms]):
                log.warning("source %s/%s: another process runs it now; stopping it here", *key)
                self.held.discard(key)
                await self.supervisor.stop_source(*key)
        for key, starters in list(self._wanted.items()):
            if key in self.held:
                continue
            if await self.shared.client.set(self._key(key), me, nx=True, px=ttl_ms):
                self.held.add(key)
                log.info("source %s/%s runs in this process (%s)", *key, me)
                starters[key[1]]()
