"""The JSON API under ``/api/`` (described for clients by ``/api/openapi.json``).

Each route is an ``ApiRoute`` carrying the types it takes and answers; the document is
built from them (``wall.web.openapi``).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Annotated, Any, Literal, TypeVar

import msgspec
from starlette.requests import Request
from starlette.responses import Response

from moderation import Action, Status
from wall.auth import Role
from wall.desk import ClaimHeld, claim_view
from wall.hub import Hub
from wall.settings import DisplaySettings
from wall.store import Conflict, NotFound
from wall.themes import ThemeInfo, list_themes
from wall.views import EventInfo, PostView
from wall.web.errors import ApiError, Conflicted
from wall.web.errors import fallback_routes as fallback_routes  # for the app, last
from wall.web.login import current_user as current_user  # re-exported for desk.py
from wall.web.operations import ApiRoute, Operation
from wall.web.params import header_length, path_id, query
from wall.web.security import invalid, read_json

T = TypeVar("T")
Handler = Callable[[Request], Coroutine[Any, Any, Response]]

_encoder = msgspec.json.Encoder()


class JSON(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return _encoder.encode(content)


class ActionInput(msgspec.Struct, forbid_unknown_fields=True):
    # Goes to the audit log.
    reason: Annotated[str, msgspec.Meta(max_length=500)] = ""
    # Act on a card another moderator holds (see docs/moderation-desk.md).
    override: bool = False
    # The status the moderator saw when deciding: if it changed meanwhile (another
    # moderator decided first), 409 and nothing is applied. Absent: any status that
    # allows the action.
    seen: Status | None = None


class PostsQuery(msgspec.Struct):
    status: Status = Status.PENDING
    limit: Annotated[int, msgspec.Meta(ge=1, le=500)] = 100


class EventList(msgspec.Struct):
    events: list[EventInfo]


class PostList(msgspec.Struct):
    """Pending posts oldest first; the others newest first."""

    seq: int
    posts: list[PostView]


class Decided(msgspec.Struct):
    """The post's new state, and the log position of the change."""

    seq: int
    post: PostView


class SourceHealth(msgspec.Struct):
    name: str
    # connecting | live | reconnecting | rate limited | failing[: reason] | stopped
    state: str
    posts: int
    # Unix seconds.
    last_post_at: float | None
    last_error: str | None
    next_retry_at: float | None
    # ``last_error`` as a code, for pages to word (``source.error.<code>``).
    error_code: str | None = None
    # Items left out because they could not be read, and the last one's reason.
    skipped: int = 0
    last_skipped: str | None = None


class SourceList(msgspec.Struct):
    sources: list[SourceHealth]


class ScreenInfo(msgspec.Struct):
    screen: str
    layout: str | None
    width: int | None
    height: int | None
    state: Literal["online", "silent", "offline"]
    # Unix seconds.
    connected_at: float
    last_seen: float


class ScreenList(msgspec.Struct):
    screens: list[ScreenInfo]


class ThemeList(msgspec.Struct):
    themes: list[ThemeInfo]


class DisplayReply(msgspec.Struct):
    seq: int
    display: DisplaySettings


def hub_of(request: Request) -> Hub:
    hub: Hub = request.app.state.hub
    return hub


def event_of(request: Request) -> str:
    slug = request.path_params["event"]
    if slug not in hub_of(request).events:
        raise ApiError(
            404, f"There is no event “{slug[:60]}”.", code="no_event", params={"slug": slug[:60]}
        )
    return str(slug)


async def optional_json(request: Request, kind: type[T]) -> T:
    """The JSON body as ``kind``; an empty body (no Content-Type needed) is ``kind()``."""
    empty = header_length(request) == 0 or (
        "content-length" not in request.headers and "transfer-encoding" not in request.headers
    )
    if empty:
        return msgspec.convert({}, kind)
    return await read_json(request, kind)


async def _held(request: Request, slug: str, post_id: int, exc: ClaimHeld) -> ApiError:
    post = await hub_of(request).store.get_post(slug, post_id)
    extra: dict[str, Any] = {"claim": msgspec.to_builtins(claim_view(exc.claim))}
    if post is not None:
        extra["post"] = msgspec.to_builtins(post)
    return ApiError(
        409,
        str(exc),
        code="claim_held",
        params={"who": exc.claim.by},
        extra=extra,
    )


def conflict(exc: Conflict) -> ApiError:
    who = f" (by {exc.by})" if exc.by else ""
    params = {**exc.params, **({"by": exc.by} if exc.by else {})}
    return ApiError(
        409,
        f"{exc}{who}",
        code=exc.code,
        params=params,
        extra={"post": msgspec.to_builtins(exc.post)},
    )


def missing(post_id: int) -> ApiError:
    return ApiError(
        404, f"There is no post {post_id} in this event.", code="no_post", params={"id": post_id}
    )


@contextlib.asynccontextmanager
async def refusals(request: Request, slug: str, post_id: int) -> AsyncIterator[None]:
    """Translate the desk's refusals into API errors: 404, or 409 with the current state."""
    try:
        yield
    except NotFound:
        raise missing(post_id) from None
    except Conflict as exc:
        raise conflict(exc) from None
    except ClaimHeld as exc:
        raise await _held(request, slug, post_id, exc) from None


async def list_events(request: Request) -> Response:
    hub = hub_of(request)
    return JSON(EventList([hub.info(slug) for slug in hub.events]))


async def get_event(request: Request) -> Response:
    return JSON(hub_of(request).info(event_of(request)))


