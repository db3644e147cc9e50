"""The bus between processes: each one's committed entries, through one Redis channel.

Every process publishes the entries it commits on ``{namespace}:log`` and subscribes to
it; what arrives goes through the ``Sequencer`` to the local bus, so screens on any
process get every change in ``seq`` order, once. Redis is a fast road, not the record:

- every ``CHECK_EVERY`` seconds, and each time the subscription is made again, the
  store's head is read, and whatever this process has not delivered is read from the
  store. A message Redis dropped, a Redis restart or a network cut delays a change on
  other processes' screens by about a second; it never loses it;
- when Redis does not answer, the error is logged once, the process goes on serving (its
  own changes at once, the others' from the store), and the subscription is tried again
  with backoff; its return is logged too.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import secrets
from typing import TYPE_CHECKING

import msgspec
import redis.asyncio as redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

from wall.bus import Bus
from wall.cluster.sequencer import Sequencer
from wall.config import env_secret
from wall.settings import BusSettings
from wall.sql import Conn
from wall.store.protocol import Store
from wall.views import MODERATE, WALL, LogEntry

if TYPE_CHECKING:
    from wall.hub import Hub

log = logging.getLogger(__name__)

CHECK_EVERY = 1.0  # seconds between two looks at the store's head
TIMEOUT = 2.0  # a Redis that does not answer in this long is away
BACKOFF_FIRST, BACKOFF_MAX = 0.25, 5.0  # reconnecting: full jitter up to this, doubling
OUTBOX = 10_000  # batches waiting to be published; past this Redis is too slow: drop


class Batch(msgspec.Struct, array_like=True):
    """One commit's entries, as published: ``origin`` is the publishing process."""

    origin: str
    entries: list[LogEntry]


_encoder = msgspec.msgpack.Encoder()
_decoder = msgspec.msgpack.Decoder(Batch)


def client_for(settings: BusSettings) -> redis.Redis:
    password = env_secret(settings.password_env) if settings.password_env else None
    return redis.Redis.from_url(
        settings.url,
        password=password,
        socket_timeout=TIMEOUT,
        socket_connect_timeout=TIMEOUT,
        # No silent retries inside redis-py: the relay must know when it reconnects, to
        # read what it missed meanwhile from the store.
        retry=Retry(NoBackoff(), 0),
    )


def _unless_cancelled() -> None:
    """Raise ``CancelledError`` if the task was cancelled: redis-py may turn a
    cancellation in the middle of a command into a connection error."""
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError


