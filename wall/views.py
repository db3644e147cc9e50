"""What clients see: a post with its moderation state, and the messages sent to them.

Messages are encoded to JSON once, when they are written to the event log; the same text
then goes to every subscriber and every replay.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import msgspec

from moderation import Author, Emoji, Media, Status
from moderation.flags import Reply
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
    # Set from the moderation desk (see docs/moderation-desk.md).
    pinned: bool = False
    media_hidden: bool = False
    reply: Reply | None = None
    # Custom emoji in ``text``: pages show each ``:shortcode:`` as its picture.
    emoji: tuple[Emoji, ...] = ()


class Snapshot(msgspec.Struct, kw_only=True, tag="snapshot", tag_field="type"):
    seq: int
    posts: list[PostView]
    display: DisplaySettings | None = None
    spotlight: SpotlightNow | None = None


class SpotlightNow(msgspec.Struct, kw_only=True):
    """The post shown full-screen until ``until``."""

    id: int
    until: datetime
    post: PostView


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


class PostUpdated(PostMessage, tag="post.updated"):
    """A post's pin, hidden media or reply changed (its status did not)."""


class Spotlight(msgspec.Struct, kw_only=True, tag="spotlight", tag_field="type"):
    """Show ``post`` full-screen until ``until``; ``id`` null ends any spotlight."""

    seq: int
    id: int | None
    until: datetime | None
    post: PostView | None
    by: str | None


class BlockedAuthor(msgspec.Struct, frozen=True, kw_only=True):
    """An author a moderator blocked from a card (see ``author_rules``)."""

    id: int
    network: str
    handle: str
    why: str
    set_by: str
    set_at: datetime
    expires_at: datetime | None


class AuthorBlocked(msgspec.Struct, kw_only=True, tag="author.blocked", tag_field="type"):
    seq: int
    rule: BlockedAuthor


class AuthorUnblocked(msgspec.Struct, kw_only=True, tag="author.unblocked", tag_field="type"):
    seq: int
    rule: BlockedAuthor
    by: str


# Ephemeral messages: moderators only, never logged, without a seq (see wall.desk).


