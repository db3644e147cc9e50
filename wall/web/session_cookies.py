"""The session cookie at the edge: which session a request or a websocket belongs to.

``SessionCookies`` replaces Starlette's signed-cookie sessions (which trusted whatever a
validly signed cookie said, and could not be revoked). For each request it looks the
cookie's session up in ``wall.sessions`` and fills ``scope["session"]`` with the user, their
role and events *now*, and the session's CSRF token, or leaves it empty. A cookie whose
session has ended is deleted in the response, and ``session_state`` lets the API answer
401 with ``"code": "session_expired"`` rather than "log in first".

A moderator's desk websocket is watched for as long as it is open: when its session ends
(logout, expiry, a changed password or role, a removed user) it is closed with 4401.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from starlette.datastructures import MutableHeaders
from starlette.requests import cookie_parser
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from wall.sessions import Session, Sessions

log = logging.getLogger(__name__)

SESSION_COOKIE = "murmur_session"
STATE = "murmur.session_state"
SESSION = "murmur.session"  # the Session itself, for logout
NONE, LIVE, ENDED = "none", "live", "ended"
UNAUTHORISED = 4401
# Files and screens never need a session: no database read for them. (Pictures, /media/,
# are looked up: hidden ones may be for moderators' eyes only.)
_ANONYMOUS = ("/static/", "/themes/", "/ws/wall/")


def secure(scope: Scope, configured: bool) -> bool:
    """Whether a cookie set in answer to this request gets the ``Secure`` flag.

    The scheme the client used decides (``wall.web.proxy`` sets it behind a trusted proxy);
    ``secure_cookies`` forces it on for plain-HTTP requests too.
    """
    return configured or scope.get("scheme") in {"https", "wss"}


def session_state(scope: Scope) -> str:
    return str(scope.get(STATE, NONE))


def _cookie(scope: Scope) -> str | None:
    # Starlette's parser, as browsers do: one odd cookie from another app on the same host
    # does not hide ours (http.cookies.SimpleCookie would drop them all).
    for name, value in scope["headers"]:
        if name == b"cookie":
            found = cookie_parser(value.decode("latin-1")).get(SESSION_COOKIE)
            if found:
                return found
    return None


class SessionCookies:
    def __init__(self, app: ASGIApp, *, sessions: Sessions, secure_cookies: bool) -> None:
        self.app = app
        self.sessions = sessions
        self.secure_cookies = secure_cookies

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in {"http", "websocket"}:
            await self.app(scope, receive, send)
            return
        cookie = _cookie(scope)
        session = None
        state = NONE
        if cookie and not scope["path"].startswith(_ANONYMOUS):
            session = await self.sessions.resolve(cookie)
            state = LIVE if session else ENDED
        scope["session"] = (
            {
                "user": session.username,
                "role": session.role,
                "csrf": session.csrf,
                "events": list(session.events),
            }
            if session
            else {}
        )
        scope[STATE] = state
        scope[SESSION] = session
        if scope["type"] == "websocket" and session is not None:
            await self._websocket(session, scope, receive, send)
        elif state == ENDED and scope["type"] == "http":
            await self.app(scope, receive, self._forgetting(scope, send))
        else:
            await self.app(scope, receive, send)

    def _forgetting(self, scope: Scope, send: Send) -> Send:
        """Delete the ended session's cookie in the response, unless it sets a new one."""

        async def forget(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if not any(
                    v.startswith(f"{SESSION_COOKIE}=") for v in headers.getlist("set-cookie")
                ):
                    headers.append("set-cookie", self.clearing(scope))
            await send(message)

        return forget

    def clearing(self, scope: Scope) -> str:
        flags = "; Secure" if secure(scope, self.secure_cookies) else ""
        return f'{SESSION_COOKIE}=""; Max-Age=0; Path=/; HttpOnly; SameSite=Lax{flags}'

    async def _websocket(
        self, session: Session, scope: Scope, receive: Receive, send: Send
    ) -> None:
        """Run the socket; when its session ends, end the app's side and close with 4401."""
        ended = self.sessions.watch(session)
        sent: dict[str, bool] = {"accept": False, "close": False}

        async def recheck() -> None:
            # Ends decided in another process (the CLI), expiry, and role changes.
            try:
                while not ended.is_set():
                    await asyncio.sleep(self.sessions.recheck)
                    now = await self.sessions.check(session.key)
                    if now is None or (now.role, now.events) != (session.role, session.events):
                        ended.set()
            except Exception:  # the store is closing, or failing: closed, not left open
                log.warning("could not recheck a desk's session; closing it", exc_info=True)
                ended.set()

        pending: asyncio.Task[Message] | None = None

        async def guarded_receive() -> Message:
            # The app hears "the client left" when the session ends, and stops.
            nonlocal pending
            if not sent["accept"]:  # the handshake is the app's to finish
                return await receive()
            if pending is None:
                pending = asyncio.ensure_future(receive())
            waiter = asyncio.ensure_future(ended.wait())
            try:
                await asyncio.wait({pending, waiter}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                waiter.cancel()
            if pending.done():
                message, pending = pending.result(), None
                return message
            return {"type": "websocket.disconnect", "code": UNAUTHORISED}

        async def tracking_send(message: Message) -> None:
            kind = str(message["type"]).removeprefix("websocket.")
            if kind in sent:
                sent[kind] = True
            await send(message)

        checker = asyncio.create_task(recheck())
        try:
            await self.app(scope, guarded_receive, tracking_send)
            if ended.is_set() and sent["accept"] and not sent["close"]:
                reason: dict[str, Any] = {"reason": "session ended: log in again"}
                await send({"type": "websocket.close", "code": UNAUTHORISED, **reason})
        finally:
            checker.cancel()
            if pending is not None:
                pending.cancel()
            self.sessions.unwatch(session, ended)
