"""Organisers change an event live: ``/api/events/{event}/settings``."""

from __future__ import annotations

from typing import Any

import msgspec
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from wall.auth import Role
from wall.hub import EDITABLE
from wall.media import MediaError
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


MAX_UPLOAD = 20 * 1024 * 1024
_STATUS = {"too_large": 413, "unsupported": 415, "damaged": 400}


async def upload_media(request: Request) -> Response:
    """An organiser's picture (an announcement slide), sent as the raw body."""
    _organiser(request)
    event_of(request)
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if not ctype.startswith("image/"):
        raise ApiError(415, "Send the picture itself as the body, with its image/… type.")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_UPLOAD:
        raise ApiError(413, f"The picture is too large (at most {MAX_UPLOAD // 2**20} MB).")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_UPLOAD:
            raise ApiError(413, f"The picture is too large (at most {MAX_UPLOAD // 2**20} MB).")
    if not body:
        raise ApiError(400, "The picture is empty: choose it again.")
    try:
        media = await hub_of(request).media.put_image(bytes(body))
    except MediaError as exc:
        raise ApiError(_STATUS.get(exc.code, 400), f"{exc}.") from None
    return JSON({"url": media.url, "width": media.width, "height": media.height}, status_code=201)


routes = [
    Route("/api/events/{event}/settings", get_settings, methods=["GET"]),
    Route("/api/events/{event}/settings", patch_settings, methods=["PATCH"]),
    Route("/api/events/{event}/media", upload_media, methods=["POST"]),
]
