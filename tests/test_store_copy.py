"""``murmur store migrate --to postgresql://…``: a real SQLite event store copied into a real
PostgreSQL (tests/servers.py), checked, and used after; and the copies it refuses."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import psycopg
import pytest

from moderation import Action, Decision, Verdict
from moderation.flags import Change
from tests import servers
from tests.factories import make_post
from wall import reply_outbox, screen_log
from wall.cli import main
from wall.desk_store import DeskStore
from wall.store import Store
from wall.views import MODERATE, WALL

HOLD = Verdict(decision=Decision.HOLD, reason="pre-moderation", rule="mode")


async def an_event_in_sqlite(data: Path) -> None:
    """An SQLite store as an event leaves it: posts in every state, a pin, an answer, a
    blocked author, a user, a cursor, screens' minutes, a reply on its way."""
    data.mkdir()
    store = DeskStore(data / "murmur.sqlite3")
    await store.open()
    await store.save_event("jpo", "JPO", "{}")
    await store.add_user("alice", "$argon2id$hash", "moderator")
    ids = []
    for n in range(30):
        view = await store.ingest("jpo", make_post(f"question {n} #JPO2026"), HOLD)
        assert view is not None
        ids.append(view.id)
    for post_id in ids[:20]:
        await store.act("jpo", post_id, Action.APPROVE, actor="alice")
    await store.act("jpo", ids[20], Action.REJECT, actor="alice", reason="off topic")
    await store.change("jpo", ids[0], Change.PIN, actor="alice")
    await store.change("jpo", ids[1], Change.REPLY, actor="alice", text="Salle 12 !")
    await store.block_author("jpo", ids[25], actor="alice", why="spam")
    await store.set_cursor("jpo", "mastodon-1", "110000000000065536")
    await screen_log.record(store, {"jpo": 3}, "2026-06-12T09:00")
    await reply_outbox.enqueue(
        store, event="jpo", post_id=ids[1], reply_at="2026-06-12T09:01:00+00:00",
        network="mastodon", text="Salle 12 !", target="1100", author="ines@example",
    )  # fmt: skip
    await store.close()


def migrate(data: Path, url: str) -> int:
    return main(["store", "migrate", "--data", str(data), "--to", url])


def test_an_event_moves_to_postgresql_whole_and_goes_on_there(tmp_path, capsys):
    data = tmp_path / "data"
    asyncio.run(an_event_in_sqlite(data))
    url = servers.postgres().database(servers.name_for(tmp_path))
    assert migrate(data, url) == 0
    said = capsys.readouterr().err
    assert "checked log: " in said and "rows identical" in said
    assert f'[store] url = "{url}"' in said

    async def compare() -> None:
        before, after = Store(data / "murmur.sqlite3"), DeskStore(data / "x", url=url)
        await before.open()
        await after.open()
        try:
            assert await after.head() == await before.head()
            for audience in (WALL, MODERATE):
                old = await before.log_since("jpo", 0, audience)
                new = await after.log_since("jpo", 0, audience)
                assert old is not None and new is not None
                assert [(e.seq, e.text, e.screen) for e in new] == [
                    (e.seq, e.text, e.screen) for e in old
                ]
                assert await after.snapshot("jpo", audience) == await before.snapshot(
                    "jpo", audience
                )
            assert await after.get_cursor("jpo", "mastodon-1") == "110000000000065536"
            assert [b.handle for b in await after.blocked_authors("jpo")] == [
                b.handle
                for b in await DeskStore.blocked_authors(before, "jpo")  # type: ignore[arg-type]
            ]
            user = await after.get_user("alice")
            assert user is not None and user.role == "moderator"
            # It goes on: the next post and the next seq follow the copied ones.
            head = await after.head()
            view = await after.ingest("jpo", make_post("after the move"), HOLD)
            assert view is not None and view.id == 31
            assert await after.head() == head + 1
            (row,) = await reply_outbox.due(after, now=float("inf"))
            assert row.text == "Salle 12 !" and row.id == 1
        finally:
            await before.close()
            await after.close()

    asyncio.run(compare())


def test_a_database_already_in_use_is_never_merged_into(tmp_path, capsys):
    data = tmp_path / "data"
    asyncio.run(an_event_in_sqlite(data))
    url = servers.postgres().database(servers.name_for(tmp_path))
    assert migrate(data, url) == 0
    capsys.readouterr()
    assert migrate(data, url) == 2
    said = capsys.readouterr().err
    assert "already holds Murmur data" in said and "new, empty database" in said
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT COUNT(*) FROM posts").fetchone() == (30,)


def test_a_store_being_written_is_not_copied(tmp_path, capsys):
    data = tmp_path / "data"
    asyncio.run(an_event_in_sqlite(data))
    url = servers.postgres().database(servers.name_for(tmp_path))
    writer = sqlite3.connect(data / "murmur.sqlite3", isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # a Murmur in the middle of a write
    try:
        assert migrate(data, url) == 2
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert "is being written" in capsys.readouterr().err
    with psycopg.connect(url) as conn:  # nothing was written there, not even the schema
        assert conn.execute("SELECT to_regclass('public.posts')").fetchone() == (None,)


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("postgresql://murmur:hunter2@127.0.0.1/murmur", "PGPASSWORD"),
        ("mysql://127.0.0.1/murmur", "not a PostgreSQL URL"),
        ("postgresql://murmur@127.0.0.1:1/murmur", "cannot reach PostgreSQL"),
    ],
)
def test_a_wrong_target_is_refused_with_what_to_do(tmp_path, capsys, url, said):
    data = tmp_path / "data"
    asyncio.run(an_event_in_sqlite(data))
    assert migrate(data, url) == 2
    err = capsys.readouterr().err
    assert said in err and "hunter2" not in err and "Traceback" not in err


def test_a_folder_without_a_store_says_so(tmp_path, capsys):
    url = servers.postgres().database(servers.name_for(tmp_path))
    assert migrate(tmp_path / "nothing", url) == 2
    assert "no Murmur database" in capsys.readouterr().err


@pytest.mark.parametrize("command", ["backup", "restore"])
def test_backup_and_restore_send_a_postgresql_store_to_pg_dump(tmp_path, capsys, command):
    config = tmp_path / "murmur.toml"
    config.write_text('[store]\nurl = "postgresql://murmur@127.0.0.1/murmur"\n')
    args = [command, "--config", str(config), "--data", str(tmp_path), str(tmp_path / "b.tar.gz")]
    assert main(args) == 2
    said = capsys.readouterr().err
    assert "pg_dump" in said and "docs/scaling.md" in said
    assert not (tmp_path / "b.tar.gz").exists()
