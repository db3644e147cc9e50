"""The replies waiting to go out on the networks, in the store (see wall.replier).

One row per answer sent: its idempotency key is written here, in the same store as the
answer, before the first attempt, and every retry uses it again, so the network takes the
reply once however often Murmur has to ask.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass

from wall.sql import Conn
from wall.store.protocol import Database


@dataclass(frozen=True)
class Outgoing:
    id: int
    event: str
    post_id: int
    reply_at: str  # the answer this row sends (Reply.at, ISO): a newer one replaces it
    network: str
    key: str
    text: str
    target: str  # the post on its network: a Mastodon status's uri, a Bluesky at:// URI
    attempts: int
    author: str  # the handle the reply addresses
    kind: str = "reply"  # or "edit", "delete": of the reply published before (target)


_COLUMNS = "id, event, post_id, reply_at, network, key, text, target, attempts, author, kind"


# Rows never tried: nothing of theirs can be on the network yet. A row tried once may be
# (a timeout after the network took it), so it is never dropped: it goes out with its key,
# and a reply that lands for an answer no longer current is deleted (wall.replier).
_UNTRIED = (
    "DELETE FROM reply_outbox WHERE event = ? AND post_id = ? AND state = 'sending'"
    " AND kind IN ('reply', 'edit') AND attempts = 0"
)


async def enqueue(
    store: Database, *, event: str, post_id: int, reply_at: str, network: str, text: str,
    target: str, author: str, key: str | None = None, kind: str = "reply",
    supersede: bool = True,
) -> Outgoing:  # fmt: skip
    """Keep the reply to send, with its idempotency key (a new UUID unless the network
    needs its own kind, as Bluesky's record key). With ``supersede``, the post's replies and
    edits not tried yet are dropped (the moderator changed the answer before they went
    out); pending deletions and rows already tried are kept."""
    key = key or str(uuid.uuid4())
    now = time.time()

    def write(conn: Conn) -> Outgoing:
        if supersede:
            conn.execute(_UNTRIED, (event, post_id))
        cur = conn.execute(
            "INSERT INTO reply_outbox (event, post_id, reply_at, network, key, text, target,"
            " author, kind, next_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " RETURNING id",
            (event, post_id, reply_at, network, key, text, target, author, kind, now, now),
        )
        return Outgoing(
            int(cur.fetchone()[0]),
            event,
            post_id,
            reply_at,
            network,
            key,
            text,
            target,
            0,
            author,
            kind,
        )

    return await store.transact(write)


# How long a process has to hear back from the network before another may try the row.
SENDING_LEASE = 120.0


async def due(store: Database, now: float | None = None) -> list[Outgoing]:
    """Replies still to send whose time has come, oldest first."""
    moment = time.time() if now is None else now

    def read(conn: Conn) -> list[Outgoing]:
        rows = conn.execute(
            f"SELECT {_COLUMNS} FROM reply_outbox WHERE state = 'sending' AND next_at <= ?"
            " AND (leased_until IS NULL OR leased_until <= ?) ORDER BY id LIMIT 50",
            (moment, moment),
        ).fetchall()
        return [Outgoing(*row) for row in rows]

    return await store.query(read)


async def next_due(store: Database) -> float | None:
    """When the next reply still to send is due (Unix seconds); None when none waits."""

    def read(conn: Conn) -> float | None:
        row = conn.execute(
            "SELECT min(CASE WHEN leased_until > next_at THEN leased_until ELSE next_at END)"
            " FROM reply_outbox WHERE state = 'sending'"
        )
        value = row.fetchone()[0]
        return float(value) if value is not None else None

    return await store.query(read)


async def drop_untried(store: Database, event: str, post_id: int) -> None:
    """The answer was withdrawn: its replies and edits not tried yet never go out."""

    def write(conn: Conn) -> None:
        conn.execute(_UNTRIED, (event, post_id))

    await store.transact(write)


async def begin(store: Database, row: Outgoing, *, now: float | None = None) -> bool:
    """Count the attempt before it is made: from now on the row may be on the network,
    even if Murmur stops before hearing back. False: another process took the row first.

    Compare-and-set on the attempts read with the row, and the row leased for
    ``SENDING_LEASE`` seconds: with several Murmur processes on one store, one sends it;
    if that one dies mid-send, another retries after the lease, with the same key.
    """
    moment = time.time() if now is None else now

    def write(conn: Conn) -> bool:
        cur = conn.execute(
            "UPDATE reply_outbox SET attempts = attempts + 1, leased_until = ?"
            " WHERE id = ? AND attempts = ? AND state = 'sending'"
            " AND (leased_until IS NULL OR leased_until <= ?)",
            (moment + SENDING_LEASE, row.id, row.attempts, moment),
        )
        return cur.rowcount == 1

    return await store.transact(write)


async def release_leases(store: Database) -> None:
    """Forget which process was sending: for a lone process at its start, whose rows
    leased before a crash are its own and may be retried at once."""

    def write(conn: Conn) -> None:
        conn.execute("UPDATE reply_outbox SET leased_until = NULL WHERE leased_until IS NOT NULL")

    await store.transact(write)


async def retry_later(store: Database, row: Outgoing, delay: float) -> None:
    def write(conn: Conn) -> None:
        conn.execute(
            "UPDATE reply_outbox SET next_at = ?, leased_until = NULL WHERE id = ?",
            (time.time() + delay, row.id),
        )

    await store.transact(write)


async def settle(
    store: Database, row: Outgoing, *, state: str, remote_id: str | None = None,
    url: str | None = None, why: str | None = None,
) -> None:  # fmt: skip
    def write(conn: Conn) -> None:
        conn.execute(
            "UPDATE reply_outbox SET state = ?, remote_id = ?, url = ?, why = ? WHERE id = ?",
            (state, remote_id, url, why, row.id),
        )

    await store.transact(write)


async def last_published(store: Database, event: str, post_id: int) -> tuple[str, str] | None:
    """``(network, id on the network)`` of the post's reply now published, if any."""

    def read(conn: Conn) -> tuple[str, str] | None:
        row = conn.execute(
            "SELECT network, remote_id FROM reply_outbox WHERE event = ? AND post_id = ?"
            " AND kind != 'delete' AND state = 'published' AND remote_id IS NOT NULL"
            " ORDER BY id DESC LIMIT 1",
            (event, post_id),
        ).fetchone()
        return (str(row[0]), str(row[1])) if row else None

    return await store.query(read)


async def url_of(store: Database, event: str, post_id: int, remote_id: str) -> str:
    """The link to one of the post's replies on its network ("" when none is known)."""

    def read(conn: Conn) -> str:
        row = conn.execute(
            "SELECT url FROM reply_outbox WHERE event = ? AND post_id = ? AND remote_id = ?"
            " AND url IS NOT NULL ORDER BY id DESC LIMIT 1",
            (event, post_id, remote_id),
        ).fetchone()
        return str(row[0]) if row else ""

    return await store.query(read)


async def forget_published(store: Database, event: str, post_id: int, remote_id: str) -> None:
    """That reply of the post was deleted on its network: nothing left to edit there (the
    post's other replies, as one published since, are kept)."""

    def write(conn: Conn) -> None:
        conn.execute(
            "UPDATE reply_outbox SET state = 'deleted' WHERE event = ? AND post_id = ?"
            " AND kind != 'delete' AND state = 'published' AND remote_id = ?",
            (event, post_id, remote_id),
        )

    await store.transact(write)


async def sent(store: Database, event: str) -> list[tuple[int, str, str | None]]:
    """``(post id, state, url)`` of every reply of an event, for the figures and audit."""

    def read(conn: Conn) -> list[tuple[int, str, str | None]]:
        rows = conn.execute(
            "SELECT post_id, state, url FROM reply_outbox WHERE event = ? AND kind = 'reply'"
            " ORDER BY id",
            (event,),
        ).fetchall()
        return [(int(p), str(s), u) for p, s, u in rows]

    return await store.query(read)


__all__ = [
    "Outgoing",
    "begin",
    "drop_untried",
    "due",
    "enqueue",
    "forget_published",
    "last_published",
    "next_due",
    "retry_later",
    "sent",
    "settle",
    "url_of",
]
