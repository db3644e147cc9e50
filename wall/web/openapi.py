"""The OpenAPI 3.1 description of ``/api/``, served at ``/api/openapi.json``.

Built, not written: it walks the app's route table, reads each route's ``Operation``
(``wall.web.operations``) and turns the msgspec types the handlers decode and answer into
JSON Schemas with ``msgspec.json.schema_components``. A route under ``/api/`` that has no
description makes the build fail, so the document cannot silently fall behind the routes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Literal

import msgspec
from starlette.routing import BaseRoute, Route

from wall.web import login
from wall.web.errors import Error
from wall.web.operations import PATH_PARAMETERS, ApiRoute, Operation
from wall.web.security import CSRF_EXEMPT, CSRF_EXEMPT_PATTERN, UNSAFE_METHODS
from wall.web.session_cookies import SESSION_COOKIE

REF = "#/components/schemas/{name}"


class SessionInfo(msgspec.Struct):
    """The logged-in user, and the token to send in the X-CSRF-Token header."""

    username: str
    role: Literal["moderator", "organiser"]
    csrf_token: str


_RETRY = {"Retry-After": "Seconds to wait before trying again"}

# Routes whose module does not describe them itself (``wall.web.login``), by endpoint.
FOREIGN: dict[Callable[..., Any], Operation] = {
    login.login: Operation(
        "Log in; sets the session cookie",
        ok=SessionInfo,
        body=login.LoginInput,
        login=False,
        errors={401: None, 429: None, 503: None},
        headers={429: _RETRY, 503: _RETRY},
    ),
    login.logout: Operation("Log out: the session ends on the server", status=204, login=False),
    login.session: Operation("Who is logged in", ok=SessionInfo),
}

REASONS = {
    400: "Bad input: `error` says what to send, `field` names the parameter at fault",
    401: "Not logged in: `code` is `login_required`, or `session_expired` when it ended",
    403: "Forbidden: a missing or wrong X-CSRF-Token, or a role that may not do this",
    404: "No such event, post, block, user or invitation (an id that cannot exist is one that "
    "does not)",
    409: "Refused: the current state does not allow it",
    410: "Gone: it was used up or has expired (`code` says which)",
    413: "The body is too large",
    415: "The body's Content-Type is not one this route reads",
    429: "Too many attempts: `Retry-After` says when to try again",
    503: "Busy: try again in a second",
}


def _described(routes: Iterable[BaseRoute]) -> list[tuple[Route, str, Operation]]:
    found: list[tuple[Route, str, Operation]] = []
    for route in routes:
        if not isinstance(route, Route) or not route.path.startswith("/api/"):
            continue
        if route.methods is None:  # the fallback that answers 404, 405 and OPTIONS
            continue
        if isinstance(route, ApiRoute):
            found.append((route, route.method, route.operation))
            continue
        operation = FOREIGN.get(route.endpoint)
        if operation is None:
            raise LookupError(f"{route.path} has no description: make it an ApiRoute")
        for method in sorted(route.methods - {"HEAD"}):
            found.append((route, method, operation))
    return found


def _kinds(operation: Operation) -> list[Any]:
    kinds = [operation.ok, operation.body, operation.query, Error, *operation.errors.values()]
    kinds += [k for k in operation.raw_body.values() if not isinstance(k, dict)]
    return [k for k in kinds if k is not None]


def openapi_document(routes: Iterable[BaseRoute]) -> dict[str, Any]:
    """The document for the ``/api/`` routes among ``routes`` (the app's route table)."""
    described = _described(routes)
    kinds: list[Any] = list(PATH_PARAMETERS.values())
    for _, _, operation in described:
        kinds += [k for k in _kinds(operation) if k not in kinds]
    schemas, components = msgspec.json.schema_components(kinds, ref_template=REF)

    def schema(kind: Any) -> dict[str, Any]:
        return schemas[kinds.index(kind)]

    queries = {op.query.__name__ for _, _, op in described if op.query is not None}
    paths: dict[str, dict[str, Any]] = {}
    names: set[str] = set()
    for route, method, operation in described:
        name = route.name
        if name in names:
            raise ValueError(f"two API routes are named {name}")
        names.add(name)
        item = _operation(route, method, operation, schema, components)
        paths.setdefault(route.path, {})[method.lower()] = item
    for name in queries:  # inlined as parameters
        components.pop(name, None)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Murmur",
            "version": "1",
            "description": "Murmur's HTTP API. Websockets are described in docs/protocol.md. "
            'Every error is JSON: `{"error": "a sentence saying what to do"}`.',
        },
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {
                "session": {"type": "apiKey", "in": "cookie", "name": SESSION_COOKIE},
                "csrf": {"type": "apiKey", "in": "header", "name": "X-CSRF-Token"},
            },
        },
    }


