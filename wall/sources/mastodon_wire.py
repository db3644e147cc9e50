"""Mastodon's wire formats as values: statuses, streaming frames and SSE, with no I/O.

``parse_status`` turns a Status (docs.joinmastodon.org/entities/Status) into a ``Post`` and
the pictures it points to; ``parse_ws_frame`` and ``SseDecoder`` turn the two streaming
formats (docs.joinmastodon.org/methods/streaming) into ``Update``, ``Deletion`` and
``StreamError`` events. ``wall.sources.mastodon`` is the I/O loop around them. A payload
that is not what Mastodon documents raises ``MalformedPayload``: logged and skipped.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import msgspec

from moderation.post import Author, LinkCard, Poll, PollOption, Post, Quoted
from wall.sources.mastodon_text import html_to_text

MAX_PAYLOAD_BYTES = 1024 * 1024  # one status; Mastodon's are a few kB, bigger ones are skipped
MEDIA_KINDS = frozenset({"image", "gifv", "video"})  # audio and unknown have no picture to show


class MalformedPayload(ValueError):
    """A payload that is not what Mastodon documents; the loop logs it and skips it."""


class _Emoji(msgspec.Struct):
    shortcode: str
    url: str | None = None
    static_url: str | None = None


class _Account(msgspec.Struct):
    acct: str
    display_name: str = ""
    avatar: str | None = None
    avatar_static: str | None = None
    url: str | None = None
    bot: bool = False
    created_at: datetime | None = None


class _Attachment(msgspec.Struct):
    type: str = "unknown"
    url: str | None = None
    preview_url: str | None = None
    remote_url: str | None = None
    description: str | None = None
    meta: dict[str, Any] | None = None


class _Tag(msgspec.Struct):
    name: str


class _PollOption(msgspec.Struct):
    title: str
    votes_count: int | None = None


class _Poll(msgspec.Struct):
    options: list[_PollOption] = []
    expired: bool = False
    voters_count: int | None = None


class _Card(msgspec.Struct):
    url: str = ""
    title: str = ""
    description: str = ""
    image: str | None = None


class _Status(msgspec.Struct):
    id: str
    uri: str
    created_at: datetime
    account: _Account
    url: str | None = None
    content: str = ""
    spoiler_text: str = ""
    sensitive: bool = False
    language: str | None = None
    media_attachments: list[_Attachment] = []
    tags: list[_Tag] = []
    emojis: list[_Emoji] = []
    # A boost: the status shared, whole.
    reblog: _Status | None = None
    poll: _Poll | None = None
    card: _Card | None = None
    # Mastodon 4.4: {"state", "quoted_status": Status}; some servers: the Status itself.
    quote: dict[str, Any] | None = None


class _Ref(msgspec.Struct):
    id: str


class _Frame(msgspec.Struct):
    stream: list[str] = []
    event: str = ""
    payload: str | dict[str, Any] | None = None
    error: str | None = None
    status: int | None = None


@dataclass(frozen=True)
class RemoteMedia:
    """A picture a status points to, before Murmur has fetched it."""

    url: str
    kind: str
    alt: str = ""
    width: int | None = None
    height: int | None = None


@dataclass(frozen=True)
class ParsedStatus:
    """A status as a ``Post`` whose avatar and media are still remote URLs to fetch."""

    id: str
    post: Post  # author.avatar_url is None and media is () until fetched
    avatar: str | None
    media: tuple[RemoteMedia, ...]
    # Custom emoji used in the text: (shortcode, picture URL to fetch).
    emoji: tuple[tuple[str, str], ...] = ()
    # The picture of the link's preview card, to fetch into ``post.link.image``.
    link_image: str | None = None


@dataclass(frozen=True)
class Update:
    """A new status (``update``) or an edited one (``status.update``, same network_id)."""

    status: ParsedStatus
    tag: str | None = None
    edited: bool = False


@dataclass(frozen=True)
class Deletion:
    """A status deleted on the network. ``network_id`` (its uri) is known when seen."""

    status_id: str
    network_id: str | None = None
    network: str = "mastodon"


@dataclass(frozen=True)
class StreamError:
    """What the streaming server says instead of an event: ``{"error", "status"}``."""

    status: int
    message: str


StreamEvent = Update | Deletion | StreamError


def _decode(data: Mapping[str, Any] | bytes | str, kind: type[_Status]) -> _Status:
    if isinstance(data, bytes | str) and len(data) > MAX_PAYLOAD_BYTES:
        raise MalformedPayload(f"a status of {len(data)} bytes (over {MAX_PAYLOAD_BYTES})")
    try:
        if isinstance(data, bytes | str):
            return msgspec.json.decode(data, type=kind)
        return msgspec.convert(data, kind)
    except msgspec.MsgspecError as exc:
        raise MalformedPayload(f"not a Mastodon status: {exc}") from exc


def _dimension(meta: dict[str, Any] | None, key: str) -> int | None:
    original = (meta or {}).get("original")
    value = original.get(key) if isinstance(original, dict) else None
    return value if isinstance(value, int) and value > 0 else None


def parse_status(data: Mapping[str, Any] | bytes | str, *, server: str) -> ParsedStatus:
    """A Mastodon Status (JSON text or decoded) as a post of ``server`` (its host name).

    Raises ``MalformedPayload`` when it is not a status. ``network_id`` is the status's
    ``uri``, the same on every server; handles of local accounts get ``@server``.
    """
    status = _decode(data, _Status)
    if status.reblog is not None:
        # A boost shows the post that was shared, by its author, and who shared it; the
        # original's uri keeps it from appearing twice when it is also seen directly.
        shared = _parse(status.reblog, server)
        booster = _author(status.account, server)
        post = msgspec.structs.replace(shared.post, boosted_by=booster)
        return ParsedStatus(
            shared.id, post, shared.avatar, shared.media, shared.emoji, shared.link_image
        )
    return _parse(status, server)


def _author(account: _Account, server: str) -> Author:
    handle = account.acct if "@" in account.acct else f"{account.acct}@{server}"
    return Author(
        name=account.display_name or account.acct,
        handle=handle,
        profile_url=account.url,
        bot=account.bot,
        created_at=_aware(account.created_at),
    )


def _poll(poll: _Poll | None) -> Poll | None:
    if poll is None or not poll.options:
        return None
    options = tuple(PollOption(title=o.title[:200], votes=o.votes_count) for o in poll.options[:10])
    return Poll(options=options, closed=poll.expired, voters=poll.voters_count)


def _quoted(quote: dict[str, Any] | None, server: str) -> Quoted | None:
    """The quoted status, when the server sent it whole (a quote pending or refused by
    its author, or only its id, shows nothing)."""
    if not quote:
        return None
    inner = quote.get("quoted_status") if "quoted_status" in quote else quote
    if not isinstance(inner, dict) or quote.get("state", "accepted") != "accepted":
        return None
    try:
        status = _decode(inner, _Status)
    except MalformedPayload:
        return None
    text = html_to_text(status.content)
    if not text:
        return None
    return Quoted(
        author=_author(status.account, server),
        text=text[:1000],
        url=status.url or status.uri,
        content_warning=status.spoiler_text,
        sensitive=status.sensitive,
    )


def _link(card: _Card | None) -> LinkCard | None:
    if card is None or not card.url.startswith(("https://", "http://")) or not card.title:
        return None
    return LinkCard(url=card.url, title=card.title[:300], description=card.description[:500])


def _parse(status: _Status, server: str) -> ParsedStatus:
    account = status.account
    created = status.created_at
    media = []
    for item in status.media_attachments:
        url = (item.url or item.remote_url) if item.type == "image" else None
        url = url or item.preview_url  # a video's or gifv's poster frame
        if item.type in MEDIA_KINDS and url:
            alt = item.description or ""
            width, height = _dimension(item.meta, "width"), _dimension(item.meta, "height")
            media.append(RemoteMedia(url, item.type, alt, width, height))
    quote = _quoted(status.quote, server)
    link = _link(status.card)
    if link is not None and quote is not None and link.url == quote.url:
        link = None  # a preview of the quoted post, which is shown whole
    post = Post(
        network="mastodon",
        network_id=status.uri,
        author=_author(account, server),
        # Shown whole, the quoted post needs no "RE: link" line standing for it.
        text=html_to_text(status.content, without_quote_link=quote is not None),
        html=status.content,
        created_at=created if created.tzinfo else created.replace(tzinfo=UTC),
        url=status.url or status.uri,
        language=status.language,
        content_warning=status.spoiler_text,
        sensitive=status.sensitive,
        hashtags=tuple(tag.name for tag in status.tags),
        poll=_poll(status.poll),
        quote=quote,
        link=link,
    )
    text = post.text
    emoji = tuple(
        (e.shortcode, e.static_url or e.url or "")
        for e in status.emojis
        if (e.static_url or e.url) and f":{e.shortcode}:" in text
    )
    image = status.card.image if link is not None and status.card is not None else None
    return ParsedStatus(
        status.id,
        post,
        account.avatar_static or account.avatar,
        tuple(media[:4]),
        emoji[:20],
        image if image and image.startswith(("https://", "http://")) else None,
    )


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def parse_event(
    name: str, payload: str | Mapping[str, Any] | None, *, server: str, tag: str | None = None
) -> StreamEvent | None:
    """One streaming event by name; ``None`` for events a wall has no use for."""
    if name in {"update", "status.update"}:
        if payload is None:
            raise MalformedPayload(f"{name} without a status")
        status = parse_status(payload, server=server)
        return Update(status, tag=tag, edited=name == "status.update")
    if name == "delete":
        # The payload is the bare id, not JSON: "delete\ndata: 110123456789\n".
        if not isinstance(payload, str) or not payload.strip():
            raise MalformedPayload("delete without a status id")
        return Deletion(payload.strip())
    return None  # notification, filters_changed, announcement…: not for a wall


def parse_ws_frame(frame: str | bytes, *, server: str) -> StreamEvent | None:
    """A WebSocket frame: ``{"stream": [...], "event", "payload": "<JSON as a string>"}``.

    The payload of a status event is parsed twice (the frame, then the status in it).
    """
    if len(frame) > MAX_PAYLOAD_BYTES:
        raise MalformedPayload(f"a frame of {len(frame)} bytes (over {MAX_PAYLOAD_BYTES})")
    try:
        message = msgspec.json.decode(frame, type=_Frame)
    except msgspec.MsgspecError as exc:
        raise MalformedPayload(f"not a streaming frame: {exc}") from exc
    if message.error is not None:
        return StreamError(message.status or 0, message.error)
    tag = message.stream[1].lower() if len(message.stream) > 1 else None
    return parse_event(message.event, message.payload, server=server, tag=tag)


class SseDecoder:
    """The lines of a ``text/event-stream`` (without their newline) in, events out.

    Comments are heartbeats (``:)`` on connect, ``:thump`` every 15 s) and give ``None``,
    as do the lines inside an event; the blank line that ends an event gives the event.
    """

    def __init__(self, *, server: str, tag: str | None = None) -> None:
        self.server, self.tag = server, tag
        self._event = ""
        self._data: list[str] = []

    def line(self, line: str) -> StreamEvent | None:
        if not line:
            name, data = self._event, "\n".join(self._data)
            self._event, self._data = "", []
            return parse_event(name, data, server=self.server, tag=self.tag) if name else None
        if not line.startswith(":"):
            field, _, value = line.partition(":")
            value = value.removeprefix(" ")
            if field == "event":
                self._event = value
            elif field == "data":
                self._data.append(value)
        return None


def peek_id(raw: bytes) -> str | None:
    """The ``id`` of a status that may not parse, so a cursor can move past it."""
    try:
        return msgspec.json.decode(raw, type=_Ref).id
    except msgspec.MsgspecError:
        return None


def status_id_key(status_id: str) -> tuple[int, str]:
    # Mastodon's ids are opaque but sortable: longer is newer, then lexical (as its web
    # client's compareId does).
    return len(status_id), status_id


def retry_after(headers: Mapping[str, str], default: float, *, now: float | None = None) -> float:
    """Seconds to wait, from ``Retry-After`` (seconds or a date) or ``X-RateLimit-Reset``
    (ISO 8601, as Mastodon sends it), counted from ``now`` (a Unix time; the clock's when
    unset); ``default`` without either. Capped at an hour."""
    value = headers.get("Retry-After", "").strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            try:
                when = datetime.fromisoformat(headers.get("X-RateLimit-Reset", "").strip())
            except ValueError:
                return default
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = when.timestamp() - (time.time() if now is None else now)
    return min(max(seconds, 0.0), 3600.0) if math.isfinite(seconds) else default


__all__ = [
    "Deletion",
    "MalformedPayload",
    "ParsedStatus",
    "RemoteMedia",
    "SseDecoder",
    "StreamError",
    "StreamEvent",
    "Update",
    "html_to_text",
    "parse_event",
    "parse_status",
    "parse_ws_frame",
    "peek_id",
    "retry_after",
    "status_id_key",
]
