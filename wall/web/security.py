"""Security at the edge: headers, CSRF, websocket origins, and bounded JSON input."""

from __future__ import annotations

import re
import secrets
from typing import TypeVar
from urllib.parse import urlsplit

import msgspec
from starlette.requests import HTTPConnection, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from wall.web.errors import ApiError
from wall.web.session_cookies import LIVE, session_state
from wall.web.validation import describe

T = TypeVar("T")

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'; object-src 'none'"
)
# Powerful browser features no Murmur page uses are denied to every page and to anything
# a page might embed: an injected script could not ask for the camera, the microphone or
# the location. The screens keep the one they use: the wake lock, so a wall's display
# never sleeps (static/wall.js). The attendees' photo is a plain file input, which needs
# no permission even when the phone offers its camera. Only names Chromium knows are
# listed, as it logs an error for each unknown one.
PERMISSIONS_POLICY = ", ".join(
    [
        *(
            f"{feature}=()"
            for feature in (
                "accelerometer", "camera", "display-capture", "encrypted-media",
                "geolocation", "gyroscope", "hid", "idle-detection", "magnetometer",
                "microphone", "midi", "payment", "picture-in-picture",
                "publickey-credentials-get", "serial", "usb", "xr-spatial-tracking",
            )
        ),
        "fullscreen=(self)",
        "screen-wake-lock=(self)",
    ]
)  # fmt: skip
# The organiser page shows a screen's preview in a frame: that page alone (a wall with
# ?preview=1, which is not counted as a screen) may be framed, by Murmur's own pages only.
PREVIEW_CSP = CSP.replace("frame-ancestors 'none'", "frame-ancestors 'self'")
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", PERMISSIONS_POLICY.encode()),
]
# HTTPS only, ever: a browser that saw this over HTTPS refuses plain http to the host for
# a year (RFC 6797). Sent only on responses to HTTPS requests, as the RFC requires (section
# 7.2), so `murmur serve` tried out over plain http on a laptop never pins anything. Behind
# a proxy, the scheme is the one the proxy reports, once wall.web.proxy's middleware (which
# rewrites the scope) wraps this one.
HSTS = (b"strict-transport-security", b"max-age=31536000")
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
CSRF_HEADER = "x-csrf-token"
CSRF_EXEMPT = {"/api/login"}
# The attendees' form is anonymous: wall.web.submit checks its origin and device cookie.
# So is accepting an invitation (no session yet): wall.web.invites checks its origin.
CSRF_EXEMPT_PATTERN = re.compile(r"^(?:/api/events/[^/]+/submissions|/api/join/[^/]+)$")
MAX_JSON = 16 * 1024


PREVIEW_HEADERS = [
    (b"content-security-policy", PREVIEW_CSP.encode()),
    *(h for h in HEADERS if h[0] not in {b"content-security-policy", b"x-frame-options"}),
    (b"x-frame-options", b"SAMEORIGIN"),
]


def _is_preview(scope: Scope) -> bool:
    path = scope.get("path", "")
    query = scope.get("query_string", b"")
    return path.startswith("/wall/") and path.count("/") == 2 and b"preview=1" in query.split(b"&")


class SecurityHeaders:
    """Adds the Content-Security-Policy, the Permissions-Policy and friends to every HTTP
    response, and Strict-Transport-Security to those that travel over HTTPS."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        added = PREVIEW_HEADERS if _is_preview(scope) else HEADERS
        if scope.get("scheme") == "https":
            added = [*added, HSTS]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], *added]
            await send(message)

        await self.app(scope, receive, send_with_headers)


def new_csrf_token() -> str:
    return secrets.token_urlsafe(32)


def check_csrf(request: Request) -> None:
    """Refuse a mutating API request that lacks the session's CSRF token."""
    if request.method not in UNSAFE_METHODS or request.url.path in CSRF_EXEMPT:
        return
    if CSRF_EXEMPT_PATTERN.fullmatch(request.url.path):
        return
    if session_state(request.scope) != LIVE:
        # No live session: nothing this request could do in someone's name. The route
        # answers 401 (log in; or the session ended), which the pages act on, rather than
        # a 403 about a token that belongs to no session.
        return
    expected = request.session.get("csrf")
    given = request.headers.get(CSRF_HEADER, "")
    if not expected or not secrets.compare_digest(str(expected), given):
        raise ApiError(
            403, "Missing or wrong CSRF token: reload the page and try again.", code="csrf"
        )


def own_origin(conn: HTTPConnection) -> str:
    scheme = {"ws": "http", "wss": "https"}.get(conn.url.scheme, conn.url.scheme)
    host = conn.headers.get("host", "")
    return f"{scheme}://{host}".lower()


def origin_allowed(conn: HTTPConnection, allowed: list[str]) -> bool:
    """A websocket handshake's ``Origin`` must be the server's own or a configured one.

    Browsers always send ``Origin`` on websocket handshakes; a missing one means a
    non-browser client, which cannot ride on a visitor's cookies, so it is let through.
    """
    origin = conn.headers.get("origin")
    if origin is None:
        return True
    origin = origin.lower().rstrip("/")
    if origin == own_origin(conn):
        return True
    parts = urlsplit(origin)
    return any(origin == a.lower().rstrip("/") for a in allowed) and bool(parts.netloc)


async def read_json(request: Request, kind: type[T], *, limit: int = MAX_JSON) -> T:
    """Decode the request body as ``kind``; bounded, with errors that name the field."""
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype != "application/json":
        raise ApiError(
            415,
            "Send the request body as JSON (Content-Type: application/json).",
            code="json_type",
        )
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise _too_large(limit)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise _too_large(limit)
    try:
        return msgspec.json.decode(bytes(body) or b"{}", type=kind)
    except msgspec.ValidationError as exc:
        raise invalid(exc, "Invalid input") from None
    except msgspec.DecodeError:
        raise ApiError(400, "The request body is not valid JSON.", code="bad_json") from None


def _too_large(limit: int) -> ApiError:
    return ApiError(
        413,
        f"The request body is too large (at most {limit} bytes).",
        code="body_too_large",
        params={"limit": limit},
    )


def invalid(exc: msgspec.ValidationError | ValueError, what: str) -> ApiError:
    """A refused input: its English sentence, and its code and facts for the pages."""
    code, params = describe(exc)
    return ApiError(400, f"{what}: {exc}.", code=code, params=params, field=field_of(str(exc)))


def field_of(message: str) -> str | None:
    # msgspec says "... - at `$.field`" or "Object missing required field `name`".
    if "- at `$." in message:
        return message.rsplit("- at `$.", 1)[1].rstrip("`").split(".")[0].split("[")[0]
    if "field `" in message:
        return message.split("field `", 1)[1].split("`", 1)[0]
    return None


class CSRFMiddleware:
    """Every mutating ``/api/`` request must carry the session's CSRF token.

    Sits inside the session middleware, so ``scope["session"]`` is already decoded.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith("/api/"):
            request = Request(scope)
            try:
                check_csrf(request)
            except ApiError as exc:
                from wall.web.errors import api_error_handler

                response = await api_error_handler(request, exc)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
