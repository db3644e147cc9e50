"""``murmur store migrate --to postgresql://…``: move an event store from SQLite to PostgreSQL.

Run with the server stopped. The SQLite file is left as it was: it is the way back.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

import psycopg

from wall.backup import DATABASE
from wall.settings import StoreSettings
from wall.store_copy import CopyError, copy_to_postgres

Common = Callable[[argparse.ArgumentParser], None]


def add_parsers(sub: argparse._SubParsersAction, common: Common) -> None:  # type: ignore[type-arg]
    store = sub.add_parser("store", help="move the event store to PostgreSQL")
    store_sub = store.add_subparsers(dest="store_command", required=True)
    migrate = store_sub.add_parser(
        "migrate", help="copy the data folder's SQLite store into an empty PostgreSQL database"
    )
    common(migrate)
    migrate.add_argument(
        "--to", required=True, metavar="URL", help="postgresql://user@host/database (empty)"
    )


def _say(message: str) -> None:
    print(f"murmur: {message}", file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    url = StoreSettings(url=args.to).url  # the config's own checks: PostgreSQL, no password
    try:
        copied = copy_to_postgres(args.data / DATABASE, url, progress=lambda s: _say(f"store: {s}"))
    except psycopg.OperationalError as exc:
        raise CopyError(
            f"cannot reach PostgreSQL at {url}: {exc}".strip()
            + " (is it running? the password goes in PGPASSWORD or ~/.pgpass)"
        ) from None
    rows = sum(c.rows for c in copied)
    _say(
        f"copied {rows:,} rows in {len(copied)} tables to PostgreSQL and checked them; the"
        f' SQLite file is unchanged. Set [store] url = "{url}" in the config and start'
        " murmur serve"
    )
    return 0
