"""The RSS and Atom source: a feed polled with conditional GET.

``RssFeed`` polls the feed every ``poll_seconds`` with ``If-None-Match``/``If-Modified-Since``
(RFC 9110 §13.1), so an unchanged feed costs one 304, and yields the entries it has not
seen, oldest first. The document is downloaded through the fetch guard (public addresses
only, size and time caps) and read by ``wall.sources.rss_wire`` (feedparser inside
Murmur's guards) in a worker thread, so a large feed never holds up the screens.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections import OrderedDict
from collections.abc import AsyncGenerator
from datetime import UTC, datetime

import msgspec

from moderation.post import Media, Post
from moderation.rules import fold
from wall.fetch import Fetched, FetchFailed, FetchRefused, fetch
from wall.settings import RssSource
from wall.sources.context import SourceContext
from wall.sources.dates import parse_date
from wall.sources.errors import (
    BadCredentials,
    Disconnected,
    NotFoundOnNetwork,
    RateLimited,
    SourceFailure,
)
from wall.sources.rss_wire import Entry, Feed, FeedError, Skipped, read_feed

log = logging.getLogger(__name__)


# -- the source -------------------------------------------------------------------------


class FeedCursor(msgspec.Struct, kw_only=True):
    """Where a feed was left: the validators of the last document fully read, and digests
    of the entries seen (yielded, or passed over on purpose), most recent last."""

    etag: str | None = None
    last_modified: str | None = None
    seen: list[str] = []


def _digest(network_id: str) -> str:
    return hashlib.sha256(network_id.encode()).hexdigest()[:20]


def retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: delay-seconds or an HTTP date."""
    value = (value or "").strip()
    if value.isdigit():
        return min(float(value), 86400.0)
    when = parse_date(value) if value else None
    if when is None:
        return None
    return min(max(0.0, (when - (now or datetime.now(UTC))).total_seconds()), 86400.0)


ACCEPT = (
    "application/rss+xml, application/atom+xml, application/rdf+xml;q=0.9, "
    "application/xml;q=0.8, text/xml;q=0.8, */*;q=0.1"
)


