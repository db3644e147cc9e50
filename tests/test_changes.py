"""What each change to a post sends, and the desk's migration of an existing data file."""

from __future__ import annotations

import sqlite3

import pytest

from moderation import Decision, Status, Verdict
from tests.factories import make_post
from wall.changes import message_types
from wall.desk_store import DeskStore
from wall.migrations import MIGRATIONS

HOLD = Verdict(decision=Decision.HOLD, reason="pre-moderation", rule="mode")
P, A, R, X = Status.PENDING, Status.APPROVED, Status.REJECTED, Status.REMOVED

CASES = [
    (P, A, ["post.approved"]),
    (R, A, ["post.approved"]),
    (X, A, ["post.approved"]),
    (A, A, ["post.updated"]),  # a pin, a reply: the screens refresh the card
    (P, P, ["post.updated"]),
    (P, R, ["post.rejected"]),
    (A, X, ["post.removed"]),
    (X, X, ["post.updated"]),
    # Undo: what leaves the screens always says so with post.removed first.
    (A, P, ["post.removed", "post.queued"]),
    (A, R, ["post.removed", "post.rejected"]),
    (R, P, ["post.queued"]),
]


@pytest.mark.parametrize(("before", "after", "types"), CASES)
def test_each_change_sends_the_messages_every_client_understands(before, after, types):
    assert message_types(before, after) == types


async def test_an_existing_data_file_gains_the_desk_and_keeps_its_history(tmp_path):
    path = tmp_path / "m.db"
    db = sqlite3.connect(path)
    desk = next(i for i, m in enumerate(MIGRATIONS) if "author_rules" in m)
    for number, script in enumerate(MIGRATIONS[:desk], start=1):
        db.executescript(f"{script}\nPRAGMA user_version={number};")
    db.execute("INSERT INTO events VALUES ('jpo', 'JPO', '{}', '2026-11-26T09:00:00+00:00')")
    db.executemany(
        "INSERT INTO log (seq, event, type, post_id, audience, actor, message, created_at)"
        " VALUES (?, 'jpo', ?, 1, 'all', ?, '{}', '2026-11-26T09:00:00+00:00')",
        [(1, "post.queued", None), (2, "post.approved", "alice"), (3, "post.removed", "bob")],
    )
    db.commit()
    db.close()

    store = DeskStore(path)  # an SQLite file written by an older Murmur
    await store.open()
    try:
        entries = await store.audit("jpo")
        assert [(e.actor, e.action) for e in entries] == [
            (None, "hold"),
            ("alice", "approve"),
            ("bob", "remove"),
        ]
        view = await store.ingest("jpo", make_post("after the upgrade"), HOLD)
        assert view is not None and not view.pinned and view.reply is None
    finally:
        await store.close()
