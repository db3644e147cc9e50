"""The bus between processes, on a real Redis and a real PostgreSQL (tests/servers.py).

Each ``Hub`` here is one Murmur process: its own store connections, relay and bus, all in
this test's event loop. A hub without ``[bus] url`` on the same database is a process whose
messages never reach Redis: the others must find its changes in the store.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from pathlib import Path

from moderation import Action, Mode
from tests import servers
from tests.factories import make_post
from tests.live import test_event
from wall.bus import Bus, Subscription
from wall.cluster.relay import Batch, _encoder
from wall.hub import Hub
from wall.settings import BusSettings, Settings, StoreSettings
from wall.views import EPHEMERAL, MODERATE, WALL, LogEntry

EVENT = "jpo"


class Recorder(Bus):
    """A bus that also keeps the logged entries it was given, in order (claims and
    presence, never logged, go to the moderators only)."""

    def __init__(self) -> None:
        super().__init__()
        self.entries: list[LogEntry] = []

    def publish(self, entries: list[LogEntry]) -> None:  # type: ignore[override]
        self.entries += [e for e in entries if e.seq != EPHEMERAL]
        super().publish(entries)


class Cluster:
    """Hubs on one PostgreSQL database and one Redis namespace."""

    def __init__(self, tmp: Path, redis_url: str) -> None:
        self.tmp, self.redis_url = tmp, redis_url
        self.name = servers.name_for(tmp)
        self.store_url = servers.postgres().database(self.name)
        self.hubs: list[Hub] = []

    async def hub(self, *, relay: bool = True) -> Hub:
        data = self.tmp / f"p{len(self.hubs)}"
        settings = Settings(
            events=[test_event(EVENT)],
            data_dir=data,
            store=StoreSettings(url=self.store_url),
            bus=BusSettings(url=self.redis_url if relay else "", namespace=self.name),
        )
        hub = Hub(settings, bus=Recorder())
        await hub.start()
        self.hubs.append(hub)
        if hub.relay is not None:
            async with asyncio.timeout(10):
                await hub.relay.subscribed.wait()
        return hub

    async def close(self) -> None:
        for hub in reversed(self.hubs):
            await hub.stop()


@contextlib.asynccontextmanager
async def cluster(tmp: Path, redis_url: str | None = None) -> AsyncIterator[Cluster]:
    made = Cluster(tmp, redis_url or servers.redis().url)
    try:
        yield made
    finally:
        await made.close()


def seqs(hub: Hub) -> list[int]:
    bus = hub.bus
    assert isinstance(bus, Recorder)
    return [e.seq for e in bus.entries]


async def eventually(check: Callable[[], bool], what: str) -> None:
    async with asyncio.timeout(15):
        while not check():
            await asyncio.sleep(0.02)


async def take(sub: Subscription, n: int) -> list[LogEntry]:
    got: list[LogEntry] = []
    async with asyncio.timeout(15):
        async for entry in sub:
            got.append(entry)
            if len(got) == n:
                break
    return got


async def head(hub: Hub) -> int:
    return await hub.store.head()


async def delivered_all(hubs: list[Hub], upto: int) -> None:
    for hub in hubs:
        await eventually(lambda h=hub: bool(seqs(h)) and seqs(h)[-1] >= upto, "delivery")


async def approve_some(hub: Hub, n: int) -> None:
    for _ in range(n):
        view = await hub.ingest(EVENT, make_post())
        assert view is not None
        await hub.act(EVENT, view.id, Action.APPROVE, actor="mo")


async def test_two_processes_writing_at_once_each_deliver_every_entry_once_in_seq_order(tmp_path):
    async with cluster(tmp_path) as c:
        a, b = await c.hub(), await c.hub()
        start = await head(a)
        await asyncio.gather(approve_some(a, 15), approve_some(b, 15))
        last = await head(a)
        await delivered_all([a, b], last)
        expected = list(range(start + 1, last + 1))
        assert seqs(a) == expected and seqs(b) == expected
        # The same text for every audience, whichever process committed it.
        texts_a = {e.seq: (e.text, e.screen) for e in a.bus.entries}  # type: ignore[attr-defined]
        texts_b = {e.seq: (e.text, e.screen) for e in b.bus.entries}  # type: ignore[attr-defined]
        assert texts_a == texts_b


async def test_entries_redis_brings_out_of_order_reach_the_bus_in_order(tmp_path):
    async with cluster(tmp_path) as c:
        a = await c.hub()
        silent = await c.hub(relay=False)  # commits, publishes nothing itself
        start = await head(a)
        await approve_some(silent, 2)
        committed = silent.bus.entries  # type: ignore[attr-defined]
        assert [e.seq for e in committed] == list(range(start + 1, start + 5))
        for entry in reversed(committed):  # the last first, as a slow network might
            batch = _encoder.encode(Batch("elsewhere", [entry]))
            await a.relay.client.publish(a.relay.channel, batch)  # type: ignore[union-attr]
        await delivered_all([a], start + 4)
        assert seqs(a) == [e.seq for e in committed]
        assert [e.text for e in a.bus.entries] == [e.text for e in committed]  # type: ignore[attr-defined]


async def test_changes_redis_never_carried_are_read_from_the_store(tmp_path):
    async with cluster(tmp_path) as c:
        a = await c.hub()
        silent = await c.hub(relay=False)
        start = await head(a)
        with a.bus.subscribe(EVENT, WALL) as screen, a.bus.subscribe(EVENT, MODERATE) as desk:
            await approve_some(silent, 3)
            last = await head(a)
            await delivered_all([a], last)
            committed = silent.bus.entries  # type: ignore[attr-defined]
            assert seqs(a) == list(range(start + 1, last + 1))
            # Moderators get the very text the committing process sent its own desks.
            assert [e.text for e in a.bus.entries] == [e.text for e in committed]  # type: ignore[attr-defined]
            assert [e.text for e in await take(desk, 6)] == [e.text for e in committed]
            shown = [e for e in committed if e.audience == WALL]
            assert [e.screen for e in await take(screen, 3)] == [e.screen for e in shown]


async def test_a_post_taken_down_before_a_gap_is_read_never_reaches_a_screen(tmp_path):
    async with cluster(tmp_path) as c:
        a = await c.hub()
        silent = await c.hub(relay=False)
        view = await silent.ingest(EVENT, make_post("Something ugly #JPO2026"))
        assert view is not None
        await silent.act(EVENT, view.id, Action.APPROVE, actor="mo")
        await silent.act(EVENT, view.id, Action.REMOVE, actor="mo")
        await delivered_all([a], await head(a))
        screens = [e.screen for e in a.bus.entries if e.screen is not None]  # type: ignore[attr-defined]
        assert screens and not any("Something ugly" in s for s in screens)
        assert '"type":"post.removed"' in screens[-1]


async def test_a_redis_restart_mid_stream_loses_nothing_and_repeats_nothing(tmp_path, caplog):
    redis = servers.Redis().start()
    try:
        async with cluster(tmp_path, redis.url) as c:
            a, b = await c.hub(), await c.hub()
            start = await head(a)
            await approve_some(b, 2)
            await delivered_all([a], start + 4)
            with caplog.at_level(logging.WARNING, logger="wall.cluster.relay"):
                redis.stop()
                await approve_some(b, 2)  # while Redis is away
                await approve_some(a, 1)
                await delivered_all([a, b], start + 10)
                redis.start()  # the same port, empty
                for hub in (a, b):
                    assert hub.relay is not None
                    await eventually(hub.relay.subscribed.is_set, "subscribed again")
                await approve_some(b, 2)
                await approve_some(a, 1)
                last = await head(a)
                await delivered_all([a, b], last)
            assert seqs(a) == seqs(b) == list(range(start + 1, last + 1))
            assert a.relay is not None and not a.relay.away
            errors = [
                r
                for r in caplog.records
                if r.levelno == logging.ERROR and r.name == "wall.cluster.relay"
            ]
            assert errors and all("is not answering" in r.getMessage() for r in errors)
            assert len(errors) == 2  # once for each process, not once per message
            assert any(
                "answers again" in r.getMessage()
                for r in caplog.records
                if r.name == "wall.cluster.relay"
            )
    finally:
        redis.close()


async def test_an_organisers_live_changes_on_one_process_apply_on_the_others(tmp_path):
    async with cluster(tmp_path) as c:
        a, b = await c.hub(), await c.hub()
        changes = {"hashtags": ["Graduation2026"], "moderation": "post"}
        await a.reconfigure(EVENT, changes, actor="o")
        await eventually(lambda: b.events[EVENT].hashtags == ["Graduation2026"], "hashtags")
        assert b.rules[EVENT].mode is Mode.POST
        await a.set_archived(EVENT, True, actor="o")
        await eventually(lambda: b.state(EVENT) == "archived", "archived")
        await a.set_archived(EVENT, False, actor="o")
        await eventually(lambda: b.state(EVENT) == "live", "brought back")
        await a.reset(EVENT, actor="o")
        await eventually(lambda: b.events[EVENT].hashtags == ["JPO2026"], "reset")
        assert b.rules[EVENT].mode is Mode.PRE


async def test_an_event_created_on_one_process_is_served_by_the_others(tmp_path):
    async with cluster(tmp_path) as c:
        a, b = await c.hub(), await c.hub()
        created = test_event("gala")
        await a.create_event(created, actor="o")
        await eventually(lambda: "gala" in b.events, "created")
        assert b.events["gala"] == created and b.state("gala") == "live"
        assert b.bases["gala"] == created  # a reset there returns to it


async def test_a_created_events_live_changes_survive_another_events_change_elsewhere(tmp_path):
    async with cluster(tmp_path) as c:
        a, b = await c.hub(), await c.hub()
        await a.create_event(test_event("gala"), actor="o")
        await a.reconfigure("gala", {"title": "Gala 2026"}, actor="o")
        await eventually(lambda: "gala" in b.events and b.events["gala"].title == "Gala 2026", "")
        await a.reconfigure(EVENT, {"title": "JPO 2026"}, actor="o")
        await eventually(lambda: b.events[EVENT].title == "JPO 2026", "jpo")
        assert b.events["gala"].title == "Gala 2026"  # not sent back to how it was created


async def test_an_author_blocked_on_one_process_is_held_back_on_the_others(tmp_path):
    async with cluster(tmp_path) as c:
        a, b = await c.hub(), await c.hub()
        view = await a.ingest(EVENT, make_post(handle="troll@elsewhere.example"))
        assert view is not None
        await a.desk.block_author(EVENT, view.id, user="mo", why="spam")

        def blocked() -> bool:
            authors = b.desk.rules(EVENT, b.rules[EVENT]).authors
            return any(r.author == "test:troll@elsewhere.example" for r in authors)

        await eventually(blocked, "blocked")
        later = await b.ingest(EVENT, make_post("Again #JPO2026", handle="troll@elsewhere.example"))
        assert later is not None and later.status.value == "rejected"
