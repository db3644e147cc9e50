"""The fleet: which screens are connected, what they show, and when they were last heard.

Screens name themselves (``?screen=hall-a``) and send a ``hello`` on connect and every 20
seconds. A connected screen not heard from for ``SILENT_AFTER`` seconds is flagged silent;
a disconnected one is kept, as offline, for ``FORGET_AFTER`` seconds.

``ScreenFleet`` is the interface; ``Fleet`` knows this process's screens, and
``wall.shared.fleet.RedisFleet`` every process's, through Redis.
"""

from __future__ import annotations

import itertools
import re
import time
from dataclasses import dataclass, field
from typing import Any, Protocol

SILENT_AFTER = 60.0
FORGET_AFTER = 3600.0
MAX_SCREENS = 500
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,39}$")
LAYOUTS = {"grid", "single", "ticker", "stage"}


@dataclass
class Screen:
    event: str
    name: str
    connected_at: float
    last_seen: float
    layout: str | None = None
    width: int | None = None
    height: int | None = None
    connections: int = 1
    disconnected_at: float | None = field(default=None)

    def state(self, now: float) -> str:
        if self.connections <= 0:
            return "offline"
        return "silent" if now - self.last_seen > SILENT_AFTER else "online"

    def as_json(self, now: float) -> dict[str, Any]:
        return {
            "screen": self.name,
            "layout": self.layout,
            "width": self.width,
            "height": self.height,
            "state": self.state(now),
            "connected_at": self.connected_at,
            "last_seen": self.last_seen,
        }


def screen_name(raw: str | None) -> str | None:
    return raw if raw is not None and _NAME.match(raw) else None


class ScreenFleet(Protocol):
    async def connect(self, event: str, name: str | None) -> Screen: ...

    async def heard(self, screen: Screen, message: dict[str, Any]) -> None: ...

    async def disconnect(self, screen: Screen) -> None: ...

    async def of(self, event: str) -> list[dict[str, Any]]:
        """The event's screens, by name, as the organiser's console lists them."""
        ...

    def here(self, event: str) -> list[dict[str, Any]]:
        """The event's screens connected to this process (its own metrics)."""
        ...


class Fleet:
    """``ScreenFleet`` of this process's screens, in memory."""

    def __init__(self, clock: Any = time.time) -> None:
        self._clock = clock
        self._screens: dict[tuple[str, str], Screen] = {}
        self._unnamed = itertools.count(1)

    async def connect(self, event: str, name: str | None) -> Screen:
        now = self._clock()
        self._forget_old(now)
        name = name or f"unnamed-{next(self._unnamed)}"
        screen = self._screens.get((event, name))
        if screen is None:
            if len(self._screens) >= MAX_SCREENS:
                oldest = min(self._screens, key=lambda k: self._screens[k].last_seen)
                del self._screens[oldest]
            screen = Screen(event=event, name=name, connected_at=now, last_seen=now, connections=0)
            self._screens[(event, name)] = screen
        screen.connections += 1
        screen.connected_at = now if screen.connections == 1 else screen.connected_at
        screen.last_seen = now
        screen.disconnected_at = None
        return screen

    async def heard(self, screen: Screen, message: dict[str, Any]) -> None:
        screen.last_seen = self._clock()
        layout = message.get("layout")
        if isinstance(layout, str) and layout in LAYOUTS:
            screen.layout = layout
        for key in ("width", "height"):
            value = message.get(key)
            if isinstance(value, int) and 0 < value <= 20_000:
                setattr(screen, key, value)

    async def disconnect(self, screen: Screen) -> None:
        screen.connections -= 1
        if screen.connections <= 0:
            screen.connections = 0
            screen.disconnected_at = self._clock()
            if screen.name.startswith("unnamed-"):
                self._screens.pop((screen.event, screen.name), None)

    async def of(self, event: str) -> list[dict[str, Any]]:
        return self.here(event)

    def here(self, event: str) -> list[dict[str, Any]]:
        now = self._clock()
        self._forget_old(now)
        screens = [s for (e, _), s in self._screens.items() if e == event]
        return [s.as_json(now) for s in sorted(screens, key=lambda s: s.name)]

    def _forget_old(self, now: float) -> None:
        stale = [
            k
            for k, s in self._screens.items()
            if s.disconnected_at is not None and now - s.disconnected_at > FORGET_AFTER
        ]
        for key in stale:
            del self._screens[key]
