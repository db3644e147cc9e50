"""The relay (wall.relay) on a real PostgreSQL and Redis: every process's commits reach a
process's bus in seq order, once, and what Redis did not carry comes from the store."""

from __future__ import annotations

import asyncio
from pathlib import Path

import msgspec

from moderation import Decision, Verdict
from tests import servers
from tests.factories import make_post
from wall.bus import Bus
from wall.desk_store import DeskStore
from wall.relay import Relay
from wall.settings import BusSettings
from wall.views import MODERATE, LogEntry

HOLD = Verdict(decision=Decision.HOLD, reason="pre-moderation", rule="mode")


async def heard(sub_entries: list[LogEntry], count: int) -> list[int]:
    for _ in range(500):  # the relay polls the store every second: a safety net, not a measure
        if len(sub_entries) >= count:
            break
        await asyncio.sleep(0.01)
    return [e.seq for e in sub_entries]


async def follow(bus: Bus, into: list[LogEntry]) -> None:
    with bus.subscribe("jpo", MODERATE) as sub:
        async for entry in sub:
            into.append(entry)


async def test_what_redis_never_carried_is_read_from_the_store_in_order(tmp_path: Path):
    url = servers.postgres().database(servers.name_for(tmp_path))
    settings = BusSettings(url=servers.redis().url, namespace=servers.name_for(tmp_path))
    writer = DeskStore(tmp_path / "a", url=url)  # another process, whose publishes are lost
    await writer.open()
    await writer.save_event("jpo", "JPO", "{}")
    bus = Bus()
    reader = DeskStore(tmp_path / "b", url=url)
    relay = Relay(reader, bus, settings)
    await reader.open()
    await relay.start()
    got: list[LogEntry] = []
    following = asyncio.create_task(follow(bus, got))
    try:
        for n in range(5):
            await writer.ingest("jpo", make_post(f"post {n}"), HOLD)
        assert await heard(got, 5) == [1, 2, 3, 4, 5]
    finally:
        following.cancel()
        await relay.close()
        await reader.close()
        await writer.close()


async def test_an_entry_heard_before_the_one_it_follows_waits_for_it(tmp_path: Path):
    url = servers.postgres().database(servers.name_for(tmp_path))
    settings = BusSettings(url=servers.redis().url, namespace=servers.name_for(tmp_path))
    committed: list[LogEntry] = []
    writer = DeskStore(tmp_path / "a", url=url, on_commit=committed.extend)
    await writer.open()
    await writer.save_event("jpo", "JPO", "{}")
    bus = Bus()
    reader = DeskStore(tmp_path / "b", url=url)
    relay = Relay(reader, bus, settings)
    await reader.open()
    await relay.start()
    got: list[LogEntry] = []
    following = asyncio.create_task(follow(bus, got))
    try:
        for n in range(3):
            await writer.ingest("jpo", make_post(f"post {n}"), HOLD)
        await asyncio.sleep(0.05)
        # Redis carries 3 first, then 2, then 1 (two processes publishing at once).
        client = relay._client
        for entry in reversed(committed):
            await client.publish(relay.channel, msgspec.json.encode([entry]))
        assert await heard(got, 3) == [1, 2, 3]
        assert [e.text for e in got] == [e.text for e in committed]
        await asyncio.sleep(0.1)
        assert len(got) == 3  # each once, whatever came twice
    finally:
        following.cancel()
        await relay.close()
        await reader.close()
        await writer.close()
