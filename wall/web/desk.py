"""The moderation desk's API: claims, pin, spotlight, media, replies, undo, bulk, author
blocks and the audit (see docs/protocol.md and docs/moderation-desk.md).

Approve, reject, remove and restore are in ``wall.web.api``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec
from starlette.requests import Request
from starlette.responses import Response

from moderation import Action
from moderation.flags import MAX_REPLY, Change
from wall.desk import BulkResult, claim_view
from wall.ingest import clean_text
from wall.replier import LIMITS, ReplyRefused
from wall.views import ClaimInfo, Moderator, PostView
from wall.web import audit, blocks
from wall.web.api import (
    JSON,
    Decided,
    Handler,
    current_user,
    event_of,
    hub_of,
    missing,
    optional_json,
    refusals,
)
from wall.web.errors import ApiError, Conflicted
from wall.web.operations import ApiRoute, Operation
from wall.web.params import PostId, path_id
from wall.web.security import read_json

Reason = Annotated[str, msgspec.Meta(max_length=500)]


class ChangeInput(msgspec.Struct, forbid_unknown_fields=True):
    reason: Reason = ""
    # Act on a card someone else holds (see docs/moderation-desk.md).
    override: bool = False


class SpotlightInput(msgspec.Struct, forbid_unknown_fields=True):
    # How long, in seconds; null: the desk's spotlight_seconds.
    seconds: Annotated[int, msgspec.Meta(ge=3, le=600)] | None = None
    reason: Reason = ""
    override: bool = False


class ReplyInput(msgspec.Struct, forbid_unknown_fields=True):
    text: Annotated[str, msgspec.Meta(max_length=4 * MAX_REPLY)]
    # The ``at`` of the answer the moderator edited, or null when they saw none.
    replaces: datetime | None
    reason: Reason = ""
    override: bool = False
    # Also reply on the post's network, from the event's account (docs/replies.md).
    publish: bool = False


class ReplyNetworks(msgspec.Struct, kw_only=True):
    # The networks this event's desk may answer on now: an account is configured in the
    # file and its token is set.
    networks: list[str]
    # The longest reply each takes, counted as it counts (Mastodon: links as 23).
    limits: dict[str, int]


class WithdrawInput(msgspec.Struct, forbid_unknown_fields=True):
    # The ``at`` of the answer being withdrawn.
    replaces: datetime | None
    reason: Reason = ""
    override: bool = False


class UndoInput(msgspec.Struct, forbid_unknown_fields=True):
    pass


class BulkInput(msgspec.Struct, forbid_unknown_fields=True):
    action: Literal["approve", "reject", "remove", "restore"]
    ids: Annotated[list[PostId], msgspec.Meta(min_length=1, max_length=200)]
    reason: Reason = ""
    override: bool = False


class DeskState(msgspec.Struct):
    moderators: list[Moderator]
    claims: list[ClaimInfo]
    undo_seconds: float
    claim_seconds: int
    spotlight_seconds: int


class Claimed(msgspec.Struct):
    claim: ClaimInfo


class Spotlit(msgspec.Struct):
    """The post is full-screen on every screen until ``until``."""

    seq: int
    post: PostView
    until: datetime


class Sequenced(msgspec.Struct):
    seq: int


class Undone(msgspec.Struct):
    """The post restored, and any other post the action had changed."""

    seq: int
    post: PostView | None
    posts: list[PostView]


class BulkReply(msgspec.Struct):
    """One result per id, in order, as if each were its own request."""

    results: list[BulkResult]


# -- claims and presence -----------------------------------------------------------------


async def desk_state(request: Request) -> Response:
    current_user(request)
    slug = event_of(request)
    desk = hub_of(request).desk
    return JSON(
        DeskState(
            moderators=await desk.moderators(slug),
            claims=await desk.claim_views(slug),
            undo_seconds=desk.settings.undo_seconds,
            claim_seconds=desk.settings.claim_seconds,
            spotlight_seconds=desk.settings.spotlight_seconds,
        )
    )


async def claim(request: Request) -> Response:
    user, _ = current_user(request)
    slug = event_of(request)
    post_id = path_id(request)
    if await hub_of(request).store.get_post(slug, post_id) is None:
        raise missing(post_id)
    async with refusals(request, slug, post_id):
        held = await hub_of(request).desk.claim(slug, post_id, user)
    return JSON(Claimed(claim_view(held)))


async def release(request: Request) -> Response:
    user, _ = current_user(request)
    slug = event_of(request)
    await hub_of(request).desk.release(slug, path_id(request), user)
    return Response(status_code=204)


# -- changes -----------------------------------------------------------------------------


def _changer(what: Change) -> Handler:
    async def handler(request: Request) -> Response:
        user, _ = current_user(request)
        slug = event_of(request)
        post_id = path_id(request)
        data = await optional_json(request, ChangeInput)
        async with refusals(request, slug, post_id):
            seq, post = await hub_of(request).desk.change(
                slug, post_id, what, user=user, reason=data.reason, override=data.override
            )
        return JSON(Decided(seq, post))

    handler.__name__ = what.value.replace("-", "_")
    return handler


async def spotlight(request: Request) -> Response:
    user, _ = current_user(request)
    slug = event_of(request)
    post_id = path_id(request)
    data = await optional_json(request, SpotlightInput)
    async with refusals(request, slug, post_id):
        seq, post, until = await hub_of(request).desk.spotlight(
            slug,
            post_id,
            user=user,
            seconds=data.seconds,
            reason=data.reason,
            override=data.override,
        )
    return JSON(Spotlit(seq, post, until))


async def end_spotlight(request: Request) -> Response:
    user, _ = current_user(request)
    slug = event_of(request)
    seq = await hub_of(request).store.end_spotlight(slug, actor=user)
    if seq is None:
        raise ApiError(409, "No post is in the spotlight.", code="no_spotlight")
    return JSON(Sequenced(seq))


async def write_reply(request: Request) -> Response:
    user, _ = current_user(request)
    slug = event_of(request)
    post_id = path_id(request)
    data = await read_json(request, ReplyInput)
    text = clean_text(data.text, 4 * MAX_REPLY)
    if not text:
        raise ApiError(
            400, "Write the answer first: it is empty.", code="reply_empty", field="text"
        )
    if len(text) > MAX_REPLY:
        raise ApiError(
            400,
            f"The answer is too long: at most {MAX_REPLY} characters.",
            code="reply_too_long",
            params={"limit": MAX_REPLY},
            field="text",
        )
    replier = hub_of(request).replier
    before = await hub_of(request).store.get_post(slug, post_id)
    # An answer already on the network follows its edits there (wall.replier).
    out = before.reply.published if before is not None and before.reply is not None else None
    following = out is not None and out.state == "published"
    sending = None
    if before is not None and (data.publish or following):
        try:
            sending = replier.check(slug, before, text)
        except ReplyRefused as exc:
            # An account gone since the reply went out does not hold the wall's edit back.
            if data.publish or exc.code != "reply_network_unavailable":
                raise ApiError(400, str(exc), code=exc.code, field="publish") from None
            following = False
    answer = await _reply(request, slug, post_id, user, Change.REPLY, data, text)
    if sending is None or before is None:
        return JSON(answer)
    # The screens have the answer already; now it goes out on the network.
    if following:
        post = await replier.follow_edit(slug, before, answer.post, sending)
    else:
        post = await replier.enqueue(slug, answer.post, sending)
    return JSON(Decided(answer.seq, post or answer.post))


async def reply_networks(request: Request) -> Response:
    current_user(request)
    networks = hub_of(request).replier.networks(event_of(request))
    return JSON(ReplyNetworks(networks=networks, limits={n: LIMITS[n] for n in networks}))


async def withdraw_reply(request: Request) -> Response:
    user, _ = current_user(request)
    slug = event_of(request)
    post_id = path_id(request)
    data = await read_json(request, WithdrawInput)
    before = await hub_of(request).store.get_post(slug, post_id)
    answer = await _reply(request, slug, post_id, user, Change.WITHDRAW_REPLY, data, None)
    if before is not None:
        # A reply on the network is deleted there too (wall.replier).
        await hub_of(request).replier.follow_withdraw(slug, before)
    return JSON(answer)


async def _reply(
    request: Request,
    slug: str,
    post_id: int,
    user: str,
    what: Change,
    data: ReplyInput | WithdrawInput,
    text: str | None,
) -> Decided:
    async with refusals(request, slug, post_id):
        seq, post = await hub_of(request).desk.change(
            slug,
            post_id,
            what,
            user=user,
            reason=data.reason,
            override=data.override,
            text=text,
            replaces=data.replaces,
        )
    return Decided(seq, post)


async def undo(request: Request) -> Response:
    user, _ = current_user(request)
    slug = event_of(request)
    post_id = path_id(request)
    await optional_json(request, UndoInput)
    before = await hub_of(request).store.get_post(slug, post_id)
    async with refusals(request, slug, post_id):
        seq, posts = await hub_of(request).desk.undo(slug, post_id, user=user)
    post = next((p for p in posts if p.id == post_id), None)
    if post is None:
        post = await hub_of(request).store.get_post(slug, post_id)
    if before is not None and post is not None:
        # An answer undone is withdrawn from its network too (wall.replier).
        await hub_of(request).replier.follow_undo(slug, before, post)
    return JSON(Undone(seq, post, posts))


async def bulk(request: Request) -> Response:
    user, _ = current_user(request)
    slug = event_of(request)
    data = await read_json(request, BulkInput)
    results = await hub_of(request).desk.bulk(
        slug,
        Action(data.action),
        data.ids,
        user=user,
        reason=data.reason,
        override=data.override,
    )
    return JSON(BulkReply(results))


_EVENT = "/api/events/{event}"
_POST = f"{_EVENT}/posts/{{id}}"
_CONFLICT = {409: Conflicted}


def _change(path: str, endpoint: Handler, summary: str, body: Any, ok: Any = Decided) -> ApiRoute:
    """A change to one post: optional body, 409 with the post's state or the claim."""
    return ApiRoute(
        f"{_POST}/{path}",
        endpoint,
        "POST",
        Operation(summary, ok=ok, body=body, body_optional=True, errors=_CONFLICT),
    )


