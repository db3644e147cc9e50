"""Posts as they change: a new post with the rules' verdict, its author's edit or deletion
on the network, a moderator's decision, and any change of state written with its log
entries (``_apply``, see ``wall.changes``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgspec

from moderation import (
    Action,
    Decision,
    InvalidTransition,
    Post,
    Status,
    Verdict,
    Why,
    transition,
)
from wall.changes import PostState, encode_state, message_types
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
    PostApproved,
    PostQueued,
    PostRejected,
    PostRemoved,
    PostView,
)

_DONE = {
    Action.APPROVE: "approved",
    Action.REJECT: "rejected",
    Action.REMOVE: "removed",
    Action.RESTORE: "restored",
}


def _edited(stored: Post, arriving: Post) -> bool:
    """Whether a post delivered again was edited by its author.

    Only what the author writes counts: a second delivery that differs in what Murmur
    fetched (a picture that failed once, an avatar) is a duplicate, not an edit.
    """
    return (stored.text, stored.content_warning, stored.sensitive) != (
        arriving.text,
        arriving.content_warning,
        arriving.sensitive,
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
            shown = kind in {"post.approved", "post.removed"} or (
                kind == "post.updated" and view.status is Status.APPROVED
            )
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
            status = {
                Decision.APPROVE: Status.APPROVED,
                Decision.HOLD: Status.PENDING,
                Decision.REJECT: Status.REJECTED,
            }[verdict.decision]
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
            if status is Status.APPROVED:
                entry = self._append(
                    conn,
                    event,
                    "post.approved",
                    post_id,
                    WALL,
                    None,
                    lambda seq: PostApproved(seq=seq, post=view),
                    reason=verdict.reason,
                    why=verdict.why,
                )
            elif status is Status.PENDING:
                entry = self._append(
                    conn,
                    event,
                    "post.queued",
                    post_id,
                    MODERATE,
                    None,
                    lambda seq: PostQueued(seq=seq, post=view),
                    reason=verdict.reason,
                    why=verdict.why,
                )
            else:
                entry = self._append(
                    conn,
                    event,
                    "post.rejected",
                    post_id,
                    MODERATE,
                    None,
                    lambda seq: PostRejected(seq=seq, post=view),
                    reason=verdict.reason,
                    why=verdict.why,
                )
            return view, [entry]

        return await self._run(work)

    def _revise(
        self, conn: Conn, event: str, post: Post, verdict: Verdict
    ) -> tuple[PostView | None, list[LogEntry]]:
        """Its author edited a stored post: keep the new content, and decide again.

        A pending post stays pending (or is rejected if the edit breaks a rule). An approved
        post stays on the screens, updated, only if the rules approve the new text (as in
        post-moderation); otherwise it leaves the screens and goes back to the queue (or is
        rejected). A rejected or removed post keeps its status. A delivery whose content
        did not change is a duplicate: nothing happens.
        """
        row = conn.execute(
            f"SELECT {POST_COLUMNS} FROM posts WHERE event = ? AND network = ? AND network_id = ?",
            (event, post.network, post.network_id),
        ).fetchone()
        if row is None or not _edited(post_decoder.decode(row[3]), post):
            return None, []
        data = encode_post(post)
        post_id, current = row[0], Status(row[2])
        if current in {Status.REJECTED, Status.REMOVED}:
            conn.execute("UPDATE posts SET data = ? WHERE id = ?", (data, post_id))
            return None, []
        if verdict.decision is Decision.REJECT:
            new, types = Status.REJECTED, ["post.rejected"]
        elif current is Status.APPROVED and verdict.decision is Decision.APPROVE:
            new, types = Status.APPROVED, ["post.updated"]
        else:
            new, types = Status.PENDING, ["post.queued"]
        if current is Status.APPROVED and new is not Status.APPROVED:
            types = ["post.removed", *types]
        reason = f"edited by its author: {verdict.reason}"
        then = msgspec.to_builtins(verdict.why) if verdict.why else None
        why = Why(code="edited", params={"then": then} if then else {})
        conn.execute(
            "UPDATE posts SET data = ?, status = ?, reason = ?, rule = ?, decided_by = NULL,"
            " decided_at = ?, updated_seq = ?, why = ? WHERE id = ?",
            (
                data,
                new.value,
                reason,
                verdict.rule,
                None if new is Status.PENDING else utc_now().isoformat(),
                self._seq + len(types),
                encode_why(why),
                post_id,
            ),
        )
        view = view_of(
            conn.execute(f"SELECT {POST_COLUMNS} FROM posts WHERE id = ?", (post_id,)).fetchone()
        )
        entries = [
            self._append(
                conn,
                event,
                kind,
                post_id,
                WALL if kind in {"post.removed"} or new is Status.APPROVED else MODERATE,
                None,
                message_of(kind, view, None),
                reason=reason if index == len(types) - 1 else None,
                why=why if index == len(types) - 1 else None,
            )
            for index, kind in enumerate(types)
        ]
        return view, entries

    async def act(
        self, event: str, post_id: int, action: Action, *, actor: str, reason: str = ""
    ) -> tuple[int, PostView]:
        """Apply a moderator's action, compare-and-set on the post's current status.

        Returns the new ``seq`` and post. Raises NotFound, or Conflict with the post's
        current state when its status does not allow ``action``.
        """

        def work(conn: Conn) -> tuple[tuple[int, PostView], list[LogEntry]]:
            row = read_post(conn, event, post_id)
            before = state_of(row)
            try:
                new = transition(before.status, action)
            except InvalidTransition as exc:
                view = view_of(row)
                raise Conflict.of(exc, view, by=view.decided_by) from None
            why = reason or f"{_DONE[action]} by {actor}"
            after = msgspec.structs.replace(
                before,
                status=new,
                reason=why,
                why=(
                    Why(code="note", params={"text": reason})
                    if reason
                    else Why(code="decided", params={"action": action.value, "by": actor})
                ),
                rule="moderator",
                decided_by=actor,
                decided_at=utc_now(),
            )
            view, entries = self._apply(
                conn, row, after, actor=actor, action=action.value, reason=reason
            )
            return (entries[-1].seq, view), entries

        return await self._run(work)

    async def withdraw(self, event: str, network: str, network_id: str) -> PostView | None:
        """Its author deleted a post on the network: take it off the queue and the screens.

        A pending post is rejected, an approved one removed (one log entry, like any
        decision); a post already rejected or removed, or never seen, is left alone.
        """
        reason = f"deleted by its author on {network}"
        why = Why(code="deleted_on_network", params={"network": network})

        def work(conn: Conn) -> tuple[PostView | None, list[LogEntry]]:
            row = conn.execute(
                f"SELECT {POST_COLUMNS} FROM posts"
                " WHERE event = ? AND network = ? AND network_id = ?",
                (event, network, network_id),
            ).fetchone()
            if row is None:
                return None, []
            current = Status(row[2])
            action = {Status.PENDING: Action.REJECT, Status.APPROVED: Action.REMOVE}.get(current)
            if action is None:
                return None, []
            new = transition(current, action)
            post_id = row[0]
            conn.execute(
                "UPDATE posts SET status = ?, reason = ?, rule = 'network', decided_by = NULL,"
                " decided_at = ?, updated_seq = ?, why = ? WHERE id = ? AND status = ?",
                (
                    new.value,
                    reason,
                    utc_now().isoformat(),
                    self._seq + 1,
                    encode_why(why),
                    post_id,
                    current.value,
                ),
            )
            view = view_of(
                conn.execute(
                    f"SELECT {POST_COLUMNS} FROM posts WHERE id = ?", (post_id,)
                ).fetchone()
            )
            if new is Status.REMOVED:
                entry = self._append(
                    conn,
                    event,
                    "post.removed",
                    post_id,
                    WALL,
                    None,
                    lambda s: PostRemoved(seq=s, id=post_id, by=None),
                    reason=reason,
                    why=why,
                )
            else:
                entry = self._append(
                    conn,
                    event,
                    "post.rejected",
                    post_id,
                    MODERATE,
                    None,
                    lambda s: PostRejected(seq=s, post=view),
                    reason=reason,
                    why=why,
                )
            return view, [entry]

        return await self._run(work)
