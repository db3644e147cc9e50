"""The store on a real PostgreSQL (tests/servers.py starts it), whatever the suite's backend.

The promise screens resume on, with several writers: every change has a seq, and no
reader ever sees seq N+1 before N is committed. Several stores on one database stand for
several Murmur processes: each has its own writer thread and connection, and they write at
once. Also: the schema's version, a server that goes away and comes back.
"""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import msgspec
import psycopg
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from moderation import Action, Decision, Status, Verdict
from tests import servers
from tests.client import Client
from tests.factories import make_post
from tests.live import LiveServer
from tests.test_cli import murmur
from wall import reply_outbox
from wall.desk_store import DeskStore
from wall.migrations import MIGRATIONS
from wall.settings import StoreSettings
from wall.store import Conflict, SchemaTooNew, Store, StoreUnavailable
from wall.views import MODERATE, LogEntry

HOLD = Verdict(decision=Decision.HOLD, reason="pre-moderation", rule="mode")
APPROVE = Verdict(decision=Decision.APPROVE, reason="trusted", rule="trusted_authors")


@pytest.fixture
def url(tmp_path):
    return servers.postgres().database(servers.name_for(tmp_path))


async def open_store(url: str, committed: list[LogEntry] | None = None) -> DeskStore:
    store = DeskStore(
        Path("unused.sqlite3"),
        url=url,
        on_commit=committed.extend if committed is not None else None,
    )
    await store.open()
    await store.save_event("jpo", "JPO", "{}")
    return store


async def test_writers_in_four_processes_share_one_gap_free_sequence(url):
    stores = [await open_store(url) for _ in range(4)]
    reader = stores[0]
    seen: list[int] = []
    done = asyncio.Event()

    async def follow() -> None:
        # A screen resuming again and again while the others write: what it is given
        # always continues exactly where it was, with nothing missing in between.
        while True:
            finished = done.is_set()  # before the read: a read may start before the last write
            entries = await reader.log_since("jpo", seen[-1] if seen else 0, MODERATE)
            assert entries is not None
            got = [e.seq for e in entries]
            expected_first = (seen[-1] if seen else 0) + 1
            assert got == list(range(expected_first, expected_first + len(got)))
            seen.extend(got)
            if finished and not got:
                return
            await asyncio.sleep(0)

    async def write(store: DeskStore, n: int) -> None:
        for i in range(25):
            view = await store.ingest("jpo", make_post(f"post {n}-{i}"), HOLD)
            assert view is not None
            if i % 3 == 0:
                await store.act("jpo", view.id, Action.APPROVE, actor=f"mod{n}")

    follower = asyncio.create_task(follow())
    await asyncio.gather(*(write(store, n) for n, store in enumerate(stores)))
    done.set()
    await follower
    head = await reader.head()
    # 100 posts queued, 36 approved: every change has its seq, each once, in order.
    assert head == 100 + 4 * 9
    assert seen == list(range(1, head + 1))
    for store in stores:
        await store.close()


async def test_each_process_hears_only_its_own_commits_in_order(url):
    mine: list[LogEntry] = []
    theirs: list[LogEntry] = []
    a, b = await open_store(url, mine), await open_store(url, theirs)
    await asyncio.gather(
        *(a.ingest("jpo", make_post(f"a{i}"), HOLD) for i in range(10)),
        *(b.ingest("jpo", make_post(f"b{i}"), HOLD) for i in range(10)),
    )
    for _ in range(200):  # on_commit runs on the loop just after each commit
        if len(mine) + len(theirs) == 20:
            break
        await asyncio.sleep(0.01)
    for heard in (mine, theirs):
        assert [e.seq for e in heard] == sorted(e.seq for e in heard)
    assert sorted(e.seq for e in mine + theirs) == list(range(1, 21))
    await a.close()
    await b.close()


async def test_two_moderators_on_two_processes_one_decision_wins(url):
    a, b = await open_store(url), await open_store(url)
    view = await a.ingest("jpo", make_post("who takes it?"), HOLD)
    assert view is not None
    results = await asyncio.gather(
        a.act("jpo", view.id, Action.APPROVE, actor="alice"),
        b.act("jpo", view.id, Action.APPROVE, actor="bob"),
        return_exceptions=True,
    )
    won = [r for r in results if not isinstance(r, Exception)]
    lost = [r for r in results if isinstance(r, Exception)]
    assert len(won) == 1 and len(lost) == 1 and isinstance(lost[0], Conflict), results
    post = await b.get_post("jpo", view.id)
    assert post is not None and post.status is Status.APPROVED
    assert post.decided_by == won[0][1].decided_by
    await a.close()
    await b.close()


async def test_sums_and_averages_read_back_as_sqlite_gives_them(url):
    store = await open_store(url)
    for text in ("a", "b", "c"):
        await store.ingest("jpo", make_post(text), APPROVE)

    def read(conn):
        return conn.execute(
            "SELECT SUM(pinned), AVG(updated_seq), SUM(updated_seq),"
            " (SELECT AVG(updated_seq) FROM posts WHERE updated_seq < 3) FROM posts"
        ).fetchone()

    total, mean, seqs, half = await store.query(read)
    assert (total, mean, seqs, half) == (0, 2, 6, 1.5)
    assert type(total) is int and type(mean) is int and type(half) is float
    await store.close()


