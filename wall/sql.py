"""What the store's SQL runs on: a DB-API connection, SQLite's or PostgreSQL's.

The store and its modules write one SQL, the portable subset of SQLite's dialect (``?``
parameters, no SQLite-only functions but ``instr``), and run it through ``Conn``: an
``sqlite3.Connection`` as it is, or ``wall.pg.PgConn`` over psycopg, which rewrites the
few differences. ``Conn`` is all the store's modules may assume of a connection.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from typing import Any, Protocol


class Cursor(Protocol):
    @property
    def rowcount(self) -> int: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...

    def __iter__(self) -> Iterator[Any]: ...


class Conn(Protocol):
    def execute(self, sql: str, parameters: Sequence[Any] = ..., /) -> Cursor: ...

    def executemany(self, sql: str, parameters: Sequence[Sequence[Any]], /) -> Cursor: ...

    def close(self) -> None: ...


def is_postgres(conn: Conn) -> bool:
    return not isinstance(conn, sqlite3.Connection)