routes = [
    ApiRoute(
        f"{_EVENT}/desk",
        desk_state,
        "GET",
        Operation("Who is online, who holds which card, the desk's timings", ok=DeskState),
    ),
    ApiRoute(
        f"{_EVENT}/spotlight",
        end_spotlight,
        "DELETE",
        Operation("End the spotlight now", ok=Sequenced, errors={409: None}),
    ),
    ApiRoute(
        f"{_EVENT}/posts/bulk",
        bulk,
        "POST",
        Operation("One action on several posts, each on its own", ok=BulkReply, body=BulkInput),
    ),
    ApiRoute(
        f"{_POST}/claim",
        claim,
        "POST",
        Operation("Reserve a card (or renew one's reservation)", ok=Claimed, errors=_CONFLICT),
    ),
    ApiRoute(
        f"{_POST}/release",
        release,
        "POST",
        Operation("Give up one's reservation of a card", status=204),
    ),
    _change("pin", _changer(Change.PIN), "Keep an approved post on the screens", ChangeInput),
    _change("unpin", _changer(Change.UNPIN), "Let a pinned post go", ChangeInput),
    _change(
        "hide-media", _changer(Change.HIDE_MEDIA), "Show the post without its pictures", ChangeInput
    ),
    _change("show-media", _changer(Change.SHOW_MEDIA), "Show its pictures again", ChangeInput),
    _change(
        "spotlight", spotlight, "Show an approved post full-screen", SpotlightInput, ok=Spotlit
    ),
    ApiRoute(
        f"{_POST}/reply",
        write_reply,
        "PUT",
        Operation(
            "Write or edit the institution's answer", ok=Decided, body=ReplyInput, errors=_CONFLICT
        ),
    ),
    ApiRoute(
        f"{_POST}/reply",
        withdraw_reply,
        "DELETE",
        Operation("Withdraw the answer", ok=Decided, body=WithdrawInput, errors=_CONFLICT),
    ),
    _change("undo", undo, "Undo one's own last action on the post", UndoInput, ok=Undone),
    ApiRoute(
        f"{_EVENT}/replies",
        reply_networks,
        "GET",
        Operation("The networks the desk may answer on, and their limits", ok=ReplyNetworks),
    ),
    *blocks.routes,
    *audit.routes,
]
