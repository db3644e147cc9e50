"""Posts as they change: a new post with the rules' verdict, its author's edit or deletion
on the network, a moderator's decision, and any change of state written with its log
entries (``_apply``, see ``wall.changes``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from moderation import (
    Action,
    InvalidTransition,
    Post,
    Status,
    Verdict,
    Why,
)
from moderation.messages import arrival_type, for_screens, message_types
from moderation.state import Outcome, PostState, arrived, decided, edited, revised, withdrawn
from wall.changes import encode_state
from wall.sql import Conn
from wall.store.errors import Conflict, StoreError
from wall.store.log import Log, message_of
from wall.store.rows import (
    POST_COLUMNS,
    encode_post,
    encode_reply,
    encode_why,
    post_decoder,
    read_post,
    state_of,
    utc_now,
    view_of,
)
from wall.views import (
    MODERATE,
    WALL,
    LogEntry,
    PostView,
)


class Posts(Log):
    """The changes of posts."""

    def _apply(
        self,
        conn: Conn,
        row: Sequence[Any],
        after: PostState,
        *,
        actor: str,
        action: str,
        reason: str = "",
        batch: int | None = None,
        undoable: bool = True,
        why: Why | None = None,
    ) -> tuple[PostView, list[LogEntry]]:
        """Write ``after`` over the post as read in ``row``, and log it (see wall.changes).

        Compare-and-set on the ``updated_seq`` read; the last entry carries the action,
        the reason and, when ``undoable``, the state before.
        """
        before = state_of(row)
        post_id, event, read_seq = row[0], row[1], row[9]
        types = message_types(before.status, after.status)
        flags = after.flags
        cur = conn.execute(
            "UPDATE posts SET status = ?, reason = ?, rule = ?, decided_by = ?, decided_at = ?,"
            " pinned = ?, media_hidden = ?, reply = ?, why = ?, updated_seq = ?"
            " WHERE id = ? AND updated_seq = ?",
            (
                after.status.value,
                after.reason,
                after.rule,
                after.decided_by,
                after.decided_at.isoformat() if after.decided_at else None,
                int(flags.pinned),
                int(flags.media_hidden),
                encode_reply(flags.reply),
                encode_why(after.why),
                self._seq + len(types),
                post_id,
                read_seq,
            ),
        )
        if cur.rowcount != 1:  # cannot happen with one writer; kept as the invariant
            raise StoreError("post changed during the update")
        view = view_of(
            conn.execute(f"SELECT {POST_COLUMNS} FROM posts WHERE id = ?", (post_id,)).fetchone()
        )
        entries = []
        for index, kind in enumerate(types):
            last = index == len(types) - 1
            shown = for_screens(kind, view.status)
            entries.append(
                self._append(
                    conn,
                    event,
                    kind,
                    post_id,
                    WALL if shown else MODERATE,
                    actor,
                    message_of(kind, view, actor),
                    action=action if last else None,
                    reason=(reason or None) if last else None,
                    prior=encode_state(before) if last and undoable else None,
                    batch=batch,
                    why=why if last else None,
                )
            )
        return view, entries

    async def ingest(self, event: str, post: Post, verdict: Verdict) -> PostView | None:
        """Store a new post with the rules' verdict; ``None`` if it is already stored as is.

        A post already stored whose content changed (its author edited it on the network)
        is revised: see ``_revise``.
        """

        def work(conn: Conn) -> tuple[PostView | None, list[LogEntry]]:
            status = arrived(verdict.decision)
            now = utc_now().isoformat()
            decided_at = None if status is Status.PENDING else now
            cur = conn.execute(
                "INSERT INTO posts (event, network, network_id, status, data, reason, rule,"
                " decided_by, decided_at, received_at, updated_seq, why)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, ?)"
                " ON CONFLICT (event, network, network_id) DO NOTHING RETURNING id",
                (
                    event,
                    post.network,
                    post.network_id,
                    status.value,
                    encode_post(post),
                    verdict.reason,
                    verdict.rule,
                    decided_at,
                    now,
                    self._seq + 1,
                    encode_why(verdict.why),
                ),
            )
            inserted = cur.fetchone()
            if inserted is None:
                return self._revise(conn, event, post, verdict)
            post_id = int(inserted[0])
            row = conn.execute(
                f"SELECT {POST_COLUMNS} FROM posts WHERE id = ?", (post_id,)
            ).fetchone()
            view = view_of(row)
            kind = arrival_type(status)
            entry = self._append(
                conn,
                event,
                kind,
                post_id,
                WALL if for_screens(kind, status) else MODERATE,
                None,
                message_of(kind, view, None),
                reason=verdict.reason,
                why=verdict.why,
            )
            return view, [entry]

        return await self._run(work)

    def _revise(
        self, conn: Conn, event: str, post: Post, verdict: Verdict
    ) -> tuple[PostView | None, list[LogEntry]]:
        """Its author edited a stored post: keep the new content, and decide again
        (``moderation.state.revised``). A delivery whose content did not change is a
        duplicate: nothing happens."""
        row = conn.execute(
            f"SELECT {POST_COLUMNS} FROM posts WHERE event = ? AND network = ? AND network_id = ?",
            (event, post.network, post.network_id),
        ).fetchone()
        if row is None or not edited(post_decoder.decode(row[3]), post):
            return None, []
        data = encode_post(post)
        post_id = row[0]
        outcome = revised(Status(row[2]), verdict, at=utc_now())
        conn.execute("UPDATE posts SET data = ? WHERE id = ?", (data, post_id))
        if outcome is None:
            return None, []
        return self._apply_outcome(conn, event, post_id, outcome)

    def _apply_outcome(
        self, conn: Conn, event: str, post_id: int, outcome: Outcome
    ) -> tuple[PostView, list[LogEntry]]:
        """Write and log what the network or the rules decided about a post; the last
        entry carries the reason (no one's action: nothing to undo)."""
        conn.execute(
            "UPDATE posts SET status = ?, reason = ?, rule = ?, decided_by = NULL,"
            " decided_at = ?, updated_seq = ?, why = ? WHERE id = ?",
            (
                outcome.status.value,
                outcome.reason,
                outcome.rule,
                outcome.decided_at.isoformat() if outcome.decided_at else None,
                self._seq + len(outcome.types),
                encode_why(outcome.why),
                post_id,
            ),
        )
        view = view_of(
            conn.execute(f"SELECT {POST_COLUMNS} FROM posts WHERE id = ?", (post_id,)).fetchone()
        )
        last = len(outcome.types) - 1
        entries = [
            self._append(
                conn,
                event,
                kind,
                post_id,
                WALL if for_screens(kind, outcome.status) else MODERATE,
                None,
                message_of(kind, view, None),
                reason=outcome.reason if index == last else None,
                why=outcome.why if index == last else None,
            )
            for index, kind in enumerate(outcome.types)
        ]
        return view, entries

    async def act(
        self,
        event: str,
        post_id: int,
        action: Action,
        *,
        actor: str,
        reason: str = "",
        seen: Status | None = None,
    ) -> tuple[int, PostView]:
        """Apply a moderator's action, compare-and-set on the post's current status.

        Returns the new ``seq`` and post. Raises NotFound, or Conflict with the post's
        current state when its status does not allow ``action``, or is no longer ``seen``.
        """

        def work(conn: Conn) -> tuple[tuple[int, PostView], list[LogEntry]]:
            row = read_post(conn, event, post_id)
            try:
                after = decided(
                    state_of(row), action, by=actor, note=reason, at=utc_now(), seen=seen
                )
            except InvalidTransition as exc:
                view = view_of(row)
                raise Conflict.of(exc, view, by=view.decided_by) from None
            view, entries = self._apply(
                conn, row, after, actor=actor, action=action.value, reason=reason
            )
            return (entries[-1].seq, view), entries

        return await self._run(work)

    async def withdraw(self, event: str, network: str, network_id: str) -> PostView | None:
        """Its author deleted a post on the network: take it off the queue and the screens
        (``moderation.state.withdrawn``), in one log entry like any decision."""

        def work(conn: Conn) -> tuple[PostView | None, list[LogEntry]]:
            row = conn.execute(
                f"SELECT {POST_COLUMNS} FROM posts"
                " WHERE event = ? AND network = ? AND network_id = ?",
                (event, network, network_id),
            ).fetchone()
            if row is None:
                return None, []
            current = Status(row[2])
            outcome = withdrawn(current, network, at=utc_now())
            if outcome is None:
                return None, []
            # Read and written in one logging transaction: the status cannot move between.
            return self._apply_outcome(conn, event, int(row[0]), outcome)

        return await self._run(work)