class RssFeed:
    """An RSS or Atom feed, polled every ``settings.poll_seconds``.

    Each poll is a conditional GET; a 304 (or a document with nothing new) yields nothing.
    New entries are yielded oldest first. On its very first poll (no cursor yet) a source
    takes only the newest ``first_run`` entries, so adding a feed with years of news does
    not flood the moderation queue. The cursor is saved after each post is consumed: a
    restart resumes where it stopped, and the document's validators are kept only once
    all its entries are through, so a crash halfway never turns the rest into a 304.
    """

    first_run = 20
    max_seen = 1000
    max_bytes = 5 * 1024 * 1024

    def __init__(
        self, settings: RssSource, ctx: SourceContext, name: str, *, timeout: float = 30.0
    ) -> None:
        self.name = name
        self._settings = settings
        self._ctx = ctx
        self._timeout = timeout
        self._avatars: dict[str, Media | None] = {}
        self._skips: OrderedDict[str, None] = OrderedDict()
        self._wanted = {fold(tag.lstrip("#")) for tag in ctx.event.hashtags}

    async def posts(self) -> AsyncGenerator[Post, None]:
        """Yield the feed's new entries as posts, polling forever."""
        cursor = await self._load()
        fresh = cursor is None
        cursor = cursor or FeedCursor()
        seen = set(cursor.seen)
        while True:
            answer = await self._get(cursor)
            self._ctx.live()  # the feed answered (errors raise in _get)
            if answer.status == 304:
                etag = answer.headers.get("ETag")
                if etag and etag != cursor.etag:  # RFC 9110 §15.4.5: it may send a new one
                    cursor.etag = etag
                    await self._save(cursor)
            else:
                feed = await self._parse(answer)
                self._report(feed.skipped)
                entries = feed.entries
                for entry in self._select(entries, cursor, seen, fresh=fresh):
                    post = await self._with_media(entry)
                    yield post
                    self._remember(cursor, seen, entry.post.network_id)
                    await self._save(cursor)
                cursor.etag = answer.headers.get("ETag")
                cursor.last_modified = answer.headers.get("Last-Modified")
                self._trim(cursor, {_digest(e.post.network_id) for e in entries})
                seen = set(cursor.seen)
                await self._save(cursor)
                fresh = False
            await asyncio.sleep(self._settings.poll_seconds)

    # -- one poll -----------------------------------------------------------------------

    async def _get(self, cursor: FeedCursor) -> Fetched:
        url = self._settings.url
        headers = {"Accept": ACCEPT}
        if cursor.etag:
            headers["If-None-Match"] = cursor.etag
        if cursor.last_modified:
            headers["If-Modified-Since"] = cursor.last_modified
        try:
            answer = await fetch(
                self._ctx.http,
                self._ctx.guard,
                url,
                max_bytes=self.max_bytes,
                time_limit=self._timeout,
                headers=headers,
            )
        except FetchFailed as exc:
            raise Disconnected(f"the feed at {url}: {exc}") from exc
        except FetchRefused as exc:
            raise SourceFailure(f"the feed at {url} was refused: {exc}") from exc
        status = answer.status
        if status in {200, 304}:
            return answer
        said = f"the feed at {url} answered {status}"
        if status in {401, 403}:
            raise BadCredentials(f"{said}: it is not public, and Murmur reads public feeds only")
        if status in {404, 410}:
            raise NotFoundOnNetwork(f"{said}: there is no feed at this address")
        wait = retry_after(answer.headers.get("Retry-After"))
        if status == 429:
            raise RateLimited(f"{said}: too many requests", retry_after=wait or 60.0)
        if status == 503 and wait is not None:
            raise RateLimited(f"{said}: the server asks to wait", retry_after=wait)
        if status >= 500:
            raise Disconnected(f"{said}: a server error")
        raise SourceFailure(said)

    async def _parse(self, answer: Fetched) -> Feed:
        url = self._settings.url
        try:
            return await asyncio.to_thread(
                read_feed,
                answer.body,
                feed_url=url,
                content_type=answer.headers.get("Content-Type"),
            )
        except FeedError as exc:
            raise SourceFailure(f"the feed at {url} cannot be read: {exc}") from exc

    def _select(
        self, entries: list[Entry], cursor: FeedCursor, seen: set[str], *, fresh: bool
    ) -> list[Entry]:
        """The entries to yield, oldest first; those passed over are remembered as seen."""
        unique: dict[str, Entry] = {}
        for entry in entries:
            unique.setdefault(_digest(entry.post.network_id), entry)
        # Feeds list the newest first: reversed, a stable sort keeps ties in time order.
        ordered = sorted(reversed(unique.values()), key=lambda e: e.post.created_at)
        new = [e for e in ordered if _digest(e.post.network_id) not in seen]
        keep = [e for e in new if self._carries_hashtag(e.post)]
        if fresh:
            keep = keep[-self.first_run :]
        for entry in new:
            if entry not in keep:
                self._remember(cursor, seen, entry.post.network_id)
        return keep

    def _report(self, skipped: list[Skipped]) -> None:
        """Count each entry left out once, not again at every poll that still lists it."""
        for skip in skipped:
            if skip.key in self._skips:
                continue
            self._skips[skip.key] = None
            if len(self._skips) > self.max_seen:
                self._skips.popitem(last=False)
            self._ctx.skipped(f"the feed at {self._settings.url}: {skip.reason}")

    def _carries_hashtag(self, post: Post) -> bool:
        if not self._settings.require_hashtags or not self._wanted:
            return True
        return any(fold(tag) in self._wanted for tag in post.hashtags)

    async def _with_media(self, entry: Entry) -> Post:
        media = [await self._ctx.image(p.url, alt=p.alt) for p in entry.pictures]
        avatar = None
        if entry.avatar_url:
            if entry.avatar_url not in self._avatars:
                self._avatars[entry.avatar_url] = await self._ctx.image(entry.avatar_url)
            avatar = self._avatars[entry.avatar_url]
        author = msgspec.structs.replace(
            entry.post.author, avatar_url=avatar.url if avatar else None
        )
        return msgspec.structs.replace(
            entry.post, author=author, media=tuple(m for m in media if m is not None)
        )

    # -- the cursor ---------------------------------------------------------------------

    @staticmethod
    def _remember(cursor: FeedCursor, seen: set[str], network_id: str) -> None:
        digest = _digest(network_id)
        if digest not in seen:
            seen.add(digest)
            cursor.seen.append(digest)

    def _trim(self, cursor: FeedCursor, current: set[str]) -> None:
        """Forget the oldest digests beyond ``max_seen``, never those still in the feed."""
        room = max(self.max_seen, len(current)) - len(current)
        older = [d for d in cursor.seen if d not in current]
        kept = older[len(older) - room :] if room else []
        cursor.seen = [*kept, *(d for d in cursor.seen if d in current)]

    async def _load(self) -> FeedCursor | None:
        text = await self._ctx.cursor.load()
        if text is None:
            return None
        try:
            return msgspec.json.decode(text, type=FeedCursor)
        except msgspec.DecodeError:
            log.warning("source %s: unreadable cursor, starting afresh", self.name)
            return None

    async def _save(self, cursor: FeedCursor) -> None:
        await self._ctx.cursor.save(msgspec.json.encode(cursor).decode())


__all__ = ["FeedCursor", "RssFeed", "parse_date", "retry_after"]
