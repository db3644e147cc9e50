"""The moderation desk's API: claims, pin, spotlight, media, replies, undo, bulk, author
blocks and the audit (see docs/protocol.md and docs/moderation-desk.md).

Approve, reject, remove and restore stay in ``wall.web.api``; these routes come before its
``/posts/{id}/{action}`` route in the app.
"""

from __future__ import annotations

import contextlib
import csv
import io
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

import msgspec
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from moderation import Action
from moderation.flags import MAX_REPLY, Change
from wall.auth import Role
from wall.desk import ClaimHeld, claim_view
from wall.ingest import clean_text
from wall.store import Conflict, NotFound
from wall.web.api import JSON, current_user, event_of, hub_of
from wall.web.errors import ApiError
from wall.web.security import read_json

Reason = Annotated[str, msgspec.Meta(max_length=500)]


class ChangeInput(msgspec.Struct, forbid_unknown_fields=True):
    reason: Reason = ""
    # Act on a card someone else holds (see docs/moderation-desk.md).
    override: bool = False


class SpotlightInput(msgspec.Struct, forbid_unknown_fields=True):
    seconds: Annotated[int, msgspec.Meta(ge=3, le=600)] | None = None
    reason: Reason = ""
    override: bool = False


class ReplyInput(msgspec.Struct, forbid_unknown_fields=True):
    text: Annotated[str, msgspec.Meta(max_length=4 * MAX_REPLY)]
    # The ``at`` of the answer the moderator edited, or null when they saw none.
    replaces: datetime | None
    reason: Reason = ""
    override: bool = False


class WithdrawInput(msgspec.Struct, forbid_unknown_fields=True):
    replaces: datetime | None
    reason: Reason = ""
    override: bool = False


class BlockInput(msgspec.Struct, forbid_unknown_fields=True):
    why: Reason = ""
    # Also take the author's posts already on the screens off them.
    remove_shown: bool = False
    # The block lapses after this many minutes; null: until lifted.
    expires_minutes: Annotated[int, msgspec.Meta(ge=1, le=60 * 24 * 365)] | None = None
    override: bool = False


class BulkInput(msgspec.Struct, forbid_unknown_fields=True):
    action: Literal["approve", "reject", "remove", "restore"]
    ids: Annotated[list[int], msgspec.Meta(min_length=1, max_length=200)]
    reason: Reason = ""
    override: bool = False


def _post_id(request: Request) -> int:
    return int(request.path_params["id"])


def _conflict(exc: Conflict) -> ApiError:
    who = f" (by {exc.by})" if exc.by else ""
    return ApiError(409, f"{exc}{who}", extra={"post": msgspec.to_builtins(exc.post)})


async def _held(request: Request, slug: str, post_id: int, exc: ClaimHeld) -> ApiError:
    post = await hub_of(request).store.get_post(slug, post_id)
    extra: dict[str, Any] = {"claim": msgspec.to_builtins(claim_view(exc.claim))}
    if post is not None:
        extra["post"] = msgspec.to_builtins(post)
    return ApiError(409, str(exc), extra=extra)


@contextlib.asynccontextmanager
async def _refusals(request: Request, slug: str, post_id: int) -> AsyncIterator[None]:
    """Translate the desk's refusals into API errors: 404, or 409 with the current state."""
    try:
        yield
    except NotFound:
        raise _missing(post_id) from None
    except Conflict as exc:
        raise _conflict(exc) from None
    except ClaimHeld as exc:
        raise await _held(request, slug, post_id, exc) from None


def _missing(post_id: int) -> ApiError:
    return ApiError(404, f"There is no post {post_id} in this event.")


# -- claims and presence -----------------------------------------------------------------


async def desk_state(request: Request) -> Response:
    current_user(request)
    slug = event_of(request)
    desk = hub_of(request).desk
    return JSON(
        {
            "moderators": desk.moderators(slug),
            "claims": desk.claim_views(slug),
            "undo_seconds": desk.settings.undo_seconds,
            "claim_seconds": desk.settings.claim_seconds,
            "spotlight_seconds": desk.settings.spotlight_seconds,
        }
    )


