"""Sources run once across processes: leases in a real Redis (wall.shared.lease).

Each "process" is a ``Leased`` placement with its own Redis connection and supervisor;
the sources are quiet ones that only count how often they were started.
"""

from __future__ import annotations

import asyncio
import functools
from pathlib import Path

import pytest

from tests.shared_redis import process
from wall.placement import Here
from wall.shared.lease import Leased
from wall.supervisor import Supervisor

TTL = 0.6  # short, so a lapse takes a moment; nothing below measures time


class Quiet:
    def __init__(self, name: str) -> None:
        self.name = name

    async def posts(self):  # type: ignore[no-untyped-def]
        await asyncio.Event().wait()
        yield


class Process:
    """One Murmur process's sources: a supervisor and its placement."""

    def __init__(self, tmp_path: Path) -> None:
        async def ingest(event: str, post: object) -> None:
            return None

        self.supervisor = Supervisor(ingest)
        self.shared = process(tmp_path)
        self.placement = Leased(self.shared, self.supervisor, ttl=TTL)
        self.started: list[str] = []

    def starters(self, slug: str, names: list[str]) -> dict[str, functools.partial[None]]:
        return {name: functools.partial(self._start, slug, name) for name in names}

    def _start(self, slug: str, name: str) -> None:
        self.started.append(name)
        self.supervisor.start(slug, Quiet(name))

    def running(self) -> list[str]:
        return sorted(self.supervisor.running("jpo"))

    async def kill(self) -> None:
        """Dies without a word: its loop stops renewing, its leases stay to lapse."""
        assert self.placement._loop is not None
        self.placement._loop.cancel()
        await self.supervisor.stop()
        await self.shared.close()


async def wait_for(predicate) -> None:  # type: ignore[no-untyped-def]
    for _ in range(1000):
        if predicate():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("condition not reached")


@pytest.fixture
async def two(tmp_path: Path):  # type: ignore[no-untyped-def]
    a, b = Process(tmp_path), Process(tmp_path)
    yield a, b
    for p in (a, b):
        await p.placement.close()
        await p.shared.close()


NAMES = ["mastodon-1", "bluesky-2", "rss-3"]


async def test_each_source_runs_in_one_process_only(two):
    a, b = two
    await a.placement.run("jpo", a.starters("jpo", NAMES))
    await b.placement.run("jpo", b.starters("jpo", NAMES))
    assert a.running() == sorted(NAMES) and b.running() == []
    for _ in range(3):  # rounds go by: the holder renews, nobody else starts anything
        await a.placement.round()
        await b.placement.round()
    assert a.started == NAMES and b.started == []


async def test_a_killed_process_s_sources_move_once_its_leases_lapse(two):
    a, b = two
    await a.placement.run("jpo", a.starters("jpo", NAMES))
    await b.placement.run("jpo", b.starters("jpo", NAMES))
    await a.kill()
    await wait_for(lambda: b.running() == sorted(NAMES))
    assert b.started == NAMES  # each started once, in B


async def test_a_process_that_stops_hands_its_sources_over_at_once(two):
    a, b = two
    await a.placement.run("jpo", a.starters("jpo", NAMES))
    await b.placement.run("jpo", b.starters("jpo", NAMES))
    await a.placement.close()  # released: B takes them at its next round, lapse or not
    await b.placement.round()
    assert b.running() == sorted(NAMES) and a.running() == []


async def test_an_ended_event_stops_its_sources_and_frees_their_leases(two):
    a, b = two
    await a.placement.run("jpo", a.starters("jpo", NAMES))
    await a.placement.stop("jpo")
    assert a.running() == [] and a.placement.held == set()
    await b.placement.run("jpo", b.starters("jpo", NAMES))
    assert b.running() == sorted(NAMES)


async def test_a_holder_whose_lease_went_to_another_process_stops_its_source(two):
    a, b = two
    await a.placement.run("jpo", a.starters("jpo", ["rss-3"]))
    await b.placement.run("jpo", b.starters("jpo", ["rss-3"]))
    # A froze longer than the lease (a paused VM): B took the source meanwhile.
    await a.shared.client.delete(a.shared.key("lease", "jpo", "rss-3"))
    await b.placement.round()
    assert b.running() == ["rss-3"]
    await a.placement.round()
    assert a.running() == []


async def test_one_process_runs_every_source_at_once():
    supervisor = Supervisor(lambda event, post: asyncio.sleep(0))
    started: list[str] = []
    here = Here(supervisor)
    await here.run("jpo", {name: functools.partial(started.append, name) for name in NAMES})
    assert started == NAMES