async def list_posts(request: Request) -> Response:
    current_user(request)
    slug = event_of(request)
    asked = query(request, PostsQuery)
    seq, posts = await hub_of(request).store.posts(slug, asked.status, limit=asked.limit)
    return JSON(PostList(seq, posts))


def _actor(action: Action) -> Handler:
    async def handler(request: Request) -> Response:
        user, _ = current_user(request)
        slug = event_of(request)
        post_id = path_id(request)
        data = await optional_json(request, ActionInput)
        async with refusals(request, slug, post_id):
            seq, post = await hub_of(request).desk.act(
                slug,
                post_id,
                action,
                user=user,
                reason=data.reason,
                override=data.override,
                seen=data.seen,
            )
        return JSON(Decided(seq, post))

    handler.__name__ = f"{action.value}_post"
    return handler


async def list_sources(request: Request) -> Response:
    current_user(request)
    slug = event_of(request)
    health = await hub_of(request).source_health(slug)
    return JSON(
        SourceList(
            [
                SourceHealth(
                    name=h.source,
                    state=h.state,
                    posts=h.posts,
                    last_post_at=h.last_post_at,
                    last_error=h.last_error,
                    next_retry_at=h.next_retry_at,
                    error_code=h.error_code,
                    skipped=h.skipped,
                    last_skipped=h.last_skipped,
                )
                for h in health
            ]
        )
    )


async def list_screens(request: Request) -> Response:
    current_user(request)
    slug = event_of(request)
    return JSON(ScreenList(msgspec.convert(await hub_of(request).fleet.of(slug), list[ScreenInfo])))


async def themes(request: Request) -> Response:
    return JSON(ThemeList(list_themes()))


async def get_display(request: Request) -> Response:
    slug = event_of(request)
    return JSON(await hub_of(request).display(slug))


async def put_display(request: Request) -> Response:
    user, role = current_user(request)
    if role != Role.ORGANISER:
        raise ApiError(403, "Only organisers change what the screens show.", code="organisers_only")
    slug = event_of(request)
    hub = hub_of(request)
    changes = await read_json(request, dict[str, Any])
    current = msgspec.to_builtins(await hub.display(slug))
    unknown = sorted(set(changes) - set(current))
    if unknown:
        raise ApiError(
            400,
            f"Unknown display key: {unknown[0][:60]}.",
            code="unknown_field",
            params={"name": unknown[0][:60], "path": unknown[0][:60]},
            field=unknown[0][:60],
        )
    try:
        display = msgspec.convert({**current, **changes}, DisplaySettings)
    except msgspec.ValidationError as exc:
        raise invalid(exc, "Invalid display") from None
    if display.theme not in {t.name for t in list_themes()}:
        raise ApiError(
            400,
            f"There is no theme “{display.theme[:40]}”.",
            code="no_theme",
            params={"theme": display.theme[:40], "path": "theme"},
            field="theme",
        )
    seq = await hub.set_display(slug, display, actor=user)
    return JSON(DisplayReply(seq, display))


async def openapi(request: Request) -> Response:
    from wall.web.openapi import openapi_document  # it reads this module's routes

    return JSON(openapi_document(request.app.routes))


_EVENT = "/api/events/{event}"
_ORGANISERS = {403: None}
_CONFLICT = {409: Conflicted}
_ACTIONS = {
    Action.APPROVE: "Approve a post: it goes on the screens",
    Action.REJECT: "Reject a post: it never shows",
    Action.REMOVE: "Remove a post: off every screen at once",
    Action.RESTORE: "Restore a removed post: back on the screens",
}

routes = [
    ApiRoute(
        "/api/openapi.json",
        openapi,
        "GET",
        Operation("This document", ok=dict[str, Any], login=False),
    ),
    ApiRoute("/api/events", list_events, "GET", Operation("The events", ok=EventList, login=False)),
    ApiRoute(_EVENT, get_event, "GET", Operation("One event", ok=EventInfo, login=False)),
    ApiRoute(
        f"{_EVENT}/posts",
        list_posts,
        "GET",
        Operation("Posts of an event by status", ok=PostList, query=PostsQuery),
    ),
    ApiRoute(
        f"{_EVENT}/sources",
        list_sources,
        "GET",
        Operation("Health of the event's sources", ok=SourceList),
    ),
    ApiRoute(
        f"{_EVENT}/screens",
        list_screens,
        "GET",
        Operation("The event's screens seen in the last hour", ok=ScreenList),
    ),
    ApiRoute(
        f"{_EVENT}/display",
        get_display,
        "GET",
        Operation("What the screens show", ok=DisplaySettings, login=False),
    ),
    ApiRoute(
        f"{_EVENT}/display",
        put_display,
        "PUT",
        Operation(
            "Change what the screens show, live (organisers only)",
            ok=DisplayReply,
            body=DisplaySettings,
            errors=_ORGANISERS,
            description="Any display keys; missing keys keep their value.",
        ),
    ),
    ApiRoute("/api/themes", themes, "GET", Operation("The themes", ok=ThemeList, login=False)),
    *(
        ApiRoute(
            f"{_EVENT}/posts/{{id}}/{action.value}",
            _actor(action),
            "POST",
            Operation(
                summary,
                ok=Decided,
                body=ActionInput,
                body_optional=True,
                errors=_CONFLICT,
                description="409: the post's state does not allow it, or another moderator "
                "holds its card (`override` acts anyway; `remove` is never held up).",
            ),
        )
        for action, summary in _ACTIONS.items()
    ),
]
