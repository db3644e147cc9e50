"""An organiser's "show now": one announcement over every screen of the event, at once, for
its ``seconds``; or taken down early (see docs/screens.md, Announcements)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import msgspec
from starlette.requests import Request
from starlette.responses import Response

from wall.auth import Role
from wall.settings import Announcement
from wall.web.api import JSON, current_user, event_of, hub_of
from wall.web.errors import ApiError
from wall.web.operations import ApiRoute, Operation
from wall.web.params import whole_number


class Shown(msgspec.Struct, kw_only=True):
    seq: int
    announcement: Announcement
    until: datetime


class TakenDown(msgspec.Struct, kw_only=True):
    seq: int


def _organiser(request: Request) -> str:
    user, role = current_user(request)
    if role != Role.ORGANISER:
        raise ApiError(403, "Only organisers show announcements.", code="organisers_only")
    return user


async def show_now(request: Request) -> Response:
    user = _organiser(request)
    slug = event_of(request)
    hub = hub_of(request)
    announcements = (await hub.display(slug)).announcements
    raw = str(request.path_params["index"])
    index = whole_number(raw, high=19)
    if index is None or index >= len(announcements):
        raise ApiError(
            404,
            f"There is no announcement {raw[:10]} in this event's saved display: save it first.",
            code="no_announcement",
            params={"index": raw[:10]},
        )
    announcement = announcements[index]
    until = datetime.now(UTC) + timedelta(seconds=announcement.seconds)
    seq = await hub.store.announce(slug, announcement, until=until, actor=user)
    return JSON(Shown(seq=seq, announcement=announcement, until=until))


async def take_down(request: Request) -> Response:
    user = _organiser(request)
    slug = event_of(request)
    seq = await hub_of(request).store.announce(slug, None, until=None, actor=user)
    return JSON(TakenDown(seq=seq))


_ORGANISERS = {403: None, 404: None}

routes = [
    ApiRoute(
        "/api/events/{event}/announcements/{index}/show",
        show_now,
        "POST",
        Operation(
            "Show one announcement over every screen now, for its seconds (organisers only)",
            ok=Shown,
            errors=_ORGANISERS,
            description="index: its place in the saved display's announcements, from 0. A "
            "screen that connects meanwhile shows it too.",
        ),
    ),
    ApiRoute(
        "/api/events/{event}/announcements/now",
        take_down,
        "DELETE",
        Operation(
            "Take the announcement shown now off the screens (organisers only)",
            ok=TakenDown,
            errors=_ORGANISERS,
        ),
    ),
]

__all__ = ["routes"]
