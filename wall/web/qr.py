"""The QR code on the screens that leads to the attendees' page: ``/qr/{event}.svg``; and
``svg`` for other links (an invitation, ``wall.web.invites``)."""

from __future__ import annotations

import io
import re

import segno
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from wall.hub import Hub

_HOST = re.compile(r"^(?:[A-Za-z0-9.-]{1,253}|\[[0-9A-Fa-f:.]{2,45}\])(?::[0-9]{1,5})?$")


def _hub(request: Request) -> Hub:
    hub: Hub = request.app.state.hub
    return hub


def absolute_url(request: Request, path: str) -> str | None:
    """``path`` on this server as the outside sees it (``public_url``, else the request's
    Host), or None for a suspicious Host."""
    public = _hub(request).settings.server.public_url
    if public:
        return f"{public.rstrip('/')}{path}"
    host = request.headers.get("host", "")
    if not _HOST.fullmatch(host):
        return None
    return f"{request.url.scheme}://{host}{path}"


def submit_url(request: Request, slug: str) -> str | None:
    """The absolute address of ``slug``'s attendees' page, or None for a suspicious Host."""
    return absolute_url(request, f"/submit/{slug}")


def svg(url: str) -> str:
    """A QR code of ``url``, as an SVG document (black on white, a quiet zone of 4)."""
    out = io.BytesIO()
    segno.make(url, error="m", micro=False).save(
        out, kind="svg", border=4, xmldecl=False, omitsize=True, title=url,
        dark="#000", light="#fff",
    )  # fmt: skip
    return out.getvalue().decode()


async def qr_code(request: Request) -> Response:
    slug = str(request.path_params["event"])
    if slug not in _hub(request).events:
        return JSONResponse(
            {"error": f"There is no event “{slug[:60]}”.", "code": "no_event"}, status_code=404
        )
    url = submit_url(request, slug)
    if url is None:
        return JSONResponse(
            {"error": "The request's Host header is not valid.", "code": "host"}, 400
        )
    return Response(
        svg(url),
        media_type="image/svg+xml",
        headers={"Cache-Control": "public, max-age=300", "Vary": "Host"},
    )
