"""Invitations: organisers make them (``/api/invites``), the invited person opens the link
(``/invite/{token}``, a page of its own) and uses it (``/api/join/{token}``).

Making, listing and withdrawing invitations needs an organiser of every event. The token is
in the answer that creates it (with its link and QR code) and nowhere after. The invited
person has no session yet, so ``/api/join/{token}`` needs no CSRF token; it takes requests
from Murmur's own pages only (``Sec-Fetch-Site`` and ``Origin``), and failed tokens are
braked per address as failed logins are (``wall.throttle``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import quote

import msgspec
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from wall.auth import MAX_PASSWORD, MIN_PASSWORD, Busy, PasswordChecks, Role, check_username
from wall.invites import MAX_HOURS, Invite, InviteRefused, Invites, NameTaken
from wall.throttle import Client, LoginThrottle
from wall.web.api import JSON, hub_of
from wall.web.errors import ApiError
from wall.web.login import open_session
from wall.web.login import organiser_of_every_event as organiser
from wall.web.operations import ApiRoute, EventSlug, Operation
from wall.web.pages import STATIC
from wall.web.params import whole_number
from wall.web.people import known_events
from wall.web.qr import absolute_url, svg
from wall.web.security import own_origin, read_json
from wall.web.submit import address_key

# The throttle's account name for token attempts: one brake for every invitation.
ATTEMPTS = "invitation"


class InviteInput(msgspec.Struct, forbid_unknown_fields=True):
    role: Role = Role.MODERATOR
    # The events the new user may act on (slugs); empty: every event.
    events: Annotated[list[EventSlug], msgspec.Meta(max_length=100)] = []
    # How long the link works, in hours (at most a week).
    hours: Annotated[int, msgspec.Meta(ge=1, le=MAX_HOURS)] = 24


class InviteInfo(msgspec.Struct, kw_only=True):
    """A pending invitation (never its token)."""

    id: int
    role: Role
    events: list[str]
    created_by: str
    created_at: datetime
    expires_at: datetime


class InviteCreated(InviteInfo, kw_only=True):
    """The new invitation, with its token: shown this once, stored only as a hash."""

    token: str
    path: str
    url: str
    # The link as a QR code, an SVG document.
    qr_svg: str


class InviteList(msgspec.Struct):
    invites: list[InviteInfo]


class Invitation(msgspec.Struct, kw_only=True):
    """What an invitation offers, for the page that accepts it."""

    role: Role
    events: list[str]
    # The events' titles, in the same order.
    titles: list[str]
    expires_at: datetime
    # Where the new user goes once in: the desk of the (first) event.
    next: str


class JoinInput(msgspec.Struct, forbid_unknown_fields=True):
    username: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
    password: Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_PASSWORD)]


class Joined(msgspec.Struct):
    """The new user, logged in (the session cookie is set)."""

    username: str
    role: Role
    csrf_token: str
    next: str


def _when(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def _invites(request: Request) -> Invites:
    invites = request.app.state.invites
    assert isinstance(invites, Invites)
    return invites


def _now(request: Request) -> float:
    # The sessions' clock: one seam for tests that move time.
    now: float = request.app.state.sessions.clock()
    return now


def _fields(invite: Invite) -> dict[str, Any]:
    return {
        "id": invite.id,
        "role": Role(invite.role),
        "events": list(invite.events),
        "created_by": invite.created_by,
        "created_at": _when(invite.created_at),
        "expires_at": _when(invite.expires_at),
    }


async def create_invite(request: Request) -> Response:
    user = organiser(request)
    data = await read_json(request, InviteInput)
    events = known_events(request, data.events)
    token, invite = await _invites(request).create(
        role=data.role.value, events=events, hours=data.hours, by=user, now=_now(request)
    )
    path = f"/invite/{token}"
    url = absolute_url(request, path)
    if url is None:
        raise ApiError(400, "The request's Host header is not valid.", code="host")
    created = InviteCreated(**_fields(invite), token=token, path=path, url=url, qr_svg=svg(url))
    return JSON(created, status_code=201)


async def list_invites(request: Request) -> Response:
    organiser(request)
    pending = await _invites(request).pending(_now(request))
    return JSON(InviteList([InviteInfo(**_fields(i)) for i in pending]))


async def withdraw_invite(request: Request) -> Response:
    organiser(request)
    invite_id = whole_number(str(request.path_params["invite"]), low=1)
    if invite_id is None or not await _invites(request).withdraw(invite_id):
        raise ApiError(
            404,
            "There is no pending invitation by that number: reload the list.",
            code="no_invite",
        )
    return Response(status_code=204)


# ---------------------------------------------------------------- the invited person


async def _throttle(request: Request) -> tuple[LoginThrottle, Client]:
    throttle = request.app.state.invite_throttle
    assert isinstance(throttle, LoginThrottle)
    client = await throttle.client(address_key(request), None)
    wait = await throttle.wait(ATTEMPTS, client)
    if wait > 0:
        seconds = int(wait) + 1
        raise ApiError(
            429,
            f"Too many failed attempts: wait {seconds} seconds, then try again.",
            code="login_throttled",
            params={"seconds": seconds},
            headers={"Retry-After": str(seconds)},
        )
    return throttle, client


def _refused(exc: InviteRefused) -> ApiError:
    status = {"invite_unknown": 404, "username_taken": 409}.get(exc.code, 410)
    field = "username" if isinstance(exc, NameTaken) else None
    params = {"name": exc.username[:100]} if isinstance(exc, NameTaken) else None
    return ApiError(status, str(exc), code=exc.code, params=params, field=field)


def _next(request: Request, events: tuple[str, ...]) -> str:
    slugs = [s for s in events if s in hub_of(request).events] or list(hub_of(request).events)
    return f"/moderate/{quote(slugs[0])}" if slugs else "/"


async def _usable(request: Request, throttle: LoginThrottle, client: Client) -> Invite:
    token = str(request.path_params["token"])
    try:
        return await _invites(request).usable(token[:200], _now(request))
    except InviteRefused as exc:
        await throttle.failed(ATTEMPTS, client)
        raise _refused(exc) from None


async def invitation(request: Request) -> Response:
    throttle, client = await _throttle(request)
    invite = await _usable(request, throttle, client)
    events = hub_of(request).events
    return JSON(
        Invitation(
            role=Role(invite.role),
            events=list(invite.events),
            titles=[events[s].title if s in events else s for s in invite.events],
            expires_at=_when(invite.expires_at),
            next=_next(request, invite.events),
        )
    )


def _same_site(request: Request) -> None:
    """Only Murmur's own page may use an invitation (no session: no CSRF token to check)."""
    server = hub_of(request).settings.server
    allowed = {own_origin(request), *(o.lower().rstrip("/") for o in server.allowed_origins)}
    if server.public_url:
        allowed.add(server.public_url.lower().rstrip("/"))
    site = request.headers.get("sec-fetch-site")
    origin = request.headers.get("origin")
    if (site is not None and site != "same-origin") or (
        origin is not None and origin.lower().rstrip("/") not in allowed
    ):
        raise ApiError(
            403, "Open the invitation link itself and accept it from there.", code="origin"
        )


