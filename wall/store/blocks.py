"""Author blocks a moderator sets from a post's card: the rule, the posts it turns down,
and lifting it (by hand, or by undo in ``wall.desk_store``)."""

from __future__ import annotations

from datetime import datetime

from moderation import Status, Why
from moderation.state import blocked
from wall.sql import Conn
from wall.store.errors import Conflict, NotFound
from wall.store.posts import Posts
from wall.store.rows import POST_COLUMNS, post_decoder, read_post, state_of, utc_now, view_of
from wall.views import MODERATE, AuthorBlocked, AuthorUnblocked, BlockedAuthor, LogEntry, PostView


def author_key(handle: str) -> str:
    """How author blocks compare handles: no leading ``@``, case-insensitive."""
    return handle.strip().lstrip("@").casefold()


def _blocks(conn: Conn, event: str, now: datetime) -> list[BlockedAuthor]:
    rows = conn.execute(
        "SELECT id, network, handle, why, set_by, set_at, expires_at FROM author_rules"
        " WHERE event = ? AND action = 'block' AND lifted_at IS NULL ORDER BY id",
        (event,),
    ).fetchall()
    blocks = [
        BlockedAuthor(
            id=r[0],
            network=r[1],
            handle=r[2],
            why=r[3],
            set_by=r[4],
            set_at=datetime.fromisoformat(r[5]),
            expires_at=datetime.fromisoformat(r[6]) if r[6] else None,
        )
        for r in rows
    ]
    return [b for b in blocks if b.expires_at is None or b.expires_at > now]


class AuthorBlocks(Posts):
    """The store's author blocks."""

    async def block_author(
        self,
        event: str,
        post_id: int,
        *,
        actor: str,
        why: str = "",
        remove_shown: bool = False,
        expires_at: datetime | None = None,
    ) -> tuple[int, BlockedAuthor, list[PostView]]:
        """Block the author of a post on its network, from its card, in one transaction.

        Their posts waiting in the queue are rejected and, with ``remove_shown``, those on
        the screens are removed; every entry shares one ``batch`` so undo reverts it all.
        Raises NotFound, or Conflict when an active block already names them.
        """

        def work(
            conn: Conn,
        ) -> tuple[tuple[int, BlockedAuthor, list[PostView]], list[LogEntry]]:
            row = read_post(conn, event, post_id)
            card = view_of(row)
            handle = author_key(card.author.handle)
            if not handle:
                raise Conflict("This post's author has no handle to block.", card, code="no_handle")
            now = utc_now()
            for active in _blocks(conn, event, now):
                if active.network == card.network and active.handle == handle:
                    raise Conflict(
                        f"This author is already blocked (by {active.set_by}).",
                        card,
                        by=active.set_by,
                        code="already_blocked",
                        params={"by": active.set_by},
                    )
            cur = conn.execute(
                "INSERT INTO author_rules (event, network, handle, action, why, set_by, set_at,"
                " expires_at) VALUES (?, ?, ?, 'block', ?, ?, ?, ?) RETURNING id",
                (
                    event,
                    card.network,
                    handle,
                    why,
                    actor,
                    now.isoformat(),
                    expires_at.isoformat() if expires_at else None,
                ),
            )
            rule = BlockedAuthor(
                id=int(cur.fetchone()[0]),
                network=card.network,
                handle=handle,
                why=why,
                set_by=actor,
                set_at=now,
                expires_at=expires_at,
            )
            batch = self._seq + 1
            entries = [
                self._append(
                    conn,
                    event,
                    "author.blocked",
                    post_id,
                    MODERATE,
                    actor,
                    lambda s: AuthorBlocked(seq=s, rule=rule),
                    action="block-author",
                    reason=why or None,
                    batch=batch,
                )
            ]
            statuses = [Status.PENDING.value] + ([Status.APPROVED.value] if remove_shown else [])
            marks = ",".join("?" * len(statuses))
            rows = conn.execute(
                f"SELECT {POST_COLUMNS} FROM posts WHERE event = ? AND network = ?"
                f" AND status IN ({marks}) ORDER BY id",
                (event, card.network, *statuses),
            ).fetchall()
            views = []
            for found in rows:
                if author_key(post_decoder.decode(found[3]).author.handle) != handle:
                    continue
                after = blocked(state_of(found), by=actor, note=why, at=now)
                view, logged = self._apply(
                    conn, found, after, actor=actor, action="block-author", reason=why, batch=batch
                )
                views.append(view)
                entries.extend(logged)
            return (entries[-1].seq, rule, views), entries

        return await self._run(work)

    async def lift_block(
        self, event: str, rule_id: int, *, actor: str
    ) -> tuple[int, BlockedAuthor]:
        """Lift an author block before it expires. Raises NotFound if none is active."""

        def work(conn: Conn) -> tuple[tuple[int, BlockedAuthor], list[LogEntry]]:
            done = self._lift(conn, event, rule_id, actor, action="unblock")
            if done is None:
                raise NotFound(f"no active author block {rule_id} in event {event}")
            rule, entry = done
            return (entry.seq, rule), [entry]

        return await self._run(work)

    def _lift(
        self,
        conn: Conn,
        event: str,
        rule_id: int,
        actor: str,
        *,
        action: str,
        reason: str | None = None,
        why: Why | None = None,
    ) -> tuple[BlockedAuthor, LogEntry] | None:
        """Lift an active block and log it; ``None`` when it is not active."""
        rule = next((r for r in _blocks(conn, event, utc_now()) if r.id == rule_id), None)
        if rule is None:
            return None
        conn.execute(
            "UPDATE author_rules SET lifted_by = ?, lifted_at = ? WHERE id = ?",
            (actor, utc_now().isoformat(), rule_id),
        )
        entry = self._append(
            conn,
            event,
            "author.unblocked",
            None,
            MODERATE,
            actor,
            lambda s: AuthorUnblocked(seq=s, rule=rule, by=actor),
            action=action,
            reason=reason,
            why=why,
        )
        return rule, entry

    async def blocked_authors(self, event: str) -> list[BlockedAuthor]:
        """The event's author blocks that apply now (not lifted, not expired)."""
        return await self._read(lambda conn: _blocks(conn, event, utc_now()))


__all__ = ["AuthorBlocks", "author_key"]
