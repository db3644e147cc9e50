"""A fake Bluesky for tests and benchmarks: Jetstream, the AppView's getProfiles, the CDN.

``FakeJetstream`` is a websockets server on 127.0.0.1 that speaks Jetstream's wire format
(shared/SOURCES.md, "Bluesky"): one compact JSON text frame per event, keys in Go's field
order, records with their keys sorted (a Go map), ``<``, ``>`` and ``&`` escaped the way Go
escapes them, ``identity`` and ``account`` events whatever the filter, ``time_us`` not
strictly ordered, ``wantedCollections`` honoured, and ``cursor`` honoured by replaying the
retained events from that time on, in time order, before the live ones. Its control methods
publish events and misbehave on demand: ``drop``, ``stall``, ``refuse``, ``inject`` (a
malformed or huge frame), ``duplicate``.

``FakeBluesky`` is an aiohttp server with ``/xrpc/app.bsky.actor.getProfiles`` (at most 25
``actors``; unknown ones are left out, as the real AppView does),
``/xrpc/app.bsky.feed.getPosts`` (at most 25 ``uris``, PostViews of the posts added with
``add_post``; unknown ones left out) and the CDN's
``/img/{variant}/plain/{did}/{cid}@jpeg`` paths, serving a small JPEG.

``post_record`` builds realistic post records: tag, link and mention facets with UTF-8
byte offsets, ``tags``, ``langs``, self-labels, image and quote embeds.
"""

from __future__ import annotations

import asyncio
import base64
import io
import json
import random
import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

from aiohttp import web
from PIL import Image, ImageDraw
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

Json = dict[str, Any]
POST = "app.bsky.feed.post"
_TID = "234567abcdefghijklmnopqrstuvwxyz"  # base32-sortable, as atproto TIDs use
_HASHTAG = re.compile(r"(?:^|\s)(#[^\d\s]\S*)")


