"""Announcements an organiser puts over every screen now ("show now"), in the event log.

Like a spotlight, it is one logged message for every screen (``announce``), so that a
screen that connects or resumes during it shows it too, and one after it does not.
"""

from __future__ import annotations

from datetime import datetime

import msgspec

from wall.settings import Announcement
from wall.sql import Conn
from wall.store import Store
from wall.store.rows import utc_now
from wall.views import WALL, Announcing, AnnouncingNow, LogEntry

_decoder = msgspec.json.Decoder(Announcing)


class AnnounceStore(Store):
    async def announce(
        self, event: str, announcement: Announcement | None, *, until: datetime | None, actor: str
    ) -> int:
        """Show ``announcement`` over every screen until ``until`` (None: take it down)."""

        def work(conn: Conn) -> tuple[int, list[LogEntry]]:
            entry = self._append(
                conn,
                event,
                "announce",
                None,
                WALL,
                actor,
                lambda s: Announcing(seq=s, announcement=announcement, until=until, by=actor),
                action="announce" if announcement is not None else "end-announce",
            )
            return entry.seq, [entry]

        return await self._run(work)

    async def current_announcement(self, event: str) -> AnnouncingNow | None:
        """The announcement over the screens right now, if any (for a screen that connects)."""

        def read(conn: Conn) -> AnnouncingNow | None:
            row = conn.execute(
                "SELECT message FROM log WHERE event = ? AND type = 'announce'"
                " ORDER BY seq DESC LIMIT 1",
                (event,),
            ).fetchone()
            if row is None:
                return None
            message = _decoder.decode(row[0])
            if message.announcement is None or message.until is None or message.until <= utc_now():
                return None
            return AnnouncingNow(announcement=message.announcement, until=message.until)

        return await self._read(read)


__all__ = ["AnnounceStore"]
