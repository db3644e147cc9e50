"""Logging in and out, and who is asking: ``/api/login``, ``/api/logout``, ``/api/session``."""

from __future__ import annotations

import asyncio
from typing import Annotated

import msgspec
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from wall.auth import Role, verify_password
from wall.hub import Hub
from wall.web.errors import ApiError
from wall.web.security import new_csrf_token, read_json


class LoginInput(msgspec.Struct, forbid_unknown_fields=True):
    username: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
    password: Annotated[str, msgspec.Meta(min_length=1, max_length=1024)]


def current_user(request: Request) -> tuple[str, str]:
    """The logged-in user's (name, role), or a 401."""
    user = request.session.get("user")
    role = request.session.get("role")
    if not user or role not in {r.value for r in Role}:
        raise ApiError(401, "Log in first: open /login.")
    return str(user), str(role)


def session_body(request: Request) -> dict[str, str]:
    return {
        "username": request.session["user"],
        "role": request.session["role"],
        "csrf_token": request.session["csrf"],
    }


async def login(request: Request) -> Response:
    data = await read_json(request, LoginInput)
    hub: Hub = request.app.state.hub
    throttle = request.app.state.login_throttle
    address = request.client.host if request.client else "unknown"
    keys = (f"addr:{address}", f"user:{data.username.casefold()}")
    wait = throttle.retry_after(*keys)
    if wait > 0:
        raise ApiError(
            429,
            f"Too many failed attempts: wait {int(wait) + 1} seconds, then try again.",
            headers={"Retry-After": str(int(wait) + 1)},
        )
    user = await hub.store.get_user(data.username)
    ok = await asyncio.to_thread(
        verify_password, user.password_hash if user else None, data.password
    )
    if not ok or user is None:
        throttle.failed(*keys)
        raise ApiError(401, "Wrong user name or password.")
    throttle.succeeded(*keys)
    request.session.clear()
    request.session.update({"user": user.username, "role": user.role, "csrf": new_csrf_token()})
    return JSONResponse(session_body(request))


async def logout(request: Request) -> Response:
    request.session.clear()
    return Response(status_code=204)


async def session(request: Request) -> Response:
    current_user(request)
    return JSONResponse(session_body(request))


routes = [
    Route("/api/login", login, methods=["POST"]),
    Route("/api/logout", logout, methods=["POST"]),
    Route("/api/session", session, methods=["GET"]),
]
