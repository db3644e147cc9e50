"""A fake Mastodon server on 127.0.0.1 that speaks the real protocol, and misbehaves on demand.

It follows SOURCES.md (and Mastodon's streaming server and API docs) where it matters:

- ``GET /api/v2/instance`` names the streaming server, which listens on its own port, as
  Mastodon's often does (``configuration.urls.streaming``);
- ``GET /api/v1/timelines/tag/{tag}``: newest first, ``min_id`` (the oldest statuses just
  after it), ``since_id``, ``max_id``, ``limit`` (20 by default, 40 at most), ``local``,
  ``X-RateLimit-*`` headers (reset in ISO 8601) and 429 past the budget, a ``Link``
  header, 401 for a token that is not the server's, an unknown tag as ``200 []`` (or 404);
- ``GET /api/v1/streaming/hashtag[/local]?tag=``: ``text/event-stream``, ``:)`` first,
  ``:thump`` heartbeats, ``event: update`` + ``data: <one line>`` + blank line, ``delete``
  with the bare id;
- ``/api/v1/streaming`` WebSocket: ``{"type": "subscribe", "stream": "hashtag", "tag"}``
  messages (or ``?stream=&tag=``), frames ``{"stream": [...], "event", "payload": "<JSON as
  a string>"}``, pings every heartbeat, ``{"error", "status"}`` frames;
- streaming needs a token (Mastodon 4.2+): ``401`` without one;
- ``/system/...`` serves a small PNG (avatars, attachments); ``/system/broken/...`` 404s.

The control methods (``publish``, ``edit``, ``delete``, ``drop_streams``, ``stall_streams``,
``fail_next``, ``stall_next``, ``refuse_streaming``, ``send_raw``, ``send_huge``, ``resend``,
``set_rate_limit``…) are plain Python, called by the tests.
"""

from __future__ import annotations

import asyncio
import io
import itertools
import json
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Self

from aiohttp import web
from PIL import Image

from tests.fakes.mastodon_writes import Writes


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (24, 16), (214, 92, 92)).save(out, format="PNG")
    return out.getvalue()


def _card_png() -> bytes:
    """A link card's picture: 600×315, as sites size their og:image (1.91:1)."""
    out = io.BytesIO()
    Image.linear_gradient("L").resize((600, 315)).convert("RGB").save(out, format="PNG")
    return out.getvalue()


PNG = _png()
CARD_PNG = _card_png()
TOKEN = "fake-mastodon-token"


def iso(moment: datetime) -> str:
    """Mastodon's timestamps: ISO 8601 with milliseconds and a Z."""
    return (
        moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    )


def make_attachment(
    base: str,
    n: int,
    *,
    kind: str = "image",
    description: str | None = "A lecture hall full of students",
    width: int = 1200,
    height: int = 800,
    broken: bool = False,
) -> dict[str, Any]:
    """A MediaAttachment as Mastodon serialises it."""
    folder = "broken" if broken else "media_attachments/files/110/000"
    ext = "mp4" if kind in {"video", "gifv"} else "png"
    original: dict[str, Any] = {"width": width, "height": height, "size": f"{width}x{height}"}
    original["aspect"] = width / height
    if kind in {"video", "gifv"}:
        original |= {"frame_rate": "30/1", "duration": 4.2, "bitrate": 1_200_000}
    return {
        "id": str(22_000_000 + n),
        "type": kind,
        "url": f"{base}/system/{folder}/original/{n}.{ext}",
        "preview_url": f"{base}/system/{folder}/small/{n}.png",
        "remote_url": None,
        "preview_remote_url": None,
        "text_url": None,
        "meta": {"original": original, "small": {"width": 400, "height": 266}},
        "description": description,
        "blurhash": "UFBWY:8_0Jxv%MozM{xu9Fxu-;ofIUofWBWB",
    }


