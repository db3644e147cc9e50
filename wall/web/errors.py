"""API errors: one exception, rendered as ``{"error", "code", "params", "field"}`` JSON.

``error`` is an English sentence saying what to do; ``code`` and ``params`` name the same
refusal for pages, which word it in their reader's language (``error.<code>`` in the
catalogues, wall/static/reason-strings.js). Every refusal has a code.

Every answer under ``/api/`` that is not a success is JSON, including an unknown path
(404) and a method the path does not take (405, with ``Allow``); ``OPTIONS`` answers
204 with ``Allow``. ``fallback`` does this: it comes after every other route.
"""

from __future__ import annotations

from typing import Any

import msgspec
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Match, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from wall.store import StoreUnavailable
from wall.views import ClaimInfo, PostView


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        message: str,
        *,
        code: str,
        params: dict[str, Any] | None = None,
        field: str | None = None,
        extra: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.params = params or {}
        self.field = field
        self.extra = extra or {}
        self.headers = headers


class Error(msgspec.Struct, kw_only=True):
    """A refusal: ``error`` says why and what to do."""

    error: str
    # The input field at fault, when one is.
    field: str | None = None
    # A name for the refusal, for pages that say it in the reader's language.
    code: str | None = None
    # The refusal's facts (a limit, a name), for the same pages.
    params: dict[str, Any] | None = None


class Conflicted(Error, kw_only=True):
    """The post's state does not allow the change (``post`` is its current state), or
    another moderator holds its card (``claim`` says who, until when)."""

    post: PostView | None = None
    claim: ClaimInfo | None = None


class Refusal(Error, kw_only=True):
    """An attendee's post refused; ``limit`` and ``retry_after`` (seconds) when they apply."""

    limit: int | None = None
    retry_after: int | None = None


async def api_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    body: dict[str, Any] = {"error": exc.message, "code": exc.code, **exc.extra}
    if exc.params:
        body["params"] = exc.params
    if exc.field:
        body["field"] = exc.field
    return JSONResponse(body, status_code=exc.status, headers=exc.headers)


class StoreDown:
    """PostgreSQL did not answer (``StoreUnavailable``): a 503 that says so, never a 500.

    Middleware rather than an exception handler, because the session middleware reads the
    store before any route runs. The store opens its connection again by itself; the page
    may simply try again.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def sending(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, sending)
        except StoreUnavailable:
            if started:
                raise
            response = JSONResponse(
                {
                    "error": "The database is not answering. Murmur keeps trying:"
                    " try again in a moment.",
                    "code": "store_unavailable",
                },
                status_code=503,
                headers={"Retry-After": "5"},
            )
            await response(scope, receive, send)


def allowed_methods(request: Request) -> list[str]:
    """The methods the app's routes take at this request's path (HEAD comes with GET)."""
    methods: set[str] = set()
    for route in request.app.routes:
        if not isinstance(route, Route) or route.methods is None:
            continue
        match, _ = route.matches(request.scope)
        if match is not Match.NONE:
            methods |= route.methods
    return sorted(methods)


class Fallback:
    """What no other route under ``/api/`` answered: OPTIONS, 405 or 404, all in JSON.

    An ASGI app rather than a function, so its route takes every method: otherwise a
    route matching the path only (Starlette's plain-text 405, with its own methods only)
    would answer instead.
    """

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        methods = allowed_methods(request)
        if not methods:
            error = ApiError(
                404,
                f"There is no API at {request.url.path[:100]}: see /api/openapi.json.",
                code="no_api",
            )
        else:
            allow = ", ".join([*methods, "OPTIONS"])
            if request.method == "OPTIONS":
                await Response(status_code=204, headers={"Allow": allow})(scope, receive, send)
                return
            error = ApiError(
                405,
                f"{request.method[:20]} is not allowed here: use {', '.join(methods)}.",
                code="method",
                params={"method": request.method[:20], "allowed": ", ".join(methods)},
                headers={"Allow": allow},
            )
        response = await api_error_handler(request, error)
        await response(scope, receive, send)


# After every other route: see Fallback.
fallback_routes = [Route("/api/{rest:path}", Fallback())]