async def test_a_database_with_a_newer_schema_is_refused(url):
    store = await open_store(url)
    await store.close()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("UPDATE murmur_schema SET version = %s", (len(MIGRATIONS) + 1,))
    with pytest.raises(SchemaTooNew, match="newer Murmur"):
        await Store(Path("unused.sqlite3"), url=url).open()


async def test_two_processes_starting_together_make_the_schema_once(tmp_path):
    url = servers.postgres().database(servers.name_for(tmp_path / "fresh"))
    stores = [Store(Path("unused.sqlite3"), url=url) for _ in range(3)]
    await asyncio.gather(*(s.open() for s in stores))
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT version FROM murmur_schema").fetchall() == [(len(MIGRATIONS),)]
    for s in stores:
        await s.close()


async def test_a_server_that_went_away_is_said_and_the_store_goes_on_after_it_returns(tmp_path):
    pg = servers.Postgres().start()  # its own server: this test stops it
    try:
        url = pg.database("jpo")
        store = await open_store(url)
        before = await store.ingest("jpo", make_post("before"), HOLD)
        assert before is not None
        pg.stop()
        with pytest.raises(StoreUnavailable, match=r"PostgreSQL at 127\.0\.0\.1"):
            await store.ingest("jpo", make_post("while down"), HOLD)
        with pytest.raises(StoreUnavailable):
            await store.get_post("jpo", before.id)
        pg.start()
        after = await store.ingest("jpo", make_post("after"), HOLD)
        assert after is not None and after.id > before.id
        got = await store.get_post("jpo", before.id)
        assert got is not None and got.text == "before"
        entries = await store.log_since("jpo", 0, MODERATE)
        assert entries is not None and [e.seq for e in entries] == [1, 2]
        await store.close()
    finally:
        pg.close()


def test_a_page_asking_while_postgresql_is_down_gets_a_503_that_says_so(tmp_path):
    pg = servers.Postgres().start()  # its own server: this test stops it
    live = LiveServer(tmp_path / "data")
    live.settings = msgspec.structs.replace(
        live.settings, store=StoreSettings(url=pg.database("jpo"))
    )
    live.start()
    try:
        live.add_user("alice", "correct horse battery")
        alice = Client(live.url)
        assert alice.login("alice", "correct horse battery").status == 200
        live.ingest("jpo", make_post("question #JPO2026"))
        assert alice.get("/api/events/jpo/posts").status == 200
        pg.stop()
        down = alice.get("/api/events/jpo/posts")
        assert down.status == 503 and down.json()["code"] == "store_unavailable"
        assert down.headers["Retry-After"] == "5"
        # A screen connecting meanwhile is told to try again later, and does with ?since=.
        with (
            connect(f"{live.ws_url}/ws/wall/jpo") as screen,
            pytest.raises(ConnectionClosed) as closed,
        ):
            screen.recv(timeout=10)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 1013
        pg.start()
        with connect(f"{live.ws_url}/ws/wall/jpo") as screen:
            assert json.loads(screen.recv(timeout=10))["type"] == "snapshot"
        again = alice.get("/api/events/jpo/posts")
        assert again.status == 200 and len(again.json()["posts"]) == 1
    finally:
        live.stop()
        pg.close()


def test_users_are_added_and_listed_in_postgresql_from_the_command_line(tmp_path):
    url = servers.postgres().database(servers.name_for(tmp_path))
    config = tmp_path / "murmur.toml"
    config.write_text(f'[store]\nurl = "{url}"\n')
    common = ["--config", str(config), "--data", str(tmp_path / "d")]
    added = murmur("user", "add", "alice", "--role", "organiser", "--password-stdin", *common,
                   stdin="a long passphrase\n")  # fmt: skip
    assert added.returncode == 0, added.stderr
    assert "in PostgreSQL at 127.0.0.1/" in added.stdout
    assert not (tmp_path / "d" / "murmur.sqlite3").exists()  # nothing went to SQLite
    listed = murmur("user", "list", *common)
    assert listed.returncode == 0 and "alice" in listed.stdout, listed.stderr
    missing = murmur("user", "remove", "bob", *common)
    assert missing.returncode != 0 and "PostgreSQL at 127.0.0.1/" in missing.stderr


async def test_a_reply_waiting_is_sent_by_one_process_and_taken_over_when_it_dies(url):
    a, b = await open_store(url), await open_store(url)
    view = await a.ingest("jpo", make_post("Where is room 12?"), APPROVE)
    assert view is not None
    await reply_outbox.enqueue(
        a, event="jpo", post_id=view.id, reply_at="2026-06-12T09:01:00+00:00",
        network="mastodon", text="Second floor.", target="1100", author="ines@example",
    )  # fmt: skip
    (row_a,), (row_b,) = await reply_outbox.due(a), await reply_outbox.due(b)
    took = await asyncio.gather(reply_outbox.begin(a, row_a), reply_outbox.begin(b, row_b))
    assert sorted(took) == [False, True]  # both saw it due; one sends it
    assert await reply_outbox.due(b) == []  # leased: nobody else tries it meanwhile
    # The sender died before hearing back: once the lease ends, the other takes it, with
    # the same key (the network answers with the reply it already has).
    later = time.time() + reply_outbox.SENDING_LEASE + 1
    (again,) = await reply_outbox.due(b, now=later)
    assert again.key == row_a.key and again.attempts == 1
    assert await reply_outbox.begin(b, again, now=later)
    await a.close()
    await b.close()
