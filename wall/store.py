"""The store: posts, the append-only event log, users and events, in one SQLite file.

One writer thread owns the only writing connection, so every state change and its log entry
commit together, in order, and ``seq`` grows by one per change. Readers use their own
connections (WAL mode lets them read while the writer writes). After each commit the new
log entries are handed to ``on_commit`` on the event loop, in commit order: the bus only
ever carries what is committed.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

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
from moderation.flags import Flags, InvalidChange, Reply
from wall import accounts
from wall.accounts import User
from wall.changes import PostState, encode_state, message_types
from wall.datadir import make_private, private_file
from wall.migrations import MIGRATIONS
from wall.screen_view import Logged, encode_for_screens, encode_screen, screen_replay
from wall.settings import DisplaySettings
from wall.sql import Conn
from wall.views import (
    MODERATE,
    WALL,
    DisplayChanged,
    EventChanged,
    EventInfo,
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

T = TypeVar("T")

WALL_SNAPSHOT_SIZE = 60
DECIDED_SNAPSHOT_SIZE = 100
REPLAY_LIMIT = 1000


class StoreError(Exception):
    """Base of the store's errors."""


class NotFound(StoreError):
    pass


class Conflict(StoreError):
    """The post is not in a state that allows the action; ``post`` is its current state.

    ``by`` is who brought it there, when the store knows.
    """

    def __init__(
        self,
        message: str,
        post: PostView,
        *,
        by: str | None = None,
        code: str = "conflict",
        params: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.post = post
        self.by = by
        # Names the refusal for pages that word it (``error.<code>``; see ApiError).
        self.code = code
        self.params = params or {}

    @classmethod
    def of(
        cls, exc: InvalidChange | InvalidTransition, post: PostView, *, by: str | None
    ) -> Conflict:
        """A refusal of the pure core, with the post's current state."""
        return cls(str(exc), post, by=by, code=exc.code, params=exc.params)


class SchemaTooNew(StoreError):
    pass


class StoreUnavailable(StoreError):
    """PostgreSQL did not answer (down, restarting, unreachable): try again shortly."""


def _where(url: str) -> str:
    """Host, port and database of a URL, for a message (a URL holds no password here)."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return f"{parts.hostname or 'localhost'}:{parts.port or 5432}{parts.path}"


_post_decoder = msgspec.json.Decoder(Post)
_post_encoder = msgspec.json.Encoder()


_display_decoder = msgspec.json.Decoder(DisplaySettings)
_display_encoder = msgspec.json.Encoder()


def _read_display(conn: Conn, event: str) -> DisplaySettings | None:
    row = conn.execute("SELECT data FROM event_display WHERE event = ?", (event,)).fetchone()
    return _display_decoder.decode(row[0]) if row else None


def _now() -> datetime:
    return datetime.now(UTC)


_DONE = {
    Action.APPROVE: "approved",
    Action.REJECT: "rejected",
    Action.REMOVE: "removed",
    Action.RESTORE: "restored",
}


def _connect(path: Path) -> sqlite3.Connection:
    private_file(path)  # SQLite makes the -wal and -shm files with the database's mode
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA busy_timeout=30000")
    # Deleted content is overwritten, not left in free pages: an erasure (wall.privacy)
    # must not leave a person's words in the file.
    conn.execute("PRAGMA secure_delete=ON")
    return conn


_POST_COLUMNS = (
    "id, event, status, data, reason, rule, decided_by, decided_at, received_at, updated_seq,"
    " pinned, media_hidden, reply, why"
)
_reply_decoder = msgspec.json.Decoder(Reply)
_reply_encoder = msgspec.json.Encoder()
_why_decoder = msgspec.json.Decoder(Why)


def _why(raw: str | None) -> Why | None:
    return _why_decoder.decode(raw) if raw else None


def encode_why(why: Why | None) -> str | None:
    return _reply_encoder.encode(why).decode() if why is not None else None


def _flags(row: Sequence[Any]) -> Flags:
    reply = row[12]
    return Flags(
        pinned=bool(row[10]),
        media_hidden=bool(row[11]),
        reply=_reply_decoder.decode(reply) if reply else None,
    )


def _state(row: Sequence[Any]) -> PostState:
    return PostState(
        status=Status(row[2]),
        reason=row[4],
        rule=row[5],
        decided_by=row[6],
        decided_at=datetime.fromisoformat(row[7]) if row[7] else None,
        flags=_flags(row),
        why=_why(row[13]),
    )


def _view(row: Sequence[Any]) -> PostView:
    id_, event, status, data, reason, rule, decided_by, decided_at, received_at = row[:9]
    flags = _flags(row)
    post = _post_decoder.decode(data)
    return PostView(
        id=id_,
        event=event,
        status=Status(status),
        network=post.network,
        network_id=post.network_id,
        url=post.url,
        author=post.author,
        text=post.text,
        html=post.html,
        media=post.media,
        language=post.language,
        content_warning=post.content_warning,
        sensitive=post.sensitive,
        hashtags=post.hashtags,
        emoji=post.emoji,
        created_at=post.created_at,
        undated=post.undated,
        received_at=datetime.fromisoformat(received_at),
        reason=reason,
        rule=rule,
        decided_by=decided_by,
        decided_at=datetime.fromisoformat(decided_at) if decided_at else None,
        pinned=flags.pinned,
        media_hidden=flags.media_hidden,
        reply=flags.reply,
        why=_why(row[13]),
        boosted_by=post.boosted_by,
        poll=post.poll,
        quote=post.quote,
        link=post.link,
    )


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


def _message(kind: str, view: PostView, actor: str | None) -> Callable[[int], Message]:
    """The message of type ``kind`` about ``view``, for ``Store._append``."""
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
            _view,
            conn.execute(
                f"SELECT {_POST_COLUMNS} FROM posts WHERE event = ? AND status = ?"
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


class Store:
    """The store, on SQLite (``path``) or PostgreSQL (``url``, see ``wall.pg``).

    Create it, ``await open()``, use it, ``await close()``.
    """

    def __init__(
        self,
        path: Path,
        *,
        on_commit: Callable[[list[LogEntry]], None] | None = None,
        url: str = "",
    ) -> None:
        self.path = path
        # PostgreSQL's URL; empty: the SQLite file at ``path``.
        self.url = url
        self._on_commit = on_commit
        self._writer = ThreadPoolExecutor(1, thread_name_prefix="murmur-store-writer")
        self._readers = ThreadPoolExecutor(2, thread_name_prefix="murmur-store-reader")
        self._local = threading.local()
        self._reader_conns: list[Conn] = []
        self._conn: Conn | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._seq = 0
        self._committed = 0

    # -- lifecycle -----------------------------------------------------------------------

    async def open(self) -> None:
        self._loop = asyncio.get_running_loop()
        make_private(self.path.parent)  # the data folder: 0700, files 0600
        await self._write(self._open_writer)

    def _connect(self) -> Conn:
        if self.url:
            from wall import pg  # psycopg is imported only by those who use PostgreSQL

            return pg.connect(self.url)
        return _connect(self.path)

    def _open_writer(self) -> None:
        if self.url:
            self._open_postgres()
            return
        conn = _connect(self.path)
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > len(MIGRATIONS):
            conn.close()
            raise SchemaTooNew(
                f"{self.path} was written by a newer Murmur (schema {version}, this one knows "
                f"{len(MIGRATIONS)}); upgrade Murmur or use another --data folder."
            )
        for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
            conn.executescript(
                f"BEGIN IMMEDIATE;\n{script}\nPRAGMA user_version={number};\nCOMMIT;"
            )
        self._seq = conn.execute("SELECT COALESCE(MAX(seq), 0) FROM log").fetchone()[0]
        self._committed = self._seq
        self._conn = conn

    def _open_postgres(self) -> None:
        import psycopg

        from wall import pg

        try:
            conn = pg.connect(self.url)
        except psycopg.OperationalError as exc:
            raise StoreUnavailable(f"PostgreSQL at {_where(self.url)}: {exc}".strip()) from exc
        try:
            pg.migrate(conn)
        except pg.SchemaTooNewError as exc:
            conn.close()
            raise SchemaTooNew(str(exc)) from None
        except BaseException:
            conn.close()
            raise
        self._seq = conn.execute("SELECT COALESCE(MAX(seq), 0) FROM log").fetchone()[0]
        self._committed = self._seq
        self._conn = conn

    async def close(self) -> None:
        def close_writer() -> None:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

        await self._write(close_writer)
        self._writer.shutdown(wait=True)
        self._readers.shutdown(wait=True)
        for conn in self._reader_conns:
            conn.close()
        self._reader_conns.clear()

    async def _write(self, fn: Callable[[], T]) -> T:
        run = self._unavailable(fn) if self.url else fn
        return await asyncio.get_running_loop().run_in_executor(self._writer, run)

    async def _read(self, fn: Callable[[Conn], T]) -> T:
        def reader() -> Conn:
            conn: Conn | None = getattr(self._local, "conn", None)
            if conn is None:
                conn = self._connect()
                self._local.conn = conn
                self._reader_conns.append(conn)
            return conn

        def run() -> T:
            return fn(reader())

        def run_again() -> T:
            # A read is safe to try twice: the first may have met a connection PostgreSQL
            # dropped (a restart, a failover) that only fails when used.
            import psycopg

            from wall import pg

            try:
                return run()
            except psycopg.OperationalError:
                conn = reader()
                assert isinstance(conn, pg.PgConn)
                conn.ensure()
                return run()

        work = self._unavailable(run_again) if self.url else run
        return await asyncio.get_running_loop().run_in_executor(self._readers, work)

    def _unavailable(self, fn: Callable[[], T]) -> Callable[[], T]:
        """``fn``, its PostgreSQL connection errors raised as ``StoreUnavailable``."""
        import psycopg

        def run() -> T:
            try:
                return fn()
            except psycopg.OperationalError as exc:
                raise StoreUnavailable(
                    f"PostgreSQL at {_where(self.url)} did not answer: {exc}".strip()
                ) from exc

        return run

    def _commit(self, entries: list[LogEntry]) -> None:
        if entries and self._on_commit is not None and self._loop is not None:
            self._loop.call_soon_threadsafe(self._on_commit, entries)

    @property
    def committed(self) -> int:
        """The seq of the last change this process committed: when it moves, what anyone
        may see may have changed (``wall.web.pages`` forgets which pictures are public)."""
        return self._committed

    @property
    def writer(self) -> Conn:
        if self._conn is None:
            raise StoreError("the store is not open")
        ensure = getattr(self._conn, "ensure", None)  # PostgreSQL: open again if dropped
        if ensure is not None:
            ensure()
        return self._conn

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
                _now().isoformat(),
                action,
                reason,
                prior,
                batch,
                encode_why(why),
            ),
        )
        self._seq = seq
        return LogEntry(seq=seq, event=event, audience=audience, text=text, screen=screen)

    def _transaction(self, work: Callable[[Conn], T]) -> T:
        conn = self.writer
        seq_before = self._seq
        conn.execute("BEGIN IMMEDIATE")
        try:
            if self.url:  # other processes write too: the head as of the write lock
                seq_before = self._seq = int(
                    conn.execute("SELECT COALESCE(MAX(seq), 0) FROM log").fetchone()[0]
                )
            result = work(conn)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            self._seq = seq_before
            raise
        return result

    async def _run(self, work: Callable[[Conn], tuple[T, list[LogEntry]]]) -> T:
        """Run ``work`` in one write transaction, then publish the entries it logged."""

        def run() -> T:
            result, entries = self._transaction(work)
            self._committed = self._seq
            self._commit(entries)
            return result

        return await self._write(run)

    def _read_post(self, conn: Conn, event: str, post_id: int) -> Sequence[Any]:
        row = conn.execute(
            f"SELECT {_POST_COLUMNS} FROM posts WHERE id = ? AND event = ?", (post_id, event)
        ).fetchone()
        if row is None:
            raise NotFound(f"no post {post_id} in event {event}")
        return tuple(row)

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
        before = _state(row)
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
                _reply_encoder.encode(flags.reply).decode() if flags.reply else None,
                encode_why(after.why),
                self._seq + len(types),
                post_id,
                read_seq,
            ),
        )
        if cur.rowcount != 1:  # cannot happen with one writer; kept as the invariant
            raise StoreError("post changed during the update")
        view = _view(
            conn.execute(f"SELECT {_POST_COLUMNS} FROM posts WHERE id = ?", (post_id,)).fetchone()
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
                    _message(kind, view, actor),
                    action=action if last else None,
                    reason=(reason or None) if last else None,
                    prior=encode_state(before) if last and undoable else None,
                    batch=batch,
                    why=why if last else None,
                )
            )
        return view, entries

    # -- events --------------------------------------------------------------------------

    async def save_event(self, slug: str, title: str, settings_json: str) -> None:
        def work(conn: Conn) -> None:
            conn.execute(
                "INSERT INTO events (slug, title, settings, updated_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (slug) DO UPDATE SET title=excluded.title,"
                " settings=excluded.settings, updated_at=excluded.updated_at",
                (slug, title, settings_json, _now().isoformat()),
            )

        await self._write(lambda: self._transaction(work))

    # -- posts ---------------------------------------------------------------------------

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
            now = _now().isoformat()
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
                    _post_encoder.encode(post).decode(),
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
                f"SELECT {_POST_COLUMNS} FROM posts WHERE id = ?", (post_id,)
            ).fetchone()
            view = _view(row)
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
            f"SELECT {_POST_COLUMNS} FROM posts WHERE event = ? AND network = ? AND network_id = ?",
            (event, post.network, post.network_id),
        ).fetchone()
        if row is None or not _edited(_post_decoder.decode(row[3]), post):
            return None, []
        data = _post_encoder.encode(post).decode()
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
                None if new is Status.PENDING else _now().isoformat(),
                self._seq + len(types),
                encode_why(why),
                post_id,
            ),
        )
        view = _view(
            conn.execute(f"SELECT {_POST_COLUMNS} FROM posts WHERE id = ?", (post_id,)).fetchone()
        )
        entries = [
            self._append(
                conn,
                event,
                kind,
                post_id,
                WALL if kind in {"post.removed"} or new is Status.APPROVED else MODERATE,
                None,
                _message(kind, view, None),
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
            row = self._read_post(conn, event, post_id)
            before = _state(row)
            try:
                new = transition(before.status, action)
            except InvalidTransition as exc:
                view = _view(row)
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
                decided_at=_now(),
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
                f"SELECT {_POST_COLUMNS} FROM posts"
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
                    _now().isoformat(),
                    self._seq + 1,
                    encode_why(why),
                    post_id,
                    current.value,
                ),
            )
            view = _view(
                conn.execute(
                    f"SELECT {_POST_COLUMNS} FROM posts WHERE id = ?", (post_id,)
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

    async def recent_network_ids(self, event: str, network: str, limit: int) -> list[str]:
        """The network ids of an event's latest posts from ``network``, newest first."""

        def read(conn: Conn) -> list[str]:
            rows = conn.execute(
                "SELECT network_id FROM posts WHERE event = ? AND network = ?"
                " ORDER BY id DESC LIMIT ?",
                (event, network, limit),
            ).fetchall()
            return [str(r[0]) for r in rows]

        return await self._read(read)

    async def posts_by_id_prefix(
        self, event: str, network: str, prefix: str, *, limit: int
    ) -> list[PostView]:
        """An event's posts from ``network`` whose network id starts with ``prefix``, newest
        first (an attendee's device signs its posts' ids so: see wall.web.attendee)."""

        def read(conn: Conn) -> list[PostView]:
            # A range on the (event, network, network_id) index, not a LIKE scan.
            rows = conn.execute(
                f"SELECT {_POST_COLUMNS} FROM posts WHERE event = ? AND network = ?"
                " AND network_id >= ? AND network_id < ? ORDER BY id DESC LIMIT ?",
                (event, network, prefix, prefix + "\U0010ffff", limit),
            ).fetchall()
            return [_view(r) for r in rows]

        return await self._read(read)

    async def get_post(self, event: str, post_id: int) -> PostView | None:
        def read(conn: Conn) -> PostView | None:
            row = conn.execute(
                f"SELECT {_POST_COLUMNS} FROM posts WHERE id = ? AND event = ?", (post_id, event)
            ).fetchone()
            return _view(row) if row else None

        return await self._read(read)

    async def posts(
        self, event: str, status: Status, *, limit: int = 100
    ) -> tuple[int, list[PostView]]:
        """Posts with ``status`` (pending oldest first, others newest first) and the seq."""
        order = "ASC" if status is Status.PENDING else "DESC"

        def read(conn: Conn) -> tuple[int, list[PostView]]:
            conn.execute("BEGIN")
            try:
                seq = conn.execute("SELECT COALESCE(MAX(seq), 0) FROM log").fetchone()[0]
                rows = conn.execute(
                    f"SELECT {_POST_COLUMNS} FROM posts WHERE event = ? AND status = ?"
                    f" ORDER BY updated_seq {order}, id {order} LIMIT ?",
                    (event, status.value, limit),
                ).fetchall()
            finally:
                conn.execute("COMMIT")
            return seq, [_view(r) for r in rows]

        return await self._read(read)

    async def snapshot(
        self, event: str, audience: str
    ) -> tuple[int, list[PostView], DisplaySettings | None]:
        """The state a new subscriber starts from, consistent with the returned seq.

        The display is ``None`` when no organiser has changed it (the config's applies).
        """

        def read(conn: Conn) -> tuple[int, list[PostView], DisplaySettings | None]:
            conn.execute("BEGIN")
            try:
                seq = conn.execute("SELECT COALESCE(MAX(seq), 0) FROM log").fetchone()[0]
                display = _read_display(conn, event)
                q = f"SELECT {_POST_COLUMNS} FROM posts WHERE event = ? AND status = ?"
                # Pinned posts first: they stay on the screens whatever comes after.
                approved = conn.execute(
                    q + " ORDER BY pinned DESC, updated_seq DESC LIMIT ?",
                    (
                        event,
                        Status.APPROVED.value,
                        WALL_SNAPSHOT_SIZE if audience == WALL else DECIDED_SNAPSHOT_SIZE,
                    ),
                ).fetchall()
                if audience == WALL:
                    rows = approved
                else:
                    pending = conn.execute(
                        q + " ORDER BY updated_seq ASC", (event, Status.PENDING.value)
                    ).fetchall()
                    decided = conn.execute(
                        f"SELECT {_POST_COLUMNS} FROM posts WHERE event = ? AND status != ?"
                        " ORDER BY (status = 'approved' AND pinned = 1) DESC, updated_seq DESC"
                        " LIMIT ?",
                        (event, Status.PENDING.value, DECIDED_SNAPSHOT_SIZE),
                    ).fetchall()
                    rows = pending + decided
            finally:
                conn.execute("COMMIT")
            return seq, [_view(r) for r in rows], display

        return await self._read(read)

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

    # -- display ---------------------------------------------------------------------------

    async def get_display(self, event: str) -> DisplaySettings | None:
        return await self._read(lambda conn: _read_display(conn, event))

    async def set_display(self, event: str, display: DisplaySettings, *, actor: str) -> int:
        """Save what the screens show and log it for them, in one transaction."""

        def work(conn: Conn) -> tuple[int, list[LogEntry]]:
            conn.execute(
                "INSERT INTO event_display (event, data, updated_by, updated_at)"
                " VALUES (?, ?, ?, ?) ON CONFLICT (event) DO UPDATE SET data = excluded.data,"
                " updated_by = excluded.updated_by, updated_at = excluded.updated_at",
                (event, _display_encoder.encode(display).decode(), actor, _now().isoformat()),
            )
            entry = self._append(
                conn,
                event,
                "display",
                None,
                WALL,
                actor,
                lambda s: DisplayChanged(seq=s, display=display),
            )
            return entry.seq, [entry]

        return await self._run(work)

    # -- live event settings -----------------------------------------------------------------

    async def get_overrides(self, event: str) -> dict[str, Any] | None:
        def read(conn: Conn) -> dict[str, Any] | None:
            row = conn.execute(
                "SELECT data FROM event_overrides WHERE event = ?", (event,)
            ).fetchone()
            return dict(msgspec.json.decode(row[0])) if row else None

        return await self._read(read)

    async def set_overrides(
        self, event: str, data: dict[str, Any], info: EventInfo, *, actor: str
    ) -> int:
        """Save an organiser's live change to an event's settings, logged for every page."""

        def work(conn: Conn) -> tuple[int, list[LogEntry]]:
            conn.execute(
                "INSERT INTO event_overrides (event, data, updated_by, updated_at)"
                " VALUES (?, ?, ?, ?) ON CONFLICT (event) DO UPDATE SET data = excluded.data,"
                " updated_by = excluded.updated_by, updated_at = excluded.updated_at",
                (event, msgspec.json.encode(data).decode(), actor, _now().isoformat()),
            )
            entry = self._append(
                conn,
                event,
                "event",
                None,
                WALL,
                actor,
                lambda s: EventChanged(seq=s, event=info),
            )
            return entry.seq, [entry]

        return await self._run(work)

    async def drop_live_settings(
        self, event: str, info: EventInfo, display: DisplaySettings, *, actor: str
    ) -> int:
        """Forget an event's live changes (settings and display), logged for every page."""

        def work(conn: Conn) -> tuple[int, list[LogEntry]]:
            for table in ("event_overrides", "event_display"):
                conn.execute(f"DELETE FROM {table} WHERE event = ?", (event,))
            changed = self._append(
                conn, event, "event", None, WALL, actor, lambda s: EventChanged(seq=s, event=info)
            )
            shown = self._append(
                conn,
                event,
                "display",
                None,
                WALL,
                actor,
                lambda s: DisplayChanged(seq=s, display=display),
            )
            return shown.seq, [changed, shown]

        return await self._run(work)

    # -- source cursors ------------------------------------------------------------------

    async def get_cursor(self, event: str, source: str) -> str | None:
        def read(conn: Conn) -> str | None:
            row = conn.execute(
                "SELECT cursor FROM source_state WHERE event = ? AND source = ?", (event, source)
            ).fetchone()
            return str(row[0]) if row else None

        return await self._read(read)

    async def set_cursor(self, event: str, source: str, cursor: str) -> None:
        def work(conn: Conn) -> None:
            conn.execute(
                "INSERT INTO source_state (event, source, cursor, updated_at) VALUES (?,?,?,?)"
                " ON CONFLICT (event, source) DO UPDATE SET cursor = excluded.cursor,"
                " updated_at = excluded.updated_at",
                (event, source, cursor, _now().isoformat()),
            )

        await self._write(lambda: self._transaction(work))

    # -- users (the SQL, and sessions, live in wall.accounts) -----------------------------

    async def add_user(self, username: str, password_hash: str, role: str) -> bool:
        """Create a user, or set an existing one's password and role (ending their sessions);
        True if created."""
        return await self.transact(
            lambda conn: accounts.upsert_user(conn, username, password_hash, role)
        )

    async def get_user(self, username: str) -> User | None:
        return await self.query(lambda conn: accounts.get_user(conn, username))

    # -- for wall.accounts: one transaction, or one read, on the store's threads ----------

    async def picture_shown(self, stem: str) -> bool:
        """Whether a shown post uses the picture ``/media/{stem}[...].webp``: as one of its
        pictures (unless a moderator hid them), its author's avatar or a custom emoji.

        False for a picture only waiting, rejected or removed posts use, or no post at all
        (an announcement's is public while a display uses it: ``wall.web.pages``).
        """
        if not re.fullmatch(r"[0-9a-f]{32}", stem):
            return False
        needle = f"/media/{stem}"

        def read(conn: Conn) -> bool:
            rows = conn.execute(
                "SELECT data, media_hidden FROM posts WHERE status = ? AND instr(data, ?) > 0",
                (Status.APPROVED.value, needle),
            ).fetchall()
            for data, media_hidden in rows:
                post = _post_decoder.decode(data)
                in_media = any(needle in m.url for m in post.media) or (
                    post.link is not None
                    and post.link.image is not None
                    and needle in post.link.image.url
                )
                elsewhere = needle in (post.author.avatar_url or "") or any(
                    needle in e.url for e in post.emoji
                )
                if elsewhere or (in_media and not media_hidden):
                    return True
            return False

        return await self._read(read)

    async def checkpoint(self) -> bool:
        """Copy the write-ahead log into the database file and empty it; whether it could
        (readers in the middle of a read hold it back: the caller may try again)."""

        def run() -> bool:
            if self.url:
                return True  # PostgreSQL keeps its own write-ahead log
            busy, _, _ = self.writer.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            return not busy

        return await self._write(run)

    async def transact(self, fn: Callable[[Conn], T]) -> T:
        """Run ``fn`` in one write transaction that logs nothing."""
        return await self._write(lambda: self._transaction(fn))

    async def query(self, fn: Callable[[Conn], T]) -> T:
        """Run ``fn`` on a reader connection."""
        return await self._read(fn)
