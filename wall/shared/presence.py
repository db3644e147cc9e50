"""Presence in Redis: who has the desk open on any process (see ``wall.presence``).

Each process counts its own desks in memory and writes one entry per moderator it has
online into the event's hash ``{ns}:presence:{event}``: field ``process\\nuser``, value
``expires_ms\\nrole``. It renews its entries every ``BEAT`` seconds; an entry not renewed
for ``TTL`` seconds (its process died without closing its desks) is swept by whichever
process sweeps first, and everyone hears that the moderator left.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from wall.presence import Presence
from wall.shared.connection import SWEEP_LAPSED, Shared

BEAT = 5.0
TTL = 15.0


class RedisPresence:
    """``PresenceBook`` in Redis; this process's own desks when Redis is away."""

    def __init__(self, shared: Shared, *, clock: Callable[[], float] = time.time) -> None:
        self.shared = shared
        self.clock = clock
        self.local = Presence()
        self._beat_at = 0.0
        self._sweep = shared.client.register_script(SWEEP_LAPSED)

    def _key(self, event: str) -> str:
        return self.shared.key("presence", event)

    def _field(self, user: str) -> str:
        return f"{self.shared.process}\n{user}"

    async def _write(self, seats: list[tuple[str, str, str]]) -> None:
        expires = round((self.clock() + TTL) * 1000)
        async with self.shared.client.pipeline(transaction=False) as pipe:
            for event, user, role in seats:
                pipe.hset(self._key(event), self._field(user), f"{expires}\n{role}")
                pipe.pexpire(self._key(event), round(TTL * 2000))
                pipe.sadd(self.shared.key("presence"), event)
            await pipe.execute()

    async def join(self, event: str, user: str, role: str) -> bool:
        if not self.local.arrive(event, user, role):
            return False

        async def op() -> bool:
            await self._write([(event, user, role)])
            return True

        return await self.shared.attempt("presence", op, _true)

    async def leave(self, event: str, user: str) -> bool:
        if not self.local.depart(event, user):
            return False

        async def op() -> bool:
            await self.shared.client.hdel(self._key(event), self._field(user))
            return True

        return await self.shared.attempt("presence", op, _true)

    async def of(self, event: str) -> list[tuple[str, str]]:
        async def op() -> list[tuple[str, str]]:
            now_ms = self.clock() * 1000
            seats: dict[str, str] = {}
            for key, value in (await self.shared.client.hgetall(self._key(event))).items():
                expires, _, role = str(value).partition("\n")
                if int(expires) > now_ms:
                    seats[str(key).partition("\n")[2]] = role
            return sorted(seats.items())

        async def fallback() -> list[tuple[str, str]]:
            return self.local.here(event)

        return await self.shared.attempt("presence", op, fallback)

    async def sweep(self) -> list[str]:
        """Renew this process's entries every ``BEAT`` seconds, and drop lapsed ones."""
        now = self.clock()

        async def op() -> list[str]:
            if now - self._beat_at >= BEAT:
                await self._write(self.local.everyone())
                self._beat_at = now
            keys = [self.shared.key("presence")]
            args: list[str | int] = [round(now * 1000), self.shared.key("presence", "")]
            return [str(event) for event in await self._sweep(keys=keys, args=args)]

        async def fallback() -> list[str]:
            self._beat_at = 0.0  # write every entry again as soon as Redis is back
            return []

        return await self.shared.attempt("presence", op, fallback)


async def _true() -> bool:
    return True
