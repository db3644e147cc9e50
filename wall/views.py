"""What moderators see: a post with its moderation state, and the messages sent to them.

Messages are encoded to JSON once, when they are written to the event log; the same text
then goes to every moderator and every moderator's replay. Screens and other anonymous
clients get a view made from these in one place, ``wall.screen_view``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import msgspec

from moderation import Author, Emoji, LinkCard, Media, Poll, Quoted, Status, Why
from moderation.flags import Reply
from wall.settings import Announcement, DisplaySettings


class PostView(msgspec.Struct, frozen=True, kw_only=True):
    """A post as moderators and organisers receive it (see docs/protocol.md); screens get
    ``wall.screen_view.ScreenPost``."""

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
    # ``reason`` as a code and its facts, for pages to word in their reader's language
    # (``reason.<code>`` in the catalogues); absent on posts decided before codes existed.
    why: Why | None = None
    # What the wall shows with the post (see moderation.post): who boosted it, its poll,
    # the post it quotes, the page it links to.
    boosted_by: Author | None = None
    poll: Poll | None = None
    quote: Quoted | None = None
    link: LinkCard | None = None
    # The source could not read when the post was written: ``created_at`` is its arrival
    # (or its feed's date), not the author's.
    undated: bool = False


class Snapshot(msgspec.Struct, kw_only=True, tag="snapshot", tag_field="type"):
    seq: int
    posts: list[PostView]
    display: DisplaySettings | None = None
    spotlight: SpotlightNow | None = None
    announcing: AnnouncingNow | None = None


class SpotlightNow(msgspec.Struct, kw_only=True):
    """The post shown full-screen until ``until``."""

    id: int
    until: datetime
    post: PostView


class AnnouncingNow(msgspec.Struct, kw_only=True):
    """An announcement an organiser put over every screen until ``until``."""

    announcement: Announcement
    until: datetime


class Announcing(msgspec.Struct, kw_only=True, tag="announce", tag_field="type"):
    """Show ``announcement`` over every screen until ``until`` (organisers' "show now");
    ``announcement`` None: take it down."""

    seq: int
    announcement: Announcement | None
    until: datetime | None
    by: str | None = None


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


class PostRemoved(
    msgspec.Struct, kw_only=True, tag="post.removed", tag_field="type", omit_defaults=True
):
    seq: int
    id: int
    by: str | None
    # The post was erased (privacy): pages forget it rather than keep it as removed.
    erased: bool = False


class Erased(msgspec.Struct, kw_only=True, tag="privacy.erased", tag_field="type"):
    """An organiser erased ``count`` posts of one person (the audit's line; never who)."""

    seq: int
    count: int


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
    # The event's window (see EventSettings), and whether an organiser archived it.
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    archived: bool = False


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
    | Erased
    | Announcing
)

_encoder = msgspec.json.Encoder()


def encode(message: Message) -> str:
    return _encoder.encode(message).decode()


WALL = "all"  # entries every subscriber sees (screens and moderators)
MODERATE = "moderate"  # entries only moderators see


@dataclass(frozen=True, slots=True)
class LogEntry:
    """One committed state change, as the bus carries it: already encoded, once per audience.

    ``text`` is the moderators' message; ``screen`` what screens receive for it (see
    ``wall.screen_view``), None: nothing. ``seq`` 0 marks an ephemeral message (claims,
    presence): never logged, so never replayed, and always forwarded to live subscribers
    whatever their position.
    """

    seq: int
    event: str
    audience: str
    text: str
    screen: str | None = None

    def text_for(self, audience: str) -> str | None:
        """The text for a subscriber of ``audience``; None: send it nothing.

        Screens get ``screen`` only, never the moderators' text: an entry without a
        screen view reaches no screen (fail closed).
        """
        return self.screen if audience == WALL else self.text


EPHEMERAL = 0  # the seq of a message that is not logged (see LogEntry)
