"""The websockets: ``/ws/wall/{event}`` for screens, ``/ws/moderate/{event}`` for moderators.

Each connection subscribes to the bus *before* reading its starting point (a replay from
the log after ``?since=``, or a snapshot), then forwards live entries whose ``seq`` is
above what it already sent. A subscription that overflows closes the socket with 4000
(resync); the client reconnects with ``since`` and misses nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import re
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from starlette.routing import WebSocketRoute
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketDisconnect

from wall.bus import Overflow, Subscription
from wall.hub import Hub
from wall.screen_view import encode_screen, for_screens
from wall.screens import screen_name
from wall.sessions import may_act_on
from wall.store import StoreUnavailable
from wall.views import EPHEMERAL, MODERATE, WALL, Snapshot, encode
from wall.web.params import whole_number
from wall.web.proxy import Network, ProxyHeaders
from wall.web.security import origin_allowed

RESYNC = 4000
# RFC 6455's "try again later": the store did not answer (wall.store.StoreUnavailable).
TRY_AGAIN_LATER = 1013
UNAUTHORISED = 4401
UNKNOWN_EVENT = 4404
FORBIDDEN = 4403  # the user may not act on this event (their role is limited to others)
POLICY = 1008


def _since(ws: WebSocket) -> int | None:
    """``?since=`` as a plain ASCII number, or None (the client gets a snapshot).

    ``str.isdigit`` accepts ``²`` and other Unicode digits, which ``int()`` then refuses or
    reads as a number SQLite cannot hold; ``wall.web.params`` reads it like every number
    from outside (0-9 only, at most a signed 64-bit integer). A bad value is not worth
    closing the socket: a snapshot is always a correct start.
    """
    raw = ws.query_params.get("since")
    return None if raw is None else whole_number(raw)


async def _send_start(ws: WebSocket, hub: Hub, slug: str, audience: str) -> int:
    """Send the replay after ``since`` or a snapshot; return the last seq sent."""
    since = _since(ws)
    if since is not None:
        entries = await hub.store.log_since(slug, since, audience)
        if entries is not None:
            for entry in entries:
                text = entry.text_for(audience)
                if text is not None:
                    await ws.send_text(text)
            return entries[-1].seq if entries else since
    seq, posts, display = await hub.store.snapshot(slug, audience)
    display = display or hub.events[slug].display
    spotlight = await hub.store.current_spotlight(slug)
    announcing = await hub.store.current_announcement(slug)
    snapshot = Snapshot(
        seq=seq, posts=posts, display=display, spotlight=spotlight, announcing=announcing
    )
    if audience == WALL:  # screens get the view made for them (wall.screen_view)
        screen = for_screens(snapshot)
        assert screen is not None  # a snapshot always has a screen view
        await ws.send_text(encode_screen(screen))
    else:
        await ws.send_text(encode(snapshot))
    return seq


async def _forward(ws: WebSocket, sub: Subscription, last: int) -> None:
    async for entry in sub:
        text = entry.text_for(sub.audience)  # None: nothing for this audience
        if entry.seq == EPHEMERAL:  # claims, presence: not logged, always current
            if text is not None:
                await ws.send_text(text)
        elif entry.seq > last:
            if text is not None:
                await ws.send_text(text)
            last = entry.seq


MAX_CLIENT_MESSAGE = 4096

# What a screen's messages go to (its hello: the fleet hears it).
Heard = Callable[[dict[str, Any]], Awaitable[None]]


async def _drain(ws: WebSocket, on_message: Heard | None) -> None:
    """Read what the client sends until it goes away; small JSON objects go to on_message."""
    while True:
        message = await ws.receive()
        if message["type"] == "websocket.disconnect":
            return
        text = message.get("text")
        if on_message is None or not text or len(text) > MAX_CLIENT_MESSAGE:
            continue
        try:
            data = json.loads(text)
        except ValueError:
            continue
        if isinstance(data, dict):
            await on_message(data)


async def _serve(ws: WebSocket, audience: str) -> None:
    hub: Hub = ws.app.state.hub
    server = hub.settings.server
    if not origin_allowed(ws, [*server.allowed_origins, *filter(None, [server.public_url])]):
        await ws.close(POLICY)  # before accept: the handshake is refused with 403
        return
    slug = ws.path_params["event"]
    if audience == MODERATE and not ws.session.get("user"):
        await ws.accept()
        await ws.close(UNAUTHORISED, "log in first")
        return
    if slug not in hub.events:
        await ws.accept()
        await ws.close(UNKNOWN_EVENT, "no such event")
        return
    if audience == MODERATE and not may_act_on(ws.session, slug):
        await ws.accept()
        await ws.close(FORBIDDEN, "not one of your events")
        return
    await ws.accept()
    screen = None
    on_message = None
    # A preview on the organiser page is not a screen: it is not counted in the fleet.
    if audience == WALL and ws.query_params.get("preview") != "1":
        screen = await hub.fleet.connect(slug, screen_name(ws.query_params.get("screen")))
        on_message = functools.partial(hub.fleet.heard, screen)
    try:
        await _stream(ws, hub, slug, audience, on_message)
    finally:
        if screen is not None:
            await hub.fleet.disconnect(screen)


async def _stream(
    ws: WebSocket,
    hub: Hub,
    slug: str,
    audience: str,
    on_message: Heard | None,
) -> None:
    # A moderator's desk also starts from who holds what and who is online, and counts
    # as online itself while it is connected.
    moderator = None
    if audience == MODERATE:
        moderator = (str(ws.session["user"]), str(ws.session.get("role", "moderator")))
    joined = False
    with hub.bus.subscribe(slug, audience) as sub:
        try:
            last = await _send_start(ws, hub, slug, audience)
            if moderator is not None:
                # Joining publishes the presence (this desk gets it from its buffer).
                await hub.desk.join(slug, *moderator)
                joined = True
                await ws.send_text(await hub.desk.claims_text(slug))
            forward = asyncio.create_task(_forward(ws, sub, last))
            drain = asyncio.create_task(_drain(ws, on_message))
            done, pending = await asyncio.wait(
                {forward, drain}, return_when=asyncio.FIRST_COMPLETED
            )
            for task in pending:
                task.cancel()
            for task in pending:
                with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnect):
                    await task
            for task in done:
                exc = task.exception()
                if isinstance(exc, Overflow):
                    await ws.close(RESYNC, "resync")
                elif exc is not None and not isinstance(exc, WebSocketDisconnect | OSError):
                    raise exc
        except WebSocketDisconnect:
            pass
        except StoreUnavailable:  # PostgreSQL is away: the client retries with ?since=
            with contextlib.suppress(WebSocketDisconnect, RuntimeError):
                await ws.close(TRY_AGAIN_LATER, "the database is not answering")
        finally:
            if joined and moderator is not None:
                await hub.desk.leave(slug, moderator[0])


async def wall_socket(ws: WebSocket) -> None:
    await _serve(ws, WALL)


async def moderate_socket(ws: WebSocket) -> None:
    await _serve(ws, MODERATE)


routes = [
    WebSocketRoute("/ws/wall/{event}", wall_socket),
    WebSocketRoute("/ws/moderate/{event}", moderate_socket),
]

_WALL_PATH = re.compile(r"/ws/wall/(?P<event>[^/]+)")


class ScreenSockets:
    """Screens' sockets go straight to their handler, past the layers made for people.

    A screen has no session, sends no form and receives no page, yet every middleware it
    passes through keeps a frame alive for as long as the socket is open: with thousands
    of screens that is most of what an idle one costs (bench/screen_memory.py). So the
    first middleware sends ``/ws/wall/{event}`` through the proxy headers only (the
    origin check needs the client's real scheme and host) and on to ``wall_socket``.
    """

    def __init__(self, app: ASGIApp, *, trusted: Sequence[Network]) -> None:
        self.app = app
        self.screens = ProxyHeaders(self._wall, trusted=trusted)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket" and (found := _WALL_PATH.fullmatch(scope["path"])):
            scope["path_params"] = {"event": found["event"]}
            await self.screens(scope, receive, send)
            return
        await self.app(scope, receive, send)

    @staticmethod
    async def _wall(scope: Scope, receive: Receive, send: Send) -> None:
        await wall_socket(WebSocket(scope, receive, send))