def make_account(
    base: str,
    username: str = "ines",
    *,
    domain: str | None = None,
    display_name: str = "Inès Moreau",
    avatar_broken: bool = False,
) -> dict[str, Any]:
    """An Account; ``domain`` set makes it a remote account (``acct`` = user@domain)."""
    host = domain or base.split("://", 1)[1]
    avatar = f"{base}/system/{'broken' if avatar_broken else 'accounts/avatars'}/{username}.png"
    return {
        "id": str(abs(hash((username, domain))) % 10**17),
        "username": username,
        "acct": f"{username}@{domain}" if domain else username,
        "display_name": display_name,
        "locked": False,
        "bot": False,
        "discoverable": True,
        "group": False,
        "created_at": "2022-11-04T00:00:00.000Z",
        "note": "<p>Étudiante en info</p>",
        "url": f"https://{host}/@{username}",
        "uri": f"https://{host}/users/{username}",
        "avatar": avatar,
        "avatar_static": avatar,
        "header": f"{base}/headers/original/missing.png",
        "header_static": f"{base}/headers/original/missing.png",
        "followers_count": 120,
        "following_count": 80,
        "statuses_count": 431,
        "last_status_at": "2026-11-26",
        "emojis": [],
        "fields": [],
    }


def hashtag_link(base: str, tag: str) -> str:
    return (
        f'<a href="{base}/tags/{tag.lower()}" class="mention hashtag" rel="tag">'
        f"#<span>{tag}</span></a>"
    )


