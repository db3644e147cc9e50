"""The Bluesky source: the event's hashtags picked out of the whole network's Jetstream.

``BlueskyFeed`` subscribes to Jetstream's posts (``wantedCollections=app.bsky.feed.post``,
no compression), keeps the posts carrying the event's hashtags with the pure functions of
``wall.sources.bluesky_wire`` (re-exported here), looks their authors up in batches of 25
and caches them, fetches their pictures into the media store, saves the cursor, takes down
posts their authors delete, and translates transport errors into ``wall.sources.errors``
(shared/SOURCES.md, "Bluesky").
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import AsyncGenerator, Iterable
from urllib.parse import urlencode

import msgspec
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus, WebSocketException
from yarl import URL

from moderation.post import Media, Post
from wall.fetch import FetchRefused, fetch_bytes
from wall.settings import BlueskySource
from wall.sources.bluesky_quotes import QuoteLookup
from wall.sources.bluesky_wire import (
    CASEFOLD_TO_ASCII,
    DEFAULT_CDN,
    NETWORK,
    POST_COLLECTION,
    Deletion,
    Frame,
    Picture,
    Profile,
    Record,
    Sieve,
    decode_profiles,
    frame_time_us,
    link_card,
    matching_tags,
    normalise_tag,
    parse_frame,
    parse_post,
    pictures,
    post_tags,
    quoted_uri,
    render_html,
)
from wall.sources.context import SourceContext
from wall.sources.errors import Disconnected, NotFoundOnNetwork, RateLimited, SourceFailure

log = logging.getLogger(__name__)

PROFILES_PER_CALL = 25  # app.bsky.actor.getProfiles takes at most 25 actors


class _Unreadable(Exception):
    """A frame that could not be made into a post; the message says why."""


class ProfileCache:
    """Author profiles by DID, least recently used first out, each kept ``ttl`` seconds.

    A DID the AppView does not know (or could not be asked about) is kept as ``None``, for
    ``miss_ttl`` seconds, so a failing AppView is not asked again for every post.
    """

    def __init__(self, *, size: int = 10_000, ttl: float = 3600.0, miss_ttl: float = 60.0):
        self.size, self.ttl, self.miss_ttl = size, ttl, miss_ttl
        self._items: OrderedDict[str, tuple[float, Profile | None, Media | None]] = OrderedDict()

    def get(self, did: str) -> tuple[Profile | None, Media | None] | None:
        """``(profile, stored avatar)``, or ``None`` when unknown or expired."""
        item = self._items.get(did)
        if item is None:
            return None
        if item[0] < time.monotonic():
            del self._items[did]
            return None
        self._items.move_to_end(did)
        return item[1], item[2]

    def put(self, did: str, profile: Profile | None, avatar: Media | None = None) -> None:
        ttl = self.ttl if profile is not None else self.miss_ttl
        self._items[did] = (time.monotonic() + ttl, profile, avatar)
        self._items.move_to_end(did)
        while len(self._items) > self.size:
            self._items.popitem(last=False)


class _Recent:
    """The last ``size`` post URIs delivered, to skip replays and to recognise deletes."""

    def __init__(self, size: int = 50_000) -> None:
        self.size = size
        self._items: OrderedDict[str, None] = OrderedDict()

    def __contains__(self, uri: str) -> bool:
        return uri in self._items

    def __len__(self) -> int:
        return len(self._items)

    def add(self, uri: str) -> None:
        self._items[uri] = None
        self._items.move_to_end(uri)
        if len(self._items) > self.size:
            self._items.popitem(last=False)


class _Batch:
    """Frames read together, so that their authors are looked up in one call."""

    def __init__(self) -> None:
        self.frames: list[Frame] = []
        self.last: int | bytes | None = None  # the last frame read: its time_us, or raw
        self.closed: ConnectionClosed | None = None


class BlueskyFeed:
    """The Bluesky source: posts of the whole network carrying the event's hashtags.

    Tuning attributes (tests shorten them): ``stall_seconds`` without any frame counts as
    a dead connection; ``rewind_seconds`` is how far before the saved cursor a reconnect
    resumes (``time_us`` is not strictly ordered); ``batch_seconds`` is how long a matching
    post waits for others so that authors are looked up together; ``cursor_seconds``
    spaces cursor saves when no post is delivered.
    """

    def __init__(
        self,
        settings: BlueskySource,
        ctx: SourceContext,
        name: str = "bluesky",
        *,
        cdn: str = DEFAULT_CDN,
    ) -> None:
        self.name = name
        self.settings = settings
        self.ctx = ctx
        self.cdn = cdn.rstrip("/")
        self.stall_seconds = 30.0
        self.rewind_seconds = 5.0
        self.batch_seconds = 0.1
        self.cursor_seconds = 1.0
        self.open_timeout = 10.0
        self.max_frame_bytes = 8 * 1024 * 1024  # far above any post; a larger frame drops
        self.profiles = ProfileCache()
        self.quotes = QuoteLookup(ctx.http, ctx.guard, settings.appview)
        self.sieve = Sieve(ctx.event.hashtags)
        self._delivered = _Recent()
        self._done: int | bytes | None = None  # the last frame fully processed
        self._saved: int | None = None
        self._saved_at = 0.0
        self._malformed = 0  # malformed frames already logged

    # -- the source contract --------------------------------------------------------------

    async def posts(self) -> AsyncGenerator[Post, None]:
        """Yield the event's posts, from the saved cursor (rewound) on, until a failure."""
        if not self.sieve.wanted:
            raise SourceFailure("the event has no hashtags: a Bluesky source follows hashtags")
        if not self._delivered:
            # After a restart, recognise the deletion of posts stored before it.
            for uri in reversed(await self.ctx.stored_ids("bluesky", self._delivered.size)):
                self._delivered.add(uri)
            self.sieve.deletes = bool(self._delivered)
        url = await self.subscribe_url()
        host = self.settings.jetstream
        try:
            # Through the fetch guard like every connection Murmur makes: a Jetstream URL
            # on a private or loopback address is refused before connecting.
            address, port = await self.ctx.guard.socket_address(URL(url))
        except FetchRefused as exc:
            raise SourceFailure(f"{URL(url).host} may not be reached: {exc}") from exc
        try:
            async with connect(
                url,
                host=address,
                port=port,
                compression=None,  # Jetstream's zstd needs a custom dictionary; plain JSON
                max_size=self.max_frame_bytes,
                open_timeout=self.open_timeout,
                close_timeout=2,
                user_agent_header="Murmur (social wall)",
            ) as ws:
                log.info("%s: connected to %s", self.name, host)
                self.ctx.live()
                while True:
                    batch = await self._read_batch(ws)
                    if self.sieve.malformed > self._malformed:
                        log.warning(
                            "%s: skipped %d malformed frame(s); the last: %s",
                            self.name,
                            self.sieve.malformed - self._malformed,
                            self.sieve.last_malformed,
                        )
                        for _ in range(self.sieve.malformed - self._malformed):
                            self.ctx.skipped(
                                f"{host} sent a frame Murmur cannot read: "
                                f"{self.sieve.last_malformed[:200]}"
                            )
                        self._malformed = self.sieve.malformed
                    await self.lookup(
                        f.did for f in batch.frames if f.commit and f.commit.record is not None
                    )
                    for frame in batch.frames:
                        try:
                            post = await self._handle(frame)
                        except _Unreadable as exc:
                            log.warning("%s: skipped %s: %s", self.name, frame.uri, exc.__cause__)
                            self.ctx.skipped(f"Murmur cannot read the post {frame.uri}: {exc}")
                            continue
                        if post is None:
                            continue
                        yield post
                        # The post is consumed (stored): only now may the cursor pass it.
                        self._delivered.add(post.network_id)
                        self.sieve.deletes = True
                        self._done = frame.time_us
                        await self._save_cursor(force=True)
                    if batch.last is not None:
                        self._done = batch.last
                    await self._save_cursor()
                    if batch.closed is not None:
                        raise batch.closed
        except InvalidStatus as exc:
            raise _refused(host, exc) from exc
        except ConnectionClosed as exc:
            raise Disconnected(f"the connection to {host} dropped ({_closed(exc)})") from exc
        except _Stalled as exc:
            raise Disconnected(
                f"no frame from {host} for {self.stall_seconds:g} s; reconnecting"
            ) from exc
        except (WebSocketException, OSError, TimeoutError) as exc:
            raise Disconnected(f"could not reach {host} ({_describe(exc)})") from exc
        finally:
            # Keep where we got to for the next start, even after a failure.
            try:
                await asyncio.shield(self._save_cursor(force=True))
            except Exception:
                log.exception("%s: could not save the cursor", self.name)

    async def subscribe_url(self) -> str:
        """``/subscribe`` for posts, from the saved cursor minus ``rewind_seconds``."""
        base = self.settings.jetstream.rstrip("/")
        query = [("wantedCollections", POST_COLLECTION)]
        resume = await self._resume_point()
        if resume is not None:
            cursor = max(0, resume - int(self.rewind_seconds * 1_000_000))
            query.append(("cursor", str(cursor)))
        return f"{base}/subscribe?{urlencode(query)}"

    # -- reading --------------------------------------------------------------------------

    async def _read_batch(self, ws: ClientConnection) -> _Batch:
        """Frames up to the first wanted one; if its author is not cached, also whatever
        comes in the next ``batch_seconds`` (up to 25 unknown authors), to ask for them in
        one call."""
        batch = _Batch()
        loop = asyncio.get_running_loop()
        deadline: float | None = None
        unknown: set[str] = set()
        pick = self.sieve.pick
        while True:
            wait = self.stall_seconds if deadline is None else deadline - loop.time()
            if wait <= 0:
                return batch
            try:
                async with asyncio.timeout(wait):
                    raw = await ws.recv(decode=False)
            except TimeoutError:
                if deadline is None:
                    raise _Stalled from None
                return batch
            except ConnectionClosed as exc:
                if not batch.frames:
                    raise
                batch.closed = exc
                return batch
            frame = pick(raw)
            if frame is None:
                batch.last = raw  # its time_us is read only if the cursor is saved now
                if deadline is None and self._cursor_due():
                    return batch
                continue
            batch.frames.append(frame)
            batch.last = frame.time_us
            if frame.commit and frame.commit.record and self.profiles.get(frame.did) is None:
                unknown.add(frame.did)
                if len(unknown) >= PROFILES_PER_CALL:
                    return batch
            if not unknown:
                return batch  # no author to look up: no reason to wait
            if deadline is None:
                deadline = loop.time() + self.batch_seconds

    async def _handle(self, frame: Frame) -> Post | None:
        commit = frame.commit
        assert commit is not None
        uri = frame.uri
        if commit.operation == "delete":
            if uri in self._delivered:
                deletion = Deletion(network_id=uri, time_us=frame.time_us)
                log.info("%s: %s was deleted by its author", self.name, uri)
                await self.ctx.deleted(deletion.network, deletion.network_id)
            return None
        if commit.record is None or uri in self._delivered:
            return None  # a replay after a reconnect, or a duplicate
        return await self._build(frame.did, commit.rkey, commit.record, frame.time_us)

    async def _build(self, did: str, rkey: str, record: Record, time_us: int) -> Post:
        """The post; ``_Unreadable`` when the record cannot be made into one (a bug or a
        value out of range must cost that post only, never the source)."""
        profile, avatar = await self._author(did)
        try:
            found = [(p.url, p.alt) for p in pictures(did, record, cdn=self.cdn)]
            card = link_card(did, record, cdn=self.cdn)
        except Exception as exc:
            raise _Unreadable(f"{type(exc).__name__}: {exc}"[:200]) from exc
        if card is not None and card[1]:
            found.append((card[1], ""))  # the link card's thumbnail, through the same pipeline
        fetched = await asyncio.gather(*(self.ctx.image(url, alt=alt) for url, alt in found))
        stored = {url: m for (url, _), m in zip(found, fetched, strict=True) if m is not None}
        if profile is not None and profile.avatar and avatar is not None:
            stored[profile.avatar] = avatar
        # Jetstream carries only a reference to a quoted post: its words come from the
        # AppView (wall.sources.bluesky_quotes); a post it does not show quotes nothing.
        quote = await self.quotes.get(quoted_uri(record))
        try:
            post = parse_post(
                did, rkey, record, profile, time_us=time_us, cdn=self.cdn, stored=stored
            )
        except Exception as exc:
            raise _Unreadable(f"{type(exc).__name__}: {exc}"[:200]) from exc
        return msgspec.structs.replace(post, quote=quote) if quote is not None else post

    # -- authors --------------------------------------------------------------------------

    async def _author(self, did: str) -> tuple[Profile | None, Media | None]:
        cached = self.profiles.get(did)
        if cached is None:
            await self.lookup([did])
            cached = self.profiles.get(did)
        return cached or (None, None)

    async def lookup(self, dids: Iterable[str]) -> None:
        """Fetch the profiles (and avatars) of the ``dids`` not cached, 25 per call."""
        todo = list(dict.fromkeys(d for d in dids if self.profiles.get(d) is None))
        calls = [todo[i : i + PROFILES_PER_CALL] for i in range(0, len(todo), PROFILES_PER_CALL)]
        await asyncio.gather(*(self._lookup(chunk) for chunk in calls))

    async def _lookup(self, dids: list[str]) -> None:
        base = self.settings.appview.rstrip("/")
        url = f"{base}/xrpc/app.bsky.actor.getProfiles?{urlencode([('actors', d) for d in dids])}"
        try:
            body, _ = await fetch_bytes(
                self.ctx.http,
                self.ctx.guard,
                url,
                max_bytes=4 * 1024 * 1024,
                time_limit=10.0,
                accept=("application/json",),
            )
            found = {p.did: p for p in decode_profiles(body)}
        except (FetchRefused, msgspec.DecodeError) as exc:
            log.warning("%s: no profiles from %s: %s", self.name, base, exc)
            found = {}
        avatars = await asyncio.gather(
            *(self.ctx.image(p.avatar, alt=p.display_name or p.handle) for p in found.values())
        )
        kept = dict(zip(found, avatars, strict=True))
        for did in dids:
            self.profiles.put(did, found.get(did), kept.get(did))

    # -- the cursor -----------------------------------------------------------------------

    async def _resume_point(self) -> int | None:
        done = self._time_us(self._done)
        if done is not None:
            return done
        stored = await self.ctx.cursor.load()
        if stored is None:
            return None
        try:
            return int(stored)
        except ValueError:
            log.warning("%s: ignoring a saved cursor that is not a time: %r", self.name, stored)
            return None

    def _cursor_due(self) -> bool:
        return time.monotonic() - self._saved_at >= self.cursor_seconds

    async def _save_cursor(self, *, force: bool = False) -> None:
        if not force and not self._cursor_due():
            return
        value = self._time_us(self._done)
        self._done = value
        self._saved_at = time.monotonic()
        if value is not None and value != self._saved:
            self._saved = value
            await self.ctx.cursor.save(str(value))

    @staticmethod
    def _time_us(mark: int | bytes | None) -> int | None:
        return frame_time_us(mark) if isinstance(mark, bytes) else mark


