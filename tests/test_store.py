"""The SQLite store against the real file: transactions, the log, compare-and-set, restarts."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import msgspec
import psycopg
import pytest

from moderation import Action, Decision, Media, Status, Verdict
from moderation.flags import Change
from tests import servers
from tests.factories import make_post
from wall.desk_store import DeskStore
from wall.migrations import MIGRATIONS
from wall.store import Conflict, NotFound, SchemaTooNew, Store
from wall.views import MODERATE, WALL, LogEntry

HOLD = Verdict(decision=Decision.HOLD, reason="pre-moderation", rule="mode")
APPROVE = Verdict(decision=Decision.APPROVE, reason="trusted", rule="trusted_authors")


async def open_store(path: Path, committed: list[LogEntry] | None = None) -> Store:
    store = Store(
        path,
        on_commit=committed.extend if committed is not None else None,
        url=servers.store_url(path),
    )
    await store.open()
    await store.save_event("jpo", "JPO", "{}")
    return store


async def settle() -> None:
    for _ in range(3):
        await asyncio.sleep(0)


async def test_a_held_post_is_stored_pending_with_a_queued_log_entry(tmp_path):
    committed: list[LogEntry] = []
    store = await open_store(tmp_path / "m.db", committed)
    view = await store.ingest("jpo", make_post("bonjour"), HOLD)
    await settle()
    assert view is not None and view.status is Status.PENDING
    assert [e.seq for e in committed] == [1]
    message = msgspec.json.decode(committed[0].text)
    assert message["type"] == "post.queued"
    assert message["seq"] == 1
    assert message["post"]["id"] == view.id
    assert committed[0].audience == MODERATE
    await store.close()


async def test_the_same_post_twice_is_stored_once(tmp_path):
    committed: list[LogEntry] = []
    store = await open_store(tmp_path / "m.db", committed)
    post = make_post(network_id="dup-1")
    assert await store.ingest("jpo", post, HOLD) is not None
    assert await store.ingest("jpo", post, HOLD) is None
    await settle()
    assert len(committed) == 1
    _, pending = await store.posts("jpo", Status.PENDING)
    assert len(pending) == 1
    await store.close()


async def test_an_action_is_compare_and_set_on_the_current_status(tmp_path):
    store = await open_store(tmp_path / "m.db")
    view = await store.ingest("jpo", make_post(), HOLD)
    assert view is not None
    seq, approved = await store.act("jpo", view.id, Action.APPROVE, actor="alice")
    assert approved.status is Status.APPROVED and approved.decided_by == "alice"
    assert approved.reason == "approved by alice"
    with pytest.raises(Conflict) as info:
        await store.act("jpo", view.id, Action.REJECT, actor="bob")
    assert info.value.post.status is Status.APPROVED
    assert info.value.post.decided_by == "alice"
    assert await store.head() == seq
    await store.close()


async def test_two_simultaneous_decisions_have_exactly_one_winner(tmp_path):
    store = await open_store(tmp_path / "m.db")
    view = await store.ingest("jpo", make_post(), HOLD)
    assert view is not None
    results = await asyncio.gather(
        *(
            store.act("jpo", view.id, action, actor=f"m{i}")
            for i, action in enumerate([Action.APPROVE, Action.REJECT] * 5)
        ),
        return_exceptions=True,
    )
    winners = [r for r in results if not isinstance(r, BaseException)]
    losers = [r for r in results if isinstance(r, Conflict)]
    assert len(winners) == 1 and len(losers) == 9
    await store.close()


async def test_an_unknown_post_is_not_found(tmp_path):
    store = await open_store(tmp_path / "m.db")
    with pytest.raises(NotFound):
        await store.act("jpo", 999, Action.APPROVE, actor="alice")
    await store.close()


async def test_a_failed_transaction_writes_nothing_and_keeps_seq(tmp_path):
    committed: list[LogEntry] = []
    store = await open_store(tmp_path / "m.db", committed)
    # An event that does not exist violates the foreign key: the insert fails whole.
    with pytest.raises((sqlite3.IntegrityError, psycopg.IntegrityError)):
        await store.ingest("nope", make_post(), HOLD)
    view = await store.ingest("jpo", make_post(), HOLD)
    await settle()
    assert [e.seq for e in committed] == [1]
    assert view is not None
    await store.close()


async def test_log_since_replays_in_order_and_filters_by_audience(tmp_path):
    store = await open_store(tmp_path / "m.db")
    a = await store.ingest("jpo", make_post("a"), HOLD)  # seq 1, moderators only
    b = await store.ingest("jpo", make_post("b"), APPROVE)  # seq 2, everyone
    assert a and b
    await store.act("jpo", a.id, Action.APPROVE, actor="alice")  # seq 3
    await store.act("jpo", b.id, Action.REMOVE, actor="alice")  # seq 4
    wall = await store.log_since("jpo", 0, WALL)
    assert wall is not None
    # Screens: b's approval (seq 2) is superseded by its removal; no moderator's name.
    assert [e.seq for e in wall] == [3, 4]
    assert msgspec.json.decode(wall[-1].text_for(WALL)) == {
        "type": "post.removed",
        "seq": 4,
        "id": b.id,
    }
    moderate = await store.log_since("jpo", 1, MODERATE)
    assert moderate is not None
    assert [e.seq for e in moderate] == [2, 3, 4]
    assert msgspec.json.decode(moderate[-1].text_for(MODERATE))["by"] == "alice"
    assert await store.log_since("jpo", 99, WALL) is None  # ahead of the server: snapshot
    await store.close()


async def test_a_screens_replay_shows_each_post_as_it_is_now_never_as_it_was(tmp_path):
    # The spotlight began while the picture showed; the post was then edited on its
    # network (still approved) and its picture hidden. Replayed, every entry shows the post
    # as it is now: the spotlight too, so the hidden picture's URL is in no screen's text.
    store = DeskStore(tmp_path / "m.db", url=servers.store_url(tmp_path / "m.db"))
    await store.open()
    await store.save_event("jpo", "JPO", "{}")
    picture = Media(url="/media/" + "cd" * 16 + ".webp", alt="a view", width=4, height=3)
    shown = await store.ingest("jpo", make_post("shown", media=(picture,)), APPROVE)
    gone = await store.ingest("jpo", make_post("taken down"), APPROVE)
    assert shown and gone
    until = datetime.now(UTC) + timedelta(minutes=5)
    await store.spotlight("jpo", shown.id, actor="alice", until=until)
    await store.change("jpo", shown.id, Change.HIDE_MEDIA, actor="alice")
    await store.act("jpo", gone.id, Action.REMOVE, actor="alice")
    replay = await store.log_since("jpo", 0, WALL)
    assert replay is not None
    texts = [e.text_for(WALL) or "" for e in replay]
    assert all(picture.url not in t and "taken down" not in t for t in texts)
    messages = [msgspec.json.decode(t) for t in texts]
    assert [m["type"] for m in messages] == ["spotlight", "post.updated", "post.removed"]
    assert messages[0]["post"]["media"] == [] and messages[0]["id"] == shown.id
    assert all(picture.url in e.text for e in replay[:2])  # moderators' text is the log's
    await store.close()


async def test_a_client_too_far_behind_gets_a_snapshot_instead_of_a_replay(tmp_path, monkeypatch):
    monkeypatch.setattr("wall.store.log.REPLAY_LIMIT", 5)
    store = await open_store(tmp_path / "m.db")
    for i in range(8):
        await store.ingest("jpo", make_post(f"p{i}"), APPROVE)
    assert await store.log_since("jpo", 0, WALL) is None
    replay = await store.log_since("jpo", 4, WALL)
    assert replay is not None and [e.seq for e in replay] == [5, 6, 7, 8]
    seq, posts, _ = await store.snapshot("jpo", WALL)
    assert seq == 8 and [p.text for p in posts][:2] == ["p7", "p6"]
    await store.close()


async def test_the_moderator_snapshot_has_the_queue_oldest_first_then_decided(tmp_path):
    store = await open_store(tmp_path / "m.db")
    first = await store.ingest("jpo", make_post("first"), HOLD)
    await store.ingest("jpo", make_post("second"), HOLD)
    await store.ingest("jpo", make_post("shown"), APPROVE)
    assert first
    _, posts, _ = await store.snapshot("jpo", MODERATE)
    assert [(p.text, p.status) for p in posts] == [
        ("first", Status.PENDING),
        ("second", Status.PENDING),
        ("shown", Status.APPROVED),
    ]
    _, wall, _ = await store.snapshot("jpo", WALL)
    assert [p.text for p in wall] == ["shown"]
    await store.close()


async def test_a_restart_keeps_every_post_status_and_the_seq(tmp_path):
    path = tmp_path / "m.db"
    store = await open_store(path)
    kept = await store.ingest("jpo", make_post("kept"), HOLD)
    shown = await store.ingest("jpo", make_post("shown"), HOLD)
    assert kept and shown
    await store.act("jpo", shown.id, Action.APPROVE, actor="alice")
    await store.close()

    committed: list[LogEntry] = []
    again = await open_store(path, committed)
    assert await again.head() == 3
    _, pending = await again.posts("jpo", Status.PENDING)
    _, approved = await again.posts("jpo", Status.APPROVED)
    assert [p.text for p in pending] == ["kept"] and [p.text for p in approved] == ["shown"]
    await again.ingest("jpo", make_post("after"), HOLD)
    await settle()
    assert [e.seq for e in committed] == [4]  # seq keeps growing across restarts
    await again.close()


async def test_the_schema_is_versioned_and_a_newer_file_is_refused(tmp_path):
    path = tmp_path / "m.db"
    store = Store(path)  # SQLite's own versioning; PostgreSQL's: test_store_postgres.py
    await store.open()
    await store.close()
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.execute(f"PRAGMA user_version={len(MIGRATIONS) + 1}")
    conn.close()
    with pytest.raises(SchemaTooNew, match="newer Murmur"):
        await Store(path).open()


async def test_users_are_saved_and_updated(tmp_path):
    store = await open_store(tmp_path / "m.db")
    await store.add_user("alice", "hash1", "moderator")
    await store.add_user("alice", "hash2", "organiser")
    user = await store.get_user("alice")
    assert user is not None and (user.password_hash, user.role) == ("hash2", "organiser")
    assert await store.get_user("bob") is None
    await store.close()


async def test_a_post_deleted_on_its_network_leaves_the_queue_and_the_screens(tmp_path):
    committed: list[LogEntry] = []
    store = await open_store(tmp_path / "m.db", committed)
    waiting = await store.ingest("jpo", make_post("a", network_id="n-1"), HOLD)
    shown = await store.ingest("jpo", make_post("b", network_id="n-2"), APPROVE)
    assert waiting and shown
    rejected = await store.withdraw("jpo", "test", "n-1")
    removed = await store.withdraw("jpo", "test", "n-2")
    assert rejected is not None and rejected.status is Status.REJECTED
    assert removed is not None and removed.status is Status.REMOVED
    assert removed.reason == "deleted by its author on test"
    assert await store.withdraw("jpo", "test", "n-2") is None  # already gone: nothing more
    assert await store.withdraw("jpo", "test", "unknown") is None
    await settle()
    assert [msgspec.json.decode(e.text)["type"] for e in committed] == [
        "post.queued",
        "post.approved",
        "post.rejected",
        "post.removed",
    ]
    await store.close()


async def test_an_edit_of_a_pending_post_updates_it_in_the_queue(tmp_path):
    committed: list[LogEntry] = []
    store = await open_store(tmp_path / "m.db", committed)
    first = await store.ingest("jpo", make_post("first words", network_id="e-1"), HOLD)
    edited = await store.ingest("jpo", make_post("better words", network_id="e-1"), HOLD)
    assert first and edited and edited.id == first.id
    assert edited.status is Status.PENDING and edited.text == "better words"
    assert edited.reason.startswith("edited by its author")
    await settle()
    assert [msgspec.json.decode(e.text)["type"] for e in committed] == [
        "post.queued",
        "post.queued",
    ]
    await store.close()


async def test_an_approved_post_edited_goes_back_to_moderation_and_leaves_the_screens(tmp_path):
    committed: list[LogEntry] = []
    store = await open_store(tmp_path / "m.db", committed)
    shown = await store.ingest("jpo", make_post("nice", network_id="e-2"), HOLD)
    assert shown
    await store.act("jpo", shown.id, Action.APPROVE, actor="alice")
    edited = await store.ingest("jpo", make_post("now rude", network_id="e-2"), HOLD)
    assert edited is not None and edited.status is Status.PENDING
    await settle()
    last_two = [msgspec.json.decode(e.text) for e in committed[-2:]]
    assert [m["type"] for m in last_two] == ["post.removed", "post.queued"]
    assert [e.audience for e in committed[-2:]] == [WALL, MODERATE]
    await store.close()


async def test_in_post_moderation_an_approved_edit_updates_the_screens(tmp_path):
    committed: list[LogEntry] = []
    store = await open_store(tmp_path / "m.db", committed)
    await store.ingest("jpo", make_post("typo", network_id="e-3"), APPROVE)
    edited = await store.ingest("jpo", make_post("fixed", network_id="e-3"), APPROVE)
    assert edited is not None and edited.status is Status.APPROVED
    await settle()
    assert msgspec.json.decode(committed[-1].text)["type"] == "post.updated"
    assert committed[-1].audience == WALL
    await store.close()


async def test_a_redelivery_that_only_differs_in_fetched_media_is_a_duplicate(tmp_path):
    from moderation import Media

    store = await open_store(tmp_path / "m.db")
    await store.ingest("jpo", make_post("same", network_id="e-4"), HOLD)
    again = make_post("same", network_id="e-4", media=(Media(url="/media/" + "a" * 32 + ".webp"),))
    assert await store.ingest("jpo", again, HOLD) is None
    await store.close()
