"""``murmur store migrate --to postgresql://…``: an SQLite event store copied to PostgreSQL.

The SQLite file is first brought to this Murmur's schema, then held with a write lock for
the whole copy (a Murmur still serving it waits, or the copy is refused: nothing changes
under it). PostgreSQL must be empty: the copy never merges into a store in use. Every
table goes over in one transaction, rows keeping their ids and seqs; the ids PostgreSQL
hands out next are moved past them. Then the check: each table's rows, read back from
PostgreSQL in key order, must hash the same as the SQLite file's.
"""

from __future__ import annotations

import asyncio
import hashlib
import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgspec

from wall import pg
from wall.store import Store, StoreError

# In the order foreign keys allow, each with the columns that order its rows.
TABLES: tuple[tuple[str, str], ...] = (
    ("events", "slug"),
    ("users", "username"),
    ("posts", "id"),
    ("log", "seq"),
    ("source_state", "event, source"),
    ("event_display", "event"),
    ("event_overrides", "event"),
    ("author_rules", "id"),
    ("sessions", "id_hash"),
    ("live_events", "slug"),
    ("archived_events", "slug"),
    ("invites", "id"),
    ("screen_minutes", "event, minute"),
    ("reply_outbox", "id"),
)
BATCH = 1000


class CopyError(StoreError):
    pass


@dataclass(frozen=True)
class Copied:
    table: str
    rows: int
    digest: str


def _digest(rows: Iterable[Any]) -> tuple[int, str]:
    """The rows' count and a digest that does not depend on their order (each engine
    sorts text by its own collation): the sum of the rows' SHA-256, modulo 2**256."""
    total, count = 0, 0
    for row in rows:
        total += int.from_bytes(hashlib.sha256(msgspec.json.encode(list(row))).digest())
        count += 1
    return count, f"{total % 2**256:064x}"


def _columns(source: sqlite3.Connection, table: str) -> list[str]:
    return [row[1] for row in source.execute(f"PRAGMA table_info({table})")]


async def _up_to_date(path: Path) -> None:
    store = Store(path)  # an older file is brought to this Murmur's schema
    await store.open()
    await store.close()


def copy_to_postgres(
    path: Path, url: str, *, progress: Callable[[str], None] = lambda _: None
) -> list[Copied]:
    """Copy the SQLite store at ``path`` into the empty PostgreSQL at ``url``; the check's
    figures per table. Raises CopyError when PostgreSQL is not empty or the check fails."""
    if not path.is_file():
        raise CopyError(f"there is no Murmur database at {path}: check --data")
    asyncio.run(_up_to_date(path))
    source = sqlite3.connect(path, isolation_level=None, timeout=5)
    try:
        try:
            source.execute("BEGIN IMMEDIATE")  # nobody writes while it is copied
        except sqlite3.OperationalError:
            raise CopyError(
                f"{path} is being written (is Murmur still serving it?): stop it, then copy"
            ) from None
        target = pg.connect(url)
        try:
            pg.migrate(target)
            _refuse_non_empty(target, url)
            _copy(source, target, progress)
            return _check(source, target, progress)
        finally:
            target.close()
    finally:
        source.close()


def _refuse_non_empty(target: pg.PgConn, url: str) -> None:
    for table, _ in TABLES:
        if target.execute(f"SELECT 1 FROM {table} LIMIT 1").fetchone() is not None:
            raise CopyError(
                f"the PostgreSQL database at {url} already holds Murmur data ({table} is not"
                " empty): copy into a new, empty database"
            )


def _copy(source: sqlite3.Connection, target: pg.PgConn, progress: Callable[[str], None]) -> None:
    target.execute("BEGIN IMMEDIATE")
    try:
        for table, order in TABLES:
            columns = _columns(source, table)
            total = source.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
            insert = (
                f"INSERT INTO {table} ({', '.join(columns)})"
                f" VALUES ({', '.join('?' * len(columns))})"
            )
            cursor = source.execute(f"SELECT {', '.join(columns)} FROM {table} ORDER BY {order}")
            done = 0
            while batch := cursor.fetchmany(BATCH):
                target.executemany(insert, batch)
                done += len(batch)
                progress(f"{table}: {done:,} of {total:,}")
            if total == 0:
                progress(f"{table}: empty")
        for table in pg.IDENTITY_TABLES:
            target.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                f" COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
            )
        target.execute("COMMIT")
    except BaseException:
        target.execute("ROLLBACK")
        raise


def _check(
    source: sqlite3.Connection, target: pg.PgConn, progress: Callable[[str], None]
) -> list[Copied]:
    copied = []
    for table, _ in TABLES:
        query = f"SELECT {', '.join(_columns(source, table))} FROM {table}"
        rows, digest = _digest(source.execute(query))
        got_rows, got_digest = _digest(target.execute(query))
        if (rows, digest) != (got_rows, got_digest):
            raise CopyError(
                f"the check failed on {table}: {rows:,} rows in SQLite, {got_rows:,} in"
                " PostgreSQL, or rows that differ; PostgreSQL was left as copied, the SQLite"
                " file untouched: empty the PostgreSQL database and copy again"
            )
        progress(f"checked {table}: {rows:,} rows identical")
        copied.append(Copied(table, rows, digest))
    return copied
