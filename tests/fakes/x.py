"""A fake X API v2 on 127.0.0.1 that speaks the real wire protocol, and misbehaves on demand.

It follows shared/SOURCES.md ("X") and X's filtered-stream and recent-search docs where it
matters:

- app-only auth: ``Authorization: Bearer TOKEN``, else ``401`` with a problem document
  (``application/problem+json``);
- ``GET /2/tweets/search/stream/rules`` lists the rules (``data`` left out when there are
  none, ``meta.result_count``); ``POST`` takes ``{"add": [{"value", "tag"?}]}`` or
  ``{"delete": {"ids": [...]}}``, checks each ``value`` (not empty, at most 512
  characters, balanced parentheses, no bare negation), refuses a value that exists
  already (``DuplicateRule`` with its id), answers ``201`` with the new rules and their
  ids when some were created, and a ``meta.summary`` every time;
- ``GET /2/tweets/search/stream``: one JSON object per line ending ``\\r\\n`` (``data``,
  ``includes`` with ``users`` and ``media``, ``matching_rules`` with ``id`` and ``tag``
  when the rule has one), a bare ``\\r\\n`` keep-alive after ``keepalive`` seconds of
  silence, one connection at a time (a second one gets ``429 TooManyConnections``);
- ``GET /2/tweets/search/recent``: newest first, ``since_id``, ``max_results`` (10 to
  100), ``next_token``, ``meta`` with ``newest_id``/``oldest_id``/``result_count``/
  ``next_token``, ``includes``; the hashtags and ``-is:retweet`` of the query are honoured;
- ``x-rate-limit-limit``/``-remaining``/``-reset`` (epoch seconds) on REST answers;
- ``/media/...`` and ``/profile_images/...`` serve a small PNG; ``/broken/...`` 404s.

Misbehaviour, called by the tests: ``drop_streams`` (mid-line, at the TCP level),
``stall_streams`` (no keep-alive, nothing), ``fail_next`` (401, 403, 429 with
``x-rate-limit-reset``, 500… on the stream, the rules or the search), ``send_raw`` (a
malformed line), ``send_huge``, ``send_errors``, and ``deliver`` (a post again, or out of
order). ``recorded_searches`` holds answers recorded from the real X, given verbatim.
"""

from __future__ import annotations

import asyncio
import io
import itertools
import json
import re
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, Self

from aiohttp import web
from PIL import Image

from tests.fakes.x_writes import Writes

TOKEN = "fake-x-bearer-token"
EPOCH_MS = 1288834974657
Where = Literal["stream", "rules", "search"]


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (24, 16), (29, 155, 240)).save(out, format="PNG")
    return out.getvalue()


PNG = _png()


def iso(moment: datetime) -> str:
    """X's timestamps: ISO 8601 with milliseconds and a Z."""
    return (
        moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    )


def line(message: Mapping[str, Any]) -> bytes:
    """A message of the stream, framed as X frames it."""
    return json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode() + b"\r\n"


def problem(status: int, title: str, detail: str, kind: str, **extra: Any) -> web.Response:
    body = {"title": title, "detail": detail, "type": kind, "status": status, **extra}
    return web.Response(
        status=status, text=json.dumps(body), content_type="application/problem+json"
    )


@dataclass
class FakePost:
    """A post as X serialises it: its ``data`` object and what ``includes`` needs."""

    data: dict[str, Any]
    user: dict[str, Any]
    media: list[dict[str, Any]] = field(default_factory=list)
    retweet: bool = False

    @property
    def id(self) -> str:
        return str(self.data["id"])

    @property
    def hashtags(self) -> set[str]:
        return {h["tag"].lower() for h in self.data.get("entities", {}).get("hashtags", [])}


def make_user(base: str, username: str = "ines", *, name: str = "Inès Moreau") -> dict[str, Any]:
    return {
        "id": str(10_000 + sum(map(ord, username))),
        "name": name,
        "username": username,
        "profile_image_url": f"{base}/profile_images/{username}_normal.png",
    }


def make_media(
    base: str,
    n: int,
    *,
    kind: str = "photo",
    alt_text: str | None = "Amphi A, packed",
    broken: bool = False,
) -> dict[str, Any]:
    folder = "broken" if broken else "media"
    media: dict[str, Any] = {
        "media_key": f"{3 if kind == 'photo' else 7}_{1700 + n}",
        "type": kind,
        "width": 1200,
        "height": 800,
    }
    if kind == "photo":
        media["url"] = f"{base}/{folder}/{n}.png"
    else:
        media["preview_image_url"] = f"{base}/{folder}/{n}_thumb.png"
    if alt_text is not None:
        media["alt_text"] = alt_text
    return media


