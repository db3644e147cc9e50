"""Sessions kept on the server: started at login, checked on every request, ended at will.

The cookie carries a random id (256 bits), signed with the server's secret so that junk
is turned away without a database read. The database keeps only the id's SHA-256, with
the user, the CSRF token, and when and from where the session was started and last used.
Every request looks the session up and reads the user's role (and the events they may act
on) as they are *now*; a session
ends at logout, when its user's password or role changes or the user is removed
(``wall.accounts``), after ``session_idle_minutes`` without use, and ``session_hours``
after the login whatever happens.

An open moderator's desk (a websocket) counts as use; ``watch`` lets the web edge close
it the moment its session ends in this process, and ``recheck`` is how often it looks
again for ends decided elsewhere (``murmur user remove`` runs in another process).
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import msgspec
from itsdangerous import BadSignature, Signer

from wall.accounts import Accounts, SessionRecord, User

# How often a session's "last used" time is written: not at every request (each write
# goes through the store's one writer), but often enough for the idle timeout.
TOUCH_EVERY = 60.0
RECHECK_SECONDS = 15.0


class Session(msgspec.Struct, frozen=True):
    """A live session, as the web edge sees it."""

    key: str  # the stored hash of the id; the id itself is only in the cookie
    username: str
    role: str
    csrf: str
    # The events the user may act on, as now; empty: every event.
    events: tuple[str, ...] = ()


def may_act_on(session: Mapping[str, Any], slug: str) -> bool:
    """Whether a request's session (``scope["session"]``) may act on the event ``slug``:
    its user has no event limit, or the limit lists it. ``wall.web.login.current_user``
    applies it to every route whose path names an event."""
    events = session.get("events") or []
    return not events or slug in events


def is_alive(record: SessionRecord, now: float, *, idle: float, absolute: float) -> bool:
    """Used within ``idle`` seconds, and started within ``absolute`` seconds."""
    return now - record.seen_at < idle and now - record.created_at < absolute


def id_hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


class Sessions:
    def __init__(
        self,
        accounts: Accounts,
        secret: str,
        *,
        idle: float,
        absolute: float,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.accounts = accounts
        self.idle = idle
        self.absolute = absolute
        self.recheck = RECHECK_SECONDS
        self.clock = clock  # a seam: tests move time forward
        self._signer = Signer(secret, salt="murmur-session")
        self._watchers: dict[str, set[asyncio.Event]] = {}

    async def start(self, user: User, *, address: str, agent: str) -> tuple[str, Session]:
        """A new session for ``user``; returns the cookie's value and the session."""
        session_id = secrets.token_urlsafe(32)
        now = self.clock()
        record = SessionRecord(
            id_hash=id_hash(session_id),
            username=user.username,
            role=user.role,
            csrf=secrets.token_urlsafe(32),
            created_at=now,
            seen_at=now,
            address=address[:100],
            agent=agent[:200],
            events=user.events,
        )
        await self.accounts.start_session(
            record, idle_before=now - self.idle, created_before=now - self.absolute
        )
        cookie = self._signer.sign(session_id).decode()
        return cookie, Session(
            record.id_hash, record.username, record.role, record.csrf, record.events
        )

    async def resolve(self, cookie: str) -> Session | None:
        """The live session this cookie names, or None (forged, ended, expired)."""
        if len(cookie) > 200:
            return None
        try:
            session_id = self._signer.unsign(cookie).decode()
        except (BadSignature, UnicodeDecodeError):
            return None
        return await self.check(id_hash(session_id))

    async def check(self, key: str) -> Session | None:
        """The live session stored under ``key``, or None; marks it used."""
        record = await self.accounts.find_session(key)
        if record is None:
            return None
        now = self.clock()
        if not self.alive(record, now):
            await self.accounts.end_session(key)
            return None
        if now - record.seen_at >= min(TOUCH_EVERY, self.idle / 10):
            await self.accounts.touch_session(key, now)
        return Session(key, record.username, record.role, record.csrf, record.events)

    def alive(self, record: SessionRecord, now: float) -> bool:
        return is_alive(record, now, idle=self.idle, absolute=self.absolute)

    async def end(self, session: Session) -> None:
        """Log this session out, and close its open desks."""
        await self.accounts.end_session(session.key)
        self.ended([session.key])

    def ended(self, keys: Iterable[str]) -> None:
        """Close at once the open desks of these sessions, ended in the store by this
        process (an organiser revoked them, or removed their user: ``wall.people``)."""
        for key in keys:
            for event in self._watchers.get(key, ()):
                event.set()

    def watch(self, session: Session) -> asyncio.Event:
        """An event set when ``end`` ends this session (until ``unwatch``)."""
        event = asyncio.Event()
        self._watchers.setdefault(session.key, set()).add(event)
        return event

    def unwatch(self, session: Session, event: asyncio.Event) -> None:
        events = self._watchers.get(session.key)
        if events is not None:
            events.discard(event)
            if not events:
                del self._watchers[session.key]
