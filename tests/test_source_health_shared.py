"""Source health across processes, on a real Redis (wall.shared.health).

Two "processes" are two ``SharedHealth`` on their own connections and supervisors; the
clock is the test's. tests/test_cluster.py asks two real ``murmur serve`` processes.
"""

from __future__ import annotations

from pathlib import Path

from tests import servers
from tests.shared_redis import process
from wall.shared.connection import Shared
from wall.shared.health import VALID_FOR, SharedHealth
from wall.supervisor import Health, Supervisor


async def _ingest(event: str, post: object) -> None:
    return None


def running(supervisor: Supervisor, event: str, source: str, **state: object) -> Health:
    """Health as the supervisor keeps it for a source it runs (no source task needed)."""
    health = Health(event=event, source=source, **state)  # type: ignore[arg-type]
    supervisor.health[(event, source)] = health
    return health


def two(tmp_path: Path, opened: list[Shared], now: list[float]) -> list[SharedHealth]:
    opened += [process(tmp_path), process(tmp_path)]
    return [SharedHealth(one, Supervisor(_ingest), clock=lambda: now[0]) for one in opened]


def seen(healths: list[Health]) -> list[tuple[str, str, int]]:
    return [(h.source, h.state, h.posts) for h in healths]


async def test_any_process_tells_the_health_of_sources_another_runs(tmp_path, opened):
    now = [1_000.0]
    a, b = two(tmp_path, opened, now)
    running(a.supervisor, "jpo", "mastodon", state="live", posts=12)
    running(b.supervisor, "jpo", "rss", state="failing: 503", last_error="503", posts=3)
    running(b.supervisor, "other", "bluesky", state="live", posts=1)
    await a.write()
    await b.write()
    for one in (a, b):
        assert seen(await one.of("jpo")) == [("mastodon", "live", 12), ("rss", "failing: 503", 3)]
    assert seen(await a.of("other")) == [("bluesky", "live", 1)]
    # What runs here is read from here: fresher than the last round written.
    a.supervisor.health[("jpo", "mastodon")].posts = 13
    assert ("mastodon", "live", 13) in seen(await a.of("jpo"))


async def test_a_source_whose_process_died_or_let_it_go_is_no_longer_listed(tmp_path, opened):
    now = [1_000.0]
    a, b = two(tmp_path, opened, now)
    running(a.supervisor, "jpo", "mastodon", state="live", posts=12)
    await a.write()
    now[0] += VALID_FOR - 0.1
    assert seen(await b.of("jpo")) == [("mastodon", "live", 12)]
    now[0] += 0.2  # process A stopped renewing it (dead, or the source moved away)
    assert await b.of("jpo") == []
    # B took the source over: its own word, even over an entry still valid.
    running(b.supervisor, "jpo", "mastodon", state="connecting")
    assert seen(await b.of("jpo")) == [("mastodon", "connecting", 0)]


async def test_while_redis_is_away_a_process_tells_what_it_runs_itself(tmp_path):
    redis = servers.Redis().start()
    shared = process(tmp_path, url=redis.url)
    try:
        health = SharedHealth(shared, Supervisor(_ingest))
        running(health.supervisor, "jpo", "rss", state="live", posts=2)
        redis.stop()
        await health.write()  # not an error: the next round writes again
        assert seen(await health.of("jpo")) == [("rss", "live", 2)]
    finally:
        await shared.close()
        redis.close()
