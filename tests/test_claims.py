"""Claims and presence: one contract, in memory and in Redis, with a clock the test moves.

The Redis ones also run as two processes on one real Redis (two ``Shared`` with their own
connections): a claim taken on one is seen and refused on the other, a race for one post
has exactly one winner, and a dead process's moderators leave the desk.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from tests import servers
from tests.shared_redis import process
from wall.claims import ClaimBook, Claims, Held
from wall.presence import Presence, PresenceBook
from wall.shared.claims import RedisClaims
from wall.shared.connection import Shared
from wall.shared.notices import Notices
from wall.shared.presence import BEAT, TTL, RedisPresence


class Cluster:
    """Processes on one namespace of the real Redis, closed at the end of the test."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp_path = tmp_path
        self.opened: list[Shared] = []

    def process(self) -> Shared:
        shared = process(self.tmp_path)
        self.opened.append(shared)
        return shared

    async def close(self) -> None:
        for shared in self.opened:
            await shared.close()


@pytest.fixture
async def cluster(tmp_path: Path) -> AsyncIterator[Cluster]:
    made = Cluster(tmp_path)
    try:
        yield made
    finally:
        await made.close()


Clock = Callable[[], float]


@pytest.fixture(params=["memory", "redis"])
def make_claims(request: pytest.FixtureRequest, cluster: Cluster) -> Callable[..., ClaimBook]:
    def make(ttl: float, clock: Clock) -> ClaimBook:
        if request.param == "memory":
            return Claims(ttl, clock=clock)
        return RedisClaims(cluster.process(), ttl, clock=clock)

    return make


@pytest.fixture(params=["memory", "redis"])
def make_presence(request: pytest.FixtureRequest, cluster: Cluster) -> Callable[[], PresenceBook]:
    def make() -> PresenceBook:
        return Presence() if request.param == "memory" else RedisPresence(cluster.process())

    return make


# ---------------------------------------------------------------- the contract


async def test_a_claim_holds_until_its_time_is_up_then_lapses(make_claims):
    now = [1000.0]
    claims = make_claims(30, lambda: now[0])
    claim, changed = await claims.take("jpo", 7, "alice")
    assert changed and claim.until == 1030
    with pytest.raises(Held) as info:
        await claims.take("jpo", 7, "bob")
    assert info.value.claim.by == "alice" and info.value.claim.until == 1030
    now[0] += 20
    _, changed = await claims.take("jpo", 7, "alice")  # a renewal is not news
    assert not changed and (await claims.holder("jpo", 7)).until == 1050
    now[0] += 31
    assert await claims.holder("jpo", 7) is None
    assert await claims.sweep() == ["jpo"] and await claims.sweep() == []
    assert (await claims.take("jpo", 7, "bob"))[0].by == "bob"


async def test_a_moderator_holds_one_claim_per_event(make_claims):
    claims = make_claims(30, lambda: 0.0)
    await claims.take("jpo", 1, "alice")
    await claims.take("other", 5, "alice")
    _, changed = await claims.take("jpo", 2, "alice")
    assert changed
    assert [c.post_id for c in await claims.of("jpo")] == [2]
    assert [c.post_id for c in await claims.of("other")] == [5]
    assert not await claims.release("jpo", 2, "bob")
    assert await claims.release("jpo", 2, "alice") and await claims.of("jpo") == []
    await claims.take("jpo", 3, "alice")
    assert await claims.drop_user("jpo", "alice") and await claims.of("jpo") == []
    assert not await claims.drop_user("jpo", "alice")


async def test_presence_counts_each_open_desk(make_presence):
    presence = make_presence()
    assert await presence.join("jpo", "alice", "moderator")
    assert not await presence.join("jpo", "alice", "moderator")  # a second tablet
    assert await presence.join("jpo", "olga", "organiser")
    assert await presence.of("jpo") == [("alice", "moderator"), ("olga", "organiser")]
    assert not await presence.leave("jpo", "alice")
    assert await presence.leave("jpo", "alice")
    assert await presence.of("jpo") == [("olga", "organiser")]
    assert not await presence.leave("jpo", "nobody")
    assert await presence.sweep() == []


# ---------------------------------------------------------------- two processes, one Redis


async def test_a_claim_taken_on_one_process_is_seen_and_refused_on_another(cluster):
    a = RedisClaims(cluster.process(), 30, clock=lambda: 1000.0)
    b = RedisClaims(cluster.process(), 30, clock=lambda: 1000.0)
    await a.take("jpo", 7, "alice")
    assert [(c.post_id, c.by) for c in await b.of("jpo")] == [(7, "alice")]
    with pytest.raises(Held) as info:
        await b.take("jpo", 7, "bob")
    assert info.value.claim.by == "alice"
    # Alice opens another card on process B: her claim moves, for both processes.
    _, changed = await b.take("jpo", 8, "alice")
    assert changed and [c.post_id for c in await a.of("jpo")] == [8]
    assert (await a.take("jpo", 7, "bob"))[0].by == "bob"


async def test_many_moderators_racing_for_one_post_on_many_processes_get_one_winner(cluster):
    books = [RedisClaims(cluster.process(), 30) for _ in range(8)]
    takers = [(book, f"moderator-{i}-{j}") for i, book in enumerate(books) for j in range(5)]

    async def take(book: RedisClaims, user: str) -> str | None:
        try:
            claim, _ = await book.take("jpo", 42, user)
        except Held:
            return None
        return claim.by

    results = await asyncio.gather(*(take(book, user) for book, user in takers))
    winners = [r for r in results if r is not None]
    assert len(winners) == 1
    assert [c.by for c in await books[0].of("jpo")] == winners


