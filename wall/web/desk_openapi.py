"""The OpenAPI description of the moderation desk's routes (``wall.web.desk``).

Merged into ``/api/openapi.json`` by ``wall.web.openapi``; kept apart so the desk's routes
and their description change together.
"""

from __future__ import annotations

from typing import Any

import msgspec

from wall.desk_store import AuditEntry
from wall.views import BlockedAuthor, ClaimInfo, Moderator

_REF = "#/components/schemas/{name}"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": _REF.format(name=name)}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _object(**properties: Any) -> dict[str, Any]:
    return {"type": "object", "properties": properties}


_ERROR = _json(_ref("Error"), "An error, with a sentence saying what to do")
_EVENT = {"name": "event", "in": "path", "required": True, "schema": {"type": "string"}}
_ID = {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}
_CSRF = {"name": "X-CSRF-Token", "in": "header", "required": True, "schema": {"type": "string"}}
_REASON = {"type": "string", "maxLength": 500}
_OVERRIDE = {
    "type": "boolean",
    "default": False,
    "description": "Act although another moderator holds the card",
}
_CONFLICT = _json(
    {
        "allOf": [
            _ref("Error"),
            _object(post=_ref("Post"), claim=_ref("ClaimInfo")),
        ]
    },
    "Refused: the post's state does not allow it (`post` is its current state), or another "
    "moderator holds the card (`claim` says who, until when)",
)
_DONE = _json(_object(seq={"type": "integer"}, post=_ref("Post")), "The post's new state")


def _body(required: list[str] | None = None, **properties: Any) -> dict[str, Any]:
    schema: dict[str, Any] = {
        "type": "object",
        "additionalProperties": False,
        "properties": properties,
    }
    if required:
        schema["required"] = required
    return {
        "required": bool(required),
        "content": {"application/json": {"schema": schema}},
    }


def _post_action(
    operation: str, summary: str, *, body: dict[str, Any] | None = None, ok: Any = _DONE
) -> dict[str, Any]:
    return {
        "summary": summary,
        "operationId": operation,
        "parameters": [_EVENT, _ID, _CSRF],
        "requestBody": body or _body(reason=_REASON, override=_OVERRIDE),
        "responses": {
            "200": ok,
            "400": _ERROR,
            "401": _ERROR,
            "403": _ERROR,
            "404": _ERROR,
            "409": _CONFLICT,
        },
    }