def make_post(
    post_id: str,
    base: str,
    *,
    text: str = "Super ambiance dans l'amphi A",
    tags: Iterable[str] = ("JPO2026",),
    user: dict[str, Any] | None = None,
    media: Iterable[dict[str, Any]] = (),
    lang: str = "fr",
    sensitive: bool = False,
    retweet: bool = False,
) -> FakePost:
    """A post with its hashtags (and a t.co link per picture) in its text, as X writes it."""
    user = user or make_user(base)
    media = list(media)
    body = " ".join([text, *(f"#{t}" for t in tags)])
    hashtags = []
    for tag in tags:
        start = body.index(f"#{tag}")
        hashtags.append({"start": start, "end": start + len(tag) + 1, "tag": tag})
    data: dict[str, Any] = {
        "id": post_id,
        "edit_history_tweet_ids": [post_id],
        "author_id": user["id"],
        "created_at": iso(datetime.fromtimestamp(((int(post_id) >> 22) + EPOCH_MS) / 1000, UTC)),
        "lang": lang,
        "possibly_sensitive": sensitive,
        "entities": {"hashtags": hashtags},
    }
    if media:
        link = f"https://t.co/{post_id[-6:]}"
        data["entities"]["urls"] = [
            {
                "start": len(body) + 1,
                "end": len(body) + 1 + len(link),
                "url": link,
                "expanded_url": f"https://x.com/{user['username']}/status/{post_id}/photo/1",
                "display_url": f"pic.x.com/{post_id[-6:]}",
                "media_key": media[0]["media_key"],
            }
        ]
        body = f"{body} {link}"
        data["attachments"] = {"media_keys": [m["media_key"] for m in media]}
    data["text"] = body
    return FakePost(data, user, media, retweet)


def _terms(query: str) -> set[str]:
    return {t.lower() for t in re.findall(r"#(\w+)", query)}


def _rule_problem(value: object) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return "a rule needs a non-empty value"
    if len(value) > 512:
        return f"a rule is at most 512 characters, this one has {len(value)}"
    depth = 0
    for char in value:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth < 0:
            break
    if depth:
        return "unbalanced parentheses"
    if all(word.startswith("-") for word in value.split()):
        return "a rule cannot be made of negations only"
    return None


_HALF_LINE = b'{"data":{"id":"1'
_DROP, _BREAK = object(), object()  # markers for the stream handler


@dataclass(eq=False)
class _Stream:
    request: web.Request
    response: web.StreamResponse
    queue: asyncio.Queue[bytes | object | None] = field(default_factory=asyncio.Queue)
    stalled: bool = False
    closed: bool = False

    @property
    def gone(self) -> bool:
        transport = self.request.transport
        return self.closed or transport is None or transport.is_closing()


@dataclass
class _Failure:
    where: Where
    status: int
    headers: dict[str, str]


