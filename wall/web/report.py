"""``GET /api/events/{event}/report``: the printable after-event report, for organisers.

One A4 page (``wall.report``) as PNG or PDF, in English or French, with the posts the
organiser chose (``?posts=12,15,40``), or, without a choice, the pinned posts, then the
answered ones, then those with a picture, then the newest, up to ``DEFAULT_POSTS``.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Annotated, Literal

import msgspec
from starlette.requests import Request
from starlette.responses import Response

from moderation import Status
from wall.figures import figures
from wall.hub import Hub
from wall.report import Chosen, Report, encode, render
from wall.views import PostView
from wall.web.api import event_of, hub_of
from wall.web.errors import ApiError
from wall.web.figures import _organiser
from wall.web.operations import ApiRoute, Operation
from wall.web.params import query

DEFAULT_POSTS = 6
MAX_POSTS = 8
_TYPES = {"png": "image/png", "pdf": "application/pdf"}


class ReportQuery(msgspec.Struct):
    format: Literal["png", "pdf"] = "png"
    # The page's language; none: the event's, else English.
    lang: Literal["en", "fr"] | None = None
    # The approved posts to show, by id, in this order.
    posts: Annotated[str, msgspec.Meta(pattern=r"^[0-9]{1,12}(,[0-9]{1,12}){0,7}$")] | None = None


def _picture(hub: Hub, post: PostView) -> Chosen:
    """The post with the first picture Murmur keeps for it, when the wall may show it."""
    if post.media_hidden or post.sensitive:
        return Chosen(post)
    for media in post.media:
        name = media.url.removeprefix("/media/")
        if media.url.startswith("/media/") and (path := hub.media.path_for(name)) is not None:
            return Chosen(post, path)
    return Chosen(post)


async def _chosen(hub: Hub, slug: str, ids: list[int] | None) -> list[PostView]:
    if ids is None:
        _, approved = await hub.store.posts(slug, Status.APPROVED, limit=500)
        # sorted() keeps the newest first within each kind.
        ranked = sorted(
            approved, key=lambda p: (not p.pinned, p.reply is None, not p.media, p.sensitive)
        )
        return ranked[:DEFAULT_POSTS]
    posts: list[PostView] = []
    for post_id in dict.fromkeys(ids):
        post = await hub.store.get_post(slug, post_id)
        if post is None or post.status is not Status.APPROVED:
            raise ApiError(
                400,
                f"Post {post_id} is not an approved post of this event: choose among those "
                "on the screens.",
                code="report_post_not_approved",
                params={"id": post_id},
                field="posts",
            )
        posts.append(post)
    return posts


async def event_report(request: Request) -> Response:
    _organiser(request)
    slug = event_of(request)
    hub = hub_of(request)
    asked = query(request, ReportQuery)
    event = hub.events[slug]
    lang = asked.lang or event.language or "en"
    ids = [int(x) for x in asked.posts.split(",")] if asked.posts else None
    posts = await _chosen(hub, slug, ids)
    window = event.starts_at or event.ends_at
    report = Report(
        title=event.title,
        lang=lang,
        figures=await figures(hub.store, slug),
        chosen=[_picture(hub, post) for post in posts],
        zone=(window.utcoffset() or timedelta(0)) if window else timedelta(0),
    )
    body = await asyncio.to_thread(lambda: encode(render(report), asked.format))
    name = f"murmur-{slug}-report-{lang}.{asked.format}"
    return Response(
        body,
        media_type=_TYPES[asked.format],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


routes = [
    ApiRoute(
        "/api/events/{event}/report",
        event_report,
        "GET",
        Operation(
            "The printable after-event report: figures and chosen posts on one A4 page, "
            "PNG or PDF, English or French (organisers only)",
            ok_also={
                "image/png": {"type": "string", "format": "binary"},
                "application/pdf": {"type": "string", "format": "binary"},
            },
            query=ReportQuery,
            errors={403: None},
        ),
    ),
]

__all__ = ["routes"]
