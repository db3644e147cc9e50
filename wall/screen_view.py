"""What screens and every anonymous client receive: what a screen shows, nothing more.

DESIGN.md promise 10. The moderators' view (``wall.views``) carries the moderator's name,
notes, the rule that decided, the author's account details and pictures a moderator hid;
this module is the one place that turns it into the screens' view, field by field from
what the wall draws (``wall/static/wall/cards.js``, ``conversation.js``): a field added
to a post reaches no screen until it is added here (and to docs/protocol.md).

Three jobs, one audience: live messages (``for_screens``, encoded once when logged), a
screen's replay of the log (``screen_replay``: the absence of what was taken down, never
its content) and the attendee's answer about their own post (``attendee_reason``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import NamedTuple

import msgspec

from moderation import Author, Emoji, LinkCard, Media, Poll, Status, Why
from wall.settings import Announcement, DisplaySettings
from wall.views import (
    Announcing,
    AnnouncingNow,
    DisplayChanged,
    EventChanged,
    Message,
    PostApproved,
    PostQueued,
    PostRejected,
    PostRemoved,
    PostUpdated,
    PostView,
    Snapshot,
    Spotlight,
)


class ScreenAuthor(msgspec.Struct, frozen=True, kw_only=True):
    """Who wrote it, as the card shows it (no profile link, account age or bot flag)."""

    name: str
    handle: str
    avatar_url: str | None = None


class ScreenReply(msgspec.Struct, frozen=True, kw_only=True):
    """The institution's answer as a screen shows it: the text, not who wrote it."""

    text: str


