"""The browser pages: static HTML shells whose ES modules talk to the API and sockets."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from wall.hub import Hub

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
    return _page("moderate.html")


async def admin_page(request: Request) -> Response:
    if not request.session.get("user"):
        return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)
    if not _known(request):
        return _page("notfound.html", 404)
    if request.session.get("role") != "organiser":
        return _page("forbidden.html", 403)
    return _page("admin.html")


async def login_page(request: Request) -> Response:
    return _page("login.html")


async def home(request: Request) -> Response:
    hub: Hub = request.app.state.hub
    if len(hub.events) >= 1:
        return RedirectResponse(f"/wall/{next(iter(hub.events))}", status_code=303)
    return _page("notfound.html", 404)


async def healthz(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def media(request: Request) -> Response:
    hub: Hub = request.app.state.hub
    path = hub.media.path_for(request.path_params["name"])
    if path is None:
        return JSONResponse({"error": "No such image."}, status_code=404)
    return FileResponse(
        path,
        media_type="image/webp",
        headers={"Cache-Control": "public, max-age=31536000, immutable"},
    )


routes = [
    Route("/", home, methods=["GET"]),
    Route("/healthz", healthz, methods=["GET"]),
    Route("/login", login_page, methods=["GET"]),
    Route("/wall/{event}", wall_page, methods=["GET"]),
    Route("/moderate/{event}", moderate_page, methods=["GET"]),
    Route("/admin/{event}", admin_page, methods=["GET"]),
    Route("/media/{name}", media, methods=["GET"]),
]
