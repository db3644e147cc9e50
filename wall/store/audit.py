"""The audit: who did what to which post, when and why, read back from the event log."""

from __future__ import annotations

from datetime import datetime

import msgspec

from moderation import Why
from wall.sql import Conn
from wall.store.engine import Engine
from wall.store.rows import post_decoder, why_of


class AuditEntry(msgspec.Struct, frozen=True, kw_only=True):
    """One line of the audit: who did what to which post, when and why.

    ``actor`` is ``None`` when a rule or the network decided; ``action`` is then what
    happened (``hold``, ``approve``, ``reject``, ``remove``).
    """

    seq: int
    at: datetime
    actor: str | None
    action: str
    type: str
    post_id: int | None
    reason: str
    network: str | None
    author: str | None
    text: str | None
    # ``reason`` as a code and facts (rules, networks, undo), for the desk to word.
    why: Why | None = None


# What an entry logged without a moderator's action means, in the audit.
_AUTOMATIC = {
    "post.queued": "hold",
    "post.approved": "approve",
    "post.rejected": "reject",
    "post.removed": "remove",
}


class Audit(Engine):
    """The store's audit."""

    async def audit(self, event: str) -> list[AuditEntry]:
        """Who did what, when and why: every decision and change, in order.

        Moderators' actions, and what rules and networks decided on their own; the second
        message of a change (see wall.changes) is left out.
        """

        def read(conn: Conn) -> list[AuditEntry]:
            rows = conn.execute(
                "SELECT log.seq, log.created_at, log.actor, log.action, log.type, log.post_id,"
                " log.reason, posts.network, posts.data, log.why FROM log"
                " LEFT JOIN posts ON posts.id = log.post_id"
                " WHERE log.event = ? AND (log.action IS NOT NULL OR log.actor IS NULL"
                " OR log.type NOT LIKE 'post.%') ORDER BY log.seq",
                (event,),
            ).fetchall()
            entries = []
            for seq, at, actor, action, kind, post_id, reason, network, data, why in rows:
                post = post_decoder.decode(data) if data else None
                entries.append(
                    AuditEntry(
                        seq=seq,
                        at=datetime.fromisoformat(at),
                        actor=actor,
                        action=action or _AUTOMATIC.get(kind, kind),
                        type=kind,
                        post_id=post_id,
                        reason=reason or "",
                        network=network,
                        author=post.author.handle if post else None,
                        text=post.text[:280] if post else None,
                        why=why_of(why),
                    )
                )
            return entries

        return await self._read(read)


__all__ = ["Audit", "AuditEntry"]
