"""Presence: which moderators and organisers have the desk open, per event.

Counted per connection, so a moderator with two tablets stays online until both close.
In memory only, never logged.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class _Seat:
    role: str
    connections: int = 0


@dataclass(slots=True)
class Presence:
    _events: dict[str, dict[str, _Seat]] = field(default_factory=dict)

    def join(self, event: str, user: str, role: str) -> bool:
        """One more desk of ``user`` is open; whether they just came online."""
        seat = self._events.setdefault(event, {}).setdefault(user, _Seat(role))
        seat.role = role
        seat.connections += 1
        return seat.connections == 1

    def leave(self, event: str, user: str) -> bool:
        """One desk of ``user`` closed; whether they are now offline."""
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

    def of(self, event: str) -> list[tuple[str, str]]:
        """``(user, role)`` of everyone online, by name."""
        return sorted((user, seat.role) for user, seat in self._events.get(event, {}).items())
