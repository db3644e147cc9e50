"""The store: posts, the append-only event log, users and events, on SQLite or PostgreSQL.

One module per job: ``engine`` (connections, the one writer, readers, transactions,
migrations), ``log`` (the event log and replays), ``posts`` (changes of posts), ``queries``
(reading posts), ``state`` (an event's settings, display, cursors, users), ``rows`` (how a
post is stored) and ``errors``. ``Store`` is made of them; ``wall.desk_store.DeskStore``
adds the desk's changes, ``blocks`` (author blocks) and ``audit``. ``protocol`` says what
the rest of Murmur may use of a store.
"""

from __future__ import annotations

from wall.store.engine import Engine
from wall.store.errors import Conflict, NotFound, SchemaTooNew, StoreError, StoreUnavailable
from wall.store.log import REPLAY_LIMIT, Log
from wall.store.posts import Posts
from wall.store.queries import DECIDED_SNAPSHOT_SIZE, WALL_SNAPSHOT_SIZE, Queries
from wall.store.rows import encode_why
from wall.store.state import EventState


class Store(Posts, Queries, EventState):
    """The store, on SQLite (``path``) or PostgreSQL (``url``, see ``wall.pg``).

    Create it, ``await open()``, use it, ``await close()``.
    """


__all__ = [
    "DECIDED_SNAPSHOT_SIZE",
    "REPLAY_LIMIT",
    "WALL_SNAPSHOT_SIZE",
    "Conflict",
    "Engine",
    "EventState",
    "Log",
    "NotFound",
    "Posts",
    "Queries",
    "SchemaTooNew",
    "Store",
    "StoreError",
    "StoreUnavailable",
    "encode_why",
]
