"""The post: what every source produces and every screen shows."""

from __future__ import annotations

from datetime import datetime

import msgspec


class Author(msgspec.Struct, frozen=True, kw_only=True):
    """Who wrote a post, as the network describes them.

    ``bot`` and ``created_at`` (when the account was made) are set by sources whose network
    says so (Mastodon's ``bot`` flag, for instance); the rules ``hold_bots`` and
    ``min_account_age_days`` use them, and ignore an author whose network did not say.
    """

    name: str
    handle: str
    avatar_url: str | None = None
    profile_url: str | None = None
    bot: bool = False
    created_at: datetime | None = None


class Media(msgspec.Struct, frozen=True, kw_only=True):
    """One picture (or a video's poster frame) attached to a post.

    ``url`` is always a Murmur URL (``/media/...``): screens never load third-party hosts.
    """

    url: str
    kind: str = "image"
    alt: str = ""
    width: int | None = None
    height: int | None = None


class Emoji(msgspec.Struct, frozen=True, kw_only=True):
    """A custom emoji (Mastodon's ``:shortcode:``), shown as a small picture in the text.

    ``url`` is a Murmur URL (``/media/...``), like every picture a screen loads.
    """

    shortcode: str
    url: str


class PollOption(msgspec.Struct, frozen=True, kw_only=True):
    title: str
    # Votes so far, when the network says.
    votes: int | None = None


class Poll(msgspec.Struct, frozen=True, kw_only=True):
    """A poll in a post: its options, and whether it is closed (results are final)."""

    options: tuple[PollOption, ...]
    closed: bool = False
    voters: int | None = None


class Quoted(msgspec.Struct, frozen=True, kw_only=True):
    """The post a post quotes, as plain text (shown under it).

    ``content_warning`` and ``sensitive`` are the quoted post's own: the rules hold the
    quoting post for them as they would for its own.
    """

    author: Author
    text: str
    url: str | None = None
    content_warning: str = ""
    sensitive: bool = False


class LinkCard(msgspec.Struct, frozen=True, kw_only=True):
    """The page a post links to, as the network previews it; ``image`` is Murmur's copy."""

    url: str
    title: str
    description: str = ""
    image: Media | None = None


class Post(msgspec.Struct, frozen=True, kw_only=True):
    """A post as it arrives from a network, normalised and sanitised.

    ``(network, network_id)`` identifies a post across reconnects and duplicate deliveries.
    ``html`` is already sanitised to Murmur's small allowlist; ``text`` is the plain text
    that screens render with ``textContent``.
    """

    network: str
    network_id: str
    author: Author
    text: str
    created_at: datetime
    html: str = ""
    url: str | None = None
    media: tuple[Media, ...] = ()
    language: str | None = None
    content_warning: str = ""
    sensitive: bool = False
    hashtags: tuple[str, ...] = ()
    # The network gave no date Murmur could read: ``created_at`` is then the feed's date or
    # the post's arrival, not when it was written (see docs/protocol.md).
    undated: bool = False
    # Custom emoji used in ``text``: each ``:shortcode:`` with its picture.
    emoji: tuple[Emoji, ...] = ()
    # A boost (Mastodon's reblog): the post is the original, ``boosted_by`` who shared it.
    boosted_by: Author | None = None
    poll: Poll | None = None
    quote: Quoted | None = None
    link: LinkCard | None = None
