"""Who may log in, and who is logged in: the ``users`` and ``sessions`` tables.

The SQL is here, as plain functions over a connection; ``Accounts`` runs them through the
store's one writer thread and its readers (``Store.transact`` and ``Store.query``), so the
users live in the same SQLite file as the posts and a change commits in one transaction.

Every change to a user that matters for access (a new password, another role or events,
removal) deletes that user's sessions in the same transaction: whoever held them must log
in again.

A user may be limited to some events (``events``, their slugs; empty: every event). It is
stored as a JSON list in ``users.events`` and read with the role, so every request and
every open desk sees the limit as it is now (``wall.web.login.may_act_on``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Protocol, TypeVar

import msgspec

from wall.sql import Conn

T = TypeVar("T")


class Database(Protocol):
    """What ``Accounts`` needs from the store."""

    async def query(self, fn: Callable[[Conn], T]) -> T: ...

    async def transact(self, fn: Callable[[Conn], T]) -> T: ...


Events = tuple[str, ...]


class User(msgspec.Struct, frozen=True):
    username: str
    password_hash: str
    role: str
    # The events this user may act on; empty: every event.
    events: Events = ()


class SessionRecord(msgspec.Struct, frozen=True):
    """One session as stored, with its user's role as it is now."""

    id_hash: str
    username: str
    role: str
    csrf: str
    created_at: float
    seen_at: float
    address: str
    agent: str
    events: Events = ()


class UserSummary(msgspec.Struct, frozen=True):
    username: str
    role: str
    created_at: str
    sessions: list[SessionRecord]
    events: Events = ()


_SESSION = (
    "SELECT s.id_hash, s.username, u.role, s.csrf, s.created_at, s.seen_at, s.address,"
    " s.agent, u.events FROM sessions s JOIN users u ON u.username = s.username"
)
_events = msgspec.json.Decoder(Events)


def encode_events(events: Events) -> str:
    return msgspec.json.encode(sorted(set(events))).decode()


def _session(row: tuple[Any, ...]) -> SessionRecord:
    key, username, role, csrf, created_at, seen_at, address, agent, events = row
    return SessionRecord(
        key, username, role, csrf, created_at, seen_at, address, agent, _events.decode(events)
    )


def upsert_user(conn: Conn, username: str, password_hash: str, role: str) -> bool:
    """Create the user, or set an existing one's password and role; True if created."""
    existed = conn.execute("SELECT 1 FROM users WHERE username = ?", (username,)).fetchone()
    conn.execute(
        "INSERT INTO users (username, password_hash, role, created_at) VALUES (?,?,?,?)"
        " ON CONFLICT (username) DO UPDATE SET password_hash=excluded.password_hash,"
        " role=excluded.role",
        (username, password_hash, role, datetime.now(UTC).isoformat()),
    )
    if existed:
        end_sessions_of(conn, username)
    return existed is None


def get_user(conn: Conn, username: str) -> User | None:
    row = conn.execute(
        "SELECT username, password_hash, role, events FROM users WHERE username = ?", (username,)
    ).fetchone()
    return User(row[0], row[1], row[2], _events.decode(row[3])) if row else None


def set_access(conn: Conn, username: str, role: str, events: Events) -> list[str] | None:
    """Set the user's role and events; if either changed, end their sessions.

    Returns the keys of the sessions ended; None if there is no such user.
    """
    user = get_user(conn, username)
    if user is None:
        return None
    if (user.role, sorted(set(user.events))) == (role, sorted(set(events))):
        return []
    conn.execute(
        "UPDATE users SET role = ?, events = ? WHERE username = ?",
        (role, encode_events(events), username),
    )
    return end_sessions_of(conn, username)


def set_password(conn: Conn, username: str, password_hash: str) -> bool:
    """False if there is no such user."""
    cur = conn.execute(
        "UPDATE users SET password_hash = ? WHERE username = ?", (password_hash, username)
    )
    end_sessions_of(conn, username)
    return cur.rowcount == 1


