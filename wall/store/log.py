"""The append-only event log: writing an entry, and reading it back for a client that
resumes (``log_since``), screens getting their own replay (``wall.screen_view``)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from moderation import Status, Why
from wall.screen_view import Logged, encode_for_screens, encode_screen, screen_replay
from wall.sql import Conn
from wall.store.engine import Engine
from wall.store.rows import POST_COLUMNS, encode_why, utc_now, view_of
from wall.views import (
    MODERATE,
    WALL,
    LogEntry,
    Message,
    PostApproved,
    PostQueued,
    PostRejected,
    PostRemoved,
    PostUpdated,
    PostView,
    encode,
)

# A client further behind than this gets a fresh snapshot instead of a replay.
REPLAY_LIMIT = 1000


def message_of(kind: str, view: PostView, actor: str | None) -> Callable[[int], Message]:
    """The message of type ``kind`` about ``view``, for ``Log._append``."""
    if kind == "post.removed":
        return lambda seq: PostRemoved(seq=seq, id=view.id, by=actor)
    if kind == "post.approved":
        return lambda seq: PostApproved(seq=seq, post=view)
    if kind == "post.queued":
        return lambda seq: PostQueued(seq=seq, post=view)
    if kind == "post.rejected":
        return lambda seq: PostRejected(seq=seq, post=view)
    return lambda seq: PostUpdated(seq=seq, post=view)


def _screen_replay(conn: Conn, event: str, rows: Sequence[Sequence[Any]]) -> list[LogEntry]:
    """A screen's replay of ``rows`` (see ``wall.screen_view.screen_replay``), built
    from the current state of the posts they name, read in the same transaction."""
    logged = [Logged(seq=r[0], kind=r[5], post_id=r[4], text=r[3]) for r in rows]
    # A spotlight's entry names its post too: post_id is set on every post's entry.
    ids = sorted({e.post_id for e in logged if e.post_id is not None})
    shown = {
        view.id: view
        for view in map(
            view_of,
            conn.execute(
                f"SELECT {POST_COLUMNS} FROM posts WHERE event = ? AND status = ?"
                f" AND id IN ({','.join('?' * len(ids)) or 'NULL'})",
                (event, Status.APPROVED.value, *ids),
            ),
        )
    }
    by_seq = {r[0]: r for r in rows}
    return [
        LogEntry(
            seq=seq,
            event=event,
            audience=WALL,
            text=by_seq[seq][3],
            screen=encode_screen(message),
        )
        for seq, message in screen_replay(logged, shown)
    ]


class Log(Engine):
    """The store's event log."""

    def _append(
        self,
        conn: Conn,
        event: str,
        kind: str,
        post_id: int | None,
        audience: str,
        actor: str | None,
        build: Callable[[int], Message],
        *,
        action: str | None = None,
        reason: str | None = None,
        prior: str | None = None,
        batch: int | None = None,
        why: Why | None = None,
    ) -> LogEntry:
        """Log one message. ``action`` (a moderator's), ``reason``, ``prior`` (the post's
        state before, for undo) and ``batch`` (one action over several posts) are for the
        audit and for undo; clients never see them."""
        seq = self._seq + 1
        message = build(seq)
        text = encode(message)
        # Screens get their own view, encoded once here (wall.screen_view); None: nothing.
        screen = encode_for_screens(message) if audience == WALL else None
        conn.execute(
            "INSERT INTO log (seq, event, type, post_id, audience, actor, message, created_at,"
            " action, reason, prior, batch, why) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                seq,
                event,
                kind,
                post_id,
                audience,
                actor,
                text,
                utc_now().isoformat(),
                action,
                reason,
                prior,
                batch,
                encode_why(why),
            ),
        )
        self._seq = seq
        return LogEntry(seq=seq, event=event, audience=audience, text=text, screen=screen)

    async def log_since(self, event: str, since: int, audience: str) -> list[LogEntry] | None:
        """Entries after ``since`` for a subscriber, or ``None`` when a snapshot is needed."""

        def read(conn: Conn) -> list[LogEntry] | None:
            head = conn.execute("SELECT COALESCE(MAX(seq), 0) FROM log").fetchone()[0]
            if since > head or since < 0:
                return None
            audiences = (WALL,) if audience == WALL else (WALL, MODERATE)
            marks = ",".join("?" * len(audiences))
            rows = conn.execute(
                f"SELECT seq, event, audience, message, post_id, type FROM log WHERE event = ?"
                f" AND seq > ? AND audience IN ({marks}) ORDER BY seq LIMIT ?",
                (event, since, *audiences, REPLAY_LIMIT + 1),
            ).fetchall()
            if len(rows) > REPLAY_LIMIT:
                return None
            if audience == WALL:
                return _screen_replay(conn, event, rows)
            return [LogEntry(seq=r[0], event=r[1], audience=r[2], text=r[3]) for r in rows]

        def consistent(conn: Conn) -> list[LogEntry] | None:
            conn.execute("BEGIN")  # the log and the posts' state as of one moment
            try:
                return read(conn)
            finally:
                conn.execute("COMMIT")

        return await self._read(consistent)

    async def head(self) -> int:
        return await self._read(
            lambda conn: int(conn.execute("SELECT COALESCE(MAX(seq), 0) FROM log").fetchone()[0])
        )
