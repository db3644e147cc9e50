"""Logging in and out, and who is asking: ``/api/login``, ``/api/logout``, ``/api/session``.

A login passes the brake on guessing (``wall.throttle``), takes a place on the password
checks' own pool (``wall.auth.PasswordChecks``), and starts a session on the server
(``wall.sessions``). Every other route asks ``current_user``, which reads what
``wall.web.session_cookies`` found for this request.

A user may be limited to some events. ``current_user`` enforces it for every route whose
path names an ``{event}``, so a new route is covered without remembering to ask;
``may_act_on`` is the same check for the desk's socket and the pages, and
``organiser_of_every_event`` guards what reaches beyond one event (people, invitations,
new events, privacy requests across events).
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any, TypeVar

import msgspec
from starlette.requests import HTTPConnection, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from wall.accounts import User
from wall.auth import Busy, PasswordChecks, Role
from wall.hub import Hub
from wall.sessions import Session, Sessions, may_act_on
from wall.throttle import DeviceTrust, LoginThrottle
from wall.web.errors import ApiError
from wall.web.security import read_json
from wall.web.session_cookies import ENDED, SESSION, SESSION_COOKIE, secure, session_state
from wall.web.submit import address_key

# Marks a browser that has logged in to an account before (see wall.throttle); sent only
# to the login route.
DEVICE_COOKIE = "murmur_login_device"
DEVICE_DAYS = 180

T = TypeVar("T")


class LoginInput(msgspec.Struct, forbid_unknown_fields=True):
    username: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
    password: Annotated[str, msgspec.Meta(min_length=1, max_length=1024)]


def current_user(request: HTTPConnection) -> tuple[str, str]:
    """The logged-in user's (name, role), or a 401 whose ``code`` says why; a 403
    (``not_your_event``) when the path names an event the user may not act on.

    ``session_expired``: the browser sent a session that has ended (logged out elsewhere,
    idle or too old, password or role changed, user removed); ``login_required``: it sent
    none. Either way the page should offer to log in again.
    """
    user = request.session.get("user")
    role = request.session.get("role")
    if user and role in {r.value for r in Role}:
        slug = request.path_params.get("event")
        if slug is not None and not may_act_on(request.session, str(slug)):
            raise ApiError(
                403,
                f"You may not act on the event “{str(slug)[:60]}”: ask an organiser.",
                code="not_your_event",
                params={"slug": str(slug)[:60]},
            )
        return str(user), str(role)
    if session_state(request.scope) == ENDED:
        raise ApiError(
            401,
            "Your session has ended (logged out, expired, or your account changed): log in again.",
            code="session_expired",
        )
    raise ApiError(401, "Log in first: open /login.", code="login_required")


def organiser_of_every_event(request: HTTPConnection) -> str:
    """The organiser asking, if no event limit applies to them; else 403.

    What reaches beyond one event (people, invitations, new events, privacy requests)
    needs it: an organiser limited to some events could otherwise give themself more.
    """
    user, role = current_user(request)
    if role != Role.ORGANISER:
        raise ApiError(
            403, "Only organisers may do this: ask an organiser.", code="organisers_only"
        )
    if request.session.get("events"):
        raise ApiError(
            403,
            "Only an organiser of every event may do this: ask one.",
            code="every_event_only",
        )
    return user


def _state(request: Request, name: str, kind: type[T]) -> T:
    value = getattr(request.app.state, name)
    assert isinstance(value, kind)
    return value


async def login(request: Request) -> Response:
    data = await read_json(request, LoginInput)
    hub: Hub = request.app.state.hub
    throttle = _state(request, "login_throttle", LoginThrottle)
    trust = _state(request, "device_trust", DeviceTrust)
    checks = _state(request, "password_checks", PasswordChecks)
    device = trust.device_of(request.cookies.get(DEVICE_COOKIE), data.username)
    client = await throttle.client(address_key(request), device)
    wait = await throttle.wait(data.username, client)
    if wait > 0:
        seconds = int(wait) + 1
        raise ApiError(
            429,
            f"Too many failed attempts: wait {seconds} seconds, then try again.",
            code="login_throttled",
            params={"seconds": seconds},
            headers={"Retry-After": str(seconds)},
        )
    try:
        with checks.turn(client.key):
            delay = await throttle.slowdown(data.username, client)
            if delay:  # someone is guessing this account: slower, never locked
                await asyncio.sleep(delay)
            user = await hub.store.get_user(data.username)
            ok = await checks.verify(user.password_hash if user else None, data.password)
    except Busy as exc:
        raise ApiError(
            503 if exc.everyone else 429,
            "Too many logins at once: try again in a second.",
            code="login_busy",
            headers={"Retry-After": str(exc.retry_after)},
        ) from None
    if not ok or user is None:
        await throttle.failed(data.username, client)
        request.app.state.hub.metrics.failed_logins.inc()
        raise ApiError(401, "Wrong user name or password.", code="wrong_login")
    await throttle.succeeded(data.username, client)

    response = await open_session(request, user)
    is_secure = secure(request.scope, hub.settings.server.secure_cookies)
    if device is None:
        response.set_cookie(
            DEVICE_COOKIE,
            trust.issue(user.username),
            max_age=DEVICE_DAYS * 86400,
            path="/api/login",
            httponly=True,
            samesite="strict",
            secure=is_secure,
        )
    return response


async def open_session(
    request: Request, user: User, *, status: int = 200, extra: dict[str, Any] | None = None
) -> Response:
    """Log ``user`` in: a new session (ending the browser's previous one) and its cookie.

    The JSON answer holds the user name, role and CSRF token, and ``extra``.
    """
    hub: Hub = request.app.state.hub
    sessions = _state(request, "sessions", Sessions)
    previous = request.scope.get(SESSION)
    if isinstance(previous, Session):  # logging in again, perhaps as someone else
        await sessions.end(previous)
    cookie, session = await sessions.start(
        user,
        address=request.client.host if request.client else "",
        agent=request.headers.get("user-agent", ""),
    )
    response = JSONResponse(
        {
            "username": session.username,
            "role": session.role,
            "csrf_token": session.csrf,
            **(extra or {}),
        },
        status_code=status,
    )
    response.set_cookie(
        SESSION_COOKIE,
        cookie,
        max_age=hub.settings.server.session_hours * 3600,
        path="/",
        httponly=True,
        samesite="lax",
        secure=secure(request.scope, hub.settings.server.secure_cookies),
    )
    return response


async def logout(request: Request) -> Response:
    session = request.scope.get(SESSION)
    if isinstance(session, Session):
        await _state(request, "sessions", Sessions).end(session)
    response = Response(status_code=204)
    response.delete_cookie(
        SESSION_COOKIE,
        path="/",
        httponly=True,
        samesite="lax",
        secure=secure(request.scope, request.app.state.hub.settings.server.secure_cookies),
    )
    return response


async def session(request: Request) -> Response:
    user, role = current_user(request)
    return JSONResponse(
        {
            "username": user,
            "role": role,
            "csrf_token": request.session["csrf"],
            "events": request.session.get("events", []),
        }
    )


routes = [
    Route("/api/login", login, methods=["POST"]),
    Route("/api/logout", logout, methods=["POST"]),
    Route("/api/session", session, methods=["GET"]),
]
