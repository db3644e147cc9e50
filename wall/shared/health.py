"""Every source's health, from whichever process runs it.

A source runs in one process of the cluster (``wall.shared.lease``), but its health (live,
failing, posts brought in, items skipped) is asked of any process: the desk's status strip
and the organiser's page reach whichever one the proxy picks. So each process writes the
health of the sources it runs to the hash ``{ns}:health:{event}`` every ``EVERY`` seconds,
each entry valid for ``VALID_FOR`` seconds: a process that stops running a source, or
dies, stops renewing it, and the entry is dropped when read after that. When Redis does
not answer, a process shows what it runs itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable

import msgspec

from wall.shared.connection import Shared
from wall.supervisor import Health, Supervisor

log = logging.getLogger(__name__)

EVERY = 2.0
VALID_FOR = 3 * EVERY


class _Entry(msgspec.Struct):
    health: Health
    process: str
    until: float


_decode = msgspec.json.Decoder(_Entry).decode


class SharedHealth:
    def __init__(
        self, shared: Shared, supervisor: Supervisor, *, clock: Callable[[], float] = time.time
    ) -> None:
        self.shared = shared
        self.supervisor = supervisor
        self.clock = clock
        self._loop: asyncio.Task[None] | None = None

    def _key(self, event: str) -> str:
        return self.shared.key("health", event)

    def start(self) -> None:
        if self._loop is None:
            self._loop = asyncio.create_task(self._forever(), name="murmur-source-health")

    async def stop(self) -> None:
        if self._loop is not None:
            self._loop.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._loop
            self._loop = None

    async def _forever(self) -> None:
        while True:
            try:
                await self.write()
            except asyncio.CancelledError:
                raise
            except Exception:  # logged; the next round writes again
                log.exception("source health could not be shared")
            await asyncio.sleep(EVERY)

    async def write(self) -> None:
        """Write the health of every source this process runs now."""
        until = self.clock() + VALID_FOR
        by_event: dict[str, dict[str, str]] = {}
        for (event, name), health in list(self.supervisor.health.items()):
            entry = _Entry(health=health, process=self.shared.process, until=until)
            by_event.setdefault(event, {})[name] = msgspec.json.encode(entry).decode()
        if not by_event:
            return

        async def op() -> None:
            async with self.shared.client.pipeline(transaction=False) as pipe:
                for event, fields in by_event.items():
                    for name, value in fields.items():
                        pipe.hset(self._key(event), name, value)
                    pipe.expire(self._key(event), round(VALID_FOR * 10))
                await pipe.execute()

        async def nothing() -> None:
            return None

        await self.shared.attempt("source health", op, nothing)

    async def of(self, event: str) -> list[Health]:
        """The health of ``event``'s sources, wherever each one runs."""
        here = {h.source: h for h in self.supervisor.health_of(event)}

        async def op() -> list[Health]:
            found = await self.shared.client.hgetall(self._key(event))
            now = self.clock()
            merged = dict(here)  # what runs here is the freshest
            for field, value in found.items():
                name = field.decode() if isinstance(field, bytes) else str(field)
                if name in merged:
                    continue
                try:
                    entry = _decode(value)
                except msgspec.DecodeError:
                    continue
                if entry.until > now:
                    merged[name] = entry.health
            return [merged[name] for name in sorted(merged)]

        async def fallback() -> list[Health]:
            return list(here.values())

        return await self.shared.attempt("source health", op, fallback)
