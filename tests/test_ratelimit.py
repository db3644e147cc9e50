"""The sliding-window rate limit, in memory and in Redis (the clock is passed in).

In Redis, two "processes" (``Shared`` on their own connections) count the same hits, and
a burst of attempts spread over them admits exactly the limit.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest

from tests import servers
from tests.shared_redis import process
from wall.ratelimit import RateLimit, admit
from wall.shared.connection import Shared
from wall.shared.limits import RedisLog


@pytest.fixture(params=["memory", "redis"])
def make(request, tmp_path: Path, opened: list[Shared]) -> Callable[..., RateLimit]:
    logs: list[RedisLog] = []

    def limit(per: int, *, window: float) -> RateLimit:
        if request.param == "memory":
            return RateLimit(per, window=window)  # each with its own log, as on one process
        if not logs:  # one log for every limit, as on several processes
            opened.append(process(tmp_path))
            logs.append(RedisLog(opened[-1], "test"))
        return RateLimit(per, window=window, log=logs[0], name=f"limit-{len(opened)}")

    return limit


async def test_hits_under_the_limit_go_ahead(make) -> None:
    limit = make(3, window=60)
    for t in (0, 1, 2):
        assert await limit.retry_after("a", now=t) == 0
        await limit.hit("a", now=t)
    assert await limit.retry_after("a", now=3) == 57  # the first hit leaves the window at 60


async def test_the_window_slides_rather_than_resets(make) -> None:
    limit = make(2, window=60)
    await limit.hit("a", now=0)
    await limit.hit("a", now=50)
    assert await limit.retry_after("a", now=59) == 1
    assert await limit.retry_after("a", now=60) == 0  # the hit at 0 has left; 50 stays
    await limit.hit("a", now=60)
    assert await limit.retry_after("a", now=61) == 49


async def test_keys_are_counted_apart(make) -> None:
    limit = make(1, window=60)
    await limit.hit("a", now=0)
    assert await limit.retry_after("a", now=1) > 0
    assert await limit.retry_after("b", now=1) == 0


async def test_a_limit_of_zero_means_no_limit(make) -> None:
    limit = make(0, window=60)
    for t in range(100):
        await limit.hit("a", now=t)
    assert await limit.retry_after("a", now=100) == 0
    assert await admit([(limit, "a")], now=100) is None


async def test_admit_counts_every_limit_or_none(make) -> None:
    device, address = make(2, window=60), make(3, window=60)
    address.name = "another"
    for t in (0, 1):
        assert await admit([(device, "phone"), (address, "net")], now=t) is None
    refused = await admit([(device, "phone"), (address, "net")], now=2)
    assert refused == (device, 58)
    # The refused attempt counted on neither: the address has room for one more.
    assert await admit([(device, "other phone"), (address, "net")], now=3) is None
    assert await admit([(device, "third phone"), (address, "net")], now=4) == (address, 56)


def test_memory_is_bounded_by_forgetting_the_least_recent_key() -> None:
    limit = RateLimit(1, window=60, max_keys=3)

    async def run() -> None:
        for n, key in enumerate("abcd"):
            await limit.hit(key, now=n)
        assert await limit.retry_after("a", now=5) == 0  # forgotten
        assert await limit.retry_after("d", now=5) > 0

    asyncio.run(run())


# ---------------------------------------------------------------- several processes


async def test_two_processes_count_the_same_hits(tmp_path, opened) -> None:
    a, b = process(tmp_path), process(tmp_path)
    opened += [a, b]
    on_a = RateLimit(2, window=3600, log=RedisLog(a, "submissions"), name="jpo:device")
    on_b = RateLimit(2, window=3600, log=RedisLog(b, "submissions"), name="jpo:device")
    await on_a.hit("phone")
    await on_b.hit("phone")
    assert await on_a.retry_after("phone") > 0 and await on_b.retry_after("phone") > 0


async def test_a_burst_over_many_processes_admits_exactly_the_limit(tmp_path, opened) -> None:
    opened += [process(tmp_path) for _ in range(6)]
    limits = [RateLimit(5, window=3600, log=RedisLog(s, "submissions"), name="jpo") for s in opened]
    attempts = [admit([(limit, "phone")]) for limit in limits for _ in range(8)]
    results = await asyncio.gather(*attempts)
    assert sum(result is None for result in results) == 5


async def test_limits_count_in_this_process_while_redis_is_away(tmp_path, caplog) -> None:
    redis = servers.Redis().start()
    shared = process(tmp_path, url=redis.url)
    try:
        limit = RateLimit(2, window=3600, log=RedisLog(shared, "submissions"), name="jpo")
        redis.stop()
        assert await admit([(limit, "phone")]) is None
        assert await admit([(limit, "phone")]) is None
        refused = await admit([(limit, "phone")])  # still braked, by this process alone
        assert refused is not None and refused[0] is limit
        assert sum("Redis is not answering" in r.getMessage() for r in caplog.records) == 1
    finally:
        await shared.close()
        redis.close()
