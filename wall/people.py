"""Organisers manage people from the browser: list users and their open sessions, change a
role, revoke sessions, remove a user.

The rules live here, over ``wall.accounts``' SQL, each change in one transaction:

- There is always an organiser of every event left: a change that would leave none
  (removing the last one, making them a moderator, or limiting them to some events) is
  refused with ``LastOrganiser``. Only ``murmur user`` on the server can
  go further, as the way back in for whoever runs it.
- A change that matters for access ends the user's sessions (as ``wall.accounts`` does),
  and their open desks close at once (``Sessions.ended``), not at the next recheck.
- A session is named outside by ``session_ref``, a short hash of its stored key: a page
  can revoke one without ever holding the key (itself only a hash of the cookie's id).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import TypeVar

from wall import accounts
from wall.accounts import Database, Events, UserSummary
from wall.auth import Role
from wall.sessions import Sessions
from wall.sql import Conn

T = TypeVar("T")


class Refused(Exception):
    """A change to people refused; ``code`` names it for the pages."""

    code = "refused"


class NoSuchUser(Refused):
    code = "no_user"

    def __init__(self, username: str) -> None:
        super().__init__(f"There is no user “{username[:100]}”.")
        self.username = username


class NoSuchSession(Refused):
    code = "no_session"

    def __init__(self) -> None:
        super().__init__("That session is not open any more.")


class LastOrganiser(Refused):
    code = "last_organiser"

    def __init__(self) -> None:
        super().__init__(
            "That would leave no organiser of every event: make someone else one first."
        )


def session_ref(key: str) -> str:
    """The name pages use for a session: 16 hex digits of a hash of its stored key."""
    return hashlib.sha256(f"murmur-session-ref:{key}".encode()).hexdigest()[:16]


def _full_organisers_besides(conn: Conn, username: str) -> int:
    """How many organisers of every event there are, ``username`` aside."""
    row = conn.execute(
        "SELECT COUNT(*) FROM users WHERE role = ? AND events = '[]' AND username != ?",
        (Role.ORGANISER.value, username),
    ).fetchone()
    return int(row[0])


def _keep_an_organiser(conn: Conn, username: str, role: str | None, events: Events = ()) -> None:
    """Refuse if ``username`` is the last organiser of every event and would stop being
    one (``role`` None: removed)."""
    user = accounts.get_user(conn, username)
    if user is None:
        raise NoSuchUser(username)
    full_now = user.role == Role.ORGANISER and not user.events
    full_after = role == Role.ORGANISER and not events
    if full_now and not full_after and _full_organisers_besides(conn, username) == 0:
        raise LastOrganiser()


class People:
    """What organisers do to users, async, through the store's threads."""

    def __init__(self, db: Database, sessions: Sessions) -> None:
        self.db = db
        self.sessions = sessions

    async def _ending(self, work: Callable[[Conn], list[str]]) -> list[str]:
        """Run ``work`` (which returns the keys of the sessions it ended); close their desks."""
        keys = await self.db.transact(work)
        self.sessions.ended(keys)
        return keys

    async def users(self) -> list[UserSummary]:
        """Every user, with their sessions that are still alive."""
        now = self.sessions.clock()
        users = await self.db.query(accounts.list_users)
        return [
            UserSummary(
                u.username,
                u.role,
                u.created_at,
                [s for s in u.sessions if self.sessions.alive(s, now)],
                u.events,
            )
            for u in users
        ]

    async def user(self, username: str) -> UserSummary:
        for user in await self.users():
            if user.username == username:
                return user
        raise NoSuchUser(username)

    async def set_access(
        self, username: str, *, role: Role | None = None, events: Events | None = None
    ) -> None:
        """Give ``username`` another role or events (None: unchanged); if either changes,
        their sessions end (they log in again with their new rights)."""

        def work(conn: Conn) -> list[str]:
            user = accounts.get_user(conn, username)
            if user is None:
                raise NoSuchUser(username)
            new_role = user.role if role is None else role.value
            new_events = user.events if events is None else events
            _keep_an_organiser(conn, username, new_role, new_events)
            return accounts.set_access(conn, username, new_role, new_events) or []

        await self._ending(work)

    async def remove(self, username: str) -> None:
        """Remove ``username``; their sessions end, their open desks close."""

        def work(conn: Conn) -> list[str]:
            _keep_an_organiser(conn, username, None)
            keys = accounts.end_sessions_of(conn, username)
            accounts.remove_user(conn, username)
            return keys

        await self._ending(work)

    async def revoke(self, username: str, ref: str | None = None) -> int:
        """End one session of ``username`` (by its ``session_ref``), or all of them (None).

        Returns how many ended.
        """

        def work(conn: Conn) -> list[str]:
            if accounts.get_user(conn, username) is None:
                raise NoSuchUser(username)
            if ref is None:
                return accounts.end_sessions_of(conn, username)
            found = conn.execute(
                "SELECT id_hash FROM sessions WHERE username = ?", (username,)
            ).fetchall()
            keys = [key for (key,) in found if session_ref(key) == ref]
            if not keys:
                raise NoSuchSession()
            for key in keys:
                accounts.end_session(conn, key)
            return keys

        return len(await self._ending(work))
