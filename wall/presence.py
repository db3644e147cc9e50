"""Presence: which moderators and organisers have the desk open, per event.

Counted per connection, so a moderator with two tablets stays online until both close.
Never logged. ``PresenceBook`` is the interface; ``Presence`` keeps it in this process's
memory, ``wall.shared.presence.RedisPresence`` in Redis for several processes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


class PresenceBook(Protocol):
    async def join(self, event: str, user: str, role: str) -> bool:
        """One more desk of ``user`` is open; whether others should hear of it."""
        ...

    async def leave(self, event: str, user: str) -> bool:
        """One desk of ``user`` closed; whether others should hear of it."""
        ...

    async def of(self, event: str) -> list[tuple[str, str]]:
        """``(user, role)`` of everyone online, by name."""
        ...

    async def sweep(self) -> list[str]:
        """Forget desks that went away without closing (a dead process's); their events."""
        ...


@dataclass(slots=True)
class _Seat:
    role: str
    connections: int = 0


@dataclass(slots=True)
class Presence:
    """``PresenceBook`` in this process's memory (also the count behind the Redis one)."""

    _events: dict[str, dict[str, _Seat]] = field(default_factory=dict)

    async def join(self, event: str, user: str, role: str) -> bool:
        return self.arrive(event, user, role)

    async def leave(self, event: str, user: str) -> bool:
        return self.depart(event, user)

    async def of(self, event: str) -> list[tuple[str, str]]:
        return self.here(event)

    async def sweep(self) -> list[str]:
        return []  # a desk of this process always says when it closes

    def arrive(self, event: str, user: str, role: str) -> bool:
        """One more desk of ``user`` is open here; whether they just came online."""
        seat = self._events.setdefault(event, {}).setdefault(user, _Seat(role))
        seat.role = role
        seat.connections += 1
        return seat.connections == 1

    def depart(self, event: str, user: str) -> bool:
        """One desk of ``user`` closed here; whether they are now offline here."""
        seats = self._events.get(event, {})
        seat = seats.get(user)
        if seat is None:
            return False
        seat.connections -= 1
        if seat.connections > 0:
            return False
        del seats[user]
        if not seats:
            del self._events[event]
        return True

    def online(self, event: str, user: str) -> bool:
        return user in self._events.get(event, {})

    def here(self, event: str) -> list[tuple[str, str]]:
        """``(user, role)`` of everyone online here, by name."""
        return sorted((user, seat.role) for user, seat in self._events.get(event, {}).items())

    def everyone(self) -> list[tuple[str, str, str]]:
        """``(event, user, role)`` of every seat here."""
        return [
            (event, user, seat.role)
            for event, seats in self._events.items()
            for user, seat in seats.items()
        ]
