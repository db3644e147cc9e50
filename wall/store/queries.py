"""Reading posts: one post, a status's list, a new subscriber's snapshot, and whether a
picture is shown."""

from __future__ import annotations

import re

from moderation import Status
from wall.settings import DisplaySettings
from wall.sql import Conn
from wall.store.engine import Engine
from wall.store.rows import POST_COLUMNS, post_decoder, read_display, view_of
from wall.views import WALL, PostView

WALL_SNAPSHOT_SIZE = 60
DECIDED_SNAPSHOT_SIZE = 100


class Queries(Engine):
    """What the store answers about posts."""

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
                f"SELECT {POST_COLUMNS} FROM posts WHERE event = ? AND network = ?"
                " AND network_id >= ? AND network_id < ? ORDER BY id DESC LIMIT ?",
                (event, network, prefix, prefix + "\U0010ffff", limit),
            ).fetchall()
            return [view_of(r) for r in rows]

        return await self._read(read)

    async def get_post(self, event: str, post_id: int) -> PostView | None:
        def read(conn: Conn) -> PostView | None:
            row = conn.execute(
                f"SELECT {POST_COLUMNS} FROM posts WHERE id = ? AND event = ?", (post_id, event)
            ).fetchone()
            return view_of(row) if row else None

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
                    f"SELECT {POST_COLUMNS} FROM posts WHERE event = ? AND status = ?"
                    f" ORDER BY updated_seq {order}, id {order} LIMIT ?",
                    (event, status.value, limit),
                ).fetchall()
            finally:
                conn.execute("COMMIT")
            return seq, [view_of(r) for r in rows]

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
                display = read_display(conn, event)
                q = f"SELECT {POST_COLUMNS} FROM posts WHERE event = ? AND status = ?"
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
                        f"SELECT {POST_COLUMNS} FROM posts WHERE event = ? AND status != ?"
                        " ORDER BY (status = 'approved' AND pinned = 1) DESC, updated_seq DESC"
                        " LIMIT ?",
                        (event, Status.PENDING.value, DECIDED_SNAPSHOT_SIZE),
                    ).fetchall()
                    rows = pending + decided
            finally:
                conn.execute("COMMIT")
            return seq, [view_of(r) for r in rows], display

        return await self._read(read)

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
                post = post_decoder.decode(data)
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
