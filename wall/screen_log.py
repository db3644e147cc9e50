"""How many screens showed each event, minute by minute, kept for the organiser's figures.

The fleet (``wall.screens``) knows who is connected now and forgets soon after; the hub
samples it every few seconds and keeps, for each minute, the most screens seen online.
"""

from __future__ import annotations

from datetime import UTC, datetime

import msgspec

from wall.sql import Conn
from wall.store.protocol import Database


class ScreensAt(msgspec.Struct, kw_only=True):
    minute: str  # "2026-06-12T09:05" (UTC)
    screens: int


def minute_of(now: datetime | None = None) -> str:
    return (now or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M")


async def record(store: Database, counts: dict[str, int], minute: str) -> None:
    """Keep the largest count seen in ``minute`` for each event with a screen online."""
    rows = [(event, minute, n) for event, n in counts.items() if n > 0]
    if not rows:
        return

    def write(conn: Conn) -> None:
        conn.executemany(
            "INSERT INTO screen_minutes (event, minute, screens) VALUES (?, ?, ?)"
            " ON CONFLICT (event, minute) DO UPDATE"
            " SET screens = CASE WHEN excluded.screens > screen_minutes.screens"
            " THEN excluded.screens ELSE screen_minutes.screens END",
            rows,
        )

    await store.transact(write)


def screens_over_time(conn: Conn, event: str) -> list[ScreensAt]:
    rows = conn.execute(
        "SELECT minute, screens FROM screen_minutes WHERE event = ? ORDER BY minute", (event,)
    )
    return [ScreensAt(minute=str(m), screens=int(n)) for m, n in rows.fetchall()]


__all__ = ["ScreensAt", "minute_of", "record", "screens_over_time"]
