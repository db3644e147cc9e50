"""The Mastodon source: one server's hashtag timelines, streamed or polled.

With a token it streams over one WebSocket (docs.joinmastodon.org/methods/streaming: since
Mastodon 4.2 every stream needs one), subscribed to every hashtag of the event, after
catching up on the REST tag timeline from the saved cursor, so a restart leaves no gap.
Without a token, or when the server will not stream, it polls
``/api/v1/timelines/tag/{tag}?min_id=`` (docs.joinmastodon.org/methods/timelines). The
payloads are read by the pure ``wall.sources.mastodon_wire``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Mapping

import aiohttp
import msgspec
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus, WebSocketException
from yarl import URL

from moderation.post import Emoji, Media, Post
from wall.fetch import FetchRefused
from wall.settings import MastodonSource
from wall.sources.context import SourceContext
from wall.sources.errors import (
    BadCredentials,
    Disconnected,
    NotFoundOnNetwork,
    RateLimited,
    SourceFailure,
)
from wall.sources.mastodon_wire import (
    Deletion,
    MalformedPayload,
    ParsedStatus,
    StreamError,
    Update,
    parse_status,
    parse_ws_frame,
    peek_id,
    retry_after,
    status_id_key,
)

log = logging.getLogger(__name__)

MAX_FRAME_BYTES = 4 * 1024 * 1024  # above this websockets closes the socket (1009)
MAX_PAGE_BYTES = 48 * 1024 * 1024  # 40 statuses


class _StreamingRefused(Exception):
    """The server will not stream to us (no token accepted, no streaming API): poll."""


class MastodonFeed:
    """Posts carrying the event's hashtags on one Mastodon server (see the module doc).

    A status deleted on the network (streaming only) is passed to ``ctx.deleted`` when this
    feed yielded it since it started: a ``delete`` event carries the local id alone, and
    only the feed's memory maps it to the ``uri`` that identifies the post.
    """

    # The streaming server pings every 30 s: two missed beats mean the link is dead. Also
    # the time limit of each REST request.
    stall_seconds = 60.0
    page_size = 40

    def __init__(self, settings: MastodonSource, ctx: SourceContext, name: str) -> None:
        self.name, self.settings, self.ctx = name, settings, ctx
        self._base = URL(settings.server.rstrip("/"))
        self._host = self._base.host or settings.server
        self._tags = tuple(dict.fromkeys(t.lstrip("#").lower() for t in ctx.event.hashtags))
        self._streaming = True
        self._cursors: dict[str, str] = {}
        self._seen: OrderedDict[str, str] = OrderedDict()  # status id -> uri, yielded
        self._avatars: OrderedDict[str, Media | None] = OrderedDict()
        self._not_before = 0.0

    async def posts(self) -> AsyncIterator[Post]:
        """Stream (with a token) or poll the event's hashtags, from the saved cursor on."""
        if not self._tags:
            raise NotFoundOnNetwork("the event has no hashtags for Mastodon to follow")
        self._cursors = await self._load_cursors()
        env = self.settings.token_env
        token = self.ctx.secret(env) if env else None
        try:
            if token and self._streaming:
                try:
                    async for post in self._stream(token):
                        yield post
                except _StreamingRefused as exc:
                    self._streaming = False
                    log.warning("%s: %s; polling %s instead", self.name, exc, self._host)
            async for post in self._poll(token):
                yield post
        except FetchRefused as exc:
            raise SourceFailure(f"{self._host} may not be reached: {exc}") from exc
        except ConnectionClosed as exc:
            stalled = exc.sent is not None and exc.sent.code == 1011  # keepalive ping timeout
            how = "stalled (no answer to pings)" if stalled else "dropped"
            raise Disconnected(f"the stream from {self._host} {how}") from exc
        except TimeoutError as exc:
            raise Disconnected(f"{self._host} stopped answering") from exc
        except (aiohttp.ClientError, WebSocketException, OSError) as exc:
            raise Disconnected(f"could not reach {self._host} ({type(exc).__name__})") from exc

    async def _poll(self, token: str | None) -> AsyncIterator[Post]:
        while True:
            async for post in self._catch_up(token, strict=True):
                yield post
            self.ctx.live()  # a whole round answered: polling works
            await asyncio.sleep(self.settings.poll_seconds)

    async def _stream(self, token: str) -> AsyncIterator[Post]:
        url = await self._streaming_url()
        host, port = await self._checked_address(url)
        half = self.stall_seconds / 2  # a ping every half, an answer within the other half
        try:
            async with connect(
                str(url),
                additional_headers={"Authorization": f"Bearer {token}"},
                user_agent_header="Murmur (social wall)",
                proxy=None,
                open_timeout=self.stall_seconds,
                ping_interval=half,
                ping_timeout=half,
                close_timeout=half,
                max_size=MAX_FRAME_BYTES,
                # Frames wait here during the catch-up; a full queue would stop reading
                # the socket, pongs included, and the keepalive would drop it.
                max_queue=256,
                host=host,
                port=port,
            ) as ws:
                self.ctx.live()
                stream = "hashtag:local" if self.settings.local_only else "hashtag"
                for tag in self._tags:
                    await ws.send(json.dumps({"type": "subscribe", "stream": stream, "tag": tag}))
                # New frames wait in the socket while the timeline fills the gap since the
                # cursor; what arrives twice is dropped by the seen-set.
                async for post in self._catch_up(token, strict=False):
                    yield post
                async for frame in ws:
                    try:
                        event = parse_ws_frame(frame, server=self._host)
                    except Exception as exc:  # one unreadable frame costs that frame only
                        self._skip("a frame", exc)
                        continue
                    if isinstance(event, StreamError):
                        if event.status in {401, 403}:
                            raise _StreamingRefused(f"streaming refused: {event.message[:200]}")
                        log.warning("%s: stream error %s", self.name, event.message[:200])
                    elif isinstance(event, Deletion):
                        await self._deleted(event.status_id)
                    elif isinstance(event, Update):
                        fresh = await self._fetched(event.status, edited=event.edited)
                        if fresh is not None:
                            yield fresh
                        await self._consumed(event.tag, event.status)
        except InvalidStatus as exc:
            status = exc.response.status_code
            if status == 429 or status >= 500:
                raise self._failure(status, exc.response.headers) from exc
            raise _StreamingRefused(f"the streaming server answered {status}") from exc
        raise Disconnected(f"the streaming server of {self._host} closed the connection")

    async def _catch_up(self, token: str | None, *, strict: bool) -> AsyncIterator[Post]:
        """Every status since each tag's cursor, oldest first (the newest page at first)."""
        unknown = []
        for tag in self._tags:
            while True:
                since = self._cursors.get(tag)
                page = await self._timeline(tag, since, token)
                if page is None:
                    unknown.append(tag)
                    break
                for raw in reversed(page):
                    try:
                        parsed = parse_status(raw, server=self._host)
                    except Exception as exc:  # one unreadable status costs that status only
                        self._skip("a status", exc)
                        await self._advance(tag, peek_id(raw))
                        continue
                    post = await self._fetched(parsed)
                    if post is not None:
                        yield post
                    await self._consumed(tag, parsed)
                if since is None or len(page) < self.page_size:
                    break
        if strict and len(unknown) == len(self._tags):
            tags = ", ".join(f"#{t}" for t in unknown)
            raise NotFoundOnNetwork(f"{self._host} does not know {tags}")

    async def _timeline(self, tag: str, since: str | None, token: str | None) -> list[bytes] | None:
        """A page of the tag's timeline, newest first; ``None`` for a tag it does not know."""
        params = {"limit": str(self.page_size)}
        if since:
            params["min_id"] = since  # gap-free, unlike since_id
        if self.settings.local_only:
            params["local"] = "true"
        try:
            body = await self._get(self._base / "api/v1/timelines/tag" / tag, params, token)
        except NotFoundOnNetwork:
            return None
        try:
            return [bytes(raw) for raw in msgspec.json.decode(body, type=list[msgspec.Raw])]
        except msgspec.MsgspecError as exc:
            raise SourceFailure(f"{self._host} sent a timeline that is not a list") from exc

    async def _get(self, url: URL, params: dict[str, str], token: str | None) -> bytes:
        wait = self._not_before - time.time()
        if wait > 0:
            raise RateLimited(f"{self._host} allows no more requests for now", retry_after=wait)
        self.ctx.guard.check_url(url)
        headers = {"Accept": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        async with self.ctx.http.get(
            url,
            params=params,
            headers=headers,
            allow_redirects=False,
            timeout=aiohttp.ClientTimeout(total=self.stall_seconds),
        ) as response:
            remaining = response.headers.get("X-RateLimit-Remaining", "")
            if remaining.strip() == "0":
                self._not_before = time.time() + retry_after(response.headers, 0.0)
            if response.status != 200:
                raise self._failure(response.status, response.headers)
            body = bytearray()
            async for chunk in response.content.iter_chunked(65536):
                body += chunk
                if len(body) > MAX_PAGE_BYTES:
                    raise SourceFailure(f"{self._host} sent an answer over {MAX_PAGE_BYTES} bytes")
            return bytes(body)

    def _failure(self, status: int, headers: Mapping[str, str]) -> SourceFailure:
        host, env = self._host, self.settings.token_env
        if status == 401 and env:
            return BadCredentials(
                f"the Mastodon token was refused by {host}: check {env} "
                "(a token of an application with the read:statuses scope)"
            )
        if status == 401:
            return BadCredentials(f"{host} wants a token: set token_env (scope read:statuses)")
        if status == 403:
            return BadCredentials(f"{host} refused access: the token needs read:statuses")
        if status == 404:
            return NotFoundOnNetwork(f"{host} has no such page")
        if status == 429:
            wait = retry_after(headers, 60.0)
            return RateLimited(f"{host} says too many requests", retry_after=wait)
        if status >= 500:
            return Disconnected(f"{host} answered {status} (a server error)")
        if 300 <= status < 400:
            where = headers.get("Location", "elsewhere")[:200]
            return SourceFailure(f"{host} redirects to {where}: set server to that address")
        return SourceFailure(f"{host} answered HTTP {status}")

    async def _streaming_url(self) -> URL:
        if self.settings.streaming:
            base = URL(self.settings.streaming)
        else:
            try:  # the streaming host may differ from the server's (configuration.urls)
                body = await self._get(self._base / "api/v2/instance", {}, None)
                urls = msgspec.json.decode(body).get("configuration", {}).get("urls", {})
                base = URL(urls["streaming"])
            except (NotFoundOnNetwork, ValueError, LookupError, TypeError, AttributeError) as exc:
                raise _StreamingRefused(f"{self._host} names no streaming server") from exc
        scheme = {"http": "ws", "https": "wss"}.get(base.scheme, base.scheme)
        if scheme not in {"ws", "wss"} or not base.host:
            raise _StreamingRefused(f"{base} is not a streaming address")
        host = base.host.lower()
        own = self._host.lower()
        if not self.settings.streaming and host != own and not host.endswith("." + own):
            # The token goes only where the config file sends it (wall.credentials): a
            # streaming host the server names, outside its own domain, gets no token.
            raise _StreamingRefused(
                f"{self._host} names {host} for streaming, outside its own domain: set "
                "streaming in the config file to stream from it"
            )
        if scheme == "ws" and self._base.scheme == "https":
            raise _StreamingRefused(f"{host} offers streaming without TLS: the token stays")
        return base.with_scheme(scheme).with_path(base.path.rstrip("/") + "/api/v1/streaming")

    async def _checked_address(self, url: URL) -> tuple[str, int]:
        """The address to open the socket to, after the SSRF guard's checks."""
        return await self.ctx.guard.socket_address(url)

    async def _fetched(self, parsed: ParsedStatus, *, edited: bool = False) -> Post | None:
        """The post with its pictures in Murmur's store; ``None`` if already yielded."""
        if parsed.id in self._seen and not edited:
            return None
        post = parsed.post
        avatar = await self._avatar(parsed.avatar, post.author.name)
        pictures = await asyncio.gather(*(self.ctx.image(m.url, alt=m.alt) for m in parsed.media))
        media = tuple(
            msgspec.structs.replace(
                stored, kind=m.kind, width=stored.width or m.width, height=stored.height or m.height
            )
            for stored, m in zip(pictures, parsed.media, strict=True)
            if stored is not None
        )
        author = msgspec.structs.replace(post.author, avatar_url=avatar.url if avatar else None)
        emoji = []
        for shortcode, url in parsed.emoji:
            picture = await self._avatar(url, f":{shortcode}:")  # same small-picture cache
            if picture is not None:
                emoji.append(Emoji(shortcode=shortcode, url=picture.url))
        link = post.link
        if link is not None and parsed.link_image:
            # The preview's picture goes through the media pipeline like any other.
            picture = await self.ctx.image(parsed.link_image, alt="")
            link = msgspec.structs.replace(link, image=picture)
        return msgspec.structs.replace(
            post, author=author, media=media, emoji=tuple(emoji), link=link
        )

    async def _avatar(self, url: str | None, name: str) -> Media | None:
        if not url:
            return None
        if url not in self._avatars:
            self._avatars[url] = await self.ctx.image(url, alt=name)
            if len(self._avatars) > 1000:
                self._avatars.popitem(last=False)
        return self._avatars[url]

    def _skip(self, what: str, exc: Exception) -> None:
        """Log and count an item that could not be read; the source goes on."""
        why = str(exc) if isinstance(exc, MalformedPayload) else f"{type(exc).__name__}: {exc}"
        log.warning(
            "%s: skipped %s: %s",
            self.name,
            what,
            why[:300],
            exc_info=not isinstance(exc, MalformedPayload),
        )
        self.ctx.skipped(f"{self._host} sent {what} Murmur cannot read: {why[:200]}")

    async def _deleted(self, status_id: str) -> None:
        uri = self._seen.pop(status_id, None)
        if uri is None:
            log.info("%s: status %s was deleted before this feed saw it", self.name, status_id)
        else:
            await self.ctx.deleted("mastodon", uri)

    async def _consumed(self, tag: str | None, parsed: ParsedStatus) -> None:
        self._seen[parsed.id] = parsed.post.network_id
        if len(self._seen) > 5000:
            self._seen.popitem(last=False)
        await self._advance(tag, parsed.id)

    async def _advance(self, tag: str | None, status_id: str | None) -> None:
        current = self._cursors.get(tag or "")
        if (
            tag
            and status_id
            and (current is None or status_id_key(status_id) > status_id_key(current))
        ):
            self._cursors[tag] = status_id
            await self.ctx.cursor.save(json.dumps(self._cursors, sort_keys=True))

    async def _load_cursors(self) -> dict[str, str]:
        saved = await self.ctx.cursor.load()
        try:
            return msgspec.json.decode(saved, type=dict[str, str]) if saved else {}
        except msgspec.MsgspecError:
            log.warning("%s: unreadable cursor %r, starting afresh", self.name, (saved or "")[:100])
            return {}


__all__ = ["Deletion", "MastodonFeed", "parse_status", "parse_ws_frame"]
