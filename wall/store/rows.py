"""How a post is stored in a row, and read back: its columns, its state (what a moderator
changes: ``wall.changes.PostState``) and its view (what a page shows: ``PostView``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import msgspec

from moderation import Post, Status, Why
from moderation.flags import Flags, Reply
from wall.changes import PostState
from wall.settings import DisplaySettings
from wall.sql import Conn
from wall.store.errors import NotFound
from wall.views import PostView

post_decoder = msgspec.json.Decoder(Post)
_encoder = msgspec.json.Encoder()


def encode_post(post: Post) -> str:
    return _encoder.encode(post).decode()


_display_decoder = msgspec.json.Decoder(DisplaySettings)


def read_display(conn: Conn, event: str) -> DisplaySettings | None:
    row = conn.execute("SELECT data FROM event_display WHERE event = ?", (event,)).fetchone()
    return _display_decoder.decode(row[0]) if row else None


def encode_display(display: DisplaySettings) -> str:
    return _encoder.encode(display).decode()


def utc_now() -> datetime:
    return datetime.now(UTC)


POST_COLUMNS = (
    "id, event, status, data, reason, rule, decided_by, decided_at, received_at, updated_seq,"
    " pinned, media_hidden, reply, why"
)
_reply_decoder = msgspec.json.Decoder(Reply)
_why_decoder = msgspec.json.Decoder(Why)


def why_of(raw: str | None) -> Why | None:
    return _why_decoder.decode(raw) if raw else None


def encode_why(why: Why | None) -> str | None:
    return _encoder.encode(why).decode() if why is not None else None


def encode_reply(reply: Reply | None) -> str | None:
    return _encoder.encode(reply).decode() if reply is not None else None


def flags_of(row: Sequence[Any]) -> Flags:
    reply = row[12]
    return Flags(
        pinned=bool(row[10]),
        media_hidden=bool(row[11]),
        reply=_reply_decoder.decode(reply) if reply else None,
    )


def state_of(row: Sequence[Any]) -> PostState:
    return PostState(
        status=Status(row[2]),
        reason=row[4],
        rule=row[5],
        decided_by=row[6],
        decided_at=datetime.fromisoformat(row[7]) if row[7] else None,
        flags=flags_of(row),
        why=why_of(row[13]),
    )


def view_of(row: Sequence[Any]) -> PostView:
    id_, event, status, data, reason, rule, decided_by, decided_at, received_at = row[:9]
    flags = flags_of(row)
    post = post_decoder.decode(data)
    return PostView(
        id=id_,
        event=event,
        status=Status(status),
        network=post.network,
        network_id=post.network_id,
        url=post.url,
        author=post.author,
        text=post.text,
        html=post.html,
        media=post.media,
        language=post.language,
        content_warning=post.content_warning,
        sensitive=post.sensitive,
        hashtags=post.hashtags,
        emoji=post.emoji,
        created_at=post.created_at,
        undated=post.undated,
        received_at=datetime.fromisoformat(received_at),
        reason=reason,
        rule=rule,
        decided_by=decided_by,
        decided_at=datetime.fromisoformat(decided_at) if decided_at else None,
        pinned=flags.pinned,
        media_hidden=flags.media_hidden,
        reply=flags.reply,
        why=why_of(row[13]),
        boosted_by=post.boosted_by,
        poll=post.poll,
        quote=post.quote,
        link=post.link,
    )


def read_post(conn: Conn, event: str, post_id: int) -> Sequence[Any]:
    """The row of an event's post; raises NotFound."""
    row = conn.execute(
        f"SELECT {POST_COLUMNS} FROM posts WHERE id = ? AND event = ?", (post_id, event)
    ).fetchone()
    if row is None:
        raise NotFound(f"no post {post_id} in event {event}")
    return tuple(row)
