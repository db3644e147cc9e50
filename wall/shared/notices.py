"""The desk's notices between processes: "claims (or presence) of event X changed".

A desk that changes claims or presence tells its own moderators through the bus, as in one
process, and publishes a notice on ``{ns}:desk``; every other process's desk reads the
current state from Redis and tells its own moderators. A notice carries no state, so one
lost while Redis was away costs nothing: on reconnecting, each desk sends its moderators
the state of every event again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from wall.shared.connection import UNREACHABLE, Shared

log = logging.getLogger(__name__)

CLAIMS = "claims"
PRESENCE = "presence"
RETRY = 1.0

Heard = Callable[[str, str | None], Awaitable[None]]


class Notices:
    def __init__(self, shared: Shared) -> None:
        self.shared = shared
        self.channel = shared.key("desk")

    async def send(self, kind: str, event: str) -> None:
        """Tell the other processes; a notice Redis cannot take is dropped (see above)."""
        try:
            await self.shared.client.publish(
                self.channel, f"{self.shared.process}\n{kind}\n{event}"
            )
        except UNREACHABLE as exc:
            self.shared.went_away("the desk's notices", exc)

    async def listen(self, heard: Heard) -> None:
        """Call ``heard(kind, event)`` for each other process's notice, until cancelled.

        After each (re)connection ``heard(kind, None)`` says "every event may have changed".
        """
        while True:
            pubsub = self.shared.client.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(self.channel)
                for kind in (CLAIMS, PRESENCE):
                    await heard(kind, None)
                async for message in pubsub.listen():
                    process, _, rest = str(message["data"]).partition("\n")
                    kind, _, event = rest.partition("\n")
                    if process != self.shared.process:
                        await heard(kind, event)
            except UNREACHABLE as exc:
                self.shared.went_away("the desk's notices", exc)
                await asyncio.sleep(RETRY)
            finally:
                await pubsub.aclose()
