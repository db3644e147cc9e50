"""What clients see: a post with its moderation state, and the messages sent to them.

Messages are encoded to JSON once, when they are written to the event log; the same text
then goes to every subscriber and every replay.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import msgspec

from moderation import Author, Media, Status
from wall.settings import DisplaySettings


class PostView(msgspec.Struct, frozen=True, kw_only=True):
    """A post as every client receives it (see docs/protocol.md)."""

    id: int
    event: str
    status: Status
    network: str
    network_id: str
    url: str | None
    author: Author
    text: str
    html: str
    media: tuple[Media, ...]
    language: str | None
    content_warning: str
    sensitive: bool
    hashtags: tuple[str, ...]
    created_at: datetime
    received_at: datetime
    reason: str
    rule: str
    decided_by: str | None
    decided_at: datetime | None


class Snapshot(msgspec.Struct, kw_only=True, tag="snapshot", tag_field="type"):
    seq: int
    posts: list[PostView]
    display: DisplaySettings | None = None


class DisplayChanged(msgspec.Struct, kw_only=True, tag="display", tag_field="type"):
    seq: int
    display: DisplaySettings


class PostMessage(msgspec.Struct, kw_only=True, tag_field="type"):
    seq: int
    post: PostView


class PostQueued(PostMessage, tag="post.queued"):
    pass


class PostApproved(PostMessage, tag="post.approved"):
    pass


class PostRejected(PostMessage, tag="post.rejected"):
    pass


class PostRemoved(msgspec.Struct, kw_only=True, tag="post.removed", tag_field="type"):
    seq: int
    id: int
    by: str | None


class EventInfo(msgspec.Struct, frozen=True, kw_only=True):
    """What pages show about an event (as ``GET /api/events/{event}`` returns it)."""

    slug: str
    title: str
    hashtags: list[str]
    moderation: str
    language: str | None


class EventChanged(msgspec.Struct, kw_only=True, tag="event", tag_field="type"):
    seq: int
    event: EventInfo


Message = (
    Snapshot
    | PostQueued
    | PostApproved
    | PostRejected
    | PostRemoved
    | DisplayChanged
    | EventChanged
)

_encoder = msgspec.json.Encoder()


def encode(message: Message) -> str:
    return _encoder.encode(message).decode()


WALL = "all"  # entries every subscriber sees (screens and moderators)
MODERATE = "moderate"  # entries only moderators see


@dataclass(frozen=True, slots=True)
class LogEntry:
    """One committed state change, as the bus carries it: already encoded, once."""

    seq: int
    event: str
    audience: str
    text: str
