"""Events created from the browser, and archived events, in the store (see wall.hub).

The file's events are read at every start; an event an organiser creates on
``/admin`` is kept here, as its whole settings, and read back at start. Archiving is kept
here too: an archived event's sources stay stopped and its screens show a closing slide.
"""

from __future__ import annotations

from datetime import UTC, datetime

from wall.sql import Conn
from wall.store.protocol import Database


async def live_events(store: Database) -> list[tuple[str, str]]:
    """``(slug, settings JSON)`` of every event created from the browser."""

    def read(conn: Conn) -> list[tuple[str, str]]:
        rows = conn.execute("SELECT slug, settings FROM live_events ORDER BY created_at")
        return [(str(slug), str(settings)) for slug, settings in rows.fetchall()]

    return await store.query(read)


async def save_live_event(store: Database, slug: str, settings: str, *, actor: str) -> None:
    def write(conn: Conn) -> None:
        conn.execute(
            "INSERT INTO live_events (slug, settings, created_by, created_at) VALUES (?, ?, ?, ?)",
            (slug, settings, actor, datetime.now(UTC).isoformat()),
        )

    await store.transact(write)


async def archived_events(store: Database) -> set[str]:
    def read(conn: Conn) -> set[str]:
        return {str(r[0]) for r in conn.execute("SELECT slug FROM archived_events")}

    return await store.query(read)


async def set_archived(store: Database, slug: str, archived: bool, *, actor: str) -> None:
    def write(conn: Conn) -> None:
        if archived:
            conn.execute(
                "INSERT INTO archived_events (slug, archived_by, archived_at) VALUES (?, ?, ?)"
                " ON CONFLICT (slug) DO UPDATE SET archived_by = excluded.archived_by,"
                " archived_at = excluded.archived_at",
                (slug, actor, datetime.now(UTC).isoformat()),
            )
        else:
            conn.execute("DELETE FROM archived_events WHERE slug = ?", (slug,))

    await store.transact(write)


__all__ = ["archived_events", "live_events", "save_live_event", "set_archived"]