@dataclass(frozen=True)
class Seen:
    """A request the fake answered (or refused)."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any = None


class FakeX:
    """The fake API. ``async with FakeX() as x:`` then ``x.url``."""

    def __init__(
        self, *, token: str = TOKEN, keepalive: float = 0.05, max_connections: int = 1
    ) -> None:
        self.token = token
        self.keepalive = keepalive
        self.max_connections = max_connections
        self.url = ""
        self.rules: dict[str, dict[str, str]] = {}  # id -> rule, in creation order
        self.posts: list[FakePost] = []  # every published post, oldest first
        self.requests: list[Seen] = []
        self.streams: list[_Stream] = []  # every stream accepted
        self.limit, self.remaining, self.reset_at = 450, 450, int(time.time()) + 900
        self._ids = itertools.count(1)
        self._rule_ids = itertools.count(1)
        self._failures: list[_Failure] = []
        # Answers recorded from the real X, each given verbatim to one search, in turn.
        self.recorded_searches: list[bytes] = []
        self._runner: web.AppRunner | None = None
        self.writes = Writes(self)  # what the institution's account posts

    # -- lifecycle ---------------------------------------------------------------------

    async def start(self) -> Self:
        app = web.Application()
        app.router.add_get("/2/tweets/search/stream", self._stream)
        app.router.add_get("/2/tweets/search/stream/rules", self._list_rules)
        app.router.add_post("/2/tweets/search/stream/rules", self._change_rules)
        app.router.add_get("/2/tweets/search/recent", self._search)
        app.router.add_get("/media/{path:.*}", self._file)
        app.router.add_get("/profile_images/{path:.*}", self._file)
        self.writes.routes(app)
        self._runner = web.AppRunner(app, shutdown_timeout=0.5, handler_cancellation=True)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}"
        return self

    async def close(self) -> None:
        for stream in self.streams:
            stream.queue.put_nowait(None)
        if self._runner is not None:
            await self._runner.cleanup()

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # -- control: content ----------------------------------------------------------------

    def next_id(self) -> str:
        """A snowflake: the time in its high bits, a sequence below, so ids sort by time."""
        return str(((int(time.time() * 1000) - EPOCH_MS) << 22) + next(self._ids))

    def post(self, **kwargs: Any) -> FakePost:
        """A new realistic post, not yet published (``make_post`` keywords)."""
        return make_post(self.next_id(), self.url, **kwargs)

    def publish(self, post: FakePost | None = None, **kwargs: Any) -> FakePost:
        """Make a post searchable and send it on the open streams whose rules match it."""
        post = post or self.post(**kwargs)
        self.posts.append(post)
        self.deliver(post)
        return post

    def publish_many(self, count: int, **kwargs: Any) -> list[FakePost]:
        return [self.publish(**kwargs) for _ in range(count)]

    def deliver(self, post: FakePost) -> None:
        """Send ``post`` on the open streams (again: a duplicate delivery)."""
        matching = self.matching_rules(post)
        if not matching:
            return
        message = {
            "data": post.data,
            "includes": self._includes([post]),
            "matching_rules": matching,
        }
        self._send(line(message))

    def matching_rules(self, post: FakePost) -> list[dict[str, str]]:
        found = []
        for rule in self.rules.values():
            value = rule["value"]
            if post.retweet and "-is:retweet" in value:
                continue
            if _terms(value) & post.hashtags:
                found.append({"id": rule["id"]} | ({"tag": rule["tag"]} if "tag" in rule else {}))
        return found

    def add_rule(self, value: str, tag: str | None = None) -> dict[str, str]:
        """A rule already on the app (another tool's, another event's)."""
        rule = {"id": self._new_rule_id(), "value": value} | ({"tag": tag} if tag else {})
        self.rules[rule["id"]] = rule
        return rule

    # -- control: misbehaviour -----------------------------------------------------------

    def send_raw(self, data: bytes) -> None:
        """Bytes exactly as given, on every open stream (add ``\\r\\n`` for a line)."""
        self._send(data)

    def send_huge(self, size: int) -> None:
        """A line of about ``size`` bytes that is not a valid post (its id is no number)."""
        self._send(line({"data": {"id": "huge", "text": "a" * size}}))

    def send_errors(self, *errors: Mapping[str, Any]) -> None:
        """An ``errors`` line, as X sends before an operational disconnect."""
        self._send(line({"errors": list(errors)}))

    def drop_streams(self, *, framing: bool = True) -> None:
        """Cut every open stream at the TCP level, in the middle of a line.

        With ``framing=False`` the half line is written outside HTTP's chunked framing, as
        a broken proxy might: aiohttp's client then waits forever, read timeout or not.
        """
        for stream in self._open():
            stream.closed = True
            stream.queue.put_nowait(_DROP if framing else _BREAK)

    def stall_streams(self) -> None:
        """Open streams go silent: no posts, no keep-alives; the socket stays open."""
        for stream in self._open():
            stream.stalled = True

    def fail_next(
        self,
        where: Where,
        status: int,
        *,
        times: int = 1,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        """The next ``times`` requests to the stream, the rules or the search get ``status``."""
        self._failures += [_Failure(where, status, dict(headers or {})) for _ in range(times)]

    # -- control: observation ------------------------------------------------------------

    @property
    def stream_connections(self) -> int:
        return len(self.streams)

    def _open(self) -> list[_Stream]:
        return [s for s in self.streams if not s.gone]

    def open_streams(self) -> list[_Stream]:
        return [s for s in self._open() if not s.stalled]

    async def wait_streaming(self, *, connections: int | None = None) -> None:
        """Until a stream is open (and ``connections`` were ever accepted)."""
        async with asyncio.timeout(10):
            while not self.open_streams() or (
                connections is not None and self.stream_connections < connections
            ):
                await asyncio.sleep(0.005)

    def seen(self, path: str) -> list[Seen]:
        return [r for r in self.requests if r.path == path]

    # -- answers -------------------------------------------------------------------------

    async def _refusal(self, request: web.Request, where: Where) -> web.Response | None:
        body = None
        if request.can_read_body:
            try:
                body = await request.json()
            except ValueError:
                body = await request.text()
        self.requests.append(
            Seen(request.method, request.path, dict(request.query), dict(request.headers), body)
        )
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return problem(401, "Unauthorized", "Unauthorized", "about:blank")
        failure = next((f for f in self._failures if f.where == where), None)
        if failure is None:
            return None
        self._failures.remove(failure)
        answer = self._failure(failure.status)
        answer.headers.update(failure.headers)
        return answer

    def _failure(self, status: int) -> web.Response:
        if status == 401:
            return problem(401, "Unauthorized", "Unauthorized", "about:blank")
        if status == 403:
            return problem(
                403,
                "Client Forbidden",
                "This request must be made using an approved developer account that is "
                "enrolled in the requested endpoint.",
                "https://api.twitter.com/2/problems/client-forbidden",
                reason="client-not-enrolled",
            )
        if status == 429:
            return problem(
                429,
                "Too Many Requests",
                "Too Many Requests",
                "about:blank",
            )
        return problem(status, "Server Error", "Something went wrong", "about:blank")

    def _rate_headers(self) -> dict[str, str]:
        self.remaining = max(self.remaining - 1, 0)
        return {
            "x-rate-limit-limit": str(self.limit),
            "x-rate-limit-remaining": str(self.remaining),
            "x-rate-limit-reset": str(self.reset_at),
        }

    def _json(self, body: Mapping[str, Any], status: int = 200) -> web.Response:
        return web.json_response(body, status=status, headers=self._rate_headers())

    # rules

    def _new_rule_id(self) -> str:
        return str(1_800_000_000_000_000_000 + next(self._rule_ids))

    def _sent(self) -> str:
        return iso(datetime.now(UTC))

    async def _list_rules(self, request: web.Request) -> web.Response:
        refused = await self._refusal(request, "rules")
        if refused is not None:
            return refused
        wanted = set(filter(None, request.query.get("ids", "").split(",")))
        rules = [r for r in self.rules.values() if not wanted or r["id"] in wanted]
        body: dict[str, Any] = {"meta": {"sent": self._sent(), "result_count": len(rules)}}
        if rules:
            body["data"] = rules
        return self._json(body)

    async def _change_rules(self, request: web.Request) -> web.Response:
        refused = await self._refusal(request, "rules")
        if refused is not None:
            return refused
        body = self.requests[-1].body
        if not isinstance(body, dict) or len({"add", "delete"} & set(body)) != 1:
            return problem(
                400,
                "Invalid Request",
                "One or more parameters to your request was invalid.",
                "https://api.twitter.com/2/problems/invalid-request",
                errors=[{"message": "Exactly one of add or delete must be given"}],
            )
        dry_run = request.query.get("dry_run") == "true"
        if "delete" in body:
            ids = [str(i) for i in (body["delete"] or {}).get("ids", [])]
            known = [i for i in ids if i in self.rules]
            if not dry_run:
                for rule_id in known:
                    del self.rules[rule_id]
            summary = {"deleted": len(known), "not_deleted": len(ids) - len(known)}
            answer: dict[str, Any] = {"meta": {"sent": self._sent(), "summary": summary}}
            missing = [i for i in ids if i not in known]
            if missing:
                answer["errors"] = [
                    {
                        "errors": [{"parameters": {}, "message": "Rule does not exist"}],
                        "title": "Invalid Request",
                        "detail": f"rule {i} does not exist",
                        "type": "https://api.twitter.com/2/problems/invalid-request",
                    }
                    for i in missing
                ]
            return self._json(answer)
        created, errors = [], []
        for item in body["add"] or []:
            value = item.get("value") if isinstance(item, dict) else None
            tag = item.get("tag") if isinstance(item, dict) else None
            trouble = _rule_problem(value)
            same = next((r for r in self.rules.values() if r["value"] == value), None)
            if trouble is not None:
                errors.append(
                    {
                        "value": value,
                        "details": [trouble],
                        "title": "UnprocessableEntity",
                        "type": "https://api.twitter.com/2/problems/invalid-rules",
                    }
                )
            elif same is not None:
                errors.append(
                    {
                        "value": value,
                        "id": same["id"],
                        "title": "DuplicateRule",
                        "type": "https://api.twitter.com/2/problems/duplicate-rules",
                    }
                )
            else:
                rule = {"value": str(value), "id": self._new_rule_id()}
                if isinstance(tag, str):
                    rule["tag"] = tag
                created.append(rule)
        if not dry_run:
            self.rules.update((r["id"], r) for r in created)
        invalid = sum(e["title"] == "UnprocessableEntity" for e in errors)
        summary = {
            "created": len(created),
            "not_created": len(errors),
            "valid": len(created) + len(errors) - invalid,
            "invalid": invalid,
        }
        answer = {"meta": {"sent": self._sent(), "summary": summary}}
        if created:
            answer["data"] = created
        if errors:
            answer["errors"] = errors
        return self._json(answer, status=201 if created else 200)

    # the stream

    async def _stream(self, request: web.Request) -> web.StreamResponse:
        refused = await self._refusal(request, "stream")
        if refused is not None:
            return refused
        if len(self._open()) >= self.max_connections:
            return problem(
                429,
                "ConnectionException",
                "This stream is currently at the maximum allowed connection limit.",
                "https://api.twitter.com/2/problems/streaming-connection",
                connection_issue="TooManyConnections",
            )
        response = web.StreamResponse(
            headers={"Content-Type": "application/json; charset=utf-8", **self._rate_headers()}
        )
        response.enable_chunked_encoding()
        await response.prepare(request)
        stream = _Stream(request, response)
        self.streams.append(stream)
        transport = request.transport
        try:
            while transport is not None and not transport.is_closing():
                if stream.stalled:
                    await asyncio.sleep(0.01)  # silent, until the client hangs up
                    continue
                try:
                    async with asyncio.timeout(self.keepalive):
                        data = await stream.queue.get()
                except TimeoutError:
                    data = b"\r\n"  # the keep-alive
                if data is None:
                    break
                if data is _DROP:
                    await response.write(_HALF_LINE)
                    transport.abort()
                    break
                if data is _BREAK:
                    transport.write(_HALF_LINE)
                    transport.abort()
                    break
                if not stream.stalled and isinstance(data, bytes):
                    await response.write(data)
        except (ConnectionError, RuntimeError):
            pass  # the client went away
        finally:
            stream.closed = True
        return response

    def _send(self, data: bytes) -> None:
        for stream in self.open_streams():
            stream.queue.put_nowait(data)

    def _includes(self, posts: Iterable[FakePost]) -> dict[str, Any]:
        users: dict[str, dict[str, Any]] = {}
        media: dict[str, dict[str, Any]] = {}
        for post in posts:
            users.setdefault(post.user["id"], post.user)
            media.update((m["media_key"], m) for m in post.media)
        includes: dict[str, Any] = {"users": list(users.values())}
        if media:
            includes["media"] = list(media.values())
        return includes

    # recent search

    async def _search(self, request: web.Request) -> web.Response:
        refused = await self._refusal(request, "search")
        if refused is not None:
            return refused
        query = request.query.get("query", "")
        invalid = []
        if not query or len(query) > 512:
            invalid.append("query must be 1 to 512 characters")
        try:
            size = int(request.query.get("max_results", "10"))
        except ValueError:
            size = 0
        if not 10 <= size <= 100:
            invalid.append("max_results must be between 10 and 100")
        since = request.query.get("since_id")
        if since is not None and not since.isdigit():
            invalid.append("since_id must be a post id")
        if invalid:
            return problem(
                400,
                "Invalid Request",
                "One or more parameters to your request was invalid.",
                "https://api.twitter.com/2/problems/invalid-request",
                errors=[{"message": m} for m in invalid],
            )
        if self.recorded_searches:
            body = self.recorded_searches.pop(0)
            return web.Response(
                body=body, content_type="application/json", headers=self._rate_headers()
            )
        terms = _terms(query)
        found = [
            p
            for p in reversed(self.posts)
            if p.hashtags & terms
            and not (p.retweet and "-is:retweet" in query)
            and (since is None or int(p.id) > int(since))
        ]
        offset = int(request.query.get("next_token", "page0").removeprefix("page") or 0)
        page = found[offset : offset + size]
        meta: dict[str, Any] = {"result_count": len(page)}
        if page:
            meta |= {"newest_id": page[0].id, "oldest_id": page[-1].id}
        if offset + size < len(found):
            meta["next_token"] = f"page{offset + size}"
        body: dict[str, Any] = {"meta": meta}
        if page:
            body["data"] = [p.data for p in page]
            body["includes"] = self._includes(page)
        return self._json(body)

    async def _file(self, request: web.Request) -> web.Response:
        return web.Response(body=PNG, content_type="image/png")


__all__ = ["TOKEN", "FakePost", "FakeX", "line", "make_media", "make_post", "make_user"]