class ClaimInfo(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    by: str
    until: datetime


class ClaimsChanged(msgspec.Struct, kw_only=True, tag="claims", tag_field="type"):
    claims: list[ClaimInfo]


class Moderator(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    role: str


class PresenceChanged(msgspec.Struct, kw_only=True, tag="presence", tag_field="type"):
    moderators: list[Moderator]


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
    | PostUpdated
    | Spotlight
    | AuthorBlocked
    | AuthorUnblocked
    | ClaimsChanged
    | PresenceChanged
)

_encoder = msgspec.json.Encoder()


def encode(message: Message) -> str:
    return _encoder.encode(message).decode()


WALL = "all"  # entries every subscriber sees (screens and moderators)
MODERATE = "moderate"  # entries only moderators see


@dataclass(frozen=True, slots=True)
class LogEntry:
    """One committed state change, as the bus carries it: already encoded, once per audience.

    ``text`` is the moderators' message; ``screen`` the screens' (see ``for_screens``),
    None when it is the same text. ``seq`` 0 marks an ephemeral message (claims,
    presence): never logged, so never replayed, and always forwarded to live subscribers
    whatever their position.
    """

    seq: int
    event: str
    audience: str
    text: str
    screen: str | None = None

    def text_for(self, audience: str) -> str:
        return self.screen if audience == WALL and self.screen is not None else self.text


# -- what screens and every anonymous client receive (DESIGN.md, promise 10) -------------


class ScreenReply(msgspec.Struct, frozen=True, kw_only=True):
    """The institution's answer as a screen shows it: no moderator's name."""

    text: str
    at: datetime


class ScreenPost(msgspec.Struct, frozen=True, kw_only=True):
    """A post as a screen shows it: no reason, rule, moderator or hidden picture."""

    id: int
    event: str
    status: Status
    network: str
    author: Author
    text: str
    media: tuple[Media, ...]
    language: str | None
    content_warning: str
    sensitive: bool
    hashtags: tuple[str, ...]
    created_at: datetime
    pinned: bool = False
    media_hidden: bool = False
    reply: ScreenReply | None = None
    emoji: tuple[Emoji, ...] = ()


def screen_post(post: PostView) -> ScreenPost:
    """The one place a screen's view of a post is made."""
    reply = post.reply
    return ScreenPost(
        id=post.id,
        event=post.event,
        status=post.status,
        network=post.network,
        author=post.author,
        text=post.text,
        media=() if post.media_hidden else post.media,
        language=post.language,
        content_warning=post.content_warning,
        sensitive=post.sensitive,
        hashtags=post.hashtags,
        created_at=post.created_at,
        pinned=post.pinned,
        media_hidden=post.media_hidden,
        reply=ScreenReply(text=reply.text, at=reply.at) if reply is not None else None,
        emoji=post.emoji,
    )


class ScreenSpotlightNow(msgspec.Struct, kw_only=True):
    id: int
    until: datetime
    post: ScreenPost


class ScreenSnapshot(msgspec.Struct, kw_only=True, tag="snapshot", tag_field="type"):
    seq: int
    posts: list[ScreenPost]
    display: DisplaySettings | None = None
    spotlight: ScreenSpotlightNow | None = None


class ScreenPostMessage(msgspec.Struct, kw_only=True, tag_field="type"):
    seq: int
    post: ScreenPost


class ScreenPostApproved(ScreenPostMessage, tag="post.approved"):
    pass


class ScreenPostUpdated(ScreenPostMessage, tag="post.updated"):
    pass


class ScreenPostRemoved(msgspec.Struct, kw_only=True, tag="post.removed", tag_field="type"):
    seq: int
    id: int


class ScreenSpotlight(msgspec.Struct, kw_only=True, tag="spotlight", tag_field="type"):
    seq: int
    id: int | None
    until: datetime | None
    post: ScreenPost | None


ScreenMessage = (
    ScreenSnapshot
    | ScreenPostApproved
    | ScreenPostUpdated
    | ScreenPostRemoved
    | ScreenSpotlight
    | DisplayChanged
    | EventChanged
)


def for_screens(message: Message) -> ScreenMessage | None:
    """What screens receive for ``message``; None: nothing (it is for moderators only).

    A post that is not shown reaches screens as its removal, never as its content.
    """
    if isinstance(message, Snapshot):
        spot = message.spotlight
        return ScreenSnapshot(
            seq=message.seq,
            posts=[screen_post(p) for p in message.posts if p.status is Status.APPROVED],
            display=message.display,
            spotlight=ScreenSpotlightNow(id=spot.id, until=spot.until, post=screen_post(spot.post))
            if spot is not None and spot.post.status is Status.APPROVED
            else None,
        )
    if isinstance(message, PostApproved | PostUpdated):
        if message.post.status is not Status.APPROVED:
            return ScreenPostRemoved(seq=message.seq, id=message.post.id)
        kind = ScreenPostApproved if isinstance(message, PostApproved) else ScreenPostUpdated
        return kind(seq=message.seq, post=screen_post(message.post))
    if isinstance(message, PostRemoved):
        return ScreenPostRemoved(seq=message.seq, id=message.id)
    if isinstance(message, PostRejected | PostQueued):
        return ScreenPostRemoved(seq=message.seq, id=message.post.id)
    if isinstance(message, Spotlight):
        shown = message.post is not None and message.post.status is Status.APPROVED
        return ScreenSpotlight(
            seq=message.seq,
            id=message.id if shown else None,
            until=message.until if shown else None,
            post=screen_post(message.post) if shown and message.post is not None else None,
        )
    if isinstance(message, DisplayChanged | EventChanged):
        return message
    return None


def encode_screen(message: ScreenMessage) -> str:
    return _encoder.encode(message).decode()


def encode_for_screens(message: Message) -> str | None:
    screen = for_screens(message)
    return None if screen is None else encode_screen(screen)


_message_decoder = msgspec.json.Decoder(Message)


def screen_message(text: str) -> ScreenMessage | None:
    """A logged message's screen view, from the moderators' text the log keeps."""
    return for_screens(_message_decoder.decode(text))


EPHEMERAL = 0  # the seq of a message that is not logged (see LogEntry)
