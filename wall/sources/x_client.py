"""tweepy's asynchronous streaming client, pointed at a configurable X API host.

tweepy 4.17 writes ``https://api.twitter.com`` into ``AsyncStreamingClient._connect`` and
``AsyncBaseClient.request``; ``XClient`` overrides both to use the configured base URL
(``https://api.x.com``, or a local fake in tests), and Murmur's SSRF-guarded sessions.
tweepy keeps the rest: the rules methods, the stream's line reading, its callbacks.

tweepy's stream runs its own reconnection loop in a task and reports through callbacks;
Murmur's supervisor reconnects, so the callbacks here end that loop at the first trouble
(by raising, which tweepy hands to ``on_exception``) and report what happened on
``outcome``, while the stream's posts go to ``inbox``, for ``XFeed`` to read.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp
import msgspec
from tweepy.asynchronous import AsyncStreamingClient
from tweepy.asynchronous.streaming import AsyncBaseStream
from tweepy.errors import (
    BadRequest,
    Forbidden,
    HTTPException,
    NotFound,
    TooManyRequests,
    TwitterServerError,
    Unauthorized,
)
from yarl import URL

from moderation.post import Post
from wall.fetch import Guard, GuardedResolver
from wall.sources.x_wire import FIELDS, MAX_LINE, MalformedLine, parse_stream_line

log = logging.getLogger(__name__)

MAX_ANSWER = 32 * 1024 * 1024  # a page of 100 posts with their includes is far smaller


@dataclass(frozen=True)
class Refused:
    """The stream's connection was answered with an HTTP error."""

    status: int
    headers: Mapping[str, str]


@dataclass(frozen=True)
class Lost:
    """The open stream ended: ``how`` is "dropped", "stalled" or "closed"."""

    how: str


@dataclass(frozen=True)
class Answer:
    """A successful REST answer, read in full (and capped): what tweepy's
    ``_make_request`` gets from ``request`` and asks ``json()`` of."""

    status: int
    headers: Mapping[str, str]
    body: bytes

    async def json(self) -> Any:
        return msgspec.json.decode(self.body)


class _Stop(Exception):
    """Raised from tweepy's callbacks to end its own retry loop: the supervisor retries."""

    def __init__(self, outcome: Refused | Lost) -> None:
        super().__init__(outcome)
        self.outcome = outcome


