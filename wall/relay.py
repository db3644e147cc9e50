"""Committed changes of every Murmur process, to this process's bus, in order, none skipped.

With ``[bus] url``, each process publishes the log entries it commits on the Redis channel
``{namespace}:log`` and hears every process's there. A sequencer hands entries to the
local bus strictly in ``seq`` order, each once. It relies on the store's promise
(``wall.store``, ``wall.pg``): seq N is committed before any process hands out N+1. So
when an entry arrives after a hole (a message Redis dropped, a process that published
late), the hole is read from the store, and the store's head is checked every second and
at every (re)connection to Redis: a process that missed messages catches up from the
store, never from memory alone. Redis away: the store's head still moves the screens,
one second late, and the log says so once.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import Callable

import msgspec

from wall.bus import Bus
from wall.screen_view import encode_for_screens
from wall.settings import BusSettings
from wall.shared.connection import UNREACHABLE, client_for
from wall.sql import Conn
from wall.store import protocol
from wall.views import WALL, LogEntry, Message

log = logging.getLogger(__name__)

POLL_SECONDS = 1.0  # how often the store's head is compared with what was delivered
FILL_LIMIT = 1000  # entries read from the store at once when filling a hole

_wire = msgspec.json.Encoder()
_entries = msgspec.json.Decoder(list[LogEntry])
_message = msgspec.json.Decoder(Message)


def entry_of(seq: int, event: str, audience: str, text: str) -> LogEntry:
    """A log row as the store hands it to the bus when it commits it."""
    screen = encode_for_screens(_message.decode(text)) if audience == WALL else None
    return LogEntry(seq=seq, event=event, audience=audience, text=text, screen=screen)


class Relay:
    def __init__(
        self,
        store: protocol.Store,
        bus: Bus,
        settings: BusSettings,
        *,
        on_remote: Callable[[list[LogEntry]], None] | None = None,
    ) -> None:
        self.store, self.bus = store, bus
        self.channel = f"{settings.namespace}:log"
        self._client = client_for(settings)
        self._on_remote = on_remote  # entries other processes committed (the hub's caches)
        self._local: set[int] = set()
        self._pending: dict[int, LogEntry] = {}
        self._outbox: asyncio.Queue[bytes] = asyncio.Queue()
        self._tasks: list[asyncio.Task[None]] = []
        self._filling: asyncio.Task[None] | None = None
        self._away = False
        self.delivered = 0

    async def start(self) -> None:
        self.delivered = await self.store.head()
        self._tasks = [
            asyncio.create_task(self._listen(), name="relay-listen"),
            asyncio.create_task(self._publish(), name="relay-publish"),
            asyncio.create_task(self._poll(), name="relay-poll"),
        ]

    async def close(self) -> None:
        for task in [*self._tasks, *filter(None, [self._filling])]:
            task.cancel()
        for task in [*self._tasks, *filter(None, [self._filling])]:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self._client.aclose()

    # -- in: this process's commits, others' through Redis, holes from the store --------

    def committed(self, entries: list[LogEntry]) -> None:
        """The store's ``on_commit``: published to the others, delivered here in order."""
        self._local.update(e.seq for e in entries)
        self._outbox.put_nowait(_wire.encode(entries))
        self.offer(entries)

    def offer(self, entries: list[LogEntry]) -> None:
        for entry in entries:
            if entry.seq > self.delivered:
                self._pending.setdefault(entry.seq, entry)
        self._drain()
        if self._pending and self._filling is None:
            self._filling = asyncio.create_task(self._fill(), name="relay-fill")

    def _drain(self) -> None:
        ready: list[LogEntry] = []
        while (entry := self._pending.pop(self.delivered + 1, None)) is not None:
            self.delivered += 1
            if entry is not _GONE:
                ready.append(entry)
        if not ready:
            return
        self.bus.publish(ready)
        remote = [e for e in ready if e.seq not in self._local]
        self._local.difference_update(e.seq for e in ready)
        if remote and self._on_remote is not None:
            self._on_remote(remote)

    async def _fill(self) -> None:
        """Read what is missing after ``delivered`` from the store, then deliver."""
        try:
            while True:
                rows = await self.store.query(functools.partial(_rows_after, after=self.delivered))
                for row in rows:
                    self._pending.setdefault(row.seq, row)
                if rows:
                    # The store shows a prefix of the log: a seq below the last one read
                    # that is absent was erased (wall.privacy) and will never come.
                    for seq in range(self.delivered + 1, rows[-1].seq):
                        self._pending.setdefault(seq, _GONE)
                self._drain()
                if len(rows) < FILL_LIMIT:
                    return
        except Exception:
            log.exception("the relay could not read the log from the store; trying again")
        finally:
            self._filling = None

    # -- Redis ---------------------------------------------------------------------------

    async def _publish(self) -> None:
        while True:
            data = await self._outbox.get()
            try:
                await self._client.publish(self.channel, data)
            except UNREACHABLE as exc:
                self._say_away(exc)  # the others catch up from the store within a second

    async def _listen(self) -> None:
        delay = 0.5
        while True:
            try:
                pubsub = self._client.pubsub()
                await pubsub.subscribe(self.channel)
                self._say_back()
                delay = 0.5
                self._check_head()  # what was said while this process was not listening
                async for message in pubsub.listen():
                    if message["type"] == "message":
                        self.offer(_entries.decode(message["data"]))
            except UNREACHABLE as exc:
                self._say_away(exc)
                await asyncio.sleep(delay)
                delay = min(10.0, delay * 2)

    async def _poll(self) -> None:
        while True:
            await asyncio.sleep(POLL_SECONDS)
            try:
                if await self.store.head() > self.delivered:
                    self._check_head()
            except Exception:
                log.exception("the relay could not read the store's head")

    def _check_head(self) -> None:
        if self._filling is None:
            self._filling = asyncio.create_task(self._fill(), name="relay-fill")

    def _say_away(self, exc: BaseException) -> None:
        if not self._away:
            self._away = True
            log.error(
                "Redis at the bus URL is not answering (%s): screens of this process get "
                "other processes' changes from the store, a second late, until it is back",
                type(exc).__name__,
            )

    def _say_back(self) -> None:
        if self._away:
            self._away = False
            log.warning("Redis answers again: the bus is live")


_GONE = LogEntry(seq=-1, event="", audience="", text="")


def _rows_after(conn: Conn, *, after: int) -> list[LogEntry]:
    rows = conn.execute(
        "SELECT seq, event, audience, message FROM log WHERE seq > ? ORDER BY seq LIMIT ?",
        (after, FILL_LIMIT),
    ).fetchall()
    return [entry_of(int(r[0]), str(r[1]), str(r[2]), str(r[3])) for r in rows]
