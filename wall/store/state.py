"""An event's state beside its posts: its saved settings, what the screens show (display),
an organiser's live changes, the sources' cursors, and the users."""

from __future__ import annotations

from typing import Any

import msgspec

from wall import accounts
from wall.accounts import User
from wall.settings import DisplaySettings
from wall.sql import Conn
from wall.store.log import Log
from wall.store.rows import encode_display, read_display, utc_now
from wall.views import WALL, DisplayChanged, EventChanged, EventInfo, LogEntry


class EventState(Log):
    """An event's settings, display, cursors, and the users."""

    async def save_event(self, slug: str, title: str, settings_json: str) -> None:
        def work(conn: Conn) -> None:
            conn.execute(
                "INSERT INTO events (slug, title, settings, updated_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (slug) DO UPDATE SET title=excluded.title,"
                " settings=excluded.settings, updated_at=excluded.updated_at",
                (slug, title, settings_json, utc_now().isoformat()),
            )

        await self._write(lambda: self._transaction(work))

    # -- display ---------------------------------------------------------------------------

    async def get_display(self, event: str) -> DisplaySettings | None:
        return await self._read(lambda conn: read_display(conn, event))

    async def set_display(self, event: str, display: DisplaySettings, *, actor: str) -> int:
        """Save what the screens show and log it for them, in one transaction."""

        def work(conn: Conn) -> tuple[int, list[LogEntry]]:
            conn.execute(
                "INSERT INTO event_display (event, data, updated_by, updated_at)"
                " VALUES (?, ?, ?, ?) ON CONFLICT (event) DO UPDATE SET data = excluded.data,"
                " updated_by = excluded.updated_by, updated_at = excluded.updated_at",
                (event, encode_display(display), actor, utc_now().isoformat()),
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
                (event, msgspec.json.encode(data).decode(), actor, utc_now().isoformat()),
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
                (event, source, cursor, utc_now().isoformat()),
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
