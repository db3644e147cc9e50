"""The screen fleet in Redis: screens connected to any process (see ``wall.screens``).

Each process keeps its own screens in a ``Fleet`` and writes each one, as it connects,
says hello (every 20 s) and leaves, into the event's hash ``{ns}:fleet:{event}``: field
``name\\nprocess``, value the screen's JSON. With every write, and every time it lists the
fleet (the hub counts the screens every 15 s), the process marks itself alive until
``DEAD_AFTER`` seconds later in the sorted set ``{ns}:processes``; a screen whose process
is no longer alive (killed, or its machine lost) is listed offline from then on.
A screen that reconnected to another process is one screen: its entries are merged by name.
Unnamed screens get a number from Redis, so two processes never give out the same one.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import msgspec

from wall.screens import FORGET_AFTER, Fleet, Screen
from wall.shared.connection import Shared

# Three rounds of the hub's schedule (wall.hub.SCHEDULE_EVERY), each of which lists the
# fleet; a process that missed three is taken for dead.
DEAD_AFTER = 45.0


class _Entry(msgspec.Struct):
    connected_at: float
    last_seen: float
    connections: int
    layout: str | None = None
    width: int | None = None
    height: int | None = None
    disconnected_at: float | None = None


class RedisFleet:
    """``ScreenFleet`` across processes; this process's screens when Redis is away."""

    def __init__(self, shared: Shared, *, clock: Callable[[], float] = time.time) -> None:
        self.shared = shared
        self.clock = clock
        self.local = Fleet(clock)

    def _key(self, event: str) -> str:
        return self.shared.key("fleet", event)

    def _field(self, screen: Screen) -> str:
        return f"{screen.name}\n{self.shared.process}"

    async def _write(self, screen: Screen) -> None:
        entry = _Entry(
            connected_at=screen.connected_at,
            last_seen=screen.last_seen,
            connections=screen.connections,
            layout=screen.layout,
            width=screen.width,
            height=screen.height,
            disconnected_at=screen.disconnected_at,
        )

        async def op() -> None:
            async with self.shared.client.pipeline(transaction=False) as pipe:
                key = self._key(screen.event)
                if screen.connections <= 0 and screen.name.startswith("unnamed-"):
                    pipe.hdel(key, self._field(screen))
                else:
                    pipe.hset(key, self._field(screen), msgspec.json.encode(entry).decode())
                pipe.expire(key, round(FORGET_AFTER * 2))
                pipe.zadd(
                    self.shared.key("processes"), {self.shared.process: self.clock() + DEAD_AFTER}
                )
                await pipe.execute()

        await self.shared.attempt("the screen fleet", op, _nothing)

    async def connect(self, event: str, name: str | None) -> Screen:
        if name is None:

            async def number() -> str | None:
                return (
                    f"unnamed-{await self.shared.client.incr(self.shared.key('fleet', 'unnamed'))}"
                )

            async def here() -> str | None:
                return None  # the local fleet numbers it

            name = await self.shared.attempt("the screen fleet", number, here)
        screen = await self.local.connect(event, name)
        await self._write(screen)
        return screen

    async def heard(self, screen: Screen, message: dict[str, Any]) -> None:
        await self.local.heard(screen, message)
        await self._write(screen)

    async def disconnect(self, screen: Screen) -> None:
        await self.local.disconnect(screen)
        await self._write(screen)

    def here(self, event: str) -> list[dict[str, Any]]:
        return self.local.here(event)

    async def of(self, event: str) -> list[dict[str, Any]]:
        async def op() -> list[dict[str, Any]]:
            client = self.shared.client
            await client.zadd(
                self.shared.key("processes"), {self.shared.process: self.clock() + DEAD_AFTER}
            )
            found = await client.hgetall(self._key(event))
            processes = await client.zrange(self.shared.key("processes"), 0, -1, withscores=True)
            alive = {str(pair[0]): float(pair[1]) for pair in processes}
            now = self.clock()
            merged: dict[str, Screen] = {}
            stale = []
            for field, value in found.items():
                name, _, process = str(field).partition("\n")
                entry = msgspec.json.decode(value, type=_Entry)
                until = alive.get(process, 0.0)
                if until <= now and entry.connections > 0:  # its process died
                    entry.connections = 0
                    entry.disconnected_at = min(until, now) if until else entry.last_seen
                if entry.disconnected_at is not None and now - entry.disconnected_at > FORGET_AFTER:
                    stale.append(field)
                    continue
                _merge(merged, event, name, entry)
            if stale:
                await client.hdel(self._key(event), *stale)
            return [s.as_json(now) for s in sorted(merged.values(), key=lambda s: s.name)]

        async def fallback() -> list[dict[str, Any]]:
            return self.local.here(event)

        return await self.shared.attempt("the screen fleet", op, fallback)


def _merge(merged: dict[str, Screen], event: str, name: str, entry: _Entry) -> None:
    """One screen from its entries on every process it connected to."""
    screen = merged.get(name)
    if screen is None:
        merged[name] = Screen(
            event=event,
            name=name,
            connected_at=entry.connected_at,
            last_seen=entry.last_seen,
            layout=entry.layout,
            width=entry.width,
            height=entry.height,
            connections=entry.connections,
            disconnected_at=entry.disconnected_at,
        )
        return
    if entry.connections > 0 and screen.connections > 0:
        screen.connected_at = min(screen.connected_at, entry.connected_at)
    elif entry.connections > 0:
        screen.connected_at = entry.connected_at
    screen.connections += entry.connections
    if entry.last_seen > screen.last_seen:
        screen.last_seen = entry.last_seen
        screen.layout, screen.width, screen.height = entry.layout, entry.width, entry.height


async def _nothing() -> None:
    return None
