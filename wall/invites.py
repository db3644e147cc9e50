"""Invitations: an organiser invites a moderator (or an organiser) by link or QR code.

An invitation carries a role, the events it gives (empty: every event) and an expiry. Its
token is random (192 bits) and shown once, to the organiser who made it; the ``invites``
table keeps only its SHA-256. Accepting one creates the user with the invitation's role
and events and marks it used, in one transaction on the store's one writer: of two
people racing with the same link, one gets the account and the other ``InviteUsed``.

The SQL is plain functions over a connection, run by ``Invites`` through the store's
``transact`` and ``query`` (as ``wall.accounts`` does), so it moves with the store.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime

import msgspec

from wall import accounts
from wall.accounts import Database, Events, User, encode_events
from wall.sql import Conn

MAX_HOURS = 168  # a week: an invitation is for an event, not a standing door


class Invite(msgspec.Struct, frozen=True):
    id: int
    role: str
    events: Events
    created_by: str
    created_at: float
    expires_at: float


class InviteRefused(Exception):
    """An invitation that cannot be used; ``code`` names why for the pages."""

    code = "invite_unknown"


class InviteUnknown(InviteRefused):
    code = "invite_unknown"

    def __init__(self) -> None:
        super().__init__(
            "This invitation link is not valid (mistyped, or withdrawn): "
            "ask the organiser for a new one."
        )


class InviteUsed(InviteRefused):
    code = "invite_used"

    def __init__(self) -> None:
        super().__init__(
            "This invitation has already been used: if it was you, log in; "
            "otherwise ask the organiser for a new one."
        )


class InviteExpired(InviteRefused):
    code = "invite_expired"

    def __init__(self) -> None:
        super().__init__("This invitation has expired: ask the organiser for a new one.")


class NameTaken(InviteRefused):
    code = "username_taken"

    def __init__(self, username: str) -> None:
        super().__init__(f"The user name “{username[:100]}” is taken: choose another.")
        self.username = username


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


_INVITE = "SELECT id, role, events, created_by, created_at, expires_at FROM invites"
_decode_events = msgspec.json.Decoder(Events)


def _invite(row: tuple[int, str, str, str, float, float]) -> Invite:
    id_, role, events, created_by, created_at, expires_at = row
    return Invite(id_, role, _decode_events.decode(events), created_by, created_at, expires_at)


def insert(conn: Conn, digest: str, invite: Invite) -> int:
    cur = conn.execute(
        "INSERT INTO invites (token_hash, role, events, created_by, created_at, expires_at)"
        " VALUES (?,?,?,?,?,?) RETURNING id",
        (
            digest,
            invite.role,
            encode_events(invite.events),
            invite.created_by,
            invite.created_at,
            invite.expires_at,
        ),
    )
    return int(cur.fetchone()[0])


def pending(conn: Conn, now: float) -> list[Invite]:
    rows = conn.execute(
        f"{_INVITE} WHERE used_at IS NULL AND expires_at > ? ORDER BY created_at", (now,)
    ).fetchall()
    return [_invite(row) for row in rows]


def withdraw(conn: Conn, invite_id: int) -> bool:
    """Delete a pending invitation; False if there is none by that id."""
    cur = conn.execute("DELETE FROM invites WHERE id = ? AND used_at IS NULL", (invite_id,))
    return cur.rowcount == 1


def usable(conn: Conn, digest: str, now: float) -> Invite:
    """The invitation whose token hashes to ``digest``, if it can still be used."""
    row = conn.execute(
        "SELECT id, role, events, created_by, created_at, expires_at, used_at FROM invites"
        " WHERE token_hash = ?",
        (digest,),
    ).fetchone()
    if row is None:
        raise InviteUnknown()
    if row[6] is not None:
        raise InviteUsed()
    if row[5] <= now:
        raise InviteExpired()
    return _invite(row[:6])


def accept(conn: Conn, digest: str, username: str, password_hash: str, now: float) -> User:
    """Create the invited user and use up the invitation, or refuse (nothing written)."""
    invite = usable(conn, digest, now)
    if accounts.get_user(conn, username) is not None:
        raise NameTaken(username)
    conn.execute(
        "INSERT INTO users (username, password_hash, role, created_at, events) VALUES (?,?,?,?,?)",
        (
            username,
            password_hash,
            invite.role,
            datetime.now(UTC).isoformat(),
            encode_events(invite.events),
        ),
    )
    conn.execute(
        "UPDATE invites SET used_by = ?, used_at = ? WHERE id = ?", (username, now, invite.id)
    )
    return User(username, password_hash, invite.role, invite.events)


class Invites:
    """Invitations, async, through the store's threads."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def create(
        self, *, role: str, events: Events, hours: int, by: str, now: float
    ) -> tuple[str, Invite]:
        """A new invitation; returns its token (shown once, never stored) and itself."""
        token = secrets.token_urlsafe(24)
        draft = Invite(0, role, events, by, now, now + hours * 3600.0)
        invite_id = await self.db.transact(lambda c: insert(c, token_hash(token), draft))
        return token, Invite(invite_id, role, events, by, now, draft.expires_at)

    async def pending(self, now: float) -> list[Invite]:
        return await self.db.query(lambda c: pending(c, now))

    async def withdraw(self, invite_id: int) -> bool:
        return await self.db.transact(lambda c: withdraw(c, invite_id))

    async def usable(self, token: str, now: float) -> Invite:
        return await self.db.query(lambda c: usable(c, token_hash(token), now))

    async def accept(self, token: str, username: str, password_hash: str, now: float) -> User:
        digest = token_hash(token)
        return await self.db.transact(lambda c: accept(c, digest, username, password_hash, now))