async def claim(request: Request) -> Response:
    user, _ = current_user(request)
    slug = event_of(request)
    post_id = _post_id(request)
    if await hub_of(request).store.get_post(slug, post_id) is None:
        raise _missing(post_id)
    try:
        held = hub_of(request).desk.claim(slug, post_id, user)
    except ClaimHeld as exc:
        raise await _held(request, slug, post_id, exc) from None
    return JSON({"claim": claim_view(held)})


async def release(request: Request) -> Response:
    user, _ = current_user(request)
    slug = event_of(request)
    hub_of(request).desk.release(slug, _post_id(request), user)
    return Response(status_code=204)


# -- changes -----------------------------------------------------------------------------


def _changer(what: Change) -> Any:
    async def handler(request: Request) -> Response:
        user, _ = current_user(request)
        slug = event_of(request)
        post_id = _post_id(request)
        data = await read_json(request, ChangeInput)
        try:
            seq, post = await hub_of(request).desk.change(
                slug, post_id, what, user=user, reason=data.reason, override=data.override
            )
        except NotFound:
            raise _missing(post_id) from None
        except Conflict as exc:
            raise _conflict(exc) from None
        except ClaimHeld as exc:
            raise await _held(request, slug, post_id, exc) from None
        return JSON({"seq": seq, "post": post})

    handler.__name__ = what.value.replace("-", "_")
    return handler


async def spotlight(request: Request) -> Response:
    user, _ = current_user(request)
    slug = event_of(request)
    post_id = _post_id(request)
    data = await read_json(request, SpotlightInput)
    async with _refusals(request, slug, post_id):
        seq, post, until = await hub_of(request).desk.spotlight(
            slug,
            post_id,
            user=user,
            seconds=data.seconds,
            reason=data.reason,
            override=data.override,
        )
    return JSON({"seq": seq, "post": post, "until": until})


async def end_spotlight(request: Request) -> Response:
    user, _ = current_user(request)
    slug = event_of(request)
    seq = await hub_of(request).store.end_spotlight(slug, actor=user)
    if seq is None:
        raise ApiError(409, "No post is in the spotlight.")
    return JSON({"seq": seq})


async def write_reply(request: Request) -> Response:
    user, _ = current_user(request)
    slug = event_of(request)
    post_id = _post_id(request)
    data = await read_json(request, ReplyInput)
    text = clean_text(data.text, 4 * MAX_REPLY)
    if not text:
        raise ApiError(400, "Write the answer first: it is empty.", field="text")
    if len(text) > MAX_REPLY:
        raise ApiError(
            400, f"The answer is too long: at most {MAX_REPLY} characters.", field="text"
        )
    return await _reply(request, slug, post_id, user, Change.REPLY, data, text)


async def withdraw_reply(request: Request) -> Response:
    user, _ = current_user(request)
    slug = event_of(request)
    post_id = _post_id(request)
    data = await read_json(request, WithdrawInput)
    return await _reply(request, slug, post_id, user, Change.WITHDRAW_REPLY, data, None)


async def _reply(
    request: Request,
    slug: str,
    post_id: int,
    user: str,
    what: Change,
    data: ReplyInput | WithdrawInput,
    text: str | None,
) -> Response:
    async with _refusals(request, slug, post_id):
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
    return JSON({"seq": seq, "post": post})


async def undo(request: Request) -> Response:
    user, _ = current_user(request)
    slug = event_of(request)
    post_id = _post_id(request)
    await read_json(request, dict[str, Any])
    try:
        seq, posts = await hub_of(request).desk.undo(slug, post_id, user=user)
    except NotFound:
        raise _missing(post_id) from None
    except Conflict as exc:
        raise _conflict(exc) from None
    post = next((p for p in posts if p.id == post_id), None)
    if post is None:
        post = await hub_of(request).store.get_post(slug, post_id)
    return JSON({"seq": seq, "post": post, "posts": posts})


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
    return JSON({"results": results})


