"""The browser pages: static HTML shells whose ES modules talk to the API and sockets."""

from __future__ import annotations

import asyncio
import time
from importlib.resources import files
from pathlib import Path
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from wall.hub import Hub
from wall.sessions import may_act_on

# Package data, so an installed wheel serves its pages like a checkout does.
STATIC = Path(str(files("wall") / "static"))


def _page(name: str, status: int = 200) -> Response:
    return FileResponse(
        STATIC / name,
        status_code=status,
        media_type="text/html",
        headers={"Cache-Control": "no-cache"},
    )


def _known(request: Request) -> bool:
    hub: Hub = request.app.state.hub
    return request.path_params["event"] in hub.events


async def wall_page(request: Request) -> Response:
    if not _known(request):
        return _page("notfound.html", 404)
    return _page("wall.html")


async def moderate_page(request: Request) -> Response:
    if not request.session.get("user"):
        return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)
    if not _known(request):
        return _page("notfound.html", 404)
    if not may_act_on(request.session, request.path_params["event"]):
        return _page("forbidden.html", 403)
    return _page("moderate.html")


async def admin_page(request: Request) -> Response:
    if not request.session.get("user"):
        return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)
    if not _known(request):
        return _page("notfound.html", 404)
    if request.session.get("role") != "organiser" or not may_act_on(
        request.session, request.path_params["event"]
    ):
        return _page("forbidden.html", 403)
    return _page("admin.html")


async def events_page(request: Request) -> Response:
    """Every event, for organisers: states, links, archive, create (wall/static/events.html)."""
    if not request.session.get("user"):
        return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)
    if request.session.get("role") != "organiser":
        return _page("forbidden.html", 403)
    return _page("events.html")


async def event_page(request: Request) -> Response:
    """The event's settings editor, for organisers (wall/static/event.html)."""
    response = await admin_page(request)
    if response.status_code != 200 or isinstance(response, RedirectResponse):
        return response
    return _page("event.html")


async def login_page(request: Request) -> Response:
    return _page("login.html")


async def home(request: Request) -> Response:
    hub: Hub = request.app.state.hub
    if len(hub.events) >= 1:
        return RedirectResponse(f"/wall/{next(iter(hub.events))}", status_code=303)
    return _page("notfound.html", 404)


async def healthz(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


PUBLIC_FOR = 2.0  # seconds an answer is kept while nothing is committed (a backstop)


async def _announced(hub: Hub, needle: str) -> bool:
    """Whether a slide of any event's display (live or from the config) shows the picture."""
    for slug in hub.events:
        display = await hub.display(slug)
        if any(a.image and a.image.startswith(needle) for a in display.announcements):
            return True
    return False


async def _public(hub: Hub, stem: str) -> bool:
    return await hub.store.picture_shown(stem) or await _announced(hub, f"/media/{stem}")


async def _is_public(request: Request, stem: str) -> bool:
    """Whether anonymous clients may have the picture ``stem``, asked once however many
    screens ask at once (a new picture is fetched by every screen within a second).

    An answer holds until a change is committed, here or on another process (a hide or a
    removal is refused to the very next request), and at most ``PUBLIC_FOR`` seconds.
    """
    cache: dict[str, tuple[int, float, asyncio.Future[bool]]] = request.app.state.shown_pictures
    hub: Hub = request.app.state.hub
    committed, now = hub.changes_seen, time.monotonic()
    known = cache.get(stem)
    if known is None or known[0] != committed or known[1] < now:
        if len(cache) > 10_000:
            cache.clear()
        known = (committed, now + PUBLIC_FOR, asyncio.ensure_future(_public(hub, stem)))
        cache[stem] = known
    return await asyncio.shield(known[2])


async def media(request: Request) -> Response:
    hub: Hub = request.app.state.hub
    name = request.path_params["name"]
    path = hub.media.path_for(name)
    missing = JSONResponse({"error": "No such image.", "code": "no_image"}, status_code=404)
    if path is None:
        return missing
    if request.session.get("user"):  # moderators see what they moderate, hidden or not
        return FileResponse(
            path, media_type="image/webp", headers={"Cache-Control": "private, max-age=3600"}
        )
    # Anonymous clients get a picture only while a shown post or a slide uses it: a
    # hidden, waiting or removed post's picture is not reachable by its URL (DESIGN.md,
    # promise 10). Same answer as for a name that does not exist.
    if not await _is_public(request, name[:32]):
        return missing
    return FileResponse(
        path,
        media_type="image/webp",
        # Private: no shared cache keeps serving a picture after a moderator hides it.
        headers={"Cache-Control": "private, max-age=300"},
    )


routes = [
    Route("/", home, methods=["GET"]),
    Route("/healthz", healthz, methods=["GET"]),
    Route("/login", login_page, methods=["GET"]),
    Route("/wall/{event}", wall_page, methods=["GET"]),
    Route("/moderate/{event}", moderate_page, methods=["GET"]),
    Route("/admin", events_page, methods=["GET"]),
    Route("/admin/{event}", admin_page, methods=["GET"]),
    Route("/admin/{event}/event", event_page, methods=["GET"]),
    Route("/media/{name}", media, methods=["GET"]),
]