class _Stalled(Exception):
    pass


def _closed(exc: ConnectionClosed) -> str:
    frame = exc.rcvd or exc.sent
    if frame is None:
        return "no close frame"
    return f"code {frame.code}" + (f", {frame.reason}" if frame.reason else "")


def _describe(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__


def _refused(host: str, exc: InvalidStatus) -> SourceFailure:
    """A readable failure for a refused handshake, honouring ``Retry-After``."""
    status = exc.response.status_code
    if status == 429:
        header = exc.response.headers.get("Retry-After", "")
        try:
            retry_after: float | None = max(0.0, float(header))
        except ValueError:
            retry_after = None
        return RateLimited(
            f"{host} is rate limiting connections (HTTP 429)", retry_after=retry_after
        )
    if status == 404:
        return NotFoundOnNetwork(
            f"{host} has no Jetstream /subscribe endpoint (HTTP 404): check `jetstream`"
        )
    if 400 <= status < 500:
        return SourceFailure(
            f"{host} refused the connection (HTTP {status}): check `jetstream` in the config"
        )
    return Disconnected(f"{host} failed to accept the connection (HTTP {status})")


__all__ = [
    "CASEFOLD_TO_ASCII",
    "DEFAULT_CDN",
    "NETWORK",
    "PROFILES_PER_CALL",
    "BlueskyFeed",
    "Deletion",
    "Frame",
    "Picture",
    "Profile",
    "ProfileCache",
    "Record",
    "Sieve",
    "frame_time_us",
    "matching_tags",
    "normalise_tag",
    "parse_frame",
    "parse_post",
    "pictures",
    "post_tags",
    "quoted_uri",
    "render_html",
]
