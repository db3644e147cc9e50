"""The store's engine: connections, the one writer thread, the readers, transactions, and
opening (with migrations) and closing, on SQLite or PostgreSQL.

One writer thread owns the only writing connection, so every state change and its log entry
commit together, in order, and ``seq`` grows by one per change. Readers use their own
connections (WAL mode lets them read while the writer writes). After each commit the new
log entries are handed to ``on_commit`` on the event loop, in commit order: the bus only
ever carries what is committed.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

from wall.datadir import make_private, private_file
from wall.migrations import MIGRATIONS
from wall.sql import Conn
from wall.store.errors import SchemaTooNew, StoreError, StoreUnavailable
from wall.views import LogEntry

T = TypeVar("T")


def _where(url: str) -> str:
    """Host, port and database of a URL, for a message (a URL holds no password here)."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return f"{parts.hostname or 'localhost'}:{parts.port or 5432}{parts.path}"


def _connect_sqlite(path: Path) -> sqlite3.Connection:
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


class Engine:
    """The store's connections and transactions, on SQLite (``path``) or PostgreSQL
    (``url``, see ``wall.pg``)."""

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
        return _connect_sqlite(self.path)

    def _open_writer(self) -> None:
        if self.url:
            self._open_postgres()
            return
        conn = _connect_sqlite(self.path)
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

    async def checkpoint(self) -> bool:
        """Copy the write-ahead log into the database file and empty it; whether it could
        (readers in the middle of a read hold it back: the caller may try again)."""

        def run() -> bool:
            if self.url:
                return True  # PostgreSQL keeps its own write-ahead log
            busy, _, _ = self.writer.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            return not busy

        return await self._write(run)

    # -- for wall.accounts and the other store modules: one transaction, or one read

    async def transact(self, fn: Callable[[Conn], T]) -> T:
        """Run ``fn`` in one write transaction that logs nothing."""
        return await self._write(lambda: self._transaction(fn))

    async def query(self, fn: Callable[[Conn], T]) -> T:
        """Run ``fn`` on a reader connection."""
        return await self._read(fn)