def set_role(conn: Conn, username: str, role: str) -> bool:
    """False if there is no such user."""
    cur = conn.execute("UPDATE users SET role = ? WHERE username = ?", (role, username))
    end_sessions_of(conn, username)
    return cur.rowcount == 1


def remove_user(conn: Conn, username: str) -> bool:
    """False if there is no such user."""
    end_sessions_of(conn, username)
    return conn.execute("DELETE FROM users WHERE username = ?", (username,)).rowcount == 1


def list_users(conn: Conn) -> list[UserSummary]:
    users = conn.execute(
        "SELECT username, role, created_at, events FROM users ORDER BY username"
    ).fetchall()
    sessions: dict[str, list[SessionRecord]] = {}
    for row in conn.execute(f"{_SESSION} ORDER BY s.created_at"):
        record = _session(row)
        sessions.setdefault(record.username, []).append(record)
    return [
        UserSummary(name, role, created, sessions.get(name, []), _events.decode(events))
        for name, role, created, events in users
    ]


def insert_session(conn: Conn, record: SessionRecord) -> None:
    conn.execute(
        "INSERT INTO sessions (id_hash, username, csrf, created_at, seen_at, address, agent)"
        " VALUES (?,?,?,?,?,?,?)",
        (
            record.id_hash,
            record.username,
            record.csrf,
            record.created_at,
            record.seen_at,
            record.address,
            record.agent,
        ),
    )


def find_session(conn: Conn, id_hash: str) -> SessionRecord | None:
    row = conn.execute(f"{_SESSION} WHERE s.id_hash = ?", (id_hash,)).fetchone()
    return _session(row) if row else None


def touch_session(conn: Conn, id_hash: str, now: float) -> None:
    conn.execute("UPDATE sessions SET seen_at = ? WHERE id_hash = ?", (now, id_hash))


def end_session(conn: Conn, id_hash: str) -> None:
    conn.execute("DELETE FROM sessions WHERE id_hash = ?", (id_hash,))


def end_sessions_of(conn: Conn, username: str) -> list[str]:
    """End every session of ``username``; returns their keys (to close their desks)."""
    keys = [
        key
        for (key,) in conn.execute("SELECT id_hash FROM sessions WHERE username = ?", (username,))
    ]
    conn.execute("DELETE FROM sessions WHERE username = ?", (username,))
    return keys


def purge_sessions(conn: Conn, *, idle_before: float, created_before: float) -> None:
    """Forget sessions that have expired (idle too long, or simply too old)."""
    conn.execute(
        "DELETE FROM sessions WHERE seen_at < ? OR created_at < ?", (idle_before, created_before)
    )


class Accounts:
    """Users and sessions, async, through the store's threads."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def add_user(self, username: str, password_hash: str, role: str) -> bool:
        return await self.db.transact(lambda c: upsert_user(c, username, password_hash, role))

    async def get_user(self, username: str) -> User | None:
        return await self.db.query(lambda c: get_user(c, username))

    async def set_password(self, username: str, password_hash: str) -> bool:
        return await self.db.transact(lambda c: set_password(c, username, password_hash))

    async def set_role(self, username: str, role: str) -> bool:
        return await self.db.transact(lambda c: set_role(c, username, role))

    async def remove_user(self, username: str) -> bool:
        return await self.db.transact(lambda c: remove_user(c, username))

    async def list_users(self) -> list[UserSummary]:
        return await self.db.query(list_users)

    async def start_session(
        self, record: SessionRecord, *, idle_before: float, created_before: float
    ) -> None:
        """Store a new session, and forget the expired ones while at it."""

        def work(conn: Conn) -> None:
            purge_sessions(conn, idle_before=idle_before, created_before=created_before)
            insert_session(conn, record)

        await self.db.transact(work)

    async def find_session(self, id_hash: str) -> SessionRecord | None:
        return await self.db.query(lambda c: find_session(c, id_hash))

    async def touch_session(self, id_hash: str, now: float) -> None:
        await self.db.transact(lambda c: touch_session(c, id_hash, now))

    async def end_session(self, id_hash: str) -> None:
        await self.db.transact(lambda c: end_session(c, id_hash))