def make_status(
    status_id: str,
    base: str,
    *,
    text: str = "Super ambiance dans l'amphi A",
    content: str | None = None,
    tags: Iterable[str] = ("JPO2026",),
    account: dict[str, Any] | None = None,
    spoiler_text: str = "",
    sensitive: bool = False,
    language: str | None = "fr",
    media: Iterable[dict[str, Any]] = (),
    created_at: datetime | None = None,
    emojis: Iterable[dict[str, Any]] = (),
    poll: dict[str, Any] | None = None,
    card: dict[str, Any] | None = None,
    quote: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A full Status as the REST API and the streams serialise it; a ``quote`` (see
    ``make_quote``) puts Mastodon's "RE:" paragraph first in the content."""
    tags = list(tags)
    account = account or make_account(base)
    host = account["url"].split("/")[2]
    if content is None:
        links = " ".join(hashtag_link(base, t) for t in tags)
        content = f"<p>{text} {links}</p>" if links else f"<p>{text}</p>"
        quoted = (quote or {}).get("quoted_status")
        if quoted:
            content = quote_link(quoted["url"]) + content
    return {
        "id": status_id,
        "created_at": iso(created_at or datetime.now(UTC)),
        "in_reply_to_id": None,
        "in_reply_to_account_id": None,
        "sensitive": sensitive,
        "spoiler_text": spoiler_text,
        "visibility": "public",
        "language": language,
        "uri": f"https://{host}/users/{account['username']}/statuses/{status_id}",
        "url": f"https://{host}/@{account['username']}/{status_id}",
        "replies_count": 0,
        "reblogs_count": 0,
        "favourites_count": 0,
        "edited_at": None,
        "favourited": False,
        "reblogged": False,
        "muted": False,
        "bookmarked": False,
        "content": content,
        "filtered": [],
        "reblog": None,
        "application": {"name": "Web", "website": None},
        "account": account,
        "media_attachments": list(media),
        "mentions": [],
        "tags": [{"name": t, "url": f"{base}/tags/{t.lower()}"} for t in tags],
        "emojis": list(emojis),
        "card": card,
        "poll": poll,
        "quote": quote,
        "quote_approval": {"automatic": ["public"], "manual": [], "current_user": "automatic"},
    }


def make_poll(
    options: Iterable[tuple[str, int | None]],
    *,
    expired: bool = False,
    multiple: bool = False,
    voters: int | None = None,
    expires_at: datetime | None = None,
) -> dict[str, Any]:
    """A Poll: ``options`` are (title, votes_count); a count of None is hidden."""
    listed = [{"title": title, "votes_count": votes} for title, votes in options]
    counts = [o["votes_count"] for o in listed]
    total = None if None in counts else sum(c for c in counts if c is not None)
    return {
        "id": "34830",
        "expires_at": iso(expires_at) if expires_at else None,
        "expired": expired,
        "multiple": multiple,
        "votes_count": total,
        "voters_count": voters if multiple else total,
        "voted": False,
        "own_votes": [],
        "options": listed,
        "emojis": [],
    }


def make_card(
    base: str,
    *,
    url: str = "https://www.univ.example/actualites/jpo-2026",
    title: str = "Journées portes ouvertes 2026",
    description: str = "Le programme complet des conférences et des visites.",
    image: bool = True,
) -> dict[str, Any]:
    """A PreviewCard, its picture on the server's own media host (as Mastodon caches it)."""
    host = url.split("/")[2]
    return {
        "url": url,
        "title": title,
        "description": description,
        "language": "fr",
        "type": "link",
        "author_name": "",
        "author_url": "",
        "provider_name": host,
        "provider_url": "",
        "html": "",
        "width": 600 if image else 0,
        "height": 315 if image else 0,
        "image": f"{base}/system/cache/preview_cards/images/000/001/original/jpo.png"
        if image
        else None,
        "image_description": "",
        "embed_url": "",
        "blurhash": "UEHLh[WB2yk8pyoJadR*.7kCMdnjS#M|%1%2" if image else None,
        "published_at": None,
        "authors": [],
    }


def quote_link(url: str) -> str:
    """The "RE:" paragraph Mastodon 4.4+ puts first in a quote post's content, for the
    clients that show no quote (its web pages hide it)."""
    scheme, rest = url.split("://", 1)
    shown, tail = rest[:30], rest[30:]
    return (
        f'<p class="quote-inline">RE: <a href="{url}" target="_blank" rel="nofollow noopener"'
        f' translate="no"><span class="invisible">{scheme}://</span><span class="ellipsis">'
        f'{shown}</span><span class="invisible">{tail}</span></a></p>'
    )


def make_quote(quoted: dict[str, Any] | None, *, state: str = "accepted") -> dict[str, Any]:
    """A Quote: the quoted Status, null unless ``state`` lets it be shown."""
    return {"state": state, "quoted_status": quoted if state == "accepted" else None}


def make_reblog(
    status_id: str, base: str, original: dict[str, Any], *, by: dict[str, Any]
) -> dict[str, Any]:
    """A boost of ``original`` by the account ``by``, as the REST API and streams send it:
    an empty status of its own, the boosted one in ``reblog``."""
    host = by["url"].split("/")[2]
    uri = f"https://{host}/users/{by['username']}/statuses/{status_id}/activity"
    boost = make_status(status_id, base, account=by, content="", tags=(), language=None)
    return boost | {"uri": uri, "url": uri, "reblog": original}


def _tags_of(status: Mapping[str, Any]) -> set[str]:
    # A boost carries its tags in the status it boosts. Mastodon's own tag timelines leave
    # boosts out (SOURCES.md); Murmur reads any server of the Mastodon API, so the fake
    # delivers one when a test publishes it.
    tags = status.get("tags") or (status.get("reblog") or {}).get("tags") or ()
    return {str(t.get("name", "")).lower() for t in tags}


def _is_local(status: Mapping[str, Any]) -> bool:
    return "@" not in str(status.get("account", {}).get("acct", "@"))


@dataclass(eq=False)
class _Conn:
    """One open stream (WebSocket or SSE) and what it subscribed to."""

    request: web.Request
    sse: bool
    subscriptions: dict[tuple[str, str], str] = field(default_factory=dict)  # -> tag as given
    queue: asyncio.Queue[str | None] = field(default_factory=asyncio.Queue)
    stalled: bool = False
    closed: bool = False
    tasks: list[asyncio.Task[None]] = field(default_factory=list)

    def wants(self, status: Mapping[str, Any]) -> list[tuple[str, str]]:
        return [
            (stream, given)
            for (stream, tag), given in self.subscriptions.items()
            if tag in _tags_of(status) and (stream == "hashtag" or _is_local(status))
        ]

    def send(self, stream: str, tag: str, event: str, payload: str) -> None:
        if self.sse:
            self.queue.put_nowait(f"event: {event}\ndata: {payload}\n\n")
        else:
            frame = {"stream": [stream, tag], "event": event, "payload": payload}
            self.queue.put_nowait(json.dumps(frame))


@dataclass
class _Failure:
    status: int
    headers: dict[str, str]
    stall: bool = False


class FakeMastodon:
    """The fake server. ``async with FakeMastodon() as server:`` then ``server.url``."""

    def __init__(
        self,
        *,
        token: str = TOKEN,
        timelines_need_token: bool = False,
        unknown_tag_status: int = 200,
        heartbeat: float = 15.0,
        rate_limit: int = 300,
        window: float = 300.0,
    ) -> None:
        self.token = token
        self.timelines_need_token = timelines_need_token
        self.unknown_tag_status = unknown_tag_status
        self.heartbeat = heartbeat
        self.rate_limit, self.window = rate_limit, window
        self.remaining, self.reset_at = rate_limit, time.time() + window
        self.statuses: list[dict[str, Any]] = []  # oldest first
        self.requests: list[web.Request] = []  # REST requests, in order
        self.stream_connections = 0  # streams ever accepted
        self.streaming_refusal: int | None = None
        self.url = self.streaming_url = ""
        self._ids = itertools.count(1)
        self._conns: list[_Conn] = []
        self._failures: list[_Failure] = []
        self._runners: list[web.AppRunner] = []
        self._closing = asyncio.Event()
        self.writes = Writes(self)  # what the institution's account answers

    # -- lifecycle ---------------------------------------------------------------------

    async def start(self) -> Self:
        main, streaming = web.Application(), web.Application()
        main.router.add_get("/api/v2/instance", self._instance)
        main.router.add_get("/api/v1/timelines/tag/{tag}", self._timeline)
        main.router.add_get("/system/{path:.*}", self._file)
        self.writes.routes(main)
        streaming.router.add_get("/api/v1/streaming", self._websocket)
        streaming.router.add_get("/api/v1/streaming/health", self._health)
        streaming.router.add_get("/api/v1/streaming/hashtag", self._sse)
        streaming.router.add_get("/api/v1/streaming/hashtag/local", self._sse)
        self.url = await self._serve(main)
        self.streaming_url = (await self._serve(streaming)).replace("http://", "ws://")
        return self

    async def _serve(self, app: web.Application) -> str:
        runner = web.AppRunner(app, shutdown_timeout=0.5, handler_cancellation=True)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        self._runners.append(runner)
        port = runner.addresses[0][1]
        return f"http://127.0.0.1:{port}"

    async def close(self) -> None:
        self._closing.set()
        for conn in list(self._conns):
            conn.queue.put_nowait(None)
        for runner in self._runners:
            await runner.cleanup()

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # -- control: content ----------------------------------------------------------------

    def next_id(self) -> str:
        # Snowflake-like: same length, increasing, so ids sort as Mastodon's do.
        return str(110_000_000_000_000_000 + next(self._ids) * 65_536)

    def status(self, **kwargs: Any) -> dict[str, Any]:
        """A new realistic status (not yet published); ``make_status`` keywords."""
        return make_status(self.next_id(), self.url, **kwargs)

    def publish(self, status: dict[str, Any] | None = None, **kwargs: Any) -> dict[str, Any]:
        """Add a status to the timelines and push ``update`` to the streams that want it."""
        status = status or self.status(**kwargs)
        self.statuses.append(status)
        self._push("update", status, json.dumps(status))
        return status

    def publish_many(self, count: int, **kwargs: Any) -> list[dict[str, Any]]:
        return [self.publish(**kwargs) for _ in range(count)]

    def store_raw(self, status: dict[str, Any]) -> None:
        """Put something in the timelines as is (a malformed status), without streaming."""
        self.statuses.append(status)

    def edit(self, status: dict[str, Any], *, text: str) -> dict[str, Any]:
        status["content"] = f"<p>{text}</p>"
        status["edited_at"] = iso(datetime.now(UTC))
        self._push("status.update", status, json.dumps(status))
        return status

    def delete(self, status: dict[str, Any]) -> None:
        self.statuses.remove(status)
        self._push("delete", status, status["id"])  # the bare id, not JSON

    def resend(self, status: dict[str, Any]) -> None:
        """Deliver the same ``update`` again (duplicate delivery)."""
        self._push("update", status, json.dumps(status))

    def _push(self, event: str, status: Mapping[str, Any], payload: str) -> None:
        for conn in self._conns:
            for stream, tag in conn.wants(status):
                conn.send(stream, tag, event, payload)

    # -- control: misbehaviour -----------------------------------------------------------

    def send_raw(self, text: str) -> None:
        """A frame (WebSocket) or lines (SSE) exactly as given, to every stream."""
        for conn in self._conns:
            conn.queue.put_nowait(text)

    def send_huge(self, size: int = 2 * 1024 * 1024) -> None:
        """An ``update`` whose status weighs about ``size`` bytes, to every stream."""
        status = make_status(self.next_id(), self.url, content="<p>" + "a" * size + "</p>")
        for conn in self._conns:
            for (stream, _), given in conn.subscriptions.items():
                conn.send(stream, given, "update", json.dumps(status))

    def send_error(self, status: int, message: str) -> None:
        """What Mastodon's streaming server sends when a subscription fails."""
        self.send_raw(json.dumps({"error": message, "status": status}))

    def drop_streams(self) -> None:
        """Cut every open stream at the TCP level, without a close frame."""
        for conn in self._conns:
            conn.closed = True
            if conn.request.transport is not None:
                conn.request.transport.abort()
            conn.queue.put_nowait(None)

    def stall_streams(self) -> None:
        """Open streams go silent: no events, no heartbeats, no answer to pings."""
        for conn in self._conns:
            conn.stalled = True
            for task in conn.tasks:
                task.cancel()

    def fail_next(
        self, status: int, *, times: int = 1, headers: Mapping[str, str] | None = None
    ) -> None:
        """The next ``times`` timeline requests answer ``status`` (401, 429, 500…)."""
        self._failures += [_Failure(status, dict(headers or {})) for _ in range(times)]

    def stall_next(self, *, times: int = 1) -> None:
        """The next ``times`` timeline requests never answer."""
        self._failures += [_Failure(0, {}, stall=True) for _ in range(times)]

    def refuse_streaming(self, status: int | None = 401) -> None:
        """Answer new stream connections with ``status`` (``None``: accept again)."""
        self.streaming_refusal = status

    def set_rate_limit(self, *, remaining: int, reset_in: float) -> None:
        self.remaining, self.reset_at = remaining, time.time() + reset_in

    # -- control: observation ------------------------------------------------------------

    def open_streams(self) -> list[_Conn]:
        return [c for c in self._conns if not (c.sse or c.closed or c.stalled) and c.subscriptions]

    async def wait_subscribed(self, tags: int = 1, *, streams: int = 1) -> None:
        """Until ``streams`` WebSockets are open, each subscribed to ``tags`` tags."""
        async with asyncio.timeout(10):
            while sum(len(c.subscriptions) >= tags for c in self.open_streams()) < streams:
                await asyncio.sleep(0.005)

    def timeline_requests(self) -> list[web.Request]:
        return [r for r in self.requests if r.path.startswith("/api/v1/timelines/")]

    # -- REST ----------------------------------------------------------------------------

    def _rate_headers(self) -> dict[str, str]:
        reset = datetime.fromtimestamp(self.reset_at, UTC)
        return {
            "X-RateLimit-Limit": str(self.rate_limit),
            "X-RateLimit-Remaining": str(max(self.remaining, 0)),
            "X-RateLimit-Reset": iso(reset),
        }

    async def _instance(self, request: web.Request) -> web.Response:
        self.requests.append(request)
        host = self.url.split("://", 1)[1]
        return web.json_response(
            {
                "domain": host,
                "title": "Campus Social",
                "version": "4.3.2",
                "source_url": "https://github.com/mastodon/mastodon",
                "description": "The campus's own server",
                "usage": {"users": {"active_month": 1200}},
                "thumbnail": {"url": f"{self.url}/system/site_uploads/thumbnail.png"},
                "languages": ["fr", "en"],
                "configuration": {
                    "urls": {"streaming": self.streaming_url, "status": None},
                    "statuses": {"max_characters": 500, "max_media_attachments": 4},
                },
                "registrations": {"enabled": False, "approval_required": False},
                "contact": {"email": "admin@campus.example"},
                "rules": [],
            }
        )

    async def _timeline(self, request: web.Request) -> web.StreamResponse:
        self.requests.append(request)
        if time.time() >= self.reset_at:
            self.remaining, self.reset_at = self.rate_limit, time.time() + self.window
        if self._failures:
            failure = self._failures.pop(0)
            if failure.stall:
                await self._closing.wait()
                raise web.HTTPServiceUnavailable()
            body = {"error": "Too many requests" if failure.status == 429 else "Failure"}
            headers = self._rate_headers() | failure.headers
            return web.json_response(body, status=failure.status, headers=headers)
        if self.remaining <= 0:
            body = {"error": "Too many requests"}
            return web.json_response(body, status=429, headers=self._rate_headers())
        self.remaining -= 1
        headers = self._rate_headers()
        auth = request.headers.get("Authorization")
        if auth is not None and auth != f"Bearer {self.token}":
            body = {"error": "The access token is invalid"}
            return web.json_response(body, status=401, headers=headers)
        if auth is None and self.timelines_need_token:
            body = {"error": "This method requires an authenticated user"}
            return web.json_response(body, status=401, headers=headers)
        tag = request.match_info["tag"].lower()
        known = [s for s in self.statuses if tag in _tags_of(s)]
        if not known and self.unknown_tag_status == 404:
            return web.json_response({"error": "Record not found"}, status=404, headers=headers)
        if request.query.get("local") in {"true", "1"}:
            known = [s for s in known if _is_local(s)]
        page = self._page(known, request.query)
        if page:
            path = f"{self.url}/api/v1/timelines/tag/{tag}"
            headers["Link"] = (
                f'<{path}?max_id={page[-1]["id"]}>; rel="next", '
                f'<{path}?min_id={page[0]["id"]}>; rel="prev"'
            )
        return web.json_response(page, headers=headers)

    @staticmethod
    def _page(statuses: list[dict[str, Any]], query: Mapping[str, str]) -> list[dict[str, Any]]:
        limit = max(1, min(int(query.get("limit", "20")), 40))

        def key(s: Mapping[str, Any]) -> tuple[int, str]:
            return len(s["id"]), s["id"]

        ordered = sorted((s for s in statuses if isinstance(s.get("id"), str)), key=key)
        if max_id := query.get("max_id"):
            ordered = [s for s in ordered if key(s) < (len(max_id), max_id)]
        if min_id := query.get("min_id"):
            # The statuses immediately after min_id, returned newest first.
            after = [s for s in ordered if key(s) > (len(min_id), min_id)]
            return list(reversed(after[:limit]))
        if since_id := query.get("since_id"):
            ordered = [s for s in ordered if key(s) > (len(since_id), since_id)]
        return list(reversed(ordered[-limit:]))

    async def _file(self, request: web.Request) -> web.Response:
        if request.match_info["path"].startswith("broken/"):
            return web.Response(status=404, text="Not found")
        picture = CARD_PNG if "preview_cards" in request.match_info["path"] else PNG
        return web.Response(body=picture, content_type="image/png")

    # -- streaming -----------------------------------------------------------------------

    def _refusal(self, request: web.Request) -> web.Response | None:
        if self.streaming_refusal is not None:
            message = {401: "Missing access token", 404: "Not found"}.get(
                self.streaming_refusal, "Error"
            )
            return web.json_response({"error": message}, status=self.streaming_refusal)
        auth = request.headers.get("Authorization") or ""
        token = auth.removeprefix("Bearer ") or request.query.get("access_token")
        if not token:
            return web.json_response({"error": "Missing access token"}, status=401)
        if token != self.token:
            return web.json_response({"error": "Invalid access token"}, status=401)
        return None

    async def _health(self, request: web.Request) -> web.Response:
        return web.Response(text="OK")

    async def _websocket(self, request: web.Request) -> web.StreamResponse:
        refusal = self._refusal(request)
        if refusal is not None:
            return refusal
        ws = web.WebSocketResponse(compress=False, timeout=0.5)
        await ws.prepare(request)
        conn = _Conn(request, sse=False)
        if (stream := request.query.get("stream")) and (tag := request.query.get("tag")):
            conn.subscriptions[(stream, tag.lower())] = tag
        self._conns.append(conn)
        self.stream_connections += 1
        conn.tasks = [
            asyncio.create_task(self._ws_reader(ws, conn)),
            asyncio.create_task(self._ws_pinger(ws)),
        ]
        try:
            while (item := await conn.queue.get()) is not None:
                if not conn.stalled and not ws.closed:
                    await ws.send_str(item)
        except ConnectionError:
            pass
        finally:
            self._conns.remove(conn)
            for task in conn.tasks:
                task.cancel()
            await asyncio.gather(*conn.tasks, return_exceptions=True)
            if not ws.closed:
                await ws.close()
        return ws

    async def _ws_reader(self, ws: web.WebSocketResponse, conn: _Conn) -> None:
        try:
            async for message in ws:  # also answers pings, until the server stalls
                try:
                    data = json.loads(message.data)
                    stream, tag = data["stream"], data["tag"]
                except (ValueError, KeyError, TypeError):
                    continue
                if stream not in {"hashtag", "hashtag:local"}:
                    await ws.send_str(json.dumps({"error": "Unknown stream type", "status": 400}))
                elif data.get("type") == "subscribe":
                    conn.subscriptions[(stream, tag.lower())] = tag
                elif data.get("type") == "unsubscribe":
                    conn.subscriptions.pop((stream, tag.lower()), None)
        finally:
            if not conn.stalled:
                conn.queue.put_nowait(None)

    async def _ws_pinger(self, ws: web.WebSocketResponse) -> None:
        while not ws.closed:
            await asyncio.sleep(self.heartbeat)
            try:
                await ws.ping()
            except ConnectionError:
                return

    async def _sse(self, request: web.Request) -> web.StreamResponse:
        refusal = self._refusal(request)
        if refusal is not None:
            return refusal
        tag = request.query.get("tag")
        if not tag:
            return web.json_response({"error": "Missing tag name parameter"}, status=400)
        stream = "hashtag:local" if request.path.endswith("/local") else "hashtag"
        response = web.StreamResponse(
            headers={"Content-Type": "text/event-stream", "Cache-Control": "no-store"}
        )
        await response.prepare(request)
        conn = _Conn(request, sse=True, subscriptions={(stream, tag.lower()): tag})
        self._conns.append(conn)
        self.stream_connections += 1
        try:
            await response.write(b":)\n")
            while True:
                try:
                    async with asyncio.timeout(self.heartbeat):
                        item = await conn.queue.get()
                except TimeoutError:
                    item = ":thump\n"
                if item is None:
                    break
                if not conn.stalled:
                    await response.write(item.encode())
        except ConnectionError:
            pass
        finally:
            self._conns.remove(conn)
        return response


__all__ = [
    "PNG",
    "TOKEN",
    "FakeMastodon",
    "hashtag_link",
    "iso",
    "make_account",
    "make_attachment",
    "make_status",
]
