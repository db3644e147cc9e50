"""The X source: the filtered stream, on rules that Murmur keeps in step with the event.

What X documents (docs.x.com, "Filtered stream"; shared/SOURCES.md, "X"), and what
``XFeed`` does about it:

- Rules live on the app, not on the connection: one per hashtag, ``#tag -is:retweet``,
  each with a ``tag`` ``murmur:{event}:{hashtag}``. Every (re)start lists the app's rules,
  deletes this event's stale ones and adds the missing ones; other events' and other
  tools' rules are left alone, and the posts only they bring are dropped.
- ``GET /2/tweets/search/stream`` sends one JSON object per line ending ``\\r\\n`` and a
  bare ``\\r\\n`` at least every 20 s; silence past ``stall_seconds`` (30 s) is a stalled
  stream, replaced.
- Reconnecting: network errors back off linearly (+250 ms, up to 16 s), HTTP errors
  exponentially from 5 s to 320 s, 429 exponentially from 60 s (or until
  ``x-rate-limit-reset``); at most 50 connections in 15 minutes. These become the
  ``retry_after`` of the failures the supervisor acts on.
- Posts sent while Murmur was away are read from recent search
  (``GET /2/tweets/search/recent?since_id=CURSOR``) once the new stream is open, so a
  restart or a reconnection leaves no gap; an app that may not stream (403) searches every
  ``poll_seconds`` instead, each time from the first page's ``newest_id``.

The JSON is read by the pure ``wall.sources.x_wire``; the talking is done by tweepy,
through ``wall.sources.x_client.XClient``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict, deque
from collections.abc import AsyncIterator, Mapping

import aiohttp
import msgspec
from aiohttp.http_exceptions import LineTooLong
from tweepy import StreamRule
from tweepy.errors import Forbidden, HTTPException, Unauthorized

from moderation.post import Media, Post
from wall.fetch import FetchRefused
from wall.settings import XSource
from wall.sources.context import SourceContext
from wall.sources.errors import (
    BadCredentials,
    Disconnected,
    NotFoundOnNetwork,
    RateLimited,
    SourceFailure,
)
from wall.sources.x_client import Lost, Refused, XClient
from wall.sources.x_wire import (
    MAX_LINE,
    MalformedLine,
    Rule,
    Rules,
    parse_search_page,
    parse_stream_line,
    problem_text,
    rules_for,
    search_queries,
)

log = logging.getLogger(__name__)


class _StreamForbidden(Exception):
    """The app may not connect to the filtered stream (403 on it)."""


class _SearchRefused(Exception):
    """The app may not use recent search (401/403 on it)."""


class XFeed:
    """Posts carrying the event's hashtags on X (see the module doc).

    The documented waits are attributes, so tests can shorten them.
    """

    stall_seconds = 30.0
    network_step, network_max = 0.25, 16.0
    http_start, http_max = 5.0, 320.0
    limit_start = 60.0
    connects_allowed, connects_window = 50, 15 * 60.0
    gap_pages = 10  # recent search pages of 100 read to fill a gap (each post is billed)
    first_poll = 10  # posts read by the first search when there is no cursor yet

    def __init__(self, settings: XSource, ctx: SourceContext, name: str) -> None:
        self.name, self.settings, self.ctx = name, settings, ctx
        self._event = ctx.event.slug
        self._rules = rules_for(self._event, ctx.event.hashtags)
        self._prefix = f"murmur:{self._event}:"
        self._searching = settings.search_fallback
        self._polling = False
        self._network_failures = self._http_failures = self._limited = 0
        self._connects: deque[float] = deque()  # when the recent connections were made
        self._cursor: int | None = None
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._avatars: OrderedDict[str, Media | None] = OrderedDict()

    async def posts(self) -> AsyncIterator[Post]:
        env = self.settings.token_env
        token = self.ctx.secret(env)
        if not token:
            raise BadCredentials(f"no X bearer token: set the environment variable {env}")
        if not self._rules:
            raise NotFoundOnNetwork("the event has no hashtags for X to follow")
        self._cursor = await self._load_cursor()
        client = XClient(
            token,
            base=self.settings.api,
            http=self.ctx.http,
            guard=self.ctx.guard,
            stall_seconds=self.stall_seconds,
            rule_prefix=self._prefix,
            on_skip=self.ctx.skipped,
        )
        try:
            if not self._polling:
                try:
                    await self._sync_rules(client)
                    async for post in self._stream(client):
                        yield post
                except (Forbidden, _StreamForbidden) as exc:
                    if not self._searching:
                        raise self._http_failure(403, {}, "403") from exc
                    self._polling = True
                    log.warning("%s: X refused the stream (%s); searching instead", self.name, exc)
            async for post in self._poll(client):
                yield post
        except HTTPException as exc:
            status = exc.response.status
            raise self._http_failure(status, exc.response.headers, f"HTTP {status}") from exc
        except FetchRefused as exc:
            raise SourceFailure(f"{self.settings.api} may not be reached: {exc}") from exc
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            raise self._network_failure(f"could not reach X ({type(exc).__name__})") from exc

    # -- the stream ----------------------------------------------------------------------

    async def _stream(self, client: XClient) -> AsyncIterator[Post]:
        self._check_connect_budget()
        self._connects.append(time.monotonic())
        client.open()
        try:
            first = await client.next()
            if first != XClient.CONNECTED:
                self._raise_outcome(client)
            self.ctx.live()
            self._network_failures = self._http_failures = self._limited = 0
            if self._searching and self._cursor is not None:
                # The stream is open, its posts wait in the inbox: fill the gap behind it.
                try:
                    async for post in self._catch_up(client, self._cursor):
                        yield post
                except _SearchRefused as exc:
                    self._searching = False
                    log.warning("%s: %s; the gap since the last post is not filled", self.name, exc)
            while True:
                item = await client.next()
                if item is None:
                    self._raise_outcome(client)
                elif isinstance(item, list):
                    for post in item:
                        fresh = await self._fetched(post)
                        if fresh is not None:
                            yield fresh
                        await self._advance(post.network_id)
        finally:
            await client.close()

    def _raise_outcome(self, client: XClient) -> None:
        outcome = client.outcome.result() if client.outcome.done() else None
        if isinstance(outcome, Refused):
            if outcome.status == 403:
                raise _StreamForbidden("403 on the stream")
            raise self._http_failure(outcome.status, outcome.headers, f"HTTP {outcome.status}")
        if isinstance(outcome, Lost):
            how = {"stalled": f"stalled (nothing for {self.stall_seconds:g} s)"}
            raise self._network_failure(f"the X stream {how.get(outcome.how, outcome.how)}")
        if isinstance(outcome, LineTooLong):
            raise self._network_failure(f"X sent a line over {MAX_LINE} bytes")
        if isinstance(outcome, FetchRefused):
            raise SourceFailure(f"{self.settings.api} may not be reached: {outcome}")
        if isinstance(outcome, BaseException):
            raise outcome
        raise self._network_failure("the X stream ended")

    def _check_connect_budget(self) -> None:
        now = time.monotonic()
        while self._connects and self._connects[0] <= now - self.connects_window:
            self._connects.popleft()
        if len(self._connects) >= self.connects_allowed:
            wait = self._connects[0] + self.connects_window - now
            raise RateLimited(
                f"{len(self._connects)} connections to X in {self.connects_window / 60:g} "
                "minutes: that is X's limit",
                retry_after=wait,
            )

    # -- rules ---------------------------------------------------------------------------

    async def _sync_rules(self, client: XClient) -> None:
        """Make the app's rules for this event exactly ``self._rules``; leave the rest."""
        listed = msgspec.convert(await client.get_rules(), type=Rules, strict=False)
        stale, kept = self._sort_rules(listed.data)
        if stale:
            await client.delete_rules(stale)
            log.info("%s: deleted %d stale X rules", self.name, len(stale))
        missing = [StreamRule(value=v, tag=t) for t, v in self._rules.items() if t not in kept]
        if not missing:
            return
        answer = await client.add_rules(missing)
        for error in answer.get("errors") or ():
            rule = str(error.get("value", ""))[:120]
            log.warning("%s: X did not add the rule %r: %s", self.name, rule, problem_text(error))
        if not kept and not answer.get("data"):
            raise SourceFailure("X accepted none of the event's rules (the log says why)")

    def _sort_rules(self, rules: list[Rule]) -> tuple[list[str], set[str]]:
        """(ids of this event's rules to delete, tags of its wanted rules already there)."""
        stale: list[str] = []
        kept: set[str] = set()
        for rule in rules:
            tag = rule.tag or ""
            if not tag.startswith(self._prefix):
                continue  # another event's or another tool's rule
            if self._rules.get(tag) == rule.value and tag not in kept:
                kept.add(tag)
            else:
                stale.append(rule.id)
        return stale, kept

    # -- recent search -------------------------------------------------------------------

    async def _poll(self, client: XClient) -> AsyncIterator[Post]:
        """Recent search every ``poll_seconds``, for an app that may not stream."""
        if not self._searching:
            raise BadCredentials("X refused both the stream and recent search for this app")
        while True:
            try:
                async for post in self._catch_up(client, self._cursor):
                    yield post
            except _SearchRefused as exc:
                raise BadCredentials(f"{exc}; check {self.settings.token_env}") from exc
            self._http_failures = self._limited = 0
            await asyncio.sleep(self.settings.poll_seconds)

    async def _catch_up(self, client: XClient, since: int | None) -> AsyncIterator[Post]:
        """The posts after ``since``, oldest first (only the newest few without one)."""
        found: dict[str, Post] = {}
        newest: int | None = None
        for query in search_queries(self.ctx.event.hashtags):
            token: str | None = None
            for _ in range(self.gap_pages if since is not None else 1):
                params: dict[str, object] = {
                    "max_results": 100 if since is not None else self.first_poll
                }
                if since is not None:
                    params["since_id"] = str(since)
                if token:
                    params["next_token"] = token
                try:
                    body = await client.search_recent(query, **params)
                except (Unauthorized, Forbidden) as exc:
                    status = exc.response.status
                    raise _SearchRefused(f"X refused recent search ({status})") from exc
                try:
                    page = parse_search_page(msgspec.json.encode(body))
                except MalformedLine as exc:
                    raise SourceFailure(f"X sent a search page Murmur cannot read: {exc}") from exc
                for why in page.skipped:
                    self.ctx.skipped(f"X sent a post Murmur cannot read: {why}")
                if page.newest_id and (newest is None or int(page.newest_id) > newest):
                    newest = int(page.newest_id)
                found.update((p.network_id, p) for p in page.posts)
                token = page.next_token
                if not token:
                    break
        for post in sorted(found.values(), key=lambda p: int(p.network_id)):
            fresh = await self._fetched(post)
            if fresh is not None:
                yield fresh
            await self._advance(post.network_id)
        if newest is not None:
            await self._advance(str(newest))

    # -- failures ------------------------------------------------------------------------

    def _http_failure(self, status: int, headers: Mapping[str, str], said: str) -> SourceFailure:
        env = self.settings.token_env
        if status == 401:
            return BadCredentials(f"X refused the bearer token (401): check {env}")
        if status == 403:
            return BadCredentials(
                f"X refused access (403): the app behind {env} may not use this endpoint"
            )
        if status == 429:
            self._limited += 1
            wait = _reset_in(headers)
            if wait is None:
                wait = self.limit_start * 2 ** (self._limited - 1)
            return RateLimited("X says too many requests (429)", retry_after=wait)
        self._http_failures += 1
        wait = min(self.http_max, self.http_start * 2 ** (self._http_failures - 1))
        return SourceFailure(f"X answered {said[:200]}", retry_after=wait)

    def _network_failure(self, message: str) -> Disconnected:
        self._network_failures += 1
        wait = min(self.network_max, self.network_step * self._network_failures)
        return Disconnected(message, retry_after=wait)

    # -- posts, pictures, cursor ---------------------------------------------------------

    async def _fetched(self, post: Post) -> Post | None:
        """The post with Murmur's copies of its pictures; ``None`` if already yielded."""
        if post.network_id in self._seen:
            return None
        self._seen[post.network_id] = None
        if len(self._seen) > 5000:
            self._seen.popitem(last=False)
        avatar = await self._avatar(post.author.avatar_url, post.author.name)
        stored = await asyncio.gather(*(self.ctx.image(m.url, alt=m.alt) for m in post.media))
        media = tuple(
            msgspec.structs.replace(
                copy, kind=m.kind, width=copy.width or m.width, height=copy.height or m.height
            )
            for copy, m in zip(stored, post.media, strict=True)
            if copy is not None
        )
        author = msgspec.structs.replace(post.author, avatar_url=avatar.url if avatar else None)
        return msgspec.structs.replace(post, author=author, media=media)

    async def _avatar(self, url: str | None, name: str) -> Media | None:
        if not url:
            return None
        if url not in self._avatars:
            self._avatars[url] = await self.ctx.image(url, alt=name)
            if len(self._avatars) > 1000:
                self._avatars.popitem(last=False)
        return self._avatars[url]

    async def _advance(self, post_id: str) -> None:
        ident = int(post_id)
        if self._cursor is None or ident > self._cursor:
            self._cursor = ident
            await self.ctx.cursor.save(str(ident))

    async def _load_cursor(self) -> int | None:
        saved = await self.ctx.cursor.load()
        if saved is None:
            return self._cursor
        if not saved.isdigit():
            log.warning("%s: unreadable cursor %r, starting afresh", self.name, saved[:40])
            return None
        return int(saved)


def _reset_in(headers: Mapping[str, str]) -> float | None:
    """Seconds until ``x-rate-limit-reset`` (epoch seconds), if X sent one."""
    value = headers.get("x-rate-limit-reset", "").strip()
    if not value.isdigit():
        return None
    return min(max(int(value) - time.time(), 1.0), 24 * 3600.0)


__all__ = ["XFeed", "parse_search_page", "parse_stream_line"]
