"""What an attendee's phone learns about the posts it sent: waiting, on the wall, declined.

``GET /api/events/{event}/submissions/mine`` answers the device behind the cookie that
``/submit/{event}`` set, with its latest posts: what was sent, where each one is now, and
the institution's answer once the post is on the screens. Never a moderator's name, note
or reason: a declined post says only what ``attendee_why`` allows (the words a list
matched, or "cannot be shown at this event"). The page asks again while a post waits.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

import msgspec
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from moderation import Status, Why
from wall.hub import Hub
from wall.screen_view import attendee_reason, attendee_why
from wall.views import PostView
from wall.web.errors import Refusal
from wall.web.operations import ApiRoute, Operation
from wall.web.submit import SubmitDesk, device_prefix
from wall.web.submit_form import refuse

# The latest posts a phone is told about: more than anyone sends in one event.
MINE = 20

Where = Literal["waiting", "shown", "declined", "removed"]
_WHERE: dict[Status, Where] = {
    Status.PENDING: "waiting",
    Status.APPROVED: "shown",
    Status.REJECTED: "declined",
    Status.REMOVED: "removed",
}


class MyPost(msgspec.Struct, kw_only=True, omit_defaults=True):
    """One post as the phone that sent it sees it."""

    id: int
    # waiting (for a moderator), shown (on the wall now), declined, removed (taken down).
    where: Where
    text: str
    name: str
    sent_at: datetime
    # The photo sent with it, when there was one.
    photo: bool = False
    # The photo as the screens show it: only while the post is on them.
    picture: str | None = None
    # The institution's answer, shown with the post on the screens.
    answer: str | None = None
    # Why it was declined, as the attendee may read it (see attendee_why).
    reason: str | None = None
    why: Why | None = None


class MyPosts(msgspec.Struct, kw_only=True):
    posts: list[MyPost]


def mine(post: PostView) -> MyPost:
    where = _WHERE[post.status]
    shown = where == "shown"
    picture = post.media[0].url if shown and post.media and not post.media_hidden else None
    return MyPost(
        id=post.id,
        where=where,
        text=post.text,
        name=post.author.name,
        sent_at=post.created_at,
        photo=bool(post.media),
        picture=picture,
        answer=post.reply.text if shown and post.reply else None,
        reason=attendee_reason(post),
        why=attendee_why(post),
    )


async def my_posts(request: Request) -> Response:
    hub: Hub = request.app.state.hub
    desk: SubmitDesk = request.app.state.submit_desk
    slug = str(request.path_params["event"])
    if slug not in hub.events:
        raise refuse(404, "unknown_event", f"There is no event “{slug[:60]}”.")
    device = desk.device_of(request)
    if device is None:
        raise refuse(403, "device", "Your browser did not send the page's cookie: reload the page.")
    posts = await hub.store.posts_by_id_prefix(slug, "submit", device_prefix(device), limit=MINE)
    return JSONResponse(
        msgspec.to_builtins(MyPosts(posts=[mine(p) for p in posts])),
        headers={"Cache-Control": "no-store"},
    )


routes = [
    ApiRoute(
        "/api/events/{event}/submissions/mine",
        my_posts,
        "GET",
        Operation(
            "The posts this phone sent, and where each one is now",
            ok=MyPosts,
            login=False,
            errors={403: Refusal, 404: Refusal},
            description="Needs the device cookie set by /submit/{event}. Answers the latest "
            f"{MINE} posts of that device, newest first; never a moderator's name or note.",
        ),
    ),
]

__all__ = ["MyPost", "MyPosts", "routes"]