class XClient(AsyncStreamingClient):  # type: ignore[misc]  # tweepy has no type hints
    """tweepy's ``AsyncStreamingClient`` on ``base`` instead of the host tweepy writes in.

    REST calls (rules, recent search) go through Murmur's guarded session ``http``. Each
    stream connection gets a session of its own (tweepy closes it when the stream ends),
    behind the same SSRF guard, whose read timeout is the stall limit. The stream's posts
    arrive on ``inbox``; how it ended, on ``outcome``. tweepy's own reconnection loop is
    cut short by raising from its callbacks, because the supervisor does that job.
    """

    CONNECTED = "connected"

    def __init__(
        self,
        token: str,
        *,
        base: str,
        http: aiohttp.ClientSession,
        guard: Guard,
        stall_seconds: float,
        rule_prefix: str | None = None,
        on_skip: Callable[[str], None] | None = None,
    ) -> None:
        super().__init__(token, return_type=dict, wait_on_rate_limit=False, max_retries=0)
        self.on_skip = on_skip
        self.base = URL(base.rstrip("/"))
        self.http = http
        self.guard = guard
        self.stall_seconds = stall_seconds
        self.rule_prefix = rule_prefix
        self.inbox: asyncio.Queue[list[Post] | str] = asyncio.Queue(maxsize=256)
        self.outcome: asyncio.Future[Refused | Lost | BaseException | None] = (
            asyncio.get_running_loop().create_future()
        )
        self._headers: Mapping[str, str] = {}
        self.last_heard = 0.0  # loop time of the last line, keep-alives included
        self._task: asyncio.Task[None] | None = None

    def open(self) -> None:
        """Connect to the filtered stream, with the fields Murmur reads, in a task."""
        self._task = self.filter(**FIELDS)

    async def next(self) -> list[Post] | str | None:
        """The next item of the inbox (its posts first); ``None`` once the stream ended.

        Silence is timed here too, not only by the socket's read timeout: aiohttp waits
        forever on a chunked body broken below the HTTP framing. Only the time spent
        waiting counts, so a slow consumer is not mistaken for a silent stream.
        """
        loop = asyncio.get_running_loop()
        waiting_since = loop.time()
        while True:
            if not self.inbox.empty():
                return self.inbox.get_nowait()
            if self.outcome.done():
                return None
            quiet = loop.time() - max(waiting_since, self.last_heard)
            if quiet >= self.stall_seconds:
                self._finish(Lost("stalled"))  # not even a keep-alive
                return None
            getter = asyncio.ensure_future(self.inbox.get())
            waiting: list[asyncio.Future[Any]] = [getter, self.outcome]
            try:
                await asyncio.wait(
                    waiting, timeout=self.stall_seconds - quiet, return_when=asyncio.FIRST_COMPLETED
                )
            finally:
                if not getter.done():
                    getter.cancel()
            if getter.done() and not getter.cancelled():
                return getter.result()

    async def close(self) -> None:
        """End the stream's task (tweepy closes its session) and wait for it."""
        self.disconnect()
        if self._task is not None:
            await asyncio.wait([self._task])

    # REST: AsyncBaseClient.request, on our base URL and session.

    async def request(
        self,
        method: str,
        route: str,
        params: dict[str, Any] | None = None,
        json: object = None,
        user_auth: bool = False,
    ) -> Answer:
        if user_auth:
            raise NotImplementedError("Murmur authenticates to X with a bearer token only")
        url = self.base.with_path(self.base.path.rstrip("/") + route)
        self.guard.check_url(url)
        headers = {"User-Agent": self.user_agent, "Authorization": f"Bearer {self.bearer_token}"}
        async with self.http.request(
            method,
            url,
            params=params,
            json=json,
            headers=headers,
            allow_redirects=False,
            timeout=aiohttp.ClientTimeout(total=max(self.stall_seconds, 10.0)),
        ) as response:
            body = bytearray()
            async for chunk in response.content.iter_chunked(65536):
                body += chunk
                if len(body) > MAX_ANSWER:
                    raise aiohttp.ClientPayloadError(f"X sent an answer over {MAX_ANSWER} bytes")
        status = response.status
        if 200 <= status < 300:
            return Answer(status, response.headers, bytes(body))
        # X sends its problems as JSON (sometimes typed application/problem+json, which
        # aiohttp's response.json() refuses): read them whatever the content type says.
        try:
            answer = msgspec.json.decode(bytes(body))
        except msgspec.DecodeError:
            answer = {}
        problem = answer if isinstance(answer, dict) else {}
        error = {
            400: BadRequest,
            401: Unauthorized,
            403: Forbidden,
            404: NotFound,
            429: TooManyRequests,
        }.get(status, TwitterServerError if status >= 500 else HTTPException)
        raise error(response, response_json=problem)

    async def search_recent(self, query: str, **params: object) -> dict[str, Any]:
        """One page of ``GET /2/tweets/search/recent``, with the stream's fields."""
        answer: dict[str, Any] = await self._make_request(
            "GET",
            "/2/tweets/search/recent",
            params={"query": query, **FIELDS, **params},
            endpoint_parameters=(
                "query",
                "since_id",
                "max_results",
                "next_token",
                "sort_order",
                "expansions",
                "tweet.fields",
                "user.fields",
                "media.fields",
            ),
        )
        return answer

    # The stream: AsyncStreamingClient._connect, on our base URL and a guarded session.

    async def _connect(self, method: str, endpoint: str, **kwargs: Any) -> None:
        url = self.base.with_path(f"{self.base.path.rstrip('/')}/2/tweets/{endpoint}/stream")
        self.guard.check_url(url)
        trace = aiohttp.TraceConfig()
        trace.on_request_end.append(self._keep_headers)
        self.session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(resolver=GuardedResolver(self.guard)),
            timeout=aiohttp.ClientTimeout(sock_connect=10, sock_read=self.stall_seconds),
            read_bufsize=MAX_LINE // 2,  # lines up to MAX_LINE (aiohttp's limit is twice it)
            trace_configs=[trace],
        )
        headers = {"Authorization": f"Bearer {self.bearer_token}"}
        await AsyncBaseStream._connect(self, method, str(url), headers=headers, **kwargs)

    async def _keep_headers(
        self, _: object, __: object, params: aiohttp.TraceRequestEndParams
    ) -> None:
        self._headers = params.response.headers

    # tweepy's callbacks.

    async def on_connect(self) -> None:
        self.heard()
        await self.inbox.put(self.CONNECTED)

    async def on_data(self, raw_data: bytes) -> None:
        # Replaces tweepy's on_data, which stops the stream on a line it cannot decode (and
        # on a matching rule without a tag).
        self.heard()
        try:
            posts = parse_stream_line(raw_data, rule_prefix=self.rule_prefix)
        except Exception as exc:  # one unreadable line costs that line only
            why = str(exc) if isinstance(exc, MalformedLine) else f"{type(exc).__name__}: {exc}"
            log.warning(
                "X stream: skipped a line: %s",
                why[:300],
                exc_info=not isinstance(exc, MalformedLine),
            )
            if self.on_skip is not None:
                self.on_skip(f"X sent a stream line Murmur cannot read: {why[:200]}")
            return
        if posts:
            await self.inbox.put(posts)

    async def on_keep_alive(self) -> None:
        self.heard()

    async def on_request_error(self, status_code: int) -> None:
        raise _Stop(Refused(status_code, dict(self._headers)))

    async def on_connection_error(self) -> None:
        # tweepy calls this inside its ``except (ClientConnectionError, ...)`` block.
        stalled = isinstance(sys.exception(), aiohttp.ServerTimeoutError)
        raise _Stop(Lost("stalled" if stalled else "dropped"))

    async def on_closed(self, resp: aiohttp.ClientResponse) -> None:
        raise _Stop(Lost("closed"))

    async def on_exception(self, exception: Exception) -> None:
        outcome = exception.outcome if isinstance(exception, _Stop) else exception
        self._finish(outcome)

    async def on_disconnect(self) -> None:
        self._finish(None)

    def _finish(self, outcome: Refused | Lost | BaseException | None) -> None:
        if not self.outcome.done():
            self.outcome.set_result(outcome)

    def heard(self) -> None:
        self.last_heard = asyncio.get_running_loop().time()


__all__ = ["Lost", "Refused", "XClient"]