def _needs_csrf(route: Route, method: str) -> bool:
    return (
        method in UNSAFE_METHODS
        and route.path not in CSRF_EXEMPT
        and not CSRF_EXEMPT_PATTERN.fullmatch(route.path.replace("{event}", "x"))
    )


def _operation(
    route: Route,
    method: str,
    operation: Operation,
    schema: Callable[[Any], dict[str, Any]],
    components: dict[str, Any],
) -> dict[str, Any]:
    csrf = _needs_csrf(route, method)
    parameters = [
        {"name": name, "in": "path", "required": True, "schema": schema(PATH_PARAMETERS[name])}
        for name in route.param_convertors
    ]
    if operation.query is not None:
        query = components[operation.query.__name__]
        parameters += [
            {
                "name": name,
                "in": "query",
                "required": name in query.get("required", ()),
                "schema": value,
            }
            for name, value in query["properties"].items()
        ]
    errors: dict[int, Any] = {}
    if route.param_convertors:
        errors[404] = Error
    if operation.body is not None or operation.raw_body:
        errors.update({400: Error, 413: Error, 415: Error})
    if operation.query is not None:
        errors[400] = Error
    if operation.login:
        errors[401] = Error
    if csrf:
        errors[403] = Error
    errors.update({status: kind or Error for status, kind in operation.errors.items()})

    ok: dict[str, Any] = {"description": _describe(operation.ok) or operation.summary}
    content = {ctype: {"schema": s} for ctype, s in operation.ok_also.items()}
    if operation.ok is not None:
        content = {"application/json": {"schema": schema(operation.ok)}, **content}
    if content:
        ok["content"] = content
    responses: dict[str, Any] = {str(operation.status): ok}
    for status, kind in sorted(errors.items()):
        answer: dict[str, Any] = {
            "description": REASONS[status],
            "content": {"application/json": {"schema": schema(kind)}},
        }
        if status in operation.headers:
            answer["headers"] = {
                name: {"description": text, "schema": {"type": "string"}}
                for name, text in operation.headers[status].items()
            }
        responses[str(status)] = answer
    item: dict[str, Any] = {
        "operationId": route.name,
        "summary": operation.summary,
        "parameters": parameters,
        "responses": responses,
    }
    if operation.description:
        item["description"] = operation.description
    if operation.body is not None:
        item["requestBody"] = {
            "required": not operation.body_optional,
            "content": {"application/json": {"schema": schema(operation.body)}},
        }
    elif operation.raw_body:
        item["requestBody"] = {
            "required": True,
            "content": {
                ctype: {"schema": kind if isinstance(kind, dict) else schema(kind)}
                for ctype, kind in operation.raw_body.items()
            },
        }
    if operation.login or csrf:
        item["security"] = [{"session": [], "csrf": []} if csrf else {"session": []}]
        if not operation.login:
            # Open to anyone (logging out): the token is asked only of a live session.
            item["security"].append({})
    return item


def _describe(kind: Any) -> str:
    doc = getattr(kind, "__doc__", None) if isinstance(kind, type) else None
    if not doc or not issubclass(kind, msgspec.Struct):
        return ""
    return " ".join(doc.split())


__all__ = ["SessionInfo", "openapi_document"]
