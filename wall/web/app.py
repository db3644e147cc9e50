"""``create_app(settings)``: the one factory that builds Murmur's web app."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from wall.accounts import Accounts
from wall.auth import PasswordChecks
from wall.hub import Hub
from wall.invites import Invites
from wall.people import People
from wall.secret import session_secret
from wall.sessions import Sessions
from wall.settings import Settings
from wall.themes import THEMES
from wall.throttle import DeviceTrust, LoginThrottle
from wall.web import (
    announce,
    api,
    attendee,
    desk,
    events,
    figures,
    invites,
    login,
    metrics,
    organiser,
    pages,
    people,
    privacy,
    report,
    sockets,
    submit,
)
from wall.web.errors import ApiError, StoreDown, api_error_handler
from wall.web.proxy import ProxyHeaders, parse_networks
from wall.web.security import CSRFMiddleware, SecurityHeaders
from wall.web.session_cookies import SessionCookies
from wall.web.sockets import ScreenSockets

log = logging.getLogger(__name__)


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
            *attendee.routes,
            *privacy.routes,
            *announce.routes,
            *events.routes,
            *figures.routes,
            *report.routes,
            *people.routes,
            *invites.routes,
            *invites.page_routes,
            *metrics.routes,
            *api.fallback_routes,  # after every /api/ route: JSON 404, 405 + Allow, OPTIONS
            Mount("/static", app=StaticFiles(directory=pages.STATIC), name="static"),
            Mount("/themes", app=StaticFiles(directory=THEMES, check_dir=False), name="themes"),
        ],
        middleware=[
            # Screens' sockets leave here, with the proxy headers read (wall.web.sockets).
            Middleware(ScreenSockets, trusted=parse_networks(settings.server.trusted_proxies)),
            # First: every later check reads the client, scheme and host it settles on.
            Middleware(ProxyHeaders, trusted=parse_networks(settings.server.trusted_proxies)),
            Middleware(SecurityHeaders),
            Middleware(StoreDown),
            Middleware(
                SessionCookies, sessions=sessions, secure_cookies=settings.server.secure_cookies
            ),
            Middleware(CSRFMiddleware),
        ],
        exception_handlers={ApiError: api_error_handler},
        lifespan=lifespan,
    )
    app.state.hub = hub
    app.state.metrics = hub.metrics
    app.state.shown_pictures = {}  # wall.web.pages: anonymous access to pictures
    app.state.metrics_allow = parse_networks(settings.server.metrics_allow)
    app.state.sessions = sessions
    app.state.people = People(hub.store, sessions)
    app.state.invites = Invites(hub.store)
    # Several processes count failures and posts together, in Redis (docs/scaling.md).
    shared = hub.shared
    app.state.invite_throttle = LoginThrottle(log=shared.hits("invites") if shared else None)
    app.state.login_throttle = LoginThrottle(log=shared.hits("logins") if shared else None)
    app.state.device_trust = DeviceTrust(secret)
    app.state.password_checks = password_checks
    app.state.submit_desk = submit.SubmitDesk(
        secret, log=shared.hits("submissions") if shared else None
    )
    return app
