"""The in-process bus: committed log entries, fanned out to subscribers.

Publishing never waits on a subscriber. Each subscription has a bounded buffer; one that
overflows is marked and its consumer raises ``Overflow``, so the websocket closes with the
resync code and the client comes back with ``?since=`` (nothing skipped silently, and one
slow screen never delays the others).
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator, Iterable, Iterator
from contextlib import contextmanager

from wall.views import WALL, LogEntry

DEFAULT_QUEUE = 256


class Overflow(Exception):
    """The subscriber fell behind: it must resynchronise from its last seq."""


class Subscription:
    """One subscriber's bounded buffer. Iterate it to receive entries in order.

    Kept small: every screen holds one for as long as it is connected. The buffer is made
    on the first entry and the waiter is one future while the consumer waits, rather than
    a deque and an ``asyncio.Event`` (with a deque of its own) per idle screen.
    """

    __slots__ = ("_buffer", "_maxsize", "_waiter", "audience", "event", "overflowed")

    def __init__(self, event: str, audience: str, maxsize: int) -> None:
        self.event = event
        self.audience = audience
        self.overflowed = False
        self._maxsize = maxsize
        self._buffer: deque[LogEntry] | None = None
        self._waiter: asyncio.Future[None] | None = None

    def push(self, entry: LogEntry) -> None:
        if self.overflowed:
            return
        if self._buffer is None:
            self._buffer = deque()
        if len(self._buffer) >= self._maxsize:
            self.resync()
            return
        self._buffer.append(entry)
        self._wake()

    def resync(self) -> None:
        """Send the consumer back to its last seq: it raises ``Overflow`` on its next turn."""
        self.overflowed = True
        self._buffer = None
        self._wake()

    def _wake(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    def __aiter__(self) -> AsyncIterator[LogEntry]:
        return self._entries()

    async def _entries(self) -> AsyncIterator[LogEntry]:
        while True:
            if self.overflowed:
                raise Overflow
            if self._buffer:
                yield self._buffer.popleft()
                continue
            self._buffer = None  # an idle subscriber holds no buffer
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None


class Bus:
    """Fans committed entries out to the subscribers of their event."""

    def __init__(self, *, queue_size: int = DEFAULT_QUEUE) -> None:
        self.queue_size = queue_size
        self._subscribers: dict[str, set[Subscription]] = {}

    def publish(self, entries: Iterable[LogEntry]) -> None:
        for entry in entries:
            for sub in self._subscribers.get(entry.event, ()):
                if sub.audience != WALL or entry.audience == WALL:
                    sub.push(entry)

    def resync(self, event: str) -> None:
        """Send every subscriber of ``event`` back to its last seq (see ``Overflow``): used
        when this process missed more of the log than a replay carries (wall.cluster)."""
        for sub in self._subscribers.get(event, ()):
            sub.resync()

    @contextmanager
    def subscribe(self, event: str, audience: str) -> Iterator[Subscription]:
        sub = Subscription(event, audience, self.queue_size)
        self._subscribers.setdefault(event, set()).add(sub)
        try:
            yield sub
        finally:
            subs = self._subscribers.get(event)
            if subs is not None:
                subs.discard(sub)
                if not subs:
                    del self._subscribers[event]

    def count(self, event: str | None = None) -> int:
        if event is not None:
            return len(self._subscribers.get(event, ()))
        return sum(len(s) for s in self._subscribers.values())
