"""``create_app(settings)``: the one factory that builds Murmur's web app."""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from wall.accounts import Accounts
from wall.auth import PasswordChecks
from wall.config import env_secret
from wall.hub import Hub
from wall.sessions import Sessions
from wall.settings import Settings
from wall.themes import THEMES
from wall.throttle import DeviceTrust, LoginThrottle
from wall.web import api, desk, login, organiser, pages, sockets, submit
from wall.web.errors import ApiError, api_error_handler
from wall.web.security import CSRFMiddleware, SecurityHeaders
from wall.web.session_cookies import SessionCookies

log = logging.getLogger(__name__)


def session_secret(settings: Settings) -> str:
    """The secret that signs session cookies: from the environment, or kept in the data dir."""
    if settings.server.secret_key_env:
        value = env_secret(settings.server.secret_key_env)
        if not value or len(value) < 32:
            raise RuntimeError(
                f"environment variable {settings.server.secret_key_env} must hold a secret of "
                "at least 32 characters (server.secret_key_env)"
            )
        return value
    path: Path = settings.data_dir / "secret.key"
    if path.exists():
        return path.read_text().strip()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(value)
    return value


def create_app(settings: Settings) -> Starlette:
    hub = Hub(settings)
    secret = session_secret(settings)
    sessions = Sessions(
        Accounts(hub.store),
        secret,
        idle=settings.server.session_idle_minutes * 60,
        absolute=settings.server.session_hours * 3600,
    )
    password_checks = PasswordChecks()

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await hub.start()
        log.info("murmur is up: %d event(s)", len(hub.events))
        try:
            yield
        finally:
            await hub.stop()
            password_checks.close()

    app = Starlette(
        routes=[
            *pages.routes,
            *login.routes,
            *desk.routes,  # before api's /posts/{id}/{action}
            *api.routes,
            *organiser.routes,
            *sockets.routes,
            *submit.routes,
            *api.fallback_routes,  # after every /api/ route: JSON 404, 405 + Allow, OPTIONS
            Mount("/static", app=StaticFiles(directory=pages.STATIC), name="static"),
            Mount("/themes", app=StaticFiles(directory=THEMES, check_dir=False), name="themes"),
        ],
        middleware=[
            Middleware(SecurityHeaders),
            Middleware(
                SessionCookies, sessions=sessions, secure_cookies=settings.server.secure_cookies
            ),
            Middleware(CSRFMiddleware),
        ],
        exception_handlers={ApiError: api_error_handler},
        lifespan=lifespan,
    )
    app.state.hub = hub
    app.state.sessions = sessions
    app.state.login_throttle = LoginThrottle()
    app.state.device_trust = DeviceTrust(secret)
    app.state.password_checks = password_checks
    app.state.submit_desk = submit.SubmitDesk(secret)
    return app
