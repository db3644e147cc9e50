"""The OpenAPI 3.1 description of ``/api/``, served at ``/api/openapi.json``.

Written by hand, next to the routes it describes; a test checks that every API route is
here and that nothing here is missing from the app.
"""

from __future__ import annotations

from typing import Any

import msgspec

from wall.settings import DisplaySettings
from wall.views import PostView
from wall.web.desk_openapi import desk_openapi


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


_ERROR = _json(_ref("Error"), "An error, with a sentence saying what to do")
_EVENT_PARAM = {"name": "event", "in": "path", "required": True, "schema": {"type": "string"}}
_CSRF = {"name": "X-CSRF-Token", "in": "header", "required": True, "schema": {"type": "string"}}


def _action(verb: str, effect: str) -> dict[str, Any]:
    return {
        "post": {
            "summary": f"{verb.capitalize()} a post: {effect}",
            "operationId": f"{verb}Post",
            "parameters": [
                _EVENT_PARAM,
                {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}},
                _CSRF,
            ],
            "requestBody": {
                "required": False,
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "additionalProperties": False,
                            "properties": {"reason": {"type": "string", "maxLength": 500}},
                        }
                    }
                },
            },
            "responses": {
                "200": _json(
                    {
                        "type": "object",
                        "properties": {"seq": {"type": "integer"}, "post": _ref("Post")},
                    },
                    "The new state",
                ),
                "401": _ERROR,
                "403": _ERROR,
                "404": _ERROR,
                "409": _json(
                    {
                        "allOf": [
                            _ref("Error"),
                            {"type": "object", "properties": {"post": _ref("Post")}},
                        ]
                    },
                    "The post's status does not allow this action; `post` is its current state",
                ),
            },
        }
    }


_REFUSAL = _json(
    {
        "allOf": [
            _ref("Error"),
            {"type": "object", "properties": {"code": {"type": "string"}}},
        ]
    },
    "A refusal: `error` says why and what to do; `code` names it for the page",
)
_SUBMISSIONS: dict[str, Any] = {
    "get": {
        "summary": "What the attendees' page needs: the event, the limits, the consent line",
        "operationId": "submissionForm",
        "parameters": [_EVENT_PARAM],
        "responses": {
            "200": _json(
                {
                    "type": "object",
                    "properties": {
                        "slug": {"type": "string"},
                        "url": {"type": ["string", "null"], "description": "The page's address"},
                        "title": {"type": "string"},
                        "hashtags": {"type": "array", "items": {"type": "string"}},
                        "language": {"type": ["string", "null"]},
                        "moderation": {"type": "string", "enum": ["pre", "post"]},
                        "enabled": {"type": "boolean"},
                        "max_text": {"type": "integer"},
                        "max_name": {"type": "integer"},
                        "max_photo_bytes": {"type": "integer"},
                        "retention": {
                            "type": "object",
                            "properties": {"fr": {"type": "string"}, "en": {"type": "string"}},
                        },
                    },
                },
                "The form's settings",
            ),
            "404": _REFUSAL,
        },
    },
    "post": {
        "summary": "An attendee's post (from /submit/{event}; no login, no CSRF token)",
        "description": (
            "Needs the device cookie set by /submit/{event} and a same-origin request. "
            "Rate-limited per device and per address."
        ),
        "operationId": "submitPost",
        "parameters": [_EVENT_PARAM],
        "requestBody": {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {
                            "name": {"type": "string", "maxLength": 60},
                            "text": {"type": "string"},
                            "photo": {"type": "string", "format": "binary"},
                            "lang": {"type": "string", "enum": ["fr", "en"]},
                        },
                    }
                }
            },
        },
        "responses": {
            "201": _json(
                {
                    "type": "object",
                    "properties": {
                        "status": {"type": "string", "enum": ["pending", "approved", "rejected"]},
                        "reason": {"type": "string"},
                    },
                },
                "The post was received; `status` says whether it waits, shows or was refused",
            ),
            "400": _REFUSAL,
            "403": _REFUSAL,
            "404": _REFUSAL,
            "413": _REFUSAL,
            "415": _REFUSAL,
            "429": _REFUSAL,
        },
    },
}


