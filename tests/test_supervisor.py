"""The supervisor: restarts failed sources with backoff and keeps their health."""

from __future__ import annotations

import asyncio
import random

from tests.factories import make_post
from wall.sources.errors import BadCredentials, RateLimited
from wall.supervisor import Supervisor, backoff_delay


class Scripted:
    """A source whose runs follow a script: post, fail, go quiet."""

    def __init__(self, name, runs, on_live=None):
        self.name = name
        self.runs = list(runs)
        self.closed = 0
        self.on_live = on_live

    async def posts(self):
        run = self.runs.pop(0) if self.runs else "quiet"
        try:
            if run == "quiet":
                if self.on_live:
                    self.on_live()
                await asyncio.Event().wait()
            if isinstance(run, Exception):
                raise run
            yield make_post(network_id=run)
            await asyncio.Event().wait()
        finally:
            self.closed += 1


async def wait_for(predicate):
    for _ in range(500):
        if predicate():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("condition not reached")


def test_backoff_is_full_jitter_under_an_exponential_cap():
    rng = random.Random(1)
    delays = [backoff_delay(n, base=1, cap=300, rng=rng) for n in range(1, 12)]
    assert all(0 <= d <= min(300, 2**n) for n, d in zip(range(1, 12), delays, strict=True))
    assert len({round(d, 6) for d in delays}) == len(delays)  # jittered, not a fixed ladder


async def test_a_failing_source_is_restarted_and_its_health_says_why():
    got = []

    async def ingest(event, post):
        got.append(post.network_id)

    supervisor = Supervisor(ingest, backoff_base=0.001, backoff_cap=0.01)
    source = Scripted("x-1", [BadCredentials("the token was refused"), "p-1"])
    supervisor.start("jpo", source)
    await wait_for(lambda: got == ["p-1"])
    health = supervisor.health[("jpo", "x-1")]
    assert health.state == "live" and health.posts == 1
    assert health.last_error == "the token was refused"
    assert health.error_code == "bad_credentials"  # for the pages to word it
    await supervisor.stop()
    assert source.closed == 2  # every run's generator was closed, the cancelled one too
    assert health.state == "stopped"


async def test_an_unforeseen_failure_is_coded_unexpected_and_the_source_goes_on():
    got = []

    async def ingest(event, post):
        got.append(post.network_id)

    supervisor = Supervisor(ingest, backoff_base=0.001, backoff_cap=0.01)
    supervisor.start("jpo", Scripted("x-1", [KeyError("boom"), "p-1"]))
    await wait_for(lambda: got == ["p-1"])
    health = supervisor.health[("jpo", "x-1")]
    assert (health.error_code, health.last_error) == ("unexpected", "unexpected error: KeyError")
    await supervisor.stop()


async def test_a_rate_limit_waits_what_the_network_says():
    supervisor = Supervisor(lambda e, p: asyncio.sleep(0))
    supervisor.start("jpo", Scripted("m-1", [RateLimited("slow down", retry_after=123)]))
    await wait_for(lambda: supervisor.health[("jpo", "m-1")].state == "rate limited")
    health = supervisor.health[("jpo", "m-1")]
    assert health.next_retry_at is not None
    await supervisor.stop()


async def test_a_connected_but_quiet_source_shows_live():
    supervisor = Supervisor(lambda e, p: asyncio.sleep(0))
    source = Scripted("rss-1", ["quiet"])
    source.on_live = lambda: supervisor.mark_live("jpo", "rss-1")
    supervisor.start("jpo", source)
    await wait_for(lambda: supervisor.health[("jpo", "rss-1")].state == "live")
    assert supervisor.health[("jpo", "rss-1")].posts == 0
    await supervisor.stop()
