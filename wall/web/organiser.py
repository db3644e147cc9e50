"""Organisers change an event live: ``/api/events/{event}/settings``."""

from __future__ import annotations

import os
from typing import Any

import msgspec
from starlette.requests import Request
from starlette.responses import Response

from wall.auth import Role
from wall.credentials import CredentialRefused
from wall.hub import EDITABLE
from wall.media import MediaError
from wall.web.api import JSON, current_user, event_of, hub_of
from wall.web.errors import ApiError
from wall.web.operations import ApiRoute, Operation
from wall.web.params import header_length
from wall.web.security import invalid, read_json


def _organiser(request: Request) -> str:
    user, role = current_user(request)
    if role != Role.ORGANISER:
        raise ApiError(403, "Only organisers change an event's settings.", code="organisers_only")
    return user


async def get_settings(request: Request) -> Response:
    _organiser(request)
    slug = event_of(request)
    event = msgspec.to_builtins(hub_of(request).events[slug])
    return JSON({key: event[key] for key in sorted(EDITABLE | {"slug"})})


class Credential(msgspec.Struct, kw_only=True):
    """A source's token: the variable that holds it, and whether it is set (never the value)."""

    source: int
    token_env: str
    set: bool


class ReplyAccount(msgspec.Struct, kw_only=True):
    """An account the desk may answer from on a network (docs/replies.md)."""

    network: str
    # Its server (Mastodon) or handle (Bluesky), as the file names it.
    account: str
    token_env: str
    set: bool


class SettingsStatus(msgspec.Struct, kw_only=True):
    # The settings changed live, over the file's (DELETE …/settings goes back to the file).
    live: list[str]
    credentials: list[Credential]
    # The file's reply accounts for this event, and whether their tokens are set.
    replies: list[ReplyAccount] = []


async def settings_status(request: Request) -> Response:
    """Which settings are live changes, and which sources' tokens are set."""
    _organiser(request)
    slug = event_of(request)
    hub = hub_of(request)
    live = sorted(await hub.store.get_overrides(slug) or {})
    if await hub.store.get_display(slug) is not None:
        live.append("display")
    credentials = [
        Credential(source=index, token_env=name, set=bool(os.environ.get(name)))
        for index, source in enumerate(hub.events[slug].sources)
        if isinstance(name := getattr(source, "token_env", None), str)
    ]
    replies = []
    configured = hub.file_event(slug)
    if configured is not None:
        if (mastodon := configured.replies.mastodon) is not None:
            replies.append(ReplyAccount(network="mastodon", account=mastodon.server,
                                        token_env=mastodon.token_env,
                                        set=bool(os.environ.get(mastodon.token_env))))  # fmt: skip
        if (bluesky := configured.replies.bluesky) is not None:
            replies.append(ReplyAccount(network="bluesky", account=bluesky.handle,
                                        token_env=bluesky.token_env,
                                        set=bool(os.environ.get(bluesky.token_env))))  # fmt: skip
        if (x := configured.replies.x) is not None:
            # Four secrets: the missing ones are named, or all four once they are set.
            missing = [name for name in x.variables() if not os.environ.get(name)]
            replies.append(ReplyAccount(network="x", account=f"@{x.username}",
                                        token_env=", ".join(missing or x.variables()),
                                        set=not missing))  # fmt: skip
    return JSON(SettingsStatus(live=sorted(live), credentials=credentials, replies=replies))


async def patch_settings(request: Request) -> Response:
    user = _organiser(request)
    slug = event_of(request)
    changes = await read_json(request, dict[str, Any])
    unknown = sorted(set(changes) - EDITABLE)
    if unknown:
        raise ApiError(
            400,
            f"{unknown[0]} cannot be changed here (changeable: {', '.join(sorted(EDITABLE))}).",
            code="not_editable",
            params={"name": unknown[0], "path": unknown[0]},
            field=unknown[0],
        )
    try:
        seq, event = await hub_of(request).reconfigure(slug, changes, actor=user)
    except msgspec.ValidationError as exc:
        raise invalid(exc, "Invalid settings") from None
    except CredentialRefused as exc:
        where = str(exc).split(":", 1)[0]
        raise ApiError(
            400, f"{exc}.", code="credential", params={"path": where}, field=where
        ) from None
    data = msgspec.to_builtins(event)
    return JSON({"seq": seq, "settings": {key: data[key] for key in sorted(EDITABLE | {"slug"})}})