def openapi_document() -> dict[str, Any]:
    (post_schema, display_schema), components = msgspec.json.schema_components(
        [PostView, DisplaySettings], ref_template="#/components/schemas/{name}"
    )
    session = _json(
        {
            "type": "object",
            "properties": {
                "username": {"type": "string"},
                "role": {"type": "string", "enum": ["moderator", "organiser"]},
                "csrf_token": {"type": "string"},
            },
        },
        "The logged-in user and the CSRF token",
    )
    event = {
        "type": "object",
        "properties": {
            "slug": {"type": "string"},
            "title": {"type": "string"},
            "hashtags": {"type": "array", "items": {"type": "string"}},
            "moderation": {"type": "string", "enum": ["pre", "post"]},
            "language": {"type": ["string", "null"]},
        },
    }
    components["Post"] = components.pop("PostView")
    components["Error"] = {
        "type": "object",
        "required": ["error"],
        "properties": {"error": {"type": "string"}, "field": {"type": "string"}},
    }
    components["Event"] = event
    paths: dict[str, Any] = {
        "/api/openapi.json": {
            "get": {
                "summary": "This document",
                "operationId": "openapi",
                "responses": {"200": {"description": "OpenAPI 3.1"}},
            }
        },
        "/api/login": {
            "post": {
                "summary": "Log in; sets the session cookie",
                "operationId": "login",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["username", "password"],
                                "additionalProperties": False,
                                "properties": {
                                    "username": {"type": "string", "maxLength": 100},
                                    "password": {"type": "string", "maxLength": 1024},
                                },
                            }
                        }
                    },
                },
                "responses": {
                    "200": session,
                    "400": _ERROR,
                    "401": _ERROR,
                    "413": _ERROR,
                    "415": _ERROR,
                    "429": _ERROR,
                },
            }
        },
        "/api/logout": {
            "post": {
                "summary": "Log out",
                "operationId": "logout",
                "parameters": [_CSRF],
                "responses": {"204": {"description": "Logged out"}, "403": _ERROR},
            }
        },
        "/api/session": {
            "get": {
                "summary": "Who is logged in",
                "operationId": "session",
                "responses": {"200": session, "401": _ERROR},
            }
        },
        "/api/events": {
            "get": {
                "summary": "The events (walls)",
                "operationId": "listEvents",
                "responses": {
                    "200": _json(
                        {
                            "type": "object",
                            "properties": {"events": {"type": "array", "items": _ref("Event")}},
                        },
                        "Every event",
                    )
                },
            }
        },
        "/api/events/{event}": {
            "get": {
                "summary": "One event",
                "operationId": "getEvent",
                "parameters": [_EVENT_PARAM],
                "responses": {"200": _json(_ref("Event"), "The event"), "404": _ERROR},
            }
        },
        "/api/events/{event}/posts": {
            "get": {
                "summary": "Posts of an event by status (login required)",
                "operationId": "listPosts",
                "parameters": [
                    _EVENT_PARAM,
                    {
                        "name": "status",
                        "in": "query",
                        "schema": {
                            "type": "string",
                            "enum": ["pending", "approved", "rejected", "removed"],
                            "default": "pending",
                        },
                    },
                    {
                        "name": "limit",
                        "in": "query",
                        "schema": {"type": "integer", "minimum": 1, "maximum": 500, "default": 100},
                    },
                ],
                "responses": {
                    "200": _json(
                        {
                            "type": "object",
                            "properties": {
                                "seq": {"type": "integer"},
                                "posts": {"type": "array", "items": post_schema},
                            },
                        },
                        "Pending posts oldest first; others newest first",
                    ),
                    "400": _ERROR,
                    "401": _ERROR,
                    "404": _ERROR,
                },
            }
        },
        "/api/events/{event}/sources": {
            "get": {
                "summary": "Health of the event's sources (login required)",
                "operationId": "listSources",
                "parameters": [_EVENT_PARAM],
                "responses": {
                    "200": _json(
                        {
                            "type": "object",
                            "properties": {
                                "sources": {
                                    "type": "array",
                                    "items": {
                                        "type": "object",
                                        "properties": {
                                            "name": {"type": "string"},
                                            "state": {"type": "string"},
                                            "posts": {"type": "integer"},
                                            "last_post_at": {"type": ["number", "null"]},
                                            "last_error": {"type": ["string", "null"]},
                                            "next_retry_at": {"type": ["number", "null"]},
                                        },
                                    },
                                }
                            },
                        },
                        "One entry per configured source; times are Unix seconds",
                    ),
                    "401": _ERROR,
                    "404": _ERROR,
                },
            }
        },
        "/api/events/{event}/screens": {
            "get": {
                "summary": "The event's screens: layout, size, last heard (login required)",
                "operationId": "listScreens",
                "parameters": [_EVENT_PARAM],
                "responses": {
                    "200": _json(
                        {
                            "type": "object",
                            "properties": {
                                "screens": {
                                    "type": "array",
                                    "items": {
                                        "type": "object",
                                        "properties": {
                                            "screen": {"type": "string"},
                                            "layout": {"type": ["string", "null"]},
                                            "width": {"type": ["integer", "null"]},
                                            "height": {"type": ["integer", "null"]},
                                            "state": {
                                                "type": "string",
                                                "enum": ["online", "silent", "offline"],
                                            },
                                            "connected_at": {"type": "number"},
                                            "last_seen": {"type": "number"},
                                        },
                                    },
                                }
                            },
                        },
                        "Every screen seen in the last hour; times are Unix seconds",
                    ),
                    "401": _ERROR,
                    "404": _ERROR,
                },
            }
        },
        "/api/events/{event}/display": {
            "get": {
                "summary": "What the screens show: theme, layout, banner, announcements",
                "operationId": "getDisplay",
                "parameters": [_EVENT_PARAM],
                "responses": {"200": _json(display_schema, "The display"), "404": _ERROR},
            },
            "put": {
                "summary": "Change what the screens show, live (organisers only)",
                "operationId": "putDisplay",
                "parameters": [_EVENT_PARAM, _CSRF],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "description": "Any display keys; missing keys keep their value",
                            }
                        }
                    },
                },
                "responses": {
                    "200": _json(
                        {
                            "type": "object",
                            "properties": {"seq": {"type": "integer"}, "display": display_schema},
                        },
                        "The new display, already sent to every screen",
                    ),
                    "400": _ERROR,
                    "401": _ERROR,
                    "403": _ERROR,
                    "404": _ERROR,
                },
            },
        },
        "/api/events/{event}/media": {
            "post": {
                "summary": "Upload a picture for an announcement (organisers only)",
                "operationId": "uploadMedia",
                "parameters": [_EVENT_PARAM, _CSRF],
                "requestBody": {
                    "required": True,
                    "content": {"image/*": {"schema": {"type": "string", "format": "binary"}}},
                },
                "responses": {
                    "201": _json(
                        {
                            "type": "object",
                            "properties": {
                                "url": {"type": "string"},
                                "width": {"type": "integer"},
                                "height": {"type": "integer"},
                            },
                        },
                        "The picture, cleaned and stored: use its url in an announcement",
                    ),
                    "400": _ERROR,
                    "401": _ERROR,
                    "403": _ERROR,
                    "404": _ERROR,
                    "413": _ERROR,
                    "415": _ERROR,
                },
            }
        },
        "/api/events/{event}/settings": {
            "get": {
                "summary": "The event's changeable settings (organisers only)",
                "operationId": "getEventSettings",
                "parameters": [_EVENT_PARAM],
                "responses": {
                    "200": _json(
                        {"type": "object"},
                        "slug, title, hashtags, moderation, language, rules, sources",
                    ),
                    "401": _ERROR,
                    "403": _ERROR,
                    "404": _ERROR,
                },
            },
            "patch": {
                "summary": "Change an event live: its sources resubscribe, nothing restarts",
                "operationId": "patchEventSettings",
                "parameters": [_EVENT_PARAM, _CSRF],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "description": "Whole values for any of: title, hashtags, "
                                "moderation, "
                                "language, rules, sources",
                            }
                        }
                    },
                },
                "responses": {
                    "200": _json(
                        {
                            "type": "object",
                            "properties": {
                                "seq": {"type": "integer"},
                                "settings": {"type": "object"},
                            },
                        },
                        "The new settings, in force",
                    ),
                    "400": _ERROR,
                    "401": _ERROR,
                    "403": _ERROR,
                    "404": _ERROR,
                },
            },
        },
        "/api/themes": {
            "get": {
                "summary": "The themes screens can use",
                "operationId": "listThemes",
                "responses": {
                    "200": _json(
                        {
                            "type": "object",
                            "properties": {
                                "themes": {
                                    "type": "array",
                                    "items": {
                                        "type": "object",
                                        "properties": {
                                            "name": {"type": "string"},
                                            "label": {"type": "string"},
                                            "description": {"type": "string"},
                                            "logo": {"type": ["string", "null"]},
                                        },
                                    },
                                }
                            },
                        },
                        "Every theme under themes/",
                    )
                },
            }
        },
        "/api/events/{event}/submissions": _SUBMISSIONS,
        "/api/events/{event}/posts/{id}/approve": _action("approve", "it goes on the screens"),
        "/api/events/{event}/posts/{id}/reject": _action("reject", "it never shows"),
        "/api/events/{event}/posts/{id}/remove": _action("remove", "off every screen at once"),
        "/api/events/{event}/posts/{id}/restore": _action("restore", "back on the screens"),
    }
    desk_paths, desk_components = desk_openapi()
    paths.update(desk_paths)
    components.update(desk_components)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Murmur",
            "version": "1",
            "description": "Murmur's HTTP API. Websockets are described in docs/protocol.md.",
        },
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {
                "session": {"type": "apiKey", "in": "cookie", "name": "murmur_session"}
            },
        },
    }
