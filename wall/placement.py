"""Where each event's sources run: here, or (several processes) wherever holds its lease.

The hub hands ``run`` a starter per source of a live event and calls ``stop`` when the
event ends. ``Here`` starts every one at once: one process runs everything, as always.
``wall.shared.lease.Leased`` starts one only while this process holds its lease in Redis,
so each source runs once across the cluster and moves when its process dies.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Protocol

from wall.supervisor import Supervisor

Starters = Mapping[str, Callable[[], None]]


class Placement(Protocol):
    async def run(self, slug: str, starters: Starters) -> None:
        """The event is live: its sources (by name) should run somewhere."""
        ...

    async def stop(self, slug: str) -> None:
        """The event is not live any more: its sources stop, wherever they run here."""
        ...

    async def close(self) -> None:
        """This process stops: every source it runs stops."""
        ...


class Here:
    def __init__(self, supervisor: Supervisor) -> None:
        self.supervisor = supervisor

    async def run(self, slug: str, starters: Starters) -> None:
        for start in starters.values():
            start()

    async def stop(self, slug: str) -> None:
        await self.supervisor.stop_event(slug)

    async def close(self) -> None:
        await self.supervisor.stop()
