"""What each ``/api/`` route takes and answers, carried by the route itself.

An ``ApiRoute`` is a Starlette ``Route`` (one method) with an ``Operation``: its summary,
the msgspec types of its query, body and answers, and the refusals it may give beyond
the ones its shape implies. ``wall.web.openapi`` walks the app's route table and builds
``/api/openapi.json`` from these, so the document describes the routes and types the
server really uses; a route under ``/api/`` without a description fails the build.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any

import msgspec
from starlette.routing import Route

from wall.web.params import PostId

# The path parameters routes use, by name.
EventSlug = Annotated[str, msgspec.Meta(description="An event's slug (an unknown one: 404)")]
# An announcement's place in the event's display settings, from 0.
AnnouncementIndex = Annotated[int, msgspec.Meta(ge=0, le=19)]
UserName = Annotated[str, msgspec.Meta(min_length=1, max_length=100, description="A user name")]
SessionId = Annotated[str, msgspec.Meta(description="A session's id, as GET /api/users gives it")]
PATH_PARAMETERS: dict[str, Any] = {
    "event": EventSlug,
    "id": PostId,
    "index": AnnouncementIndex,
    "name": UserName,
    "session": SessionId,
    "invite": Annotated[int, msgspec.Meta(ge=1, description="An invitation's id")],
    "token": Annotated[str, msgspec.Meta(max_length=200, description="An invitation's token")],
}


@dataclass(frozen=True)
class Operation:
    """One route's contract. Types are msgspec types (Structs, lists, ``dict[str, Any]``)."""

    summary: str
    # The success answer's JSON type, and its status; None: no body (204).
    ok: Any = None
    status: int = 200
    # Other content types the success answer may have, with their JSON Schema.
    ok_also: Mapping[str, dict[str, Any]] = field(default_factory=dict)
    # The JSON body's type; None: no body.
    body: Any = None
    # An empty body (no Content-Type needed) stands for every field's default.
    body_optional: bool = False
    # A non-JSON body: content type → JSON Schema (a picture, a form).
    raw_body: Mapping[str, Any] = field(default_factory=dict)
    # A Struct whose fields are the query parameters (read with ``wall.web.params.query``).
    query: Any = None
    # Needs a logged-in user (a session cookie; the CSRF header on mutating methods).
    login: bool = True
    # Refusals beyond those the route's shape implies, status → body type (None: Error).
    errors: Mapping[int, Any] = field(default_factory=dict)
    # Response headers by status: name → description.
    headers: Mapping[int, Mapping[str, str]] = field(default_factory=dict)
    description: str = ""


class ApiRoute(Route):
    """A route under ``/api/`` with one method and its ``Operation``."""

    def __init__(
        self, path: str, endpoint: Callable[..., Any], method: str, operation: Operation
    ) -> None:
        super().__init__(path, endpoint, methods=[method])
        self.method = method
        self.operation = operation


__all__ = ["PATH_PARAMETERS", "ApiRoute", "EventSlug", "Operation"]