def _base32(rng: random.Random | None, length: int) -> str:
    data = (rng or random.Random()).randbytes(length * 5 // 8 + 1)
    return base64.b32encode(data).decode().lower()[:length]


def did(rng: random.Random | None = None) -> str:
    """A ``did:plc:`` identifier."""
    return "did:plc:" + _base32(rng, 24)


def cid(rng: random.Random | None = None, *, prefix: str = "bafkrei") -> str:
    """A CIDv1 in base32: ``bafkrei…`` for a blob, ``bafyrei…`` for a record."""
    return prefix + _base32(rng, 52)


def tid(time_us: int, clock_id: int = 0) -> str:
    """An atproto TID: 53 bits of microseconds and 10 of clock id, base32-sortable."""
    value = (time_us << 10) | (clock_id & 0x3FF)
    return "".join(_TID[(value >> (5 * i)) & 31] for i in reversed(range(13)))


def go_map(value: Any) -> Any:
    """Map keys sorted, as Go's encoding/json writes a map: Jetstream decodes each record's
    CBOR into a map and marshals that."""
    if isinstance(value, dict):
        return {k: go_map(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        return [go_map(v) for v in value]
    return value


def go_json(value: Any) -> str:
    """Compact JSON as Go's encoding/json writes it: UTF-8, with <, >, & escaped."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def commit_frame(
    author: str,
    time_us: int,
    *,
    operation: str,
    collection: str,
    rkey: str,
    record: Json | None,
    record_cid: str | None = None,
    extra: Json | None = None,
) -> str:
    """A commit event's frame; a delete has no ``record`` and no ``cid``."""
    commit: Json = {
        "rev": tid(time_us, 1),
        "operation": operation,
        "collection": collection,
        "rkey": rkey,
    }
    if record is not None:
        commit["record"] = go_map(record)
        commit["cid"] = record_cid or cid(prefix="bafyrei")
    frame: Json = {"did": author, "time_us": time_us, "kind": "commit", "commit": commit}
    frame.update(extra or {})
    return go_json(frame)


def identity_frame(author: str, time_us: int, handle: str, seq: int = 1) -> str:
    body = {"did": author, "handle": handle, "seq": seq, "time": _now()}
    return go_json({"did": author, "time_us": time_us, "kind": "identity", "identity": body})


def account_frame(author: str, time_us: int, *, active: bool = True, seq: int = 1) -> str:
    body = {"active": active, "did": author, "seq": seq, "time": _now()}
    return go_json({"did": author, "time_us": time_us, "kind": "account", "account": body})


def _byte_slice(text: str, start: int, end: int) -> Json:
    return {
        "byteStart": len(text[:start].encode()),
        "byteEnd": len(text[:end].encode()),
    }


def post_record(
    text: str,
    *,
    tags: Sequence[str] = (),
    langs: Sequence[str] = ("en",),
    labels: Sequence[str] = (),
    images: Sequence[tuple[str, str, tuple[int, int] | None]] = (),
    quote: str | None = None,
    reply: str | None = None,
    mentions: Iterable[tuple[str, str]] = (),
    links: Iterable[str] = (),
    created_at: str | None = None,
    facet_tags: bool = True,
) -> Json:
    """An ``app.bsky.feed.post`` record as the Bluesky app writes it.

    Hashtags written in ``text`` get tag facets (``facet_tags=False``: none, as some
    clients write them); ``mentions`` are ``(text, did)`` pairs and ``links`` URLs that
    appear in ``text``; ``images`` are ``(cid, alt, (width, height) or None)``; ``quote``
    is the ``at://`` URI of a quoted post, ``reply`` of the parent.
    """
    record: Json = {
        "$type": POST,
        "text": text,
        "createdAt": created_at
        or datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
    }
    if langs:
        record["langs"] = list(langs)
    facets: list[Json] = []
    if facet_tags:
        for match in _HASHTAG.finditer(text):
            tag = match.group(1).rstrip(".,;:!?")
            start = match.start(1)
            facets.append(
                {
                    "$type": "app.bsky.richtext.facet",
                    "index": _byte_slice(text, start, start + len(tag)),
                    "features": [{"$type": "app.bsky.richtext.facet#tag", "tag": tag[1:]}],
                }
            )
    for label, mentioned in mentions:
        start = text.index(label)
        facets.append(
            {
                "index": _byte_slice(text, start, start + len(label)),
                "features": [{"$type": "app.bsky.richtext.facet#mention", "did": mentioned}],
            }
        )
    for url in links:
        start = text.index(url)
        facets.append(
            {
                "index": _byte_slice(text, start, start + len(url)),
                "features": [{"$type": "app.bsky.richtext.facet#link", "uri": url}],
            }
        )
    if facets:
        record["facets"] = facets
    if tags:
        record["tags"] = list(tags)
    if labels:
        record["labels"] = {
            "$type": "com.atproto.label.defs#selfLabels",
            "values": [{"val": v} for v in labels],
        }
    media: Json | None = None
    if images:
        media = {
            "$type": "app.bsky.embed.images",
            "images": [_image(c, alt, ratio) for c, alt, ratio in images],
        }
    if quote is not None:
        ref = {"uri": quote, "cid": cid(prefix="bafyrei")}
        if media is not None:
            record["embed"] = {
                "$type": "app.bsky.embed.recordWithMedia",
                "media": media,
                "record": {"$type": "app.bsky.embed.record", "record": ref},
            }
        else:
            record["embed"] = {"$type": "app.bsky.embed.record", "record": ref}
    elif media is not None:
        record["embed"] = media
    if reply is not None:
        ref = {"uri": reply, "cid": cid(prefix="bafyrei")}
        record["reply"] = {"root": ref, "parent": ref}
    return record


def _image(image_cid: str, alt: str, ratio: tuple[int, int] | None) -> Json:
    image: Json = {
        "alt": alt,
        "image": {
            "$type": "blob",
            "ref": {"$link": image_cid},
            "mimeType": "image/jpeg",
            "size": 48213,
        },
    }
    if ratio is not None:
        image["aspectRatio"] = {"width": ratio[0], "height": ratio[1]}
    return image


@dataclass(frozen=True)
class Event:
    """One event Jetstream knows: its place, its time, and its frame as sent."""

    seq: int
    time_us: int
    collection: str | None  # None for identity and account events
    text: str
    did: str = ""
    rkey: str = ""

    @property
    def uri(self) -> str:
        return f"at://{self.did}/{POST}/{self.rkey}"


@dataclass
class Handshake:
    path: str
    query: dict[str, list[str]]
    headers: Headers

    @property
    def cursor(self) -> int | None:
        return int(self.query["cursor"][0]) if "cursor" in self.query else None


@dataclass
class _Client:
    ws: ServerConnection
    wanted: list[str]
    queue: asyncio.Queue[Event | str] = field(default_factory=asyncio.Queue)
    stalled: bool = False
    sent: int = 0
    drop_after: int | None = None

    def wants(self, event: Event) -> bool:
        if event.collection is None or not self.wanted:
            return True
        return any(
            event.collection == w or (w.endswith(".*") and event.collection.startswith(w[:-1]))
            for w in self.wanted
        )


class FakeJetstream:
    """A Jetstream server on 127.0.0.1 that the tests publish through and misbehave with.

    ``step_us`` is how far its clock moves per event (tests use a large step to make the
    cursor's rewind visible); every fourth event's ``time_us`` is a little before the
    previous one's, as on the real service.
    """

    def __init__(self, *, step_us: int = 1000, start_us: int | None = None, seed: int = 0):
        self.step_us = step_us
        self._clock = start_us if start_us is not None else time.time_ns() // 1000
        self._rng = random.Random(seed)
        self._seq = 0
        self.events: list[Event] = []
        self.handshakes: list[Handshake] = []
        self.clients: list[_Client] = []
        self.connections = 0
        self.replayed: list[int] = []  # per connection: events sent from the retained buffer
        self._refusals: list[tuple[int, dict[str, str]]] = []
        self._server: Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.url = ""

    async def __aenter__(self) -> FakeJetstream:
        self._server = await serve(
            self._serve,
            "127.0.0.1",
            0,
            process_request=self._process_request,
            compression=None,
            max_size=None,
        )
        port = next(iter(self._server.sockets)).getsockname()[1]
        self.url = f"ws://127.0.0.1:{port}"
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    # -- publishing ----------------------------------------------------------------------

    def _next_time(self) -> int:
        self._clock += self.step_us
        if self._seq % 4 == 3:  # not strictly ordered
            return self._clock - self._rng.randrange(1, max(2, self.step_us))
        return self._clock

    def _publish(self, event: Event, *, retain: bool = True) -> Event:
        if retain:
            self.events.append(event)
        for client in self.clients:
            if client.wants(event):
                client.queue.put_nowait(event)
        return event

    def _commit(
        self,
        author: str,
        *,
        operation: str,
        collection: str,
        rkey: str | None,
        record: Json | None,
        extra: Json | None = None,
    ) -> Event:
        self._seq += 1
        time_us = self._next_time()
        rkey = rkey or tid(time_us, self._seq)
        text = commit_frame(
            author,
            time_us,
            operation=operation,
            collection=collection,
            rkey=rkey,
            record=record,
            record_cid=cid(self._rng, prefix="bafyrei"),
            extra=extra,
        )
        return self._publish(Event(self._seq, time_us, collection, text, did=author, rkey=rkey))

    def replay(self, frame: str) -> Event:
        """Publish a frame recorded from a real Jetstream, byte for byte as it was sent."""
        head = json.loads(frame)
        commit = head.get("commit") or {}
        self._seq += 1
        event = Event(
            self._seq,
            int(head.get("time_us", 0)),
            commit.get("collection"),
            frame,
            did=str(head.get("did", "")),
            rkey=str(commit.get("rkey", "")),
        )
        return self._publish(event)

    def post(self, author: str, record: Json, *, rkey: str | None = None, **extra: Any) -> Event:
        """Publish the creation of a post; ``extra`` adds top-level keys (``cursor``…)."""
        return self._commit(
            author, operation="create", collection=POST, rkey=rkey, record=record, extra=extra
        )

    def update(self, author: str, rkey: str, record: Json) -> Event:
        return self._commit(author, operation="update", collection=POST, rkey=rkey, record=record)

    def delete(self, author: str, rkey: str) -> Event:
        return self._commit(author, operation="delete", collection=POST, rkey=rkey, record=None)

    def like(self, author: str, subject: str) -> Event:
        record = {
            "$type": "app.bsky.feed.like",
            "subject": {"uri": subject, "cid": cid(self._rng, prefix="bafyrei")},
            "createdAt": datetime.now(UTC).isoformat(),
        }
        return self._commit(
            author, operation="create", collection="app.bsky.feed.like", rkey=None, record=record
        )

    def identity(self, author: str, handle: str) -> Event:
        self._seq += 1
        time_us = self._next_time()
        text = identity_frame(author, time_us, handle, self._seq)
        return self._publish(Event(self._seq, time_us, None, text, did=author))

    def account(self, author: str, *, active: bool = True) -> Event:
        self._seq += 1
        time_us = self._next_time()
        text = account_frame(author, time_us, active=active, seq=self._seq)
        return self._publish(Event(self._seq, time_us, None, text, did=author))

    def noise(self, count: int) -> None:
        """``count`` events the wall must ignore: likes, untagged and other-tag posts,
        identity and account events."""
        for _ in range(count):
            author = did(self._rng)
            roll = self._rng.random()
            if roll < 0.3:
                self.like(author, f"at://{did(self._rng)}/{POST}/{tid(self._clock)}")
            elif roll < 0.4:
                self.identity(author, f"user{self._rng.randrange(10**6)}.bsky.social")
            elif roll < 0.5:
                self.account(author, active=self._rng.random() < 0.8)
            elif roll < 0.7:
                self.post(author, post_record("Another day, another #coffee ☕", langs=["en"]))
            else:
                self.post(author, post_record("Bom dia! Nada de hashtags aqui.", langs=["pt"]))

    # -- misbehaving ---------------------------------------------------------------------

    def inject(self, frame: str) -> None:
        """Send ``frame`` as it is (malformed, huge…) to the connected clients only."""
        for client in self.clients:
            client.queue.put_nowait(frame)

    def duplicate(self, event: Event) -> None:
        """Send ``event`` once more to the connected clients."""
        self._publish(event, retain=False)

    def drop(self, *, after: int = 0) -> None:
        """Cut every connection without a close frame, as a crashing server or NAT does,
        at once or after sending ``after`` more frames."""
        for client in list(self.clients):
            if after:
                client.drop_after = after
            else:
                client.ws.transport.abort()

    def stall(self) -> None:
        """Stop sending to the connected clients; the connections stay open."""
        for client in self.clients:
            client.stalled = True

    def refuse(self, status: int, *, times: int = 1, headers: dict[str, str] | None = None) -> None:
        """Answer the next ``times`` handshakes with ``status`` instead of upgrading."""
        self._refusals.extend([(status, dict(headers or {}))] * times)

    async def wait_connections(self, count: int, *, timeout: float = 10.0) -> None:
        """Wait until ``count`` websocket connections have been accepted in all."""
        async with asyncio.timeout(timeout):
            while self.connections < count:
                await asyncio.sleep(0.005)

    # -- serving -------------------------------------------------------------------------

    def _process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        split = urlsplit(request.path)
        self.handshakes.append(Handshake(split.path, parse_qs(split.query), request.headers))
        if split.path != "/subscribe":
            return connection.respond(404, "404 page not found\n")
        if self._refusals:
            status, headers = self._refusals.pop(0)
            response = connection.respond(status, f"refused with {status}\n")
            for name, value in headers.items():
                response.headers[name] = value
            return response
        return None

    async def _serve(self, ws: ServerConnection) -> None:
        assert ws.request is not None
        query = parse_qs(urlsplit(ws.request.path).query)
        client = _Client(ws, query.get("wantedCollections", []))
        # Registering and taking the backlog happen with no await between: nothing published
        # meanwhile can be missed or sent twice.
        self.clients.append(client)
        self.connections += 1
        backlog: list[Event] = []
        if "cursor" in query:
            cursor = int(query["cursor"][0])
            backlog = sorted((e for e in self.events if e.time_us >= cursor), key=_time)
        backlog = [e for e in backlog if client.wants(e)]
        self.replayed.append(len(backlog))
        pump = asyncio.create_task(self._pump(client, backlog))
        try:
            await ws.wait_closed()
        finally:
            pump.cancel()
            await asyncio.gather(pump, return_exceptions=True)
            self.clients.remove(client)

    async def _pump(self, client: _Client, backlog: list[Event]) -> None:
        try:
            for event in backlog:
                await self._send(client, event.text)
            while True:
                item = await client.queue.get()
                if client.stalled:
                    continue
                await self._send(client, item if isinstance(item, str) else item.text)
        except ConnectionClosed:
            pass

    @staticmethod
    async def _send(client: _Client, text: str) -> None:
        await client.ws.send(text)
        client.sent += 1
        if client.drop_after is not None:
            client.drop_after -= 1
            if client.drop_after <= 0:
                client.ws.transport.abort()
                raise ConnectionClosed(None, None)


def _time(event: Event) -> int:
    return event.time_us


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def jpeg(size: tuple[int, int] = (64, 48), colour: tuple[int, int, int] = (40, 120, 200)) -> bytes:
    """A small JPEG test picture."""
    image = Image.new("RGB", size, colour)
    ImageDraw.Draw(image).ellipse((8, 8, size[0] - 8, size[1] - 8), fill=(250, 200, 40))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85)
    return out.getvalue()


@dataclass
class FakeProfile:
    did: str
    handle: str
    display_name: str | None = None
    avatar_cid: str | None = None


class FakeBluesky:
    """The AppView's ``getProfiles`` and the CDN, on one aiohttp server on 127.0.0.1."""

    def __init__(self) -> None:
        self.profiles: dict[str, FakeProfile] = {}
        self.profile_calls: list[list[str]] = []
        self.profile_status = 200  # anything else: getProfiles fails with that status
        self.posts: dict[str, tuple[str, Json, list[str]]] = {}  # uri -> author, record, labels
        self._cids: dict[str, str] = {}
        self.post_calls: list[list[str]] = []
        self.posts_status = 200  # anything else: getPosts fails with that status
        self.cdn_hits: list[str] = []
        self.missing: set[str] = set()  # CIDs the CDN answers 404 for
        self.picture = jpeg()
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def __aenter__(self) -> FakeBluesky:
        app = web.Application()
        app.router.add_get("/xrpc/app.bsky.actor.getProfiles", self._get_profiles)
        app.router.add_get("/xrpc/app.bsky.feed.getPosts", self._get_posts)
        app.router.add_get("/img/{variant}/plain/{did}/{file}", self._image)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        host, port = self._runner.addresses[0][:2]
        self.url = f"http://{host}:{port}"
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def add_profile(
        self, author: str, handle: str, display_name: str | None = None, *, avatar: bool = True
    ) -> FakeProfile:
        profile = FakeProfile(author, handle, display_name, cid() if avatar else None)
        self.profiles[author] = profile
        return profile

    def add_post(
        self, author: str, record: Json, *, rkey: str | None = None, labels: Sequence[str] = ()
    ) -> str:
        """A post the AppView knows (one a post may quote); ``labels``: Bluesky's own
        moderation labels on it. Returns its ``at://`` URI."""
        uri = f"at://{author}/{POST}/{rkey or tid(int(time.time() * 1_000_000))}"
        self.posts[uri] = (author, record, list(labels))
        return uri

    def cid_of(self, uri: str) -> str:
        """The post's cid: the same each time it is asked, as a record's content is."""
        return self._cids.setdefault(uri, cid(prefix="bafyrei"))

    def _post_view(self, uri: str) -> Json:
        author, record, labels = self.posts[uri]
        profile = self.profiles.get(author)
        basic: Json = {
            "did": author,
            "handle": profile.handle if profile else "handle.invalid",
            "associated": {"chat": {"allowIncoming": "following"}},
            "labels": [],
            "createdAt": "2024-02-07T10:21:00.000Z",
        }
        if profile is not None and profile.display_name is not None:
            basic["displayName"] = profile.display_name
        if profile is not None and (avatar := self.avatar_url(profile)) is not None:
            basic["avatar"] = avatar
        return {
            "uri": uri,
            "cid": self.cid_of(uri),
            "author": basic,
            "record": go_map(record),
            "replyCount": 2,
            "repostCount": 5,
            "likeCount": 31,
            "quoteCount": 1,
            "indexedAt": _now(),
            "labels": [
                {"src": "did:plc:ar7c4by46qjdydhdevvrndac", "uri": uri, "val": v, "cts": _now()}
                for v in labels
            ],
        }

    async def _get_posts(self, request: web.Request) -> web.Response:
        uris = request.query.getall("uris", [])
        self.post_calls.append(list(uris))
        if self.posts_status != 200:
            return web.json_response(
                {"error": "InternalServerError", "message": "Internal Server Error"},
                status=self.posts_status,
            )
        if not uris or len(uris) > 25:
            return web.json_response(
                {"error": "InvalidRequest", "message": "Error: uris must not have more than 25"},
                status=400,
            )
        # Deleted, taken down or hidden posts are left out, not an error.
        return web.json_response({"posts": [self._post_view(u) for u in uris if u in self.posts]})

    def avatar_url(self, profile: FakeProfile) -> str | None:
        if profile.avatar_cid is None:
            return None
        return f"{self.url}/img/avatar/plain/{profile.did}/{profile.avatar_cid}@jpeg"

    async def _get_profiles(self, request: web.Request) -> web.Response:
        actors = request.query.getall("actors", [])
        self.profile_calls.append(list(actors))
        if self.profile_status != 200:
            return web.json_response(
                {"error": "InternalServerError", "message": "Internal Server Error"},
                status=self.profile_status,
            )
        if not actors or len(actors) > 25:
            return web.json_response(
                {
                    "error": "InvalidRequest",
                    "message": "Error: actors must not have more than 25 elements",
                },
                status=400,
            )
        found = []
        for actor in actors:
            profile = self.profiles.get(actor)
            if profile is None:
                continue  # unknown, deleted or taken down: left out, not an error
            body: Json = {
                "did": profile.did,
                "handle": profile.handle,
                "associated": {"lists": 0, "feedgens": 0, "starterPacks": 0, "labeler": False},
                "labels": [],
                "createdAt": "2024-02-07T10:21:00.000Z",
                "indexedAt": "2024-02-07T10:21:00.000Z",
                "followersCount": 42,
                "followsCount": 17,
                "postsCount": 230,
            }
            if profile.display_name is not None:
                body["displayName"] = profile.display_name
            if (avatar := self.avatar_url(profile)) is not None:
                body["avatar"] = avatar
            found.append(body)
        return web.json_response({"profiles": found})

    async def _image(self, request: web.Request) -> web.Response:
        name = request.match_info["file"]
        self.cdn_hits.append(request.path)
        image_cid, _, fmt = name.partition("@")
        if fmt != "jpeg" or image_cid in self.missing:
            return web.Response(status=404, text="not found")
        return web.Response(body=self.picture, content_type="image/jpeg")