# -- author blocks ------------------------------------------------------------------------


async def block_author(request: Request) -> Response:
    user, _ = current_user(request)
    slug = event_of(request)
    post_id = _post_id(request)
    data = await read_json(request, BlockInput)
    expires_at = (
        datetime.now(UTC) + timedelta(minutes=data.expires_minutes)
        if data.expires_minutes
        else None
    )
    async with _refusals(request, slug, post_id):
        seq, rule, posts = await hub_of(request).desk.block_author(
            slug,
            post_id,
            user=user,
            why=clean_text(data.why, 500),
            remove_shown=data.remove_shown,
            expires_at=expires_at,
            override=data.override,
        )
    return JSON({"seq": seq, "block": rule, "posts": posts})


async def list_blocks(request: Request) -> Response:
    current_user(request)
    slug = event_of(request)
    return JSON({"blocks": await hub_of(request).store.blocked_authors(slug)})


async def lift_block(request: Request) -> Response:
    user, _ = current_user(request)
    slug = event_of(request)
    rule_id = int(request.path_params["id"])
    try:
        seq, rule = await hub_of(request).desk.lift_block(slug, rule_id, user=user)
    except NotFound:
        raise ApiError(404, f"There is no active author block {rule_id}.") from None
    return JSON({"seq": seq, "block": rule})


# -- the audit ----------------------------------------------------------------------------

AUDIT_COLUMNS = (
    "seq",
    "at",
    "actor",
    "action",
    "type",
    "post_id",
    "network",
    "author",
    "text",
    "reason",
)


def _cell(value: Any) -> str:
    """A CSV cell a spreadsheet shows as text: posted content is hostile, so a value that
    would start a formula gets a leading apostrophe (OWASP, "CSV injection")."""
    if value is None:
        return ""
    text = value.isoformat() if isinstance(value, datetime) else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


async def audit(request: Request) -> Response:
    _, role = current_user(request)
    if role != Role.ORGANISER:
        raise ApiError(403, "Only organisers read the audit log.")
    slug = event_of(request)
    fmt = request.query_params.get("format", "json")
    if fmt not in ("json", "csv"):
        raise ApiError(400, "format must be json or csv.", field="format")
    entries = await hub_of(request).store.audit(slug)
    if fmt == "json":
        return JSON({"entries": entries})
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(AUDIT_COLUMNS)
    for entry in entries:
        writer.writerow([_cell(getattr(entry, column)) for column in AUDIT_COLUMNS])
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="murmur-{slug}-audit.csv"'},
    )


_POST = "/api/events/{event}/posts/{id:int}"

routes = [
    Route("/api/events/{event}/desk", desk_state, methods=["GET"]),
    Route("/api/events/{event}/audit", audit, methods=["GET"]),
    Route("/api/events/{event}/spotlight", end_spotlight, methods=["DELETE"]),
    Route("/api/events/{event}/blocks", list_blocks, methods=["GET"]),
    Route("/api/events/{event}/blocks/{id:int}", lift_block, methods=["DELETE"]),
    Route("/api/events/{event}/posts/bulk", bulk, methods=["POST"]),
    Route(f"{_POST}/claim", claim, methods=["POST"]),
    Route(f"{_POST}/release", release, methods=["POST"]),
    Route(f"{_POST}/pin", _changer(Change.PIN), methods=["POST"]),
    Route(f"{_POST}/unpin", _changer(Change.UNPIN), methods=["POST"]),
    Route(f"{_POST}/hide-media", _changer(Change.HIDE_MEDIA), methods=["POST"]),
    Route(f"{_POST}/show-media", _changer(Change.SHOW_MEDIA), methods=["POST"]),
    Route(f"{_POST}/spotlight", spotlight, methods=["POST"]),
    Route(f"{_POST}/reply", write_reply, methods=["PUT"]),
    Route(f"{_POST}/reply", withdraw_reply, methods=["DELETE"]),
    Route(f"{_POST}/block-author", block_author, methods=["POST"]),
    Route(f"{_POST}/undo", undo, methods=["POST"]),
]
