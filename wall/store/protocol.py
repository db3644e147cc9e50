"""What the rest of Murmur may use of a store: the ``Store`` protocol, and the smaller ones
a part that needs less is typed against.

``wall.desk_store.DeskStore`` implements them all, on SQLite or PostgreSQL (``wall.store``);
another implementation keeps every promise of DESIGN.md (a change and its log entry in one
transaction, one gap-free ``seq``, compare-and-set decisions) and passes the same tests
(tests/test_store.py, test_changes.py and the suites scripts/test.sh runs on each engine).
Errors come from one tree: ``wall.store.errors``.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from wall.accounts import Database

if TYPE_CHECKING:
    from moderation import Action, Post, Status, Verdict
    from moderation.flags import Change, Published
    from wall.accounts import User
    from wall.privacy_store import Person, Receipt
    from wall.settings import Announcement, DisplaySettings
    from wall.store.audit import AuditEntry
    from wall.views import (
        AnnouncingNow,
        BlockedAuthor,
        EventInfo,
        LogEntry,
        PostView,
        SpotlightNow,
    )


class Cursors(Protocol):
    """Where each source left off (``wall.sources.context.Cursor``)."""

    async def get_cursor(self, event: str, source: str) -> str | None: ...

    async def set_cursor(self, event: str, source: str, cursor: str) -> None: ...


class Replies(Database, Protocol):
    """What ``wall.replier`` needs: the outbox (``wall.reply_outbox``, through ``Database``)
    and saying where an answer went."""

    async def set_published(
        self, event: str, post_id: int, reply_at: datetime, published: Published
    ) -> PostView | None: ...

    async def note_reply(self, event: str, post_id: int, *, action: str, reason: str) -> None: ...


class Desk(Protocol):
    """What moderators do (``wall.desk``); every change is compare-and-set and raises
    ``NotFound`` or ``Conflict`` with the post's current state."""

    async def act(
        self,
        event: str,
        post_id: int,
        action: Action,
        *,
        actor: str,
        reason: str = "",
        seen: Status | None = None,
    ) -> tuple[int, PostView]: ...

    async def change(
        self,
        event: str,
        post_id: int,
        what: Change,
        *,
        actor: str,
        reason: str = "",
        text: str | None = None,
        replaces: datetime | None = None,
    ) -> tuple[int, PostView]: ...

    async def spotlight(
        self, event: str, post_id: int, *, actor: str, until: datetime, reason: str = ""
    ) -> tuple[int, PostView]: ...

    async def end_spotlight(self, event: str, *, actor: str) -> int | None: ...

    async def undo(
        self, event: str, post_id: int, *, actor: str, window: float
    ) -> tuple[int, list[PostView], BlockedAuthor | None]: ...

    async def block_author(
        self,
        event: str,
        post_id: int,
        *,
        actor: str,
        why: str = "",
        remove_shown: bool = False,
        expires_at: datetime | None = None,
    ) -> tuple[int, BlockedAuthor, list[PostView]]: ...

    async def lift_block(
        self, event: str, rule_id: int, *, actor: str
    ) -> tuple[int, BlockedAuthor]: ...

    async def blocked_authors(self, event: str) -> list[BlockedAuthor]: ...


class Store(Cursors, Replies, Desk, Protocol):
    """Everything the hub, the web handlers and the sources use of a store."""

    # -- lifecycle

    async def open(self) -> None: ...

    async def close(self) -> None: ...

    @property
    def committed(self) -> int:
        """The seq of the last change this process committed."""
        ...

    async def checkpoint(self) -> bool: ...

    # -- posts: what comes in, and what the pages read

    async def ingest(self, event: str, post: Post, verdict: Verdict) -> PostView | None: ...

    async def withdraw(self, event: str, network: str, network_id: str) -> PostView | None: ...

    async def recent_network_ids(self, event: str, network: str, limit: int) -> list[str]: ...

    async def posts_by_id_prefix(
        self, event: str, network: str, prefix: str, *, limit: int
    ) -> list[PostView]: ...

    async def get_post(self, event: str, post_id: int) -> PostView | None: ...

    async def posts(
        self, event: str, status: Status, *, limit: int = 100
    ) -> tuple[int, list[PostView]]: ...

    async def picture_shown(self, stem: str) -> bool: ...

    async def audit(self, event: str) -> list[AuditEntry]: ...

    # -- the log: a new subscriber's snapshot, a returning one's replay

    async def snapshot(
        self, event: str, audience: str
    ) -> tuple[int, list[PostView], DisplaySettings | None]: ...

    async def log_since(self, event: str, since: int, audience: str) -> list[LogEntry] | None: ...

    async def head(self) -> int: ...

    async def current_spotlight(self, event: str) -> SpotlightNow | None: ...

    async def announce(
        self, event: str, announcement: Announcement | None, *, until: datetime | None, actor: str
    ) -> int: ...

    async def current_announcement(self, event: str) -> AnnouncingNow | None: ...

    # -- an event's state

    async def save_event(self, slug: str, title: str, settings_json: str) -> None: ...

    async def get_display(self, event: str) -> DisplaySettings | None: ...

    async def set_display(self, event: str, display: DisplaySettings, *, actor: str) -> int: ...

    async def get_overrides(self, event: str) -> dict[str, Any] | None: ...

    async def set_overrides(
        self, event: str, data: dict[str, Any], info: EventInfo, *, actor: str
    ) -> int: ...

    async def drop_live_settings(
        self, event: str, info: EventInfo, display: DisplaySettings, *, actor: str
    ) -> int: ...

    # -- users and privacy

    async def add_user(self, username: str, password_hash: str, role: str) -> bool: ...

    async def get_user(self, username: str) -> User | None: ...

    async def posts_of(self, person: Person) -> list[PostView]: ...

    async def erase(self, person: Person, *, actor: str) -> tuple[Receipt, set[str]]: ...

    async def erase_older(
        self, event: str, before: datetime, *, actor: str = "retention"
    ) -> tuple[Receipt, set[str]]: ...


__all__ = ["Cursors", "Database", "Desk", "Replies", "Store"]