def desk_openapi() -> tuple[dict[str, Any], dict[str, Any]]:
    """The desk's paths, and the schemas they refer to."""
    (_, _, _, _), components = msgspec.json.schema_components(
        [AuditEntry, BlockedAuthor, ClaimInfo, Moderator], ref_template=_REF
    )
    post = "/api/events/{event}/posts/{id}"
    replaces = {
        "type": ["string", "null"],
        "format": "date-time",
        "description": "The `at` of the answer being replaced, null when there was none",
    }
    paths: dict[str, Any] = {
        "/api/events/{event}/desk": {
            "get": {
                "summary": "Who is online, who holds which card, and the desk's timings",
                "operationId": "deskState",
                "parameters": [_EVENT],
                "responses": {
                    "200": _json(
                        _object(
                            moderators={"type": "array", "items": _ref("Moderator")},
                            claims={"type": "array", "items": _ref("ClaimInfo")},
                            undo_seconds={"type": "number"},
                            claim_seconds={"type": "integer"},
                            spotlight_seconds={"type": "integer"},
                        ),
                        "The desk's state",
                    ),
                    "401": _ERROR,
                    "404": _ERROR,
                },
            }
        },
        f"{post}/claim": {
            "post": {
                "summary": "Reserve a card (or renew the reservation) for a short while",
                "operationId": "claimPost",
                "parameters": [_EVENT, _ID, _CSRF],
                "responses": {
                    "200": _json(_object(claim=_ref("ClaimInfo")), "The reservation"),
                    "401": _ERROR,
                    "403": _ERROR,
                    "404": _ERROR,
                    "409": _CONFLICT,
                },
            }
        },
        f"{post}/release": {
            "post": {
                "summary": "Give up one's reservation of a card",
                "operationId": "releasePost",
                "parameters": [_EVENT, _ID, _CSRF],
                "responses": {"204": {"description": "Released"}, "401": _ERROR, "403": _ERROR},
            }
        },
        f"{post}/pin": {"post": _post_action("pinPost", "Keep an approved post on the screens")},
        f"{post}/unpin": {"post": _post_action("unpinPost", "Let a pinned post go")},
        f"{post}/hide-media": {
            "post": _post_action("hideMedia", "Show the post's text without its pictures")
        },
        f"{post}/show-media": {"post": _post_action("showMedia", "Show the post's pictures again")},
        f"{post}/spotlight": {
            "post": _post_action(
                "spotlightPost",
                "Show an approved post full-screen on every screen for a moment",
                body=_body(
                    seconds={"type": ["integer", "null"], "minimum": 3, "maximum": 600},
                    reason=_REASON,
                    override=_OVERRIDE,
                ),
                ok=_json(
                    _object(
                        seq={"type": "integer"},
                        post=_ref("Post"),
                        until={"type": "string", "format": "date-time"},
                    ),
                    "The spotlight is on every screen until `until`",
                ),
            )
        },
        f"{post}/reply": {
            "put": _post_action(
                "writeReply",
                "Write or edit the institution's answer, shown with the post",
                body=_body(
                    ["text", "replaces"],
                    text={"type": "string", "maxLength": 500},
                    replaces=replaces,
                    reason=_REASON,
                    override=_OVERRIDE,
                ),
            ),
            "delete": _post_action(
                "withdrawReply",
                "Withdraw the answer",
                body=_body(["replaces"], replaces=replaces, reason=_REASON, override=_OVERRIDE),
            ),
        },
        f"{post}/block-author": {
            "post": _post_action(
                "blockAuthor",
                "Block the post's author on its network; their waiting posts are rejected",
                body=_body(
                    why=_REASON,
                    remove_shown={"type": "boolean", "default": False},
                    expires_minutes={"type": ["integer", "null"], "minimum": 1},
                    override=_OVERRIDE,
                ),
                ok=_json(
                    _object(
                        seq={"type": "integer"},
                        block=_ref("BlockedAuthor"),
                        posts={"type": "array", "items": _ref("Post")},
                    ),
                    "The block, and the posts it turned down",
                ),
            )
        },
        f"{post}/undo": {
            "post": _post_action(
                "undoAction",
                "Undo one's own last action on the post, within a few seconds",
                body=_body(),
                ok=_json(
                    _object(
                        seq={"type": "integer"},
                        post=_ref("Post"),
                        posts={"type": "array", "items": _ref("Post")},
                    ),
                    "The post restored (and any other post the action had changed)",
                ),
            )
        },
        "/api/events/{event}/posts/bulk": {
            "post": {
                "summary": "One action on several posts, each compare-and-set on its own",
                "operationId": "bulkAction",
                "parameters": [_EVENT, _CSRF],
                "requestBody": _body(
                    ["action", "ids"],
                    action={"type": "string", "enum": ["approve", "reject", "remove", "restore"]},
                    ids={
                        "type": "array",
                        "items": {"type": "integer"},
                        "minItems": 1,
                        "maxItems": 200,
                    },
                    reason=_REASON,
                    override=_OVERRIDE,
                ),
                "responses": {
                    "200": _json(
                        _object(
                            results={
                                "type": "array",
                                "items": _object(
                                    id={"type": "integer"},
                                    status={"type": "integer", "enum": [200, 404, 409]},
                                    seq={"type": "integer"},
                                    post=_ref("Post"),
                                    error={"type": "string"},
                                    claim=_ref("ClaimInfo"),
                                ),
                            }
                        ),
                        "One result per id, as if each were its own request",
                    ),
                    "400": _ERROR,
                    "401": _ERROR,
                    "403": _ERROR,
                    "404": _ERROR,
                },
            }
        },
        "/api/events/{event}/spotlight": {
            "delete": {
                "summary": "End the spotlight now",
                "operationId": "endSpotlight",
                "parameters": [_EVENT, _CSRF],
                "responses": {
                    "200": _json(_object(seq={"type": "integer"}), "Ended on every screen"),
                    "401": _ERROR,
                    "403": _ERROR,
                    "409": _ERROR,
                },
            }
        },
        "/api/events/{event}/blocks": {
            "get": {
                "summary": "Authors blocked from the desk, while their block applies",
                "operationId": "listBlocks",
                "parameters": [_EVENT],
                "responses": {
                    "200": _json(
                        _object(blocks={"type": "array", "items": _ref("BlockedAuthor")}),
                        "Active blocks",
                    ),
                    "401": _ERROR,
                    "404": _ERROR,
                },
            }
        },
        "/api/events/{event}/blocks/{id}": {
            "delete": {
                "summary": "Lift an author block",
                "operationId": "liftBlock",
                "parameters": [_EVENT, _ID, _CSRF],
                "responses": {
                    "200": _json(
                        _object(seq={"type": "integer"}, block=_ref("BlockedAuthor")),
                        "Lifted",
                    ),
                    "401": _ERROR,
                    "403": _ERROR,
                    "404": _ERROR,
                },
            }
        },
        "/api/events/{event}/audit": {
            "get": {
                "summary": "Who did what, when, why (organisers only); JSON or CSV",
                "operationId": "audit",
                "parameters": [
                    _EVENT,
                    {
                        "name": "format",
                        "in": "query",
                        "schema": {"type": "string", "enum": ["json", "csv"], "default": "json"},
                    },
                ],
                "responses": {
                    "200": {
                        "description": "Every decision and change, oldest first",
                        "content": {
                            "application/json": {
                                "schema": _object(
                                    entries={"type": "array", "items": _ref("AuditEntry")}
                                )
                            },
                            "text/csv": {"schema": {"type": "string"}},
                        },
                    },
                    "400": _ERROR,
                    "401": _ERROR,
                    "403": _ERROR,
                    "404": _ERROR,
                },
            }
        },
    }
    return paths, components


__all__ = ["desk_openapi"]
