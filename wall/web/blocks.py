"""Author blocks from the desk: block a post's author, list the blocks, lift one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

import msgspec
from starlette.requests import Request
from starlette.responses import Response

from wall.ingest import clean_text
from wall.store import NotFound
from wall.views import BlockedAuthor, PostView
from wall.web.api import JSON, current_user, event_of, hub_of, optional_json, refusals
from wall.web.errors import ApiError, Conflicted
from wall.web.operations import ApiRoute, Operation
from wall.web.params import path_id


class BlockInput(msgspec.Struct, forbid_unknown_fields=True):
    # Goes to the audit and to the reason of the author's rejected posts.
    why: Annotated[str, msgspec.Meta(max_length=500)] = ""
    # Also take the author's posts already on the screens off them.
    remove_shown: bool = False
    # The block lapses after this many minutes; null: until lifted.
    expires_minutes: Annotated[int, msgspec.Meta(ge=1, le=60 * 24 * 365)] | None = None
    # Act on a card another moderator holds.
    override: bool = False


class Blocked(msgspec.Struct):
    """The block, and the posts it turned down."""

    seq: int
    block: BlockedAuthor
    posts: list[PostView]


class BlockList(msgspec.Struct):
    blocks: list[BlockedAuthor]


class Lifted(msgspec.Struct):
    seq: int
    block: BlockedAuthor


async def block_author(request: Request) -> Response:
    user, _ = current_user(request)
    slug = event_of(request)
    post_id = path_id(request)
    data = await optional_json(request, BlockInput)
    expires_at = (
        datetime.now(UTC) + timedelta(minutes=data.expires_minutes)
        if data.expires_minutes
        else None
    )
    async with refusals(request, slug, post_id):
        seq, rule, posts = await hub_of(request).desk.block_author(
            slug,
            post_id,
            user=user,
            why=clean_text(data.why, 500),
            remove_shown=data.remove_shown,
            expires_at=expires_at,
            override=data.override,
        )
    return JSON(Blocked(seq, rule, posts))


async def list_blocks(request: Request) -> Response:
    current_user(request)
    slug = event_of(request)
    return JSON(BlockList(await hub_of(request).store.blocked_authors(slug)))


async def lift_block(request: Request) -> Response:
    user, _ = current_user(request)
    slug = event_of(request)
    rule_id = path_id(request, "There is no active author block {id}.", "no_block")
    try:
        seq, rule = await hub_of(request).desk.lift_block(slug, rule_id, user=user)
    except NotFound:
        raise ApiError(
            404,
            f"There is no active author block {rule_id}.",
            code="no_block",
            params={"id": rule_id},
        ) from None
    return JSON(Lifted(seq, rule))


_EVENT = "/api/events/{event}"

routes = [
    ApiRoute(
        f"{_EVENT}/posts/{{id}}/block-author",
        block_author,
        "POST",
        Operation(
            "Block the post's author on its network; their waiting posts are rejected",
            ok=Blocked,
            body=BlockInput,
            body_optional=True,
            errors={409: Conflicted},
        ),
    ),
    ApiRoute(
        f"{_EVENT}/blocks",
        list_blocks,
        "GET",
        Operation("Authors blocked from the desk, while their block applies", ok=BlockList),
    ),
    ApiRoute(
        f"{_EVENT}/blocks/{{id}}",
        lift_block,
        "DELETE",
        Operation("Lift an author block", ok=Lifted),
    ),
]
