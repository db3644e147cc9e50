"""Organisers of every event manage people: ``/api/users`` (see ``wall.people`` for the rules).

A session is shown with when and from where it was opened and last used, and named by an
opaque ``id`` (``wall.people.session_ref``), never by its stored key.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import msgspec
from starlette.requests import Request
from starlette.responses import Response

from wall.accounts import UserSummary
from wall.auth import Role
from wall.people import LastOrganiser, NoSuchSession, NoSuchUser, People, Refused, session_ref
from wall.sessions import Session
from wall.web.api import JSON, hub_of
from wall.web.errors import ApiError
from wall.web.login import organiser_of_every_event as organiser
from wall.web.operations import ApiRoute, EventSlug, Operation
from wall.web.security import read_json
from wall.web.session_cookies import SESSION


class SessionInfo(msgspec.Struct):
    # Opaque: DELETE /api/users/{name}/sessions/{session} ends this one.
    id: str
    created_at: datetime
    seen_at: datetime
    address: str
    agent: str
    # The session of the browser asking.
    current: bool


class UserInfo(msgspec.Struct):
    username: str
    role: Role
    # The events they may act on; empty: every event.
    events: list[str]
    created_at: str
    # Open sessions, oldest first.
    sessions: list[SessionInfo]


class UserList(msgspec.Struct):
    users: list[UserInfo]


class UserChange(msgspec.Struct, forbid_unknown_fields=True):
    # The new role; null: unchanged.
    role: Role | None = None
    # The events they may act on (slugs; empty: every event); null: unchanged.
    events: Annotated[list[EventSlug], msgspec.Meta(max_length=100)] | None = None


class Revoked(msgspec.Struct):
    # How many sessions ended.
    ended: int


def _when(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def _people(request: Request) -> People:
    people = request.app.state.people
    assert isinstance(people, People)
    return people


def _info(request: Request, user: UserSummary) -> UserInfo:
    own = request.scope.get(SESSION)
    mine = own.key if isinstance(own, Session) else None
    return UserInfo(
        username=user.username,
        role=Role(user.role),
        events=list(user.events),
        created_at=user.created_at,
        sessions=[
            SessionInfo(
                id=session_ref(s.id_hash),
                created_at=_when(s.created_at),
                seen_at=_when(s.seen_at),
                address=s.address,
                agent=s.agent,
                current=s.id_hash == mine,
            )
            for s in user.sessions
        ],
    )


def refused(exc: Refused) -> ApiError:
    if isinstance(exc, NoSuchUser):
        return ApiError(404, str(exc), code=exc.code, params={"name": exc.username[:100]})
    if isinstance(exc, NoSuchSession):
        return ApiError(404, str(exc), code=exc.code)
    if isinstance(exc, LastOrganiser):
        return ApiError(409, str(exc), code=exc.code)
    return ApiError(400, str(exc), code=exc.code)


def known_events(request: Request, slugs: list[str]) -> tuple[str, ...]:
    """The slugs, each of an event this server has; else a 400 naming the first unknown."""
    events = hub_of(request).events
    for slug in slugs:
        if slug not in events:
            raise ApiError(
                400,
                f"There is no event “{slug[:60]}”: choose among the events.",
                code="no_event",
                params={"slug": slug[:60]},
                field="events",
            )
    return tuple(dict.fromkeys(slugs))


def _name(request: Request) -> str:
    return str(request.path_params["name"])


async def list_users(request: Request) -> Response:
    organiser(request)
    users = await _people(request).users()
    return JSON(UserList([_info(request, u) for u in users]))


async def change_user(request: Request) -> Response:
    organiser(request)
    change = await read_json(request, UserChange)
    events = None if change.events is None else known_events(request, change.events)
    name = _name(request)
    people = _people(request)
    try:
        await people.set_access(name, role=change.role, events=events)
        user = await people.user(name)
    except Refused as exc:
        raise refused(exc) from None
    return JSON(_info(request, user))


async def remove_user(request: Request) -> Response:
    organiser(request)
    try:
        await _people(request).remove(_name(request))
    except Refused as exc:
        raise refused(exc) from None
    return Response(status_code=204)


async def revoke_sessions(request: Request) -> Response:
    organiser(request)
    try:
        ended = await _people(request).revoke(_name(request))
    except Refused as exc:
        raise refused(exc) from None
    return JSON(Revoked(ended))


async def revoke_session(request: Request) -> Response:
    organiser(request)
    ref = str(request.path_params["session"])
    try:
        await _people(request).revoke(_name(request), ref)
    except Refused as exc:
        raise refused(exc) from None
    return Response(status_code=204)


_USER = "/api/users/{name}"
_ORGANISERS = {403: None}
_MISSING = {403: None, 404: None}

routes = [
    ApiRoute(
        "/api/users",
        list_users,
        "GET",
        Operation(
            "Users, their roles and open sessions (organisers only)",
            ok=UserList,
            errors=_ORGANISERS,
        ),
    ),
    ApiRoute(
        _USER,
        change_user,
        "PATCH",
        Operation(
            "Change a user's role or events (organisers only); their sessions end",
            ok=UserInfo,
            body=UserChange,
            errors={**_MISSING, 409: None},
            description="409: that would leave no organiser of every event.",
        ),
    ),
    ApiRoute(
        _USER,
        remove_user,
        "DELETE",
        Operation(
            "Remove a user (organisers only); their sessions end, their desks close",
            status=204,
            errors={**_MISSING, 409: None},
            description="409: that would leave no organiser of every event.",
        ),
    ),
    ApiRoute(
        f"{_USER}/sessions",
        revoke_sessions,
        "DELETE",
        Operation("End every session of a user (organisers only)", ok=Revoked, errors=_MISSING),
    ),
    ApiRoute(
        f"{_USER}/sessions/{{session}}",
        revoke_session,
        "DELETE",
        Operation("End one session of a user (organisers only)", status=204, errors=_MISSING),
    ),
]
