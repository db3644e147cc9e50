"""Organisers change an event live: ``/api/events/{event}/settings``."""

from __future__ import annotations

from typing import Any

import msgspec
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from wall.auth import Role
from wall.hub import EDITABLE
from wall.web.api import JSON, current_user, event_of, hub_of
from wall.web.errors import ApiError
from wall.web.security import field_of, read_json


def _organiser(request: Request) -> str:
    user, role = current_user(request)
    if role != Role.ORGANISER:
        raise ApiError(403, "Only organisers change an event's settings.")
    return user


async def get_settings(request: Request) -> Response:
    _organiser(request)
    slug = event_of(request)
    event = msgspec.to_builtins(hub_of(request).events[slug])
    return JSON({key: event[key] for key in sorted(EDITABLE | {"slug"})})


async def patch_settings(request: Request) -> Response:
    user = _organiser(request)
    slug = event_of(request)
    changes = await read_json(request, dict[str, Any])
    unknown = sorted(set(changes) - EDITABLE)
    if unknown:
        raise ApiError(
            400,
            f"{unknown[0]} cannot be changed here (changeable: {', '.join(sorted(EDITABLE))}).",
            field=unknown[0],
        )
    try:
        seq, event = await hub_of(request).reconfigure(slug, changes, actor=user)
    except msgspec.ValidationError as exc:
        raise ApiError(400, f"Invalid settings: {exc}.", field=field_of(str(exc))) from None
    data = msgspec.to_builtins(event)
    return JSON({"seq": seq, "settings": {key: data[key] for key in sorted(EDITABLE | {"slug"})}})


routes = [
    Route("/api/events/{event}/settings", get_settings, methods=["GET"]),
    Route("/api/events/{event}/settings", patch_settings, methods=["PATCH"]),
]