MAX_UPLOAD = 20 * 1024 * 1024


def _too_large() -> ApiError:
    mb = MAX_UPLOAD // 2**20
    return ApiError(
        413, f"The picture is too large (at most {mb} MB).", code="picture_too_large",
        params={"mb": mb},
    )  # fmt: skip


_STATUS = {"too_large": 413, "unsupported": 415, "damaged": 400}


async def upload_media(request: Request) -> Response:
    """An organiser's picture (an announcement slide), sent as the raw body."""
    _organiser(request)
    event_of(request)
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if not ctype.startswith("image/"):
        raise ApiError(
            415, "Send the picture itself as the body, with its image/… type.", code="picture_type"
        )
    declared = header_length(request)
    if declared is not None and declared > MAX_UPLOAD:
        raise _too_large()
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_UPLOAD:
            raise _too_large()
    if not body:
        raise ApiError(400, "The picture is empty: choose it again.", code="picture_empty")
    try:
        media = await hub_of(request).media.put_image(bytes(body))
    except MediaError as exc:
        raise ApiError(_STATUS.get(exc.code, 400), f"{exc}.", code=f"picture_{exc.code}") from None
    return JSON(Picture(media.url, media.width, media.height), status_code=201)


async def reset_settings(request: Request) -> Response:
    """Forget the event's live changes: the config file's settings apply again."""
    user = _organiser(request)
    slug = event_of(request)
    seq, event = await hub_of(request).reset(slug, actor=user)
    data = msgspec.to_builtins(event)
    return JSON({"seq": seq, "settings": {key: data[key] for key in sorted(EDITABLE | {"slug"})}})


class SettingsReply(msgspec.Struct):
    seq: int
    # The settings in force, as GET answers them.
    settings: dict[str, Any]


class Picture(msgspec.Struct):
    """The picture, cleaned and stored: use its url in an announcement."""

    url: str
    width: int | None
    height: int | None


_SETTINGS = "/api/events/{event}/settings"
_CHANGEABLE = ", ".join(sorted(EDITABLE))
_ORGANISERS = {403: None}

routes = [
    ApiRoute(
        _SETTINGS,
        get_settings,
        "GET",
        Operation(
            "The event's changeable settings (organisers only)",
            ok=dict[str, Any],
            errors=_ORGANISERS,
            description=f"slug, {_CHANGEABLE}, in the config file's shape.",
        ),
    ),
    ApiRoute(
        _SETTINGS,
        patch_settings,
        "PATCH",
        Operation(
            "Change an event live: its sources resubscribe, nothing restarts",
            ok=SettingsReply,
            body=dict[str, Any],
            errors=_ORGANISERS,
            description=f"Whole values for any of: {_CHANGEABLE}.",
        ),
    ),
    ApiRoute(
        f"{_SETTINGS}/status",
        settings_status,
        "GET",
        Operation(
            "Which settings are live changes, and whether each source's token is set",
            ok=SettingsStatus,
            errors=_ORGANISERS,
            description="Never a token's value: only the variable's name and whether it is set.",
        ),
    ),
    ApiRoute(
        _SETTINGS,
        reset_settings,
        "DELETE",
        Operation(
            "Return the event to the config file's settings (organisers only)",
            ok=SettingsReply,
            errors=_ORGANISERS,
            description="Live changes to settings and display are forgotten; every page "
            "is told, and sources restart if hashtags or sources change back.",
        ),
    ),
    ApiRoute(
        "/api/events/{event}/media",
        upload_media,
        "POST",
        Operation(
            "Upload a picture for an announcement (organisers only)",
            ok=Picture,
            status=201,
            raw_body={"image/*": {"type": "string", "format": "binary"}},
            errors={**_ORGANISERS, 413: None, 415: None},
        ),
    ),
]
