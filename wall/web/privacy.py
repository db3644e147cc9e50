"""Privacy requests, for organisers: erase one person everywhere, or download what Murmur
holds about them (see docs/privacy.md).

A person is named by ``network`` and ``handle`` (as on the desk's cards), or by one of
their posts (``event`` and ``post``): for a post from the attendees' page, that finds
every post of the same phone.
"""

from __future__ import annotations

from typing import Annotated

import msgspec
from starlette.requests import Request
from starlette.responses import Response

from wall.privacy import PersonData, access, erase
from wall.privacy_store import Person, Receipt, person_behind
from wall.web.api import JSON, hub_of
from wall.web.errors import ApiError
from wall.web.login import organiser_of_every_event
from wall.web.operations import ApiRoute, Operation
from wall.web.params import query
from wall.web.security import read_json

Name = Annotated[str, msgspec.Meta(max_length=300)]


class Who(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """One person: ``network`` and ``handle``, or ``event`` and ``post`` (one of theirs)."""

    network: Annotated[str, msgspec.Meta(max_length=40)] = ""
    handle: Name = ""
    event: Annotated[str, msgspec.Meta(max_length=60)] = ""
    post: Annotated[int, msgspec.Meta(ge=1)] | None = None


class WhoQuery(Who, kw_only=True, forbid_unknown_fields=True):
    """``Who``, as query parameters (the OpenAPI document keeps the two apart)."""


def _organiser(request: Request) -> str:
    # A person is erased (or looked up) across every event.
    return organiser_of_every_event(request)


async def _person(request: Request, who: Who) -> Person:
    if who.post is not None:
        hub = hub_of(request)
        view = await hub.store.get_post(who.event, who.post) if who.event in hub.events else None
        if view is None:
            raise ApiError(
                404,
                f"There is no post {who.post} in “{who.event[:60]}”.",
                code="no_post",
                params={"id": who.post},
            )
        return person_behind(view)
    if not who.network or not who.handle.strip().lstrip("@"):
        raise ApiError(
            400,
            "Name the person: a network and a handle, or an event and one of their posts.",
            code="no_person",
            field="handle",
        )
    return Person(network=who.network, handle=who.handle.strip())


async def erase_person(request: Request) -> Response:
    user = _organiser(request)
    person = await _person(request, await read_json(request, Who))
    receipt = await erase(hub_of(request), person, actor=user)
    return JSON(receipt)


async def person_data(request: Request) -> Response:
    _organiser(request)
    person = await _person(request, query(request, WhoQuery))
    data = await access(hub_of(request), person)
    name = "".join(c if c.isalnum() else "-" for c in (person.handle or "person"))[:60]
    return Response(
        msgspec.json.encode(data),
        media_type="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="murmur-{person.network}-{name}.json"',
            "Cache-Control": "no-store",
        },
    )


_ORGANISERS = {403: None, 404: None}

routes = [
    ApiRoute(
        "/api/privacy/erase",
        erase_person,
        "POST",
        Operation(
            "Erase one person everywhere: posts, pictures, every screen (organisers only)",
            ok=Receipt,
            body=Who,
            errors=_ORGANISERS,
            description="Every event; screens and desks drop the posts at once. The answer "
            "is the receipt: keep it, Murmur does not.",
        ),
    ),
    ApiRoute(
        "/api/privacy/person",
        person_data,
        "GET",
        Operation(
            "Everything Murmur holds about one person, as a file (organisers only)",
            ok=PersonData,
            query=WhoQuery,
            errors=_ORGANISERS,
        ),
    ),
]

__all__ = ["routes"]
