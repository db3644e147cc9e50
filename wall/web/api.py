"""The JSON API under ``/api/`` (described for clients by ``/api/openapi.json``)."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from moderation import Action, Status
from wall.auth import Role
from wall.desk import ClaimHeld, claim_view
from wall.hub import Hub
from wall.settings import DisplaySettings
from wall.store import Conflict, NotFound
from wall.themes import list_themes
from wall.web.errors import ApiError
from wall.web.login import current_user as current_user  # re-exported for desk.py
from wall.web.openapi import openapi_document
from wall.web.security import field_of, read_json

_encoder = msgspec.json.Encoder()


class JSON(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return _encoder.encode(content)


class ActionInput(msgspec.Struct, forbid_unknown_fields=True):
    reason: Annotated[str, msgspec.Meta(max_length=500)] = ""
    # Act on a card another moderator holds (see docs/moderation-desk.md).
    override: bool = False


def hub_of(request: Request) -> Hub:
    hub: Hub = request.app.state.hub
    return hub


def event_of(request: Request) -> str:
    slug = request.path_params["event"]
    if slug not in hub_of(request).events:
        raise ApiError(404, f"There is no event “{slug[:60]}”.")
    return str(slug)


def event_body(request: Request, slug: str) -> dict[str, Any]:
    event = hub_of(request).events[slug]
    return {
        "slug": event.slug,
        "title": event.title,
        "hashtags": event.hashtags,
        "moderation": event.moderation,
        "language": event.language,
    }


async def list_events(request: Request) -> Response:
    return JSON({"events": [event_body(request, slug) for slug in hub_of(request).events]})


async def get_event(request: Request) -> Response:
    return JSON(event_body(request, event_of(request)))


async def list_posts(request: Request) -> Response:
    current_user(request)
    slug = event_of(request)
    raw_status = request.query_params.get("status", "pending")
    try:
        status = Status(raw_status)
    except ValueError:
        raise ApiError(
            400, "status must be one of: pending, approved, rejected, removed.", field="status"
        ) from None
    raw_limit = request.query_params.get("limit", "100")
    if not raw_limit.isdigit() or not 1 <= int(raw_limit) <= 500:
        raise ApiError(400, "limit must be a whole number from 1 to 500.", field="limit")
    seq, posts = await hub_of(request).store.posts(slug, status, limit=int(raw_limit))
    return JSON({"seq": seq, "posts": posts})


async def act(request: Request) -> Response:
    user, _ = current_user(request)
    slug = event_of(request)
    try:
        action = Action(request.path_params["action"])
    except ValueError:
        raise ApiError(404, "Unknown action: use approve, reject, remove or restore.") from None
    post_id = request.path_params["id"]
    data = await read_json(request, ActionInput)
    hub = hub_of(request)
    try:
        seq, post = await hub.desk.act(
            slug, post_id, action, user=user, reason=data.reason, override=data.override
        )
    except NotFound:
        raise ApiError(404, f"There is no post {post_id} in this event.") from None
    except Conflict as exc:
        who = f" (by {exc.by})" if exc.by else ""
        raise ApiError(409, f"{exc}{who}", extra={"post": msgspec.to_builtins(exc.post)}) from None
    except ClaimHeld as exc:  # someone else holds the card (see wall.desk)
        current = await hub.store.get_post(slug, post_id)
        extra = {"claim": msgspec.to_builtins(claim_view(exc.claim))}
        if current is not None:
            extra["post"] = msgspec.to_builtins(current)
        raise ApiError(409, str(exc), extra=extra) from None
    return JSON({"seq": seq, "post": post})


async def list_sources(request: Request) -> Response:
    current_user(request)
    slug = event_of(request)
    health = hub_of(request).supervisor.health_of(slug)
    return JSON(
        {
            "sources": [
                {
                    "name": h.source,
                    "state": h.state,
                    "posts": h.posts,
                    "last_post_at": h.last_post_at,
                    "last_error": h.last_error,
                    "next_retry_at": h.next_retry_at,
                }
                for h in health
            ]
        }
    )


async def list_screens(request: Request) -> Response:
    current_user(request)
    slug = event_of(request)
    return JSON({"screens": hub_of(request).fleet.of(slug)})


async def themes(request: Request) -> Response:
    return JSON({"themes": list_themes()})


async def get_display(request: Request) -> Response:
    slug = event_of(request)
    return JSON(await hub_of(request).display(slug))


async def put_display(request: Request) -> Response:
    user, role = current_user(request)
    if role != Role.ORGANISER:
        raise ApiError(403, "Only organisers change what the screens show.")
    slug = event_of(request)
    hub = hub_of(request)
    changes = await read_json(request, dict[str, Any])
    current = msgspec.to_builtins(await hub.display(slug))
    unknown = sorted(set(changes) - set(current))
    if unknown:
        raise ApiError(400, f"Unknown display key: {unknown[0]}.", field=unknown[0])
    try:
        display = msgspec.convert({**current, **changes}, DisplaySettings)
    except msgspec.ValidationError as exc:
        raise ApiError(400, f"Invalid display: {exc}.", field=field_of(str(exc))) from None
    if display.theme not in {t.name for t in list_themes()}:
        raise ApiError(400, f"There is no theme “{display.theme[:40]}”.", field="theme")
    seq = await hub.set_display(slug, display, actor=user)
    return JSON({"seq": seq, "display": display})


async def openapi(request: Request) -> Response:
    return JSON(openapi_document())


routes = [
    Route("/api/openapi.json", openapi, methods=["GET"]),
    Route("/api/events", list_events, methods=["GET"]),
    Route("/api/events/{event}", get_event, methods=["GET"]),
    Route("/api/events/{event}/posts", list_posts, methods=["GET"]),
    Route("/api/events/{event}/sources", list_sources, methods=["GET"]),
    Route("/api/events/{event}/screens", list_screens, methods=["GET"]),
    Route("/api/events/{event}/display", get_display, methods=["GET"]),
    Route("/api/events/{event}/display", put_display, methods=["PUT"]),
    Route("/api/themes", themes, methods=["GET"]),
    Route("/api/events/{event}/posts/{id:int}/{action}", act, methods=["POST"]),
]