async def join(request: Request) -> Response:
    _same_site(request)
    throttle, client = await _throttle(request)
    data = await read_json(request, JoinInput)
    await _usable(request, throttle, client)  # before spending a password hash on it
    try:
        check_username(data.username)
    except ValueError:
        raise ApiError(
            400,
            "A user name has 1 to 100 printable characters.",
            code="username_invalid",
            field="username",
        ) from None
    if not MIN_PASSWORD <= len(data.password) <= MAX_PASSWORD:
        raise ApiError(
            400,
            f"A password has {MIN_PASSWORD} to {MAX_PASSWORD} characters.",
            code="password_length",
            params={"min": MIN_PASSWORD, "max": MAX_PASSWORD},
            field="password",
        )
    checks = request.app.state.password_checks
    assert isinstance(checks, PasswordChecks)
    try:
        with checks.turn(client.key):
            password_hash = await checks.hash(data.password)
    except Busy as exc:
        raise ApiError(
            503 if exc.everyone else 429,
            "Too many logins at once: try again in a second.",
            code="login_busy",
            headers={"Retry-After": str(exc.retry_after)},
        ) from None
    token = str(request.path_params["token"])
    try:
        user = await _invites(request).accept(
            token[:200], data.username, password_hash, _now(request)
        )
    except InviteRefused as exc:
        raise _refused(exc) from None
    await throttle.succeeded(ATTEMPTS, client)
    return await open_session(
        request, user, status=201, extra={"next": _next(request, user.events)}
    )


async def invite_page(request: Request) -> Response:
    # The page reads its token from the address and asks /api/join/{token} about it.
    return FileResponse(
        STATIC / "invite.html",
        media_type="text/html",
        headers={"Cache-Control": "no-store"},
    )


_ORGANISERS = {403: None}
_JOIN = "/api/join/{token}"
_STATES = {404: None, 410: None, 429: None}

routes = [
    ApiRoute(
        "/api/invites",
        create_invite,
        "POST",
        Operation(
            "Invite someone by link or QR code (organisers of every event)",
            ok=InviteCreated,
            status=201,
            body=InviteInput,
            body_optional=True,
            errors=_ORGANISERS,
            description="The token is in this answer only: Murmur keeps its hash.",
        ),
    ),
    ApiRoute(
        "/api/invites",
        list_invites,
        "GET",
        Operation("Invitations not used yet and not expired", ok=InviteList, errors=_ORGANISERS),
    ),
    ApiRoute(
        "/api/invites/{invite}",
        withdraw_invite,
        "DELETE",
        Operation(
            "Withdraw an invitation: its link stops working",
            status=204,
            errors={403: None, 404: None},
        ),
    ),
    ApiRoute(
        _JOIN,
        invitation,
        "GET",
        Operation(
            "What an invitation offers",
            ok=Invitation,
            login=False,
            errors=_STATES,
            description="404: no such invitation; 410: used or expired (`code` says which).",
        ),
    ),
    ApiRoute(
        _JOIN,
        join,
        "POST",
        Operation(
            "Accept an invitation: create the user and log them in",
            ok=Joined,
            status=201,
            body=JoinInput,
            login=False,
            errors={**_STATES, 403: None, 409: None, 503: None},
            description="409: the user name is taken. The session cookie is set.",
        ),
    ),
]

page_routes = [Route("/invite/{token}", invite_page, methods=["GET"])]