class Relay:
    """The store's ``on_commit`` when several processes share it (``committed``)."""

    def __init__(self, settings: BusSettings, bus: Bus) -> None:
        self.bus = bus
        self.url = settings.url
        self.channel = f"{settings.namespace}:log"
        self.client = client_for(settings)
        self.process = secrets.token_hex(8)
        self.sequencer = Sequencer(bus.publish, self._fill)
        self.away = False  # Redis did not answer last time it was asked
        self._outbox: asyncio.Queue[list[LogEntry]] = asyncio.Queue(OUTBOX)
        self._store: Store | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self.subscribed = asyncio.Event()  # set while the subscription is made

    # -- the store's side ----------------------------------------------------------------

    def committed(self, entries: list[LogEntry]) -> None:
        """This process committed ``entries``: its screens get them now, the others soon."""
        self.sequencer.offer(entries, local=True)
        if self._tasks:
            # Redis away or too slow: the others read these from the store.
            with contextlib.suppress(asyncio.QueueFull):
                self._outbox.put_nowait(entries)

    async def start(self, hub: Hub) -> None:
        from wall.cluster.follow import Follower

        self._store = store = hub.store
        self.sequencer.reset(await store.head())
        follower = Follower(hub)
        self.sequencer.remote = follower.heard
        self._tasks = [
            asyncio.create_task(coro, name=f"murmur-relay-{name}")
            for name, coro in (
                ("sequencer", self.sequencer.run()),
                ("publisher", self._publish_forever()),
                ("listener", self._listen_forever()),
                ("checker", self._check_forever()),
                ("follower", follower.run()),
            )
        ]

    async def stop(self) -> None:
        tasks, self._tasks = self._tasks, []
        while tasks:
            for task in tasks:
                task.cancel()
            # A cancellation that lands inside redis-py can be absorbed by its cleanup:
            # cancel again until every task has ended.
            _, pending = await asyncio.wait(tasks, timeout=1.0)
            tasks = list(pending)
        await self.client.aclose()

    # -- Redis ---------------------------------------------------------------------------

    async def _publish_forever(self) -> None:
        while True:
            entries = await self._outbox.get()
            try:
                data = _encoder.encode(Batch(self.process, entries))
                await self.client.publish(self.channel, data)
            except (RedisError, OSError) as exc:
                _unless_cancelled()
                self._went_away(exc)
            else:
                self._came_back()

    async def _listen_forever(self) -> None:
        attempt = 0
        while True:
            try:
                await self._listen()
            except (RedisError, OSError) as exc:
                _unless_cancelled()
                self._went_away(exc)
            attempt = 0 if self.subscribed.is_set() else attempt + 1
            self.subscribed.clear()
            await asyncio.sleep(random.uniform(0, min(BACKOFF_MAX, BACKOFF_FIRST * 2**attempt)))

    async def _listen(self) -> None:
        async with self.client.pubsub() as pubsub:
            await pubsub.subscribe(self.channel)
            while True:
                message = await pubsub.get_message(timeout=1.0)
                if message is None:
                    continue
                if message["type"] == "subscribe":
                    self._came_back()
                    self.subscribed.set()
                    await self._check()  # what came while this process was not listening
                elif message["type"] == "message":
                    self._heard(message["data"])

    def _heard(self, data: bytes) -> None:
        try:
            batch = _decoder.decode(data)
        except msgspec.DecodeError:
            log.warning("ignored a message on %s that is not Murmur's", self.channel)
            return
        if batch.origin != self.process:
            self.sequencer.offer(batch.entries)

    def _went_away(self, exc: BaseException) -> None:
        if not self.away:
            self.away = True
            log.error(
                "Redis at %s is not answering (%s: %s): screens on this process still get"
                " every change, the other processes' ones read from the store every %.0f s"
                " until Redis answers again (docs/scaling.md)",
                self.url,
                type(exc).__name__,
                exc,
                CHECK_EVERY,
            )

    def _came_back(self) -> None:
        if self.away:
            self.away = False
            log.warning("Redis at %s answers again: changes travel through it", self.url)

    # -- the store, the record -----------------------------------------------------------

    async def _check_forever(self) -> None:
        while True:
            await asyncio.sleep(CHECK_EVERY)
            with contextlib.suppress(Exception):  # the store is away: requests say so
                await self._check()

    async def _check(self) -> None:
        assert self._store is not None
        self.sequencer.known(await self._store.head())

    async def _fill(self, after: int, upto: int) -> list[LogEntry]:
        """The entries ``after < seq <= upto``, each as a subscriber would have had it.

        Built by the store's own replay (``log_since``): moderators get the text as
        logged; screens get what a screen replaying the log gets, so a post taken down
        since never reaches a screen with its content. An event with more missed entries
        than a replay carries has its subscribers resynchronised instead.
        """
        assert self._store is not None
        store = self._store

        def events(conn: Conn) -> list[str]:
            rows = conn.execute(
                "SELECT DISTINCT event FROM log WHERE seq > ? AND seq <= ?", (after, upto)
            ).fetchall()
            return [str(row[0]) for row in rows]

        found: list[LogEntry] = []
        for event in await store.query(events):
            everyone = await store.log_since(event, after, MODERATE)
            screens = await store.log_since(event, after, WALL)
            if everyone is None or screens is None:
                self.bus.resync(event)  # they come back with ?since= and get a snapshot
                continue
            shown = {entry.seq: entry.screen for entry in screens}
            found += [
                LogEntry(
                    seq=entry.seq,
                    event=event,
                    audience=entry.audience,
                    text=entry.text,
                    screen=shown.get(entry.seq) if entry.audience == WALL else None,
                )
                for entry in everyone
                if entry.seq <= upto
            ]
        found.sort(key=lambda entry: entry.seq)
        return found