class ScreenQuoted(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    author: ScreenAuthor
    text: str
    content_warning: str = ""


class ScreenPost(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """A post as a screen shows it. ``media`` (and a link's picture) is empty when a
    moderator hid the pictures; what the post carries besides comes only when it has it."""

    id: int
    network: str
    author: ScreenAuthor
    text: str
    media: tuple[Media, ...]
    language: str | None
    content_warning: str
    created_at: datetime
    pinned: bool
    reply: ScreenReply | None
    emoji: tuple[Emoji, ...]
    boosted_by: ScreenAuthor | None = None
    poll: Poll | None = None
    quote: ScreenQuoted | None = None
    link: LinkCard | None = None


def screen_post(post: PostView) -> ScreenPost:
    """The one place a screen's view of a post is made."""
    author = post.author
    return ScreenPost(
        id=post.id,
        network=post.network,
        author=ScreenAuthor(name=author.name, handle=author.handle, avatar_url=author.avatar_url),
        text=post.text,
        media=() if post.media_hidden else post.media,
        language=post.language,
        content_warning=post.content_warning,
        created_at=post.created_at,
        pinned=post.pinned,
        reply=ScreenReply(text=post.reply.text) if post.reply is not None else None,
        emoji=post.emoji,
        boosted_by=_author(post.boosted_by) if post.boosted_by else None,
        poll=post.poll,
        quote=ScreenQuoted(
            author=_author(post.quote.author),
            text=post.quote.text,
            content_warning=post.quote.content_warning,
        )
        if post.quote
        else None,
        link=msgspec.structs.replace(post.link, image=None)
        if post.link and post.media_hidden
        else post.link,
    )


def _author(author: Author) -> ScreenAuthor:
    return ScreenAuthor(name=author.name, handle=author.handle, avatar_url=author.avatar_url)


class ScreenSpotlightNow(msgspec.Struct, kw_only=True):
    id: int
    until: datetime
    post: ScreenPost


class ScreenSnapshot(msgspec.Struct, kw_only=True, tag="snapshot", tag_field="type"):
    seq: int
    posts: list[ScreenPost]
    display: DisplaySettings | None = None
    spotlight: ScreenSpotlightNow | None = None
    announcing: AnnouncingNow | None = None


class ScreenPostMessage(msgspec.Struct, kw_only=True, tag_field="type"):
    seq: int
    post: ScreenPost


class ScreenPostApproved(ScreenPostMessage, tag="post.approved"):
    pass


class ScreenPostUpdated(ScreenPostMessage, tag="post.updated"):
    pass


class ScreenPostRemoved(msgspec.Struct, kw_only=True, tag="post.removed", tag_field="type"):
    """Take the post down (no ``by``: screens are not told who)."""

    seq: int
    id: int


class ScreenSpotlight(msgspec.Struct, kw_only=True, tag="spotlight", tag_field="type"):
    seq: int
    id: int | None
    until: datetime | None
    post: ScreenPost | None


class ScreenAnnouncing(msgspec.Struct, kw_only=True, tag="announce", tag_field="type"):
    """An announcement over every screen until ``until`` (no ``by``: screens are not told
    who); ``announcement`` None: take it down."""

    seq: int
    announcement: Announcement | None
    until: datetime | None


ScreenMessage = (
    ScreenSnapshot
    | ScreenAnnouncing
    | ScreenPostApproved
    | ScreenPostUpdated
    | ScreenPostRemoved
    | ScreenSpotlight
    | DisplayChanged
    | EventChanged
)


def _shown(post: PostView | None) -> bool:
    return post is not None and post.status is Status.APPROVED


def _spotlight(seq: int, message: Spotlight, post: PostView | None) -> ScreenSpotlight:
    """``message`` showing ``post`` (its current state); an end when it is not shown."""
    if message.id is None or message.until is None or post is None or not _shown(post):
        return ScreenSpotlight(seq=seq, id=None, until=None, post=None)
    return ScreenSpotlight(seq=seq, id=message.id, until=message.until, post=screen_post(post))


def for_screens(message: Message) -> ScreenMessage | None:
    """What screens receive for ``message``; None: nothing (it is for moderators only).

    A post that is not shown reaches screens as its removal, never as its content.
    """
    if isinstance(message, Snapshot):
        spot = message.spotlight
        return ScreenSnapshot(
            seq=message.seq,
            posts=[screen_post(p) for p in message.posts if _shown(p)],
            display=message.display,
            spotlight=ScreenSpotlightNow(id=spot.id, until=spot.until, post=screen_post(spot.post))
            if spot is not None and _shown(spot.post)
            else None,
            announcing=message.announcing,
        )
    if isinstance(message, PostApproved | PostUpdated):
        if not _shown(message.post):
            return ScreenPostRemoved(seq=message.seq, id=message.post.id)
        kind = ScreenPostApproved if isinstance(message, PostApproved) else ScreenPostUpdated
        return kind(seq=message.seq, post=screen_post(message.post))
    if isinstance(message, PostRemoved):
        return ScreenPostRemoved(seq=message.seq, id=message.id)
    if isinstance(message, PostRejected | PostQueued):
        return ScreenPostRemoved(seq=message.seq, id=message.post.id)
    if isinstance(message, Spotlight):
        return _spotlight(message.seq, message, message.post)
    if isinstance(message, DisplayChanged | EventChanged):
        return message
    if isinstance(message, Announcing):
        return ScreenAnnouncing(
            seq=message.seq, announcement=message.announcement, until=message.until
        )
    return None


_encoder = msgspec.json.Encoder()


def encode_screen(message: ScreenMessage) -> str:
    return _encoder.encode(message).decode()


def encode_for_screens(message: Message) -> str | None:
    """``message`` as screens receive it, encoded; None: screens receive nothing."""
    screen = for_screens(message)
    return None if screen is None else encode_screen(screen)


# -- a screen's replay of the log (?since=) ------------------------------------------------


class Logged(NamedTuple):
    """One log entry for everyone, as the store reads it: ``text`` is the moderators'."""

    seq: int
    kind: str  # the message's type: post.approved, spotlight, display...
    post_id: int | None
    text: str


_message_decoder = msgspec.json.Decoder(Message)


def _key(entry: Logged) -> tuple[str, int] | None:
    """Entries with the same key supersede each other in a screen's replay."""
    if entry.kind == "spotlight":
        return ("spotlight", 0)  # the latest spotlight says what is spotlit now
    if entry.kind == "announce":
        return ("announce", 0)  # so for the announcement over the screens
    return ("post", entry.post_id) if entry.post_id is not None else None


def screen_replay(
    entries: Sequence[Logged], shown: Mapping[int, PostView]
) -> list[tuple[int, ScreenMessage]]:
    """What a screen replaying ``entries`` (in log order) receives, as (seq, message).

    ``shown`` holds the current state of the posts on the screens now. Each post comes
    once, at the place of its latest entry, as it is now: a post taken down since (removed,
    rejected, sent back to the queue, withdrawn) arrives as its removal only, never with
    the text or pictures it had; a picture hidden since is not in it; so for the latest
    spotlight, ended if its post is no longer shown.
    """
    last = {key: i for i, entry in enumerate(entries) if (key := _key(entry)) is not None}
    replay: list[tuple[int, ScreenMessage]] = []
    for index, entry in enumerate(entries):
        key = _key(entry)
        if key is not None and last[key] != index:
            continue  # superseded by a later entry
        message: ScreenMessage | None
        if entry.kind == "spotlight":
            logged = _message_decoder.decode(entry.text)
            assert isinstance(logged, Spotlight)
            post = shown.get(logged.id) if logged.id is not None else None
            message = _spotlight(entry.seq, logged, post)
        elif entry.post_id is not None:
            post = shown.get(entry.post_id)
            if post is None:
                message = ScreenPostRemoved(seq=entry.seq, id=entry.post_id)
            elif entry.kind == "post.updated":
                message = ScreenPostUpdated(seq=entry.seq, post=screen_post(post))
            else:
                message = ScreenPostApproved(seq=entry.seq, post=screen_post(post))
        else:
            message = for_screens(_message_decoder.decode(entry.text))
        if message is not None:
            replay.append((entry.seq, message))
    return replay


# -- the attendee's answer about their own post (POST /api/events/{event}/submissions) ------

# Rules whose reason is built from the attendee's own words and the event's word lists.
# Other reasons may carry a moderator's name and note (an author blocked from a card).
_TOLD_RULES = frozenset({"blocked_words", "builtin_lists"})
NOT_ACCEPTED = "This post cannot be shown at this event."
_NOT_ACCEPTED = Why(code="not_accepted")


def attendee_reason(post: PostView) -> str | None:
    """Why the attendee's post was turned down, as they may read it; None unless it was."""
    if post.status is not Status.REJECTED:
        return None
    return post.reason if post.rule in _TOLD_RULES else NOT_ACCEPTED


def attendee_why(post: PostView) -> Why | None:
    """``attendee_reason`` as a code and facts, for the phone to word in its language."""
    if post.status is not Status.REJECTED:
        return None
    return post.why if post.rule in _TOLD_RULES and post.why else _NOT_ACCEPTED
