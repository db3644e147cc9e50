"""Events from the browser, for organisers: create one (blank, or a copy of another), and
archive or bring back one (see docs/organisers.md, Events)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec
from starlette.requests import Request
from starlette.responses import Response

from wall.auth import Role
from wall.credentials import CredentialRefused
from wall.settings import EventSettings, Hashtag, Slug
from wall.views import EventInfo
from wall.web.api import JSON, current_user, event_of, hub_of
from wall.web.errors import ApiError
from wall.web.login import organiser_of_every_event
from wall.web.operations import ApiRoute, Operation
from wall.web.security import invalid, read_json


class NewEvent(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A new event: its slug (its address), title and hashtags; ``copy_from`` takes every
    other setting from an existing event (sources that need a token stay behind)."""

    slug: Slug
    title: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    hashtags: Annotated[list[Hashtag], msgspec.Meta(max_length=20)] = []
    copy_from: Slug | None = None
    starts_at: Annotated[datetime, msgspec.Meta(tz=True)] | None = None
    ends_at: Annotated[datetime, msgspec.Meta(tz=True)] | None = None


class Created(msgspec.Struct, kw_only=True):
    event: EventInfo
    # Sources of the copied event left behind because they need a token (by type).
    left_behind: list[str]


class Archive(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    archived: bool = True


class Archived(msgspec.Struct, kw_only=True):
    seq: int
    event: EventInfo


def _organiser(request: Request) -> str:
    user, role = current_user(request)
    if role != Role.ORGANISER:
        raise ApiError(403, "Only organisers create and archive events.", code="organisers_only")
    return user


async def create_event(request: Request) -> Response:
    # A new event reaches beyond the events a limited organiser may act on.
    user = organiser_of_every_event(request)
    new = await read_json(request, NewEvent)
    hub = hub_of(request)
    if new.slug in hub.events:
        raise ApiError(
            409,
            f"There is already an event called “{new.slug}”: choose another address.",
            code="event_exists",
            params={"slug": new.slug, "path": "slug"},
            field="slug",
        )
    left_behind: list[str] = []
    if new.copy_from is not None:
        if new.copy_from not in hub.events:
            raise ApiError(
                404,
                f"There is no event “{new.copy_from}” to copy.",
                code="no_event",
                params={"slug": new.copy_from, "path": "copy_from"},
                field="copy_from",
            )
        data = msgspec.to_builtins(hub.events[new.copy_from])
        kept = [s for s in data["sources"] if not s.get("token_env")]
        left_behind = [str(s["type"]) for s in data["sources"] if s.get("token_env")]
        data["sources"] = kept
        # The accounts answers go out from are the file's only (docs/replies.md).
        data.pop("replies", None)
    else:
        data = {}
    data.update(
        slug=new.slug,
        title=new.title,
        hashtags=[tag.lstrip("#") for tag in new.hashtags],
        starts_at=new.starts_at.isoformat() if new.starts_at else None,
        ends_at=new.ends_at.isoformat() if new.ends_at else None,
    )
    try:
        event = msgspec.convert(data, EventSettings)
        await hub.create_event(event, actor=user)
    except msgspec.ValidationError as exc:
        raise invalid(exc, "Invalid event") from None
    except CredentialRefused as exc:
        where = str(exc).split(":", 1)[0]
        raise ApiError(
            400, f"{exc}.", code="credential", params={"path": where}, field=where
        ) from None
    return JSON(Created(event=hub.info(event.slug), left_behind=left_behind), status_code=201)


async def archive_event(request: Request) -> Response:
    user = _organiser(request)
    slug = event_of(request)
    wanted = await read_json(request, Archive)
    hub = hub_of(request)
    seq = await hub.set_archived(slug, wanted.archived, actor=user)
    return JSON(Archived(seq=seq, event=hub.info(slug)))


_ORGANISERS = {403: None}

routes = [
    ApiRoute(
        "/api/events",
        create_event,
        "POST",
        Operation(
            "Create an event, blank or as a copy of another (organisers only)",
            ok=Created,
            status=201,
            body=NewEvent,
            errors={**_ORGANISERS, 404: None, 409: None},
            description="It starts at once (within its window) and is kept across restarts. "
            "A copy leaves behind the sources that need a token: those are set in the "
            "configuration file.",
        ),
    ),
    ApiRoute(
        "/api/events/{event}/archive",
        archive_event,
        "POST",
        Operation(
            "Archive an event (sources stop, screens close) or bring it back (organisers only)",
            ok=Archived,
            body=Archive,
            errors=_ORGANISERS,
        ),
    ),
]

__all__ = ["routes"]