async def test_a_dead_process_s_moderators_leave_the_desk_after_its_entries_lapse(cluster):
    now = [1000.0]
    a = RedisPresence(cluster.process(), clock=lambda: now[0])
    b = RedisPresence(cluster.process(), clock=lambda: now[0])
    await a.join("jpo", "alice", "moderator")
    await b.join("jpo", "bob", "moderator")
    assert await b.of("jpo") == [("alice", "moderator"), ("bob", "moderator")]
    # Process A dies (it sweeps no more, so it renews nothing); B goes on beating.
    changed = []
    while now[0] + BEAT < 1000.0 + TTL:
        now[0] += BEAT
        changed += await b.sweep()
        assert await b.of("jpo") == [("alice", "moderator"), ("bob", "moderator")]
    now[0] += BEAT
    changed += await b.sweep()
    assert changed == ["jpo"]  # B saw her go and tells its moderators
    assert await b.of("jpo") == [("bob", "moderator")]


async def test_one_moderator_on_two_processes_stays_online_until_both_desks_close(cluster):
    a = RedisPresence(cluster.process())
    b = RedisPresence(cluster.process())
    await a.join("jpo", "alice", "moderator")
    await b.join("jpo", "alice", "moderator")
    await a.leave("jpo", "alice")
    assert await a.of("jpo") == [("alice", "moderator")]
    await b.leave("jpo", "alice")
    assert await a.of("jpo") == []


async def test_a_desk_notice_reaches_the_other_processes_but_not_its_sender(cluster):
    a, b = Notices(cluster.process()), Notices(cluster.process())
    heard_a: asyncio.Queue[tuple[str, str | None]] = asyncio.Queue()
    heard_b: asyncio.Queue[tuple[str, str | None]] = asyncio.Queue()

    async def on_a(kind: str, event: str | None) -> None:
        await heard_a.put((kind, event))

    async def on_b(kind: str, event: str | None) -> None:
        await heard_b.put((kind, event))

    listeners = [asyncio.create_task(a.listen(on_a)), asyncio.create_task(b.listen(on_b))]
    try:
        for queue in (heard_a, heard_b):  # subscribed: each says "anything may have changed"
            assert {await queue.get(), await queue.get()} == {("claims", None), ("presence", None)}
        await a.send("claims", "jpo")
        assert await heard_b.get() == ("claims", "jpo")
        await b.send("presence", "jpo")
        assert await heard_a.get() == ("presence", "jpo")
        assert heard_a.empty() and heard_b.empty()
    finally:
        for task in listeners:
            task.cancel()
        await asyncio.gather(*listeners, return_exceptions=True)


# ---------------------------------------------------------------- Redis going away


async def test_claims_fall_back_to_this_process_while_redis_is_away(tmp_path, caplog):
    redis = servers.Redis().start()
    shared = process(tmp_path, url=redis.url)
    try:
        claims = RedisClaims(shared, 30)
        await claims.take("jpo", 1, "alice")
        redis.stop()
        # The desk goes on: this process's own claims, and one error in the log.
        await claims.take("jpo", 2, "bob")
        with pytest.raises(Held):
            await claims.take("jpo", 2, "carol")
        assert [c.by for c in await claims.of("jpo")] == ["bob"]
        errors = [r for r in caplog.records if r.levelname == "ERROR"]
        assert len(errors) == 1 and "Redis is not answering" in errors[0].getMessage()
        redis.start()  # empty: a test Redis keeps nothing, and claims last seconds anyway
        assert await claims.of("jpo") == []
        assert not shared.away
        other = process(tmp_path, url=redis.url)
        try:
            await claims.take("jpo", 3, "alice")
            assert [c.by for c in await RedisClaims(other, 30).of("jpo")] == ["alice"]
        finally:
            await other.close()
    finally:
        await shared.close()
        redis.close()


# ---------------------------------------------------------------- two desks, two buses


async def test_a_claim_on_one_process_reaches_the_moderators_of_another(cluster, tmp_path):
    from wall.bus import Bus
    from wall.desk import ClaimHeld, Desk
    from wall.desk_store import DeskStore
    from wall.settings import DeskSettings
    from wall.views import MODERATE

    store = DeskStore(tmp_path / "murmur.sqlite3")
    await store.open()
    desks, buses = [], []
    for _ in range(2):
        shared, bus = cluster.process(), Bus()
        desk = Desk(
            store,
            bus,
            DeskSettings(),
            claims=RedisClaims(shared, 30),
            presence=RedisPresence(shared),
            notices=Notices(shared),
        )
        await desk.start(["jpo"])
        desks.append(desk)
        buses.append(bus)
    a, b = desks
    try:
        with buses[1].subscribe("jpo", MODERATE) as on_b:
            messages = aiter(on_b)

            async def next_of(kind: str) -> str:
                while True:
                    entry = await anext(messages)
                    if f'"type":"{kind}"' in entry.text:
                        return entry.text

            await a.join("jpo", "alice", "moderator")
            assert '"name":"alice"' in await next_of("presence")
            await a.claim("jpo", 7, "alice")
            assert '"by":"alice"' in await next_of("claims")
            with pytest.raises(ClaimHeld):
                await b.check("jpo", 7, "bob")
            await a.leave("jpo", "alice")  # her claim goes with her, on every process
            assert '"moderators":[]' in await next_of("presence")
            assert '"claims":[]' in await next_of("claims")
            await b.check("jpo", 7, "bob")
    finally:
        for desk in desks:
            await desk.stop()
        await store.close()
